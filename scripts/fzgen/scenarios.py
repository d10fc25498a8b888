"""Captures for the data-path tests (issue 2): one small capture per
behaviour, each with the exact flow records flowzoo must produce."""
import random
import struct
import zlib

from . import packet as P
from .capture import Capture

# Timeouts every scenario passes to flowzoo, so that the truth does not depend
# on the application's defaults.
IDLE_S = 15
ACTIVE_S = 60
LINGER_S = 2
BASE_ARGS = ["--idle-timeout", str(IDLE_S), "--active-timeout", str(ACTIVE_S),
             "--tcp-linger", str(LINGER_S)]


def _rng(seed, name):
    return random.Random(seed * 1000003 + zlib.crc32(name.encode()))


def _blob(rng, n):
    return rng.randbytes(n)


def _text(rng, n):
    return bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(n))


def clock_flow(cap, t0, t1):
    """A UDP flow with one packet a second from t0 to t1: it moves the packet
    clock past the TCP linger of closed flows so that they end tcp_end
    rather than eof. Its own record ends eof."""
    f = cap.flow("192.0.2.250", "192.0.2.251", P.PROTO_UDP, 9, 9)
    t = t0
    while t <= t1:
        f.udp(t, True, b"tick")
        t += 1.0
    return t1


def _tcp_conversation(f, rng, t, close_from_a=True):
    """Handshake, one request and one response of random sizes, FIN both ways."""
    t = f.handshake(t)
    t = f.exchange(t + 0.01, True, _text(rng, rng.randint(50, 400)))
    t = f.exchange(t + 0.01, False, _text(rng, rng.randint(200, 3000)))
    t = f.close(t + 0.01, close_from_a)
    f.end("tcp_end")
    return t


def vlan(seed):
    """802.1Q: the same 5-tuple on VLAN 100 (priority bits set), VLAN 200 and
    untagged is three flows; a UDP exchange on VLAN 4094."""
    rng = _rng(seed, "vlan")
    cap = Capture(BASE_ARGS)
    sport = rng.randint(32768, 60999)
    t = 0.0
    for tags in ([(P.TPID_8021Q, (5 << 13) | 100)], [(P.TPID_8021Q, 200)], []):
        f = cap.flow("10.0.0.1", "10.0.0.2", P.PROTO_TCP, sport, 80, tags)
        t = _tcp_conversation(f, rng, t + 0.05)
    u = cap.flow("10.0.0.3", "10.0.0.4", P.PROTO_UDP, rng.randint(1024, 65535), 4000,
                 [(P.TPID_8021Q, 4094)])
    for i in range(3):
        u.udp(t + 0.1 * i, True, _blob(rng, 30))
        u.udp(t + 0.1 * i + 0.02, False, _blob(rng, 90))
    clock_flow(cap, t + 1, t + 1 + LINGER_S + 5)
    return cap


def qinq(seed):
    """QinQ: outer 0x88a8 or 0x9100 tag with an inner 0x8100 tag; the inner tag
    is part of the key, so a different inner VLAN is a different flow."""
    rng = _rng(seed, "qinq")
    cap = Capture(BASE_ARGS)
    sport = rng.randint(32768, 60999)
    t = 0.0
    for tags in ([(P.TPID_8021AD, 10), (P.TPID_8021Q, 20)],
                 [(P.TPID_9100, 30), (P.TPID_8021Q, 40)],
                 [(P.TPID_8021AD, 10), (P.TPID_8021Q, 21)]):
        f = cap.flow("10.0.1.1", "10.0.1.2", P.PROTO_TCP, sport, 443, tags)
        t = _tcp_conversation(f, rng, t + 0.05)
    u = cap.flow("10.0.1.3", "10.0.1.4", P.PROTO_UDP, 5000, 5001,
                 [(P.TPID_9100, 4000), (P.TPID_8021Q, 3)])
    for i in range(4):
        u.udp(t + 0.1 * i, i % 2 == 0, _blob(rng, rng.randint(20, 200)))
    clock_flow(cap, t + 1, t + 1 + LINGER_S + 5)
    return cap


def _hbh():
    return (P.IPV6_HOPOPTS, bytes([5, 2, 0, 0]))  # router alert option


def _routing(dst):
    # Type 0, segments left 0: the destination in the IPv6 header is final,
    # and it is also the last address listed, so that checksum tools agree.
    return (P.IPV6_ROUTING, bytes([0, 0, 0, 0, 0, 0]) + P.addr(dst))


def _dstopts():
    return (P.IPV6_DSTOPTS, b"")


def _atomic_frag(ident):
    return (P.IPV6_FRAGMENT, lambda nh: P.frag_header(nh, 0, False, ident))


def ipv6_ext(seed):
    """IPv6 extension headers (hop-by-hop, routing, destination options and
    an atomic fragment header) in front of TCP and UDP."""
    rng = _rng(seed, "ipv6_ext")
    cap = Capture(BASE_ARGS)
    f = cap.flow("2001:db8::1", "2001:db8::2", P.PROTO_TCP, rng.randint(32768, 60999), 8000)
    exts = [_hbh(), _routing("2001:db8::2"), _dstopts()]
    t = 0.0
    f.tcp(t, True, P.SYN, exts=exts)
    f.tcp(t + 0.005, False, P.SYN | P.ACK)
    f.tcp(t + 0.01, True, P.ACK, exts=exts)
    f.tcp(t + 0.02, True, P.PSH | P.ACK, _text(rng, 300), exts=exts)
    f.tcp(t + 0.03, False, P.PSH | P.ACK, _text(rng, 1200), exts=[_dstopts()])
    f.tcp(t + 0.04, True, P.ACK, exts=[_hbh()])
    f.tcp(t + 0.05, True, P.FIN | P.ACK, exts=exts)
    f.tcp(t + 0.06, False, P.FIN | P.ACK)
    f.tcp(t + 0.07, True, P.ACK, exts=exts)
    f.end("tcp_end")
    u = cap.flow("2001:db8::3", "2001:db8::4", P.PROTO_UDP, rng.randint(1024, 65535), 5555)
    for i in range(3):
        u.udp(0.2 + 0.1 * i, True, _blob(rng, 100), exts=[_atomic_frag(0x1000 + i), _dstopts()])
        u.udp(0.25 + 0.1 * i, False, _blob(rng, 60), exts=[_hbh(), _atomic_frag(0x2000 + i)])
    w = cap.flow("2001:db8::5", "2001:db8::6", P.PROTO_UDP, 1234, 5678)
    w.udp(0.6, True, _blob(rng, 10), exts=[_hbh(), _dstopts(), _routing("2001:db8::6"), _dstopts()])
    w.udp(0.61, False, _blob(rng, 10))
    clock_flow(cap, 1, 1 + LINGER_S + 5)
    return cap


def _fragments(f, t, from_a, payload, chunk, ident):
    """Send a UDP datagram as in-order fragments of chunk bytes of IP payload."""
    src, dst = f.ends(from_a)
    sport, dport = f.ports if from_a else f.ports[::-1]
    dgram = P.udp(src, dst, sport, dport, payload)
    for off in range(0, len(dgram), chunk):
        more = off + chunk < len(dgram)
        piece = dgram[off:off + chunk]
        if f.v6:
            f.emit_ip(t, from_a, P.PROTO_UDP, piece,
                      exts=[(P.IPV6_FRAGMENT, lambda nh, o=off, m=more: P.frag_header(nh, o, m, ident))])
        else:
            f.emit_ip(t, from_a, P.PROTO_UDP, piece, frag=(ident, off, more))
        t += 0.0001
    return t


def frags(seed):
    """IPv4 and IPv6 fragmented UDP in order (all fragments count in the flow
    of the first), and later fragments whose first never came (a port-less
    key)."""
    rng = _rng(seed, "frags")
    cap = Capture(BASE_ARGS)
    f4 = cap.flow("10.1.0.1", "10.1.0.2", P.PROTO_UDP, rng.randint(32768, 60999), 5000)
    t = _fragments(f4, 0.0, True, _blob(rng, 3000), 1480, 0x4242)
    f4.udp(t + 0.01, False, _blob(rng, 40))
    t = _fragments(f4, t + 0.02, False, _blob(rng, 2000), 1000, 0x4343)
    f6 = cap.flow("2001:db8:1::1", "2001:db8:1::2", P.PROTO_UDP, rng.randint(32768, 60999), 5001)
    t = _fragments(f6, t + 0.05, True, _blob(rng, 4000), 1232, 0x10001)
    f6.udp(t + 0.01, False, _blob(rng, 40))
    # Orphans: a datagram whose first fragment was lost. They count under the
    # key without ports.
    o4 = cap.flow("10.1.0.3", "10.1.0.4", P.PROTO_UDP)
    o4.emit_ip(t + 0.1, True, P.PROTO_UDP, _blob(rng, 1480), frag=(0x5151, 1480, True))
    o4.emit_ip(t + 0.1001, True, P.PROTO_UDP, _blob(rng, 100), frag=(0x5151, 2960, False))
    o6 = cap.flow("2001:db8:1::3", "2001:db8:1::4", P.PROTO_UDP)
    o6.emit_ip(t + 0.2, True, P.PROTO_UDP, _blob(rng, 500),
               exts=[(P.IPV6_FRAGMENT, lambda nh: P.frag_header(nh, 1232, False, 0x20002))])
    return cap


def tcp_reuse(seed):
    """FIN both ways then a new SYN on the same 5-tuple: two records; RST then
    SYN: two records; a lone RST ends its flow after the linger."""
    rng = _rng(seed, "tcp_reuse")
    cap = Capture(BASE_ARGS)
    f = cap.flow("10.2.0.1", "10.2.0.2", P.PROTO_TCP, rng.randint(32768, 60999), 80)
    t = _tcp_conversation(f, rng, 0.0)
    f.new_connection(rng.getrandbits(32), rng.getrandbits(32))
    t = f.handshake(t + 0.5)
    t = f.exchange(t + 0.01, True, _text(rng, 200))
    f.tcp(t + 0.01, False, P.RST | P.ACK)
    f.end("tcp_end")
    f.new_connection(rng.getrandbits(32), rng.getrandbits(32))
    t = f.handshake(t + 0.5)
    t = f.exchange(t + 0.01, True, _text(rng, 100))
    t = f.exchange(t + 0.01, False, _text(rng, 900))
    t = f.close(t + 0.01, from_a=False)
    f.end("tcp_end")
    g = cap.flow("10.2.0.1", "10.2.0.2", P.PROTO_TCP, rng.randint(32768, 60999), 80)
    t = g.handshake(t + 0.1)
    g.tcp(t + 0.01, True, P.RST)
    g.end("tcp_end")
    clock_flow(cap, t + 1, t + 1 + LINGER_S + 5)
    return cap


def idle(seed):
    """A gap longer than the idle timeout splits a flow: the first record ends
    idle and the next packet (here from the former responder) starts a new
    one; a gap shorter than the timeout does not."""
    rng = _rng(seed, "idle")
    cap = Capture(BASE_ARGS)
    u = cap.flow("10.3.0.1", "10.3.0.2", P.PROTO_UDP, rng.randint(1024, 65535), 6000)
    for i in range(3):
        u.udp(i * 1.0, True, _blob(rng, 50))
        u.udp(i * 1.0 + 0.01, False, _blob(rng, 80))
    u.end("idle")
    for i in range(3):
        u.udp(22.0 + i, False, _blob(rng, 70))
        u.udp(22.01 + i, True, _blob(rng, 30))
    c = cap.flow("10.3.0.3", "10.3.0.4", P.PROTO_UDP, rng.randint(1024, 65535), 7000)
    for t in (0.5, 12.5, 24.5):  # gaps of 12 s: one record
        c.udp(t, True, _blob(rng, 20))
        c.udp(t + 0.01, False, _blob(rng, 20))
    k = cap.flow("10.3.0.5", "10.3.0.6", P.PROTO_TCP, rng.randint(32768, 60999), 22)
    t = k.handshake(0.2)
    k.exchange(t + 0.01, True, _blob(rng, 64))
    k.end("idle")
    k.exchange(20.0, True, _blob(rng, 64))
    k.exchange(21.0, False, _blob(rng, 64))
    return cap


def active(seed):
    """A flow longer than the active timeout is exported (end reason active)
    and continues as a new record that starts with the packet that crossed
    the timeout; both a UDP and a TCP flow, crossing packets from the
    initiator."""
    rng = _rng(seed, "active")
    cap = Capture(BASE_ARGS)
    u = cap.flow("10.5.0.1", "10.5.0.2", P.PROTO_UDP, rng.randint(1024, 65535), 7777)
    first = 0.0
    for i in range(22):  # packets every 7 s, 0 .. 147
        t = 7.0 * i
        if t - first >= ACTIVE_S:
            u.end("active")
            first = t
        u.udp(t, True, _blob(rng, rng.randint(20, 200)))
        u.udp(t + 0.1, False, _blob(rng, rng.randint(20, 200)))
    k = cap.flow("10.5.0.3", "10.5.0.4", P.PROTO_TCP, rng.randint(32768, 60999), 443)
    first = 1.0
    k.handshake(1.0)
    for i in range(22):  # data every 7 s, 2 .. 149
        t = 2.0 + 7.0 * i
        if t - first >= ACTIVE_S:
            k.end("active")
            first = t
        k.exchange(t, True, _blob(rng, rng.randint(20, 500)), rtt=0.1)
    return cap


def malformed(seed):
    """Frames that are not flow packets, each counted under its parse status.
    Nothing here depends on the seed."""
    cap = Capture(BASE_ARGS)
    sm, dm = P.mac_for("10.6.0.1"), P.mac_for("10.6.0.2")
    good4 = P.ipv4("10.6.0.1", "10.6.0.2", P.PROTO_UDP, P.udp("10.6.0.1", "10.6.0.2", 1, 2, b"x" * 20))
    t = 0.0
    cap.add(t, P.ether(sm, dm, P.ETH_IPV4, good4)[:14 + 12], drop="truncated_ip")
    cap.add(t + 0.01, P.ether(sm, dm, P.ETH_IPV4, good4)[:10], drop="truncated_l2")
    bad_ihl = P.ipv4("10.6.0.1", "10.6.0.2", P.PROTO_UDP, P.udp("10.6.0.1", "10.6.0.2", 1, 2, b"y" * 20),
                     ihl=4)
    cap.add(t + 0.02, P.ether(sm, dm, P.ETH_IPV4, bad_ihl), drop="bad_ip_header_length")
    bad_ver = P.ipv4("10.6.0.1", "10.6.0.2", P.PROTO_UDP, P.udp("10.6.0.1", "10.6.0.2", 1, 2, b"z" * 20),
                     version=5)
    cap.add(t + 0.03, P.ether(sm, dm, P.ETH_IPV4, bad_ver), drop="bad_ip_version")
    bad_len = P.ipv4("10.6.0.1", "10.6.0.2", P.PROTO_UDP, P.udp("10.6.0.1", "10.6.0.2", 1, 2, b"w" * 20),
                     total_len=12)
    cap.add(t + 0.04, P.ether(sm, dm, P.ETH_IPV4, bad_len), drop="bad_ip_total_length")
    for i, doff in enumerate((4, 2)):
        seg = P.tcp("10.6.0.1", "10.6.0.2", 40000 + i, 80, 1, 0, P.SYN, doff=doff)
        cap.add(t + 0.05 + 0.01 * i, P.ether(sm, dm, P.ETH_IPV4, P.ipv4("10.6.0.1", "10.6.0.2",
                                                                            P.PROTO_TCP, seg)),
                drop="bad_tcp_header_length")
    # An IPv4 packet whose (consistent) total length leaves room for only
    # 10 bytes of TCP header.
    short = P.tcp("10.6.0.1", "10.6.0.2", 40010, 80, 1, 0, P.SYN)[:10]
    cap.add(t + 0.08, P.ether(sm, dm, P.ETH_IPV4, P.ipv4("10.6.0.1", "10.6.0.2", P.PROTO_TCP, short)),
            drop="truncated_l4")
    six = P.ipv6("2001:db8:6::1", "2001:db8:6::2", P.PROTO_UDP,
                 P.udp("2001:db8:6::1", "2001:db8:6::2", 1, 2, b"v" * 8))
    cap.add(t + 0.09, P.ether(P.mac_for("2001:db8:6::1"), P.mac_for("2001:db8:6::2"), P.ETH_IPV6,
                              six)[:14 + 30], drop="truncated_ip")
    for i in range(3):
        who = "10.6.0.%d" % (10 + i)
        cap.add(t + 0.1 + 0.01 * i, P.ether(P.mac_for(who), b"\xff" * 6, P.ETH_ARP,
                                            P.arp_request(P.mac_for(who), who, "10.6.0.1")),
                drop="non_ip")
    return cap


def icmp(seed):
    """ICMP and ICMPv6 echo both ways are one flow each with ports 0; GRE
    (both ways) and ESP (one way) are port-less flows."""
    rng = _rng(seed, "icmp")
    cap = Capture(BASE_ARGS)
    ident = rng.randint(1, 65535)
    f = cap.flow("10.7.0.1", "10.7.0.2", P.PROTO_ICMP)
    for i in range(4):
        data = _blob(rng, 56)
        f.raw(i * 1.0, True, P.icmp_echo("10.7.0.1", "10.7.0.2", False, ident, i + 1, data))
        f.raw(i * 1.0 + 0.002, False, P.icmp_echo("10.7.0.2", "10.7.0.1", True, ident, i + 1, data))
    g = cap.flow("2001:db8:7::1", "2001:db8:7::2", P.PROTO_ICMPV6)
    for i in range(3):
        data = _blob(rng, 32)
        g.raw(0.5 + i, True, P.icmp_echo("2001:db8:7::1", "2001:db8:7::2", False, ident, i, data))
        g.raw(0.503 + i, False, P.icmp_echo("2001:db8:7::2", "2001:db8:7::1", True, ident, i, data))
    gre = cap.flow("10.7.0.5", "10.7.0.6", P.PROTO_GRE)
    for i in range(3):
        inner = P.ipv4("172.16.0.1", "172.16.0.2", P.PROTO_UDP,
                       P.udp("172.16.0.1", "172.16.0.2", 1000 + i, 53, _blob(rng, 30)))
        gre.raw(0.2 + i, i % 2 == 1, struct.pack("!HH", 0, P.ETH_IPV4) + inner)
    esp = cap.flow("10.7.0.7", "10.7.0.8", P.PROTO_ESP)
    for i in range(2):
        esp.raw(0.3 + i, True, struct.pack("!II", 0x1000, i + 1) + _blob(rng, 64))
    return cap


SCENARIOS = {
    "vlan": vlan,
    "qinq": qinq,
    "ipv6_ext": ipv6_ext,
    "frags": frags,
    "tcp_reuse": tcp_reuse,
    "idle": idle,
    "active": active,
    "malformed": malformed,
    "icmp": icmp,
}


def all_scenarios():
    from .scenarios_extra import EXTRA
    out = dict(SCENARIOS)
    out.update(EXTRA)
    return out


def generate(outdir, seed, names=None):
    """Write every scenario (or those named) into outdir; returns the paths."""
    table = all_scenarios()
    return [table[name](seed).write(outdir, name) for name in names or table]
