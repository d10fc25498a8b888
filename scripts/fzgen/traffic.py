"""Captures for the traffic-bin tests (issue 16, docs/traffic.md): named
networks, flow records with src_network/dst_network, and one "traffic"
record per network and bin with exact counters, applications and top lists.

Each capture NAME.pcap comes with NAME.networks.json (the --networks file)
and NAME.truth.json: the flow records (as for the data-path scenarios, plus
app and the two networks) and every traffic record flowzoo must write. The
truth is computed here from the packets written, packet by packet, with its
own longest-prefix lookup (the ipaddress module), not from anything flowzoo
does: every packet counts in the bin of its own timestamp, and a flow is a
flow record as the scenarios cut them (the timeouts below keep every cut
deliberate: each gap that ends a record is several seconds longer than the
idle timeout, each one that does not is several seconds shorter).

The bad-networks set is a directory of --networks files flowzoo must refuse
(exit status 2, a message naming the file and the entry), indexed by
traffic_bad.json.
"""
import ipaddress
import json
import os

from . import packet as P
from . import payloads as A
from .capture import Capture, Flow
from .scenarios import _blob, _rng, _text

S = 10            # --traffic-interval: small, so that 14 bins take 140 s
IDLE_S = 15
ACTIVE_S = 40
LINGER_S = 2
TOP_N = 3         # main capture: fewer than most bins' distinct keys
CAPACITY = 4096   # main capture: every list exact
HH_CAPACITY = 8   # traffic_hh: one bin has more distinct keys than this
HH_TOP_N = 8      # = capacity: every key Space-Saving keeps is listed


def _args(top_n, capacity):
    return ["--idle-timeout", str(IDLE_S), "--active-timeout", str(ACTIVE_S),
            "--tcp-linger", str(LINGER_S), "--traffic-interval", str(S),
            "--top-n", str(top_n), "--top-capacity", str(capacity)]


# The networks of the main capture, in file order (not sorted, on purpose).
# dorms is nested in campus and server in dorms: longest prefix wins, and
# an address belongs to one network only.
NETWORKS = [
    {"name": "campus", "prefixes": ["200.20.0.0/16", "2001:db8:1::/48"]},
    {"name": "dorms", "prefixes": ["200.20.128.0/17", "2001:db8:1:8000::/49"]},
    {"name": "server", "prefixes": ["200.20.200.10/32", "2001:db8:1:8000::10/128"]},
    {"name": "partner", "prefixes": ["198.51.100.0/24", "2001:db8:2::/48"]},
    {"name": "quiet", "prefixes": ["10.99.0.0/16", "fd00:99::/32"]},
]

# Hosts of the main capture and the network each is in.
C1 = "200.20.1.7"             # campus
C2 = "200.20.1.10"            # campus (sorts after C1 as a number, before it as text)
C3 = "200.20.3.3"             # campus
C_EDGE = "200.20.127.255"     # campus, the last address below dorms
C6 = "2001:db8:1::5"          # campus
C6_EDGE = "2001:db8:1:7fff::1"  # campus, just below dorms' /49
D1 = "200.20.130.5"           # dorms
D2 = "200.20.255.254"         # dorms
D_EDGE = "200.20.128.0"       # dorms, its first address
D_NEXT = "200.20.200.11"      # dorms, next to server's /32
D6 = "2001:db8:1:8000::20"    # dorms
SRV = "200.20.200.10"         # server (a /32 inside dorms inside campus)
SRV6 = "2001:db8:1:8000::10"  # server
P1 = "198.51.100.20"          # partner
P6 = "2001:db8:2::80"         # partner
X1 = "93.184.216.34"          # no network
X2 = "203.0.113.9"            # no network
X3 = "198.18.5.5"             # no network
X6 = "2001:db8:ff::1"         # no network
OUT_LOW = "200.19.255.255"    # no network: just below campus
OUT_HIGH = "200.21.0.1"       # no network: just above campus
OUT_P = "198.51.101.1"        # no network: just above partner's /24


class TFlow(Flow):
    """A Flow that also remembers every packet of each record: (time in
    microseconds, sent by end a, IP bytes)."""

    def account(self, t_us, from_a, ip_len, tcp_flags=0):
        super().account(t_us, from_a, ip_len, tcp_flags)
        if not hasattr(self.cur, "pkts"):
            self.cur.pkts = []
        self.cur.pkts.append((t_us, from_a, ip_len))


def _flow(cap, a, b, proto, aport, bport, app="unknown"):
    a, b = str(ipaddress.ip_address(a)), str(ipaddress.ip_address(b))
    assert P.ip_version(a) == P.ip_version(b), "one address family per flow: %s %s" % (a, b)
    f = TFlow(cap, a, b, proto, aport, bport, (), app)
    cap.flows.append(f)
    return f


def _tcp_app(cap, a, b, aport, bport, app, msgs, t):
    """A TCP connection a -> b exchanging msgs [(from_a, payload)], closed by
    FIN both ways; returns (flow, time after the close)."""
    f = _flow(cap, a, b, P.PROTO_TCP, aport, bport, app)
    t = f.handshake(t)
    for from_a, payload in msgs:
        t = f.exchange(t + 0.005, from_a, payload)
    t = f.close(t + 0.005)
    f.end("tcp_end")
    return f, t


def _udp(cap, a, b, aport, bport, sends, app="unknown"):
    """UDP datagrams: sends is a list of (t, from_a, payload)."""
    f = _flow(cap, a, b, P.PROTO_UDP, aport, bport, app)
    for t, from_a, payload in sends:
        f.udp(t, from_a, payload)
    return f


def main_capture(seed):
    """14 bins of 10 s (1700000000 is a bin start; the first packet is at
    +3.5 s, the last in bin 13). Bins 6-8 hold no packet at all, bin 11 only
    traffic of no network. See docs/generator.md for the list."""
    rng = _rng(seed, "traffic")
    cap = Capture(_args(TOP_N, CAPACITY))
    txt = lambda lo, hi: _text(rng, rng.randint(lo, hi))  # noqa: E731

    # Bin 0. HTTP campus -> no network, closed in the bin.
    _tcp_app(cap, C1, X1, 40001, 80, "http",
             [(True, A.http_request("GET", "/index.html")),
              (False, A.http_response(body=A.html(rng, rng.randint(2000, 5000))))], 3.5)
    # TLS campus -> no network, named by its ClientHello in bin 0, data in
    # bins 0, 1 and 2, with packets 1 us before and exactly at 10 s.
    f = _flow(cap, C2, X1, P.PROTO_TCP, 40002, 443, "tls")
    t = f.handshake(4.0)
    t = f.exchange(t + 0.005, True, A.tls_client_hello(rng, A.TLS10, A.TLS12, tls13=True))
    t = f.exchange(t + 0.005, False, A.tls_server_hello(rng, A.TLS12, A.TLS12, tls13=True,
                                                       cert_len=rng.randint(800, 2000)))
    f.tcp(9.999999, True, P.PSH | P.ACK, A.tls_app_data(rng, rng.randint(100, 600)))
    f.tcp(10.0, False, P.ACK)
    for t in (15.0, 21.0):
        f.exchange(t, False, A.tls_app_data(rng, rng.randint(1000, 3000)))
    f.close(25.5)
    f.end("tcp_end")
    # DNS dorms -> no network (unknown), ends idle.
    _udp(cap, D1, X2, 5353, 53, [(5.0, True, A.dns_query(0x1234, "www.example.com")),
                                 (5.02, False, A.dns_response(0x1234, "www.example.com", X1))]).end("idle")
    # Inside campus: in and out of campus at once. Ends idle; the same
    # conversation comes back in bin 9 from the other end (a new record).
    inside = _udp(cap, C1, C3, 41000, 9000, [(6.0 + 0.5 * i, i % 2 == 0, txt(20, 300)) for i in range(5)])
    inside.end("idle")
    # SSH dorms -> campus: out of dorms, into campus.
    _tcp_app(cap, D1, C3, 40003, 22, "ssh",
             [(False, b"SSH-2.0-OpenSSH_9.6\r\n"), (True, b"SSH-2.0-OpenSSH_9.6\r\n"),
              (False, A.ssh_kexinit(rng)), (True, A.ssh_kexinit(rng))], 7.0)

    # Bin 1. HTTP over IPv6, campus -> partner.
    _tcp_app(cap, C6, P6, 40004, 80, "http",
             [(True, A.http_request("GET", "/v6")), (False, A.http_response(body=A.html(rng, 700)))], 12.0)
    # UDP over IPv6, dorms -> no network, bins 1-3, with packets 1 us before
    # and exactly at 30 s; ends idle.
    sends = [(13.0 + 2.5 * i, i % 3 != 2, txt(30, 400)) for i in range(10)]
    sends += [(29.999999, True, txt(50, 60)), (30.0, False, txt(50, 60))]
    _udp(cap, D6, X6, 50000, 5000, sorted(sends, key=lambda s: s[0])).end("idle")
    # partner -> server, a packet every 3 s from 11 s to 59 s (one exactly
    # at 20 s): the initiator's packet at 53 s is the first >= 40 s after
    # the record's first, so it ends the record (active) and opens the
    # next one in the same bin as the end of the first.
    f = _flow(cap, P1, SRV, P.PROTO_UDP, 40005, 7000)
    first = 11.0
    for i in range(17):
        t = 11.0 + 3 * i
        if t - first >= ACTIVE_S:
            f.end("active")
            first = t
        f.udp(t, True, txt(20, 200))
        f.udp(t + 0.1, False, txt(20, 200))
    f.end("idle")

    # Bin 3: ties in campus's top lists (--top-n 3). Three flows of exactly
    # 1000 IP bytes from C1, C2 and C6 to X1:443, X2:80 and X6:8080, and one
    # of 2000 from C3 to X3:9. Expected: src_ip C3, C1, C2 (C6 cut: IPv4
    # sorts as ::ffff:a.b.c.d, below 2001:db8::); dst_ip X3, X1, X2 (not
    # "203..." before "93..."); dst_port 9, 80, 443 (not "443" before "80").
    for i, (src, dst, dport) in enumerate(((C1, X1, 443), (C2, X2, 80), (C6, X6, 8080))):
        pay = 472 if ":" not in src else 452  # 500 IP bytes a packet
        _udp(cap, src, dst, 41001 + i, dport, [(31.0 + i, True, txt(pay, pay)),
                                                (31.5 + i, False, txt(pay, pay))]).end("idle")
    _udp(cap, C3, X3, 41004, 9, [(34.0, True, txt(972, 972)), (34.5, False, txt(972, 972))]).end("idle")

    # Bin 4: dorms -> server over HTTP; both ends in dorms; the edges of the
    # prefixes (campus's last address below dorms, dorms' first).
    _tcp_app(cap, D2, SRV, 40006, 80, "http",
             [(True, A.http_request("POST", "/upload", body=A.html(rng, 900))),
              (False, A.http_response(status=201, reason="Created"))], 41.0)
    _udp(cap, D_NEXT, D1, 40007, 7001, [(42.0, True, txt(100, 200)), (42.1, False, txt(100, 200)),
                                        (43.0, True, txt(100, 200))]).end("idle")
    _udp(cap, C_EDGE, D_EDGE, 40008, 7002, [(44.0, True, txt(50, 100)), (44.2, False, txt(50, 100))]).end("idle")
    # Server over IPv6 from campus: server in, campus out.
    _udp(cap, C6, SRV6, 40009, 7003, [(45.0, True, txt(60, 90)), (45.3, False, txt(60, 90))]).end("idle")

    # Bin 5: SSH campus -> partner closed at the end of the bin; traffic of
    # no network at the edges of the prefixes.
    _tcp_app(cap, C1, P1, 40010, 22, "ssh",
             [(False, b"SSH-2.0-OpenSSH_8.9\r\n"), (True, b"SSH-2.0-PuTTY_Release_0.80\r\n"),
              (True, txt(200, 400)), (False, txt(200, 400))], 55.0)
    _udp(cap, OUT_LOW, OUT_HIGH, 40011, 7004, [(56.0, True, txt(40, 80)), (56.1, False, txt(40, 80))]).end("idle")
    _udp(cap, OUT_P, X1, 40012, 7005, [(57.0, True, txt(40, 80))]).end("idle")

    # Bins 6, 7, 8: nothing at all.

    # Bin 9: the campus conversation of bin 0 again, C3 first (a new record
    # with src C3); IPv6 campus <-> dorms at the edge of dorms' /49 over
    # bins 9 and 10; TLS over IPv6 partner -> campus.
    for i in range(4):
        inside.udp(90.5 + 0.7 * i, i % 2 == 1, txt(20, 300))
    inside.end("idle")
    _udp(cap, C6_EDGE, D6, 40013, 7006,
         [(91.0 + 1.5 * i, i % 2 == 0, txt(100, 1000)) for i in range(10)]).end("idle")
    _tcp_app(cap, P6, C6, 40014, 443, "tls",
             [(True, A.tls_client_hello(rng, A.TLS10, A.TLS12, sni="v6.example.com")),
              (False, A.tls_server_hello(rng, A.TLS12, A.TLS12, cert_len=rng.randint(800, 2000))),
              (True, A.tls_app_data(rng, rng.randint(100, 500)))], 92.0)

    # Bin 11: traffic of no network only.
    _udp(cap, X1, X2, 40015, 7007, [(111.0 + i, True, txt(30, 60)) for i in range(3)]).end("idle")

    # Bins 12 and 13: HTTP dorms -> partner; a UDP flow campus -> no network
    # from 125 s to the end (eof); the last packet in bin 13 (partial).
    _tcp_app(cap, D1, P1, 40016, 80, "http",
             [(True, A.http_request("GET", "/p")), (False, A.http_response(body=A.html(rng, 1500)))], 121.0)
    _udp(cap, C2, X1, 40017, 7008, [(125.0 + i, i % 4 != 3, txt(30, 300)) for i in range(13)])
    return cap, NETWORKS


HH_NETWORKS = [{"name": "hh", "prefixes": ["100.64.0.0/10", "2001:db8:64::/48"]},
               {"name": "other", "prefixes": ["192.0.2.0/24"]}]


def hh_capture(seed):
    """--top-capacity 8, --top-n 8: bin 0 has 5 distinct keys per list
    (exact), bin 1 has 40 sources, 30 destinations and 24 ports with
    Zipf-like bytes (not exact: only the bound and the invariants are
    known), bin 2 has 6 again (exact)."""
    rng = _rng(seed, "traffic_hh")
    cap = Capture(_args(HH_TOP_N, HH_CAPACITY))
    port = 20000

    def one(src, dst, dport, t, sizes):
        """A UDP flow; it ends eof unless the caller ends it."""
        nonlocal port
        port += 1
        return _udp(cap, src, dst, port, dport, [(t + 0.01 * j, j % 2 == 0, _text(rng, n))
                                                 for j, n in enumerate(sizes)])

    for i in range(5):
        # Quiet from 1.5 s on while the capture runs to 21.6 s: idle. The
        # flows of bins 1 and 2 are still within the timeout at the end: eof.
        one("100.64.0.%d" % (i + 1), "198.18.0.%d" % (i + 1), 1000 + i, 1.0 + 0.1 * i,
            [rng.randint(50, 900) for _ in range(3)]).end("idle")
    # Bin 1: flow i of 120 carries about 60000 / (i + 1) bytes (Zipf, s = 1);
    # sources, destinations and ports are drawn so that each list has a few
    # heavy keys and a long tail.
    for i in range(120):
        total = max(60, 60000 // (i + 1))
        sizes = []
        while total > 0:
            n = min(total, 1400)
            sizes.append(max(n - 28, 0))
            total -= n
        s = i % 40 if i >= 40 else i // 4        # sources 0..39, heavy low ones
        d = i % 30 if i >= 30 else i // 3        # destinations 0..29
        p = i % 24 if i >= 24 else i // 2        # ports 0..23
        if s % 5:
            src, dst = "100.64.1.%d" % s, "198.18.1.%d" % d
        else:  # every fifth source speaks IPv6 (to an IPv6 destination)
            src, dst = "2001:db8:64::%x" % (s + 1), "2001:db8:18:1::%x" % (d + 1)
        one(src, dst, 2000 + p, 11.0 + 0.05 * i, sizes)
    for i in range(6):
        one("100.64.2.%d" % (i + 1), "192.0.2.%d" % (i + 1), 3000 + i, 21.0 + 0.1 * i,
            [rng.randint(50, 900) for _ in range(2)])
    return cap, HH_NETWORKS


CAPTURES = {"traffic": main_capture, "traffic_hh": hh_capture}


# --- truth ---------------------------------------------------------------------


class Lookup:
    """Longest-prefix match over a networks list, with the ipaddress module."""

    def __init__(self, networks):
        self.nets = [(ipaddress.ip_network(p), n["name"]) for n in networks for p in n["prefixes"]]

    def __call__(self, addr):
        a = ipaddress.ip_address(addr)
        best = None
        for net, name in self.nets:
            if a.version == net.version and a in net and (best is None or net.prefixlen > best[0]):
                best = (net.prefixlen, name)
        return best[1] if best else None


def addr_order(text):
    """Sort key of an address: 16 bytes, IPv4 as ::ffff:a.b.c.d."""
    a = ipaddress.ip_address(text)
    return a.packed if a.version == 6 else b"\0" * 10 + b"\xff\xff" + a.packed


def sort_top(entries, field):
    keyf = addr_order if field != "dst_port" else (lambda k: k)
    return sorted(entries, key=lambda e: (-e["bytes"], keyf(e["key"])))


def _records(cap, lookup):
    """[(flow record dict with networks, [(t_us, src, dst, ip_len)])]."""
    out = []
    for f in cap.flows:
        recs = f.records(with_app=True)
        for r, d in zip(f.done, recs):
            d["src_network"] = lookup(d["src_ip"])
            d["dst_network"] = lookup(d["dst_ip"])
            pkts = [(t, f.a if a else f.b, f.b if a else f.a, n) for t, a, n in r.pkts]
            out.append((d, pkts))
    out.sort(key=lambda x: (x[0]["first_ms"], x[0]["src_ip"], x[0]["src_port"], x[0]["dst_ip"],
                            x[0]["dst_port"], x[0]["ip_proto"]))
    return out


def traffic_truth(cap, networks, interval, top_n, capacity):
    """The flow records and every traffic record of docs/traffic.md but
    collector. A record whose lists are not exact has no "top"; its
    "top_all" holds the true lists, every key, for the invariants."""
    lookup = Lookup(networks)
    recs = _records(cap, lookup)
    span = interval * 1000000
    all_ts = [ts for ts, _, _, _ in cap.frames]
    b0, b1 = min(all_ts) // span, max(all_ts) // span
    traffic = []
    for net in sorted(n["name"] for n in networks):
        for b in range(b0, b1 + 1):
            t = {"type": "traffic", "schema_version": 1, "network": net,
                 "bin_start_ms": b * interval * 1000, "bin_end_ms": (b + 1) * interval * 1000,
                 "packets_in": 0, "bytes_in": 0, "packets_out": 0, "bytes_out": 0,
                 "flows": 0, "flows_new": 0, "apps": {}, "partial": b == b1}
            lists = {"src_ip": {}, "dst_ip": {}, "dst_port": {}}
            for d, pkts in recs:
                if net not in (d["src_network"], d["dst_network"]):
                    continue
                mine = [p for p in pkts if p[0] // span == b]
                if not mine:
                    continue
                for _, src, dst, n in mine:
                    if lookup(dst) == net:
                        t["packets_in"] += 1
                        t["bytes_in"] += n
                    if lookup(src) == net:
                        t["packets_out"] += 1
                        t["bytes_out"] += n
                np, nb = len(mine), sum(p[3] for p in mine)
                t["flows"] += 1
                t["flows_new"] += min(p[0] for p in pkts) // span == b
                app = t["apps"].setdefault(d["app"], {"flows": 0, "packets": 0, "bytes": 0})
                for acc in [app] + [lists[k].setdefault(d[k], {"key": d[k], "packets": 0, "bytes": 0,
                                                                "flows": 0}) for k in lists]:
                    acc["flows"] += 1
                    acc["packets"] += np
                    acc["bytes"] += nb
            t["apps"] = dict(sorted(t["apps"].items()))
            full = {k: sort_top(v.values(), k) for k, v in lists.items()}
            exact = all(len(v) <= capacity for v in full.values())
            t["top_exact"] = exact
            if exact:
                t["top"] = {k: v[:top_n] for k, v in full.items()}
                t["top_error_bytes"] = 0
            else:
                t["top_all"] = full
            traffic.append(t)
    return [d for d, _ in recs], traffic


def build(name, seed):
    cap, networks = CAPTURES[name](seed)
    top_n = int(cap.args[cap.args.index("--top-n") + 1])
    capacity = int(cap.args[cap.args.index("--top-capacity") + 1])
    flows, traffic = traffic_truth(cap, networks, S, top_n, capacity)
    truth = {"args": cap.args, "networks": name + ".networks.json", "traffic_interval": S,
             "top_n": top_n, "top_capacity": capacity, "packets": len(cap.frames),
             "drops": dict(sorted(cap.drops.items())), "counters": dict(cap.counters),
             "flows": flows, "traffic": traffic}
    return cap, networks, truth


def write(outdir, name, seed):
    cap, networks, truth = build(name, seed)
    path = os.path.join(outdir, name + ".pcap")
    from . import pcap
    pcap.write(path, cap.packets())
    with open(os.path.join(outdir, name + ".networks.json"), "w") as f:
        json.dump({"networks": networks}, f, indent=1)
        f.write("\n")
    with open(os.path.join(outdir, name + ".truth.json"), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
        f.write("\n")
    return path


# --- networks files flowzoo must refuse -----------------------------------------

_OK = {"name": "partner", "prefixes": ["198.51.100.0/24"]}


def _bad(prefixes=None, name="campus", extra=None, more=()):
    n = {"name": name, "prefixes": prefixes or ["200.20.0.0/16"]}
    n.update(extra or {})
    return json.dumps({"networks": [_OK, n] + list(more)}, indent=1) + "\n"


# (case, file text, what the message must name besides the file: the
# network's name or the prefix; None when the file has no entry to name).
BAD = [
    ("host_bits_v4", _bad(["200.20.1.0/16"]), "200.20.1.0/16"),
    ("host_bits_v6", _bad(["2001:db8:1::1/48"]), "2001:db8:1::1/48"),
    ("length_v4", _bad(["200.20.0.0/33"]), "200.20.0.0/33"),
    ("length_v6", _bad(["2001:db8:1::/129"]), "2001:db8:1::/129"),
    ("length_negative", _bad(["200.20.0.0/-1"]), "200.20.0.0/-1"),
    ("garbage", _bad(["campus-net"]), "campus-net"),
    ("three_octets", _bad(["200.20.0/16"]), "200.20.0/16"),
    ("octet_256", _bad(["200.20.0.256/32"]), "200.20.0.256/32"),
    ("no_length", _bad(["200.20.0.1"]), "200.20.0.1"),
    ("bad_v6", _bad(["2001:db8:::/48"]), "2001:db8:::/48"),
    ("duplicate_name", _bad(more=[{"name": "campus", "prefixes": ["10.1.0.0/16"]}]), "campus"),
    ("unknown_key_network", _bad(extra={"colour": "red"}), "campus"),
    ("unknown_key_top", json.dumps({"networks": [_OK], "colour": "red"}) + "\n", "colour"),
    ("not_json", '{"networks": [{"name": "campus", "prefixes": ["200.20.0.0/16"]}\n', None),
    ("same_prefix", _bad(more=[{"name": "dorms", "prefixes": ["200.20.0.0/16"]}]), "200.20.0.0/16"),
    ("name_too_long", _bad(name="n" * 65), "n" * 65),
    ("name_empty", _bad(name=""), None),
    # Alert settings (docs/alerts.md).
    ("alerts_k_negative", _bad(extra={"alerts": {"k": -1}}), "campus"),
    ("alerts_unknown_key", _bad(extra={"alerts": {"sigma": 2}}), "sigma"),
    ("alerts_floor_series", _bad(extra={"alerts": {"floor": {"bytes": 5}}}), "campus"),
    ("alerts_floor_negative", _bad(extra={"alerts": {"floor": {"bytes_in": -5}}}), "bytes_in"),
    ("alerts_disable_word", _bad(extra={"alerts": {"disable": ["syn"]}}), "campus"),
    ("ignore_host_bits", json.dumps({"networks": [_OK], "ignore": [
        {"src": "10.0.0.1/8", "dst": "192.0.2.0/24"}]}) + "\n", "10.0.0.1/8"),
    ("ignore_families", json.dumps({"networks": [_OK], "ignore": [
        {"src": "10.0.0.0/8", "dst": "2001:db8::/32"}]}) + "\n", "ignore[0]"),
    ("ignore_unknown_key", json.dumps({"networks": [_OK], "ignore": [
        {"src": "10.0.0.0/8", "dst": "192.0.2.0/24", "proto": 6}]}) + "\n", "proto"),
]


def write_bad(outdir):
    """Write traffic_bad/<case>.networks.json and the index traffic_bad.json."""
    d = os.path.join(outdir, "traffic_bad")
    os.makedirs(d, exist_ok=True)
    index = []
    for case, text, entry in BAD:
        rel = "traffic_bad/%s.networks.json" % case
        with open(os.path.join(outdir, rel), "w") as f:
            f.write(text)
        index.append({"case": case, "file": rel, "entry": entry})
    with open(os.path.join(outdir, "traffic_bad.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    return os.path.join(outdir, "traffic_bad.json")


def generate(outdir, seed, names=None):
    paths = [write(outdir, n, seed) for n in names or CAPTURES]
    write_bad(outdir)
    return paths
