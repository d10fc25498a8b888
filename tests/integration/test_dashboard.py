#!/usr/bin/env python3
"""The dashboard in a real browser (issue 20, docs/dashboard.md).

- option mistakes exit 2 naming --http-dashboard;
- a live appliance (net_pcap replaying a generated capture forever, with
  --networks, 5-second bins and a 64-record ring so that records are lost
  and an alert is raised): the page and Chart.js are served by flowzoo
  (Chart.js byte for byte Debian's); every malformed request of the API is a
  clear 400/404 and the appliance still serves afterwards;
- headless Chromium (one page kept open, read over the DevTools protocol:
  tests/integration/cdp.py) renders the page, which follows the event stream
  /api/events: the network names, the
  numbers of a network's latest bin equal the bin of the same start in
  /api/traffic, the top talkers and the zoo table equal /api/traffic and
  /api/zoo when both show the same bin and record, the alert the ring's
  losses raised is listed, the charts' canvases are drawn, the live figures
  (pushed by the stream) change between two reads, the live table per
  network lists every network, and no page error was caught (window.onerror
  writes into the page, which the test reads) and the browser's console has
  no error (exceptions, console.error, failed loads);
- without --networks the page says so and has no errors; with
  --http-dashboard off (a config key) the page and its endpoints are 404
  and /metrics is still served.

The screenshot of the live page is kept as BUILD/meson-logs/dashboard.png;
FZ_WRITE_DOCS=1 also copies it to docs/dashboard.png (the README shows it).
"""
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

from cdp import Browser
from pagedom import dump, values
from fzrun import BUILD, FLOWZOO, SRC, Checker, LiveHttp, get, get_json, pcap_record, pcap_records

GEN = os.path.join(SRC, "scripts", "fzgen.py")
CHARTJS = "/usr/share/javascript/chart.js/chart.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
c = Checker()


def page_ok(dom, what, page):
    """No page error caught, none in the console, the API reached, the page refreshed at
    least twice, following the stream."""
    c.eq([], page.errors, "%s: no error in the browser's console" % what)
    c.eq(True, "hidden" in dom.attrs("errors"), "%s: no page error (%r)" % (what, dom.text("errors")))
    c.eq(True, "hidden" in dom.attrs("fetch-error"),
         "%s: the API answered the page (%r)" % (what, dom.text("fetch-error")))
    body = re.search(r'data-refreshes="(\d+)"', dom.raw or "")
    c.eq(True, body is not None and int(body.group(1)) >= 2,
         "%s: the page refreshed itself (%s)" % (what, body and body.group(1)))
    c.eq(True, 'data-stream="on"' in (dom.raw or ""), "%s: the page follows the stream" % what)


def open_page(tmp, base):
    """A browser with the page open, once it followed the stream for a few events."""
    page = Browser(CHROMIUM, tmp)
    page.open(base + "/")
    page.wait_for("document.body && document.body.dataset.stream === 'on' && "
                  "Number(document.body.dataset.refreshes) >= 3")
    return page


def option_errors(tmp):
    cases = [
        (["--http", "0", "--http-dashboard", "maybe"], "--http-dashboard"),
        (["--http-dashboard", "off"], "--http-dashboard: there is no HTTP server"),
        (["--http", "0", "--http-stream-clients", "0"], "--http-stream-clients"),
        (["--http", "0", "--http-stream-clients", "201"], "--http-stream-clients"),
        (["--http", "0", "--http-stream-clients", "x"], "--http-stream-clients"),
        (["--http-stream-clients", "5"], "--http-stream-clients: there is no HTTP server"),
    ]
    for args, want in cases:
        r = subprocess.run([FLOWZOO, "--pcap", "/dev/null"] + args, capture_output=True, text=True,
                           timeout=30)
        c.eq(2, r.returncode, "exit status of %s" % " ".join(args))
        c.eq(True, want in r.stderr, "%s: the message names the option (%r)" % (args, r.stderr[-300:]))


def malformed(base):
    cases = [
        ("/api/traffic", 400, "give ?network=NAME"),
        ("/api/traffic?network=", 400, "give ?network=NAME"),
        ("/api/traffic?network=nope", 404, "unknown network 'nope'"),
        ("/api/top?network=%s" % ("x" * 5000), 404, "unknown network '" + "x" * 64 + "'"),
        ("/api/traffic?network=campus&bins=0", 400, "bins: '0' is not a number from 1 to 288"),
        ("/api/traffic?network=campus&bins=-1", 400, "is not a number"),
        ("/api/traffic?network=campus&bins=1e3", 400, "is not a number"),
        ("/api/traffic?network=campus&bins=289", 400, "is not a number"),
        ("/api/traffic?network=campus&bins=99999999999999999999999", 400, "is not a number"),
        ("/api/traffic?network=campus&bins=", 400, "is not a number"),
        ("/api/top?network=campus&bins=25", 400, "bins: '25' is not a number from 1 to 24"),
        ("/api/top?network=campus&host=1.2.3", 400, "host: '1.2.3' is not an IPv4 or IPv6 address"),
        ("/api/top?network=campus&host=", 400, "is not an IPv4 or IPv6 address"),
        ("/api/top?network=campus&port=65536", 400, "port: '65536' is not a port from 0 to 65535"),
        ("/api/top?network=campus&port=-1", 400, "is not a port"),
        ("/api/top?network=campus&host=1.2.3.4&port=80", 400, "give host or port, not both"),
        ("/api/traffic?network=campus&host=1.2.3.4", 400, "unknown query argument 'host'"),
        ("/api/top?network=campus&network=dorms", 400, "given twice"),
        ("/api/zoo?x=1", 400, "unknown query argument 'x'"),
        ("/api/alerts?%00=1", 400, "unknown query argument"),
        ("/api/networks?a&b&c&d&e&f&g&h&i", 400, "too many query arguments"),
        ("/api/traffic?network=%ff%fe%01", 404, "unknown network '???'"),
        ("/api/nothing", 404, None),
    ]
    for path, status, msg in cases:
        st, body = get_json(base + path)
        c.eq(status, st, "GET %s: status" % path[:80])
        if msg:
            got = (body or {}).get("error", "")
            c.eq(True, msg in got, "GET %s: the error says %r (%r)" % (path[:80], msg, got[:200]))
    # Random bytes as query strings (percent-encoded, so that they reach the parser): a 400
    # or a 404 each, never a 500, and the appliance serves on.
    rng = random.Random(20)
    statuses = []
    for _ in range(300):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        query = "".join(chr(b) if (b < 128 and (chr(b).isalnum() or chr(b) in "=&")) else "%%%02X" % b
                        for b in raw)
        path = rng.choice(["/api/traffic", "/api/top", "/api/zoo", "/api/alerts",
                           "/api/networks"])
        statuses.append(get(base + path + "?" + query)[0])
    # (A query of only '&' and '=' has no argument: /api/zoo?&= is a 200.)
    c.eq(True, set(statuses) <= {200, 400, 404} and statuses.count(200) < 10,
         "300 random query strings: 400 or 404, never a 5xx (%s)" % sorted(set(statuses)))
    st, body = get_json(base + "/api/traffic?network=campus&bins=2")
    c.eq(200, st, "the server still answers after the malformed requests")
    c.eq(True, body is not None and len(body["bins"]) <= 2, "bins=2 gives at most 2 bins")


def wait_for_data(base):
    """Bins of campus, a stats record and an alert (the 64-record ring loses records)."""
    deadline = time.time() + 60
    while time.time() < deadline:
        _, t = get_json(base + "/api/traffic?network=campus")
        _, z = get_json(base + "/api/zoo")
        _, a = get_json(base + "/api/alerts")
        if t and len(t["bins"]) >= 3 and z and z["stats"] and a and a["alerts"]:
            return True
        time.sleep(0.5)
    return False


def live_run(tmp, pcap, networks):
    app = LiveHttp(tmp, "a", pcap, ["--networks", networks, "--traffic-interval", "5",
                                "--idle-timeout", "2", "--stats-interval", "10",
                                "--ring-size", "64"])
    page = None
    try:
        c.eq(True, app.base is not None, "the appliance serves (%s)" % app.messages()[-500:])
        if app.base is None:
            return
        base = app.base
        c.eq(True, "the dashboard at /" in app.messages(), "the log says where the dashboard is")
        st, hd, body = get(base + "/")
        c.eq(200, st, "GET /")
        c.eq("text/html; charset=utf-8", hd.get("Content-Type"), "the page is HTML")
        c.eq(True, b"dashboard.js" in body and b"chart.min.js" in body, "the page loads its scripts")
        st, hd, body = get(base + "/chart.min.js")
        c.eq(open(CHARTJS, "rb").read() == body, True, "Chart.js is Debian's, served by flowzoo")
        c.eq(0, len(get(base + "/", method="HEAD")[2]), "HEAD / has no body")
        c.eq(True, wait_for_data(base), "bins, a stats record and an alert within 60 s")
        st, nets = get_json(base + "/api/networks")
        names = [n["name"] for n in nets["networks"]]
        c.eq(["campus", "dorms", "server", "partner", "quiet"], names, "/api/networks")
        malformed(base)

        top_same = zoo_same = False
        first = None
        page = open_page(tmp, base)
        for attempt in range(6):
            # The API before and after the page's read: the page shows one of the two.
            _, traffic0 = get_json(base + "/api/traffic?network=campus")
            _, zoo0 = get_json(base + "/api/zoo")
            time.sleep(1.5)
            dom = dump(page)
            _, traffic = get_json(base + "/api/traffic?network=campus")
            _, zoo = get_json(base + "/api/zoo")
            page_ok(dom, "dump %d" % attempt, page)
            rows = {r["attrs"].get("data-network"): r for r in dom.rows.get("networks-table", [])}
            c.eq(names, [n for n in names if n in rows], "the networks table names every network")
            # The latest bin of campus on the page: the same numbers as /api/traffic's bin
            # of the same start (the API keeps the bins after it too).
            row = rows.get("campus")
            cells = values(row) if row else []
            bins = {b["bin_start_ms"]: b for b in traffic["bins"]}
            b = bins.get(cells[0]) if cells else None
            c.eq(True, b is not None, "the page's campus bin is one of /api/traffic's")
            if b:
                c.eq([b[k] for k in ("bin_start_ms", "packets_in", "bytes_in", "packets_out",
                                     "bytes_out", "flows", "flows_new")], cells,
                     "campus: the page's latest bin equals /api/traffic's")
            shown_bin = int(dom.attrs("top-bin").get("data-bin") or 0)
            latest = traffic["latest"]
            if traffic0["latest"] and shown_bin == traffic0["latest"]["bin_start_ms"]:
                latest = traffic0["latest"]
            if latest and shown_bin == latest["bin_start_ms"]:
                top_same = True
                for lst in ("src_ip", "dst_ip", "dst_port"):
                    got = [[r["cells"][0]["text"]] + values(r, 1) for r in dom.rows.get("top-" + lst, [])]
                    want = [[str(e["key"]), e["bytes"], e["packets"], e["flows"]]
                            for e in latest["top"][lst]]
                    c.eq(want, got, "top %s: the page's rows equal /api/traffic's latest" % lst)
            shown_zoo = int(dom.attrs("zoo-table").get("data-interval-end") or 0)
            if zoo0["stats"] and shown_zoo == zoo0["stats"]["interval_end_ms"]:
                zoo = zoo0
            if zoo["stats"] and shown_zoo == zoo["stats"]["interval_end_ms"]:
                zoo_same = True
                want = [[a["app"], a["total"]["flows"], a["total"]["bytes"]]
                        for a in zoo["stats"]["apps"] if a["total"]["flows"] > 0]
                got = [[r["cells"][0]["text"]] + values(r, 1)[:2] for r in dom.rows.get("zoo-table", [])]
                c.eq(want, got, "zoo: the page's applications, flows and bytes equal /api/zoo")
                shares = [float(r["cells"][3]["value"]) for r in dom.rows.get("zoo-table", [])]
                c.eq([a["total"]["classes"]["elephant"]["flow_share"] for a in zoo["stats"]["apps"]
                      if a["total"]["flows"] > 0], shares, "zoo: elephant shares equal /api/zoo")
            alerts = " ".join(r["cells"][1]["text"] for r in dom.rows.get("alerts-table", []))
            c.eq(True, "records_lost" in alerts, "the ring's losses are an alert on the page")
            c.eq(True, "fail" in dom.attrs("health").get("class", ""),
                 "health shows the loss (%r)" % dom.text("health"))
            c.eq("8", dom.attrs("charts").get("data-charts"), "eight charts drawn")
            live = [r["cells"][0]["text"] for r in dom.rows.get("live-networks-table", [])]
            c.eq(names, live, "the live table per network names every network")
            wrows = dom.rows.get("workers-table", [])
            c.eq(["0"], [r["cells"][0]["text"] for r in wrows], "the workers table: worker 0")
            c.eq(True, bool(wrows) and values(wrows[0])[2] > 0,
                 "worker 0's ring_full shows the losses")
            erows = dom.rows.get("exporters-table", [])
            c.eq(["jsonl"], [r["cells"][0]["text"] for r in erows], "the exporters table: jsonl")
            for canvas in ("chart-live", "chart-live-net", "chart-bytes", "chart-packets", "chart-days",
                           "chart-size", "chart-duration", "chart-rate"):
                c.eq(True, "display: block" in dom.attrs(canvas).get("style", ""),
                     "Chart.js drew canvas %s" % canvas)
            if first is None:
                first = dom.text("total-packets")
            elif first != dom.text("total-packets"):
                first = "changed"
            if top_same and zoo_same and first == "changed":
                break
        c.eq(True, top_same, "a dump showed the same bin as /api/traffic (top lists compared)")
        c.eq(True, zoo_same, "a dump showed the same stats record as /api/zoo (zoo compared)")
        c.eq("changed", first, "the live figures change between two reads")
        shot = os.path.join(tmp, "dashboard.png")
        page.screenshot(shot)
        c.eq(True, os.path.exists(shot) and os.path.getsize(shot) > 10000, "a screenshot")
        if os.path.exists(shot):  # the test's artifact, kept beside meson's logs
            shutil.copy(shot, os.path.join(BUILD, "meson-logs", "dashboard.png"))
        if os.environ.get("FZ_WRITE_DOCS") == "1" and os.path.exists(shot):
            shutil.copy(shot, os.path.join(SRC, "docs", "dashboard.png"))
        open_bin(page, base)
        filtered_view(page, base, dom)
    finally:
        if page:
            page.close()
        if app.base:
            c.eq(True, app.stop() in (0, 3), "the appliance stops on SIGTERM (0, or 3: lost)")


def top_rows(dom, lst):
    return [[r["cells"][0]["text"]] + values(r, 1) for r in dom.rows.get("top-" + lst, [])]


def api_rows(top, lst):
    return [[str(e["key"]), e["bytes"], e["packets"], e["flows"]] for e in top[lst]]


def open_bin(page, base):
    """The top lists of the bin open now: the page's rows equal /api/top's "open"."""
    page.eval("document.querySelector('input[name=top-bin][value=open]').click()")
    page.wait_for("document.getElementById('top-bin').dataset.open === '1'")
    same = False
    for _ in range(10):
        # The open bin is published every 2 s and the page polls every 2 s: have the page
        # fetch now, between two reads of ours, so that the page shows one of the two.
        a0 = get_json(base + "/api/top?network=campus")[1]["open"]
        page.eval("window.__tops = 0; tops().then(() => { window.__tops = 1; })")
        page.wait_for("window.__tops === 1")
        dom = dump(page)
        a1 = get_json(base + "/api/top?network=campus")[1]["open"]
        shown = int(dom.attrs("top-bin").get("data-bin") or 0)
        for a in (a0, a1):
            if a and a["bin_start_ms"] == shown and all(top_rows(dom, lst) == api_rows(a["top"], lst)
                                                        for lst in ("src_ip", "dst_ip", "dst_port")):
                same = True
        if same:
            break
        time.sleep(0.5)
    c.eq(True, same, "the open bin's top lists on the page equal /api/top's open")
    c.eq(True, "open" in (dom.text("top-bin") or ""), "the page says the bin is open")
    page.eval("document.querySelector('input[name=top-bin][value=closed]').click()")


def filtered_view(page, base, dom):
    """Each top-N row links to the filtered view of its address or port; following the
    first initiator's link shows that address over the bins kept, as /api/top?host= says."""
    for lst, what in (("src_ip", "host"), ("dst_ip", "host"), ("dst_port", "port")):
        rows = dom.rows.get("top-" + lst, [])
        c.eq([urllib.parse.quote("?network=campus&%s=%s" % (what, r["cells"][0]["text"]), safe="?=&")
              for r in rows], [r["cells"][0].get("href") for r in rows],
             "top %s: every row links to its filtered view" % lst)
    rows = dom.rows.get("top-src_ip", [])
    if not rows:
        return
    host, href = rows[0]["cells"][0]["text"], rows[0]["cells"][0]["href"]
    page.open(base + "/" + href)
    c.eq(True, page.wait_for("document.querySelectorAll('#filter-table tbody tr').length > 0 && "
                             "Number(document.body.dataset.refreshes) >= 3"), "the filtered view opens")
    same = False
    for _ in range(5):
        want0 = get_json(base + "/api/top?network=campus&host=" + host)[1]
        got = dump(page)
        want1 = get_json(base + "/api/top?network=campus&host=" + host)[1]
        rows_got = [values(r) for r in got.rows.get("filter-table", [])]
        for want in (want0, want1):
            exp = []
            for b in reversed(want["bins"]):
                row = [b["bin_start_ms"]]
                for lst in ("src_ip", "dst_ip"):
                    e = b["top"][lst]
                    row += [e[0]["bytes"], e[0]["packets"], e[0]["flows"]] if e else []
                exp.append(row)
            same = same or exp == rows_got
        if same:
            break
        time.sleep(1)
    c.eq(True, same, "the filtered view's bins equal /api/top?network=campus&host=%s" % host)
    c.eq(True, host in (got.text("filter-what") or ""), "the filtered view names the address")
    marked = [r["cells"][0]["text"] for r in got.rows.get("top-src_ip", [])
              if r["attrs"].get("data-marked") == "1"]
    c.eq([host], marked, "the address is marked in the initiators' table")
    page_ok(got, "filtered view", page)


def shifted(tmp, pcap, shifts, marker_s, name="days"):
    """The capture once per shift (seconds later each), then one UDP packet between two
    addresses of no network marker_s seconds after the start: it moves packet time on, so
    that every bin of the copies closes."""
    hdr, recs = pcap_records(pcap)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0, bytes([192, 0, 2, 1]),
                     bytes([192, 0, 2, 2]))
    frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + struct.pack("!HHHH", 1000, 2000, 8, 0)
    path = os.path.join(tmp, name + ".pcap")
    with open(path, "wb") as f:
        f.write(hdr)
        for sh in shifts:
            f.write(b"".join(pcap_record(ts + sh, us, p, orig) for ts, us, p, orig in recs))
        f.write(pcap_record(recs[0][0] + marker_s, 0, frame, len(frame)))
    return path


def days_run(tmp, pcap):
    """Seven copies of the capture 5 hours apart (2023-11-14 22:13 UTC to 2023-11-16 04:14):
    /api/days has three days per network, each the sums of the generator's truth bins that
    start in it; the page's table and chart show them."""
    truth = json.load(open(os.path.join(tmp, "traffic.truth.json")))
    shifts = [k * 5 * 3600 for k in range(7)]
    want = {}
    for b in truth["traffic"]:
        for sh in shifts:
            day = (b["bin_start_ms"] + sh * 1000) // 86400000
            d = want.setdefault(b["network"], {}).setdefault(day, [day * 86400000, 0, 0, 0, 0, 0])
            for i, k in enumerate(("packets_in", "bytes_in", "packets_out", "bytes_out")):
                d[1 + i] += b[k]
            d[5] += 1
    args = [a for a in truth["args"]]
    app = LiveHttp(tmp, "days", shifted(tmp, pcap, shifts, 4 * 86400),
                   ["--networks", os.path.join(tmp, "traffic.networks.json")] + args, forever=False)
    page = None
    try:
        c.eq(True, app.base is not None, "days: serves")
        if app.base is None:
            return

        def got(net):
            d = get_json(app.base + "/api/days?network=" + net)[1]
            return {x["day_start_ms"] // 86400000: [x["day_start_ms"], x["packets_in"], x["bytes_in"],
                                                     x["packets_out"], x["bytes_out"], x["bins"]]
                    for x in d["days"]}
        deadline = time.time() + 60
        while time.time() < deadline and got("campus") != want["campus"]:
            time.sleep(0.5)
        for net in sorted(want):
            c.eq(want[net], got(net), "days of %s: the sums of the truth's bins per UTC day" % net)
        d = get_json(app.base + "/api/days?network=campus")[1]
        c.eq(["2023-11-14", "2023-11-15", "2023-11-16"], [x["day"] for x in d["days"]],
             "three UTC days, oldest first")
        c.eq((90, 0), (d["days_kept"], d["late_bins"]), "90 days kept, no late bin")
        one = get_json(app.base + "/api/days?network=campus&days=1")[1]["days"]
        c.eq(d["days"][-1:], one, "days=1: the newest day")
        for q, msg in (("days=0", "days: '0' is not a number from 1 to 90"),
                       ("days=91", "is not a number from 1 to 90"), ("x=1", "unknown query"),
                       ("", None)):
            st, body = get_json(app.base + "/api/days?network=campus&" + q if q else
                                app.base + "/api/days")
            c.eq(400, st, "/api/days?%s: 400" % q)
            c.eq(True, msg is None or msg in body["error"], "/api/days?%s says why" % q)
        page = Browser(CHROMIUM, tmp)
        page.open(app.base + "/?network=campus")
        page.wait_for("document.querySelectorAll('#days-table tbody tr').length === 3")
        dom = dump(page)
        rows = [values(r) for r in dom.rows.get("days-table", [])]
        c.eq([[x["day_start_ms"], x["packets_in"], x["bytes_in"], x["packets_out"], x["bytes_out"],
               x["bins"]] for x in reversed(d["days"])], rows,
             "the page's days table equals /api/days, newest first")
        c.eq(True, "display: block" in dom.attrs("chart-days").get("style", ""), "the days chart is drawn")
        c.eq([], page.errors, "days page: no error in the browser's console")
    finally:
        if page:
            page.close()
        if app.base:
            app.stop()


def alerts_run(tmp):
    """fzgen's alerts capture read once in packet time (then a packet a day later, so that
    every bin closes): its baseline alert (start, updates, end) is in /api/alerts as the
    generator's truth says, and the page's alert rows equal /api/alerts; none is active."""
    d = os.path.join(tmp, "alerts")
    os.makedirs(d)
    subprocess.run([sys.executable, GEN, "alerts", d], check=True, capture_output=True)
    truth = json.load(open(os.path.join(d, "alerts.truth.json")))
    pcap = shifted(d, os.path.join(d, "alerts.pcap"), [0], 86400, name="alerts_day")
    app = LiveHttp(tmp, "alerts", pcap, truth["args"] + ["--networks", os.path.join(
        d, truth["alerts"]["networks"])], forever=False)
    page = None
    key = ("state", "network", "metric", "direction", "value", "start_ms")
    try:
        c.eq(True, app.base is not None, "alerts: serves")
        if app.base is None:
            return
        want = [[r.get(k) for k in key] for r in truth["alerts"]["alerts"]]

        def baseline():
            a = get_json(app.base + "/api/alerts")[1]["alerts"]
            return [x for x in a if x["alert"] == "baseline"]
        deadline = time.time() + 60
        while time.time() < deadline and len(baseline()) < len(want):
            time.sleep(0.5)
        api = baseline()
        c.eq(want, [[r.get(k) for k in key] for r in api][:len(want)],
             "/api/alerts: the capture's baseline alert, as the generator's truth says")
        page = Browser(CHROMIUM, tmp)
        page.open(app.base + "/")
        page.wait_for("document.querySelectorAll('#alerts-table tbody tr').length >= %d" % len(api))
        dom = dump(page)
        rows = [r for r in dom.rows.get("alerts-table", []) if r["cells"][1]["text"].startswith("baseline")]
        c.eq([["baseline " + x["state"], "%s %s %s" % (x["network"], x["metric"], x["direction"]),
               x["value"]] for x in reversed(api)],
             [[r["cells"][1]["text"], r["cells"][3]["text"], values(r)[0]] for r in rows],
             "the page's baseline alert rows equal /api/alerts (state, key, value)")
        c.eq([["none"]], [[r["cells"][0]["text"]] for r in dom.rows.get("active-table", [])],
             "the alert ended: none active")
        c.eq([], page.errors, "alerts page: no error in the browser's console")
    finally:
        if page:
            page.close()
        if app.base:
            app.stop()


def other_runs(tmp, pcap):
    app = LiveHttp(tmp, "b", pcap)
    try:
        c.eq(True, app.base is not None, "without --networks: serves")
        if app.base:
            st, body = get_json(app.base + "/api/traffic?network=campus")
            c.eq(404, st, "without --networks: /api/traffic is 404")
            c.eq(True, "no --networks" in (body or {}).get("error", ""), "and says why")
            c.eq([], get_json(app.base + "/api/networks")[1]["networks"], "no networks listed")
            page = open_page(tmp, app.base)
            dom = dump(page)
            page_ok(dom, "without --networks", page)
            page.close()
            c.eq(True, "No networks" in (dom.text("traffic-note") or ""), "the page says so")
    finally:
        if app.base:
            app.stop()
    cfg = os.path.join(tmp, "off.json")
    with open(cfg, "w") as f:
        json.dump({"http-dashboard": "off"}, f)
    app = LiveHttp(tmp, "c", pcap, ["--config", cfg])
    try:
        c.eq(True, app.base is not None, "--http-dashboard off: serves")
        if app.base:
            for path in ("/", "/chart.min.js", "/api/zoo", "/api/networks"):
                c.eq(404, get(app.base + path)[0], "--http-dashboard off: %s is 404" % path)
            c.eq(200, get(app.base + "/metrics")[0], "--http-dashboard off: /metrics is served")
            c.eq(False, "dashboard" in app.messages(), "the log does not offer a dashboard")
    finally:
        if app.base:
            app.stop()


def main():
    if CHROMIUM is None or not os.path.exists(CHARTJS):
        print("SKIP: needs chromium and libjs-chart.js (scripts/setup.sh)")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="fzdash.")
    print("files in %s" % tmp)
    subprocess.run([sys.executable, GEN, "traffic", "--only", "traffic", tmp], check=True,
                   capture_output=True)
    pcap = os.path.join(tmp, "traffic.pcap")
    option_errors(tmp)
    live_run(tmp, pcap, os.path.join(tmp, "traffic.networks.json"))
    days_run(tmp, pcap)
    alerts_run(tmp)
    other_runs(tmp, pcap)
    if c.failures == 0:
        shutil.rmtree(tmp, ignore_errors=True)
    c.done()


if __name__ == "__main__":
    main()
