"""A capture under construction and the truth that goes with it.

Scenario code declares conversations (Flow) and says, by intent, where a
record ends and why (Flow.end). The packet counters, bytes, flags and times
of each expected record are summed here from the packets actually written,
so the truth always matches the bytes in the pcap.
"""
import json

from . import packet as P
from . import pcap

# 2023-11-14 22:13:20 UTC: a fixed, plausible start of every capture.
EPOCH_US = 1700000000 * 1000000


class Capture:
    def __init__(self, args=(), t0_us=EPOCH_US):
        self.t0_us = t0_us
        self.args = list(args)
        self.frames = []  # (ts_us, seq, frame, orig_len)
        self.flows = []
        self.drops = {}
        # Summary counters the capture determines besides drops.
        self.counters = {"fragments": 0, "fragments_unmatched": 0}

    def us(self, t):
        """Absolute timestamp in microseconds of t seconds after the start."""
        return self.t0_us + int(round(t * 1000000))

    def add(self, t, frame, orig_len=None, drop=None):
        """Add a frame at t seconds; drop names the parse status it must be
        counted under when it is not a flow packet."""
        self.frames.append((self.us(t), len(self.frames), frame,
                            len(frame) if orig_len is None else orig_len))
        if drop is not None:
            self.drops[drop] = self.drops.get(drop, 0) + 1

    def flow(self, a, b, proto, aport=0, bport=0, tags=(), app=None):
        f = Flow(self, a, b, proto, aport, bport, tags, app)
        self.flows.append(f)
        return f

    def packets(self):
        return [(ts, fr, ol) for ts, _, fr, ol in sorted(self.frames, key=lambda x: (x[0], x[1]))]

    def truth(self, with_app=False):
        recs = []
        for f in self.flows:
            recs.extend(f.records(with_app))
        recs.sort(key=lambda r: (r["first_ms"], r["src_ip"], r["src_port"], r["dst_ip"],
                                 r["dst_port"], r["ip_proto"], r["vlan"], r["vlan_inner"]))
        t = {"args": self.args, "packets": len(self.frames), "drops": dict(sorted(self.drops.items())),
             "counters": dict(self.counters), "flows": recs}
        return t

    def write(self, outdir, name, with_app=False):
        """Write <outdir>/<name>.pcap and <name>.truth.json; returns the pcap path."""
        path = "%s/%s.pcap" % (outdir, name)
        pcap.write(path, self.packets())
        with open("%s/%s.truth.json" % (outdir, name), "w") as f:
            json.dump(self.truth(with_app), f, indent=1, sort_keys=True)
            f.write("\n")
        return path


class _Rec:
    def __init__(self, init_is_a):
        self.init_is_a = init_is_a
        self.packets = [0, 0]
        self.bytes = [0, 0]
        self.flags = [0, 0]
        self.first = None
        self.last = None
        self.end = None


class Flow:
    """One conversation between end a and end b (a is meant to start it).

    tags are the VLAN tags (tpid, vid) outermost first. The flow writes its
    packets into the capture and keeps the expected records.
    """

    def __init__(self, cap, a, b, proto, aport, bport, tags, app):
        self.cap = cap
        self.a, self.b = a, b
        self.proto = proto
        self.ports = (aport, bport)
        self.tags = list(tags)
        self.app = app
        self.v6 = P.ip_version(a) == 6
        self.seq = [1000, 5000]  # next TCP sequence number of a and b
        self.ident = [0x100, 0x200]
        self.done = []
        self.cur = None
        # Link-layer options: encap(src_mac, dst_mac, ethertype, ip) builds
        # the frame instead of plain Ethernet; pad_to pads short frames (as
        # Ethernet does to 60 bytes); snap cuts frames to that many bytes as
        # a capture's snap length does.
        self.encap = None
        self.pad_to = 0
        self.snap = None

    # --- truth -----------------------------------------------------------
    def account(self, t_us, from_a, ip_len, tcp_flags=0):
        if self.cur is None:
            self.cur = _Rec(from_a)
        r = self.cur
        d = 0 if from_a == r.init_is_a else 1
        r.packets[d] += 1
        r.bytes[d] += ip_len
        r.flags[d] |= tcp_flags
        if r.first is None or t_us < r.first:
            r.first = t_us
        if r.last is None or t_us > r.last:
            r.last = t_us

    def end(self, reason):
        """The current record ends here for reason; the next packet starts a new one."""
        if self.cur is not None:
            self.cur.end = reason
            self.done.append(self.cur)
            self.cur = None

    def records(self, with_app=False):
        recs = list(self.done)
        if self.cur is not None:
            self.cur.end = "eof"
            recs.append(self.cur)
            self.cur = None
            self.done = recs
        out = []
        vlan = self.tags[0][1] & 0xFFF if self.tags else 0
        vlan_inner = self.tags[1][1] & 0xFFF if len(self.tags) > 1 else 0
        for r in recs:
            ends = [(self.a, self.ports[0]), (self.b, self.ports[1])]
            if not r.init_is_a:
                ends.reverse()
            rec = {
                "src_ip": ends[0][0], "src_port": ends[0][1],
                "dst_ip": ends[1][0], "dst_port": ends[1][1],
                "ip_version": 6 if self.v6 else 4, "ip_proto": self.proto,
                "vlan": vlan, "vlan_inner": vlan_inner,
                "packets_fwd": r.packets[0], "bytes_fwd": r.bytes[0],
                "packets_rev": r.packets[1], "bytes_rev": r.bytes[1],
                "tcp_flags_fwd": r.flags[0], "tcp_flags_rev": r.flags[1],
                "first_ms": r.first // 1000, "last_ms": r.last // 1000,
                "end_reason": r.end,
            }
            if with_app:
                rec["app"] = self.app or "unknown"
            out.append(rec)
        return out

    # --- packets ---------------------------------------------------------
    def ends(self, from_a):
        return (self.a, self.b) if from_a else (self.b, self.a)

    def emit_ip(self, t, from_a, proto, l4, exts=(), frag=None, tcp_flags=0, count=True):
        """Wrap an L4 payload in IP (with IPv6 extension headers exts, a list
        of (type, body-or-None for a fragment header)) and Ethernet, add it at
        t and account it. frag=(ident, offset_bytes, more) makes an IPv4
        fragment (for IPv6 pass a fragment header in exts)."""
        src, dst = self.ends(from_a)
        fragment = later = False
        if self.v6:
            chain = b""
            nh = proto
            for typ, body in reversed(list(exts)):
                hdr = body(nh) if callable(body) else P.ext_header(nh, body)
                if typ == P.IPV6_FRAGMENT:
                    off_m = int.from_bytes(hdr[2:4], "big")
                    fragment, later = (off_m & 0xFFF9) != 0, (off_m & 0xFFF8) != 0
                chain = hdr + chain
                nh = typ
            ip = P.ipv6(src, dst, nh, chain + l4)
            ethertype = P.ETH_IPV6
            ip_len = len(ip)
        else:
            i = 0 if from_a else 1
            if frag is None:
                self.ident[i] += 1
                ip = P.ipv4(src, dst, proto, l4, ident=self.ident[i])
            else:
                ip = P.ipv4(src, dst, proto, l4, ident=frag[0], frag_off=frag[1], mf=frag[2])
                fragment, later = True, frag[1] > 0
            ethertype = P.ETH_IPV4
            ip_len = len(ip)
        if self.encap is not None:
            frame = self.encap(P.mac_for(src), P.mac_for(dst), ethertype, ip)
        else:
            frame = P.ether(P.mac_for(src), P.mac_for(dst), ethertype, ip, self.tags)
        if len(frame) < self.pad_to:
            frame += b"\0" * (self.pad_to - len(frame))
        orig_len = len(frame)
        if self.snap is not None:
            frame = frame[:self.snap]
        self.cap.add(t, frame, orig_len)
        if fragment:
            self.cap.counters["fragments"] += 1
            # Scenarios put later fragments whose first was not seen (or
            # was forgotten) on a separate port-less Flow.
            if later and self.ports == (0, 0) and self.proto in (P.PROTO_TCP, P.PROTO_UDP, P.PROTO_UDPLITE):
                self.cap.counters["fragments_unmatched"] += 1
        if count:
            self.account(self.cap.us(t), from_a, ip_len, tcp_flags)
        return ip_len

    def tcp(self, t, from_a, flags, payload=b"", exts=()):
        """A TCP segment from a (from_a) or b, with running sequence numbers."""
        i = 0 if from_a else 1
        src, dst = self.ends(from_a)
        sport, dport = (self.ports if from_a else self.ports[::-1])
        ack = self.seq[1 - i] if flags & P.ACK else 0
        seg = P.tcp(src, dst, sport, dport, self.seq[i], ack, flags, payload)
        self.seq[i] += len(payload) + (1 if flags & (P.SYN | P.FIN) else 0)
        return self.emit_ip(t, from_a, P.PROTO_TCP, seg, exts, tcp_flags=flags)

    def udp(self, t, from_a, payload=b"", exts=()):
        src, dst = self.ends(from_a)
        sport, dport = (self.ports if from_a else self.ports[::-1])
        return self.emit_ip(t, from_a, P.PROTO_UDP, P.udp(src, dst, sport, dport, payload), exts)

    def raw(self, t, from_a, l4):
        """A packet of the flow's (port-less) protocol carrying l4 as IP payload."""
        return self.emit_ip(t, from_a, self.proto, l4)

    # --- TCP conveniences --------------------------------------------------
    def new_connection(self, isn_a, isn_b):
        """Start new TCP sequence spaces (a new connection on the same ports)."""
        self.seq = [isn_a, isn_b]

    def handshake(self, t, rtt=0.01):
        self.tcp(t, True, P.SYN)
        self.tcp(t + rtt / 2, False, P.SYN | P.ACK)
        self.tcp(t + rtt, True, P.ACK)
        return t + rtt

    def close(self, t, from_a=True, rtt=0.01):
        """FIN from one side, FIN/ACK back, last ACK."""
        self.tcp(t, from_a, P.FIN | P.ACK)
        self.tcp(t + rtt / 2, not from_a, P.FIN | P.ACK)
        self.tcp(t + rtt, from_a, P.ACK)
        return t + rtt

    def exchange(self, t, from_a, payload, rtt=0.01, mss=1400):
        """Send payload (split at mss) and the peer's ACK; returns the time after."""
        for off in range(0, max(len(payload), 1), mss):
            self.tcp(t, from_a, P.PSH | P.ACK, payload[off:off + mss])
            t += rtt / 10
        self.tcp(t + rtt / 2, not from_a, P.ACK)
        return t + rtt / 2
