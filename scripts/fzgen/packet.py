"""Packet builders: Ethernet, VLAN tags, IPv4, IPv6 and its extension
headers, TCP, UDP, ICMP/ICMPv6, with correct checksums."""
import socket
import struct

ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
ETH_ARP = 0x0806
ETH_PPPOE_SESSION = 0x8864
ETH_MPLS = 0x8847
TPID_8021Q = 0x8100
TPID_8021AD = 0x88A8
TPID_9100 = 0x9100

PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17
PROTO_GRE = 47
PROTO_ESP = 50
PROTO_ICMPV6 = 58
PROTO_NONE = 59
PROTO_SCTP = 132
PROTO_UDPLITE = 136

IPV6_HOPOPTS = 0
IPV6_ROUTING = 43
IPV6_FRAGMENT = 44
IPV6_DSTOPTS = 60

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def addr(ip):
    """Packed bytes of an IPv4 or IPv6 address given as text."""
    return socket.inet_pton(socket.AF_INET6 if ":" in ip else socket.AF_INET, ip)


def ip_version(ip):
    return 6 if ":" in ip else 4


def mac_for(ip):
    """A stable, locally administered MAC address derived from an IP address."""
    b = addr(ip)
    return bytes([0x02, 0x00]) + b[-4:]


def checksum(data, initial=0):
    """RFC 1071 Internet checksum of data (plus an initial partial sum)."""
    if len(data) % 2:
        data += b"\0"
    s = initial + sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pseudo_sum(src, dst, proto, length):
    """Partial sum of the IPv4 or IPv6 pseudo header for L4 checksums."""
    s, d = addr(src), addr(dst)
    if len(s) == 4:
        hdr = s + d + struct.pack("!BBH", 0, proto, length)
    else:
        hdr = s + d + struct.pack("!IxxxB", length, proto)
    return sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr))


def ether(src_mac, dst_mac, ethertype, payload, tags=()):
    """An Ethernet frame; tags is a list of (tpid, tci), outermost first."""
    out = [dst_mac, src_mac]
    for tpid, tci in tags:
        out.append(struct.pack("!HH", tpid, tci))
    out.append(struct.pack("!H", ethertype))
    out.append(payload)
    return b"".join(out)


def ipv4(src, dst, proto, payload, ident=0, frag_off=0, mf=False, df=False, ttl=64,
         options=b"", total_len=None, ihl=None, version=4):
    """An IPv4 packet; frag_off in bytes (multiple of 8). total_len, ihl and
    version may be overridden to build malformed headers."""
    hlen = 20 + len(options)
    if ihl is None:
        ihl = hlen // 4
    if total_len is None:
        total_len = hlen + len(payload)
    flags = (0x2000 if mf else 0) | (0x4000 if df else 0) | (frag_off // 8)
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, total_len, ident, flags, ttl,
                      proto, 0, addr(src), addr(dst)) + options
    csum = checksum(hdr)
    return hdr[:10] + struct.pack("!H", csum) + hdr[12:] + payload


def ipv6(src, dst, next_hdr, payload, hop_limit=64, flow_label=0):
    """An IPv6 packet; payload includes any extension headers."""
    return struct.pack("!IHBB16s16s", (6 << 28) | flow_label, len(payload), next_hdr, hop_limit,
                       addr(src), addr(dst)) + payload


def ext_header(next_hdr, body):
    """A generic IPv6 extension header (hop-by-hop, routing, destination
    options): body is padded with a PadN option to a multiple of 8 bytes."""
    total = 2 + len(body)
    pad = (-total) % 8
    if pad == 1:
        body += b"\0"  # Pad1
    elif pad > 1:
        body += bytes([1, pad - 2]) + b"\0" * (pad - 2)  # PadN
    return struct.pack("!BB", next_hdr, (2 + len(body)) // 8 - 1) + body


def frag_header(next_hdr, offset, more, ident):
    """An IPv6 fragment header; offset in bytes (multiple of 8)."""
    return struct.pack("!BBHI", next_hdr, 0, offset | (1 if more else 0), ident)


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", window=64240, doff=None):
    """A TCP segment with checksum; doff (in 32-bit words) may be overridden."""
    if doff is None:
        doff = 5
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, doff << 4,
                      flags, window, 0, 0)
    seg = hdr + payload
    csum = checksum(seg, pseudo_sum(src, dst, PROTO_TCP, len(seg)))
    return seg[:16] + struct.pack("!H", csum) + seg[18:]


def udp(src, dst, sport, dport, payload=b""):
    """A UDP datagram with checksum."""
    length = 8 + len(payload)
    dgram = struct.pack("!HHHH", sport, dport, length, 0) + payload
    csum = checksum(dgram, pseudo_sum(src, dst, PROTO_UDP, length)) or 0xFFFF
    return dgram[:6] + struct.pack("!H", csum) + dgram[8:]


def icmp_echo(src, dst, reply, ident, seq, data=b""):
    """An ICMP (IPv4) or ICMPv6 echo request/reply with checksum."""
    if ip_version(src) == 4:
        typ = 0 if reply else 8
        msg = struct.pack("!BBHHH", typ, 0, 0, ident, seq) + data
        csum = checksum(msg)
    else:
        typ = 129 if reply else 128
        msg = struct.pack("!BBHHH", typ, 0, 0, ident, seq) + data
        csum = checksum(msg, pseudo_sum(src, dst, PROTO_ICMPV6, len(msg)))
    return msg[:2] + struct.pack("!H", csum) + msg[4:]


def arp_request(sender_mac, sender_ip, target_ip):
    """An ARP who-has request (Ethernet payload)."""
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_IPV4, 6, 4, 1, sender_mac, addr(sender_ip),
                       b"\0" * 6, addr(target_ip))


def pppoe_session(src_mac, dst_mac, ethertype, ip, session=0x1234):
    """An Ethernet frame carrying ip in a PPPoE session (RFC 2516)."""
    proto = 0x0021 if ethertype == ETH_IPV4 else 0x0057
    ppp = struct.pack("!H", proto) + ip
    return dst_mac + src_mac + struct.pack("!HBBHH", ETH_PPPOE_SESSION, 0x11, 0, session, len(ppp)) + ppp


def mpls(labels):
    """An encap function for Flow: Ethernet, then the MPLS label stack."""
    def build(src_mac, dst_mac, ethertype, ip):
        stack = b"".join(struct.pack("!I", (lab << 12) | (1 << 8 if i == len(labels) - 1 else 0) | 64)
                         for i, lab in enumerate(labels))
        return dst_mac + src_mac + struct.pack("!H", ETH_MPLS) + stack + ip
    return build
