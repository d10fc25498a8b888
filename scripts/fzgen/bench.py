"""Benchmark workloads (issue 7): a realistic mix, a 64-byte flood where
every packet is a new flow, and 64-byte established flows.

Speed matters here (a million packets in seconds), so frames are built from
per-flow header templates with struct, checksums are updated arithmetically
instead of recomputed over bytes, and each capture is written through one
buffered file.
"""
import itertools
import json
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


PAYLOAD_POOL = 256
APP_OF = {"unknown-dns": "unknown", "unknown-tcp": "unknown", "unknown-udp": "unknown",
          "bittorrent-dht": "bittorrent"}


_HDR_CACHE = {}


def _hdr_struct(l2len, v6, tcp):
    """One struct for the whole header stack (link, IP, L4) of a frame."""
    key = (l2len, v6, tcp)
    if key not in _HDR_CACHE:
        ip = "IHBB16s16s" if v6 else "BBHHHBBH4s4s"
        l4 = "HHIIBBHHH" if tcp else "HHHH"
        _HDR_CACHE[key] = struct.Struct("!%ds%s%s" % (l2len, ip, l4))
    return _HDR_CACHE[key]


class _Dir:
    """Header template of one direction of a flow, with its partial checksums."""

    def __init__(self, src, dst, sport, dport, proto, tags):
        self.v6 = ":" in src
        s, d = P.addr(src), P.addr(dst)
        self.s, self.d = s, d
        self.proto, self.sport, self.dport = proto, sport, dport
        self.tcp = proto == P.PROTO_TCP
        self.l2 = P.ether(P.mac_for(src), P.mac_for(dst), P.ETH_IPV6 if self.v6 else P.ETH_IPV4, b"", tags)
        self.hdr = _hdr_struct(len(self.l2), self.v6, self.tcp)
        self.addr_sum = _words(s) + _words(d)
        self.ip4_sum = 0x4500 + 0x4000 + (64 << 8) + proto + self.addr_sum
        # Pseudo header and ports: the constant part of the L4 checksum.
        self.l4_sum = self.addr_sum + proto + sport + dport + (0x5000 + 64240 if self.tcp else 0)
        self.seq = 0

    def frame(self, flags, ack, pay, psum):
        """The next frame of this direction carrying pay, whose 16-bit word
        sum is psum; returns (frame, IP-level length)."""
        plen = len(pay)
        if self.tcp:
            l4len = 20 + plen
            seq = self.seq
            c = self.l4_sum + l4len + (seq >> 16) + (seq & 0xFFFF) + (ack >> 16) + (ack & 0xFFFF) + flags + psum
            c = (c & 0xFFFF) + (c >> 16)
            c = ~((c & 0xFFFF) + (c >> 16)) & 0xFFFF
            self.seq = (seq + plen + (1 if flags & 3 else 0)) & 0xFFFFFFFF  # SYN and FIN count 1
            l4 = (self.sport, self.dport, seq, ack, 0x50, flags, 64240, c, 0)
        else:
            l4len = 8 + plen
            c = self.l4_sum + 2 * l4len + psum  # the length is in the pseudo header and the UDP header
            c = (c & 0xFFFF) + (c >> 16)
            c = ~((c & 0xFFFF) + (c >> 16)) & 0xFFFF
            l4 = (self.sport, self.dport, l4len, c or 0xFFFF)
        if self.v6:
            return self.hdr.pack(self.l2, 6 << 28, l4len, self.proto, 64, self.s, self.d, *l4) + pay, 40 + l4len
        ip_len = 20 + l4len
        c = self.ip4_sum + ip_len
        c = (c & 0xFFFF) + (c >> 16)
        c = ~((c & 0xFFFF) + (c >> 16)) & 0xFFFF
        return (self.hdr.pack(self.l2, 0x45, 0, ip_len, 0, 0x4000, 64, self.proto, c, self.s, self.d, *l4) + pay,
                ip_len)


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
    cum = list(itertools.accumulate(c[1] for c in MIX_CLASSES))
    info = {c[0]: c for c in MIX_CLASSES}
    # Building a ClientHello per flow would dominate generation time, so each
    # class draws its first payloads from a pool of PAYLOAD_POOL variants,
    # kept with their checksum word sums.
    pools = {}
    for c in classes:
        pools[c] = []
        for _ in range(PAYLOAD_POOL):
            pc, ps = _first_payloads(rng, c)
            pools[c].append(((pc, _words(pc)), (ps, _words(ps))))
    flows = []       # per flow: (dir templates, first payloads, packet specs)
    events = []      # (ts_us, flow index, packet index)
    keys = set()
    apps = {}
    total_bytes = 0
    spans = []
    while len(flows) < nflows:
        cls = rng.choices(classes, cum_weights=cum)[0]
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
        first_c, first_s = pools[cls][rng.randrange(PAYLOAD_POOL)]
        if proto == P.PROTO_UDP:
            n = min(int(2 * rng.paretovariate(1.2)), 200)
        elif rng.random() < 0.08:
            n = rng.choice((1, 2))  # a connection that never got anywhere
        else:
            n = min(int(3 * rng.paretovariate(1.2)), 20000)
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
        # A flow is named only when it carries its class's payload: a TCP
        # flow of one or two packets (SYN, SYN/ACK) has none.
        app = APP_OF.get(cls, cls) if any(sp[3] is not None for sp in specs) else "unknown"
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
                frame, ip_len = d.frame(flags, o.seq if flags & P.ACK else 0, payload, plen)
            else:
                frame, ip_len = d.frame(flags, o.seq if flags & P.ACK else 0, block[:plen], block_sums[plen])
            total_bytes += ip_len
            flen = len(frame)
            frame_lens += flen
            sec, usec = divmod(ts, 1000000)
            parts.append(_REC.pack(sec, usec, flen, flen))
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


def _packet_specs(rng, proto, n, first_c, first_s):
    """(from_client, tcp flags, n, payload or None) per packet, and how many
    packets at the end are the TCP close. first_c and first_s are (payload,
    word sum). With a payload, n is its word sum; without, n is the length
    of filler to send."""
    rnd = rng.random
    if proto == P.PROTO_UDP:
        specs = [(True, 0, first_c[1], first_c[0])]
        if n > 1:
            specs.append((False, 0, first_s[1], first_s[0]))
        for _ in range(n - 2):
            specs.append((rnd() < 0.5, 0, 40 + int(rnd() * 1161), None))
        return specs, 0
    if n < 2:
        return [(True, P.SYN, 0, None)], 0
    specs = [(True, P.SYN, 0, None), (False, P.SYN | P.ACK, 0, None)]
    body = n - 2
    closing = body >= 5
    if closing:
        body -= 3
    if body >= 1:
        specs.append((True, P.PSH | P.ACK, first_c[1], first_c[0]))
    if body >= 2:
        specs.append((False, P.PSH | P.ACK, first_s[1], first_s[0]))
    for _ in range(body - 2):
        if rnd() < 0.67:
            plen = 1400 if rnd() < 0.7 else 1 + int(rnd() * 1400)
            specs.append((False, P.ACK, plen, None))
        else:
            specs.append((True, P.ACK, 50 + int(rnd() * 451) if rnd() < 0.2 else 0, None))
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
