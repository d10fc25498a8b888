#!/usr/bin/env python3
"""The dashboard served by zooagg (issue 21, docs/dashboard.md "Served by zooagg",
docs/fleet.md "HTTP API"): the appliance's page over the fleet, in a real browser.

One filled database for every check, filled as test_fleet.py does but with
one member (the group's rebalancing and SIGKILL are test_fleet.py's): on
librdkafka's mock cluster, appliances zoo-a and zoo-b replay the two
captures of `fzgen.py fleet` into one zooagg member with --http and SQLite.
Then:

- the page's files are share/dashboard/'s and Debian's Chart.js, byte for
  byte; /api/status says zooagg; /api/fleet/latest equals the database (merged)
  and the records (one collector); malformed requests of the new endpoints and
  argument (/api/status, /api/fleet/latest, collector= of daily and daily_hosts)
  are 400s with their message, random query strings never a 5xx;
- headless Chromium (cdp.py) opens the page: it finds zooagg, shows the
  fleet's parts and hides the appliance's; with the merged fleet chosen, the
  figures of the latest bin and the networks table equal the database's
  merged bins; the per-day table equals the sums of every record of the
  network; the hosts per day equal the sums of each bin's merged top-3
  lists; the zoo table equals fleet_zoo; the alerts table lists the
  database's alerts, newest first, values exact;
- switching the appliance selector to zoo-a: the figures, the networks
  table, the per-day tables (network and hosts) and the top tables are
  zoo-a's records';
- picking a past bin in the bin selector, then clicking another bin's point
  in the bytes chart (a real mouse event): the top tables are that bin's
  merged top-N lists (/api/fleet/top, recomputed from the records);
- no page error and no console error; a screenshot (BUILD/meson-logs/
  fleet-dashboard.png; FZ_WRITE_DOCS=1 copies it to docs/fleet-dashboard.png).
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402
from fzrun import BUILD, SRC, Checker, get_json, get, run_flowzoo  # noqa: E402
from pagedom import dump, values  # noqa: E402
from test_fleet import GEN, Member, merged_top, sqlite_query, start_mock, wait_for  # noqa: E402

CHARTJS = "/usr/share/javascript/chart.js/chart.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DASHBOARD = os.path.join(SRC, "share", "dashboard")
FIGS = ("bytes_in", "bytes_out", "packets_in", "packets_out", "flows", "flows_new")
c = Checker()


def fill(tmp, gen):
    """The database of one member fed by both appliances: (member, records, query, mock)."""
    with open(os.path.join(gen, "fleet.truth.json")) as f:
        args = json.load(f)["args"]
    alert_args = [x for i in range(0, len(args), 2) if args[i].startswith("--alert-")
                  for x in args[i:i + 2]]
    path = os.path.join(tmp, "fleet.db")
    query = sqlite_query(path)
    mock, boot = start_mock()
    member = Member("dash", boot, "sqlite:" + path, tmp, alert_args, http=True)
    c.eq(True, wait_for("the member joins", lambda: "partitions assigned" in member.text()),
         "the member joins")
    extra = args + ["--networks", os.path.join(gen, "fleet.networks.json"), "--kafka", boot,
                    "--stats-interval", "0"]
    records = []
    for coll, pcap in (("zoo-a", "fleet_a.pcap"), ("zoo-b", "fleet_b.pcap")):
        recs, _, _ = run_flowzoo([os.path.join(gen, pcap)], tmp, extra + ["--collector-id", coll],
                                 name=coll)
        records += recs
    traffic = [r for r in records if r["type"] == "traffic"]
    c.eq(True, wait_for("every record in the database", lambda: (
        int(query("SELECT COUNT(*) FROM traffic")[0][0]) == len(traffic) and
        int(query("SELECT COUNT(*) FROM fleet_traffic WHERE closed = 1")[0][0]) ==
        len(traffic) // 2 and
        query("SELECT collectors FROM fleet_zoo WHERE scope = 'all'") == [("2",)]), timeout=120),
         "the database has every record")
    return member, traffic, query, mock


def http_base(member):
    addr = [line.split("listening on ")[1].strip() for line in member.text().splitlines()
            if "http: listening on" in line]
    return "http://" + addr[0] if addr else None


def files_and_malformed(base):
    for path, want in (("/", os.path.join(DASHBOARD, "index.html")),
                       ("/dashboard.js", os.path.join(DASHBOARD, "dashboard.js")),
                       ("/fleet.js", os.path.join(DASHBOARD, "fleet.js")),
                       ("/dashboard.css", os.path.join(DASHBOARD, "dashboard.css")),
                       ("/chart.min.js", CHARTJS)):
        st, _, body = get(base + path)
        c.eq((200, True), (st, body == open(want, "rb").read()), "GET %s is %s" % (path, want))
    st, s = get_json(base + "/api/status")
    c.eq((200, "zooagg", "zooagg:fleet", "sqlite"),
         (st, s.get("program"), s.get("collector"), s.get("db")), "/api/status")
    c.eq(True, s["counters"]["traffic"] > 0, "/api/status: the counters")
    cases = [
        ("/api/status?x=1", 400, "unknown query argument 'x' (/api/status takes none)"),
        ("/api/status?" + "y" * 100, 400, "unknown query argument '%s' (/api/status takes none)"
         % ("y" * 64)),
        ("/api/fleet/daily?network=lan&collector=", 400,
         "collector must be a collector id (1 to 64 characters of UTF-8)"),
        ("/api/fleet/daily?network=lan&collector=" + "c" * 65, 400,
         "collector must be a collector id (1 to 64 characters of UTF-8)"),
        ("/api/fleet/daily?network=lan&collector=%ff%fe", 400,
         "collector must be a collector id (1 to 64 characters of UTF-8)"),
        ("/api/fleet/bins?network=%c3%28", 400,
         "network is required: a network's name (1 to 64 characters of UTF-8)"),
        ("/api/status?%ff%01=1", 400, "unknown query argument '??' (/api/status takes none)"),
        ("/api/fleet/daily_hosts?network=lan&collector=" + "%e9" * 3, 400,
         "collector must be a collector id (1 to 64 characters of UTF-8)"),
        ("/api/fleet/daily_hosts?network=lan&collector=zoo-a&limit=0", 400,
         "limit must be an integer from 1 to 1000"),
        ("/api/fleet/latest?collector=", 400,
         "collector must be a collector id (1 to 64 characters of UTF-8)"),
        ("/api/fleet/latest?collector=%80", 400,
         "collector must be a collector id (1 to 64 characters of UTF-8)"),
        ("/api/fleet/daily?collector=zoo-a", 400,
         "network is required: a network's name (1 to 64 characters of UTF-8)"),
    ]
    for path, status, msg in cases:
        st, body = get_json(base + path)
        c.eq((status, msg), (st, (body or {}).get("error")), "GET %s" % path[:70])
    for what in ("latest", "daily", "daily_hosts"):
        st, body = get_json(base + "/api/fleet/%s?network=lan&collector=nope" % what)
        c.eq((200, "nope", []), (st, body["collector"], body["bins" if what == "latest" else "days"]),
             "/api/fleet/%s of an unknown collector: no day" % what)
    rng = random.Random(2121)
    codes = set()
    for _ in range(150):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 60)))
        q = "".join(chr(b) if b < 128 and (chr(b).isalnum() or chr(b) in "=&") else "%%%02X" % b
                    for b in raw)
        path = rng.choice(["/api/status?", "/api/fleet/latest?collector=",
                           "/api/fleet/daily?network=lan&collector=",
                           "/api/fleet/daily?", "/api/fleet/daily_hosts?network=lan&collector="])
        codes.add(get(base + path + q)[0])
    c.eq(set(), {x for x in codes if x >= 500}, "150 random query strings: never a 5xx (%s)"
         % sorted(codes))


def latest(base, query, traffic):
    """/api/fleet/latest: each network's latest bin, merged (the database's) or one
    collector's (its records')."""
    want = {}
    for r in query("SELECT network, bin_start_ms, bytes_in, collectors FROM fleet_traffic "
                   "ORDER BY bin_start_ms"):
        want[r[0]] = (int(r[1]), int(r[2]), int(r[3]))
    st, body = get_json(base + "/api/fleet/latest")
    c.eq((200, "fleet", sorted(want.items())),
         (st, body["collector"], [(b["network"], (b["bin_start_ms"], b["bytes_in"], b["collectors"]))
                                  for b in body["bins"]]), "/api/fleet/latest (merged)")
    want = {}
    for t in sorted(traffic, key=lambda t: t["bin_start_ms"]):
        if t["collector"] == "zoo-b":
            want[t["network"]] = {k: t[k] for k in ("bin_start_ms",) + FIGS}
    st, body = get_json(base + "/api/fleet/latest?collector=zoo-b")
    c.eq((200, sorted(want.items())),
         (st, [(b["network"], {k: b[k] for k in ("bin_start_ms",) + FIGS}) for b in body["bins"]]),
         "/api/fleet/latest?collector=zoo-b (its records)")


def choose(page, select, value, shown):
    """Choose a value of a <select> as a user does, and wait until the page shows it all
    (its refreshes run one at a time; body's data-shown names the choice last drawn)."""
    page.eval("(() => { const s = document.getElementById(%s); s.value = %s; "
              "s.dispatchEvent(new Event('change')); })()" % (json.dumps(select), json.dumps(value)))
    c.eq(True, shown_is(page, shown), "the page shows %s" % shown)


def shown_is(page, shown):
    return page.wait_for("document.body.dataset.shown === %s" % json.dumps(shown))


def figures(dom):
    return [int(dom.attrs("fleet-" + k.replace("_", "-")).get("data-value") or -1) for k in FIGS]


def network_rows(dom):
    return {r["attrs"].get("data-network"): values(r) for r in dom.rows.get("networks-table", [])}


def day_rows(recs):
    days = {}
    for t in recs:
        d = days.setdefault(t["bin_start_ms"] // 86400000 * 86400000, [0, 0, 0, 0, set()])
        for i, k in enumerate(("packets_in", "bytes_in", "packets_out", "bytes_out")):
            d[i] += t[k]
        d[4].add(t["bin_start_ms"])
    return [[day] + v[:4] + [len(v[4])] for day, v in sorted(days.items(), reverse=True)]


def top_rows(dom, lst):
    return [[r["cells"][0]["text"]] + values(r, 1) for r in dom.rows.get("top-" + lst, [])]


def want_tops(recs):
    return {lst: [[str(e["key"]), e["bytes"], e["packets"], e["flows"]]
                  for e in merged_top(recs, 3, lst)] for lst in ("src_ip", "dst_ip")}


def merged_top_port(recs, n=3):
    d = {}
    for r in recs:
        for e in r["top"]["dst_port"]:
            x = d.setdefault(e["key"], [0, 0, 0])
            x[0] += e["bytes"]
            x[1] += e["packets"]
            x[2] += e["flows"]
    return [[str(k)] + v for k, v in sorted(d.items(), key=lambda kv: (-kv[1][0], kv[0]))[:n]]


def check_tops(dom, recs, what):
    want = want_tops(recs)
    want["dst_port"] = merged_top_port(recs)
    c.eq(want, {lst: top_rows(dom, lst) for lst in ("src_ip", "dst_ip", "dst_port")},
         "%s: the top tables are the bin's merged top-3 lists" % what)


def host_rows(lan):
    hosts = {}
    for b in sorted({t["bin_start_ms"] for t in lan}):
        recs = [t for t in lan if t["bin_start_ms"] == b]
        day = b // 86400000 * 86400000
        for side, key in ((0, "src_ip"), (1, "dst_ip")):
            for e in merged_top(recs, 3, key):
                h = hosts.setdefault((day, e["key"]), [0, 0, 0, 0])
                h[side] += e["bytes"]
                h[side + 2] += e["flows"]
    out = []
    for day in sorted({d for d, _ in hosts}, reverse=True):
        mine = sorted(((h, v) for (d, h), v in hosts.items() if d == day),
                      key=lambda hv: (-(hv[1][0] + hv[1][1]), hv[0]))[:10]
        out += [[day, h] + v for h, v in mine]
    return out


def browse(tmp, base, traffic, query):
    lan = [t for t in traffic if t["network"] == "lan"]
    page = Browser(CHROMIUM, tmp)
    try:
        page.open(base + "/")
        c.eq(True, page.wait_for("document.body && document.body.dataset.mode === 'fleet'") and
             shown_is(page, "dmz|fleet|latest"), "the page finds zooagg and shows the fleet")
        c.eq(["dmz", "lan"], page.eval("[...document.getElementById('fleet-network').options]"
                                       ".map((o) => o.value)"), "the network selector")
        c.eq(["", "zoo-a", "zoo-b"], page.eval("[...document.getElementById('appliance').options]"
                                               ".map((o) => o.value)"), "the appliance selector")
        choose(page, "fleet-network", "lan", "lan|fleet|latest")
        dom = dump(page)
        c.eq((False, True), ("hidden" in dom.attrs("fleet"), "hidden" in dom.attrs("overview")),
             "the fleet's parts are shown, the appliance's live part hidden")
        # The merged fleet: the latest merged bin of each network, from the database.
        merged = {}
        for r in query("SELECT network, bin_start_ms, %s, collectors FROM fleet_traffic "
                       "ORDER BY bin_start_ms" % ", ".join(FIGS)):
            merged[r[0]] = [int(x) for x in r[1:]]
        c.eq(merged["lan"][1:7], figures(dom), "fleet: the figures of lan's latest merged bin")
        c.eq(merged["lan"][0], int(dom.attrs("fleet-bin").get("data-value") or 0),
             "fleet: the latest bin's start")
        c.eq("2", dom.text("fleet-collectors"), "fleet: two appliances in the bin")
        order = ("packets_in", "bytes_in", "packets_out", "bytes_out", "flows", "flows_new")
        idx = [FIGS.index(k) + 1 for k in order]
        c.eq({n: [m[0]] + [m[i] for i in idx] for n, m in merged.items()}, network_rows(dom),
             "fleet: the networks table has each network's latest merged bin")
        days = [values(r) for r in dom.rows.get("days-table", [])]
        c.eq(day_rows(lan), days, "fleet: the per-day table of lan (sums of every record)")
        hosts = [[values(r)[0], r["cells"][1]["text"]] + values(r)[1:]
                 for r in dom.rows.get("hosts-table", [])]
        c.eq(host_rows(lan), hosts, "fleet: hosts per day (sums of the merged top-3 lists)")
        latest = max(t["bin_start_ms"] for t in lan)
        check_tops(dom, [t for t in lan if t["bin_start_ms"] == latest], "fleet, latest bin")
        fz = json.loads(query("SELECT record FROM fleet_zoo WHERE scope = 'all'")[0][0])
        c.eq([[a["app"], a["total"]["flows"], a["total"]["bytes"]] for a in fz["apps"]
              if a["total"]["flows"] > 0],
             [[r["cells"][0]["text"]] + values(r, 1)[:2] for r in dom.rows.get("zoo-table", [])],
             "fleet: the zoo table is fleet_zoo's")
        alerts = [json.loads(r[0]) for r in query(
            "SELECT record FROM alerts ORDER BY time_ms DESC, identity LIMIT 32")]
        c.eq(True, len(alerts) > 0, "the database has alerts")
        c.eq([[a["collector"] + ": lan " + a["metric"] + " " + a["direction"], a["value"]]
              for a in alerts],
             [[r["cells"][3]["text"], values(r)[0] if values(r) else None]
              for r in dom.rows.get("alerts-table", [])],
             "fleet: the alerts table is the database's, newest first")
        # One appliance: zoo-a's own records.
        choose(page, "appliance", "zoo-a", "lan|zoo-a|latest")
        dom = dump(page)
        a = [t for t in traffic if t["collector"] == "zoo-a"]
        a_lan = [t for t in a if t["network"] == "lan"]
        last = max(a_lan, key=lambda t: t["bin_start_ms"])
        c.eq([last[k] for k in FIGS], figures(dom), "zoo-a: the figures of its latest lan bin")
        c.eq("1", dom.text("fleet-collectors"), "zoo-a: one appliance")
        want = {}
        for t in sorted(a, key=lambda t: t["bin_start_ms"]):
            want[t["network"]] = [t["bin_start_ms"]] + [t[k] for k in order]
        c.eq(want, network_rows(dom), "zoo-a: the networks table has zoo-a's latest bins")
        c.eq(day_rows(a_lan), [values(r) for r in dom.rows.get("days-table", [])],
             "zoo-a: the per-day table of its lan records")
        c.eq(host_rows(a_lan), [[values(r)[0], r["cells"][1]["text"]] + values(r)[1:]
                                for r in dom.rows.get("hosts-table", [])],
             "zoo-a: hosts per day (sums of its own top-3 lists)")
        check_tops(dom, [last], "zoo-a, latest bin")
        choose(page, "appliance", "", "lan|fleet|latest")
        # A past bin from the bin selector, then another by clicking its point in the chart.
        spike = 1700000150000
        choose(page, "bin", str(spike), "lan|fleet|%d" % spike)
        dom = dump(page)
        check_tops(dom, [t for t in lan if t["bin_start_ms"] == spike], "a past bin picked")
        c.eq(True, "2023-11-14 22:15:50 UTC" in (dom.text("top-bin") or ""),
             "the top tables name the bin (%r)" % dom.text("top-bin"))
        bins = sorted({t["bin_start_ms"] for t in lan})
        i = 3
        pos = page.eval("(() => { const ch = charts['chart-bytes']; const p = "
                        "ch.getDatasetMeta(0).data[%d]; const r = ch.canvas.getBoundingClientRect(); "
                        "window.scrollTo(0, 0); return [r.left + p.x, r.top + p.y]; })()" % i)
        for kind in ("mousePressed", "mouseReleased"):
            page.call("Input.dispatchMouseEvent", type=kind, x=pos[0], y=pos[1], button="left",
                      clickCount=1)
        c.eq(True, shown_is(page, "lan|fleet|%d" % bins[i]),
             "clicking a point of the chart picks its bin")
        dom = dump(page)
        check_tops(dom, [t for t in lan if t["bin_start_ms"] == bins[i]], "a bin clicked")
        c.eq(str(bins[i]), page.eval("document.getElementById('bin').value"),
             "the bin selector follows the click")
        c.eq([], page.errors, "no error in the browser's console")
        c.eq(True, "hidden" in dom.attrs("errors"), "no page error (%r)" % dom.text("errors"))
        c.eq(True, "hidden" in dom.attrs("fetch-error"), "zooagg answered the page")
        choose(page, "bin", "", "lan|fleet|latest")
        page.call("Input.dispatchMouseEvent", type="mouseMoved", x=0, y=0)  # no tooltip
        shot = os.path.join(tmp, "fleet-dashboard.png")
        page.screenshot(shot)
        c.eq(True, os.path.exists(shot) and os.path.getsize(shot) > 10000, "a screenshot")
        if os.path.exists(shot):
            shutil.copy(shot, os.path.join(BUILD, "meson-logs", "fleet-dashboard.png"))
            if os.environ.get("FZ_WRITE_DOCS") == "1":
                shutil.copy(shot, os.path.join(SRC, "docs", "fleet-dashboard.png"))
    finally:
        page.close()


def main():
    if CHROMIUM is None or not os.path.exists(CHARTJS):
        print("SKIP: needs chromium and libjs-chart.js (scripts/setup.sh)")
        sys.exit(77)
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        gen = os.path.join(tmp, "gen")
        subprocess.run([sys.executable, GEN, "fleet", gen], check=True, stdout=subprocess.DEVNULL)
        member, traffic, query, mock = fill(tmp, gen)
        try:
            base = http_base(member)
            c.eq(True, base is not None, "zooagg --http listens")
            print("filled in %.1f s" % (time.time() - t0))
            if base:
                files_and_malformed(base)
                latest(base, query, traffic)
                browse(tmp, base, traffic, query)
            rc = member.stop()
            c.eq(0, rc, "zooagg exits 0 on SIGTERM" + ("" if rc == 0 else ": " + member.text()[-3000:]))
        finally:
            if member.proc.poll() is None:
                member.proc.kill()
                member.proc.wait()
            mock.stdin.close()
            mock.wait(timeout=30)
    print("%.1f s in all" % (time.time() - t0))
    c.done()


if __name__ == "__main__":
    main()
