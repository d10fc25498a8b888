"""IPFIX export (issue 18) against real collectors: nfdump's nfcapd on
loopback receives what flowzoo sends while flowzoo also writes JSON lines;
`nfdump -r` must show every flow with the JSON record's packets and bytes in
both directions, protocol, ports, VLAN and times, in biflow and uniflow
mode. tshark decodes every message without a malformed field or an expert
warning and maps each flow's applicationId to the JSON record's application
through the options records. A collector that misses the first messages
decodes the data once the templates come again. Sequence numbers: nfcapd
reports no error and each message's number is the count of data records
before it.

A relay between flowzoo and nfcapd keeps every datagram (for tshark, as a
pcap) and can drop the first messages (a collector started late).

nfdump 1.7.1 (Debian 12) cannot show application names from IPFIX: it reads
applicationId in host byte order and skips the options scope (fixed in
nfdump 1.7.2); with it the names are checked through tshark only.
"""
import collections
import datetime
import glob
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from fzrun import NDPI, SRC, Checker, free_udp_port, run_flowzoo

NDPI_PCAPS = ["443-curl.pcap", "http_ipv6.pcap", "dns.pcap", "gnutella.pcap", "ssdp-m-search.pcap"]
FMT = "fmt:%ts|%te|%pr|%sa|%sp|%da|%dp|%ipkt|%ibyt|%opkt|%obyt|%svln|%nbnam"


class Relay:
    """Receives flowzoo's datagrams, keeps them, forwards all but the first `drop`."""

    def __init__(self, target_port, drop=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.settimeout(0.2)
        self.target = ("127.0.0.1", target_port)
        self.drop = drop
        self.msgs = []
        self.last = time.time()
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        while not self.stop:
            try:
                d = self.sock.recv(65535)
            except socket.timeout:
                continue
            self.msgs.append(d)
            self.last = time.time()
            if len(self.msgs) > self.drop:
                out.sendto(d, self.target)
                time.sleep(0.0005)  # nfcapd's socket buffer is not unbounded either

    def finish(self):
        while time.time() - self.last < 1.0:
            time.sleep(0.1)
        self.stop = True
        self.thread.join()

    def write_pcap(self, path):
        """The datagrams as UDP/IPv4 frames (raw IP link type) from port 4739."""
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
            for d in self.msgs:
                udp = struct.pack(">HHHH", 40000, 4739, 8 + len(d), 0) + d
                lo = socket.inet_aton("127.0.0.1")
                ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, lo, lo)
                f.write(struct.pack("<IIII", 0, 0, len(ip + udp), len(ip + udp)) + ip + udp)


def collect(tmp, name, pcaps, extra, drop=0):
    """Run flowzoo to nfcapd (through a relay); return (records, summary, rows, relay, log)."""
    port = free_udp_port("127.0.0.1")
    fdir = os.path.join(tmp, name + ".nfcapd")
    os.makedirs(fdir)
    log = open(os.path.join(tmp, name + ".nfcapd.log"), "w")
    nfcapd = subprocess.Popen(["nfcapd", "-p", str(port), "-b", "127.0.0.1", "-w", fdir,
                               "-t", "3600"], stdout=log, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    relay = Relay(port, drop)
    try:
        recs, summ, _ = run_flowzoo(pcaps, tmp, ["--ipfix", "127.0.0.1:%d" % relay.port] + extra,
                                    name=name)
        relay.finish()
    finally:
        nfcapd.send_signal(signal.SIGTERM)
        nfcapd.wait(timeout=30)
        log.close()
    files = glob.glob(os.path.join(fdir, "nfcapd.*"))
    out = subprocess.run(["nfdump", "-q", "-N", "-6", "-o", FMT, "-r", files[0]],
                         capture_output=True, text=True, env=dict(os.environ, TZ="UTC"),
                         timeout=60).stdout
    rows = [[f.strip() for f in line.split("|")] for line in out.splitlines() if "|" in line]
    flows = [r for r in recs if r.get("type") == "flow"]
    return flows, summ, rows, relay, open(log.name).read()


def ms(text):
    t = datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f")
    return int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000 + 0.5)


PROTO = {"TCP": 6, "UDP": 17, "ICMP": 1, "ICMP6": 58}


def port(text):
    """A port; for ICMP nfdump prints the destination port as type.code."""
    if "." in text:
        t, code = text.split(".")
        return int(t) * 256 + int(code)
    return int(text)


def row_key(r):
    proto = PROTO.get(r[2], int(r[2]) if r[2].isdigit() else r[2])
    return (proto, r[3], port(r[4]), r[5], port(r[6]), ms(r[0]), int(r[11]))


def check_rows(c, what, flows, rows, biflow):
    """Every JSON flow is in nfdump's rows with its numbers (uniflow: a row per direction)."""
    want, got = collections.Counter(), collections.Counter()
    for f in flows:
        fwd = (f["ip_proto"], f["src_ip"], f["src_port"], f["dst_ip"], f["dst_port"], f["first_ms"],
               f["vlan"])
        rev = (f["ip_proto"], f["dst_ip"], f["dst_port"], f["src_ip"], f["src_port"], f["first_ms"],
               f["vlan"])
        if biflow:
            want[fwd + (f["packets_fwd"], f["bytes_fwd"], f["packets_rev"], f["bytes_rev"],
                        f["last_ms"])] += 1
        else:
            want[fwd + (f["packets_fwd"], f["bytes_fwd"], 0, 0, f["last_ms"])] += 1
            if f["packets_rev"]:
                want[rev + (f["packets_rev"], f["bytes_rev"], 0, 0, f["last_ms"])] += 1
    for r in rows:
        got[row_key(r) + (int(r[7]), int(r[8]), int(r[9]), int(r[10]), ms(r[1]))] += 1
    c.eq(sum(want.values()), len(rows), "%s: nfdump rows" % what)
    c.eq([], sorted(want - got)[:3], "%s: JSON records nfdump does not show" % what)
    c.eq([], sorted(got - want)[:3], "%s: nfdump rows no JSON record has" % what)
    c.eq(sum(f["packets"] for f in flows), sum(int(r[7]) + int(r[9]) for r in rows),
         "%s: total packets" % what)
    c.eq(sum(f["bytes"] for f in flows), sum(int(r[8]) + int(r[10]) for r in rows),
         "%s: total bytes" % what)


def tshark_fields(pcap, fields):
    cmd = ["tshark", "-r", pcap, "-d", "udp.port==4739,cflow", "-T", "fields",
           "-E", "occurrence=a", "-E", "separator=|"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    return [line.split("|") for line in out.splitlines()]


def check_tshark(c, what, tmp, relay, flows):
    pcap = os.path.join(tmp, what + ".ipfix.pcap")
    relay.write_pcap(pcap)
    bad = subprocess.run(["tshark", "-r", pcap, "-d", "udp.port==4739,cflow", "-Y",
                          "_ws.malformed || _ws.expert"], capture_output=True, text=True,
                         timeout=120).stdout.strip()
    c.eq("", bad[:500], "%s: tshark: malformed fields or expert warnings" % what)
    rows = tshark_fields(pcap, ["frame.number", "cflow.sequence", "cflow.flow_id",
                                "cflow.appl_id.selector_id", "cflow.appl_name"])
    c.eq(len(relay.msgs), len(rows), "%s: tshark: messages" % what)
    names, app_of, seq, seq_bad = {}, {}, 0, 0
    for r in rows:
        sel = r[3].split(",") if r[3] else []
        if r[4]:
            names.update(zip((int(s, 16) for s in sel), r[4].split(",")))
        else:
            app_of.update(zip((int(x) for x in r[2].split(",")), (int(s, 16) for s in sel)))
        seq_bad += int(r[1]) != seq
        seq = int(r[1]) + len(sel)
    c.eq(0, seq_bad, "%s: tshark: messages whose sequence number is not the count before" % what)
    wrong = [f["flow_id"] for f in flows if names.get(app_of.get(f["flow_id"])) != f["app"]]
    c.eq([], wrong[:5], "%s: tshark: flows whose application name differs" % what)


def nfdump_seq_errors(tmp, relay):
    """nfcapd counts flow records only, not the application table's records (RFC 7011
    counts every data record): each message after a table is one "sequence error" to it,
    but after the first table (nfcapd syncs before it has seen data)."""
    pcap = os.path.join(tmp, "seq.pcap")
    relay.write_pcap(pcap)
    frames = tshark_fields(pcap, ["cflow.appl_name"])
    return sum(1 for f in frames[1:-1] if f[0])


def nfdump_names_work():
    out = subprocess.run(["nfdump", "-V"], capture_output=True, text=True).stdout
    ver = out.split("Version:")[-1].strip().split()[0].split("-")[0] if "Version:" in out else "0"
    return tuple(int(x) for x in ver.split(".")[:3] if x.isdigit()) >= (1, 7, 2)


def main():
    for tool in ("nfcapd", "nfdump", "tshark"):
        if shutil.which(tool) is None:
            print("SKIP: %s is not installed (scripts/setup.sh)" % tool)
            sys.exit(77)
    c = Checker()
    tmp = tempfile.mkdtemp(prefix="fz-ipfix-")
    gen = os.path.join(tmp, "gen")
    subprocess.run([sys.executable, os.path.join(SRC, "scripts", "fzgen.py"), "scenarios",
                    "--only", "vlan", "--only", "qinq", "--only", "icmp", gen], check=True,
                   capture_output=True)
    pcaps = [os.path.join(NDPI, p) for p in NDPI_PCAPS] + sorted(glob.glob(gen + "/*.pcap"))
    names = nfdump_names_work()
    # Export lcores (issue 23): the messages and their sequence numbers as with one thread,
    # the data records encoded on the lanes (the exporter's prepare) in both modes.
    for biflow, lanes in (("on", []), ("off", []), ("on", ["--export-lcores", "0,1"]),
                          ("off", ["--export-lcores", "0,1"])):
        what = "biflow " + biflow + (" " + " ".join(lanes) if lanes else "")
        flows, summ, rows, relay, log = collect(tmp, "bi" + biflow + str(len(lanes)), pcaps,
                                                ["--ipfix-biflow", biflow, "--ipfix-mtu",
                                                 "900"] + lanes)
        check_rows(c, what, flows, rows, biflow == "on")
        c.eq("Sequence Errors: %d," % nfdump_seq_errors(tmp, relay) in log, True, "%s: nfcapd's sequence errors: one after each application table" % what)
        st = summ["ipfix"]
        c.eq(0, st["lost"], "%s: records lost" % what)
        c.eq(len(relay.msgs), st["messages"], "%s: messages sent = received" % what)
        c.eq(True, max(len(m) for m in relay.msgs) <= 900, "%s: every message within the MTU" % what)
        check_tshark(c, what, tmp, relay, flows)
        if names:
            wrong = [r for r in rows if r[12] in ("", "<no info>")]
            c.eq([], wrong[:3], "%s: nfdump shows every application name" % what)
    # A collector that starts late: it misses the first 4 messages (the templates with them).
    flows, summ, rows, relay, log = collect(tmp, "late", pcaps, ["--ipfix-template-messages", "5",
                                                                 "--ipfix-mtu", "400"], drop=4)
    pcap = os.path.join(tmp, "late.ipfix.pcap")
    relay.write_pcap(pcap)
    frames = tshark_fields(pcap, ["cflow.flowset_id", "cflow.srcport"])
    first_tmpl = next(i for i, f in enumerate(frames) if i >= 4 and "2" in f[0].split(","))
    decodable = sum(len(f[1].split(",")) for f in frames[first_tmpl:] if f[1])
    c.eq(True, first_tmpl <= 4 + 6, "late collector: templates again within 5 data messages")
    c.eq(decodable, len(rows), "late collector: nfdump decodes every record after the templates")
    c.eq(True, len(rows) > 0, "late collector: some records decoded")
    if c.failures == 0:
        shutil.rmtree(tmp)
    else:
        print('kept', tmp)
    c.done()


if __name__ == "__main__":
    main()
