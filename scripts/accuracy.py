#!/usr/bin/env python3
"""Agreement of flowzoo's L7 classes with nDPI's labels on the shared captures.

Runs flowzoo (or the offline harness tests/tools/l7_pcap) on every capture in
../shared/pcaps/ndpi/, reads the JSON-lines flow records, matches each
TCP/UDP flow of GROUND_TRUTH.tsv by (file, proto, vlan, both address/port
ends in either order) and prints the agreement, precision and recall per
class, and every disagreement with nDPI's label, confidence and class_note.

    scripts/accuracy.py --flowzoo build/app/flowzoo --signatures signatures/flowzoo.sigs
    scripts/accuracy.py --harness build/tests/integration/l7_pcap --signatures signatures/flowzoo.sigs
    scripts/accuracy.py --jsonl DIR        # DIR/<capture>.jsonl already written

--json FILE writes the numbers (agreement, confusion counts, disagreements)
for tests/integration/test_accuracy.py. Standard library only.
"""
import argparse
import collections
import concurrent.futures
import csv
import ipaddress
import json
import os
import subprocess
import sys
import tempfile

CLASSES = ["bittorrent", "dhcp", "http", "ssdp", "ssh", "tls", "unknown"]


def default_shared():
    env = os.environ.get("FZ_SHARED")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "shared")


def norm_ip(s):
    return str(ipaddress.ip_address(s))


def flow_key(proto, a, ap, b, bp, vlan):
    ends = sorted([(norm_ip(a), int(ap)), (norm_ip(b), int(bp))])
    return (int(proto), int(vlan or 0), ends[0], ends[1])


def load_truth(path):
    rows = collections.OrderedDict()
    with open(path, newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r["proto"] not in ("6", "17"):
                continue
            k = (r["file"],) + flow_key(r["proto"], r["src"], r["sport"], r["dst"], r["dport"],
                                        r["vlan"])
            rows[k] = r
    return rows


def run_one(args, name, outdir):
    """Classify one capture into outdir/<name>.jsonl; returns an error or None."""
    src = os.path.join(args.pcaps, name)
    out = os.path.join(outdir, name + ".jsonl")
    if args.flowzoo:
        cmd = [args.flowzoo, "--pcap", src, "--jsonl", out, "--signatures", args.signatures]
        res = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             timeout=args.timeout)
    else:
        with open(out, "w") as f:
            cmd = [args.harness, args.signatures, src]
            res = subprocess.run(cmd, stdout=f, stderr=subprocess.PIPE, timeout=args.timeout)
    if res.returncode != 0:
        return "%s failed (%d): %s" % (" ".join(cmd), res.returncode,
                                       res.stderr.decode(errors="replace")[-2000:])
    return None


def run_captures(args, pcaps, outdir):
    # Each flowzoo run is one process with its own EAL (no shared files), so
    # a few can run side by side.
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for err in pool.map(lambda n: run_one(args, n, outdir), pcaps):
            if err:
                sys.exit(err)


def load_records(outdir, pcaps):
    """Map (file, key) to the app flowzoo gave that flow.

    flowzoo may split one nDPI flow into several records (idle or active
    timeout, TCP port reuse). The flow's app is then the first named app in
    record order: a later record that starts mid-connection may not be
    nameable, but the flow was named.

    Classes other than the six (an operator's, or the default file's extra
    classes such as gnutella) count as "unknown", the same rule the ground
    truth applies to nDPI's labels outside the six.
    """
    apps = {}
    raw = collections.Counter()
    for name in pcaps:
        path = os.path.join(outdir, name + ".jsonl")
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                rec = json.loads(line)
                if rec.get("type", "flow") != "flow":
                    continue
                if rec.get("ip_proto") not in (6, 17):
                    continue
                # nDPI keys a QinQ flow by its inner VLAN id.
                vlan = rec.get("vlan_inner") or rec.get("vlan", 0)
                k = (name,) + flow_key(rec["ip_proto"], rec["src_ip"], rec["src_port"],
                                       rec["dst_ip"], rec["dst_port"], vlan)
                app = rec.get("app", "unknown")
                raw[app] += 1
                if k not in apps or (apps[k] == "unknown" and app != "unknown"):
                    apps[k] = app
    return {k: (a if a in CLASSES else "unknown") for k, a in apps.items()}, raw


def without_vlan(k):
    return k[:2] + k[3:]


def evaluate(truth, apps):
    """Compare per flow. A record whose VLAN id differs from nDPI's (outer
    versus inner tag of a QinQ frame) still matches when the flow is the only
    one with those ends."""
    confusion = collections.Counter()
    disagreements = []
    by_ends = collections.defaultdict(list)
    for k in apps:
        by_ends[without_vlan(k)].append(k)
    truth_ends = collections.Counter(without_vlan(k) for k in truth)
    matched = set()
    for k, r in truth.items():
        ours = apps.get(k)
        if ours is None and truth_ends[without_vlan(k)] == 1 and \
                len(by_ends[without_vlan(k)]) == 1:
            ours = apps[by_ends[without_vlan(k)][0]]
            matched.add(by_ends[without_vlan(k)][0])
        elif ours is not None:
            matched.add(k)
        gt = r["class"]
        confusion[(gt, ours or "missing")] += 1
        if ours != gt:
            disagreements.append({
                "file": r["file"], "proto": int(r["proto"]), "src": r["src"],
                "sport": int(r["sport"]), "dst": r["dst"], "dport": int(r["dport"]),
                "ndpi": r["ndpi_app_label"], "confidence": r["confidence"],
                "class_note": r["class_note"], "truth": gt, "ours": ours or "missing",
                "packets": int(r["packets"]),
            })
    extra = sorted(set(apps) - matched)
    agree = sum(n for (g, o), n in confusion.items() if g == o)
    return confusion, disagreements, extra, agree


def per_class(confusion):
    rows = []
    for c in sorted(set(CLASSES) | {g for g, _ in confusion} | {o for _, o in confusion}
                    - {"missing"}):
        tp = confusion[(c, c)]
        gt_n = sum(n for (g, _), n in confusion.items() if g == c)
        our_n = sum(n for (_, o), n in confusion.items() if o == c)
        rows.append((c, gt_n, our_n, tp,
                     tp / our_n if our_n else None, tp / gt_n if gt_n else None))
    return rows


def fmt(x):
    return "-" if x is None else "%.3f" % x


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--flowzoo", help="path to build/app/flowzoo")
    g.add_argument("--harness", help="path to the l7_pcap test tool")
    g.add_argument("--jsonl", help="folder with <capture>.jsonl already written")
    ap.add_argument("--signatures", help="signature file (with --flowzoo/--harness)")
    ap.add_argument("--pcaps", default=os.path.join(default_shared(), "pcaps", "ndpi"))
    ap.add_argument("--keep", help="write the JSON-lines outputs into this folder")
    ap.add_argument("--json", help="write the numbers as JSON to this file")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per capture")
    ap.add_argument("--jobs", type=int, default=2, help="captures classified at once")
    args = ap.parse_args()
    if (args.flowzoo or args.harness) and not args.signatures:
        ap.error("--signatures is required with --flowzoo or --harness")

    truth = load_truth(os.path.join(args.pcaps, "GROUND_TRUTH.tsv"))
    pcaps = sorted({k[0] for k in truth})
    if args.jsonl:
        apps, raw = load_records(args.jsonl, pcaps)
    else:
        with tempfile.TemporaryDirectory(prefix="fz-accuracy-") as tmp:
            outdir = args.keep or tmp
            os.makedirs(outdir, exist_ok=True)
            run_captures(args, pcaps, outdir)
            apps, raw = load_records(outdir, pcaps)

    confusion, dis, extra, agree = evaluate(truth, apps)
    total = len(truth)
    print("agreement: %d/%d = %.2f%% of TCP/UDP flows in %d captures" %
          (agree, total, 100.0 * agree / total, len(pcaps)))
    print("flowzoo records by app (before mapping other classes to unknown): " +
          ", ".join("%s %d" % kv for kv in sorted(raw.items())))
    print()
    print("| class | nDPI flows | flowzoo flows | both | precision | recall |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = per_class(confusion)
    for c, gt_n, our_n, tp, p, r in rows:
        print("| %s | %d | %d | %d | %s | %s |" % (c, gt_n, our_n, tp, fmt(p), fmt(r)))
    print()
    print("disagreements (%d):" % len(dis))
    print()
    print("| file | flow | pkts | nDPI label (confidence) | class_note | nDPI class | flowzoo |")
    print("|---|---|---:|---|---|---|---|")
    for d in dis:
        print("| %s | %s %s:%d - %s:%d | %d | %s (%s) | %s | %s | %s |" % (
            d["file"], "TCP" if d["proto"] == 6 else "UDP", d["src"], d["sport"], d["dst"],
            d["dport"], d["packets"], d["ndpi"], d["confidence"], d["class_note"] or "",
            d["truth"], d["ours"]))
    if extra:
        print()
        print("flowzoo flows not in GROUND_TRUTH.tsv (%d):" % len(extra))
        for k in extra:
            print("  %s proto %d vlan %d %s %s -> %s" % (k[0], k[1], k[2], k[3], k[4], apps[k]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({
                "agree": agree, "total": total,
                "confusion": {"%s>%s" % gk: n for gk, n in sorted(confusion.items())},
                "per_class": {c: {"ndpi": g_, "flowzoo": o, "both": t}
                              for c, g_, o, t, _, _ in rows},
                "disagreements": dis, "extra": len(extra), "records_by_app": dict(raw),
            }, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
