"""Benchmark workloads (issue 7): a realistic mix, a 64-byte flood where
every packet is a new flow, and 64-byte established flows.

Speed matters here (a million packets in seconds), so frames are built from
per-flow header templates with struct, checksums are updated arithmetically
instead of recomputed over bytes, and each capture is written through one
buffered file.
"""
import json
import math
import random
import struct

from . import packet as P
from . import payloads as A
from . import pcap

EPOCH_US = 1700000000 * 1000000
_REC = struct.Struct("<IIII")
_IP4 = struct.Struct("!BBHHHBBH4s4s")
_IP6 = struct.Struct("!IHBB16s16s")
_TCP = struct.Struct("!HHIIBBHHH")
_UDP = struct.Struct("!HHHH")


def _fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def _words(b):
    if len(b) % 2:
        b += b"\0"
    return sum(struct.unpack("!%dH" % (len(b) // 2), b))


def _write_truth(outdir, name, truth):
    with open("%s/%s.truth.json" % (outdir, name), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
        f.write("\n")


# --- 64-byte workloads ---------------------------------------------------------
FRAME64_PAYLOAD = 64 - 14 - 20 - 8  # 22 bytes of UDP payload: a 64-byte frame
_MAC_A, _MAC_B = b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02"


def _udp64(src, dst, sport, dport, payload):
    """A 64-byte Ethernet/IPv4/UDP frame (UDP checksum 0: none, legal for IPv4)."""
    total = 20 + 8 + len(payload)
    csum = ~_fold(0x4500 + total + 0x4000 + (64 << 8) + 17 + (src >> 16) + (src & 0xFFFF)
                  + (dst >> 16) + (dst & 0xFFFF)) & 0xFFFF
    return (_MAC_B + _MAC_A + b"\x08\x00"
            + _IP4.pack(0x45, 0, total, 0, 0x4000, 64, 17, csum, src.to_bytes(4, "big"), dst.to_bytes(4, "big"))
            + _UDP.pack(sport, dport, 8 + len(payload), 0) + payload)


def flood64(outdir, seed, n):
    """n 64-byte UDP packets, each one a new flow: the source address walks a
    bijective scramble of 10.0.0.0/8 (so keys are not sequential) and the
    source port changes every 2^24 packets."""
    rng = random.Random(seed * 7919 + 64)
    payload = rng.randbytes(FRAME64_PAYLOAD)
    mult = 0x9E3779B1 | 1
    dst = 0xC0A80001
    path = "%s/flood64.pcap" % outdir
    with open(path, "wb", buffering=1 << 22) as f:
        f.write(pcap.FILE_HEADER)
        parts = []
        for i in range(n):
            src = 0x0A000000 | ((i * mult) & 0xFFFFFF)
            frame = _udp64(src, dst, 1024 + (i >> 24) % 64000, 5000, payload)
            ts = EPOCH_US + i
            parts.append(_REC.pack(ts // 1000000, ts % 1000000, 64, 64))
            parts.append(frame)
            if len(parts) >= 1 << 17:
                f.write(b"".join(parts))
                parts = []
        f.write(b"".join(parts))
    _write_truth(outdir, "flood64", {"args": [], "packets": n, "flows": n, "frame_len": 64,
                                     "drops": {}, "flow_count": n})
    return path


def est64(outdir, seed, nflows, k):
    """nflows flows of k 64-byte UDP packets each, interleaved round-robin;
    even rounds go from the initiator, odd rounds back."""
    rng = random.Random(seed * 7919 + 65)
    payload = rng.randbytes(FRAME64_PAYLOAD)
    keys = set()
    frames = []
    while len(frames) < nflows:
        a = 0x0A000000 | rng.getrandbits(24)
        b = 0xAC100000 | rng.getrandbits(20)
        ap, bp = rng.randint(1024, 65535), rng.randint(1, 65535)
        if (a, b, ap, bp) in keys:
            continue
        keys.add((a, b, ap, bp))
        frames.append((_udp64(a, b, ap, bp, payload), _udp64(b, a, bp, ap, payload)))
    path = "%s/est64.pcap" % outdir
    ts = EPOCH_US
    with open(path, "wb", buffering=1 << 22) as f:
        f.write(pcap.FILE_HEADER)
        for r in range(k):
            d = r & 1
            parts = []
            for fr in frames:
                parts.append(_REC.pack(ts // 1000000, ts % 1000000, 64, 64))
                parts.append(fr[d])
                ts += 1
            f.write(b"".join(parts))
    _write_truth(outdir, "est64", {"args": [], "packets": nflows * k, "flows": nflows, "frame_len": 64,
                                   "packets_per_flow": k, "drops": {}, "flow_count": nflows})
    return path


# --- realistic mix -----------------------------------------------------------------
# (app, share, transport, server port(s)); shares sum to 1.
MIX_CLASSES = (
    ("tls", 0.34, P.PROTO_TCP, (443, 443, 443, 8443)),
    ("http", 0.24, P.PROTO_TCP, (80, 80, 8080)),
    ("unknown-dns", 0.14, P.PROTO_UDP, (53,)),
    ("unknown-tcp", 0.06, P.PROTO_TCP, (25, 993, 5432, 3306)),
    ("bittorrent", 0.07, P.PROTO_TCP, (6881, 51413)),
    ("bittorrent-dht", 0.04, P.PROTO_UDP, (6881,)),
    ("ssh", 0.04, P.PROTO_TCP, (22, 2222)),
    ("ssdp", 0.03, P.PROTO_UDP, (1900,)),
    ("dhcp", 0.02, P.PROTO_UDP, (67,)),
    ("unknown-udp", 0.02, P.PROTO_UDP, (443, 4500, 3478)),
)


def _first_payloads(rng, cls):
    """The first client and server payloads of a flow of class cls."""
    if cls == "tls":
        return (A.tls_client_hello(rng, A.TLS10, A.TLS12, tls13=rng.random() < 0.6),
                A.tls_server_hello(rng, A.TLS12, A.TLS12, cert_len=900))
    if cls == "http":
        return (A.http_request(rng.choice(("GET", "GET", "GET", "POST", "HEAD")), "/p/%d" % rng.getrandbits(20)),
                A.http_response(body=b"", headers=("Cache-Control: max-age=60",)))
    if cls == "bittorrent":
        ih = rng.randbytes(20)
        return A.bt_handshake(ih, b"-TR3000-" + rng.randbytes(12)), A.bt_handshake(ih, b"-qB4500-" + rng.randbytes(12))
    if cls == "bittorrent-dht":
        return A.dht_query(rng.randbytes(20), rng.randbytes(2)), A.dht_response(rng.randbytes(20), rng.randbytes(2))
    if cls == "ssh":
        return b"SSH-2.0-OpenSSH_9.2p1\r\n", b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u1\r\n"
    if cls == "ssdp":
        return A.ssdp_msearch("192.168.1.1:1900", "upnp:rootdevice"), A.ssdp_reply("4d696e69-444c", "http://192.168.1.1:49152/d.xml")
    if cls == "dhcp":
        mac = rng.randbytes(6)
        return A.dhcp(1, A.REQUEST, rng.getrandbits(32), mac, ciaddr="192.168.1.77"), A.dhcp(2, A.ACK, 7, mac)
    if cls == "unknown-dns":
        return A.dns_query(rng.getrandbits(16), "host%d.example.com" % rng.getrandbits(16)), A.dns_response(1, "a.example.com", "192.0.2.1")
    if cls == "unknown-tcp":
        return b"EHLO client.example.org\r\n", b"220 mail.example.com ESMTP\r\n"
    return A.random_bytes(rng, 200), A.random_bytes(rng, 120)


APP_OF = {"unknown-dns": "unknown", "unknown-tcp": "unknown", "unknown-udp": "unknown",
          "bittorrent-dht": "bittorrent"}


class _Dir:
    """Header template of one direction of a flow, with its partial checksums."""

    def __init__(self, src, dst, sport, dport, proto, tags):
        self.v6 = ":" in src
        s, d = P.addr(src), P.addr(dst)
        self.s, self.d = s, d
        self.proto, self.sport, self.dport = proto, sport, dport
        self.l2 = P.ether(P.mac_for(src), P.mac_for(dst), P.ETH_IPV6 if self.v6 else P.ETH_IPV4, b"", tags)
        self.addr_sum = _words(s) + _words(d)
        self.ip4_sum = 0x4500 + 0x4000 + (64 << 8) + proto + self.addr_sum
        self.seq = 0

    def frame(self, flags, ack, plen, block, block_sums):
        l4h = 20 if self.proto == P.PROTO_TCP else 8
        l4len = l4h + plen
        pay = block[:plen]
        psum = block_sums[plen]
        pseudo = self.addr_sum + self.proto + l4len
        if self.proto == P.PROTO_TCP:
            seq = self.seq
            hs = (self.sport + self.dport + (seq >> 16) + (seq & 0xFFFF) + (ack >> 16) + (ack & 0xFFFF)
                  + 0x5000 + flags + 64240)
            csum = ~_fold(pseudo + hs + psum) & 0xFFFF
            l4 = _TCP.pack(self.sport, self.dport, seq, ack, 0x50, flags, 64240, csum, 0)
            self.seq = (seq + plen + (1 if flags & (P.SYN | P.FIN) else 0)) & 0xFFFFFFFF
        else:
            csum = ~_fold(pseudo + self.sport + self.dport + l4len + psum) & 0xFFFF
            l4 = _UDP.pack(self.sport, self.dport, l4len, csum or 0xFFFF)
        if self.v6:
            ip = _IP6.pack(6 << 28, l4len, self.proto, 64, self.s, self.d)
            ip_len = 40 + l4len
        else:
            ip_len = 20 + l4len
            ip = _IP4.pack(0x45, 0, ip_len, 0, 0x4000, 64, self.proto, ~_fold(self.ip4_sum + ip_len) & 0xFFFF,
                           self.s, self.d)
        return self.l2 + ip + l4 + pay, ip_len


def _payload_block(rng, block_len=1500):
    """Random filler shared by bulk packets, with prefix sums of its words so
    that a packet's checksum needs no pass over its bytes. The prefix sum
    for an odd length counts the last byte as the high half of a word, as
    checksum padding does."""
    block = rng.randbytes(block_len)
    sums = [0] * (block_len + 1)
    acc = 0
    for n in range(1, block_len + 1):
        if n % 2 == 0:
            acc += (block[n - 2] << 8) | block[n - 1]
            sums[n] = acc
        else:
            sums[n] = acc + (block[n - 1] << 8)
    return block, sums


def mix(outdir, seed, nflows, window_s=60.0):
    """nflows conversations of the classes in MIX_CLASSES, starting uniformly
    over window_s seconds, with Pareto packet counts and lognormal durations;
    some on VLANs, some over IPv6."""
    rng = random.Random(seed * 7919 + 66)
    block, block_sums = _payload_block(rng)
    classes = [c[0] for c in MIX_CLASSES]
    weights = [c[1] for c in MIX_CLASSES]
    info = {c[0]: c for c in MIX_CLASSES}
    flows = []       # per flow: (dir templates, first payloads, packet specs)
    events = []      # (ts_us, flow index, packet index)
    keys = set()
    apps = {}
    total_bytes = 0
    spans = []
    while len(flows) < nflows:
        cls = rng.choices(classes, weights)[0]
        _, _, proto, ports = info[cls]
        v6 = rng.random() < 0.2
        if v6:
            cli = "2001:db8:%x:%x::%x" % (rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(16) + 1)
            srv = "2001:db8:5e::%x" % (rng.getrandbits(12) + 1)
        else:
            cli = "10.%d.%d.%d" % (rng.getrandbits(8), rng.getrandbits(8), rng.getrandbits(8) | 1)
            srv = "203.0.113.%d" % (rng.getrandbits(7) + 1)
        sport = rng.choice(ports)
        cport = 68 if cls == "dhcp" else rng.randint(32768, 60999)
        tags = [(P.TPID_8021Q, rng.randint(1, 4094))] if rng.random() < 0.1 else []
        key = (cli, srv, cport, sport, proto, tuple(tags))
        if key in keys:
            continue
        keys.add(key)
        fi = len(flows)
        c2s = _Dir(cli, srv, cport, sport, proto, tags)
        s2c = _Dir(srv, cli, sport, cport, proto, tags)
        c2s.seq, s2c.seq = rng.getrandbits(32), rng.getrandbits(32)
        first_c, first_s = _first_payloads(rng, cls)
        n = min(int(2 * rng.paretovariate(1.2)), 20000)
        if proto == P.PROTO_UDP:
            n = min(n, 200)
        dur = rng.lognormvariate(0.0, 1.5)
        specs, closing = _packet_specs(rng, proto, n, first_c, first_s)
        start_us = EPOCH_US + int(rng.random() * window_s * 1e6)
        # The body is spread evenly over the duration; a TCP close (FIN,
        # FIN, ACK) follows the last body packet within milliseconds, well
        # inside any TCP linger.
        body = len(specs) - closing
        dur = min(dur, 600.0, 10.0 * (body - 1))
        step_us = int(dur * 1e6) // max(body - 1, 1)
        ts = start_us
        for k in range(body):
            ts = start_us + k * step_us
            events.append((ts, fi, k))
        for k in range(body, len(specs)):
            ts += 1000
            events.append((ts, fi, k))
        spans.append((start_us, ts))
        flows.append((c2s, s2c, specs))
        app = APP_OF.get(cls, cls)
        apps[app] = apps.get(app, 0) + 1
    events.sort()
    path = "%s/mix.pcap" % outdir
    frame_lens = 0
    with open(path, "wb", buffering=1 << 22) as f:
        f.write(pcap.FILE_HEADER)
        parts = []
        for ts, fi, k in events:
            c2s, s2c, specs = flows[fi]
            from_client, flags, plen, payload = specs[k]
            d, o = (c2s, s2c) if from_client else (s2c, c2s)
            if payload is not None:
                frame, ip_len = _frame_with(d, flags, o.seq if flags & P.ACK else 0, payload)
            else:
                frame, ip_len = d.frame(flags, o.seq if flags & P.ACK else 0, plen, block, block_sums)
            total_bytes += ip_len
            frame_lens += len(frame)
            parts.append(_REC.pack(ts // 1000000, ts % 1000000, len(frame), len(frame)))
            parts.append(frame)
            if len(parts) >= 1 << 16:
                f.write(b"".join(parts))
                parts = []
        f.write(b"".join(parts))
    _write_truth(outdir, "mix", {
        "args": [], "packets": len(events), "flows": nflows, "flow_count": nflows, "bytes": total_bytes,
        "apps": dict(sorted(apps.items())), "drops": {}, "max_concurrent_flows": _max_overlap(spans),
        "mean_frame_len": round(frame_lens / max(len(events), 1), 1),
        "note": "flows holds with the default timeouts (idle 15 s, active 1800 s, TCP linger of at least "
                "10 ms): no flow has a gap over 10 s, lasts over 601 s or reuses a key, and a TCP close "
                "takes 3 ms"})
    return path


def _frame_with(d, flags, ack, payload):
    sums = [0] * (len(payload) + 1)
    sums[len(payload)] = _words(payload)
    return d.frame(flags, ack, len(payload), payload, sums)


def _packet_specs(rng, proto, n, first_c, first_s):
    """(from_client, tcp flags, payload length, payload or None) per packet,
    and how many packets at the end are the TCP close."""
    if proto == P.PROTO_UDP:
        specs = [(True, 0, len(first_c), first_c)]
        if n > 1:
            specs.append((False, 0, len(first_s), first_s))
        for _ in range(n - 2):
            specs.append((rng.random() < 0.5, 0, rng.randint(40, 1200), None))
        return specs, 0
    if n < 2:
        return [(True, P.SYN, 0, None)], 0
    specs = [(True, P.SYN, 0, None), (False, P.SYN | P.ACK, 0, None)]
    body = n - 2
    closing = body >= 5
    if closing:
        body -= 3
    if body >= 1:
        specs.append((True, P.PSH | P.ACK, len(first_c), first_c))
    if body >= 2:
        specs.append((False, P.PSH | P.ACK, len(first_s), first_s))
    for _ in range(body - 2):
        if rng.random() < 0.67:
            plen = 1400 if rng.random() < 0.7 else rng.randint(1, 1400)
            specs.append((False, P.ACK, plen, None))
        else:
            specs.append((True, P.ACK, rng.randint(50, 500) if rng.random() < 0.2 else 0, None))
    if closing:
        specs += [(True, P.FIN | P.ACK, 0, None), (False, P.FIN | P.ACK, 0, None), (True, P.ACK, 0, None)]
    return specs, 3 if closing else 0


def _max_overlap(spans):
    ev = [(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans]
    ev.sort(key=lambda e: (e[0], -e[1]))
    cur = best = 0
    for _, d in ev:
        cur += d
        best = max(best, cur)
    return best


def generate(outdir, seed, nflows, k, flood_packets=None, only=None):
    which = only or ["mix", "flood64", "est64"]
    paths = []
    if "mix" in which:
        paths.append(mix(outdir, seed, nflows))
    if "flood64" in which:
        paths.append(flood64(outdir, seed, flood_packets if flood_packets is not None else nflows * k))
    if "est64" in which:
        paths.append(est64(outdir, seed, nflows, k))
    return paths
