"""The capture of the attack-detection test (issue 17, docs/alerts.md).

Network lan 10.1.0.0/16, 200 s of busy normal traffic (every second 15
complete HTTPS connections to 10.1.0.10 and 10 complete HTTP connections
to 10.1.0.20; one client opening 20 answered ports of 10.1.0.11) and:

  t 20-32   SYN flood with spoofed sources to 10.1.0.20:80, 400 SYNs/s,
            never answered: one syn_flood start, one update, one end.
  t 50-53   UDP flood from one source to 10.1.0.30, 800 packets/s: one
            volume start and one end, the source on top.
  t 80      port scan of 10.1.0.40 ports 1-30, refused (RST): one
            port_scan start and one end.
  t 90      probe of 10 ports of 10.1.0.41 (fewer than 15): nothing.
  t 100     address scan of 40 hosts on port 22, unanswered: one
            address_scan start and one end.
  t 150     the port scan of t 80 again, inside --alert-suppress:
            suppressed and counted, no record.

The expected alert records come from a model of the documented rules run
over the packets written (parsed back from the frames): per second and
destination host the packets, bytes, SYNs, completed handshakes and the
majority-vote source; the alert states; and, for scans, the flow records
in the order the flow table ends them (by last packet).
"""
import ipaddress
import json
import os
import random
import struct

from . import packet as P
from .capture import Capture

ARGS = ["--traffic-interval", "10", "--idle-timeout", "5", "--threshold-pps", "500",
        "--threshold-syn", "200", "--scan-window", "30", "--attack-end", "5",
        "--alert-suppress", "120", "--alert-history", "288", "--alert-min-history", "288"]
PPS, MBPS, SYN, PORTS, HOSTS = 500, 1000, 200, 15, 25
WINDOW_MS, END_S, SUPPRESS_MS, UPDATE_MS = 30000, 5, 120000, 10000
LAN = ipaddress.ip_network("10.1.0.0/16")
NETWORKS = [{"name": "lan", "prefixes": ["10.1.0.0/16"]}]
DURATION = 200
SOURCES = 8


def _conn(cap, t, client, server, sport, dport, data=True):
    f = cap.flow(client, server, P.PROTO_TCP, sport, dport)
    t = f.handshake(t, rtt=0.004)
    if data:
        t = f.exchange(t + 0.001, True, b"GET / HTTP/1.1\r\n\r\n", rtt=0.004)
    f.close(t + 0.002, True, rtt=0.004)


def _background(cap, rng):
    port = 20000
    for s in range(DURATION):
        for i in range(15):
            port += 1
            _conn(cap, s + 0.05 + 0.06 * i, "203.0.113.%d" % (10 + i), "10.1.0.10", port, 443)
        for i in range(10):
            port += 1
            _conn(cap, s + 0.07 + 0.09 * i, "198.51.100.%d" % (20 + i), "10.1.0.20", port, 80)
    for p in range(20):  # one client, many answered ports: no scan
        _conn(cap, 60 + 0.05 * p, "203.0.113.50", "10.1.0.11", 40000 + p, 8000 + p, data=False)


def _attacks(cap, rng):
    for s in range(20, 32):  # SYN flood, spoofed, unanswered
        for i in range(400):
            src = "198.18.%d.%d" % (rng.randrange(256), rng.randrange(1, 255))
            f = cap.flow(src, "10.1.0.20", P.PROTO_TCP, rng.randrange(1024, 65535), 80)
            f.tcp(s + 0.0025 * i, True, P.SYN)
    f = cap.flow("203.0.113.66", "10.1.0.30", P.PROTO_UDP, 5353, 9999)
    for s in range(50, 53):  # volume from one source
        for i in range(800):
            f.udp(s + 0.00125 * i, True, b"v" * 1000)
    for start, host, n, scanner in ((80, "10.1.0.40", 30, "203.0.113.99"),
                                    (90, "10.1.0.41", 10, "203.0.113.98"),
                                    (150, "10.1.0.40", 30, "203.0.113.99")):
        for p in range(1, n + 1):  # refused: SYN, RST-ACK
            f = cap.flow(scanner, host, P.PROTO_TCP, 33000 + start + p, p)
            t = start + 0.01 * (p - 1)
            f.tcp(t, True, P.SYN)
            f.tcp(t + 0.001, False, P.RST | P.ACK)
    for h in range(40):  # address scan, unanswered
        f = cap.flow("203.0.113.97", "10.1.0.%d" % (100 + h), P.PROTO_TCP, 34000 + h, 22)
        f.tcp(100 + 0.01 * h, True, P.SYN)


def _parse(frames):
    """(t_us, src, dst, proto, sport, dport, flags, ip_len) of each frame, in capture order."""
    out = []
    for ts, fr, _ in frames:
        ip = fr[14:]
        ihl = (ip[0] & 15) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        proto = ip[9]
        src, dst = str(ipaddress.ip_address(ip[12:16])), str(ipaddress.ip_address(ip[16:20]))
        sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
        flags = ip[ihl + 13] if proto == 6 else 0
        out.append((ts, src, dst, proto, sport, dport, flags, total))
    return out


def _seconds(pkts):
    """Per second and lan host: packets, bytes, syns, handshakes, (candidate, lead)."""
    conns, secs = {}, {}
    for ts, src, dst, proto, sport, dport, flags, ln in pkts:
        key = (proto,) + tuple(sorted(((src, sport), (dst, dport))))
        c = conns.setdefault(key, {"init": src, "flags": {src: 0, dst: 0}, "hs": False})
        hs = False
        if proto == 6:
            if (src == c["init"] and flags & (P.SYN | P.ACK) == P.ACK and not c["hs"]
                    and c["flags"][dst] & (P.SYN | P.ACK) == P.SYN | P.ACK
                    and c["flags"][src] & P.SYN):
                c["hs"] = hs = True
            c["flags"][src] |= flags
        if ipaddress.ip_address(dst) not in LAN:
            continue
        h = secs.setdefault(ts // 1000000, {}).setdefault(
            dst, {"packets": 0, "bytes": 0, "syns": 0, "handshakes": 0, "cand": None, "lead": 0})
        h["packets"] += 1
        h["bytes"] += ln
        h["syns"] += 1 if proto == 6 and flags & (P.SYN | P.ACK) == P.SYN else 0
        h["handshakes"] += 1 if hs else 0
        if h["lead"] and h["cand"] == src:
            h["lead"] += 1
        elif h["lead"] == 0:
            h["cand"], h["lead"] = src, 1
        else:
            h["lead"] -= 1
    return secs


def _key(a):
    return ipaddress.ip_address(a).packed


class _Model:
    """The alert states of lib/detect/alert_state.c."""

    def __init__(self):
        self.alerts, self.out, self.suppressed = {}, [], {}

    def above(self, attack, key, ev, start_ms, last_ms, time_ms, sources=()):
        a = self.alerts.get((attack, key))
        if a and a["on"]:
            a["ev"] = dict(ev, start_ms=a["ev"]["start_ms"], peak=max(a["ev"]["peak"], ev["value"]))
            a["last"] = max(a["last"], last_ms)
            self._sources(a, sources)
            if a["on"] == 1 and time_ms >= a["upd"] + UPDATE_MS:
                a["upd"] = time_ms
                self._emit(a, "update", time_ms)
            return
        old_end = a["end"] if a else None
        a = {"ev": dict(ev, start_ms=start_ms, peak=ev["value"]), "last": last_ms, "upd": time_ms,
             "src": [], "end": old_end, "attack": attack}
        self.alerts[(attack, key)] = a
        self._sources(a, sources)
        if old_end is not None and start_ms < old_end + SUPPRESS_MS:
            a["on"] = 2
            self.suppressed[attack] = self.suppressed.get(attack, 0) + 1
            return
        a["on"] = 1
        self._emit(a, "start", time_ms)

    def _sources(self, a, sources):
        for s, lead in sources:
            for e in a["src"]:
                if e[0] == s:
                    e[1] += lead
                    break
            else:
                if len(a["src"]) < SOURCES:
                    a["src"].append([s, lead])
                elif lead > 0:
                    m = min(range(len(a["src"])), key=lambda i: a["src"][i][1])
                    a["src"][m] = [s, a["src"][m][1] + lead]

    def expire(self, now_ms):
        ending = []
        for a in self.alerts.values():
            quiet = WINDOW_MS if a["attack"].endswith("scan") else END_S * 1000
            if a["on"] and a["last"] + quiet <= now_ms:
                ending.append((a["last"] + quiet, a))
        for t, a in sorted(ending, key=lambda x: x[0]):
            if a["on"] == 1:
                a["end"] = a["last"]
                self._emit(a, "end", t)
            a["on"] = 0

    def _emit(self, a, state, time_ms):
        r = dict(a["ev"])
        r.update(alert=a["attack"], state=state, time_ms=time_ms)
        if state == "end":
            r["end_ms"] = a["last"]
            r["value"] = r["peak"]
        if "top_sources" in r:
            src = sorted(a["src"], key=lambda e: (-e[1], _key(e[0])))
            r["top_sources"] = [{"src_ip": s, "lead": n} for s, n in src]
        self.out.append(r)


def _flow_ends(cap):
    """The flow records of lan-bound TCP attempts in the order the table ends them."""
    recs = []
    for f in cap.flows:
        for r in f.done + ([f.cur] if f.cur else []):
            init, resp = (f.a, f.b) if r.init_is_a else (f.b, f.a)
            if f.proto != 6 or not r.flags[0] & P.SYN or r.flags[1] & (P.SYN | P.ACK) == P.SYN | P.ACK:
                continue
            if ipaddress.ip_address(resp) not in LAN:
                continue
            port = f.ports[1] if r.init_is_a else f.ports[0]
            recs.append((r.last, r.first, init, resp, port))
    recs.sort(key=lambda x: (x[0], x[1]))
    return recs


def model(cap, pkts):
    m = _Model()
    secs = _seconds(pkts)
    attempts = _flow_ends(cap)
    trackers = {}
    ai = 0
    for s in range(min(secs), max(secs) + 1):
        # The scan attempts whose records arrive before this second is judged
        # (records end at most a second of packet time before the clock).
        while ai < len(attempts) and attempts[ai][0] // 1000000 < s:
            _attempt(m, trackers, *attempts[ai])
            ai += 1
        m.expire(s * 1000)
        for host, h in sorted(secs.get(s, {}).items(), key=lambda x: _key(x[0])):
            base = {"network": "lan", "host": host, "packets": h["packets"], "bytes": h["bytes"],
                    "syns": h["syns"], "handshakes": h["handshakes"], "top_sources": []}
            src = [(h["cand"], h["lead"])] if h["lead"] else []
            if h["packets"] > PPS:
                m.above("volume", host, dict(base, metric="pps", value=h["packets"], threshold=PPS),
                        s * 1000, (s + 1) * 1000, (s + 1) * 1000, src)
            syn = max(0, h["syns"] - h["handshakes"])
            if syn > SYN:
                m.above("syn_flood", host, dict(base, metric="syn", value=syn, threshold=SYN),
                        s * 1000, (s + 1) * 1000, (s + 1) * 1000, src)
    return m


def _attempt(m, trackers, last_us, first_us, scanner, host, port):
    t = first_us // 1000
    for attack, key, what, thr in (("port_scan", (scanner, host), port, PORTS),
                                   ("address_scan", (scanner, port), host, HOSTS)):
        tr = trackers.setdefault((attack, key), {"e": [], "last": 0})
        tr["e"] = [e for e in tr["e"] if e[1] + WINDOW_MS >= t]
        for e in tr["e"]:
            if e[0] == what:
                e[1] = max(e[1], t)
                break
        else:
            tr["e"].append([what, t])
        tr["last"] = max(tr["last"], t)
        n = len(tr["e"])
        if n < thr:
            continue
        ev = {"network": "lan", "scanner": scanner, "metric": "ports" if attack == "port_scan" else "hosts",
              "value": n, "threshold": thr}
        if attack == "port_scan":
            ev["host"], ev["ports"] = host, [e[0] for e in tr["e"][:10]]
        else:
            ev["port"], ev["ip_proto"], ev["hosts"] = port, 6, [e[0] for e in tr["e"][:10]]
        m.above(attack, key, ev, min(e[1] for e in tr["e"]), tr["last"], last_us // 1000)


def generate(outdir, seed=1):
    rng = random.Random(seed)
    cap = Capture(ARGS)
    _background(cap, rng)
    _attacks(cap, rng)
    path = cap.write(outdir, "attacks")
    pkts = _parse(cap.packets())
    m = model(cap, pkts)
    with open(os.path.join(outdir, "attacks.networks.json"), "w") as f:
        json.dump({"networks": NETWORKS}, f)
    truth = {"args": ARGS, "networks": "attacks.networks.json", "packets": len(pkts),
             "alerts": m.out, "suppressed": m.suppressed,
             "scan_attempts": len(_flow_ends(cap))}
    with open(os.path.join(outdir, "attacks.alerts.json"), "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    return [path]
