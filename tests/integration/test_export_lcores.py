#!/usr/bin/env python3
"""Export lcores (issue 23, --export-lcores): records under back-pressure.

1. Offline (--pcap, no EAL: the worker waits for room), a flood capture from
   scripts/fzgen.py into a JSON-lines FIFO that the test reads slowly, with no,
   one and two export lcores and a small ring: nothing is lost, the lines are
   exactly the capture's flows (and the final stats record), in the same order
   and byte for byte the same as without export lcores.
2. Live (net_pcap through EAL, the flood looped with infinite_rx, one worker and
   one export lcore), into the same slow FIFO: while it runs /metrics shows the
   workers' ring_full drops grow; after SIGTERM the final counters add up
   exactly: records the worker made = records it put on the ring + ring_full,
   put on the ring = the pipeline's flows = the JSON-lines flows written + lost,
   and the lines read from the FIFO are the flows written.
3. SIGHUP while the export lcore writes (live, the gnutella capture looped, one
   export lcore, the JSON-lines file renamed first): the file is reopened at a
   batch boundary, every flow is in one file or the other, exactly once, and
   no line is torn.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from fzrun import FLOWZOO, NDPI, SRC, Checker, get, wait_started  # noqa: E402

FLOOD = 20000  # packets, each a new flow


class SlowReader(threading.Thread):
    """Reads a FIFO a little at a time (chunk bytes, then a nap) until fast is set, then as
    fast as it can, to its end; keeps what it read."""

    def __init__(self, path, chunk=16384, nap=0.002):
        super().__init__(daemon=True)
        self.path, self.chunk, self.nap = path, chunk, nap
        self.fast = threading.Event()
        self.data = bytearray()

    def run(self):
        with open(self.path, "rb", buffering=0) as f:
            while True:
                b = f.read(self.chunk if not self.fast.is_set() else 1 << 20)
                if not b:
                    return
                self.data += b
                if not self.fast.is_set():
                    time.sleep(self.nap)

    def lines(self):
        return bytes(self.data).decode().splitlines()


def unblock(fifo):
    """A reader still waiting for a writer (flowzoo refused to start) sees the end."""
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass  # no reader waits


def gen_flood(tmp):
    subprocess.run([sys.executable, os.path.join(SRC, "scripts", "fzgen.py"), "bench", tmp,
                    "--only", "flood64", "--flood-packets", str(FLOOD)], check=True,
                   capture_output=True)
    return os.path.join(tmp, "flood64.pcap")


def offline(c, tmp, pcap, lanes):
    """flowzoo --pcap into a slow FIFO; returns the lines without the stats records."""
    name = "off%s" % (lanes.replace(",", "_") or "none")
    fifo = os.path.join(tmp, name + ".fifo")
    summary = os.path.join(tmp, name + ".json")
    os.mkfifo(fifo)
    reader = SlowReader(fifo)
    reader.start()
    cmd = [FLOWZOO, "--pcap", pcap, "--jsonl", fifo, "--summary", summary, "--progress",
           "off", "--ring-size", "64", "--stats-interval", "0.05"] + (
               ["--export-lcores", lanes] if lanes else [])
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    reader.fast.set()
    unblock(fifo)
    reader.join(120)
    c.eq(0, p.returncode, "%s: exit status (stderr: %s)" % (name, p.stderr[-300:]))
    s = json.load(open(summary))
    lines = reader.lines()
    flows = [ln for ln in lines if ln.startswith('{"type":"flow"')]
    c.eq(FLOOD, len(flows), "%s: flow lines read from the FIFO" % name)
    stats = [json.loads(ln) for ln in lines if ln.startswith('{"type":"stats"')]
    c.eq(FLOOD + len(stats), len(lines), "%s: every line is a flow or a stats record" % name)
    c.eq(True, lines[-1].startswith('{"type":"stats"'), "%s: a stats record last" % name)
    c.eq(True, len(stats) >= 3, "%s: stats records while it runs (%d)" % (name, len(stats)))
    # Each stats record counts exactly the flows written since the one before it (with export
    # lcores the zoo's counters are gathered at the lanes' turns, and the record is made once
    # they hold nothing).
    seen, between = [], 0
    for ln in lines:
        if ln.startswith('{"type":"flow"'):
            between += 1
        else:
            seen.append(between)
            between = 0
    c.eq(seen, [st["interval"]["flows"] for st in stats], "%s: stats records in place" % name)
    c.eq(FLOOD, s["flows"], "%s: summary flows" % name)
    c.eq(0, s["drops"]["ring_full"], "%s: ring_full (offline the worker waits)" % name)
    c.eq(FLOOD, s["jsonl"]["flows"], "%s: jsonl flows written" % name)
    c.eq(0, s["jsonl"]["lost"], "%s: jsonl lost" % name)
    return flows


def ring_full(text):
    """The workers' ring_full drops in a /metrics text."""
    return sum(float(m.group(1)) for m in re.finditer(
        r'^flowzoo_records_dropped_total\{worker="\d+",reason="ring_full"\} ([0-9.e+]+)$',
        text, re.M))


def live(c, tmp, pcap):
    fifo = os.path.join(tmp, "live.fifo")
    log = os.path.join(tmp, "live.log")
    summary = os.path.join(tmp, "live.json")
    os.mkfifo(fifo)
    reader = SlowReader(fifo, chunk=4096, nap=0.005)
    reader.start()
    eal = ["--no-huge", "-m", "256", "--no-shconf", "--no-pci", "--file-prefix",
           # Three lcores on any box (this one has 2 CPUs): lcore 2 shares CPU 0.
           "fzexp%d" % os.getpid(), "--lcores", "0@0,1@1,2@0", "--no-telemetry", "--vdev",
           "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap]
    cmd = [FLOWZOO] + eal + ["--", "--clock", "tsc", "--flows-per-worker", "4096",
                             "--mbufs", str(FLOOD + 4095),
                             "--export-lcores", "2", "--log-file", log, "--summary", summary,
                             "--http", "127.0.0.1:0", "--jsonl", fifo]
    out = open(os.path.join(tmp, "live.out"), "w")
    p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    base, grew = None, False
    deadline = time.time() + 120
    try:
        while time.time() < deadline and p.poll() is None and not grew:
            text = open(log, errors="replace").read() if os.path.exists(log) else ""
            m = re.search(r"http: serving http://([0-9.]+:\d+)/", text)
            if base is None and m and "worker(s)" in text:
                base = "http://%s" % m.group(1)
            if base:
                st, _, body = get(base + "/metrics")
                grew = st == 200 and ring_full(body.decode()) > 0
            time.sleep(0.2)
        c.eq(True, base is not None, "live: serves /metrics")
        c.eq(True, grew, "live: /metrics shows ring_full drops while it runs")
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        reader.fast.set()
        try:
            rc = p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
        out.close()
        unblock(fifo)
        reader.join(120)
    c.eq(0 if rc == 0 else 3, rc, "live: exit status 0, or 3 (records lost, counted)")
    s = json.load(open(summary))
    w = s["workers"][0]
    flows = [ln for ln in reader.lines() if ln.startswith('{"type":"flow"')]
    c.eq(True, s["drops"]["ring_full"] > 0, "live: ring_full in the summary")
    c.eq(s["drops"]["ring_full"], w["ring_full"], "live: the worker's ring_full")
    c.eq(s["flows"], w["records"], "live: records on the ring = flows the pipeline took")
    c.eq(s["flows"], s["jsonl"]["flows"] + s["jsonl"]["lost"],
         "live: flows taken = JSON lines written + lost")
    c.eq(s["jsonl"]["flows"], len(flows), "live: flow lines read from the FIFO = written")
    c.eq(sum(s["flows_ended"].values()), w["records"] + w["ring_full"],
         "live: flows ended = put on the ring + ring_full")


def sighup(c, tmp):
    log, jsonl = os.path.join(tmp, "hup.log"), os.path.join(tmp, "hup.jsonl")
    summary = os.path.join(tmp, "hup.json")
    cmd = [FLOWZOO, "--no-huge", "-m", "512", "--no-shconf", "--no-pci", "--no-telemetry",
           "--file-prefix", "fzexph%d" % os.getpid(), "--lcores", "0@0,1@1,2@0", "--vdev",
           "net_pcap0,rx_pcap=%s,infinite_rx=1" % os.path.join(NDPI, "gnutella.pcap"), "--",
           "--clock", "tsc", "--summary", summary, "--jsonl", jsonl, "--flows-per-worker",
           "4096", "--idle-timeout", "0.2", "--export-lcores", "2", "--log-file", log]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        c.eq(True, wait_started(log, 120), "hup: started")
        time.sleep(1.5)
        os.rename(jsonl, jsonl + ".1")
        p.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        c.eq(None, p.poll(), "hup: still running after SIGHUP")
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
        rc = p.wait(timeout=120)
    s = json.load(open(summary))
    c.eq(3 if s["drops"]["ring_full"] else 0, rc, "hup: exit status")
    with open(log) as f:
        c.eq(True, "SIGHUP: log and output files reopened" in f.read(), "hup: the log says so")
    files = []
    for path in (jsonl + ".1", jsonl):
        with open(path) as f:
            text = f.read()
        c.eq(True, text.endswith("\n"), "hup: %s ends with a whole line" % os.path.basename(path))
        files.append([json.loads(x) for x in text.splitlines()])
    ids = [r["flow_id"] for r in files[0] + files[1] if r["type"] == "flow"]
    c.eq(True, len(files[0]) > 0 and any(r["type"] == "flow" for r in files[1]),
         "hup: records in both files")
    c.eq(s["jsonl"]["flows"], len(ids), "hup: every flow written is in one file or the other")
    c.eq(len(ids), len(set(ids)), "hup: no flow twice")
    c.eq(s["flows"], s["jsonl"]["flows"] + s["jsonl"]["lost"], "hup: flows = written + lost")


def main():
    c = Checker()
    with tempfile.TemporaryDirectory() as tmp:
        pcap = gen_flood(tmp)
        ref = offline(c, tmp, pcap, "")
        for lanes in ("0", "0,1"):
            got = offline(c, tmp, pcap, lanes)
            c.eq(True, ref == got, "offline --export-lcores %s: the same lines in the same "
                 "order as without" % lanes)
        live(c, tmp, pcap)
        sighup(c, tmp)
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
