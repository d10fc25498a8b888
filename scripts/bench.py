#!/usr/bin/env python3
"""flowzoo benchmark harness (see docs/benchmarks.md).

For each workload capture it runs, in one go:
  * dpdk-testpmd rxonly on net_pcap infinite_rx: what the harness can feed;
  * flowzoo on the same feed with --clock tsc, for 1 and (optionally) 2 workers:
    per worker Mpps, cycles per packet, flows created per second, drops;
  * the offline path: flowzoo --pcap against ndpiReader, softflowd -r and
    nfpcapd -r on the same file (wall time), when those are installed.
Raw results go to a JSON file; a table is printed.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EAL_COMMON = ["--no-huge", "--no-shconf", "--no-pci", "--no-telemetry"]


def frames_of(pcap):
    """Frames in a capture: the truth file's count, else a walk over the record headers."""
    truth = pcap[:-len(".pcap")] + ".truth.json"
    if os.path.exists(truth):
        with open(truth) as f:
            return json.load(f)["packets"]
    n = 0
    with open(pcap, "rb") as f:
        f.seek(24)
        while True:
            h = f.read(16)
            if len(h) < 16:
                return n
            f.seek(int.from_bytes(h[8:12], "little"), 1)
            n += 1


def mbufs_for(pcap, queues):
    """infinite_rx keeps the whole capture in mbufs, per queue, plus room for the RX rings."""
    return frames_of(pcap) * queues + 16384


CPUS = []  # --cpus: the main/stats lcore's CPU, then the workers' CPUs
EXPORT = [0]  # --export-lcores N: export lcores after the workers' (flowzoo --export-lcores)


def eal_for(pcap, workers, prefix):
    """EAL args: main lcore 0 plus `workers` worker lcores on the --cpus list (by default the
    CPUs we may use), wrapping around when there are more lcores than CPUs; then the export
    lcores on the CPUs left, or on the main lcore's."""
    mem_mb = mbufs_for(pcap, workers) * 2816 // (1 << 20) + 768
    cpus = CPUS or sorted(os.sched_getaffinity(0))
    lc = ["0@%d" % cpus[0]]
    for w in range(workers):
        lc.append("%d@%d" % (w + 1, cpus[(w + 1) % len(cpus)]))
    # Export lcores on CPUs the workers leave free, else beside the stats lcore: a worker
    # polls without pause, a lane sharing its CPU would get it only when the kernel
    # preempts the worker (and every lane waits for the one before it).
    for j in range(EXPORT[0]):
        k = 1 + workers + j
        lc.append("%d@%d" % (k, cpus[k] if k < len(cpus) else cpus[0]))
    vdev = "net_pcap0," + ",".join(["rx_pcap=%s" % pcap] * workers) + ",infinite_rx=1"
    return EAL_COMMON + ["-m", str(mem_mb), "--file-prefix", prefix, "--lcores", ",".join(lc),
                         "--vdev", vdev]


def capture(d, wl, flows):
    """DIR/WORKLOAD.pcap, generated first when missing (fzgen.py is deterministic, and
    each workload has its own random stream, so --only makes the same file)."""
    pcap = os.path.join(d, wl + ".pcap")
    if not os.path.exists(pcap):
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "fzgen.py"), "bench", d,
                        "--flows", str(flows), "--only", wl], check=True)
    return pcap


def table_row(wl, nw, w, feed, run):
    """One printed row: a worker of a run, with the feed of its workload."""
    return (wl, nw, w["lcore"], w["mpps"], w["cycles_per_packet"], w["flows_per_s"],
            w["packet_drops"], w["record_drops"], w.get("records_per_s", 0), feed, run["tsc_hz"])


def run_testpmd(pcap, seconds):
    """Mpps that testpmd rxonly receives from the same feed."""
    exe = shutil.which("dpdk-testpmd")
    if not exe:
        return None
    prefix = "fzb-tpmd%d" % os.getpid()
    cmd = [exe] + eal_for(pcap, 1, prefix) + [
        "--", "--forward-mode=rxonly", "--stats-period", "1", "--no-mlockall",
        "--total-num-mbufs=%d" % mbufs_for(pcap, 1)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(seconds + 4)  # loading the capture into mbufs takes a moment
    p.send_signal(signal.SIGINT)
    try:
        out, _ = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    # testpmd leaves EAL's runtime directory behind (flowzoo removes its own).
    runtime = "/var/run/dpdk" if os.geteuid() == 0 else \
        os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    try:
        os.rmdir(os.path.join(runtime, prefix))
    except OSError:
        pass  # not there, or not empty
    rates = [int(x) for x in re.findall(r"Rx-pps:\s+(\d+)", out)]
    rates = [r for r in rates if r > 0]
    if not rates:
        return None
    # Skip the first, partial period.
    steady = rates[1:] or rates
    return sum(steady) / len(steady) / 1e6


def run_flowzoo(exe, pcap, workers, seconds, flows, extra, tmp):
    summ = os.path.join(tmp, "summary.json")
    cmd = [exe] + eal_for(pcap, workers, "fzb%d" % os.getpid()) + [
        "--", "--clock", "tsc", "--duration", str(seconds), "--summary", summ,
        "--flows-per-worker", str(flows), "--status-interval", "0",
        "--mbufs", str(mbufs_for(pcap, workers))] + extra
    if EXPORT[0]:
        cmd += ["--export-lcores", "%d-%d" % (workers + 1, workers + EXPORT[0])]
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    wall = time.time() - t0
    # 3: finished, but records or packets were lost (a full ring under a flood):
    # the harness reports those counts from the summary.
    if p.returncode not in (0, 3):
        sys.stderr.write(p.stderr[-4000:])
        raise RuntimeError("flowzoo failed: " + " ".join(cmd))
    with open(summ) as f:
        s = json.load(f)
    hz = s["tsc_hz"]
    per = []
    for w in s["workers"]:
        e = w["elapsed_s"] or 1e-9
        per.append({
            "lcore": w["lcore"],
            "packets": w["packets"],
            "mpps": w["packets"] / e / 1e6,
            "cycles_per_packet": (e * hz / w["packets"]) if w["packets"] else None,
            "flows_per_s": w["flows_created"] / e,
            # Packets the port dropped (shared by the workers of a port) and
            # records dropped on a full ring to the stats lcore.
            "packet_drops": sum(v for k, v in s["drops"].items() if k in ("imissed", "rx_nombuf")),
            "record_drops": w["ring_full"],
            # Records the pipeline took off this worker's ring, per second.
            "records_per_s": w["records"] / e,
        })
    return {"workers": per, "total_mpps": sum(x["mpps"] for x in per), "tsc_hz": hz,
            "bytes_per_flow": s.get("bytes_per_flow"), "wall_s": wall, "summary": s}


def timed(cmd, repeat):
    """Least wall time of `repeat` runs (the machine's other load only ever adds)."""
    best = None
    for _ in range(repeat):
        t0 = time.time()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
        dt = time.time() - t0
        if p.returncode != 0:
            return None
        best = dt if best is None else min(best, dt)
    return best


def offline_peers(exe, pcap, tmp, repeat):
    res = {"flowzoo": timed([exe, "--pcap", pcap, "--progress", "off",
                             "--status-interval", "0", "--jsonl", os.path.join(tmp, "o.jsonl")], repeat)}
    if shutil.which("ndpiReader"):
        res["ndpiReader"] = timed(["ndpiReader", "-i", pcap, "-q", "-v", "0"], repeat)
    if shutil.which("softflowd"):
        res["softflowd"] = timed(["softflowd", "-r", pcap, "-n", "127.0.0.1:9", "-d"], repeat)
    if shutil.which("nfpcapd"):
        d = os.path.join(tmp, "nf")
        os.makedirs(d, exist_ok=True)
        res["nfpcapd"] = timed(["nfpcapd", "-r", pcap, "-w", d], repeat)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flowzoo", default=os.path.join(ROOT, "build", "app", "flowzoo"))
    ap.add_argument("--workloads", default="est64,mix,flood64")
    ap.add_argument("--dir", default=os.path.join(ROOT, "build", "bench"),
                    help="where the generated captures live (made when missing)")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1,2")
    ap.add_argument("--cpus", default=None,
                    help="CPU list for the lcores, e.g. 2,4,6: the first runs the main and "
                         "stats lcore, worker N runs on the (N+1)th (wrapping around); "
                         "default: the CPUs this process may use")
    ap.add_argument("--flows", type=int, default=1 << 20, help="--flows-per-worker")
    ap.add_argument("--gen-flows", type=int, default=16384,
                    help="flows of the generated captures (fzgen.py bench --flows); net_pcap's "
                         "infinite_rx holds a whole capture in mbufs, so keep it modest")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--offline-flows", type=int, default=0,
                    help="run the offline comparison on a capture of this many flows "
                         "(fzgen.py bench --flows N, in DIR/offline-N) instead of the live "
                         "one: a larger file shows throughput rather than start-up")
    ap.add_argument("--offline-repeat", type=int, default=3,
                    help="offline runs per program; the least wall time is kept")
    ap.add_argument("--no-testpmd", action="store_true")
    ap.add_argument("--extra", default="", help="extra flowzoo options, space separated")
    ap.add_argument("--export-lcores", type=int, default=0,
                    help="N export lcores (flowzoo --export-lcores), after the workers' lcores "
                         "on the --cpus list")
    ap.add_argument("--no-l7-run", action="store_true",
                    help="skip the extra run of each workload without L7")
    ap.add_argument("--out", default=None, help="raw results JSON (default DIR/results-TIME.json)")
    a = ap.parse_args()
    if a.cpus:
        CPUS[:] = [int(x) for x in a.cpus.split(",")]
    EXPORT[0] = a.export_lcores
    results_export = a.export_lcores
    # meson test sets MALLOC_PERTURB_, which makes every malloc and free write
    # the memory: not what a user's run does.
    os.environ.pop("MALLOC_PERTURB_", None)

    os.makedirs(a.dir, exist_ok=True)
    results = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "host": os.uname().nodename, "cpus": len(os.sched_getaffinity(0)),
               "lcore_cpus": CPUS or sorted(os.sched_getaffinity(0)),
               "seconds": a.seconds, "export_lcores": results_export, "workloads": {}}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for wl in a.workloads.split(","):
            pcap = capture(a.dir, wl, a.gen_flows)
            r = {"pcap": pcap}
            r["testpmd_mpps"] = None if a.no_testpmd else run_testpmd(pcap, a.seconds)
            r["runs"] = {}
            # The flood must overflow the table: every packet an insert and an eviction.
            flows = a.flows if wl != "flood64" else max(1024, min(a.flows, frames_of(pcap) // 4))
            r["flows_per_worker"] = flows
            for nw in [int(x) for x in a.workers.split(",")]:
                run = run_flowzoo(a.flowzoo, pcap, nw, a.seconds, flows, a.extra.split(), tmp)
                run.pop("summary")
                r["runs"][str(nw)] = run
                for w in run["workers"]:
                    rows.append(table_row(wl, nw, w, r["testpmd_mpps"], run))
            # The cost of L7: the same run with one signature that never matches.
            if not a.no_l7_run:
                never = os.path.join(tmp, "never.sigs")
                with open(never, "w") as f:
                    f.write("nothing proto=any prio=1 /^\\x00\\xffnever-matches\\xff\\x00/\n")
                run = run_flowzoo(a.flowzoo, pcap, 1, a.seconds, flows,
                                  a.extra.split() + ["--signatures", never], tmp)
                run.pop("summary")
                r["no_l7"] = run
                rows.append(table_row(wl + "-noL7", 1, run["workers"][0], r["testpmd_mpps"],
                                      run))
            if not a.no_peers:
                opcap = pcap
                if a.offline_flows:
                    opcap = capture(os.path.join(a.dir, "offline-%d" % a.offline_flows), wl,
                                    a.offline_flows)
                r["offline_pcap"] = opcap
                r["offline_bytes"] = os.path.getsize(opcap)
                r["offline_wall_s"] = offline_peers(a.flowzoo, opcap, tmp, a.offline_repeat)
            results["workloads"][wl] = r

    out = a.out or os.path.join(a.dir, "results-%d.json" % int(time.time()))
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    # "beyond feed": the worker's cycles per packet less what testpmd spends per
    # packet receiving the same feed on one core (TSC Hz / its packets per second).
    print("%-12s %7s %5s %8s %8s %11s %12s %9s %11s %12s %8s" % (
        "workload", "workers", "lcore", "Mpps", "cyc/pkt", "beyond feed", "flows/s",
        "pkt drops", "rec drops", "records/s", "of feed"))
    for wl, nw, lc, mpps, cpp, fps, pdrops, rdrops, rps, feed, hz in rows:
        beyond = cpp - hz / (feed * 1e6) if cpp and feed else None
        print("%-12s %7d %5d %8.2f %8s %11s %12.0f %9d %11d %12.0f %8s" % (
            wl, nw, lc, mpps, "%.1f" % cpp if cpp else "-",
            "%.1f" % beyond if beyond is not None else "-", fps, pdrops, rdrops, rps,
            "%.0f%%" % (100 * mpps / feed) if feed else "-"))
    for wl, r in results["workloads"].items():
        if r.get("testpmd_mpps"):
            print("%s: testpmd rxonly feeds %.2f Mpps" % (wl, r["testpmd_mpps"]))
        off = r.get("offline_wall_s")
        if off:
            fz = off.get("flowzoo")
            peers = ", ".join("%s %.2fs (%.2fx)" % (k, v, v / fz if fz else 0)
                              for k, v in off.items() if k != "flowzoo" and v)
            print("%s offline (%s, %.0f MB): flowzoo %.2fs; %s" % (
                wl, os.path.basename(os.path.dirname(r["offline_pcap"])) + "/" +
                os.path.basename(r["offline_pcap"]), r["offline_bytes"] / 1e6, fz or 0,
                peers or "no peers installed"))
    print("raw results: " + out)


if __name__ == "__main__":
    main()
