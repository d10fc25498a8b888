#!/usr/bin/env python3
"""Records per CPU-second of each stage of flowzoo's offline path (issue 23).

Runs `flowzoo --pcap CAPTURE --jsonl OUT [--export-lcores LIST] EXTRA...` and
samples, every few milliseconds, the CPU time each of its threads has used
(/proc/PID/task/TID/schedstat, nanoseconds): the worker thread (fz-worker),
the stats loop (the main thread, "flowzoo") and each export lane
(fz-export). A thread's last sample before it ends is kept, so a stage's
figure misses at most one interval of its work; the main thread's start-up
(signatures compiled before the worker starts) is left out. Each stage's records per
CPU-second is the run's flow records over that stage's CPU time: what one core
would do running that stage alone, the figure that says how many lcores a
stage needs for a rate, whatever else shares this machine's CPUs.

Usage: scripts/bench_export.py CAPTURE [--lanes LIST,...] [--repeat N] [--jsonl PATH|none]
       [--extra="OPTIONS"]
e.g.   scripts/bench_export.py build/bench/flood64.pcap --lanes none,0,0-1 --repeat 3
       scripts/bench_export.py build/bench/flood64.pcap --extra=--kafka-mock
(write --extra=OPTIONS with '=': a lone option such as --kafka-mock is taken for
one of this script's own otherwise; the JSON-lines exporter runs unless --jsonl none.)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def thread_cpu(pid):
    """{tid: (name, cpu ns)} of a running process."""
    out = {}
    base = "/proc/%d/task" % pid
    try:
        tids = os.listdir(base)
    except OSError:
        return out
    for tid in tids:
        try:
            with open("%s/%s/comm" % (base, tid)) as f:
                name = f.read().strip()
            with open("%s/%s/schedstat" % (base, tid)) as f:
                ns = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        out[int(tid)] = (name, ns)
    return out


def run_once(exe, pcap, lanes, jsonl, extra, interval):
    with tempfile.TemporaryDirectory() as tmp:
        summ = os.path.join(tmp, "s.json")
        cmd = [exe, "--pcap", pcap, "--summary", summ, "--progress", "off",
               "--status-interval", "0"] + extra
        if jsonl != "none":  # --jsonl none: no exporter (the stats loop's own work alone)
            cmd += ["--jsonl", jsonl, "--jsonl-mode", "truncate"]
        if lanes != "none":
            cmd += ["--export-lcores", lanes]
        last, start = {}, None
        t0 = time.time()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while p.poll() is None:
            now = thread_cpu(p.pid)
            for tid, v in now.items():
                last[tid] = v
            # Start-up (signatures compiled, captures opened) is the main thread's too:
            # its CPU time counts from when the worker thread appears.
            if start is None and any(n == "fz-worker" for n, _ in now.values()):
                start = sum(ns for n, ns in now.values() if n == "flowzoo")
            time.sleep(interval)
        wall = time.time() - t0
        err = p.stderr.read().decode(errors="replace")
        if p.returncode != 0:
            sys.stderr.write(err[-2000:])
            raise RuntimeError("flowzoo exited %d" % p.returncode)
        s = json.load(open(summ))
    by = {}
    for name, ns in last.values():
        by[name] = by.get(name, 0) + ns / 1e9
    by["flowzoo"] = by.get("flowzoo", 0) - (start or 0) / 1e9
    return {"lanes": lanes, "wall_s": wall, "records": s["flows"],
            "ring_full": s["drops"]["ring_full"], "cpu_s": by}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("capture")
    ap.add_argument("--flowzoo", default=os.path.join(ROOT, "build", "app", "flowzoo"))
    ap.add_argument("--lanes", default="none,0,0-1",
                    help="--export-lcores values to run, comma-free entries separated by "
                         "'/' or ',' lists of ranges; 'none' runs without")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; the least wall kept")
    ap.add_argument("--jsonl", default="/dev/null")
    ap.add_argument("--extra", default="", help="more flowzoo options, space separated")
    ap.add_argument("--interval", type=float, default=0.005)
    a = ap.parse_args()
    os.environ.pop("MALLOC_PERTURB_", None)
    # "none,0,0-1" names three runs; a list of lcores in one run is written with '-' or '/'.
    runs = [x.replace("/", ",") for x in a.lanes.split(",")]
    results = []
    print("%-6s %7s %9s %10s %9s %9s %9s %12s %12s %12s" % (
        "lanes", "wall s", "records", "ring_full", "worker s", "stats s", "export s",
        "rec/s wall", "stats rec/cs", "export rec/cs"))
    for lanes in runs:
        best = None
        for _ in range(a.repeat):
            r = run_once(a.flowzoo, a.capture, lanes, a.jsonl, a.extra.split(), a.interval)
            if best is None or r["wall_s"] < best["wall_s"]:
                best = r
        results.append(best)
        c = best["cpu_s"]
        w, st, ex = c.get("fz-worker", 0), c.get("flowzoo", 0), c.get("fz-export", 0)
        n = best["records"]
        print("%-6s %7.2f %9d %10d %9.3f %9.3f %9.3f %12.0f %12.0f %12s" % (
            lanes, best["wall_s"], n, best["ring_full"], w, st, ex, n / best["wall_s"],
            n / st if st else 0, "%.0f" % (n / ex) if ex else "-"))
    try:
        print(json.dumps(results))
    except BrokenPipeError:  # the table read through `head`
        pass


if __name__ == "__main__":
    main()
