#!/usr/bin/env python3
"""The fleet (issue 21, docs/fleet.md): zooagg members in one consumer group
on librdkafka's mock cluster (4 partitions per topic), two flowzoo appliances
replaying the two captures of `fzgen.py fleet`, once with SQLite and once
with PostgreSQL started here (initdb/pg_ctl as nobody, a socket directory of
its own).

- members M1 and M2 join; appliance A runs; M1 is killed with SIGKILL once
  the database has some of A's bins; M2 takes over, M3 joins; three
  malformed messages are produced; appliance B runs;
- afterwards the database holds exactly the union of the appliances' traffic
  records (every field, no duplicate, no gap), the merged bins are the sums
  and are all closed, the fleet's zoo equals a recomputation from every flow
  record of both appliances, and the fleet alerts are exactly those of the
  truth (each appliance alone alerts on nothing): in the database and on
  <prefix>.alerts, once each;
- the malformed messages are counted (3 over the members), never a crash;
  SIGTERM makes the members exit 0;
- start-up errors: a bad --db URL, an unreachable database, no broker.
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import ipaddress
import random

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fzrun import BUILD, SRC, Checker, compare_alerts, run_flowzoo  # noqa: E402

MOCK = os.path.join(BUILD, "tests", "kafka", "mock_cluster")
ZOOAGG = os.path.join(BUILD, "app", "zooagg")
GEN = os.path.join(SRC, "scripts", "fzgen.py")
PG_BIN = "/usr/lib/postgresql/15/bin"
GROUP = "fleet"
FIGURES = ("bin_end_ms", "packets_in", "bytes_in", "packets_out", "bytes_out", "flows",
           "flows_new")
CLASSES = ("elephant", "mouse", "tortoise", "dragonfly", "cheetah", "snail", "rate_null")


def start_mock():
    p = subprocess.Popen([MOCK, "-p", "4"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    return p, p.stdout.readline().strip()


class Member:
    def __init__(self, name, boot, db, tmp, alert_args, http=False):
        self.log = os.path.join(tmp, name + ".log")
        self.summary = os.path.join(tmp, name + ".summary.json")
        cmd = [ZOOAGG, "--kafka", boot, "--db", db, "--group", GROUP, "--summary", self.summary,
               "--collectors", "zoo-a,zoo-b", "--stale-bins", "1000", "--top-n", "3",
               "--kafka-opt", "session.timeout.ms=6000", "--kafka-opt", "heartbeat.interval.ms=500",
               "--kafka-opt", "log_level=3", "--batch", "20", "--flows"] + alert_args
        if http:
            cmd += ["--http", "127.0.0.1:0"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(self.log, "w"))

    def text(self):
        with open(self.log) as f:
            return f.read()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)


def wait_for(what, cond, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.3)
    print("timed out waiting for %s" % what)
    return False


def recompute_zoo(flows):
    """The fleet's totals from every flow record: per application and all together."""
    def counts():
        return {"flows": 0, "packets": 0, "bytes": 0,
                "classes": {c: {"flows": 0, "bytes": 0} for c in CLASSES}}
    total, apps = counts(), {}
    for r in flows:
        for c in (total, apps.setdefault(r["app"], counts())):
            c["flows"] += 1
            c["packets"] += r["packets"]
            c["bytes"] += r["bytes"]
            for cls in (r["size_class"], r["duration_class"], r["rate_class"] or "rate_null"):
                c["classes"][cls]["flows"] += 1
                c["classes"][cls]["bytes"] += r["bytes"]
    return total, apps


def strip_counts(c):
    return {"flows": c["flows"], "packets": c["packets"], "bytes": int(c["bytes"]),
            "classes": {k: {"flows": v["flows"], "bytes": int(v["bytes"])}
                        for k, v in c["classes"].items()}}


def scenario(c, label, db_url, query, tmp, gen, outage=None):
    """One whole run against one database; query(sql) returns rows of strings. outage:
    (down, up) functions that stop and restart the database while appliance B runs."""
    with open(os.path.join(gen, "fleet.truth.json")) as f:
        truth = json.load(f)
    args = truth["args"]
    # The appliances' alert settings are zooagg's too; --top-n is given to it separately.
    alert_args = []
    for i in range(0, len(args), 2):
        if args[i].startswith("--alert-"):
            alert_args += args[i:i + 2]
    mock, boot = start_mock()
    members = {}
    try:
        members["m1"] = Member(label + "-m1", boot, db_url, tmp, alert_args)
        members["m2"] = Member(label + "-m2", boot, db_url, tmp, alert_args, http=True)
        c.eq(True, wait_for("two members assigned", lambda: all(
            "partitions assigned" in m.text() for m in members.values())), label + ": members join")
        runs = {}
        extra = args + ["--networks", os.path.join(gen, "fleet.networks.json"), "--kafka", boot,
                        "--stats-interval", "0"]
        runs["zoo-a"], _, _ = run_flowzoo([os.path.join(gen, "fleet_a.pcap")], tmp,
                                          extra + ["--collector-id", "zoo-a"], name=label + "-a")
        c.eq(True, wait_for("some of A's bins", lambda: int(query(
            "SELECT COUNT(*) FROM traffic")[0][0]) >= 5), label + ": A's bins arrive")
        members["m1"].proc.send_signal(signal.SIGKILL)
        members["m1"].proc.wait()
        # The group settles: M2 takes M1's partitions (after session.timeout.ms), then M3
        # joins. Malformed messages and B's records come to a settled group, so that none is
        # delivered twice (a rebalance may refuse an offset commit: at least once).
        assigned = lambda m: m.text().count("partitions assigned")  # noqa: E731
        c.eq(True, wait_for("M2 takes over", lambda: assigned(members["m2"]) >= 2),
             label + ": M2 takes over M1's partitions")
        members["m3"] = Member(label + "-m3", boot, db_url, tmp, alert_args)
        c.eq(True, wait_for("M3 joins", lambda: assigned(members["m3"]) >= 1 and
                            assigned(members["m2"]) >= 3), label + ": M3 joins")
        for topic, value in (("traffic", "not json"), ("stats", '{"type":"stats"}'),
                             ("alerts", '{"type":"traffic","collector":"x"}')):
            subprocess.run(["kcat", "-b", boot, "-P", "-t", "flowzoo." + topic, "-k", "bad"],
                           input=value, text=True, check=True, timeout=30)
        if outage:
            outage[0]()
        runs["zoo-b"], _, _ = run_flowzoo([os.path.join(gen, "fleet_b.pcap")], tmp,
                                          extra + ["--collector-id", "zoo-b"], name=label + "-b")
        if outage:
            time.sleep(3)
            outage[1]()
        traffic = [r for coll in runs for r in runs[coll] if r["type"] == "traffic"]
        n_fleet = len(truth["alerts"])
        n_flows = sum(1 for coll in runs for r in runs[coll] if r["type"] == "flow")
        c.eq(True, wait_for("every record in the database", lambda: (
            int(query("SELECT COUNT(*) FROM traffic")[0][0]) == len(traffic) and
            int(query("SELECT COUNT(*) FROM flows")[0][0]) == n_flows and
            int(query("SELECT COUNT(*) FROM fleet_traffic WHERE closed = 1")[0][0]) ==
            len(traffic) // 2 and
            int(query("SELECT COUNT(*) FROM alerts WHERE collector = 'zooagg:%s'" % GROUP)[0][0])
            >= n_fleet and
            query("SELECT collectors FROM fleet_zoo WHERE scope = 'all'") == [("2",)]),
            timeout=180), label + ": the database catches up")
        # A moment for anything that would wrongly come on top.
        time.sleep(2)
        metrics = check_http(c, label, members["m2"], traffic, query)
        rcs = [members[m].stop() for m in ("m2", "m3")]
        c.eq([0, 0], rcs, label + ": SIGTERM ends the members with status 0")
        malformed = 0
        for m in ("m2", "m3"):
            with open(members[m].summary) as f:
                malformed += json.load(f)["malformed"]
        c.eq(3, malformed, label + ": malformed messages counted")
        with open(members["m2"].summary) as f:
            m2 = json.load(f)
        c.eq(["flowzoo_%s_total %d" % (k, m2[v]) for k, v in (
            ("traffic_records", "traffic"), ("malformed_messages", "malformed"),
            ("messages", "messages"))],
            [line for k in ("traffic_records", "malformed_messages", "messages")
             for line in metrics.splitlines() if line.startswith("flowzoo_%s_total " % k)],
            label + ": /metrics of M2 = its summary")
        if outage:
            errors = 0
            for m in ("m2", "m3"):
                with open(members[m].summary) as f:
                    errors += json.load(f)["db_errors"]
            c.eq(True, errors > 0, label + ": the outage made failed transactions (%d), retried" % errors)
        if malformed != 3:
            for m in members.values():
                sys.stdout.write("".join(line for line in m.text().splitlines(True)
                                         if not line.startswith("%")))
        c.eq(True, "traffic record at flowzoo.traffic[" in members["m2"].text() +
             members["m3"].text(), label + ": a malformed message is logged with its place")

        # The union of the traffic records, field by field, once each.
        cols = ", ".join(FIGURES)
        rows = query("SELECT collector, network, bin_start_ms, %s, apps, top, top_exact, "
                     "top_error_bytes, partial FROM traffic" % cols)
        got = {}
        for r in rows:
            key = (r[0], r[1], int(r[2]))
            got[key] = {"figures": [int(x) for x in r[3:3 + len(FIGURES)]],
                        "apps": json.loads(r[3 + len(FIGURES)]),
                        "top": json.loads(r[4 + len(FIGURES)]),
                        "flags": [int(x) for x in r[5 + len(FIGURES):]]}
        want = {}
        for t in traffic:
            want[(t["collector"], t["network"], t["bin_start_ms"])] = {
                "figures": [t[k] for k in FIGURES], "apps": t["apps"], "top": t["top"],
                "flags": [int(t["top_exact"]), t["top_error_bytes"], int(t["partial"])]}
        c.eq(len(traffic), len(rows), label + ": traffic rows")
        c.eq(sorted(want), sorted(got), label + ": traffic keys (no duplicate, no gap)")
        c.eq(0, sum(1 for k in want if want[k] != got.get(k)), label + ": traffic rows equal the records")
        # Merged bins: the sums of the two appliances' bins.
        merged = {(r[0], int(r[1])): [int(x) for x in r[2:]] for r in query(
            "SELECT network, bin_start_ms, packets_in, bytes_in, packets_out, bytes_out, flows, "
            "flows_new, collectors, closed FROM fleet_traffic")}
        sums = {}
        for t in traffic:
            s = sums.setdefault((t["network"], t["bin_start_ms"]), [0] * 6 + [0, 1])
            for i, k in enumerate(("packets_in", "bytes_in", "packets_out", "bytes_out", "flows",
                                   "flows_new")):
                s[i] += t[k]
            s[6] += 1
        c.eq(sums, merged, label + ": merged bins are the sums, from 2 collectors, closed")
        # --flows: every flow record once, by (collector, flow_id, first_ms).
        flows = [r for coll in runs for r in runs[coll] if r["type"] == "flow"]
        fl = sorted(tuple(int(x) if x.isdigit() else x for x in r) for r in query(
            "SELECT collector, flow_id, first_ms, packets, bytes, app FROM flows"))
        c.eq(sorted((r["collector"], r["flow_id"], r["first_ms"], r["packets"], r["bytes"], r["app"])
                    for r in flows), fl, label + ": the flows table is the union of the flow records")
        # The fleet's zoo against every flow record.
        flows = [r for coll in runs for r in runs[coll] if r["type"] == "flow"]
        total, apps = recompute_zoo(flows)
        fz = json.loads(query("SELECT record FROM fleet_zoo WHERE scope = 'all'")[0][0])
        c.eq(total, strip_counts(fz["total"]), label + ": fleet zoo total = recomputation")
        c.eq(apps, {a["app"]: strip_counts(a["total"]) for a in fz["apps"]
                    if a["total"]["flows"]}, label + ": fleet zoo per application")
        c.eq(len(flows), fz["means"]["size_n"], label + ": merged size_n")
        c.eq(sum(r["bytes"] for r in flows), int(fz["means"]["size_sum"]), label + ": merged size_sum")
        # Fleet alerts: exactly the truth's, once each, in the database and on the topic.
        recs = [json.loads(r[0]) for r in query(
            "SELECT record FROM alerts WHERE collector = 'zooagg:%s' ORDER BY time_ms, start_ms, "
            "metric, direction, state" % GROUP)]
        appl = query("SELECT COUNT(*) FROM alerts WHERE collector <> 'zooagg:%s'" % GROUP)
        c.eq([("0",)], appl, label + ": no appliance alerted alone")
        order = lambda r: (r["time_ms"], r["start_ms"], r["metric"], r["direction"], r["state"])  # noqa: E731
        check_fleet_alerts(c, label + " (database)", sorted(truth["alerts"], key=order), recs)
        out = subprocess.run(["kcat", "-b", boot, "-C", "-t", "flowzoo.alerts", "-o", "beginning",
                              "-e", "-q", "-f", "%k\t%s\n"], capture_output=True, text=True,
                             timeout=60).stdout
        topic = [(line.split("\t", 1)[0], json.loads(line.split("\t", 1)[1]))
                 for line in out.splitlines() if line.startswith("lan\t")]
        c.eq(n_fleet, len(topic), label + ": fleet alerts on flowzoo.alerts, once each")
        c.eq(True, all(r["collector"] == "zooagg:" + GROUP for _, r in topic),
             label + ": their collector")
    finally:
        for m in members.values():
            if m.proc.poll() is None:
                m.proc.kill()
                m.proc.wait()
        mock.stdin.close()
        mock.wait(timeout=30)


def get(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def merged_top(recs, n, key="src_ip"):
    """A merged top list of some records: sums per key, bytes descending, ties by address."""
    d = {}
    for r in recs:
        for e in r["top"][key]:
            x = d.setdefault(e["key"], {"key": e["key"], "packets": 0, "bytes": 0, "flows": 0})
            for k in ("packets", "bytes", "flows"):
                x[k] += e[k]
    order = lambda e: (-e["bytes"], ipaddress.ip_address(e["key"]).packed)  # noqa: E731
    return sorted(d.values(), key=order)[:n]


def check_http(c, label, member, traffic, query):
    """zooagg --http: the API's answers equal the records and the database."""
    addr = [line.split("listening on ")[1].strip() for line in member.text().splitlines()
            if "http: listening on" in line]
    c.eq(1, len(addr), label + ": --http listens")
    if not addr:
        return ""
    base = "http://" + addr[0]
    st, body = get(base, "/api/fleet/networks")
    nets = sorted((n["network"], n["collector"], n["bins"]) for n in json.loads(body)["networks"])
    want = {}
    for t in traffic:
        want[(t["network"], t["collector"])] = want.get((t["network"], t["collector"]), 0) + 1
    c.eq((200, sorted((k[0], k[1], v) for k, v in want.items())), (st, nets),
         label + ": /api/fleet/networks")
    lan = [t for t in traffic if t["network"] == "lan"]
    day = lan[0]["bin_start_ms"] // 86400000 * 86400000
    st, body = get(base, "/api/fleet/daily?network=lan")
    c.eq((200, [{"network": "lan", "day_ms": day,
                 "packets_in": sum(t["packets_in"] for t in lan),
                 "bytes_in": sum(t["bytes_in"] for t in lan),
                 "packets_out": sum(t["packets_out"] for t in lan),
                 "bytes_out": sum(t["bytes_out"] for t in lan),
                 "flows": sum(t["flows"] for t in lan), "bins": len(lan) // 2}]),
         (st, json.loads(body)["days"]), label + ": /api/fleet/daily (per-day in/out of lan)")
    # Per day and host, from each merged bin's top-3 (src_ip: as initiator, dst_ip: responder).
    hosts = {}
    for b in sorted({t["bin_start_ms"] for t in lan}):
        recs = [t for t in lan if t["bin_start_ms"] == b]
        for side, key in ((0, "src_ip"), (1, "dst_ip")):
            for e in merged_top(recs, 3, key):
                h = hosts.setdefault(e["key"], [0, 0, 0, 0])
                h[side] += e["bytes"]
                h[side + 2] += e["flows"]
    order = sorted(hosts.items(), key=lambda kv: (-(kv[1][0] + kv[1][1]), kv[0]))[:5]
    st, body = get(base, "/api/fleet/daily_hosts?network=lan&limit=5")
    c.eq((200, [{"day_ms": day, "lists_exact": False, "hosts": [
        {"host": k, "src_bytes": v[0], "dst_bytes": v[1], "src_flows": v[2], "dst_flows": v[3]}
        for k, v in order]}]), (st, json.loads(body)["days"]),
         label + ": /api/fleet/daily_hosts (per day and host)")
    spike = 1700000150000
    st, body = get(base, "/api/fleet/top?network=lan&bin_start_ms=%d" % spike)
    got = json.loads(body)["bin"]["top"]["src_ip"] if st == 200 else None
    c.eq(merged_top([t for t in lan if t["bin_start_ms"] == spike], 3), got,
         label + ": /api/fleet/top of a past bin (merged)")
    st, body = get(base, "/api/fleet/bins?network=lan&collector=zoo-a&bins=100")
    a = sorted(((t["bin_start_ms"], t["bytes_in"], t["top"]) for t in lan if t["collector"] == "zoo-a"),
               reverse=True)
    c.eq((200, a), (st, [(b["bin_start_ms"], b["bytes_in"], b["top"]) for b in json.loads(body)["bins"]]),
         label + ": /api/fleet/bins of one appliance")
    check_http_fleet_page(c, label, base, traffic, query)
    st, body = get(base, "/api/fleet/zoo")
    c.eq((200, json.loads(query("SELECT record FROM fleet_zoo WHERE scope = 'all'")[0][0])),
         (st, json.loads(body)["zoo"]), label + ": /api/fleet/zoo")
    st, body = get(base, "/")
    with open(os.path.join(SRC, "share", "dashboard", "index.html"), "rb") as f:
        c.eq((200, True), (st, body == f.read()),
             label + ": the page is share/dashboard/index.html (the appliance's, in fleet mode)")
    bad = [("/api/fleet/bins", 400), ("/api/fleet/bins?network=lan&bins=0", 400),
           ("/api/fleet/top?network=lan", 400), ("/api/fleet/top?network=lan&bin_start_ms=1", 404),
           ("/api/fleet/alerts?limit=x", 400), ("/api/fleet/daily?network=" + "n" * 65, 400)]
    c.eq([b[1] for b in bad], [get(base, b[0])[0] for b in bad], label + ": bad queries")
    rng = random.Random(21)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789%&=?-_.[]'\";"
    codes = set()
    for _ in range(200):
        q = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        path = rng.choice(["bins", "top", "daily", "alerts", "networks", "zoo"])
        codes.add(get(base, "/api/fleet/%s?%s" % (path, urllib.request.quote(q, safe="=&%")))[0])
    c.eq(set(), {x for x in codes if x >= 500}, label + ": 200 random query strings, never a 5xx")
    st, body = get(base, "/metrics")
    c.eq(200, st, label + ": /metrics")
    return body.decode()


def check_http_fleet_page(c, label, base, traffic, query):
    """What the fleet page reads beyond the endpoints above, on both databases: every
    network's latest bin (merged, one collector's), one collector's days and hosts per day."""
    want = {}
    for r in query("SELECT network, bin_start_ms, bytes_in, collectors FROM fleet_traffic "
                   "ORDER BY bin_start_ms"):
        want[r[0]] = [int(x) for x in r[1:]]
    st, body = get(base, "/api/fleet/latest")
    c.eq((200, sorted(want.items())), (st, [(b["network"], [b["bin_start_ms"], b["bytes_in"],
                                                            b["collectors"]])
                                            for b in json.loads(body)["bins"]]),
         label + ": /api/fleet/latest (merged)")
    a = sorted((t for t in traffic if t["collector"] == "zoo-a"), key=lambda t: t["bin_start_ms"])
    want = {t["network"]: [t["bin_start_ms"], t["bytes_in"], t["packets_out"]] for t in a}
    st, body = get(base, "/api/fleet/latest?collector=zoo-a")
    c.eq((200, sorted(want.items())), (st, [(b["network"], [b["bin_start_ms"], b["bytes_in"],
                                                            b["packets_out"]])
                                            for b in json.loads(body)["bins"]]),
         label + ": /api/fleet/latest?collector=zoo-a (its records)")
    lan = [t for t in a if t["network"] == "lan"]
    st, body = get(base, "/api/fleet/daily?network=lan&collector=zoo-a")
    c.eq((200, [[lan[0]["bin_start_ms"] // 86400000 * 86400000, sum(t["bytes_in"] for t in lan),
                 sum(t["bytes_out"] for t in lan), len(lan)]]),
         (st, [[d["day_ms"], d["bytes_in"], d["bytes_out"], d["bins"]]
               for d in json.loads(body)["days"]]), label + ": /api/fleet/daily of zoo-a")
    hosts = {}
    b_lan = [t for t in traffic if t["collector"] == "zoo-b" and t["network"] == "lan"]
    for t in b_lan:
        for side, key in ((0, "src_ip"), (1, "dst_ip")):
            for e in t["top"][key]:
                h = hosts.setdefault(e["key"], [0, 0])
                h[side] += e["bytes"]
    top5 = sorted(hosts.items(), key=lambda kv: (-(kv[1][0] + kv[1][1]), kv[0]))[:5]
    st, body = get(base, "/api/fleet/daily_hosts?network=lan&collector=zoo-b&limit=5")
    days = json.loads(body)["days"]
    c.eq((200, 1, top5), (st, len(days), [(h["host"], [h["src_bytes"], h["dst_bytes"]])
                                          for d in days for h in d["hosts"]]),
         label + ": /api/fleet/daily_hosts of zoo-b (its own top lists)")
    st, body = get(base, "/api/status")
    c.eq((200, "zooagg", "zooagg:" + GROUP, label), (st,) + tuple(
        json.loads(body).get(k) for k in ("program", "collector", "db")), label + ": /api/status")


def check_fleet_alerts(c, label, expected, got):
    compare_alerts(c, label, expected, got, ignore=("collectors",))
    c.eq([2] * len(got), [g.get("collectors") for g in got], label + ": collectors of each")


def sqlite_query(path):
    def q(sql):
        con = sqlite3.connect(path, timeout=30)
        try:
            return [tuple(None if v is None else str(v) for v in r) for r in con.execute(sql)]
        finally:
            con.close()
    return q


def start_pg(tmp):
    """A PostgreSQL server of our own: (url, query, stop)."""
    base = tempfile.mkdtemp(prefix="fleetpg")
    os.chmod(base, 0o755)
    data, sock = os.path.join(base, "data"), os.path.join(base, "sock")
    os.makedirs(sock)
    shutil.chown(base, "nobody")
    shutil.chown(sock, "nobody")
    port = "5439"
    run = lambda *a: subprocess.run(["runuser", "-u", "nobody", "--"] + list(a), check=True,  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    run(os.path.join(PG_BIN, "initdb"), "-D", data, "-A", "trust", "-U", "postgres")
    run(os.path.join(PG_BIN, "pg_ctl"), "-D", data, "-l", os.path.join(base, "pg.log"), "-w",
        "-o", "-k %s -p %s -c listen_addresses=''" % (sock, port), "start")
    url = "postgresql://postgres@/postgres?host=%s&port=%s" % (sock, port)

    def down():
        run(os.path.join(PG_BIN, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop")

    def up():
        run(os.path.join(PG_BIN, "pg_ctl"), "-D", data, "-l", os.path.join(base, "pg.log"), "-w",
            "-o", "-k %s -p %s -c listen_addresses=''" % (sock, port), "start")

    def q(sql):
        out = subprocess.run(["psql", url, "-At", "-F", "\t", "-c", sql], capture_output=True,
                             text=True, timeout=60)
        if out.returncode:
            raise RuntimeError("psql: " + out.stderr)
        return [tuple(line.split("\t")) for line in out.stdout.splitlines() if line]

    def stop():
        subprocess.run(["runuser", "-u", "nobody", "--", os.path.join(PG_BIN, "pg_ctl"), "-D", data,
                        "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)
    return url, q, stop, (down, up)


def start_errors(c, tmp):
    def run(args):
        p = subprocess.run([ZOOAGG] + args, capture_output=True, text=True, timeout=60)
        # librdkafka's own log lines (%-prefixed, from its threads) may come after ours.
        ours = [line for line in p.stderr.splitlines() if line.startswith("zooagg:")]
        return p.returncode, ours[-1] if ours else ""
    c.eq((2, "zooagg: --db: database URL 'mysql://x' is neither sqlite:PATH nor postgresql://..."),
         run(["--kafka", "127.0.0.1:9", "--db", "mysql://x"]), "bad --db URL")
    rc, err = run(["--kafka", "127.0.0.1:9", "--db", "postgresql://nobody@127.0.0.1:1/x"])
    c.eq((2, True), (rc, err.startswith("zooagg: --db: postgresql: connection to server at "
                                        "\"127.0.0.1\", port 1 failed")), "unreachable database: " + err)
    rc, err = run(["--kafka", "127.0.0.1:1", "--db", "sqlite:" + os.path.join(tmp, "e.db")])
    c.eq((2, True), (rc, err.startswith("zooagg: --kafka 127.0.0.1:1: no broker answered")),
         "unreachable broker: " + err)
    c.eq((2, "zooagg: --kafka-opt no.such.property=1: No such configuration property: "
             "\"no.such.property\""),
         run(["--kafka", "127.0.0.1:1", "--db", "sqlite:" + os.path.join(tmp, "e.db"),
              "--kafka-opt", "no.such.property=1"]), "unknown --kafka-opt")
    c.eq((2, "zooagg: --top-n '0': must be an integer from 1 to 1000"),
         run(["--kafka", "x:1", "--db", "sqlite:/x", "--top-n", "0"]), "bad --top-n")
    conf = os.path.join(tmp, "zooagg.json")
    for body, want in (('{"kafka": "127.0.0.1:1", "nope": 1}',
                        "zooagg: --config %s: unknown key 'nope'" % conf),
                       ('{"kafka": "127.0.0.1:1", "db": "mysql://y", "flows": true}',
                        "zooagg: --db: database URL 'mysql://y' is neither sqlite:PATH nor "
                        "postgresql://..."),
                       ('{"kafka": "x:1", "db": "sqlite:/x", "alert-k": -1}',
                        "zooagg: --alert-k '-1': must be a number from 0 to 1000"),
                       ('[1]', "zooagg: --config %s: not a JSON object" % conf)):
        with open(conf, "w") as f:
            f.write(body)
        c.eq((2, want), run(["--config", conf]), "--config " + body)


def main():
    c = Checker()
    keep = os.environ.get("FLEET_KEEP")
    only = sys.argv[1:] or ["errors", "sqlite", "postgresql"]
    with tempfile.TemporaryDirectory() as tmp:
        if keep:
            tmp = keep
            os.makedirs(tmp, exist_ok=True)
        gen = os.path.join(tmp, "gen")
        subprocess.run([sys.executable, GEN, "fleet", gen], check=True, stdout=subprocess.DEVNULL)
        if "errors" in only:
            start_errors(c, tmp)
        if "sqlite" in only:
            path = os.path.join(tmp, "fleet.db")
            scenario(c, "sqlite", "sqlite:" + path, sqlite_query(path), tmp, gen)
        if "postgresql" in only:
            url, q, stop, outage = start_pg(tmp)
            try:
                scenario(c, "postgresql", url, q, tmp, gen, outage)
            finally:
                stop()
    c.done()


if __name__ == "__main__":
    main()
