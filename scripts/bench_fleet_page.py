#!/usr/bin/env python3
"""What one refresh of zooagg's page costs its HTTP thread (docs/benchmarks.md, "Fleet page").

Usage: scripts/bench_fleet_page.py [NETWORKS] [BINS] [ROUNDS]   (defaults 50 288 20)

Starts librdkafka's mock cluster and one zooagg member with --http on a new SQLite
file (zooagg creates the schema), fills the file directly with NETWORKS x BINS bins of
two collectors and their merged bins (5 entries per top list, as scripts/bench_zooagg.sh
writes them through Kafka), then asks, ROUNDS times and one request at a time, what the
page asks every 5 s: /api/status, /api/fleet/networks, /api/fleet/latest, /api/fleet/bins
of one network (BINS bins), /api/fleet/daily, /api/fleet/daily_hosts, /api/fleet/zoo,
/api/fleet/alerts; and, for comparison, the NETWORKS requests /api/fleet/bins?bins=1 that
one /api/fleet/latest replaces. Prints the median milliseconds of each.
"""
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BUILD = os.path.abspath(os.environ.get("FZ_BUILD", os.path.join(ROOT, "build")))


def top(n, b, side):
    return [{"key": "10.%d.%d.%d" % (n, i + side, b % 250), "packets": 10 - i,
             "bytes": 10000 - 100 * i, "flows": 1} for i in range(5)]


def fill(path, nets, bins):
    con = sqlite3.connect(path, timeout=30)
    apps = json.dumps({"http": {"flows": 3, "packets": 90, "bytes": 70000}})
    rows, merged = [], []
    for n in range(nets):
        for b in range(bins):
            start = 1700000000000 + b * 300000
            t = json.dumps({"src_ip": top(n, b, 0), "dst_ip": top(n, b, 1),
                            "dst_port": [{"key": 443 + i, "packets": 1, "bytes": 100 - i,
                                          "flows": 1} for i in range(5)]})
            fig = (start + 300000, 100 + b, 100000 + n, 50, 40000, 12, 9, apps, t, 1, 0, 0)
            for coll in ("bench-a", "bench-b"):
                rows.append((coll, "net%d" % n, start) + fig)
            merged.append(("net%d" % n, start) + fig + (2, 1))
    with con:
        con.executemany("INSERT INTO traffic VALUES (%s)" % ",".join("?" * 15), rows)
        con.executemany("INSERT INTO fleet_traffic VALUES (%s)" % ",".join("?" * 16), merged)
    con.close()
    return len(rows)


def timed(url):
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as r:
        n = len(r.read())
    return (time.perf_counter() - t0) * 1000, n


def main():
    nets = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    bins = int(sys.argv[2]) if len(sys.argv) > 2 else 288
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    with tempfile.TemporaryDirectory() as tmp:
        mock = subprocess.Popen([os.path.join(BUILD, "tests", "kafka", "mock_cluster"), "-p", "4"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        boot = mock.stdout.readline().strip()
        db = os.path.join(tmp, "page.db")
        log = os.path.join(tmp, "zooagg.log")
        agg = subprocess.Popen([os.path.join(BUILD, "app", "zooagg"), "--kafka", boot, "--db",
                                "sqlite:" + db, "--http", "127.0.0.1:0", "--kafka-opt",
                                "log_level=3"], stderr=open(log, "w"))
        try:
            base = None
            for _ in range(300):
                text = open(log).read()
                if "http: listening on " in text:
                    base = "http://" + text.split("http: listening on ")[1].split()[0]
                    break
                time.sleep(0.1)
            records = fill(db, nets, bins)
            page = ["/api/status", "/api/fleet/networks", "/api/fleet/latest",
                    "/api/fleet/bins?network=net0&bins=%d" % bins, "/api/fleet/daily?network=net0",
                    "/api/fleet/daily_hosts?network=net0&limit=10", "/api/fleet/zoo",
                    "/api/fleet/alerts?limit=32"]
            times = {p: [] for p in page}
            sizes = {}
            per_net = []
            for _ in range(rounds):
                for p in page:
                    ms, sizes[p] = timed(base + p)
                    times[p].append(ms)
                per_net.append(sum(timed(base + "/api/fleet/bins?network=net%d&bins=1" % n)[0]
                                   for n in range(nets)))
            print("# %s %s, %d CPUs, load %s" % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                                 os.uname().machine, os.cpu_count(),
                                                 " ".join(open("/proc/loadavg").read().split()[:3])))
            print("# %d traffic rows (%d networks x %d bins x 2 collectors), SQLite, %d rounds"
                  % (records, nets, bins, rounds))
            for p in page:
                print("%-50s %8.2f ms  %9d bytes" % (p, statistics.median(times[p]), sizes[p]))
            print("%-50s %8.2f ms" % ("one refresh (the 8 above, one after the other)",
                                      statistics.median([sum(times[p][i] for p in page)
                                                         for i in range(rounds)])))
            print("%-50s %8.2f ms" % ("%d x /api/fleet/bins?bins=1 (instead of latest)" % nets,
                                      statistics.median(per_net)))
        finally:
            agg.terminate()
            agg.wait(timeout=60)
            mock.stdin.close()
            mock.wait(timeout=30)


if __name__ == "__main__":
    main()
