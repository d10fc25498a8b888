"""More data-path scenarios: timeout boundaries, eviction, TCP corner
cases, link-layer encapsulations, IPv4 options, padding and snap length,
fragment order, and the remaining malformed cases of docs/parser.md."""
import struct

from . import packet as P
from .capture import Capture
from .scenarios import ACTIVE_S, BASE_ARGS, IDLE_S, LINGER_S, _blob, _rng, _text, clock_flow


def timeout_edges(seed):
    """Exactly at the boundaries: a gap of exactly the idle timeout does not
    split a flow, one microsecond more does; a packet exactly the active
    timeout after the first starts the continuation record, one microsecond
    earlier does not."""
    rng = _rng(seed, "timeout_edges")
    cap = Capture(BASE_ARGS)
    x = cap.flow("10.8.0.1", "10.8.0.2", P.PROTO_UDP, rng.randint(1024, 65535), 8000)
    x.udp(0.0, True, _blob(rng, 40))
    x.udp(float(IDLE_S), True, _blob(rng, 40))            # gap == idle: same record
    x.end("idle")
    x.udp(2 * IDLE_S + 0.000001, True, _blob(rng, 40))    # gap == idle + 1 us: new record
    for t in (40.0, 50.0, 60.0, 70.0):
        x.udp(t, False, _blob(rng, 40))
    y = cap.flow("10.8.0.3", "10.8.0.4", P.PROTO_UDP, rng.randint(1024, 65535), 8001)
    for t in (0.5, 10.5, 20.5, 30.5, 40.5, 50.5, 0.5 + ACTIVE_S - 0.000001):
        y.udp(t, True, _blob(rng, 30))
        y.udp(t + 0.0001 if t < 50 else t - 0.2, False, _blob(rng, 30))
    y.end("active")
    for t in (0.5 + ACTIVE_S, 70.5):
        y.udp(t, True, _blob(rng, 30))
    return cap


def evict(seed):
    """A table of 4 flows: a fifth flow evicts the least recently active one
    (end reason evicted); an evicted flow that comes back is a new record."""
    rng = _rng(seed, "evict")
    cap = Capture(BASE_ARGS + ["--flows-per-worker", "4"])
    fl = {}
    for i, name in enumerate("ABCDEF"):
        fl[name] = cap.flow("10.9.0.%d" % (i + 1), "10.9.1.1", P.PROTO_UDP, 10000 + i, 53)
    t = 0.0
    for name in "ABCD":
        fl[name].udp(t, True, _blob(rng, 20))
        t += 0.1
    fl["A"].udp(t, False, _blob(rng, 20))     # A is now the most recent
    t += 0.1
    fl["B"].end("evicted")                     # E evicts B (last seen at 0.1)
    fl["E"].udp(t, True, _blob(rng, 20))
    t += 0.1
    fl["C"].end("evicted")                     # F evicts C
    fl["F"].udp(t, True, _blob(rng, 20))
    t += 0.1
    fl["D"].end("evicted")                     # B comes back, evicts D
    fl["B"].udp(t, True, _blob(rng, 20))
    fl["B"].udp(t + 0.01, False, _blob(rng, 20))
    return cap


def tcp_edge(seed):
    """TCP corner cases: a SYN after a FIN in one direction only stays in
    the record; a SYN/ACK within the linger after FIN both ways stays in the
    record; a packet after the linger is over starts a new record; after an
    RST, a SYN from the former responder starts a record it initiates."""
    rng = _rng(seed, "tcp_edge")
    cap = Capture(BASE_ARGS)
    f = cap.flow("10.10.0.1", "10.10.0.2", P.PROTO_TCP, rng.randint(32768, 60999), 80)
    t = f.handshake(0.0)
    t = f.exchange(t + 0.01, True, _text(rng, 100))
    f.tcp(t + 0.01, True, P.FIN | P.ACK)        # half close
    f.new_connection(rng.getrandbits(32), rng.getrandbits(32))
    t = f.handshake(t + 0.5)                     # SYN without FIN from b: same record
    t = f.exchange(t + 0.01, True, _text(rng, 100))
    t = f.close(t + 0.01)
    f.tcp(t + 0.5, False, P.SYN | P.ACK)         # SYN/ACK in the linger: same record
    f.end("tcp_end")
    late = t + 0.5 + LINGER_S + 2.0
    f.tcp(late, False, P.FIN | P.ACK)            # after the linger: a new record from b
    # After an RST the former responder opens a connection on the same
    # ports: the new record's initiator is the new SYN's sender.
    r = cap.flow("10.10.0.3", "10.10.0.4", P.PROTO_TCP, 5060, 5061)
    t = r.handshake(0.2)
    r.tcp(t + 0.01, True, P.RST | P.ACK)
    r.end("tcp_end")
    r.new_connection(rng.getrandbits(32), rng.getrandbits(32))
    r.tcp(t + 0.5, False, P.SYN)
    r.tcp(t + 0.505, True, P.SYN | P.ACK)
    r.tcp(t + 0.51, False, P.ACK)
    r.close(t + 0.6, from_a=False)
    r.end("tcp_end")
    clock_flow(cap, late + 1, late + 6)
    return cap


def ipv4_misc(seed):
    """IPv4 options, Ethernet padding of short frames, a capture snap length,
    UDP-Lite (ports), SCTP and IPv6 "no next header" (no ports): bytes are
    always what the IP header states."""
    rng = _rng(seed, "ipv4_misc")
    cap = Capture(BASE_ARGS)
    f = cap.flow("10.11.0.1", "10.11.0.2", P.PROTO_TCP, rng.randint(32768, 60999), 443)
    ra = b"\x94\x04\x00\x00"                     # router alert: IHL 6
    nops = b"\x01" * 39 + b"\x00"                # 40 bytes of options: IHL 15
    t = 0.0
    for i, opts in enumerate((ra, nops, b"", ra)):
        src, dst = f.ends(i % 2 == 0)
        sport, dport = f.ports if i % 2 == 0 else f.ports[::-1]
        seg = P.tcp(src, dst, sport, dport, 1000 + i, 2000 + i, P.ACK | (P.SYN if i == 0 else 0),
                    _text(rng, 30 * i))
        ip = P.ipv4(src, dst, P.PROTO_TCP, seg, ident=i + 1, options=opts)
        cap.add(t, P.ether(P.mac_for(src), P.mac_for(dst), P.ETH_IPV4, ip))
        f.account(cap.us(t), i % 2 == 0, len(ip), seg[13])
        t += 0.01
    p = cap.flow("10.11.0.3", "10.11.0.4", P.PROTO_TCP, rng.randint(32768, 60999), 22)
    p.pad_to = 60                               # 54-byte ACKs padded to 60
    t = p.handshake(0.1)
    p.exchange(t + 0.01, True, b"x")            # 55 bytes, padded too
    s = cap.flow("10.11.0.5", "10.11.0.6", P.PROTO_UDP, rng.randint(1024, 65535), 9999)
    s.snap = 96                                  # snap length 96: bytes still full
    for i in range(3):
        s.udp(0.2 + 0.01 * i, i != 1, _blob(rng, 1400))
    u = cap.flow("10.11.0.7", "10.11.0.8", P.PROTO_UDPLITE, 5000, 5001)
    for i in range(2):
        src, dst = u.ends(i == 0)
        sp, dp = (5000, 5001) if i == 0 else (5001, 5000)
        u.emit_ip(0.3 + 0.01 * i, i == 0, P.PROTO_UDPLITE, struct.pack("!HHHH", sp, dp, 8, 0) + _blob(rng, 30))
    sc = cap.flow("10.11.0.9", "10.11.0.10", P.PROTO_SCTP)
    sc.raw(0.4, True, struct.pack("!HHII", 3868, 3868, 0, 0) + _blob(rng, 20))
    sc.raw(0.41, False, struct.pack("!HHII", 3868, 3868, 1, 0) + _blob(rng, 20))
    nn = cap.flow("2001:db8:11::1", "2001:db8:11::2", P.PROTO_NONE)
    nn.raw(0.5, True, b"")
    return cap


def encaps(seed):
    """IP inside PPPoE sessions and MPLS label stacks is parsed; PPP control
    and an MPLS pseudowire (Ethernet under the labels) are non_ip."""
    rng = _rng(seed, "encaps")
    cap = Capture(BASE_ARGS)
    pp = cap.flow("100.64.0.1", "198.51.100.1", P.PROTO_UDP, rng.randint(1024, 65535), 4433)
    pp.encap = P.pppoe_session
    for i in range(3):
        pp.udp(0.01 * i, i != 1, _blob(rng, 100))
    p6 = cap.flow("2001:db8:12::1", "2001:db8:12::2", P.PROTO_TCP, rng.randint(32768, 60999), 80)
    p6.encap = P.pppoe_session
    p6.handshake(0.05)
    m = cap.flow("10.12.0.1", "10.12.0.2", P.PROTO_TCP, rng.randint(32768, 60999), 179)
    m.encap = P.mpls([16001, 24002])
    t = m.handshake(0.1)
    m.exchange(t + 0.01, True, _blob(rng, 60))
    m6 = cap.flow("2001:db8:12::3", "2001:db8:12::4", P.PROTO_UDP, 1000, 2000)
    m6.encap = P.mpls([3000])
    m6.udp(0.2, True, _blob(rng, 50))
    sm, dm = P.mac_for("10.12.0.9"), P.mac_for("10.12.0.10")
    lcp = struct.pack("!HBBHH", P.ETH_PPPOE_SESSION, 0x11, 0, 0x1234, 6) + b"\xc0\x21\x09\x01\x00\x04"
    cap.add(0.3, dm + sm + lcp, drop="non_ip")
    inner = P.ether(sm, dm, P.ETH_IPV4, P.ipv4("10.12.0.9", "10.12.0.10", P.PROTO_UDP,
                                               P.udp("10.12.0.9", "10.12.0.10", 1, 2, b"pw")))
    pw = dm + sm + struct.pack("!HI", P.ETH_MPLS, (5000 << 12) | (1 << 8) | 64) + inner
    cap.add(0.31, pw, drop="non_ip")
    return cap


def frag_order(seed):
    """Fragment order: a later fragment seen before its first counts under
    the port-less key; a later fragment more than 30 s after its first does
    too."""
    rng = _rng(seed, "frag_order")
    cap = Capture(["--idle-timeout", "60", "--active-timeout", "600", "--tcp-linger", str(LINGER_S)])
    f = cap.flow("10.13.0.1", "10.13.0.2", P.PROTO_UDP, rng.randint(32768, 60999), 7000)
    orphan = cap.flow("10.13.0.1", "10.13.0.2", P.PROTO_UDP)
    dgram = P.udp("10.13.0.1", "10.13.0.2", f.ports[0], 7000, _blob(rng, 2000))
    orphan.emit_ip(0.0, True, P.PROTO_UDP, dgram[1480:], frag=(0x77, 1480, False))
    f.emit_ip(0.001, True, P.PROTO_UDP, dgram[:1480], frag=(0x77, 0, True))
    dgram2 = P.udp("10.13.0.1", "10.13.0.2", f.ports[0], 7000, _blob(rng, 2000))
    f.emit_ip(1.0, True, P.PROTO_UDP, dgram2[:1480], frag=(0x78, 0, True))
    f.udp(20.0, False, _blob(rng, 30))
    orphan.emit_ip(31.5, True, P.PROTO_UDP, dgram2[1480:], frag=(0x78, 1480, False))
    f.udp(32.0, True, _blob(rng, 30))
    return cap


def malformed_more(seed):
    """The rest of docs/parser.md's parse outcomes, one or two frames each."""
    rng = _rng(seed, "malformed_more")
    cap = Capture(BASE_ARGS)
    a4, b4, a6, b6 = "10.14.0.1", "10.14.0.2", "2001:db8:14::1", "2001:db8:14::2"
    sm, dm = P.mac_for(a4), P.mac_for(b4)
    udp4 = P.ipv4(a4, b4, P.PROTO_UDP, P.udp(a4, b4, 1, 2, _blob(rng, 20)))
    t = [0.0]

    def add(frame, why):
        cap.add(t[0], frame, drop=why)
        t[0] += 0.01
    three = [(P.TPID_8021AD, 1), (P.TPID_8021Q, 2), (P.TPID_8021Q, 3)]
    add(P.ether(sm, dm, P.ETH_IPV4, udp4, three), "too_many_vlans")
    add(P.ether(sm, dm, P.ETH_IPV4, udp4, [(P.TPID_8021Q, 7)])[:16], "truncated_l2")
    add(P.ether(sm, dm, P.ETH_IPV4, b""), "truncated_ip")
    add(P.ether(sm, dm, P.ETH_IPV4, P.ipv6(a6, b6, P.PROTO_UDP, P.udp(a6, b6, 1, 2, b"x" * 8))),
        "bad_ip_version")
    # IHL 15 (60 bytes) in a 48-byte IPv4 packet: options run past the frame.
    add(P.ether(sm, dm, P.ETH_IPV4, P.ipv4(a4, b4, P.PROTO_UDP, P.udp(a4, b4, 1, 2, b"y" * 20), ihl=15)),
        "bad_ip_header_length")
    # A destination-options header longer than the payload length says.
    dst = P.ext_header(P.PROTO_UDP, b"\x01\x04\0\0\0\0")
    bad = bytearray(P.ipv6(a6, b6, P.IPV6_DSTOPTS, dst + P.udp(a6, b6, 1, 2, b"z" * 8)))
    bad[40 + 1] = 10                             # claims 88 bytes
    sm6, dm6 = P.mac_for(a6), P.mac_for(b6)
    add(P.ether(sm6, dm6, P.ETH_IPV6, bytes(bad)), "bad_ipv6_extension")
    # Hop-by-hop after a destination-options header.
    chain = P.ext_header(P.IPV6_HOPOPTS, b"") + P.ext_header(P.PROTO_UDP, b"") + P.udp(a6, b6, 1, 2, b"w")
    add(P.ether(sm6, dm6, P.ETH_IPV6, P.ipv6(a6, b6, P.IPV6_DSTOPTS, chain)), "bad_ipv6_extension")
    # Two fragment headers.
    chain = (P.frag_header(P.IPV6_FRAGMENT, 0, False, 1) + P.frag_header(P.PROTO_UDP, 0, False, 2)
             + P.udp(a6, b6, 1, 2, b"v"))
    add(P.ether(sm6, dm6, P.ETH_IPV6, P.ipv6(a6, b6, P.IPV6_FRAGMENT, chain)), "bad_ipv6_extension")
    # TCP data offset 15 (60 bytes) on a 20-byte segment.
    seg = P.tcp(a4, b4, 40000, 80, 1, 0, P.SYN, doff=15)
    add(P.ether(sm, dm, P.ETH_IPV4, P.ipv4(a4, b4, P.PROTO_TCP, seg)), "bad_tcp_header_length")
    # A first fragment that cuts the TCP header after 8 bytes.
    seg = P.tcp(a4, b4, 40001, 80, 1, 0, P.SYN, b"q" * 40)
    add(P.ether(sm, dm, P.ETH_IPV4, P.ipv4(a4, b4, P.PROTO_TCP, seg[:8], ident=9, mf=True)), "truncated_l4")
    # ICMP with 2 bytes, UDP with 6.
    add(P.ether(sm, dm, P.ETH_IPV4, P.ipv4(a4, b4, P.PROTO_ICMP, b"\x08\x00")), "truncated_l4")
    add(P.ether(sm, dm, P.ETH_IPV4, P.ipv4(a4, b4, P.PROTO_UDP, b"\x00\x01\x00\x02\x00\x0e")), "truncated_l4")
    # LLDP and an 802.3 length frame with LLC.
    add(dm + sm + struct.pack("!H", 0x88CC) + b"\x02\x07\x04" + sm + b"\x00" * 20, "non_ip")
    add(dm + sm + struct.pack("!H", 38) + b"\x42\x42\x03" + b"\x00" * 35, "non_ip")
    return cap


def frag_more(seed):
    """More fragments: IPv6 whose fragmentable part starts with a
    destination-options header (later fragments name that header, not UDP,
    and still join the flow); a fragmented ICMP echo and its fragmented
    reply; two sources using the same IPv4 fragment id at once."""
    rng = _rng(seed, "frag_more")
    cap = Capture(BASE_ARGS)
    f6 = cap.flow("2001:db8:15::1", "2001:db8:15::2", P.PROTO_UDP, rng.randint(32768, 60999), 6000)
    part = P.ext_header(P.PROTO_UDP, b"") + P.udp(f6.a, f6.b, f6.ports[0], 6000, _blob(rng, 2000))
    for off in range(0, len(part), 1232):
        more = off + 1232 < len(part)
        f6.emit_ip(0.01 * off / 1232, True, P.IPV6_DSTOPTS, part[off:off + 1232],
                   exts=[(P.IPV6_FRAGMENT, lambda nh, o=off, m=more: P.frag_header(nh, o, m, 0xABCD))])
    f6.udp(0.05, False, _blob(rng, 20))
    ping = cap.flow("10.15.0.1", "10.15.0.2", P.PROTO_ICMP)
    for i, reply in enumerate((False, True)):
        src, dst = ping.ends(not reply)
        msg = P.icmp_echo(src, dst, reply, 77, 1, _blob(rng, 2900))
        for off in range(0, len(msg), 1480):
            ping.emit_ip(0.1 + 0.01 * i + 0.001 * off / 1480, not reply, P.PROTO_ICMP, msg[off:off + 1480],
                         frag=(0x900 + i, off, off + 1480 < len(msg)))
    fa = cap.flow("10.15.0.3", "10.15.0.9", P.PROTO_UDP, 1111, 53)
    fb = cap.flow("10.15.0.4", "10.15.0.9", P.PROTO_UDP, 2222, 53)
    da = P.udp(fa.a, fa.b, 1111, 53, _blob(rng, 2000))
    db = P.udp(fb.a, fb.b, 2222, 53, _blob(rng, 2000))
    fa.emit_ip(0.2, True, P.PROTO_UDP, da[:1480], frag=(0x55, 0, True))
    fb.emit_ip(0.201, True, P.PROTO_UDP, db[:1480], frag=(0x55, 0, True))
    fb.emit_ip(0.202, True, P.PROTO_UDP, db[1480:], frag=(0x55, 1480, False))
    fa.emit_ip(0.203, True, P.PROTO_UDP, da[1480:], frag=(0x55, 1480, False))
    return cap


def vlan_prio(seed):
    """Priority tags: 802.1Q with VLAN id 0 (only the priority bits set) is
    VLAN 0, so a conversation tagged one way and untagged the other is one
    flow."""
    rng = _rng(seed, "vlan_prio")
    cap = Capture(BASE_ARGS)
    f = cap.flow("10.16.0.1", "10.16.0.2", P.PROTO_UDP, rng.randint(1024, 65535), 5060)
    for i in range(4):
        f.tags = [(P.TPID_8021Q, 6 << 13)] if i % 2 == 0 else []
        f.udp(0.01 * i, i % 2 == 0, _blob(rng, 60))
    f.tags = []
    return cap


def expiry_mass(seed):
    """5000 UDP flows go quiet and 2000 TCP connections close (FIN both
    ways) within the first two seconds; a clock flow keeps packets coming
    for 25 s more. Every UDP flow must end idle and every TCP flow tcp_end
    (not eof): expiry keeps up with many flows ending at once."""
    rng = _rng(seed, "expiry_mass")
    cap = Capture(BASE_ARGS)
    for i in range(5000):
        f = cap.flow("10.17.%d.%d" % (i >> 8, i & 255), "10.18.0.1", P.PROTO_UDP, 20000 + i % 30000, 53)
        f.udp(i * 0.0002, True, _blob(rng, 8))
        f.end("idle")
    for i in range(2000):
        f = cap.flow("10.19.%d.%d" % (i >> 8, i & 255), "10.18.0.2", P.PROTO_TCP, 30000 + i, 443)
        t = f.handshake(i * 0.0005)
        f.close(t + 0.01)
        f.end("tcp_end")
    clock_flow(cap, 2.0, 2.0 + IDLE_S + 10)
    return cap


def jumbo(seed):
    """Big frames: a 9000-byte IPv4 packet, a 60 kB UDP datagram as a
    capture host's GRO hands it to the capture, and TCP segments captured on
    a sender with segmentation offload, whose IPv4 total length (IPv6
    payload length) is 0: those count the bytes captured (parser.md)."""
    rng = _rng(seed, "jumbo")
    cap = Capture(BASE_ARGS)
    f = cap.flow("10.30.0.1", "10.30.0.2", P.PROTO_UDP, rng.randint(1024, 65535), 2000)
    f.udp(0.0, True, _blob(rng, 100))
    f.udp(0.1, True, _blob(rng, 8972))
    f.udp(0.2, False, _blob(rng, 60000))
    f.udp(0.3, False, _blob(rng, 100))
    k = cap.flow("10.30.0.3", "10.30.0.4", P.PROTO_TCP, rng.randint(32768, 60999), 443)
    t = k.handshake(0.4)
    seg = P.tcp(k.a, k.b, k.ports[0], 443, k.seq[0], k.seq[1], P.PSH | P.ACK, _blob(rng, 20000))
    ip = P.ipv4(k.a, k.b, P.PROTO_TCP, seg, ident=7, total_len=0)
    cap.add(t + 0.01, P.ether(P.mac_for(k.a), P.mac_for(k.b), P.ETH_IPV4, ip))
    k.account(cap.us(t + 0.01), True, len(ip), P.PSH | P.ACK)
    k6 = cap.flow("2001:db8:30::1", "2001:db8:30::2", P.PROTO_TCP, rng.randint(32768, 60999), 443)
    t = k6.handshake(0.5)
    seg = P.tcp(k6.a, k6.b, k6.ports[0], 443, k6.seq[0], k6.seq[1], P.PSH | P.ACK, _blob(rng, 30000))
    ip = bytearray(P.ipv6(k6.a, k6.b, P.PROTO_TCP, seg))
    ip[4:6] = b"\0\0"
    cap.add(t + 0.01, P.ether(P.mac_for(k6.a), P.mac_for(k6.b), P.ETH_IPV6, bytes(ip)))
    k6.account(cap.us(t + 0.01), True, len(ip), P.PSH | P.ACK)
    return cap


EXTRA = {
    "timeout_edges": timeout_edges,
    "evict": evict,
    "tcp_edge": tcp_edge,
    "ipv4_misc": ipv4_misc,
    "encaps": encaps,
    "frag_order": frag_order,
    "malformed_more": malformed_more,
    "frag_more": frag_more,
    "vlan_prio": vlan_prio,
    "expiry_mass": expiry_mass,
    "jumbo": jumbo,
}
