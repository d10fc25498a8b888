#!/usr/bin/env python3
"""Networks and traffic bins (issue 16, docs/traffic.md): generate the
captures of `fzgen.py traffic`, check their truth for consistency, run
flowzoo on each with --networks and compare every traffic record and every
flow record (with src_network and dst_network) with the truth exactly;
then require every bad networks file to be refused with exit status 2 and a
message naming the file and the entry.

Every difference is reported, expected value first."""
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fzrun import FLOWZOO, SRC  # noqa: E402
from test_scenarios import compare_flows  # noqa: E402

sys.path.insert(0, os.path.join(SRC, "scripts"))
from fzgen.traffic import addr_order  # noqa: E402

GEN = os.path.join(SRC, "scripts", "fzgen.py")
MAX_SHOWN = 40
TRAFFIC_FIELDS = {"type", "schema_version", "collector", "network", "bin_start_ms", "bin_end_ms",
                  "packets_in", "bytes_in", "packets_out", "bytes_out", "flows", "flows_new", "apps",
                  "top", "top_exact", "top_error_bytes", "partial"}
LISTS = ("src_ip", "dst_ip", "dst_port")
T0_MS = 1700000000000


def order(field):
    return addr_order if field != "dst_port" else (lambda k: k)


def where(r):
    return "traffic %s bin %d (+%d s)" % (r["network"], r["bin_start_ms"],
                                          (r["bin_start_ms"] - T0_MS) // 1000)


# --- the truth checked by itself ------------------------------------------------


def check_truth(name, truth):
    """Internal consistency of a truth file: the bins against the flow
    records, the lists against the apps. Returns the problems found."""
    bad = []
    S = truth["traffic_interval"] * 1000
    flows = truth["flows"]
    by_net = {}
    for t in truth["traffic"]:
        by_net.setdefault(t["network"], []).append(t)
    starts = None
    for net, recs in sorted(by_net.items()):
        recs.sort(key=lambda r: r["bin_start_ms"])
        s = [r["bin_start_ms"] for r in recs]
        if starts is None:
            starts = s
        if s != starts or s != list(range(s[0], s[-1] + S, S)):
            bad.append("%s: bins of %s are not the same contiguous run" % (name, net))
        if [r["partial"] for r in recs] != [False] * (len(recs) - 1) + [True]:
            bad.append("%s: %s: partial must be true on the last bin only" % (name, net))
        mine = [f for f in flows if net in (f["src_network"], f["dst_network"])]
        # Totals over bins against totals over the flow records: a record's
        # forward packets go to its dst, reverse packets to its src.
        want = {"packets_in": 0, "bytes_in": 0, "packets_out": 0, "bytes_out": 0}
        for f in mine:
            for d, who in (("fwd", "dst_network"), ("rev", "src_network")):
                if f[who] == net:
                    want["packets_in"] += f["packets_" + d]
                    want["bytes_in"] += f["bytes_" + d]
                other = "src_network" if who == "dst_network" else "dst_network"
                if f[other] == net:
                    want["packets_out"] += f["packets_" + d]
                    want["bytes_out"] += f["bytes_" + d]
        for k, v in want.items():
            got = sum(r[k] for r in recs)
            if got != v:
                bad.append("%s: %s: %s over bins %d, over flow records %d" % (name, net, k, got, v))
        if sum(r["flows_new"] for r in recs) != len(mine):
            bad.append("%s: %s: flows_new over bins %d, flow records %d" %
                       (name, net, sum(r["flows_new"] for r in recs), len(mine)))
        app_bytes = sum(a["bytes"] for r in recs for a in r["apps"].values())
        if app_bytes != sum(f["bytes_fwd"] + f["bytes_rev"] for f in mine):
            bad.append("%s: %s: bytes of apps over bins differ from the flow records'" % (name, net))
        for r in recs:
            ap = sum(a["packets"] for a in r["apps"].values())
            # A packet is in or out or both: packets of the flows lie between.
            if not max(r["packets_in"], r["packets_out"]) <= ap <= r["packets_in"] + r["packets_out"]:
                bad.append("%s: %s: apps packets %d against in %d / out %d" %
                           (where(r), name, ap, r["packets_in"], r["packets_out"]))
            if sum(a["flows"] for a in r["apps"].values()) != r["flows"] or r["flows_new"] > r["flows"]:
                bad.append("%s: %s: apps flows or flows_new do not add up to flows" % (name, where(r)))
            if r["bin_end_ms"] != r["bin_start_ms"] + S:
                bad.append("%s: %s: bin_end_ms" % (name, where(r)))
            lists = r.get("top_all") or r["top"]
            for k in LISTS:
                lst = lists[k]
                if lst != sorted(lst, key=lambda e: (-e["bytes"], order(k)(e["key"]))):
                    bad.append("%s: %s: %s not sorted by bytes, then key" % (name, where(r), k))
                if "top_all" in r:
                    for x in ("bytes", "packets", "flows"):
                        if sum(e[x] for e in lst) != sum(a[x] for a in r["apps"].values()):
                            bad.append("%s: %s: %s %s do not add up" % (name, where(r), k, x))
                elif not (len(lst) == truth["top_n"] or
                          (len(lst) < truth["top_n"] and sum(e["flows"] for e in lst) == r["flows"])):
                    # Fewer than --top-n entries only when every key is listed.
                    bad.append("%s: %s: %s has %d entries" % (name, where(r), k, len(lst)))
            if r["flows"] == 0 and (r["apps"] or any(lists[k] for k in LISTS)):
                bad.append("%s: %s: no flows but apps or top entries" % (name, where(r)))
    return bad


def check_coverage(truths):
    """The captures hold what docs/generator.md says they do, with the
    expected values written out here from the spec, not computed."""
    bad = []
    t = truths["traffic"]
    net_of = {}
    for f in t["flows"]:
        net_of[f["src_ip"]] = f["src_network"]
        net_of[f["dst_ip"]] = f["dst_network"]
    for addr, net in (("200.20.1.7", "campus"), ("200.20.127.255", "campus"), ("200.20.128.0", "dorms"),
                      ("200.20.200.10", "server"), ("200.20.200.11", "dorms"), ("200.20.255.254", "dorms"),
                      ("2001:db8:1::5", "campus"), ("2001:db8:1:7fff::1", "campus"),
                      ("2001:db8:1:8000::20", "dorms"), ("2001:db8:1:8000::10", "server"),
                      ("2001:db8:2::80", "partner"), ("198.51.100.20", "partner"),
                      ("200.19.255.255", None), ("200.21.0.1", None), ("198.51.101.1", None),
                      ("2001:db8:ff::1", None)):
        if net_of.get(addr, "absent") != net:
            bad.append("coverage: %s expected in network %r, truth says %r" % (addr, net, net_of.get(addr, "absent")))
    recs = {(r["network"], (r["bin_start_ms"] - T0_MS) // 1000): r for r in t["traffic"]}
    counters = ("packets_in", "packets_out", "flows")
    # Bins 6-8 are empty for every network, bin 11 has only traffic of no network.
    for b in (0, 10, 20, 30, 40, 50, 90, 100, 120, 130):
        if not recs[("campus", b)]["flows"] and not recs[("dorms", b)]["flows"]:
            bad.append("coverage: bin +%d s has no traffic" % b)
    for b in (60, 70, 80, 110):
        for net in ("campus", "dorms", "server", "partner", "quiet"):
            if any(recs[(net, b)][c] for c in counters):
                bad.append("coverage: %s bin +%d s is not empty" % (net, b))
    if any(r[c] for r in t["traffic"] if r["network"] == "quiet" for c in counters):
        bad.append("coverage: network quiet saw traffic")
    # Flows continuing from an earlier bin; both ends in one network.
    if recs[("campus", 20)]["flows"] != 1 or recs[("campus", 20)]["flows_new"] != 0:
        bad.append("coverage: campus bin +20 s expected 1 flow, 0 new (the TLS flow of bin 0)")
    if recs[("server", 50)]["flows"] != 2 or recs[("server", 50)]["flows_new"] != 1:
        bad.append("coverage: server bin +50 s expected 2 flows, 1 new (the active cut)")
    # The ties of campus's bin 3 with --top-n 3.
    top = recs[("campus", 30)]["top"]
    want = {"src_ip": [("200.20.3.3", 2000), ("200.20.1.7", 1000), ("200.20.1.10", 1000)],
            "dst_ip": [("198.18.5.5", 2000), ("93.184.216.34", 1000), ("203.0.113.9", 1000)],
            "dst_port": [(9, 2000), (80, 1000), (443, 1000)]}
    for k, w in want.items():
        got = [(e["key"], e["bytes"]) for e in top[k]]
        if got != w:
            bad.append("coverage: campus bin +30 s top %s expected %s, truth %s" % (k, w, got))
    hh = truths["traffic_hh"]
    inexact = [r for r in hh["traffic"] if not r["top_exact"]]
    if [(r["network"], (r["bin_start_ms"] - T0_MS) // 1000) for r in inexact] != [("hh", 10)]:
        bad.append("coverage: traffic_hh expected hh bin +10 s alone not exact")
    for r in inexact:
        total = sum(a["bytes"] for a in r["apps"].values())
        for k in LISTS:
            heavy = [e for e in r["top_all"][k] if e["bytes"] * hh["top_capacity"] > total]
            if not heavy or len(r["top_all"][k]) <= hh["top_capacity"]:
                bad.append("coverage: traffic_hh %s: no heavy hitter or too few keys" % k)
    return bad


# --- flowzoo's output against the truth -------------------------------------------


def entry_diffs(what, want, got):
    out = []
    for i in range(max(len(want), len(got))):
        w = want[i] if i < len(want) else None
        g = got[i] if i < len(got) else None
        if w != g:
            out.append("%s[%d] expected %s, got %s" % (what, i, json.dumps(w, sort_keys=True),
                                                       json.dumps(g, sort_keys=True)))
    return out


def check_inexact(what, want, got, top_n, capacity):
    """Space-Saving's guarantees on a bin whose keys did not fit."""
    out = []
    if got.get("top_exact") is not False:
        out.append("%s: top_exact expected false, got %r" % (what, got.get("top_exact")))
    err = got.get("top_error_bytes")
    total = sum(a["bytes"] for a in want["apps"].values())
    if not isinstance(err, int) or not 0 < err <= total // capacity:
        out.append("%s: top_error_bytes expected in 1..%d (total %d / capacity %d), got %r" %
                   (what, total // capacity, total, capacity, err))
        err = 0 if not isinstance(err, int) else err
    top = got.get("top") or {}
    for k in LISTS:
        true = {e["key"]: e for e in want["top_all"][k]}
        lst = top.get(k)
        if not isinstance(lst, list):
            out.append("%s: top.%s missing" % (what, k))
            continue
        if len(lst) != min(top_n, capacity):
            out.append("%s: top.%s expected %d entries, got %d" % (what, k, min(top_n, capacity), len(lst)))
        if lst != sorted(lst, key=lambda e: (-e.get("bytes", 0), order(k)(e.get("key", 0)))):
            out.append("%s: top.%s not sorted by bytes descending, then key" % (what, k))
        seen = set()
        for e in lst:
            t = true.get(e.get("key"))
            if t is None or e["key"] in seen:
                out.append("%s: top.%s entry %s: not a key of the bin, or listed twice" % (what, k, e))
                continue
            seen.add(e["key"])
            if not t["bytes"] <= e.get("bytes", -1) <= t["bytes"] + err:
                out.append("%s: top.%s %s bytes expected %d..%d (true + top_error_bytes), got %r" %
                           (what, k, e["key"], t["bytes"], t["bytes"] + err, e.get("bytes")))
            for x in ("packets", "flows"):
                if not e.get(x, -1) >= t[x]:
                    out.append("%s: top.%s %s %s expected at least %d, got %r" %
                               (what, k, e["key"], x, t[x], e.get(x)))
        for key, t in true.items():
            if t["bytes"] * capacity > total and key not in seen:
                out.append("%s: top.%s heavy hitter %s (%d of %d bytes) missing" % (what, k, key, t["bytes"], total))
    return out


def compare_traffic(truth, got):
    diffs = []
    have = {}
    for g in got:
        k = (g.get("network"), g.get("bin_start_ms"))
        if k in have:
            diffs.append("traffic record written twice: %s" % json.dumps(g, sort_keys=True)[:300])
        have[k] = g
    for w in truth["traffic"]:
        what = where(w)
        g = have.pop((w["network"], w["bin_start_ms"]), None)
        if g is None:
            diffs.append("%s: missing; expected %s" % (what, json.dumps({k: v for k, v in w.items()
                                                                          if k != "top_all"}, sort_keys=True)[:600]))
            continue
        keys = set(g)
        if keys != TRAFFIC_FIELDS:
            diffs.append("%s: fields expected %s, got %s (missing %s, extra %s)" %
                         (what, sorted(TRAFFIC_FIELDS), sorted(keys), sorted(TRAFFIC_FIELDS - keys),
                          sorted(keys - TRAFFIC_FIELDS)))
        if not isinstance(g.get("collector"), str) or not g.get("collector"):
            diffs.append("%s: collector expected a name, got %r" % (what, g.get("collector")))
        for k in sorted(w):
            if k in ("top", "top_all"):
                continue
            if k == "top_error_bytes" or (k == "top_exact" and not w[k]):
                continue  # judged with the lists
            if g.get(k) != w[k]:
                diffs.append("%s: %s expected %s, got %s" % (what, k, json.dumps(w[k], sort_keys=True),
                                                             json.dumps(g.get(k), sort_keys=True)))
        if "top" in w:
            if g.get("top_error_bytes") != 0:
                diffs.append("%s: top_error_bytes expected 0, got %r" % (what, g.get("top_error_bytes")))
            gt = g.get("top") if isinstance(g.get("top"), dict) else {}
            if set(gt) != set(LISTS):
                diffs.append("%s: top lists expected %s, got %s" % (what, list(LISTS), sorted(gt)))
            for k in LISTS:
                diffs += entry_diffs("%s: top.%s" % (what, k), w["top"][k], gt.get(k) or [])
        else:
            diffs += check_inexact(what, w, g, truth["top_n"], truth["top_capacity"])
    for k, g in sorted(have.items(), key=str):
        diffs.append("unexpected traffic record: %s" % json.dumps(g, sort_keys=True)[:300])
    return diffs


def command(tmp, name, truth, networks=None):
    return ([FLOWZOO, "--pcap", os.path.join(tmp, name + ".pcap"), "--networks",
             networks or os.path.join(tmp, truth["networks"])] + truth["args"] +
            ["--jsonl", os.path.join(tmp, name + ".jsonl"), "--summary", os.path.join(tmp, name + ".summary.json"),
             "--progress", "off", "--stats-interval", "0"])


def run_capture(tmp, name, truth):
    cmd = command(tmp, name, truth)
    print("run: %s" % " ".join(cmd))
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return ["%s timed out after 120 s" % " ".join(cmd)]
    if r.returncode != 0:
        return ["exit status expected 0, got %d: %s" % (r.returncode, (r.stderr or r.stdout)[-2000:])]
    flows, traffic, diffs = [], [], []
    with open(os.path.join(tmp, name + ".jsonl")) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                diffs.append("jsonl line %d is not JSON (%s): %r" % (n, e, line[:200]))
                continue
            if obj.get("type") == "flow":
                flows.append(obj)
            elif obj.get("type") == "traffic":
                traffic.append(obj)
    diffs += compare_traffic(truth, traffic)
    diffs += ["flow " + d for d in compare_flows(truth["flows"], flows)]
    with open(os.path.join(tmp, name + ".summary.json")) as f:
        summary = json.load(f)
    if summary.get("packets") != truth["packets"]:
        diffs.append("summary packets expected %d, got %r" % (truth["packets"], summary.get("packets")))
    tr = summary.get("traffic") if isinstance(summary.get("traffic"), dict) else {}
    for k in ("late_records", "late_bytes"):
        if tr.get(k) != 0:
            diffs.append("summary traffic.%s expected 0, got %r" % (k, tr.get(k)))
    return diffs


def run_bad(tmp, pcap_truth, case):
    path = os.path.join(tmp, case["file"])
    cmd = command(tmp, "traffic", pcap_truth, networks=path)
    cmd[cmd.index("--jsonl") + 1] = os.path.join(tmp, "bad-%s.jsonl" % case["case"])
    cmd[cmd.index("--summary") + 1] = os.path.join(tmp, "bad-%s.summary.json" % case["case"])
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return ["%s: timed out" % case["case"]]
    msg = r.stderr + r.stdout
    out = []
    if r.returncode != 2:
        out.append("%s: exit status expected 2, got %d" % (case["case"], r.returncode))
    if path not in msg:
        out.append("%s: the message should name the file %r: %r" % (case["case"], path, msg.strip()[-500:]))
    # The entry must be named outside the path (the path could contain it).
    if case["entry"] is not None and case["entry"] not in msg.replace(path, ""):
        out.append("%s: the message should name the entry %r: %r" % (case["case"], case["entry"],
                                                                     msg.strip()[-500:]))
    return out


def report(name, diffs):
    if not diffs:
        print("ok   %s" % name)
        return 0
    print("FAIL %s (%d difference(s)):" % (name, len(diffs)))
    for d in diffs[:MAX_SHOWN]:
        print("    " + d)
    if len(diffs) > MAX_SHOWN:
        print("    ... and %d more" % (len(diffs) - MAX_SHOWN))
    return 1


def main():
    failed = 0
    with tempfile.TemporaryDirectory(prefix="fz-traffic-") as tmp:
        r = subprocess.run([sys.executable, GEN, "traffic", tmp], capture_output=True, text=True)
        if r.returncode != 0:
            print("FAIL: generator: %s" % r.stderr)
            return 1
        names = sorted(os.path.basename(p)[:-5] for p in r.stdout.split())
        truths = {}
        for name in names:
            with open(os.path.join(tmp, name + ".truth.json")) as f:
                truths[name] = json.load(f)
            failed += report("truth of %s" % name, check_truth(name, truths[name]))
        failed += report("coverage of the captures", check_coverage(truths))
        if not os.access(FLOWZOO, os.X_OK):
            print("FAIL: %s does not exist or is not executable (build the app first)" % FLOWZOO)
            return 1
        for name in names:
            failed += report("%s (%d traffic records, %d flow records)" %
                             (name, len(truths[name]["traffic"]), len(truths[name]["flows"])),
                             run_capture(tmp, name, truths[name]))
        with open(os.path.join(tmp, "traffic_bad.json")) as f:
            cases = json.load(f)
        print("run: %s (each bad networks file in traffic_bad/)" % " ".join(command(tmp, "traffic", truths["traffic"],
                                                                                     networks="FILE")))
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda c: run_bad(tmp, truths["traffic"], c), cases))
        failed += report("bad networks files (%d)" % len(cases), [d for res in results for d in res])
    print("%d check group(s) failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
