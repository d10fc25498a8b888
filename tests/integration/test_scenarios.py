#!/usr/bin/env python3
"""Data-path scenarios: generate every capture of `fzgen.py scenarios` (and
of `fzgen.py l7`, whose app names are left to the L7 tests), run `flowzoo
--pcap` on it with the options its truth file names, and require the flow
records and the summary's counters to equal the truth exactly. Every
difference is reported, not just the first."""
import collections
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

SRC = os.environ.get("FZ_SRC", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.environ.get("FZ_BUILD", os.path.join(SRC, "build"))
APP = os.path.join(BUILD, "app", "flowzoo")
GEN = os.path.join(SRC, "scripts", "fzgen.py")
MAX_SHOWN = 20  # field differences shown one by one per capture; the rest are counted by kind
KEY = ("src_ip", "src_port", "dst_ip", "dst_port", "ip_proto", "vlan", "vlan_inner", "first_ms")


def key_of(r):
    return tuple(r.get(k) for k in KEY)


def show_key(k):
    return "%s:%s -> %s:%s proto %s vlan %s/%s first_ms %s" % k


def _conversation(r):
    """The flow key without orientation or time, to pair near misses."""
    ends = sorted([(r.get("src_ip"), r.get("src_port")), (r.get("dst_ip"), r.get("dst_port"))])
    return (tuple(ends), r.get("ip_proto"), r.get("vlan"), r.get("vlan_inner"))


def _field_diffs(w, g):
    return ["%s expected %r, got %r" % (f, w[f], g.get(f)) for f in sorted(w) if g.get(f) != w[f]]


def compare_flows(want, got):
    """Match records by key fields and first_ms; return the differences.
    Records left over on both sides for the same conversation are paired
    in time order and shown field by field."""
    diffs = []
    by_key = {}
    for r in got:
        by_key.setdefault(key_of(r), []).append(r)
    missing = []
    for w in want:
        cands = by_key.get(key_of(w))
        if not cands:
            missing.append(w)
            continue
        g = cands.pop(0)
        for d in _field_diffs(w, g):
            diffs.append("record %s: %s" % (show_key(key_of(w)), d))
    extra = [g for rest in by_key.values() for g in rest]
    fields = sorted(want[0]) if want else None
    for w in missing:
        near = [g for g in extra if _conversation(g) == _conversation(w)]
        if near:
            g = min(near, key=lambda r: abs((r.get("first_ms") or 0) - w["first_ms"]))
            extra.remove(g)
            diffs.append("record %s matched only by its conversation: %s" %
                         (show_key(key_of(w)), "; ".join(_field_diffs(w, g))))
        else:
            diffs.append("missing record %s: %s" % (show_key(key_of(w)), json.dumps(w, sort_keys=True)))
    for g in extra:
        shown = {k: g.get(k) for k in fields if k in g} if fields else g
        diffs.append("unexpected record %s: %s" % (show_key(key_of(g)), json.dumps(shown, sort_keys=True)))
    return diffs


def run_scenario(tmp, name, truth):
    pcap = os.path.join(tmp, name + ".pcap")
    out = os.path.join(tmp, name + ".jsonl")
    summ = os.path.join(tmp, name + ".summary.json")
    cmd = [APP, "--pcap", pcap, "--jsonl", out, "--summary", summ] + truth["args"]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return ["%s timed out after 120 s" % " ".join(cmd)]
    if r.returncode != 0:
        return ["%s exited %d: %s" % (" ".join(cmd), r.returncode, (r.stderr or r.stdout)[-2000:])]
    diffs = []
    got = []
    try:
        with open(out) as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except ValueError as e:
                    diffs.append("%s line %d is not JSON (%s): %r" % (out, n, e, line[:200]))
                    continue
                if obj.get("type") == "flow":
                    got.append(obj)
    except OSError as e:
        return ["cannot read %s: %s" % (out, e)]
    diffs += compare_flows(truth["flows"], got)
    try:
        with open(summ) as f:
            summary = json.load(f)
    except (OSError, ValueError) as e:
        return diffs + ["cannot read summary %s: %s" % (summ, e)]
    drops = summary.get("drops")
    if not isinstance(drops, dict):
        diffs.append("summary has no drops object: %s" % json.dumps(summary)[:500])
    else:
        for reason in sorted(set(drops) | set(truth["drops"])):
            w, g = truth["drops"].get(reason, 0), drops.get(reason, 0)
            if w != g:
                diffs.append("summary drops[%s] expected %d, got %r" % (reason, w, g))
    for name, want in sorted(truth.get("counters", {}).items()):
        if summary.get(name) != want:
            diffs.append("summary %s expected %d, got %r" % (name, want, summary.get(name)))
    ended = summary.get("flows_ended")
    if isinstance(ended, dict):
        for reason in sorted(set(ended) | {r["end_reason"] for r in truth["flows"]}):
            want = sum(1 for r in truth["flows"] if r["end_reason"] == reason)
            if ended.get(reason, 0) != want:
                diffs.append("summary flows_ended[%s] expected %d, got %r" % (reason, want, ended.get(reason)))
    else:
        diffs.append("summary has no flows_ended object")
    if summary.get("packets") != truth["packets"]:
        diffs.append("summary packets expected %d, got %r" % (truth["packets"], summary.get("packets")))
    if summary.get("flows") != len(got):
        diffs.append("summary flows %r but %d flow records written" % (summary.get("flows"), len(got)))
    return diffs


def run_bench(tmp):
    """The benchmark workloads, small: flowzoo must find the truth's packets,
    flows and (mix) flows per application."""
    r = subprocess.run([sys.executable, GEN, "bench", tmp, "--flows", "3000", "--packets-per-flow", "4",
                        "--flood-packets", "5000"], capture_output=True, text=True)
    if r.returncode != 0:
        return {"bench": ["generator: %s" % r.stderr[-2000:]]}
    out = {}
    for pcap in sorted(r.stdout.split()):
        name = os.path.basename(pcap)[:-5]
        with open(os.path.join(tmp, name + ".truth.json")) as f:
            truth = json.load(f)
        summ = os.path.join(tmp, name + ".summary.json")
        cmd = [APP, "--pcap", pcap, "--summary", summ] + truth["args"]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
        diffs = []
        if res.returncode != 0:
            diffs.append("%s exited %d: %s" % (" ".join(cmd), res.returncode, res.stderr[-2000:]))
        else:
            with open(summ) as f:
                summary = json.load(f)
            for k in ("packets", "flows"):
                if summary.get(k) != truth[k]:
                    diffs.append("summary %s expected %d, got %r" % (k, truth[k], summary.get(k)))
            apps = {a: v.get("flows", 0) for a, v in summary.get("apps", {}).items() if v.get("flows")}
            if "apps" in truth and apps != truth["apps"]:
                diffs.append("summary flows per app expected %s, got %s" % (truth["apps"], apps))
        out["bench/" + name] = diffs
    return out


def report(name, diffs, detail=""):
    """Print the outcome of one capture; returns 1 when it failed."""
    if not diffs:
        print("ok   %s %s" % (name, detail))
        return 0
    print("FAIL %s (%d difference(s)):" % (name, len(diffs)))
    fields = [d for d in diffs if d.startswith("record ")]
    for d in [d for d in diffs if not d.startswith("record ")] + fields[:MAX_SHOWN]:
        print("    " + d)
    if len(fields) > MAX_SHOWN:
        # The rest of the field differences, counted by what differs.
        kinds = collections.Counter(d.split(": ", 1)[-1] for d in fields[MAX_SHOWN:])
        print("    ... and %d more field differences:" % (len(fields) - MAX_SHOWN))
        for kind, n in kinds.most_common():
            print("    %6d x %s" % (n, kind))
    return 1


def main():
    if not os.access(APP, os.X_OK):
        print("FAIL: %s does not exist or is not executable (build the app first)" % APP)
        return 1
    failed = total = 0
    with tempfile.TemporaryDirectory(prefix="fz-scenarios-") as tmp:
        # The L7 captures are checked here too, on every flow field but
        # app (the L7 tests judge the names): more varied traffic for the
        # data path.
        for kind in ("scenarios", "l7"):
            r = subprocess.run([sys.executable, GEN, kind, tmp], capture_output=True, text=True)
            if r.returncode != 0:
                print("FAIL: generator: %s" % r.stderr)
                return 1
            names = sorted(os.path.basename(p)[:-5] for p in r.stdout.split())
            truths = {}
            for name in names:
                with open(os.path.join(tmp, name + ".truth.json")) as f:
                    truths[name] = json.load(f)
                for rec in truths[name]["flows"]:
                    rec.pop("app", None)
            # Two flowzoo runs at a time (offline runs share nothing): the
            # ASan build takes seconds per run to start.
            with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
                results = list(pool.map(lambda n: run_scenario(tmp, n, truths[n]), names))
            for name, diffs in zip(names, results):
                total += 1
                failed += report(name, diffs, "(%d records, drops %s)" %
                                 (len(truths[name]["flows"]), truths[name]["drops"]))
        for name, diffs in sorted(run_bench(os.path.join(tmp, "bench")).items()):
            total += 1
            failed += report(name, diffs)
    print("%d of %d captures failed" % (failed, total))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
