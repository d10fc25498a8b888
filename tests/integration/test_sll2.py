"""A Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276, as `tcpdump -i any`
writes it since libpcap 1.10) read with --pcap: the records are exact, the
ARP frame is counted non_ip."""
import os
import struct
import tempfile

from fzrun import Checker, run_flowzoo

LINKTYPE_LINUX_SLL2 = 276


def sll2(proto, ifindex, pkttype):
    """The 20-byte SLL2 header: protocol, reserved, interface index, ARPHRD,
    packet type, address length, address (8 bytes)."""
    return struct.pack(">HHIHBB8s", proto, 0, ifindex, 1, pkttype, 6, b"\xaa" * 6 + b"\0\0")


def ipv4_udp(src, dst, sport, dport, payload):
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                       bytes(src), bytes(dst)) + udp


def write_capture(path):
    frames = []
    for _ in range(3):
        frames.append(sll2(0x0800, 2, 4) + ipv4_udp([10, 0, 0, 1], [10, 0, 0, 2], 40000, 53,
                                                      b"q" * 10))
        frames.append(sll2(0x0800, 2, 0) + ipv4_udp([10, 0, 0, 2], [10, 0, 0, 1], 53, 40000,
                                                      b"r" * 30))
    frames.append(sll2(0x0806, 2, 1) + b"\0" * 28)  # ARP
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_LINUX_SLL2)]
    for i, f in enumerate(frames):
        out.append(struct.pack("<IIII", 1700000000, i * 1000, len(f), len(f)) + f)
    with open(path, "wb") as f:
        f.write(b"".join(out))


def main():
    c = Checker()
    with tempfile.TemporaryDirectory() as tmp:
        cap = os.path.join(tmp, "any.pcap")
        write_capture(cap)
        recs, summ, _ = run_flowzoo([cap], tmp, ["--collector-id", "sll2"], name="sll2")
        flows = [r for r in recs if r["type"] == "flow"]
        c.eq(1, len(flows), "one flow")
        got = {k: flows[0][k] for k in (
            "ip_version", "ip_proto", "src_ip", "src_port", "dst_ip", "dst_port", "first_ms",
            "last_ms", "packets", "bytes", "packets_fwd", "bytes_fwd", "packets_rev",
            "bytes_rev", "end_reason", "vlan")} if flows else None
        c.eq({"ip_version": 4, "ip_proto": 17, "src_ip": "10.0.0.1", "src_port": 40000,
              "dst_ip": "10.0.0.2", "dst_port": 53, "first_ms": 1700000000000,
              "last_ms": 1700000000005, "packets": 6, "bytes": 288, "packets_fwd": 3,
              "bytes_fwd": 114, "packets_rev": 3, "bytes_rev": 174, "end_reason": "eof",
              "vlan": 0}, got, "the flow record")
        c.eq(7, summ["packets"], "frames read")
        c.eq(1, summ["drops"]["non_ip"], "the ARP frame")
        c.eq(0, sum(v for k, v in summ["drops"].items() if k != "non_ip"), "no other drop")
    c.done()


if __name__ == "__main__":
    main()
