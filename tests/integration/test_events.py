#!/usr/bin/env python3
"""The dashboard's event stream GET /api/events (issue 20, docs/dashboard.md).

A live appliance (net_pcap replaying a generated capture forever, --networks,
2-second bins, --http-stream-clients 3):
- a client that connects late gets the state at once, as its first event: the
  latest bin of every network and the alerts equal /api/traffic and
  /api/alerts (read before and after: it is one of the two), the rates and the
  health, and the id of the last numbered event;
- a client that reconnects with Last-Event-ID gets exactly the numbered events
  (bin, alert, health) another client saw after that id, in order, no state
  first, and then the rates; an id this appliance never sent gets a "gap"
  event, then the state;
- malformed Last-Event-ID headers and query arguments are 400 with a message,
  other methods 405, and the appliance serves on;
- the fourth stream client is refused with 503 and counted
  (flowzoo_dashboard_stream_refused_total); once one leaves, a new one is
  accepted;
- the page in headless Chromium polls the API while the stream refuses it,
  and follows the stream again once it can.
With 120 networks and 1-second bins the ring of 512 events turns over within
seconds: a client asking for id 1 then gets a gap ("evicted", from id 2, with
the oldest id kept), then the state.

Offline (flowzoo --pcap on the capture repeated with shifted times): 50 stream
clients connected while it runs leave the flow and traffic records identical
to a run without clients, line for line.
"""
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import shutil

from cdp import Browser
from fzrun import FLOWZOO, SRC, Checker, LiveHttp, get, get_json, pcap_record, pcap_records

GEN = os.path.join(SRC, "scripts", "fzgen.py")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
c = Checker()


class Stream:
    """A client of /api/events: events as dicts {"id", "event", "data"} (id None when the
    event has none). Reads block for at most 15 s (then IOError)."""

    def __init__(self, base, last_id=None, path="/api/events"):
        host, port = base.split("//")[1].split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=15)
        headers = {} if last_id is None else {"Last-Event-ID": str(last_id)}
        self.conn.request("GET", path, headers=headers)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.body = self.resp.read() if self.status != 200 else None

    def next(self):
        if self.status != 200:
            raise IOError("HTTP %d: %r" % (self.status, self.body))
        ev = {"id": None, "event": "message", "data": ""}
        while True:
            line = self.resp.readline()
            if not line:
                raise IOError("the stream ended")
            line = line.decode().rstrip("\n")
            if line == "":
                if ev["data"]:
                    ev["data"] = json.loads(ev["data"])
                    return ev
                continue
            key, _, value = line.partition(": ")
            if key in ("id", "event", "data"):
                ev[key] = int(value) if key == "id" else value

    def until(self, pred, limit=5000):
        """Events up to and including the first for which pred is true."""
        out = []
        for _ in range(limit):
            out.append(self.next())
            if pred(out[-1]):
                return out
        raise IOError("no such event in %d" % limit)

    def close(self):
        self.resp.close()  # it holds the socket too
        self.conn.close()


def metric(base, name):
    _, _, text = get(base + "/metrics")
    m = re.search(r"^%s (\d+)$" % name, text.decode(), re.M)
    return int(m.group(1)) if m else None


def wait_until(fn, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if fn():
            return True
        time.sleep(0.2)
    return False


def settle(base):
    """Until the clients that left are no longer counted: a waiting stream notices that its
    client left when it is resumed for the next event (the rates, every second)."""
    c.eq(True, wait_until(lambda: metric(base, "flowzoo_dashboard_stream_clients") == 0),
         "the clients that left are no longer counted")


def late_client(base, names):
    before = {n: get_json(base + "/api/traffic?network=%s&bins=1" % n)[1]["bins"] for n in names}
    alerts0 = get_json(base + "/api/alerts")[1]
    s = Stream(base)
    c.eq(200, s.status, "GET /api/events")
    c.eq("text/event-stream; charset=utf-8", s.resp.getheader("Content-Type"), "its type")
    first = s.next()
    s.close()
    after = {n: get_json(base + "/api/traffic?network=%s&bins=1" % n)[1]["bins"] for n in names}
    alerts1 = get_json(base + "/api/alerts")[1]
    st = first["data"]
    c.eq("state", first["event"], "a late client's first event is the state")
    c.eq(st["last_id"], first["id"], "the state's id is the last numbered event's")
    c.eq(512, st["kept"], "the state says how many events are kept")
    c.eq(max(1, st["last_id"] - 511), st["oldest_id"], "and the oldest kept")
    c.eq(names, [n["network"] for n in st["networks"]], "the state names every network")
    for n in st["networks"]:
        c.eq(True, [n["bin"]] in (before[n["network"]], after[n["network"]]),
             "state: %s's latest bin equals /api/traffic's" % n["network"])
    c.eq(True, st["alerts"] in (alerts0, alerts1), "state: the alerts equal /api/alerts")
    c.eq(True, len(st["alerts"]["alerts"]) > 0, "state: the ring's losses are an alert")
    c.eq(True, st["rates"] is not None and st["rates"]["packets"] > 0, "state: the rates")
    c.eq(True, st["health"] is not None and st["health"]["status"] == "fail" and
         st["health"]["lost"] > 0, "state: health says records were lost")


def replay(base):
    settle(base)
    a = Stream(base)
    a_state = a.next()
    b = Stream(base)
    b_state = b.next()
    b.close()
    last = b_state["id"]
    # A sees at least ten numbered events after B's last id (bins close every 2 s).
    seen = a.until(lambda e: e["id"] is not None and e["id"] >= last + 10, 2000)
    numbered = [e for e in seen if e["id"] is not None and e["event"] != "state"]
    c.eq(list(range(a_state["id"] + 1, numbered[-1]["id"] + 1)), [e["id"] for e in numbered],
         "a connected client gets every numbered event, in order")
    want = [e for e in numbered if e["id"] > last]
    b2 = Stream(base, last_id=last)
    c.eq(200, b2.status, "a reconnect with Last-Event-ID")
    got = b2.until(lambda e: e["id"] == want[-1]["id"])
    c.eq(want, got, "the reconnecting client gets exactly the events it missed (%d)" % len(want))
    c.eq(True, {"bin", "alert", "health"} >= {e["event"] for e in got},
         "numbered events are bins, alerts and health")
    after = b2.until(lambda e: e["event"] == "rates", 500)
    c.eq("rates", after[-1]["event"], "then the rates")
    b2.close()
    a.close()
    settle(base)
    g = Stream(base, last_id=last + 100000)
    evs = [g.next(), g.next()]
    g.close()
    c.eq(["gap", "state"], [e["event"] for e in evs], "an id never sent: a gap, then the state")
    c.eq({"reason": "unknown", "missed_from": last + 100001}, {k: evs[0]["data"][k] for k in
         ("reason", "missed_from")}, "the gap says why and from where")


def malformed(base):
    settle(base)
    for value in ("abc", "-1", "1.5", "0x10", "1 2", "18446744073709551616",
                  "99999999999999999999999", "+3"):
        s = Stream(base, last_id=value)
        body = json.loads(s.body or b"{}")
        c.eq(400, s.status, "Last-Event-ID %r: 400" % value)
        c.eq(True, "is not an event id" in body.get("error", ""), "and says why (%r)" % body)
        s.close()
    for path in ("/api/events?x=1", "/api/events?last_event_id=3"):
        s = Stream(base, path=path)
        c.eq(400, s.status, "%s: 400" % path)
        c.eq(True, b"takes no query arguments" in (s.body or b""), "%s: says why" % path)
        s.close()
    s = Stream(base, last_id="18446744073709551615")
    c.eq((200, "gap"), (s.status, s.next()["event"]), "the largest id is an id (a gap here)")
    s.close()
    st = get(base + "/api/events", method="POST")[0]
    c.eq(405, st, "POST /api/events: 405")
    c.eq(200, get(base + "/api/networks")[0], "the appliance serves on")


def client_limit(base):
    settle(base)
    refused0 = metric(base, "flowzoo_dashboard_stream_refused_total")
    three = [Stream(base) for _ in range(3)]
    c.eq([200] * 3, [s.status for s in three], "three stream clients (--http-stream-clients 3)")
    four = Stream(base)
    c.eq(503, four.status, "the fourth is refused")
    c.eq(True, b"--http-stream-clients" in (four.body or b""), "and told why")
    four.close()
    c.eq(refused0 + 1, metric(base, "flowzoo_dashboard_stream_refused_total"), "and counted")
    three[0].close()
    c.eq(True, wait_until(lambda: metric(base, "flowzoo_dashboard_stream_clients") == 2),
         "a client that leaves is no longer counted (seen at the next event)")
    again = Stream(base)
    c.eq(200, again.status, "then a new client is accepted")
    for s in three[1:] + [again]:
        s.close()


def fallback(base, tmp):
    """The page polls while it cannot follow the stream (here: every stream client taken,
    503), and follows the stream again once it can."""
    if CHROMIUM is None:
        return
    settle(base)
    hold = [Stream(base) for _ in range(3)]
    page = Browser(CHROMIUM, tmp)
    try:
        page.open(base + "/")
        c.eq(True, page.wait_for("document.body && document.body.dataset.stream === 'polling' && "
                                 "Number(document.body.dataset.refreshes) >= 3"),
             "the stream refused (503): the page polls")
        c.eq(True, page.eval("document.getElementById('updated').textContent").startswith("polling"),
             "and says so")
        for h in hold:
            h.close()
        c.eq(True, page.wait_for("document.body.dataset.stream === 'on'"),
             "once a stream client left, the page follows the stream again")
        c.eq(True, page.wait_for("document.getElementById('updated').textContent.startsWith('live')"),
             "and says so")
    finally:
        page.close()
        for h in hold:
            h.close()


def live(tmp, pcap, networks):
    app = LiveHttp(tmp, "ev", pcap, ["--networks", networks, "--traffic-interval", "2",
                                     "--idle-timeout", "1", "--ring-size", "64",
                                     "--http-stream-clients", "3"])
    try:
        c.eq(True, app.base is not None, "the appliance serves (%s)" % app.messages()[-300:])
        if app.base is None:
            return
        base = app.base
        names = [n["name"] for n in get_json(base + "/api/networks")[1]["networks"]]
        c.eq(True, wait_until(lambda: len(get_json(base + "/api/traffic?network=campus")[1]["bins"])
                              >= 2 and get_json(base + "/api/alerts")[1]["alerts"]),
             "bins and an alert within 60 s")
        late_client(base, names)
        replay(base)
        malformed(base)
        client_limit(base)
        fallback(base, tmp)
    finally:
        if app.base:
            c.eq(True, app.stop() in (0, 3), "the appliance stops on SIGTERM")


def evicted(tmp, pcap, networks):
    """120 networks, 1-second bins: 120 bin events a second, the ring turns over."""
    many = os.path.join(tmp, "many.networks.json")
    nets = json.load(open(networks))
    for i in range(115):
        nets["networks"].append({"name": "n%d" % i, "prefixes": ["172.16.%d.0/24" % i]})
    json.dump(nets, open(many, "w"))
    app = LiveHttp(tmp, "evict", pcap, ["--networks", many, "--traffic-interval", "1",
                                        "--idle-timeout", "1"])
    try:
        c.eq(True, app.base is not None, "120 networks: serves")
        if app.base is None:
            return

        def last_id():
            s = Stream(app.base)
            st = s.next()["data"]
            s.close()
            return st["last_id"]

        c.eq(True, wait_until(lambda: last_id() > 600), "more than 600 events within 60 s")
        s = Stream(app.base, last_id=1)
        gap, state = s.next(), s.next()
        s.close()
        c.eq(("gap", "evicted", 2), (gap["event"], gap["data"]["reason"],
                                     gap["data"]["missed_from"]), "id 1 is gone: a gap from 2")
        c.eq(gap["data"]["oldest_id"], gap["data"]["last_id"] - 511, "the gap names the oldest kept")
        c.eq("state", state["event"], "then the state")
        c.eq(True, metric(app.base, "flowzoo_dashboard_stream_gaps_total") >= 1, "gaps are counted")
    finally:
        if app.base:
            app.stop()


def repeated(tmp, pcap, times):
    """The capture times over, each copy after the previous one in packet time."""
    hdr, recs = pcap_records(pcap)
    span = recs[-1][0] - recs[0][0] + 60
    path = os.path.join(tmp, "long.pcap")
    with open(path, "wb") as f:
        f.write(hdr)
        for k in range(times):
            f.write(b"".join(pcap_record(ts + k * span, us, p, orig) for ts, us, p, orig in recs))
    return path


def fifty_clients(tmp, pcap, networks):
    long_pcap = repeated(tmp, pcap, 600)

    def run(name, clients):
        log = os.path.join(tmp, name + ".log")
        jsonl = os.path.join(tmp, name + ".jsonl")
        cmd = [FLOWZOO, "--pcap", long_pcap, "--networks", networks, "--traffic-interval", "10",
               "--jsonl", jsonl, "--progress", "off", "--log-file", log, "--http", "127.0.0.1:0",
               "--http-stream-clients", "50"]
        t0 = time.time()
        p = subprocess.Popen(cmd)
        streams, states = [], 0
        while clients and p.poll() is None and not streams:
            m = re.search(r"http: serving http://127.0.0.1:(\d+)/", open(log).read()
                          if os.path.exists(log) else "")
            if m:
                streams = [Stream("http://127.0.0.1:" + m.group(1)) for _ in range(clients)]
            time.sleep(0.002)
        for s in streams:
            states += s.status == 200 and s.next()["event"] == "state"
        running = p.poll() is None
        rc = p.wait(timeout=300)
        secs = time.time() - t0
        events = 0
        for s in streams:  # what each got until the end
            try:
                while True:
                    s.next()
                    events += 1
            except (IOError, OSError, http.client.HTTPException):
                pass
            s.close()
        lines = [line for line in open(jsonl) if '"type":"flow"' in line or '"type":"traffic"' in line]
        return rc, lines, states, running, events, secs

    rc0, lines0, _, _, _, t0 = run("quiet", 0)
    rc1, lines1, states, running, events, t1 = run("clients", 50)
    print("     offline: %d flow and traffic records; %.2f s alone, %.2f s with 50 clients "
          "(%d events sent)" % (len(lines0), t0, t1, events))
    c.eq((0, 0), (rc0, rc1), "both offline runs exit 0")
    c.eq((50, True), (states, running), "50 clients got the state while the run went on")
    c.eq(True, events > 50, "and events after it")
    c.eq(len(lines0), len(lines1), "the same number of flow and traffic records with 50 clients")
    c.eq(True, lines0 == lines1, "the flow and traffic records are identical with 50 clients")


def main():
    tmp = tempfile.mkdtemp(prefix="fzevents.")
    print("files in %s" % tmp)
    subprocess.run([sys.executable, GEN, "traffic", "--only", "traffic", tmp], check=True,
                   capture_output=True)
    pcap = os.path.join(tmp, "traffic.pcap")
    networks = os.path.join(tmp, "traffic.networks.json")
    live(tmp, pcap, networks)
    evicted(tmp, pcap, networks)
    fifty_clients(tmp, pcap, networks)
    if c.failures == 0:
        shutil.rmtree(tmp, ignore_errors=True)
    c.done()


if __name__ == "__main__":
    main()
