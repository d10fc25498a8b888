"""Compressed JSON lines (issue 22, --jsonl-compress; docs/operator-guide.md).

- The zstd stream, decompressed by zstdcat, equals the plain file byte for
  byte: chosen by the .zst suffix, by --jsonl-compress zstd:LEVEL (fastest,
  default and smallest levels) on any name, and on standard output; jq reads
  it after zstdcat; --jsonl-compress none keeps a .zst name plain.
- --pcap-dir --watch --done delete: a file is deleted only once its records
  are flushed, so the stream on disk (its zstd frame still open) already
  decodes to them when the file disappears.
- SIGHUP (logrotate) ends the zstd frame of the renamed file and starts a new
  one: both files are whole zstd streams (zstd -t), and together they hold
  every record the summary counts, none lost.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from fzrun import FLOWZOO, NDPI, Checker

CAPS = [os.path.join(NDPI, f) for f in ("gnutella.pcap", "ssh.pcap", "http_ipv6.pcap",
                                          "bittorrent.pcap")]


def pcap_args(caps):
    out = []
    for p in caps:
        out += ["--pcap", p]
    return out


def flowzoo(args, stdout=subprocess.DEVNULL):
    p = subprocess.run([FLOWZOO] + args + ["--progress", "off", "--status-interval", "0"],
                       stdout=stdout, stderr=subprocess.PIPE, timeout=300)
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode(errors="replace"))
        raise RuntimeError("flowzoo %s: exit %d" % (" ".join(args), p.returncode))
    return p.stdout


def zstdcat(path, whole=True):
    """The decompressed bytes; whole: the stream must end in a complete frame."""
    p = subprocess.run(["zstdcat", path], capture_output=True, timeout=120)
    if whole and p.returncode != 0:
        raise RuntimeError("zstdcat %s: %s" % (path, p.stderr.decode(errors="replace")))
    return p.stdout


def records(data):
    """The lines but the stats records (their interval is stamped with the wall clock)."""
    return b"\n".join(ln for ln in data.splitlines() if not ln.startswith(b'{"type":"stats"'))


def same(c, want, got, what):
    c.eq(True, want == got, what)


def flow_lines(data):
    return [ln for ln in data.splitlines() if ln.startswith(b'{"type":"flow"')]


def wait_for(cond, timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def same_bytes(c, tmp):
    caps = [p for p in CAPS if os.path.exists(p)]
    c.eq(len(CAPS), len(caps), "the test captures are there")
    plain = os.path.join(tmp, "plain.jsonl")
    flowzoo(pcap_args(caps) + ["--jsonl", plain])
    want = records(open(plain, "rb").read())
    c.eq(True, len(flow_lines(want)) > 100, "the plain run wrote its flows")
    runs = [("auto by the suffix", "auto.jsonl.zst", []),
            ("zstd:-7", "fast.jsonl", ["--jsonl-compress", "zstd:-7"]),
            ("zstd", "default.out", ["--jsonl-compress", "zstd"]),
            ("zstd:19", "small.jsonl.zst", ["--jsonl-compress", "zstd:19"])]
    for what, name, extra in runs:
        path = os.path.join(tmp, name)
        flowzoo(pcap_args(caps) + ["--jsonl", path] + extra)
        c.eq(b"\x28\xb5\x2f\xfd", open(path, "rb").read(4), what + ": a zstd frame")
        got = records(zstdcat(path))
        same(c, want, got, "%s: equal to the plain file after zstdcat (%d and %d bytes)"
             % (what, len(want), len(got)))
    got = flowzoo(pcap_args(caps) + ["--jsonl", "-", "--jsonl-compress", "zstd"],
                  stdout=subprocess.PIPE)
    stdout_z = os.path.join(tmp, "stdout.zst")
    with open(stdout_z, "wb") as f:
        f.write(got)
    same(c, want, records(zstdcat(stdout_z)), "standard output: equal after zstdcat")
    none = os.path.join(tmp, "none.jsonl.zst")
    flowzoo(pcap_args(caps) + ["--jsonl", none, "--jsonl-compress", "none"])
    same(c, want, records(open(none, "rb").read()), "--jsonl-compress none: plain despite .zst")
    jq = subprocess.run("zstdcat %s | jq -c .type" % os.path.join(tmp, "auto.jsonl.zst"),
                        shell=True, capture_output=True, text=True, timeout=120)
    c.eq(0, jq.returncode, "jq reads zstdcat's output")
    types = jq.stdout.split()
    c.eq(len(flow_lines(want)), types.count('"flow"'), "jq: every flow record")
    c.eq(len(want.splitlines()) + 1, len(types), "jq: every record (and the stats record)")
    # Appending to an existing .zst adds a frame: the stream is both runs.
    flowzoo(pcap_args(caps[:1]) + ["--jsonl", os.path.join(tmp, "auto.jsonl.zst")])
    flowzoo(pcap_args(caps[:1]) + ["--jsonl", plain])
    same(c, records(open(plain, "rb").read()), records(zstdcat(os.path.join(tmp, "auto.jsonl.zst"))),
         "--jsonl-mode append: a second frame, equal to the appended plain file")


def watch_a(tmp, name, out):
    """flowzoo --pcap-dir --watch --done delete writing to out, a.pcap renamed in: (the
    process, its directory, its summary path, the flow lines out decodes to at the moment
    a.pcap is deleted, or None when it never was)."""
    d = os.path.join(tmp, name)
    side = os.path.join(tmp, name + ".side")
    os.makedirs(d)
    os.makedirs(side)
    summ = os.path.join(tmp, name + ".summary.json")
    # The default idle timeout (15 s): within the test the quiet input's packet clock ends
    # no flow, so what is flushed at the delete is exactly what a.pcap's frames ended.
    p = subprocess.Popen([FLOWZOO, "--pcap-dir", d, "--watch", "--done", "delete",
                          "--progress", "off", "--jsonl", out, "--summary", summ,
                          "--log-file", os.path.join(tmp, name + ".log")])
    shutil.copy(CAPS[0], os.path.join(side, "a.pcap"))
    os.rename(os.path.join(side, "a.pcap"), os.path.join(d, "a.pcap"))
    if not wait_for(lambda: not os.path.exists(os.path.join(d, "a.pcap"))):
        return p, d, summ, None
    if out.endswith(".zst"):
        # The frame is still open. zstdcat of a cut stream leaves out the last block it
        # decoded, so the frame is closed here with an empty last block (a raw block of
        # 0 bytes: 01 00 00; flowzoo writes no content checksum): then zstdcat gives
        # every line flushed. A line a later flush is writing may be cut: not counted.
        closed = os.path.join(os.path.dirname(out), "closed.zst")
        with open(closed, "wb") as f:
            f.write(open(out, "rb").read() + b"\x01\x00\x00")
        data = zstdcat(closed, whole=False)
    else:
        data = open(out, "rb").read()
    return p, d, summ, flow_lines(data[:data.rfind(b"\n") + 1])


def stop(p):
    p.send_signal(signal.SIGTERM)
    return p.wait(timeout=120)


def watch_done_hup(c, tmp):
    p, _, _, want = watch_a(tmp, "plain", os.path.join(tmp, "plain-watch.jsonl"))
    c.eq(0, stop(p), "plain: exit status")
    c.eq(True, want is not None and len(want) > 0, "plain: a.pcap deleted, its flows flushed")
    out = os.path.join(tmp, "watch.jsonl.zst")
    p, d, summ, at_delete = watch_a(tmp, "zst", out)
    try:
        # Its records were flushed before the delete: the open frame decodes to them.
        same(c, want, at_delete, "at the delete, the stream decodes to the flows the plain "
             "file had at its delete (%d and %d lines)" % (len(want), len(at_delete or [])))
        os.rename(out, out + ".1")
        p.send_signal(signal.SIGHUP)
        c.eq(True, wait_for(lambda: os.path.exists(out)), "SIGHUP: a new file")
        side = os.path.join(tmp, "zst.side")
        shutil.copy(CAPS[3], os.path.join(side, "b.pcap"))
        os.rename(os.path.join(side, "b.pcap"), os.path.join(d, "b.pcap"))
        c.eq(True, wait_for(lambda: not os.path.exists(os.path.join(d, "b.pcap"))),
             "b.pcap deleted once delivered")
    finally:
        rc = stop(p)
    c.eq(0, rc, "exit status")
    for path in (out + ".1", out):
        t = subprocess.run(["zstd", "-t", "-q", path], capture_output=True, text=True)
        c.eq(0, t.returncode, "%s: a whole zstd stream (%s)" % (os.path.basename(path),
                                                                  t.stderr.strip()))
    before, after = flow_lines(zstdcat(out + ".1")), flow_lines(zstdcat(out))
    s = json.load(open(summ))
    same(c, want, before[:len(want)], "the renamed file starts with the lines of the delete")
    c.eq(True, len(after) > 0, "records in the new file")
    c.eq(s["flows"], len(before) + len(after), "every flow in one file or the other")
    c.eq(s["flows"], s["jsonl"]["flows"], "the summary: every flow written")
    c.eq(0, s["jsonl"]["lost"], "the summary: none lost")
    c.eq(["a.pcap", "b.pcap"],
         [ln.split("\t")[0]
          for ln in open(os.path.join(d, ".flowzoo-journal")).read().split("\n")[:-1]],
         "both files journaled")


def main():
    c = Checker()
    with tempfile.TemporaryDirectory() as tmp:
        same_bytes(c, tmp)
        watch_done_hup(c, tmp)
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
