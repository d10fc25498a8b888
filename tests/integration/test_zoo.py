"""flowzoo --pcap on the nDPI captures: every flow record's zoo classes and
means equal those of a small reference implementation of docs/zoo.md that
reads only the record's own bytes and duration_s, in file order; the stats
records partition the flows by interval, and the last line is the final stats
record whose totals, class counts, sums and means equal those recomputed from
the flow records."""
import collections
import glob
import os
import subprocess
import sys
import tempfile

from fzrun import FLOWZOO, NDPI, SRC, Checker, run_flowzoo

INIT = (15000.0, 4.0, 500000.0)
CLASSES = ("elephant", "mouse", "tortoise", "dragonfly", "cheetah", "snail", "rate_null")


class Means:
    """One set of running means, computed the way docs/zoo.md defines them."""

    def __init__(self, kind, alpha):
        self.kind, self.alpha = kind, alpha
        self.n = self.size_sum = self.dur_sum_us = 0
        self.rate_n = 0
        self.rate_sum, self.rate_comp = 0.0, 0.0  # Neumaier compensated sum
        self.ewma = list(INIT)

    def current(self):
        if self.kind == "ewma":
            return tuple(self.ewma)
        size = float(self.size_sum) / float(self.n) if self.n else INIT[0]
        dur = float(self.dur_sum_us) / float(self.n) / 1e6 if self.n else INIT[1]
        rate = (self.rate_sum + self.rate_comp) / float(self.rate_n) if self.rate_n else INIT[2]
        return size, dur, rate

    def classify(self, size, dur_us):
        """Return (size_class, duration_class, rate_class, means) and enter the flow."""
        means = self.current()
        dur_s = dur_us / 1e6
        rate = size / dur_s if dur_us else None
        if self.kind == "cumulative" and self.n:
            # Exact: size >= size_sum / n  <=>  size * n >= size_sum.
            sc = size * self.n >= self.size_sum
            dc = dur_us * self.n >= self.dur_sum_us
        elif self.kind == "cumulative":
            sc, dc = size >= 15000, dur_us >= 4000000
        else:
            sc, dc = float(size) >= means[0], dur_s >= means[1]
        rc = None if rate is None else rate >= means[2]
        a = self.alpha
        self.n += 1
        self.size_sum += size
        self.dur_sum_us += dur_us
        self.ewma[0] = a * float(size) + (1.0 - a) * self.ewma[0]
        self.ewma[1] = a * dur_s + (1.0 - a) * self.ewma[1]
        if rate is not None:
            self.rate_n += 1
            t = self.rate_sum + rate
            if abs(self.rate_sum) >= abs(rate):
                self.rate_comp += (self.rate_sum - t) + rate
            else:
                self.rate_comp += (rate - t) + self.rate_sum
            self.rate_sum = t
            self.ewma[2] = a * rate + (1.0 - a) * self.ewma[2]
        return sc, dc, rc, means


def as15(x):
    """What the flow record prints for a double (jansson, 15 significant digits)."""
    return float("%.15g" % x)


def check_run(c, label, recs, kind, alpha, per_app):
    flows = [r for r in recs if r["type"] == "flow"]
    stats = [r for r in recs if r["type"] == "stats"]
    c.eq(True, len(flows) > 0, "%s: flow records" % label)
    c.eq("stats", recs[-1]["type"] if recs else None, "%s: last line is a stats record" % label)
    means = {}
    per_app_tot = collections.defaultdict(lambda: collections.Counter())
    bad = 0
    for i, r in enumerate(flows):
        size = r["bytes"]
        dur_us = round(r["duration_s"] * 1e6)
        m = means.setdefault(r["app"] if per_app else "", Means(kind, alpha))
        sc, dc, rc, mu = m.classify(size, dur_us)
        want = (["mouse", "elephant"][sc], ["dragonfly", "tortoise"][dc],
                None if rc is None else ["snail", "cheetah"][rc],
                as15(mu[0]), as15(mu[1]), as15(mu[2]))
        got = (r.get("size_class"), r.get("duration_class"), r.get("rate_class", "absent"),
               r.get("size_mean"), r.get("duration_mean"), r.get("rate_mean"))
        c.checks += 1
        if want != got:
            bad += 1
            if bad <= 10:
                print("FAIL %s flow %d (flow_id %s, bytes %d, duration_us %d): expected %r, got %r"
                      % (label, i, r.get("flow_id"), size, dur_us, want, got))
        t = per_app_tot[r["app"]]
        t["flows"] += 1
        t["packets"] += r["packets"]
        t["bytes"] += size
        t["duration_sum_us"] += dur_us
        for cls in (want[0], want[1], want[2] or "rate_null"):
            t[cls + ".flows"] += 1
            t[cls + ".bytes"] += size
    c.failures += bad
    print("%s: %d flow records, %d mismatches, %d stats records" % (label, len(flows), bad,
                                                                      len(stats)))
    if not stats:
        return
    final = recs[-1]
    c.eq(kind, final["zoo_mean"], "%s: zoo_mean" % label)
    c.eq("app" if per_app else "global", final["zoo_scope"], "%s: zoo_scope" % label)
    # Intervals follow each other and partition the flows.
    for a, b in zip(stats, stats[1:]):
        c.eq(a["interval_end_ms"], b["interval_start_ms"], "%s: intervals contiguous" % label)
    for s in stats:
        c.eq(True, s["interval_start_ms"] <= s["interval_end_ms"], "%s: interval order" % label)
    c.eq(len(flows), sum(s["interval"]["flows"] for s in stats), "%s: interval flows" % label)
    # Each stats record counts exactly the flow records written since the one before it.
    seen, between = [], 0
    for r in recs:
        if r["type"] == "flow":
            between += 1
        elif r["type"] == "stats":
            seen.append(between)
            between = 0
    c.eq([s["interval"]["flows"] for s in stats], seen, "%s: stats records in place" % label)
    c.eq(sum(r["bytes"] for r in flows), sum(s["interval"]["bytes"] for s in stats),
         "%s: interval bytes" % label)
    # Totals since start equal the sums over the flow records.
    all_tot = collections.Counter()
    for t in per_app_tot.values():
        all_tot.update(t)
    def counts(obj):
        d = {k: obj[k] for k in ("flows", "packets", "bytes", "duration_sum_us")}
        for cls in CLASSES:
            for f in ("flows", "bytes"):
                if obj["classes"][cls][f]:
                    d[cls + "." + f] = obj["classes"][cls][f]
        return d
    c.eq(dict(all_tot), counts(final["total"]), "%s: final totals" % label)
    apps = {a["app"]: a for a in final["apps"]}
    for name, t in sorted(per_app_tot.items()):
        c.eq(dict(t), counts(apps[name]["total"]) if name in apps else None,
             "%s: final totals of %s" % (label, name))
        if name in apps:
            cl = apps[name]["total"]["classes"]
            c.eq(t["elephant.flows"] / t["flows"], cl["elephant"]["flow_share"],
                 "%s: %s elephant flow share" % (label, name))
            c.eq(t["cheetah.bytes"] / t["bytes"] if t["bytes"] else None,
                 cl["cheetah"]["byte_share"], "%s: %s cheetah byte share" % (label, name))
    c.eq(sum(a["total"]["flows"] for a in final["apps"]), len(flows), "%s: apps sum" % label)
    # The sums behind the means, and the means themselves (17 digits: exact).
    for name, m in sorted(means.items()):
        obj = final["means"] if not per_app else apps[name]["means"]
        got = (obj["size_sum"], obj["size_n"], obj["duration_sum_us"], obj["duration_n"],
               obj["rate_n"], obj["size_mean"], obj["duration_mean"], obj["rate_mean"])
        want = (m.size_sum, m.n, m.dur_sum_us, m.n, m.rate_n) + m.current()
        c.eq(want, got, "%s: final means %s" % (label, name or "global"))


def main():
    c = Checker()
    # Each capture is a port with its own mbuf pool: a few per run, every capture in one run.
    caps = sorted(glob.glob(os.path.join(NDPI, "*.pcap")))
    big = [os.path.join(NDPI, n) for n in ("gnutella.pcap", "netflix.pcap", "android.pcap",
                                           "starcraft_battle.pcap", "quic.pcap")]
    runs = [("cumulative, global: %s" % os.path.basename(p), [p], [], "cumulative", 0.0, False)
            for p in caps]
    runs += [
        ("ewma:0.3, global", big, ["--zoo-mean", "ewma:0.3"], "ewma", 0.3, False),
        ("cumulative, per app", big, ["--zoo-scope", "app", "--stats-interval", "0.02"],
         "cumulative", 0.0, True),
        ("ewma:1, per app", big, ["--zoo-mean", "ewma:1", "--zoo-scope", "app"], "ewma", 1.0,
         True),
    ]
    # Export lcores (issue 23): the classes are made on the stats lcore in the same order,
    # the means each flow was compared with on the lanes (replayed from a copy of the means
    # per batch), stats records keep their place among the flows.
    for lanes in ("0", "0,1"):
        runs += [
            ("cumulative, global, --export-lcores %s" % lanes, big, ["--export-lcores", lanes],
             "cumulative", 0.0, False),
            ("cumulative, per app, --export-lcores %s" % lanes, big,
             ["--zoo-scope", "app", "--stats-interval", "0.02", "--export-lcores", lanes],
             "cumulative", 0.0, True),
        ]
    runs.append(("ewma:0.3, per app, --export-lcores 0,1", big,
                 ["--zoo-mean", "ewma:0.3", "--zoo-scope", "app", "--export-lcores", "0,1"],
                 "ewma", 0.3, True))
    # Bad values stop flowzoo at start with a message that names them.
    dns = os.path.join(NDPI, "dns.pcap")
    for args, msg in ((["--zoo-mean", "ewma:2"], "--zoo-mean: zoo mean 'ewma:2'"),
                      (["--zoo-mean", "ewma"], "zoo mean 'ewma'"),
                      (["--zoo-scope", "apps"], "'apps'"),
                      (["--stats-interval", "-1"], "'-1'")):
        p = subprocess.run([FLOWZOO, "--pcap", dns, "--progress", "off"] + args,
                           capture_output=True, text=True, timeout=120)
        c.eq((2, True), (p.returncode, msg in p.stderr), "%s: exit 2 naming the value" % args)
    with tempfile.TemporaryDirectory() as tmp:
        for i, (label, pcaps, extra, kind, alpha, per_app) in enumerate(runs):
            recs, summ, _ = run_flowzoo(pcaps, tmp, extra, name="zoo%d" % i)
            check_run(c, label, recs, kind, alpha, per_app)
            c.eq(summ["flows"], sum(1 for r in recs if r["type"] == "flow"),
                 "%s: summary flows" % label)
        # The generated benchmark captures (small): with one and two export lcores the flow
        # records, zoo classes and means included, equal the single-lcore run's.
        subprocess.run([sys.executable, os.path.join(SRC, "scripts", "fzgen.py"), "bench", tmp,
                        "--flows", "3000", "--packets-per-flow", "4", "--flood-packets",
                        "5000"], check=True, capture_output=True)
        for cap in ("mix", "flood64", "est64"):
            pcap = [os.path.join(tmp, cap + ".pcap")]
            ref = None
            for lanes in ("", "0", "0,1"):
                label = "%s, export lcores [%s]" % (cap, lanes)
                recs, summ, _ = run_flowzoo(pcap, tmp, ["--export-lcores", lanes] if lanes
                                            else [], name="gen%s%s" % (cap, lanes))
                check_run(c, label, recs, "cumulative", 0.0, False)
                flows = [r for r in recs if r["type"] == "flow"]
                if ref is None:
                    ref = flows
                c.eq(True, ref == flows, "%s: the single-lcore run's records" % label)
    c.done()


if __name__ == "__main__":
    main()
