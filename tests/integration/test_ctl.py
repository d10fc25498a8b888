#!/usr/bin/env python3
"""zooctl against running appliances (see docs/zooctl.md, docs/control-protocol.md).

Two kinds of appliance: real flowzoo processes replaying a capture through
net_pcap with infinite_rx=1, and stand-ins (tests/ctl/ctl_server_demo.c:
lib/ctl's server with fake counters, cheap enough for the heavier cases).
On loopback, and across network namespaces joined by a bridge where
`ip netns add` works: discover finds every appliance, status, suspend
(packet counters freeze), resume; logs under 30 % loss on both sides is
byte-identical (also 5 MB); wrong key / replayed / random / stale /
oversized / truncated datagrams are refused and counted exactly while the
appliance keeps collecting. Datagrams are also built here from the
documented wire format, so the document and the code are checked against
each other.
"""
import hashlib
import hmac
import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fzrun import BUILD, FLOWZOO, NDPI, free_udp_port  # noqa: E402

PCAP = os.path.join(NDPI, "gnutella.pcap")
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
    """A stand-in appliance; its stderr (its log) goes to a file."""

    def __init__(self, tmp, key, ident, log_file=None, loss=0.0, port=0, netns=None):
        cmd = [DEMO, "--port", str(port), "--key", key, "--id", ident]
        if log_file:
            cmd += ["--log-file", log_file]
        if loss:
            cmd += ["--loss", str(loss)]
        if netns:
            cmd = ["ip", "netns", "exec", netns] + cmd
        self.err_path = os.path.join(tmp, ident + ".err")
        self.err = open(self.err_path, "w")
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.p.stdout.readline().split()
        if len(line) != 2 or line[0] != "ready":
            raise RuntimeError("demo %s did not start: %r" % (ident, line))
        self.port = int(line[1])
        self.ident = ident
        self.log_path = log_file

    def messages(self):
        return open(self.err_path).read()

    def stop(self):
        self.p.terminate()
        out, _ = self.p.communicate(timeout=10)
        self.err.close()
        return json.loads(out.strip().splitlines()[-1]) if out.strip() else {}


class Flowzoo:
    """A real appliance: flowzoo replaying a capture forever (infinite_rx=1)."""

    def __init__(self, tmp, key, ident, port=None, loss=0.0, netns=None, prefill=None):
        self.ident = ident
        self.port = port or free_udp_port()
        self.log_path = os.path.join(tmp, ident + ".log")
        if prefill:
            with open(self.log_path, "wb") as f:
                f.write(prefill)
        cmd = [FLOWZOO, "--no-huge", "-m", "256", "--no-shconf", "--no-pci", "--no-telemetry",
               "--file-prefix", "fzctl%d%s" % (os.getpid(), ident), "-l", "0,1",
               "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % PCAP, "--",
               "--clock", "tsc", "--flows-per-worker", "4096", "--status-interval", "0",
               "--log-file", self.log_path, "--collector-id", ident,
               "--ctl-key", key, "--ctl-port", str(self.port)]
        if loss:
            cmd += ["--loss", str(loss)]
        if netns:
            cmd = ["ip", "netns", "exec", netns] + cmd
        self.out = open(os.path.join(tmp, ident + ".out"), "w")
        self.p = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT)

    def wait_ready(self, key, host="127.0.0.1"):
        """Until the control server answers (EAL start-up takes a moment)."""
        for _ in range(40):
            if self.p.poll() is not None:
                break
            if zooctl(key, "--target", "%s:%d" % (host, self.port), "--timeout", "0.5",
                      "identify").returncode == 0:
                return True
        print("flowzoo %s did not answer; its log:\n%s" % (self.ident, self.messages()))
        return False

    def messages(self):
        try:
            return open(self.log_path, errors="replace").read()
        except OSError:
            return ""

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self.out.close()
        return rc


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


def fleet_checks(label, key, apps, host, bcast, settle):
    """discover, status through discovery, suspend freezes, resume, a silent target."""
    ports = ",".join(sorted({str(a.port) for a in apps}))
    addrs = sorted("%s:%d" % (h, a.port) for h, a in zip(host, apps))
    disc = ["--broadcast", bcast, "--port", ports, "--timeout", "1.5"]
    rc, doc = zooctl_json(key, *disc, "discover")
    found = by_address(doc)
    check(rc == 0 and sorted(found) == addrs,
          "%s: discover finds the %d appliances: %s" % (label, len(apps), sorted(found)))
    check(sorted(a["result"]["collector"] for a in found.values()) ==
          sorted(a.ident for a in apps), "%s: discover reports each collector id" % label)

    # Without --target, status goes to every appliance discovery finds.
    rc, doc = zooctl_json(key, *disc, "status")
    st = by_address(doc)
    check(rc == 0 and sorted(st) == addrs, "%s: status reaches all through discovery" % label)
    check(all(a.get("state") == "collecting" and a.get("packets", 0) > 0 for a in st.values()),
          "%s: status: state collecting and packets > 0 for each" % label)
    p = zooctl(key, "--target", addrs[0], "status")
    check(p.returncode == 0 and "collecting" in p.stdout and addrs[0] in p.stdout,
          "%s: status table names the appliance and its state" % label)

    # suspend freezes the packet counter; the others and then resume let it grow.
    one, other = addrs[1], addrs[2]
    rc, doc = zooctl_json(key, "--target", one, "suspend")
    check(rc == 0 and doc["appliances"][0].get("state") == "suspended",
          "%s: suspend answers suspended" % label)
    time.sleep(settle)  # a burst counted just before the flag flipped
    _, d1 = zooctl_json(key, "--target", one, "--target", other, "status")
    time.sleep(1.0)
    _, d2 = zooctl_json(key, "--target", one, "--target", other, "status")
    s1, s2 = by_address(d1), by_address(d2)
    check(s1[one]["packets"] == s2[one]["packets"] and s2[one]["state"] == "suspended",
          "%s: suspended appliance's packets frozen (%d -> %d over 1 s)" %
          (label, s1[one]["packets"], s2[one]["packets"]))
    check(s2[one]["result"]["drops"]["suspended"] > s1[one]["result"]["drops"]["suspended"],
          "%s: packets arriving while suspended are counted as drops.suspended" % label)
    check(s2[other]["packets"] > s1[other]["packets"], "%s: the others keep counting" % label)
    rc, doc = zooctl_json(key, "--target", one, "resume")
    check(rc == 0 and doc["appliances"][0].get("state") == "collecting",
          "%s: resume answers collecting" % label)
    time.sleep(0.5)
    _, d3 = zooctl_json(key, "--target", one, "status")
    check(d3["appliances"][0]["packets"] > s2[one]["packets"],
          "%s: packets grow after resume" % label)
    return addrs


def silent_target(key, addr):
    rc, doc = zooctl_json(key, "--target", addr, "--target", "127.0.0.1:9", "--timeout", "0.5",
                          "status")
    st = by_address(doc)
    check(rc == 1 and st["127.0.0.1:9"]["ok"] is False and st[addr]["ok"] is True,
          "one silent target: exit 1, the other still reported")


def test_refusals(label, key, wrong_key, app):
    target = "127.0.0.1:%d" % app.port
    _, before = zooctl_json(key, "--target", target, "status")
    ctl0 = before["appliances"][0]["result"]["ctl"]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    to = ("127.0.0.1", app.port)
    k = read_key(key)
    good = seal(k, 1, 4242, b'{"cmd":"identify"}')
    reply = None
    for _ in range(3):
        s.sendto(good, to)
        try:
            reply, _ = s.recvfrom(9000)
            break
        except socket.timeout:
            good = seal(k, 1, 4242, b'{"cmd":"identify"}')
    check(reply is not None, "%s: a hand-built request is answered" % label)
    if reply is None:
        return
    body, mac = reply[:-32], reply[-32:]
    check(hmac.compare_digest(mac, hmac.new(k, body, hashlib.sha256).digest()),
          "%s: the reply's MAC checks (wire format as documented)" % label)
    magic, ver, typ, plen, _ts, _nonce, req = struct.unpack(">IBBHQ16sI", body[:36])
    check((magic, ver, typ, req, plen) == (0x465A4354, 1, 2, 4242, len(body) - 36),
          "%s: reply header: magic, version 1, type REPLY, request id echoed, length" % label)
    s.sendto(good, to)                                                   # replay
    s.sendto(seal(read_key(wrong_key), 1, 1, b'{"cmd":"suspend"}'), to)  # wrong key
    s.sendto(os.urandom(200), to)                                        # random bytes
    s.sendto(seal(k, 1, 2, b'{"cmd":"suspend"}', ts_ms=int(time.time() * 1000) - 600000), to)
    s.sendto(b"\0" * 9000, to)                                           # oversized
    s.sendto(seal(k, 1, 3, b'{"cmd":"suspend"}')[:-1], to)               # truncated
    time.sleep(0.3)
    p = zooctl(wrong_key, "--target", target, "--timeout", "0.3", "suspend")
    check(p.returncode == 1, "%s: zooctl with the wrong key: no answer, exit 1" % label)
    _, after = zooctl_json(key, "--target", target, "status")
    a = after["appliances"][0]
    ctl1 = a["result"]["ctl"]
    diff = {r: ctl1["refused"][r] - ctl0["refused"][r] for r in ctl1["refused"]}
    print("     refused:", diff)
    check(diff["replay"] == 1, "%s: replayed datagram refused and counted once" % label)
    check(diff["stale"] == 1, "%s: stale datagram refused and counted once" % label)
    check(diff["oversized"] == 1, "%s: oversized datagram refused and counted once" % label)
    check(diff["malformed"] == 2,
          "%s: random bytes and a truncated datagram counted malformed (2)" % label)
    check(diff["bad_mac"] >= 2,
          "%s: wrong key refused as bad_mac (1 by hand + zooctl's tries)" % label)
    check(a["state"] == "collecting", "%s: refused suspend requests changed nothing" % label)
    time.sleep(0.2)
    _, again = zooctl_json(key, "--target", target, "status")
    check(again["appliances"][0]["packets"] > before["appliances"][0]["packets"],
          "%s: the appliance keeps collecting" % label)
    log = app.messages()
    check("refused datagram from 127.0.0.1:" in log and "replay" in log and "bad_mac" in log,
          "%s: refusals logged with the sender's address" % label)


def fetch_log(label, key, app, name, growing):
    """logs under --loss 0.3 on both sides (the appliance was started with it)."""
    out = os.path.join(os.path.dirname(app.log_path), "got-" + app.ident)
    size0 = os.path.getsize(app.log_path)
    t0 = time.time()
    rc, doc = zooctl_json(key, "--target", "127.0.0.1:%d" % app.port, "--loss", "0.3",
                          "--timeout", "10", "logs", "-o", out)
    secs = time.time() - t0
    res = doc["appliances"][0].get("result", {})
    got = open(out, "rb").read() if os.path.exists(out) else b""
    full = open(app.log_path, "rb").read()
    # A live appliance keeps appending: the transfer is the file as it was when asked.
    same = got == full[:len(got)] and len(got) >= size0 if growing else got == full
    check(rc == 0 and same,
          "%s: logs under --loss 0.3 on both sides, %s (%d bytes): byte-identical in %.2f s"
          % (label, name, len(got), secs))
    check(res.get("sha256") == hashlib.sha256(got).hexdigest(),
          "%s: logs reports the SHA-256 of what it received" % label)


def test_demos(tmp, key, wrong_key):
    demos = [Demo(tmp, key, "zoo-%s" % n) for n in "abc"]
    try:
        addrs = fleet_checks("demo", key, demos, ["127.0.0.1"] * 3, "127.255.255.255", 0.1)
        silent_target(key, addrs[0])
        test_refusals("demo", key, wrong_key, demos[0])
    finally:
        for d in demos:
            d.stop()
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
        try:
            fetch_log("demo", key, d, name, growing=False)
        finally:
            ctr = d.stop()
        check(ctr.get("transfers", {}).get("completed") == 1 and ctr.get("retransmits", 0) > 0,
              "demo: appliance counted the transfer and its retransmissions (%s)" %
              {k: ctr.get(k) for k in ("retransmits", "chunks_sent", "loss_dropped")})


def test_flowzoo(tmp, key, wrong_key):
    # Without --ctl-key the control server stays off, and the log says so.
    log = os.path.join(tmp, "noctl.log")
    p = subprocess.run([FLOWZOO, "--pcap", PCAP, "--log-file", log, "--progress", "off"],
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0 and "control server off: no --ctl-key" in open(log).read(),
          "flowzoo: without --ctl-key the control server does not start and the log says so")
    apps = [Flowzoo(tmp, key, "fz-%s" % n) for n in "abc"]
    try:
        if not all(a.wait_ready(key) for a in apps):
            check(False, "flowzoo: 3 appliances answer identify")
            return
        fleet_checks("flowzoo", key, apps, ["127.0.0.1"] * 3, "127.255.255.255", 0.3)
        test_refusals("flowzoo", key, wrong_key, apps[0])
    finally:
        rcs = [a.stop() for a in apps]
    check(rcs == [0, 0, 0], "flowzoo: the 3 appliances exit 0 on SIGTERM (%s)" % rcs)
    # A 5 MB log (older lines plus this run's), sent under loss on both sides.
    line = b"2026-11-23T06:00:00.000Z flowzoo: an older line of the appliance's log\n"
    app = Flowzoo(tmp, key, "fz-lossy", loss=0.3, prefill=line * (5000000 // len(line) + 1))
    try:
        if app.wait_ready(key):
            fetch_log("flowzoo", key, app, "5 MB", growing=True)
        else:
            check(False, "flowzoo: lossy appliance answers identify")
    finally:
        app.stop()
    check("ctl: log sent to 127.0.0.1:" in app.messages(),
          "flowzoo: the appliance logged the finished transfer")


def netns_setup(tag, net, n):
    """A bridge in the root namespace and n namespaces with a veth each."""
    br = "fzbr" + tag
    cmds = [["ip", "link", "add", br, "type", "bridge"],
            ["ip", "addr", "add", net + ".1/24", "brd", net + ".255", "dev", br],
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
                 ["ip", "-n", ns, "addr", "add", "%s.%d/24" % (net, 11 + i), "brd",
                  net + ".255", "dev", "eth0"],
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
    # A subnet of its own, so that two runs side by side do not meet.
    net = "10.213.%d" % (os.getpid() % 250 + 1)
    names, br, err = netns_setup(tag, net, 3)
    try:
        if err:
            print("SKIP network namespaces (%s); the loopback tests above stand for them" % err)
            return
        hosts = ["%s.%d" % (net, 11 + i) for i in range(3)]
        apps = [Flowzoo(tmp, key, "ns-%d" % i, port=7411, netns=ns)
                for i, ns in enumerate(names)]
        try:
            if not all(a.wait_ready(key, h) for a, h in zip(apps, hosts)):
                check(False, "netns: 3 flowzoo appliances answer identify")
                return
            fleet_checks("netns flowzoo", key, apps, hosts, net + ".255", 0.3)
        finally:
            for a in apps:
                a.stop()
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
        test_demos(tmp, key, wrong)
        test_flowzoo(tmp, key, wrong)
        test_netns(tmp, key)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
