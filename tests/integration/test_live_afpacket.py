"""Live capture on a kernel interface: flowzoo on net_af_packet reads one end of
a veth pair while the test sends known frames into the other end; after SIGINT
the records of those flows are exact. Skipped (exit 77) where veth pairs cannot
be made (no CAP_NET_ADMIN)."""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

from fzrun import FLOWZOO, Checker, wait_started

A, B = "fzt%da" % (os.getpid() % 10000), "fzt%db" % (os.getpid() % 10000)


def csum(h):
    t = sum(struct.unpack("!%dH" % (len(h) // 2), h))
    t = (t >> 16) + (t & 0xFFFF)
    t += t >> 16
    return (~t) & 0xFFFF


def ipv4(src, dst, proto, l4, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, 0, 64, proto, 0,
                    bytes(src), bytes(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + l4


def frame(ip):
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip


def main():
    if subprocess.run(["ip", "link", "add", A, "type", "veth", "peer", "name", B],
                      capture_output=True).returncode != 0:
        print("SKIP: cannot create a veth pair here (needs root / CAP_NET_ADMIN)")
        sys.exit(77)
    c = Checker()
    try:
        for i in (A, B):
            subprocess.run(["ip", "link", "set", i, "up"], check=True)
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "fz.log")
            cmd = [FLOWZOO, "--no-huge", "-m", "256", "--no-shconf", "--no-pci", "--no-telemetry",
                   "--file-prefix", "fzafp%d" % os.getpid(), "-l", "0,1",
                   "--vdev", "net_af_packet0,iface=%s,qpairs=1" % B, "--",
                   "--jsonl", os.path.join(tmp, "r.jsonl"), "--summary",
                   os.path.join(tmp, "s.json"), "--log-file", log, "--status-interval", "0",
                   "--flows-per-worker", "1024"]
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_started(log, 30)
            time.sleep(1)
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            s.bind((A, 0))
            h1, h2 = [10, 77, 0, 1], [10, 77, 0, 2]
            # UDP: 4 frames h1:4000 -> h2:53, 3 back.
            for i in range(4):
                s.send(frame(ipv4(h1, h2, 17, struct.pack("!HHHH", 4000, 53, 18, 0) + b"q" * 10, i)))
            for i in range(3):
                s.send(frame(ipv4(h2, h1, 17, struct.pack("!HHHH", 53, 4000, 28, 0) + b"r" * 20, i)))
            # TCP: SYN, SYN-ACK, ACK from h2:80 side second.
            tcp = lambda sp, dp, fl: struct.pack("!HHIIBBHHH", sp, dp, 1, 0, 0x50, fl, 1024, 0, 0)
            s.send(frame(ipv4(h1, h2, 6, tcp(5555, 80, 0x02), 9)))
            s.send(frame(ipv4(h2, h1, 6, tcp(80, 5555, 0x12), 9)))
            s.send(frame(ipv4(h1, h2, 6, tcp(5555, 80, 0x10), 10)))
            time.sleep(1.5)
            p.send_signal(signal.SIGINT)
            c.eq(0, p.wait(timeout=60), "exit status")
            with open(os.path.join(tmp, "r.jsonl")) as f:
                recs = [r for r in map(json.loads, f) if r["type"] == "flow"]
            mine = {(r["ip_proto"], r["src_port"]): r for r in recs
                    if r["src_ip"] in ("10.77.0.1", "10.77.0.2")}
            c.eq([(6, 5555), (17, 4000)], sorted(mine), "our flows and their initiators")
            u = mine.get((17, 4000), {})
            c.eq((4, 4 * 38, 3, 3 * 48), (u.get("packets_fwd"), u.get("bytes_fwd"),
                                          u.get("packets_rev"), u.get("bytes_rev")), "UDP counts")
            c.eq("shutdown", u.get("end_reason"), "UDP end reason")
            t = mine.get((6, 5555), {})
            c.eq((2, 1, 0x12, 0x12), (t.get("packets_fwd"), t.get("packets_rev"),
                                      t.get("tcp_flags_fwd"), t.get("tcp_flags_rev")), "TCP counts")
            c.eq("10.77.0.2", t.get("dst_ip"), "TCP responder")
    finally:
        subprocess.run(["ip", "link", "del", A], capture_output=True)
    c.done()


if __name__ == "__main__":
    main()
