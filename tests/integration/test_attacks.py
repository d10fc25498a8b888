#!/usr/bin/env python3
"""Attack detection (issue 17, docs/alerts.md): generate the capture of
`fzgen.py attacks` (busy normal traffic, a spoofed SYN flood, a one-source
UDP flood, a refused port scan, a probe under the threshold, an unanswered
address scan, the port scan again inside --alert-suppress) and check that
flowzoo writes exactly the alert records of the generator's model: per
attack, in order, every field (the SYN flood starts within 2 s of its first
packet; the probe and the busy traffic alert nothing; the repeat is
suppressed and counted). Then the summary's counters, the log's start and
end lines, the same alerts without --networks (--detect on: every host,
network null) and nothing with --detect off."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fzrun import SRC, Checker, run_flowzoo  # noqa: E402

GEN = os.path.join(SRC, "scripts", "fzgen.py")
ATTACKS = ("volume", "syn_flood", "port_scan", "address_scan")
SEVERITY = {"volume": "critical", "syn_flood": "critical", "port_scan": "warning",
            "address_scan": "warning"}
T0_MS = 1700000000000


def check_alerts(c, name, expected, records, network):
    got = [r for r in records if r.get("type") == "alert" and r.get("alert") in ATTACKS]
    for attack in ATTACKS:
        exp = [dict(e, network=network, type="alert") for e in expected if e["alert"] == attack]
        g = [r for r in got if r["alert"] == attack]
        c.eq(len(exp), len(g), "%s: %s records" % (name, attack))
        for i, (e, r) in enumerate(zip(exp, g)):
            what = "%s: %s %d (%s)" % (name, attack, i, e["state"])
            c.eq(1, r.get("schema_version"), what + ": schema_version")
            c.eq(SEVERITY[attack], r.get("severity"), what + ": severity")
            c.eq(True, isinstance(r.get("message"), str) and len(r["message"]) > 10, what + ": message")
            rest = {k: v for k, v in r.items() if k not in ("schema_version", "collector", "message", "severity")}
            c.eq(e, rest, what)


def main():
    c = Checker()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, GEN, "attacks", tmp], check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(tmp, "attacks.alerts.json")) as f:
            truth = json.load(f)
        pcap = os.path.join(tmp, "attacks.pcap")
        nets = os.path.join(tmp, truth["networks"])
        exp = truth["alerts"]

        # The model's own story, so that a wrong generator cannot pass unnoticed.
        c.eq([("syn_flood", "start"), ("syn_flood", "update"), ("syn_flood", "end"),
              ("volume", "start"), ("volume", "end"), ("port_scan", "start"),
              ("address_scan", "start"), ("port_scan", "end"), ("address_scan", "end")],
             [(e["alert"], e["state"]) for e in exp], "the model's alerts")
        syn = [e for e in exp if e["alert"] == "syn_flood"]
        c.eq(True, syn[0]["time_ms"] - (T0_MS + 20000) <= 2000, "syn_flood starts within 2 s")
        c.eq("10.1.0.20", syn[0]["host"], "syn_flood host")
        c.eq({"port_scan": 1}, truth["suppressed"], "the repeat is suppressed")

        recs, summ, err = run_flowzoo([pcap], tmp, name="attacks",
                                      extra=truth["args"] + ["--networks", nets], timeout=120)
        check_alerts(c, "networks", exp, recs, "lan")
        counts = {a: {"started": 0, "updates": 0, "ended": 0, "suppressed": truth["suppressed"].get(a, 0),
                      "active": 0} for a in ATTACKS}
        for e in exp:
            k = {"start": "started", "update": "updates", "end": "ended"}[e["state"]]
            counts[e["alert"]][k] += 1
        c.eq(counts, summ.get("attacks"), "summary attacks")
        det = summ.get("detect", {})
        c.eq(truth["scan_attempts"], det.get("scan_attempts"), "detect scan_attempts")
        for k in ("late_reports", "hosts_full", "alerts_full", "scan_full", "scan_capped", "bad_reports"):
            c.eq(0, det.get(k), "detect " + k)
        c.eq(0, sum(w.get("detect_full", -1) for w in summ["workers"]), "workers' detect_full")
        c.eq(det.get("host_reports"), sum(w.get("host_reports", 0) for w in summ["workers"]),
             "host reports sent and merged")
        for st in ("start", "end"):
            n = sum(1 for e in exp if e["state"] == st)
            got = sum(1 for line in err.splitlines() if " %s: " % st in line and "alert " in line
                      and any("alert %s %s:" % (a, st) in line for a in ATTACKS))
            c.eq(n, got, "log lines of %ss" % st)
        c.eq(truth["packets"], summ.get("packets"), "packets")

        # Without --networks, --detect on watches every host: the same alerts, network null.
        recs, summ, _ = run_flowzoo([pcap], tmp, name="all", extra=truth["args"] + ["--detect", "on"],
                                    timeout=120)
        check_alerts(c, "all hosts", exp, recs, None)
        # --detect off: no attack alerts, no attack counters.
        recs, summ, _ = run_flowzoo([pcap], tmp, name="off",
                                    extra=truth["args"] + ["--networks", nets, "--detect", "off"],
                                    timeout=120)
        c.eq([], [r for r in recs if r.get("type") == "alert"], "--detect off: no alerts")
        c.eq(None, summ.get("attacks"), "--detect off: no attacks counters")
        c.eq(0, sum(w.get("host_reports", 0) for w in summ["workers"]), "--detect off: no host reports")
    c.done()


if __name__ == "__main__":
    main()
