#!/usr/bin/env python3
"""Deterministic pcap generator for flowzoo's tests and benchmarks.

    fzgen.py scenarios OUTDIR [--seed S] [--only NAME ...]
    fzgen.py l7 OUTDIR [--seed S] [--only NAME ...]
    fzgen.py traffic OUTDIR [--seed S] [--only traffic|traffic_hh ...]
    fzgen.py alerts OUTDIR
    fzgen.py fleet OUTDIR
    fzgen.py bench OUTDIR [--seed S] [--flows N] [--packets-per-flow K] [--flood-packets P]
                          [--only mix|flood64|est64 ...]

Every capture OUTDIR/<name>.pcap gets its truth in OUTDIR/<name>.truth.json
(traffic captures also their --networks file, OUTDIR/<name>.networks.json).
The same seed always gives the same bytes. See docs/generator.md.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fzgen import scenarios  # noqa: E402


def l7_groups():
    from fzgen import l7 as l7mod
    return l7mod.GROUPS


def main(argv=None):
    ap = argparse.ArgumentParser(prog="fzgen.py", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sc = sub.add_parser("scenarios", help="captures for the data-path tests")
    sc.add_argument("outdir")
    sc.add_argument("--seed", type=int, default=1)
    sc.add_argument("--only", action="append", choices=sorted(scenarios.all_scenarios()),
                    help="generate only this scenario (repeatable)")
    l7 = sub.add_parser("l7", help="captures for the L7 classification tests")
    l7.add_argument("outdir")
    l7.add_argument("--seed", type=int, default=1)
    l7.add_argument("--only", action="append", choices=sorted(l7_groups()),
                    help="generate only this capture (repeatable)")
    tr = sub.add_parser("traffic", help="captures, networks files and truth for the traffic bins")
    tr.add_argument("outdir")
    tr.add_argument("--seed", type=int, default=1)
    tr.add_argument("--only", action="append", choices=["traffic", "traffic_hh"],
                    help="generate only this capture (repeatable; the bad networks files are always written)")
    al = sub.add_parser("alerts", help="the capture, networks files and truth of the baseline alerts")
    al.add_argument("outdir")
    al.add_argument("--seed", type=int, default=1)
    at = sub.add_parser("attacks", help="the capture, networks file and truth of attack detection")
    at.add_argument("outdir")
    at.add_argument("--seed", type=int, default=1)
    fl = sub.add_parser("fleet", help="two appliances' captures and the truth of the fleet alerts")
    fl.add_argument("outdir")
    fl.add_argument("--seed", type=int, default=1)
    be = sub.add_parser("bench", help="benchmark workloads")
    be.add_argument("outdir")
    be.add_argument("--seed", type=int, default=1)
    be.add_argument("--flows", type=int, default=65536,
                    help="flows in est64 and conversations in mix (default 65536)")
    be.add_argument("--packets-per-flow", type=int, default=16,
                    help="packets per flow in est64 (default 16)")
    be.add_argument("--flood-packets", type=int, default=None,
                    help="packets (= flows) in flood64 (default flows x packets-per-flow)")
    be.add_argument("--only", action="append", choices=["mix", "flood64", "est64"])
    a = ap.parse_args(argv)
    if a.cmd == "bench":
        for n in ("flows", "packets_per_flow", "flood_packets"):
            v = getattr(a, n)
            if v is not None and v < 1:
                ap.error("--%s must be at least 1" % n.replace("_", "-"))
    try:
        paths = generate(a)
    except OSError as e:
        print("fzgen.py: %s" % e, file=sys.stderr)
        return 1
    for p in paths:
        print(p)
    return 0


def generate(a):
    os.makedirs(a.outdir, exist_ok=True)
    if a.cmd == "scenarios":
        paths = scenarios.generate(a.outdir, a.seed, a.only)
    elif a.cmd == "traffic":
        from fzgen import traffic
        paths = traffic.generate(a.outdir, a.seed, a.only)
    elif a.cmd == "alerts":
        from fzgen import alerts
        paths = alerts.generate(a.outdir, a.seed)
    elif a.cmd == "attacks":
        from fzgen import attacks
        paths = attacks.generate(a.outdir, a.seed)
    elif a.cmd == "fleet":
        from fzgen import fleet
        paths = fleet.generate(a.outdir, a.seed)
    elif a.cmd == "l7":
        from fzgen import l7 as l7mod
        paths = l7mod.generate(a.outdir, a.seed, a.only)
    else:
        from fzgen import bench
        paths = bench.generate(a.outdir, a.seed, a.flows, a.packets_per_flow,
                               a.flood_packets, a.only)
    return paths


if __name__ == "__main__":
    sys.exit(main())
