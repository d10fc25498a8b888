#!/usr/bin/env python3
"""flowzoo --replay (issue 24): the capture is looped live through net_pcap
(infinite_rx=1, TSC clock) until --duration or SIGTERM, records stream, the exit
status is 0, and every number adds up:
- at --duration: exit 0; the records are the summary's flows, their packets the
  workers' flow packets; every record is a flow of the capture with its truth's
  application (or unknown when the stop cut it before its payload); the worker never
  took more than --replay-rate allows;
- streaming on standard output, then SIGTERM: records arrive while it runs, exit 0,
  the flows still open end with reason shutdown, nothing is left in the tables;
- the config file key "replay" works like the option;
- malformed use: each is exit status 2 with its exact message."""
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from fzrun import FLOWZOO, SRC, Checker  # noqa: E402

RATE = 400


def keys_of(truth):
    return {(f["src_ip"], f["src_port"], f["dst_ip"], f["dst_port"]): f["app"]
            for f in truth["flows"]}


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def check_run(c, what, recs, summ, truth):
    flows = [r for r in recs if r["type"] == "flow"]
    c.eq(summ["flows"], len(flows), what + ": records are the summary's flows")
    c.eq(summ["workers"][0]["flow_packets"], sum(r["packets"] for r in flows),
         what + ": packets of the records")
    keys = keys_of(truth)

    def wrong(r):
        key = (r["src_ip"], r["src_port"], r["dst_ip"], r["dst_port"])
        # A flow the stop cuts before its first payload has no application yet.
        cut_early = r["end_reason"] == "shutdown" and r["app"] == "unknown"
        return key not in keys or (r["app"] != keys[key] and not cut_early)
    c.eq([], [r for r in flows if wrong(r)], what + ": records not of the capture's flows "
         "or apps")
    c.eq(0, summ["flows_active"], what + ": flows left in the tables")
    c.eq(True, len(flows) > 0, what + ": some records")


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ts, data in frames:
            f.write(struct.pack("<IIII", ts, 0, len(data), len(data)) + data)


def main():
    c = Checker()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([os.path.join(SRC, "scripts", "fzgen.py"), "l7", tmp, "--only",
                        "l7_ssh"], check=True, capture_output=True)
        cap = os.path.join(tmp, "l7_ssh.pcap")
        with open(os.path.join(tmp, "l7_ssh.truth.json")) as f:
            truth = json.load(f)

        # 1. --duration, paced.
        out, summ = os.path.join(tmp, "d.jsonl"), os.path.join(tmp, "d.json")
        p = subprocess.run([FLOWZOO, "--replay", cap, "--replay-rate", str(RATE), "--duration",
                            "2", "--jsonl", out, "--summary", summ, "--collector-id", "r1"],
                           capture_output=True, text=True, timeout=120)
        c.eq(0, p.returncode, "--duration: exit status")
        s = json.load(open(summ))
        check_run(c, "--duration", load(out), s, truth)
        c.eq(True, "replay %s: 98 frames over 7.800 s, looped at %d packets/s (TSC clock)"
             % (cap, RATE) in p.stderr, "--duration: the log says what it replays")
        # Pacing: at any moment the worker has taken at most RATE packets per second
        # since its loop started (elapsed_s runs to the end of its flush: an upper bound).
        w = s["workers"][0]
        c.eq(True, 0 < w["packets"] <= RATE * w["elapsed_s"] + 1,
             "--replay-rate: %d packets in %.3f s" % (w["packets"], w["elapsed_s"]))
        c.eq(True, w["packets"] > truth["packets"], "--duration: the capture looped")

        # 2. JSON lines on standard output while it runs, then SIGTERM.
        log = os.path.join(tmp, "t.log")
        summ = os.path.join(tmp, "t.json")
        p = subprocess.Popen([FLOWZOO, "--replay", cap, "--replay-rate", str(RATE), "--jsonl",
                              "-", "--summary", summ, "--log-file", log],
                             stdout=subprocess.PIPE, text=True)
        first = [json.loads(p.stdout.readline()) for _ in range(3)]
        c.eq(["flow"] * 3, [r["type"] for r in first], "SIGTERM: records stream while running")
        p.send_signal(signal.SIGTERM)
        rest = [json.loads(line) for line in p.stdout if line.strip()]
        c.eq(0, p.wait(timeout=60), "SIGTERM: exit status")
        s = json.load(open(summ))
        check_run(c, "SIGTERM", first + rest, s, truth)
        ends = [r["end_reason"] for r in first + rest if r["type"] == "flow"]
        c.eq(True, "shutdown" in ends, "SIGTERM: open flows end with reason shutdown")
        c.eq(set(), set(ends) - {"tcp_end", "shutdown", "idle", "active"}, "SIGTERM: reasons")

        # 3. The config file's key, and --replay-speed 0 (unpaced).
        conf = os.path.join(tmp, "c.json")
        with open(conf, "w") as f:
            json.dump({"replay": cap, "replay-speed": 0, "duration": 1,
                       "summary": os.path.join(tmp, "c.sum.json")}, f)
        p = subprocess.run([FLOWZOO, "--config", conf], capture_output=True, text=True,
                           timeout=120)
        c.eq(0, p.returncode, "config file: exit status")
        c.eq(True, "replay %s: 98 frames, looped as fast as the worker reads (TSC clock)"
             % cap in p.stderr, "config file: unpaced")

        # 4. Malformed use.
        one = os.path.join(tmp, "one.pcap")
        write_pcap(one, [(1700000000, b"\xff" * 60), (1700000000, b"\xff" * 60)])
        empty = os.path.join(tmp, "empty.pcap")
        write_pcap(empty, [])
        cut = os.path.join(tmp, "cut.pcap")
        with open(cap, "rb") as f:
            data = f.read()
        with open(cut, "wb") as f:
            f.write(data[:len(data) - 10])
        bad = [
            (["--replay", os.path.join(tmp, "none.pcap")],
             "--replay %s/none.pcap: %s/none.pcap: No such file or directory" % (tmp, tmp)),
            (["--replay", conf], "--replay %s: unknown file format" % conf),
            (["--replay", cap, "--replay-rate", "5", "--replay-speed", "2"],
             "--replay-rate and --replay-speed: give one of them"),
            (["--replay", cap, "--pcap", cap], "--replay %s: give --replay or --pcap, not both"
             % cap),
            (["--replay", cap, "--clock", "pcap"],
             "--replay %s: --clock pcap does not work with a looped capture (its timestamps "
             "go back at every loop); --replay uses the TSC clock" % cap),
            (["--pcap", cap, "--replay-rate", "10"], "--replay-rate: only with --replay FILE"),
            (["--pcap", cap, "--replay-speed", "2"], "--replay-speed: only with --replay FILE"),
            (["--replay", cap, "--replay-rate", "0"],
             "--replay-rate: '0' is not an integer from 1 to 1000000000"),
            (["--replay", cap, "--replay-speed", "-1"],
             "--replay-speed: '-1' is not a number from 0 to 1000000"),
            (["--replay", cap, "--mbufs", "1100"],
             "--mbufs 1100: --replay %s loads its 98 frames into 98 mbufs; give at least 1122 "
             "(or leave --mbufs out)" % cap),
            (["--replay", one], "--replay %s: the capture spans no time (2 frames with one "
             "timestamp), so it has no speed: give --replay-rate PPS" % one),
            (["--replay", empty], "--replay %s: the capture has no frames" % empty),
            (["--replay", cut], "--replay %s: truncated dump file; tried to read 46 captured "
             "bytes, only got 36 after 97 frames" % cut),
        ]
        for args, msg in bad:
            p = subprocess.run([FLOWZOO] + args, capture_output=True, text=True, timeout=60)
            c.eq((2, "flowzoo: %s\n" % msg), (p.returncode, p.stderr), " ".join(args))
    c.done()


if __name__ == "__main__":
    main()
