#!/usr/bin/env python3
"""zooctl against running appliances (see docs/zooctl.md, docs/control-protocol.md).

Stand-in appliances (tests/ctl/ctl_server_demo.c: lib/ctl's server with fake
counters) on loopback and, where `ip netns add` works, in network namespaces
joined by a bridge: discover, status, suspend (counters freeze), resume,
logs under 30 % loss on both sides (byte-identical, also 5 MB), and wrong
key / replayed / random / stale / oversized datagrams refused and counted
exactly. Datagrams are also built here from the documented wire format, so
the document and the code are checked against each other.
"""
import hashlib
import hmac
import json
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("FZ_BUILD", "build")
ZOOCTL = os.path.join(BUILD, "app", "zooctl")
DEMO = os.path.join(BUILD, "tests", "integration", "ctl_server_demo")

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def zooctl(key, *args, timeout=60):
    cmd = [ZOOCTL, "--key-file", key] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return p


def zooctl_json(key, *args):
    p = zooctl(key, "--json", *args)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        print("zooctl output not JSON:", p.stdout, p.stderr)
        doc = {"appliances": []}
    return p.returncode, doc


class Demo:
    """One stand-in appliance; its stderr goes to a file for the record."""

    def __init__(self, tmp, key, ident, log_file=None, loss=0.0, port=0, netns=None):
        cmd = [DEMO, "--port", str(port), "--key", key, "--id", ident]
        if log_file:
            cmd += ["--log-file", log_file]
        if loss:
            cmd += ["--loss", str(loss)]
        if netns:
            cmd = ["ip", "netns", "exec", netns] + cmd
        self.err = open(os.path.join(tmp, ident + ".err"), "w")
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.p.stdout.readline().split()
        if len(line) != 2 or line[0] != "ready":
            raise RuntimeError("demo %s did not start: %r" % (ident, line))
        self.port = int(line[1])
        self.ident = ident

    def stop(self):
        self.p.terminate()
        out, _ = self.p.communicate(timeout=10)
        self.err.close()
        return json.loads(out.strip().splitlines()[-1]) if out.strip() else {}


def seal(key_bytes, msg_type, req_id, payload, ts_ms=None, nonce=None):
    """A datagram as docs/control-protocol.md describes it."""
    ts_ms = int(time.time() * 1000) if ts_ms is None else ts_ms
    nonce = os.urandom(16) if nonce is None else nonce
    hdr = struct.pack(">IBBHQ16sI", 0x465A4354, 1, msg_type, len(payload), ts_ms, nonce, req_id)
    body = hdr + payload
    return body + hmac.new(key_bytes, body, hashlib.sha256).digest()


def read_key(path):
    return bytes.fromhex(open(path).read().strip())


def by_address(doc):
    return {a["address"]: a for a in doc.get("appliances", [])}


def test_loopback(tmp, key, wrong_key):
    demos = [Demo(tmp, key, "zoo-%s" % n) for n in "abc"]
    ports = ",".join(str(d.port) for d in demos)
    addrs = ["127.0.0.1:%d" % d.port for d in demos]
    try:
        # Discovery by broadcast on the loopback network, several ports.
        rc, doc = zooctl_json(key, "--broadcast", "127.255.255.255", "--port", ports,
                              "--timeout", "1", "discover")
        found = by_address(doc)
        check(rc == 0, "discover exits 0")
        check(sorted(found) == sorted(addrs), "discover finds the 3 appliances: %s" % sorted(found))
        check(sorted(a["result"]["collector"] for a in found.values()) ==
              ["zoo-a", "zoo-b", "zoo-c"], "discover reports each collector id")

        # Without --target, status goes to every appliance discovery finds.
        rc, doc = zooctl_json(key, "--broadcast", "127.255.255.255", "--port", ports,
                              "--timeout", "1", "status")
        st = by_address(doc)
        check(rc == 0 and sorted(st) == sorted(addrs), "status reaches all 3 through discovery")
        check(all(a["state"] == "collecting" and a["packets"] > 0 for a in st.values()),
              "status: state collecting and packets > 0 for each")

        # The table form, on one target.
        p = zooctl(key, "--target", addrs[0], "status")
        check(p.returncode == 0 and "collecting" in p.stdout and addrs[0] in p.stdout,
              "status table names the appliance and its state")

        # suspend freezes the packet counter; resume lets it grow again.
        rc, doc = zooctl_json(key, "--target", addrs[1], "suspend")
        check(rc == 0 and doc["appliances"][0]["state"] == "suspended", "suspend answers suspended")
        _, d1 = zooctl_json(key, "--target", addrs[1], "--target", addrs[2], "status")
        time.sleep(0.5)
        _, d2 = zooctl_json(key, "--target", addrs[1], "--target", addrs[2], "status")
        s1, s2 = by_address(d1), by_address(d2)
        check(s1[addrs[1]]["packets"] == s2[addrs[1]]["packets"],
              "suspended appliance's packets frozen (%d -> %d)" %
              (s1[addrs[1]]["packets"], s2[addrs[1]]["packets"]))
        check(s2[addrs[2]]["packets"] > s1[addrs[2]]["packets"], "the others keep counting")
        rc, doc = zooctl_json(key, "--target", addrs[1], "resume")
        check(rc == 0 and doc["appliances"][0]["state"] == "collecting", "resume answers collecting")
        time.sleep(0.3)
        _, d3 = zooctl_json(key, "--target", addrs[1], "status")
        check(d3["appliances"][0]["packets"] > s2[addrs[1]]["packets"], "packets grow after resume")

        # A target that does not answer makes the exit status non-zero.
        rc, doc = zooctl_json(key, "--target", addrs[0], "--target", "127.0.0.1:9", "--timeout",
                              "0.5", "status")
        st = by_address(doc)
        check(rc == 1 and st["127.0.0.1:9"]["ok"] is False and st[addrs[0]]["ok"] is True,
              "one silent target: exit 1, the other still reported")

        # Refusals, built by hand so that their number is exact.
        test_refusals(key, wrong_key, demos[0])
    finally:
        for d in demos:
            d.stop()


def test_refusals(key, wrong_key, demo):
    target = "127.0.0.1:%d" % demo.port
    _, before = zooctl_json(key, "--target", target, "status")
    ctl0 = before["appliances"][0]["result"]["ctl"]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    to = ("127.0.0.1", demo.port)
    k = read_key(key)
    good = seal(k, 1, 4242, b'{"cmd":"status"}')
    s.sendto(good, to)
    reply, _ = s.recvfrom(9000)
    body, mac = reply[:-32], reply[-32:]
    check(hmac.compare_digest(mac, hmac.new(k, body, hashlib.sha256).digest()),
          "a hand-built request gets a reply whose MAC checks (wire format as documented)")
    magic, ver, typ, plen, _ts, _nonce, req = struct.unpack(">IBBHQ16sI", body[:36])
    check((magic, ver, typ, req, plen) == (0x465A4354, 1, 2, 4242, len(body) - 36),
          "reply header: magic, version 1, type REPLY, request id echoed, length")
    s.sendto(good, to)                                             # replay
    s.sendto(seal(read_key(wrong_key), 1, 1, b'{"cmd":"suspend"}'), to)  # wrong key
    s.sendto(os.urandom(200), to)                                  # random bytes
    s.sendto(seal(k, 1, 2, b'{"cmd":"suspend"}', ts_ms=int(time.time() * 1000) - 600000), to)
    s.sendto(b"\0" * 9000, to)                                     # oversized
    s.sendto(seal(k, 1, 3, b'{"cmd":"suspend"}')[:-1], to)         # truncated
    time.sleep(0.3)
    # zooctl with the wrong key: refused, no answer, exit 1.
    p = zooctl(wrong_key, "--target", target, "--timeout", "0.3", "suspend")
    check(p.returncode == 1, "zooctl with the wrong key: no answer, exit 1")
    _, after = zooctl_json(key, "--target", target, "status")
    a = after["appliances"][0]
    ctl1 = a["result"]["ctl"]
    diff = {r: ctl1["refused"][r] - ctl0["refused"][r] for r in ctl1["refused"]}
    print("     refused:", diff)
    check(diff["replay"] == 1, "replayed datagram refused and counted once")
    check(diff["stale"] == 1, "stale datagram refused and counted once")
    check(diff["oversized"] == 1, "oversized datagram refused and counted once")
    check(diff["malformed"] == 2, "random bytes and truncated datagram counted malformed (2)")
    check(diff["bad_mac"] >= 2, "wrong key refused as bad_mac (1 by hand + zooctl's tries)")
    check(a["state"] == "collecting", "refused suspend requests changed nothing")
    check(a["packets"] > before["appliances"][0]["packets"], "the appliance keeps collecting")
    log = open(demo.err.name).read()
    check("refused datagram from 127.0.0.1:" in log and "replay" in log,
          "refusals logged with the sender's address")


def test_logs(tmp, key):
    small = os.path.join(tmp, "small.log")
    big = os.path.join(tmp, "big.log")
    rnd = random.Random(7)
    with open(small, "w") as f:
        for i in range(3000):
            f.write("2026-11-23T07:00:%02d.%06dZ flowzoo: line %d %s\n" %
                    (i % 60, i, i, "x" * rnd.randrange(80)))
    with open(big, "wb") as f:
        f.write(os.urandom(5 * 1000 * 1000))
    for path, name in ((small, "small"), (big, "5 MB")):
        d = Demo(tmp, key, "lossy-" + name.replace(" ", ""), log_file=path, loss=0.3)
        out = os.path.join(tmp, "got-" + name.replace(" ", ""))
        try:
            t0 = time.time()
            rc, doc = zooctl_json(key, "--target", "127.0.0.1:%d" % d.port, "--loss", "0.3",
                                  "--timeout", "10", "logs", "-o", out)
            secs = time.time() - t0
            res = doc["appliances"][0].get("result", {})
            same = os.path.exists(out) and open(out, "rb").read() == open(path, "rb").read()
            check(rc == 0 and same, "logs under --loss 0.3 on both sides, %s (%d bytes): "
                  "byte-identical in %.2f s" % (name, os.path.getsize(path), secs))
            check(res.get("sha256") == hashlib.sha256(open(path, "rb").read()).hexdigest(),
                  "logs reports the SHA-256 of the appliance's file")
        finally:
            ctr = d.stop()
        check(ctr.get("transfers", {}).get("started") == 1 and ctr.get("retransmits", 0) > 0,
              "appliance counted the transfer and its retransmissions (%s)" %
              {k: ctr.get(k) for k in ("retransmits", "chunks_sent", "loss_dropped")})


def netns_setup(tag, n):
    """A bridge in the root namespace and n namespaces with a veth each."""
    br = "fzbr" + tag
    cmds = [["ip", "link", "add", br, "type", "bridge"],
            ["ip", "addr", "add", "10.213.0.1/24", "brd", "10.213.0.255", "dev", br],
            ["ip", "link", "set", br, "up"]]
    names = []
    for i in range(n):
        ns = "fzns%s%d" % (tag, i)
        host_if = "fzv%s%d" % (tag, i)
        names.append(ns)
        cmds += [["ip", "netns", "add", ns],
                 ["ip", "link", "add", host_if, "type", "veth", "peer", "name", "eth0",
                  "netns", ns],
                 ["ip", "link", "set", host_if, "master", br],
                 ["ip", "link", "set", host_if, "up"],
                 ["ip", "-n", ns, "addr", "add", "10.213.0.%d/24" % (11 + i), "brd",
                  "10.213.0.255", "dev", "eth0"],
                 ["ip", "-n", ns, "link", "set", "eth0", "up"],
                 ["ip", "-n", ns, "link", "set", "lo", "up"]]
    for c in cmds:
        p = subprocess.run(c, capture_output=True, text=True)
        if p.returncode != 0:
            return names, br, "%s: %s" % (" ".join(c), p.stderr.strip())
    return names, br, None


def netns_teardown(names, br):
    for ns in names:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    subprocess.run(["ip", "link", "del", br], capture_output=True)


def test_netns(tmp, key):
    if not shutil.which("ip"):
        print("SKIP network namespaces: no ip command; the loopback tests above stand for them")
        return
    tag = "%04d" % (os.getpid() % 10000)
    names, br, err = netns_setup(tag, 3)
    try:
        if err:
            print("SKIP network namespaces: %s; the loopback tests above stand for them" % err)
            return
        port = 7411
        demos = [Demo(tmp, key, "ns-%d" % i, port=port, netns=ns) for i, ns in enumerate(names)]
        try:
            rc, doc = zooctl_json(key, "--broadcast", "10.213.0.255", "--port", port,
                                  "--timeout", "1.5", "discover")
            found = sorted(by_address(doc))
            want = ["10.213.0.%d:%d" % (11 + i, port) for i in range(3)]
            check(rc == 0 and found == want,
                  "netns: broadcast discovery over a bridge finds 3 appliances on one port: %s"
                  % found)
            rc, doc = zooctl_json(key, "--broadcast", "10.213.0.255", "--port", port,
                                  "--timeout", "1.5", "suspend")
            check(rc == 0 and len(doc["appliances"]) == 3 and
                  all(a["state"] == "suspended" for a in doc["appliances"]),
                  "netns: suspend through discovery reaches all 3")
            rc, doc = zooctl_json(key, "--target", want[0], "resume")
            check(rc == 0 and doc["appliances"][0]["state"] == "collecting", "netns: resume one")
        finally:
            for d in demos:
                d.stop()
    finally:
        netns_teardown(names, br)


def main():
    for exe in (ZOOCTL, DEMO):
        if not os.access(exe, os.X_OK):
            print("missing", exe)
            return 1
    tmp = tempfile.mkdtemp(prefix="fz_test_ctl.")
    try:
        key = os.path.join(tmp, "ctl.key")
        wrong = os.path.join(tmp, "wrong.key")
        for k in (key, wrong):
            p = subprocess.run([ZOOCTL, "keygen", "-o", k], capture_output=True, text=True)
            check(p.returncode == 0 and len(read_key(k)) == 32, "zooctl keygen writes a key")
        check(oct(os.stat(key).st_mode & 0o777) == "0o600", "the key file is mode 0600")
        test_loopback(tmp, key, wrong)
        test_logs(tmp, key)
        test_netns(tmp, key)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
