"""Shared helpers for the integration tests: paths and running flowzoo."""
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request

SRC = os.environ.get("FZ_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("FZ_BUILD", os.path.join(SRC, "build")))
SHARED = os.path.abspath(os.environ.get("FZ_SHARED", os.path.join(SRC, "..", "shared")))
FLOWZOO = os.path.join(BUILD, "app", "flowzoo")
NDPI = os.path.join(SHARED, "pcaps", "ndpi")


class LiveProcess:
    """A flowzoo a test started: subclasses set p (the Popen), log (its --log-file) and
    out (the file its output goes to)."""

    def messages(self):
        try:
            return open(self.log, errors="replace").read()
        except OSError:
            return ""

    def stop(self):
        """SIGTERM, then its exit status (killed after 60 s)."""
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self.out.close()
        return rc


class LiveHttp(LiveProcess):
    """flowzoo replaying a capture forever (net_pcap, infinite_rx; time from the TSC) with
    --http on any free port: base is "http://ADDR:PORT" once it serves, None if it did not
    start. With forever False it reads the capture once, in packet time, and stays up."""

    def __init__(self, tmp, name, pcap, extra=(), forever=True):
        self.log = os.path.join(tmp, name + ".log")
        eal = ["--no-huge", "-m", "256", "--no-shconf", "--no-pci", "--file-prefix",
               "fzlive%d%s" % (os.getpid(), name), "-l", "0,1", "--no-telemetry", "--vdev",
               "net_pcap0,rx_pcap=%s%s" % (pcap, ",infinite_rx=1" if forever else "")]
        cmd = [FLOWZOO] + eal + ["--", "--clock", "tsc" if forever else "pcap",
                                 "--flows-per-worker", "4096",
                                 "--log-file", self.log, "--collector-id", name,
                                 "--http", "127.0.0.1:0", "--jsonl", os.devnull] + list(extra)
        self.out = open(os.path.join(tmp, name + ".out"), "w")
        self.p = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT)
        self.base = None
        # Generous: under ASan on a loaded machine the start (EAL, Hyperscan) takes long.
        deadline = time.time() + 120
        while time.time() < deadline and self.p.poll() is None:
            m = re.search(r"http: serving http://([0-9.]+:\d+)/", self.messages())
            if m and "worker(s)" in self.messages():
                self.base = "http://%s" % m.group(1)
                break
            time.sleep(0.1)
        if self.base is None and self.p.poll() is None:  # leave no appliance behind
            self.p.kill()
            self.p.wait()


def get(url, method="GET"):
    """(status, headers, body bytes)."""
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_json(url):
    st, _, body = get(url)
    try:
        return st, json.loads(body)
    except ValueError:
        return st, None


def pcap_records(path):
    """A classic pcap file's global header and its records (ts_sec, ts_usec, frame, orig_len)."""
    data = open(path, "rb").read()
    body, recs, off = data[24:], [], 0
    while off + 16 <= len(body):
        ts, us, incl, orig = struct.unpack("<IIII", body[off:off + 16])
        recs.append((ts, us, body[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    return data[:24], recs


def pcap_record(ts, us, frame, orig):
    return struct.pack("<IIII", ts, us, len(frame), orig) + frame


def run_flowzoo(pcaps, outdir, extra=(), name="run", timeout=300, expect_rc=0):
    """Run flowzoo --pcap on the captures; return (records, summary, stderr).
    The exit status must be expect_rc (3: the run lost records or packets)."""
    jsonl = os.path.join(outdir, name + ".jsonl")
    summary = os.path.join(outdir, name + ".summary.json")
    cmd = [FLOWZOO]
    for p in pcaps:
        cmd += ["--pcap", p]
    cmd += ["--jsonl", jsonl, "--summary", summary, "--progress", "off"] + list(extra)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != expect_rc:
        sys.stderr.write(proc.stderr)
        raise RuntimeError("%s exited %d" % (" ".join(cmd), proc.returncode))
    with open(jsonl) as f:
        records = [json.loads(line) for line in f if line.strip()]
    with open(summary) as f:
        summ = json.load(f)
    return records, summ, proc.stderr


def eal_runtime_dir(prefix):
    """Where EAL keeps a run's files for --file-prefix prefix (its runtime directory)."""
    base = "/var/run/dpdk" if os.geteuid() == 0 else \
        os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    return os.path.join(base, prefix)


def free_udp_port(host="0.0.0.0"):
    """A UDP port nobody uses now (the kernel's choice)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_started(log, timeout):
    """Until flowzoo's log says its workers run ("N worker(s)"), at most timeout seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(log) and "worker(s)" in open(log).read():
            return True
        time.sleep(0.1)
    return False


class Checker:
    """Counts checks and failures; prints every failure."""

    def __init__(self):
        self.checks = 0
        self.failures = 0

    def eq(self, expected, actual, what):
        self.checks += 1
        if expected != actual:
            self.failures += 1
            print("FAIL %s: expected %r, got %r" % (what, expected, actual))

    def done(self):
        print("%d checks, %d failed" % (self.checks, self.failures))
        sys.exit(1 if self.failures else 0)


ALERT_REALS = ("mean", "sigma", "threshold")


def compare_alerts(c, name, expected, got, ignore=()):
    """Baseline alert records against a model's (fzgen alerts, fleet): mean, sigma and
    threshold to 1e-9 relative, every other field exactly but schema_version (1),
    collector, message (names the network) and the keys in ignore."""
    c.eq(len(expected), len(got), "%s: alert records" % name)
    for i, (e, g) in enumerate(zip(expected, got)):
        what = "%s: alert %d (%s %s %s)" % (name, i, e["state"], e["network"], e["metric"])
        for k in ALERT_REALS:
            c.checks += 1
            if not isinstance(g.get(k), (int, float)) or abs(g[k] - e[k]) > 1e-9 * max(1, abs(e[k])):
                c.failures += 1
                print("FAIL %s: %s expected %r, got %r" % (what, k, e[k], g.get(k)))
        rest_e = {k: v for k, v in e.items() if k not in ALERT_REALS}
        skip = ALERT_REALS + ("schema_version", "collector", "message") + tuple(ignore)
        rest_g = {k: v for k, v in g.items() if k not in skip}
        c.eq(rest_e, rest_g, what)
        c.eq(1, g.get("schema_version"), what + ": schema_version")
        c.eq(True, isinstance(g.get("message"), str) and e["network"] in g["message"], what + ": message")
