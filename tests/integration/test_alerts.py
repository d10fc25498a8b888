#!/usr/bin/env python3
"""Baseline alerts (issue 17, docs/alerts.md): generate the capture of
`fzgen.py alerts` and run flowzoo on it twice, with the networks file's
ignore list and without it. The first run must write exactly the alert
records of the truth: one start, two updates and one end for the spike on
lan's bytes in, nothing for the one-bin blip, nothing for dmz (its heavy
partner is ignored), nothing for the repeat inside --alert-suppress (a
counter says so); the second run must alert on dmz too. Mean, sigma and
threshold are compared to 1e-9 relative, everything else exactly; the
summary's "baseline" counters exactly; the log has one line per start and
end."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fzrun import SRC, Checker, compare_alerts, run_flowzoo  # noqa: E402

GEN = os.path.join(SRC, "scripts", "fzgen.py")
def main():
    c = Checker()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, GEN, "alerts", tmp], check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(tmp, "alerts.truth.json")) as f:
            truth = json.load(f)
        for name in ("alerts", "alerts_noignore"):
            t = truth[name]
            recs, summ, err = run_flowzoo([os.path.join(tmp, "alerts.pcap")], tmp, name=name,
                                          extra=truth["args"] + ["--networks", os.path.join(tmp, t["networks"])],
                                          timeout=120)
            alerts = [r for r in recs if r.get("type") == "alert" and r.get("alert") == "baseline"]
            compare_alerts(c, name, t["alerts"], alerts)
            c.eq(t["counters"], summ.get("baseline"), "%s: summary baseline" % name)
            c.eq(truth["packets"], summ.get("packets"), "%s: summary packets" % name)
            starts = sum(1 for line in err.splitlines() if "alert baseline start:" in line)
            ends = sum(1 for line in err.splitlines() if "alert baseline end:" in line)
            c.eq((t["counters"]["started"], t["counters"]["ended"]), (starts, ends),
                 "%s: log lines of starts and ends" % name)
            # The traffic records stay whole: the ignored transfer is in dmz's bins.
            dmz = {r["bin_start_ms"]: r for r in recs if r.get("type") == "traffic" and r["network"] == "dmz"}
            c.eq(2 * (228 + 238 + 248) + 20 * 1428, dmz[1700000160000]["bytes_in"],
                 "%s: dmz bin +160 s bytes_in (ignored pair included)" % name)
        lan = [r for r in truth["alerts"]["alerts"] if r["network"] == "lan"]
        c.eq(["start", "update", "update", "end"], [r["state"] for r in lan], "the spike's records")
        c.eq(1, truth["alerts"]["counters"]["suppressed"], "the repeat is suppressed")
        c.eq([], [r for r in truth["alerts"]["alerts"] if r["network"] == "dmz"], "dmz with ignore")
    c.done()


if __name__ == "__main__":
    main()
