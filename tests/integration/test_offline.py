"""Offline without EAL (issue 22): capture formats and link types read by
lib/source, and --pcap-dir.

- The same frames as classic pcap (both byte orders, micro- and nanosecond
  stamps), pcapng, and with every link type the parser knows (Ethernet, SLL,
  SLL2, raw IP as LINKTYPE_RAW and LINKTYPE_IPV4) give the same flow records.
- --pcap-dir over a capture split with editcap (and named as tcpdump -C names
  files: f, f1, ..., f10, read in that order) gives the records of one
  --pcap run over their concatenation (mergecap -a).
- The journal: a restart reads only the files added since.
- Truncated and corrupt files in the middle are reported, counted in
  ierrors (exit status 3) and skipped; the others are read.
- --done delete deletes delivered files (never a bad one), move:DIR moves
  them; with Kafka up (the mock cluster) files go once acknowledged, with
  Kafka down (no spool) nothing is deleted nor journaled.
- --l7-cache: the same records from the cache, a damaged cache and none.
- --watch picks up a file written slowly (at its close) and one renamed in,
  in name order, until SIGTERM.
- An offline run loads no library it does not use (app/flowzoo/lazy_libs.c):
  librdkafka, libmicrohttpd and libpcap only when --kafka-mock, --http and
  --pcap-eal ask for them (the loader's own list, LD_DEBUG=files); one that
  cannot be loaded (not a shared object, or without the function) is exit
  status 2 and one message naming it, never a crash.
- A run through EAL leaves no runtime directory behind (/var/run/dpdk/PREFIX).
"""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

from fzrun import FLOWZOO, NDPI, Checker, eal_runtime_dir, run_flowzoo

SRC_CAP = os.path.join(NDPI, "gnutella.pcap")  # chronological, no VLAN, Ethernet
LINK = os.path.join(NDPI, "ssh.pcap")  # pcapng


def read_pcap(path):
    """(linktype, [(sec, usec, frame)]) of a little-endian microsecond pcap."""
    d = open(path, "rb").read()
    magic, _, _, _, _, _, lt = struct.unpack("<IHHiIII", d[:24])
    assert magic == 0xA1B2C3D4, path
    pos, out = 24, []
    while pos + 16 <= len(d):
        sec, usec, incl, _ = struct.unpack("<IIII", d[pos:pos + 16])
        out.append((sec, usec, d[pos + 16:pos + 16 + incl]))
        pos += 16 + incl
    return lt, out


def write_pcap(path, lt, recs, big=False, nsec=False):
    e = ">" if big else "<"
    out = [struct.pack(e + "IHHiIII", 0xA1B23C4D if nsec else 0xA1B2C3D4, 2, 4, 0, 0, 262144,
                       lt)]
    for sec, usec, f in recs:
        out.append(struct.pack(e + "IIII", sec, usec * 1000 + 999 if nsec else usec, len(f),
                               len(f)) + f)
    with open(path, "wb") as fp:
        fp.write(b"".join(out))


def flows(recs):
    return [r for r in recs if r["type"] == "flow"]


def run(args, tmp, name, expect_rc=0, timeout=300):
    """flowzoo with args; (flow records, summary, stderr)."""
    jsonl = os.path.join(tmp, name + ".jsonl")
    summ = os.path.join(tmp, name + ".summary.json")
    p = subprocess.run([FLOWZOO] + args + ["--jsonl", jsonl, "--summary", summ, "--progress",
                                           "off"], capture_output=True, text=True,
                       timeout=timeout)
    if p.returncode != expect_rc:
        sys.stderr.write(p.stderr)
        raise RuntimeError("%s: exit %d, expected %d" % (name, p.returncode, expect_rc))
    recs = [json.loads(line) for line in open(jsonl) if line.strip()]
    return flows(recs), json.load(open(summ)), p.stderr


def formats_and_links(c, tmp):
    le = os.path.join(tmp, "ssh_le.pcap")  # as editcap writes it: little-endian, microseconds
    subprocess.run(["editcap", "-F", "pcap", LINK, le], check=True)
    lt, recs = read_pcap(le)
    c.eq(1, lt, "ssh.pcap is Ethernet")
    ref, ref_summ, _ = run_flowzoo([LINK], tmp, name="ref")
    ref = flows(ref)
    c.eq(True, len(ref) > 0, "reference flows")
    cases = {}
    for big in (False, True):
        for nsec in (False, True):
            p = os.path.join(tmp, "fmt_%d_%d.pcap" % (big, nsec))
            write_pcap(p, 1, recs, big=big, nsec=nsec)
            cases["pcap big=%s nsec=%s" % (big, nsec)] = p
    ng = os.path.join(tmp, "ssh.pcapng")
    subprocess.run(["editcap", "-F", "pcapng", LINK, ng], check=True)
    cases["pcapng"] = ng
    ngns = os.path.join(tmp, "ssh_ns.pcapng")
    subprocess.run(["editcap", "-F", "pcapng", cases["pcap big=False nsec=True"], ngns],
                   check=True)
    cases["pcapng ns"] = ngns
    # Other link types: the Ethernet header replaced.
    ip = [(s, u, f[14:]) for s, u, f in recs if f[12:14] in (b"\x08\x00", b"\x86\xdd")]
    c.eq(len(recs), len(ip), "every ssh.pcap frame is IP")

    def sll(f):
        return struct.pack(">HHH8sH", 0, 1, 6, b"\xaa" * 6 + b"\0\0",
                           0x0800 if f[0] >> 4 == 4 else 0x86DD) + f

    def sll2(f):
        return struct.pack(">HHIHBB8s", 0x0800 if f[0] >> 4 == 4 else 0x86DD, 0, 2, 1, 0, 6,
                           b"\xaa" * 6 + b"\0\0") + f

    for name, lt2, wrap in (("sll", 113, sll), ("sll2", 276, sll2), ("raw", 101, None),
                            ("ipv4", 228, None)):
        p = os.path.join(tmp, "link_%s.pcap" % name)
        write_pcap(p, lt2, [(s, u, wrap(f) if wrap else f) for s, u, f in ip])
        cases["link " + name] = p
    for i, (what, path) in enumerate(sorted(cases.items())):
        got, summ, _ = run_flowzoo([path], tmp, name="case%d" % i)
        c.eq(ref, flows(got), "flow records of %s" % what)
        c.eq(ref_summ["packets"], summ["packets"], "packets of %s" % what)
    # pcapng with a second interface of a link type the parser does not know.
    _, summ, err = run_flowzoo([ng, os.path.join(tmp, "link_sll2.pcap")], tmp, name="two")
    c.eq(2 * ref_summ["packets"], summ["packets"], "two files read as one input")


def split(tmp, name, frames_per_file):
    """gnutella.pcap split with editcap -c into tmp/name/ (sorted list of paths)."""
    d = os.path.join(tmp, name)
    os.makedirs(d)
    subprocess.run(["editcap", "-F", "pcap", "-c", str(frames_per_file), SRC_CAP,
                    os.path.join(d, "part.pcap")], check=True, capture_output=True)
    return d, sorted(os.path.join(d, f) for f in os.listdir(d))


def concat(paths, out):
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", out] + paths, check=True)
    return out


def frames_of(path):
    return len(read_pcap(path)[1])


def journal_names(p):
    """The names of a journal's lines (NAME, size, mtime: tab-separated)."""
    return [x.split("\t")[0] for x in open(p).read().split("\n")[:-1]] if os.path.exists(p) \
        else []


def journal(d):
    return journal_names(os.path.join(d, ".flowzoo-journal"))


def directories(c, tmp):
    # editcap names (padded numbers): name order is time order.
    d, parts = split(tmp, "split", 700)
    c.eq(6, len(parts), "gnutella.pcap in 6 parts")
    ref, ref_summ, _ = run(["--pcap", concat(parts, os.path.join(tmp, "cat.pcap"))], tmp,
                           "cat")
    got, summ, _ = run(["--pcap-dir", d], tmp, "dir")
    c.eq(ref, got, "--pcap-dir = --pcap of the concatenation (editcap names)")
    c.eq(ref_summ["packets"], summ["packets"], "packets")
    c.eq(3905, summ["packets"], "every frame")
    c.eq([os.path.basename(p) for p in parts], journal(d), "the journal lists every file")
    c.eq([{"port": 0, "name": "pcap-dir", "ipackets": 3905, "imissed": 0, "ierrors": 0,
           "rx_nombuf": 0}], summ["ports"], "the port entry")
    # Run again: everything is journaled, nothing is read.
    _, summ, _ = run(["--pcap-dir", d], tmp, "again")
    c.eq(0, summ["packets"], "a restart reads nothing journaled")
    # tcpdump -C names: f, f1, ..., f10 (version order, not byte order).
    t = os.path.join(tmp, "tcpdump")
    os.makedirs(t)
    _, many = split(tmp, "many", 350)
    c.eq(12, len(many), "12 parts")
    names = ["trace"] + ["trace%d" % i for i in range(1, len(many))]
    for src, n in zip(many, names):
        shutil.copy(src, os.path.join(t, n))
    for skip in (".hidden", "x.tmp", "y.part", "z.current"):
        shutil.copy(many[0], os.path.join(t, skip))
    got, summ, _ = run(["--pcap-dir", t, "--journal", os.path.join(tmp, "tcpdump.journal")],
                       tmp, "tcpdump")
    c.eq(ref, got, "--pcap-dir with tcpdump -C names = the concatenation")
    c.eq(names, journal_names(os.path.join(tmp, "tcpdump.journal")),
         "files in version order; skipped names not read; --journal PATH")
    # Journal restart: three files first, then the rest.
    r = os.path.join(tmp, "restart")
    os.makedirs(r)
    for p in parts[:3]:
        shutil.copy(p, r)
    _, s1, _ = run(["--pcap-dir", r], tmp, "first")
    for p in parts[3:]:
        shutil.copy(p, r)
    _, s2, _ = run(["--pcap-dir", r], tmp, "second")
    c.eq(sum(frames_of(p) for p in parts[:3]), s1["packets"], "first run: three files")
    c.eq(sum(frames_of(p) for p in parts[3:]), s2["packets"], "restart: only the new files")
    c.eq([os.path.basename(p) for p in parts], journal(r), "journal after the restart")
    return parts


def bad_files(c, tmp, parts):
    d = os.path.join(tmp, "bad")
    os.makedirs(d)
    names = ["f1.pcap", "f2.pcap", "f3.pcap", "f4.pcap", "f5.pcap"]
    shutil.copy(parts[0], os.path.join(d, names[0]))
    data = open(parts[1], "rb").read()
    with open(os.path.join(d, names[1]), "wb") as f:  # cut inside the last record
        f.write(data[:-5])
    lt, recs = read_pcap(parts[2])
    write_pcap(os.path.join(d, names[2]), lt, recs[:10])
    with open(os.path.join(d, names[2]), "ab") as f:  # then a record no capture holds
        f.write(struct.pack("<IIII", 1, 0, 0x7FFFFFFF, 0x7FFFFFFF) + b"x" * 100)
    with open(os.path.join(d, names[3]), "wb") as f:
        f.write(b"this is not a capture at all")
    shutil.copy(parts[3], os.path.join(d, names[4]))
    _, summ, err = run(["--pcap-dir", d, "--done", "delete"], tmp, "bad", expect_rc=3)
    want = frames_of(parts[0]) + frames_of(parts[1]) - 1 + 10 + frames_of(parts[3])
    c.eq(want, summ["packets"], "frames read around the bad files")
    c.eq(3, summ["drops"]["ierrors"], "three bad files counted")
    for n, text in ((names[1], "the capture is truncated: %d frames read" %
                     (frames_of(parts[1]) - 1)),
                    (names[2], "the capture is corrupt: 10 frames read, then a record claims "
                     "2147483647 captured bytes"),
                    (names[3], "unknown file format; skipped")):
        c.eq(True, ("%s: %s" % (n, text)) in err, "the log names %s" % n)
    # Exit status 3 (packets lost): records were delivered, the bad files are kept.
    c.eq(sorted(names[1:4] + [".flowzoo-journal"]), sorted(os.listdir(d)),
         "good files deleted, bad ones kept")
    c.eq(names, journal(d), "every file journaled")


def done_actions(c, tmp, parts):
    d = os.path.join(tmp, "mv")
    to = os.path.join(tmp, "mv_to")
    os.makedirs(d)
    os.makedirs(to)
    for p in parts[:2]:
        shutil.copy(p, d)
    run(["--pcap-dir", d, "--done", "move:" + to], tmp, "move")
    c.eq([os.path.basename(p) for p in parts[:2]], sorted(os.listdir(to)), "moved")
    c.eq([".flowzoo-journal"], os.listdir(d), "nothing left but the journal")
    # Kafka up (the mock cluster in-process): deleted once acknowledged; Kafka down, no spool:
    # nothing delivered, nothing deleted, nothing journaled. Also with an export lcore
    # (issue 23): records in its batches count as pending until written.
    for lanes in ([], ["--export-lcores", "0"]):
        what = " ".join(["Kafka"] + lanes)
        m = os.path.join(tmp, "kafka_up" + str(len(lanes)))
        os.makedirs(m)
        for p in parts[:2]:
            shutil.copy(p, m)
        p = subprocess.run([FLOWZOO, "--pcap-dir", m, "--done", "delete", "--kafka-mock",
                            "--progress", "off"] + lanes, capture_output=True, text=True,
                           timeout=120)
        c.eq(0, p.returncode, "%s up: exit 0" % what)
        c.eq([".flowzoo-journal"], os.listdir(m), "%s up: delivered files deleted" % what)
        c.eq([os.path.basename(x) for x in parts[:2]], journal(m), "%s up: journaled" % what)
        k = os.path.join(tmp, "kafka" + str(len(lanes)))
        os.makedirs(k)
        for p in parts[:2]:
            shutil.copy(p, k)
        jsonl = os.path.join(tmp, "k%d.jsonl" % len(lanes))
        p = subprocess.run([FLOWZOO, "--pcap-dir", k, "--done", "delete", "--kafka",
                            "127.0.0.1:1", "--kafka-flush-timeout", "1", "--progress", "off",
                            "--jsonl", jsonl] + lanes, capture_output=True, text=True,
                           timeout=120)
        c.eq(3, p.returncode, "%s down: records lost, exit 3" % what)
        c.eq(sorted([os.path.basename(x) for x in parts[:2]] + [".flowzoo-journal"]),
             sorted(os.listdir(k)), "%s down: nothing deleted" % what)
        c.eq([], journal(k), "%s down: nothing journaled" % what)


def totals(recs):
    """Packets and bytes per biflow (ends sorted): the same however flows were cut."""
    out = {}
    for r in recs:
        ends = tuple(sorted([(r["src_ip"], r["src_port"]), (r["dst_ip"], r["dst_port"])]))
        k = (r["ip_proto"],) + ends
        p, b = out.get(k, (0, 0))
        out[k] = (p + r["packets"], b + r["bytes"])
    return out


def lines_of(path):
    return [json.loads(x) for x in open(path) if x.strip()] if os.path.exists(path) else []


def wait_for(pred, seconds=60):
    """Until pred() holds, at most seconds (a bound for a hung run, not a timing check)."""
    deadline = time.time() + seconds
    while not pred() and time.time() < deadline:
        time.sleep(0.05)


def watch(c, tmp, parts):
    d = os.path.join(tmp, "watch")
    side = os.path.join(tmp, "side")
    os.makedirs(d)
    os.makedirs(side)
    log = os.path.join(tmp, "watch.log")
    jsonl = os.path.join(tmp, "watch.jsonl")
    summ = os.path.join(tmp, "watch.summary.json")
    a_flows, _, _ = run(["--pcap", parts[0], "--idle-timeout", "1"], tmp, "watch_a")
    p = subprocess.Popen([FLOWZOO, "--pcap-dir", d, "--watch", "--idle-timeout", "1",
                          "--progress", "off", "--jsonl", jsonl, "--summary", summ,
                          "--log-file", log])
    # b.pcap written slowly into the directory; a.pcap renamed in meanwhile.
    data_b = open(parts[1], "rb").read()
    slow = open(os.path.join(d, "b.pcap"), "wb")
    slow.write(data_b[:len(data_b) // 2])
    slow.flush()
    shutil.copy(parts[0], os.path.join(side, "a.pcap"))
    os.rename(os.path.join(side, "a.pcap"), os.path.join(d, "a.pcap"))
    wait_for(lambda: journal(d) == ["a.pcap"])
    c.eq(["a.pcap"], journal(d), "the renamed file is read; the open one waits")
    # The input is quiet: the packet clock moves on, every flow of a.pcap ends.
    wait_for(lambda: len(flows(lines_of(jsonl))) >= len(a_flows))
    got_a = flows(lines_of(jsonl))
    c.eq(len(a_flows), len(got_a), "every flow of a.pcap ended while the input was quiet")
    c.eq(set(), {r["end_reason"] for r in got_a} & {"eof", "shutdown"},
         "ended by the packet clock (idle, tcp_end), not by an end of input")
    slow.write(data_b[len(data_b) // 2:])
    slow.close()
    wait_for(lambda: len(journal(d)) >= 2)
    c.eq(["a.pcap", "b.pcap"], journal(d), "the slow file is read once closed")
    # tcpdump -W reuses names: a.pcap written again is read again.
    shutil.copy(parts[2], os.path.join(side, "a.pcap"))
    os.rename(os.path.join(side, "a.pcap"), os.path.join(d, "a.pcap"))
    wait_for(lambda: len(journal(d)) >= 3)
    c.eq(["a.pcap", "b.pcap", "a.pcap"], journal(d), "a name written again is read again")
    p.send_signal(signal.SIGTERM)
    c.eq(0, p.wait(timeout=60), "SIGTERM ends --watch")
    ref, _, _ = run(["--pcap", parts[0], "--pcap", parts[1], "--pcap", parts[2]], tmp,
                    "watch_ref")
    c.eq(totals(ref), totals(flows(lines_of(jsonl))), "packets and bytes of every biflow")
    c.eq(sum(frames_of(x) for x in parts[:3]), json.load(open(summ))["packets"],
         "watched packets")
    # A restart skips what the journal holds: the same names, sizes and times.
    _, s2, _ = run(["--pcap-dir", d], tmp, "watch_restart")
    c.eq(0, s2["packets"], "restart after --watch: nothing new")


def l7_cache(c, tmp):
    """Compiled signatures kept in --l7-cache: the same records from the cache, from a
    damaged cache (compiled again) and with the cache off."""
    cache = os.path.join(tmp, "l7cache")
    ref, _, _ = run_flowzoo([LINK], tmp, ["--l7-cache", "off"], name="l7_off")
    first, _, _ = run_flowzoo([LINK], tmp, ["--l7-cache", cache], name="l7_first")
    files = sorted(os.listdir(cache))
    c.eq(2, len(files), "one database per transport kept (tcp, udp)")
    c.eq(0o700, os.stat(cache).st_mode & 0o777, "the cache directory is private")
    again, _, _ = run_flowzoo([LINK], tmp, ["--l7-cache", cache], name="l7_again")
    for f in files:  # damaged: cut in half
        p = os.path.join(cache, f)
        data = open(p, "rb").read()
        open(p, "wb").write(data[:len(data) // 2])
    damaged, _, _ = run_flowzoo([LINK], tmp, ["--l7-cache", cache], name="l7_damaged")
    c.eq(flows(ref), flows(first), "records: cache written")
    c.eq(flows(ref), flows(again), "records: cache read")
    c.eq(flows(ref), flows(damaged), "records: damaged cache ignored")
    c.eq(len(data), os.path.getsize(os.path.join(cache, files[-1])), "damaged file rewritten")


def loaded_libraries(args):
    """The lazily loaded libraries a run of flowzoo with args loads (LD_DEBUG=files)."""
    env = dict(os.environ, LD_DEBUG="files")
    p = subprocess.run([FLOWZOO, "--pcap", LINK, "--jsonl", os.devnull, "--progress", "off"] +
                       args, capture_output=True, text=True, timeout=120, env=env)
    if p.returncode != 0:
        sys.stderr.write(p.stderr[-2000:])
        raise RuntimeError("flowzoo %s: exit %d" % (" ".join(args), p.returncode))
    names = ("librdkafka.so.1", "libmicrohttpd.so.12", "libpcap.so.0.8")
    return sorted({n for n in names if "file=%s " % n in p.stderr})


def lazy_libraries(c):
    c.eq([], loaded_libraries([]), "--pcap: no Kafka, HTTP or libpcap library loaded")
    c.eq(["librdkafka.so.1"], loaded_libraries(["--kafka-mock"]), "--kafka-mock loads librdkafka")
    c.eq(["libmicrohttpd.so.12"], loaded_libraries(["--http", "127.0.0.1:0"]),
         "--http loads libmicrohttpd")
    c.eq(["libpcap.so.0.8"], loaded_libraries(["--pcap-eal"]),
         "--pcap-eal loads libpcap (flowzoo's checks and DPDK's net_pcap)")


def unloadable_libraries(c, tmp):
    """Each lazily loaded library replaced (LD_LIBRARY_PATH) by an empty file or by
    a shared object without its functions: exit status 2, the exact message."""
    libdir = os.path.join(tmp, "badlibs")
    os.mkdir(libdir)
    zstd = "/usr/lib/x86_64-linux-gnu/libzstd.so.1"  # a real shared object, no pcap_* in it
    cases = [
        (["--kafka-mock"], "librdkafka.so.1", None, "rd_kafka_conf_new", "file too short"),
        (["--http", "127.0.0.1:0"], "libmicrohttpd.so.12", None, "MHD_start_daemon_va",
         "file too short"),
        (["--pcap-eal"], "libpcap.so.0.8", zstd, "pcap_open_offline",
         "undefined symbol: pcap_open_offline"),
    ]
    for args, soname, content, fn, why in cases:
        path = os.path.join(libdir, soname)
        if content is None:
            open(path, "wb").close()
        else:
            shutil.copyfile(content, path)
        env = dict(os.environ, LD_LIBRARY_PATH=libdir)
        p = subprocess.run([FLOWZOO, "--pcap", LINK, "--jsonl", os.devnull, "--progress", "off"] +
                           args, capture_output=True, text=True, timeout=120, env=env)
        os.unlink(path)
        what = "%s cannot be loaded" % soname
        c.eq(2, p.returncode, what + ": exit status")
        c.eq(["flowzoo: cannot load %s (%s) for this run: %s: %s" % (soname, fn, path, why)],
             p.stderr.strip().splitlines()[-1:], what + ": message")


def no_runtime_dir(c):
    """A run through EAL (--pcap-eal, prefix flowzoo<pid>) leaves no runtime directory."""
    p = subprocess.Popen([FLOWZOO, "--pcap-eal", "--pcap", LINK, "--jsonl", os.devnull,
                          "--progress", "off"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    c.eq(0, p.wait(timeout=120), "--pcap-eal run: exit status")
    c.eq(False, os.path.exists(eal_runtime_dir("flowzoo%d" % p.pid)),
         "--pcap-eal run: EAL's runtime directory removed at exit")


def main():
    c = Checker()
    lazy_libraries(c)
    no_runtime_dir(c)
    with tempfile.TemporaryDirectory() as tmp:
        unloadable_libraries(c, tmp)
        formats_and_links(c, tmp)
        l7_cache(c, tmp)
        parts = directories(c, tmp)
        bad_files(c, tmp, parts)
        done_actions(c, tmp, parts)
        watch(c, tmp, parts)
    c.done()


if __name__ == "__main__":
    main()
