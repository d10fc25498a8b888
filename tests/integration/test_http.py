#!/usr/bin/env python3
"""The HTTP server, DPDK telemetry and the installed service (issue 19,
docs/observability.md).

- option mistakes exit 2 naming the option;
- a live appliance (net_pcap, infinite_rx, with EAL telemetry): promtool
  check metrics on /metrics; counters never go down across scrapes; with the
  counters frozen (zooctl suspend) the sums of flowzoo_packets_total,
  flowzoo_bytes_total, flowzoo_flows_total and every drop equal the summary;
  /api/summary and /api/status; 404, 405, HEAD; the telemetry socket answers
  /flowzoo/stats, /flowzoo/workers, /flowzoo/apps beside /ethdev/stats;
  the metric list in docs/observability.md and every name the Grafana
  dashboard uses are checked against the live /metrics; after SIGTERM no
  EAL runtime directory is left (its telemetry socket goes at exit);
- /health flips to 503 when ring_full grows (a 64-record ring on a flood)
  and back to 200 once it stops (zooctl suspend), over HTTPS with basic auth;
- 200 slow, malformed, oversized and idle clients during an offline run: the
  flow records and drops are the same as without them; during a live run
  the server still answers another address, and everyone once they are gone;
- meson install puts the unit, the dashboard, the docs and the programs in
  place, and systemd-analyze verify accepts the unit.

FZ_WRITE_DOCS=1 rewrites the metric list in docs/observability.md from the
live /metrics instead of checking it.
"""
import base64
import json
import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from fzrun import BUILD, FLOWZOO, NDPI, SRC, Checker, LiveProcess, eal_runtime_dir

ZOOCTL = os.path.join(BUILD, "app", "zooctl")
PCAP = os.path.join(NDPI, "gnutella.pcap")
DOC = os.path.join(SRC, "docs", "observability.md")
DASHBOARD = os.path.join(SRC, "contrib", "grafana", "flowzoo.json")
c = Checker()


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Live(LiveProcess):
    """flowzoo replaying a capture forever, with --http on any free port."""

    def __init__(self, tmp, name, key, extra=(), telemetry=True):
        self.name = name
        self.prefix = "fzhttp%d%s" % (os.getpid(), name)
        self.log = os.path.join(tmp, name + ".log")
        self.ctl = free_port()
        eal = ["--no-huge", "-m", "256", "--no-shconf", "--no-pci", "--file-prefix",
               self.prefix, "-l", "0,1", "--vdev",
               "net_pcap0,rx_pcap=%s,infinite_rx=1" % PCAP]
        if not telemetry:
            eal.append("--no-telemetry")
        cmd = [FLOWZOO] + eal + ["--", "--clock", "tsc", "--flows-per-worker", "4096",
                                 "--status-interval", "1", "--log-file", self.log,
                                 "--collector-id", name, "--ctl-key", key,
                                 "--ctl-port", str(self.ctl), "--http", "127.0.0.1:0",
                                 "--jsonl", os.devnull]
        self.out = open(os.path.join(tmp, name + ".out"), "w")
        self.p = subprocess.Popen(cmd + list(extra), stdout=self.out, stderr=subprocess.STDOUT)
        self.key = key
        self.base = None
        deadline = time.time() + 30
        while time.time() < deadline and self.p.poll() is None:
            m = re.search(r"http: serving (https?)://([0-9.]+:\d+)/", self.messages())
            if m and "worker(s)" in self.messages():
                self.base = "%s://%s" % m.groups()
                break
            time.sleep(0.1)

    def zooctl(self, *args):
        return subprocess.run([ZOOCTL, "--key-file", self.key, "--target",
                               "127.0.0.1:%d" % self.ctl, "--json"] + list(args),
                              capture_output=True, text=True, timeout=30)


def get(url, auth=None, method="GET", source=None, timeout=10):
    """(status, headers, body) of one request; a refused connection is status 0."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    req = urllib.request.Request(url, method=method)
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        if source:
            # urllib cannot bind a source address: a raw HTTP/1.0 request instead.
            host, port = url.split("//")[1].split("/")[0].split(":")
            s = socket.create_connection((host, int(port)), timeout=timeout,
                                         source_address=(source, 0))
            path = "/" + url.split("//")[1].split("/", 1)[1]
            s.sendall(("GET %s HTTP/1.0\r\n\r\n" % path).encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            s.close()
            head, _, body = data.partition(b"\r\n\r\n")
            status = int(head.split()[1]) if head else 0
            return status, {}, body.decode(errors="replace")
        with urllib.request.urlopen(req, timeout=timeout, context=ctx) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()
    except (OSError, ValueError, IndexError):
        return 0, {}, ""


def parse_metrics(text):
    """{family: type}, [(name, {label: value}, value)]."""
    types, samples = {}, []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ
        elif line and not line.startswith("#"):
            m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
            labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"',
                                     m.group(3) or ""))
            samples.append((m.group(1), labels, float(m.group(4))))
    return types, samples


def total(samples, name):
    return sum(v for n, _, v in samples if n == name)


def option_errors(tmp):
    cases = [
        (["--http", "99999"], "flowzoo: --http: '99999': the port is not a number from 0 to "
         "65535"),
        (["--http", "::1:80"], "flowzoo: --http: '::1:80': write an IPv6 address in brackets "
         "([::1]:PORT)"),
        (["--http-acl", "10.0.0.0/8"], "flowzoo: --http-acl: there is no HTTP server to "
         "apply it to (give --http [ADDR:]PORT)"),
        (["--http", "0", "--http-acl", "10.0.0.1/8"], "flowzoo: --http-acl: '10.0.0.1/8': "
         "bits are set after the first 8 (did you mean a network address?)"),
        (["--http", "0", "--http-tls-cert", "/etc/hostname"], "flowzoo: --http-tls-cert: "
         "HTTPS needs both --http-tls-cert and --http-tls-key"),
        (["--http", "0", "--http-auth", "/nonexistent"], "flowzoo: --http-auth /nonexistent: "
         "No such file or directory"),
        (["--http", ""], "flowzoo: --http: the value is empty ([ADDR:]PORT)"),
    ]
    cfg = os.path.join(tmp, "bad.json")
    with open(cfg, "w") as f:
        json.dump({"http": 9100}, f)
    cases.append((["--config", cfg], "flowzoo: config %s: key 'http': expected a string, got "
                  "an integer" % cfg))
    for args, want in cases:
        p = subprocess.run([FLOWZOO, "--pcap", PCAP] + args, capture_output=True, text=True,
                           timeout=60)
        last = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""
        c.eq((2, want), (p.returncode, last), "exit 2 and the message for %s" % args)


def metric_list(types, samples):
    """The documented list: one line per family with its type and label names."""
    labels = {}
    for name, ls, _ in samples:
        labels.setdefault(name, set()).update(ls)
    rows = ["| metric | type | labels |", "|---|---|---|"]
    for name in types:
        rows.append("| `%s` | %s | %s |" % (name, types[name],
                                          ", ".join("`%s`" % x for x in sorted(labels[name]))
                                          or "—"))
    return "\n".join(rows) + "\n"


def check_docs(types, samples):
    begin, end = "<!-- metrics: generated by tests/integration/test_http.py -->\n", \
        "<!-- end of metrics -->\n"
    doc = open(DOC).read()
    i, j = doc.find(begin), doc.find(end)
    table = metric_list(types, samples)
    if os.environ.get("FZ_WRITE_DOCS") and i >= 0 and j > i:
        with open(DOC, "w") as f:
            f.write(doc[:i + len(begin)] + table + doc[j:])
        print("wrote the metric list into", DOC)
        return
    c.eq(table, doc[i + len(begin):j] if i >= 0 and j > i else None,
         "docs/observability.md lists exactly the live /metrics families (FZ_WRITE_DOCS=1 "
         "rewrites it)")


def check_dashboard(types):
    exprs = []

    def walk(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k in ("expr", "query") and isinstance(v, str):
                    exprs.append(v)
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(json.load(open(DASHBOARD)))
    used = sorted({n for e in exprs for n in re.findall(r"flowzoo_[a-z0-9_]+", e)})
    c.eq([], [n for n in used if n not in types],
         "every metric the Grafana dashboard uses is in /metrics (%d names)" % len(used))


def telemetry(prefix):
    """{command: reply} from DPDK's telemetry socket of the file prefix."""
    path = None
    for d in ("/var/run/dpdk", os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")):
        if os.path.exists(os.path.join(d, prefix, "dpdk_telemetry.v2")):
            path = os.path.join(d, prefix, "dpdk_telemetry.v2")
    if path is None:
        return None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    info = json.loads(s.recv(16384).decode())
    out = {"info": info}
    for cmd in ("/", "/flowzoo/stats", "/flowzoo/workers", "/flowzoo/apps", "/ethdev/stats,0"):
        s.send(cmd.encode())
        out[cmd] = json.loads(s.recv(int(info["max_output_len"])).decode())
    s.close()
    return out


def live_checks(tmp, key):
    app = Live(tmp, "a", key)
    try:
        c.eq(True, app.base is not None, "the appliance serves HTTP (%s)" % app.base)
        if app.base is None:
            print(app.messages())
            return
        st, hdr, text = get(app.base + "/metrics")
        c.eq(200, st, "/metrics answers 200")
        c.eq("text/plain; version=0.0.4; charset=utf-8", hdr.get("Content-Type"),
             "/metrics content type")
        path = os.path.join(tmp, "metrics.txt")
        open(path, "w").write(text)
        p = subprocess.run(["promtool", "check", "metrics"], stdin=open(path),
                           capture_output=True, text=True)
        c.eq((0, ""), (p.returncode, p.stdout + p.stderr), "promtool check metrics")
        types, s1 = parse_metrics(text)
        time.sleep(0.5)
        types, s2 = parse_metrics(get(app.base + "/metrics")[2])
        before = {(n, tuple(sorted(ls.items()))): v for n, ls, v in s1}
        down = [(k, before[k], v) for n, ls, v in s2 if types.get(n) == "counter"
                for k in [(n, tuple(sorted(ls.items())))] if k in before and v < before[k]]
        c.eq([], down, "no counter goes down across scrapes (%d samples)" % len(s2))
        c.eq(True, total(s2, "flowzoo_packets_total") > total(s1, "flowzoo_packets_total"),
             "packets grow between scrapes")
        for name in ("flowzoo_packets_total", "flowzoo_bytes_total", "flowzoo_flows_total",
                     "flowzoo_records_dropped_total", "flowzoo_build_info",
                     "flowzoo_uptime_seconds", "flowzoo_packets_dropped_total"):
            c.eq(True, name in types, "/metrics has %s" % name)
        c.eq(True, any(ls.get("reason") == "ring_full" for n, ls, _ in s2
                       if n == "flowzoo_records_dropped_total"),
             "flowzoo_records_dropped_total{reason=\"ring_full\"}")

        # Frozen counters: the totals equal the summary.
        c.eq(0, app.zooctl("suspend").returncode, "zooctl suspend")
        time.sleep(1.5)  # the last records reach the stats lcore, which publishes
        _, _, text = get(app.base + "/metrics")
        _, _, summ = get(app.base + "/api/summary")
        types, s3 = parse_metrics(text)
        summ = json.loads(summ)
        for metric, key_ in (("flowzoo_packets_total", "packets"),
                             ("flowzoo_bytes_total", "bytes"), ("flowzoo_flows_total", "flows")):
            c.eq(summ[key_], int(total(s3, metric)), "frozen: sum of %s == summary %s"
                 % (metric, key_))
        drops = {}
        for n, ls, v in s3:
            if n.endswith("_dropped_total"):
                drops[ls["reason"]] = drops.get(ls["reason"], 0) + int(v)
        # "suspended" counts the packets arriving while suspended: it moves between two
        # snapshots; every other drop is frozen.
        frozen = {k: v for k, v in summ["drops"].items() if k != "suspended"}
        drops.pop("suspended", None)
        c.eq(frozen, drops, "frozen: the *_dropped_total by reason == summary drops")
        apps = {ls["application"]: int(v) for n, ls, v in s3
                if n == "flowzoo_application_flows_total"}
        c.eq({a: o["flows"] for a, o in summ["apps"].items()}, apps,
             "frozen: flowzoo_application_flows_total == summary apps")
        c.eq(True, "jsonl" not in summ or isinstance(summ["jsonl"], dict),
             "/api/summary: exporters' status objects from the stats lcore")
        keys = ["collector", "version", "packets", "bytes", "flows", "drops", "workers",
                "ports", "apps", "zoo_means", "http"]
        c.eq([], [k for k in keys if k not in summ], "/api/summary has the summary's members")
        st, _, status = get(app.base + "/api/status")
        status = json.loads(status)
        c.eq((200, "suspended", summ["packets"]), (st, status.get("state"),
                                                   status.get("packets")),
             "/api/status: state and packets")

        tel = telemetry(app.prefix)
        c.eq(True, tel is not None, "the telemetry socket exists under the file prefix")
        if tel:
            cmds = tel["/"]["/"]
            c.eq([], [x for x in ("/flowzoo/stats", "/flowzoo/workers", "/flowzoo/apps",
                                  "/ethdev/stats") if x not in cmds],
                 "telemetry lists flowzoo's commands beside DPDK's")
            stats = tel["/flowzoo/stats"]["/flowzoo/stats"]
            c.eq((summ["packets"], summ["flows"], "suspended"),
                 (stats.get("packets"), stats.get("flows"), stats.get("state")),
                 "/flowzoo/stats: packets, flows, state (frozen)")
            tdrops = dict(stats.get("drops", {}))
            tdrops.pop("suspended", None)
            c.eq(frozen, tdrops, "/flowzoo/stats: drops")
            w = tel["/flowzoo/workers"]["/flowzoo/workers"]
            c.eq(summ["workers"][0]["packets"], w.get("0", {}).get("packets"),
                 "/flowzoo/workers: worker 0's packets")
            a = tel["/flowzoo/apps"]["/flowzoo/apps"]
            c.eq({k: v["bytes"] for k, v in summ["apps"].items()},
                 {k: v["bytes"] for k, v in a.items()}, "/flowzoo/apps: bytes per application")
            c.eq(True, "ipackets" in tel["/ethdev/stats,0"]["/ethdev/stats"],
                 "DPDK's /ethdev/stats answers beside them")
        check_docs(types, s3)
        check_dashboard(types)
        c.eq(0, app.zooctl("resume").returncode, "zooctl resume")

        c.eq(404, get(app.base + "/nothing")[0], "unknown path: 404")
        c.eq(405, get(app.base + "/metrics", method="POST")[0], "POST: 405 (read-only)")
        st, hdr, body = get(app.base + "/metrics", method="HEAD")
        c.eq((200, ""), (st, body), "HEAD /metrics: 200 without a body")
        c.eq((200, {"status": "ok"}), (get(app.base + "/health")[0],
                                       json.loads(get(app.base + "/health")[2])),
             "/health: 200 {\"status\":\"ok\"} while collecting without loss")
        hostile_live(app)
    finally:
        rc = app.stop()
    c.eq(0, rc, "the appliance exits 0 on SIGTERM")
    # With telemetry on, DPDK removes its socket at exit, after flowzoo's cleanup.
    c.eq(False, os.path.exists(eal_runtime_dir(app.prefix)),
         "EAL's runtime directory (with its telemetry socket) removed at exit")


def health_flip(tmp, key):
    cert, pkey = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    pkey, "-out", cert, "-days", "2", "-subj", "/CN=localhost"],
                   capture_output=True, check=True)
    users = os.path.join(tmp, "users")
    with open(users, "w") as f:
        f.write("# scrapers\nprom:pa:ss\n")
    os.chmod(users, 0o600)
    app = Live(tmp, "b", key, ["--ring-size", "64", "--http-tls-cert", cert, "--http-tls-key",
                               pkey, "--http-auth", users, "--http-acl", "127.0.0.0/8,::1"],
               telemetry=False)
    auth = "prom:pa:ss"
    try:
        c.eq(True, app.base is not None and app.base.startswith("https://"),
             "HTTPS served (%s)" % app.base)
        if app.base is None:
            print(app.messages())
            return
        c.eq(401, get(app.base + "/health")[0], "no credentials: 401")
        c.eq(401, get(app.base + "/health", auth="prom:wrong")[0], "wrong password: 401")

        def wait_for(code, secs):
            t0 = time.time()
            while time.time() - t0 < secs:
                st, _, body = get(app.base + "/health", auth=auth)
                if st == code:
                    return time.time() - t0, json.loads(body)
                time.sleep(0.2)
            return None, {}

        secs, body = wait_for(503, 15)
        c.eq(True, secs is not None, "/health 503 while ring_full grows (a 64-record ring)")
        reasons = [(r.get("reason"), r.get("counter")) for r in body.get("reasons", [])]
        c.eq(True, ("records_lost", "ring_full") in reasons,
             "the 503 names records_lost / ring_full (%s)" % reasons)
        app.zooctl("suspend")
        secs, body = wait_for(200, 10)
        c.eq(True, secs is not None and secs <= 2.5,
             "/health back to 200 within two intervals once nothing is lost (%s s)" % secs)
        c.eq({"status": "ok"}, body, "/health body once ok")
        app.zooctl("resume")
        secs, _ = wait_for(503, 10)
        c.eq(True, secs is not None, "/health 503 again after resume")
    finally:
        rc = app.stop()
    c.eq(3, rc, "the lossy appliance exits 3 (records were lost)")


class Hostile:
    """n clients that hold the server's connections: slow, malformed, oversized, idle."""

    def __init__(self, host, port, n=200):
        self.socks, self.stop_ev = [], threading.Event()
        self.host, self.port, self.n = host, port, n
        self.t = threading.Thread(target=self.run)
        self.t.start()

    def run(self):
        for i in range(self.n):
            try:
                s = socket.create_connection((self.host, self.port), timeout=2)
                s.setblocking(False)
                kind = i % 4
                if kind == 1:
                    s.send(os.urandom(512))
                elif kind == 2:
                    s.send(b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 200000)
                elif kind == 0:
                    s.send(b"GET /metrics HTTP/1.1\r\n")
                self.socks.append((kind, s))
            except OSError:
                pass
        while not self.stop_ev.wait(0.3):
            for kind, s in self.socks:
                if kind == 0:  # one header byte at a time
                    try:
                        s.send(b"X")
                    except OSError:
                        pass

    def close(self):
        self.stop_ev.set()
        self.t.join()
        for _, s in self.socks:
            s.close()


def hostile_live(app):
    host, port = app.base.split("//")[1].split(":")
    p0 = json.loads(get(app.base + "/api/status")[2])["packets"]
    h = Hostile(host, int(port))
    time.sleep(2)
    st, _, body = get(app.base + "/api/status", source="127.0.0.2")
    c.eq(200, st, "during 200 hostile clients from 127.0.0.1, 127.0.0.2 is still answered")
    if st == 200:
        c.eq(True, json.loads(body)["packets"] > p0, "the appliance keeps collecting")
    h.close()
    time.sleep(0.5)
    c.eq(200, get(app.base + "/metrics")[0], "once they are gone, 127.0.0.1 is answered again")
    _, _, text = get(app.base + "/metrics")
    _, s = parse_metrics(text)
    c.eq(0, int(total(s, "flowzoo_records_dropped_total")), "nothing was dropped")


def big_capture(tmp):
    """gnutella.pcap 400 times over, packets cut to 96 bytes, times shifted: ~1.5 M frames."""
    data = open(PCAP, "rb").read()
    hdr, body, recs, off = data[:24], data[24:], [], 0
    while off + 16 <= len(body):
        ts, us, incl, orig = struct.unpack("<IIII", body[off:off + 16])
        recs.append((ts, us, body[off + 16:off + 16 + min(incl, 96)], orig))
        off += 16 + incl
    span = recs[-1][0] - recs[0][0] + 2
    path = os.path.join(tmp, "big.pcap")
    with open(path, "wb") as f:
        f.write(hdr[:16] + struct.pack("<I", 96) + hdr[20:])
        for k in range(400):
            f.write(b"".join(struct.pack("<IIII", ts + k * span, us, len(p), orig) + p
                             for ts, us, p, orig in recs))
    return path


def offline_hostile(tmp):
    pcap = big_capture(tmp)

    def run(name, with_clients):
        log = os.path.join(tmp, name + ".log")
        jsonl, summ = os.path.join(tmp, name + ".jsonl"), os.path.join(tmp, name + ".json")
        cmd = [FLOWZOO, "--pcap", pcap, "--jsonl", jsonl, "--summary", summ, "--progress",
               "off", "--log-file", log, "--http", "127.0.0.1:0"]
        t0 = time.time()
        p = subprocess.Popen(cmd)
        h = None
        while with_clients and p.poll() is None and h is None:
            m = re.search(r"http: serving http://127.0.0.1:(\d+)/", open(log).read()
                          if os.path.exists(log) else "")
            if m:
                h = Hostile("127.0.0.1", int(m.group(1)))
            time.sleep(0.005)
        rc = p.wait(timeout=300)
        secs = time.time() - t0
        if h:
            h.close()
        flows = [line for line in open(jsonl) if '"type":"flow"' in line]
        return rc, flows, json.load(open(summ)), secs, h is not None

    rc0, flows0, summ0, t0, _ = run("quiet", False)
    rc1, flows1, summ1, t1, attacked = run("hostile", True)
    print("     offline: %d packets, %d flow records; %.2f s quiet, %.2f s with clients"
          % (summ0["packets"], len(flows0), t0, t1))
    c.eq((0, 0, True), (rc0, rc1, attacked), "both offline runs exit 0, clients connected")
    c.eq(len(flows0), len(flows1), "the same number of flow records with 200 hostile clients")
    c.eq(True, flows0 == flows1, "the flow records are identical with 200 hostile clients")
    c.eq(summ0["drops"], summ1["drops"], "the same drops (nothing dropped by the clients)")
    c.eq(0, summ1["drops"]["ring_full"], "no ring_full")


def install_checks(tmp):
    dest = os.path.join(tmp, "dest")
    p = subprocess.run(["meson", "install", "-C", BUILD, "--no-rebuild", "--destdir", dest],
                       capture_output=True, text=True)
    c.eq(0, p.returncode, "meson install --destdir")
    found = {os.path.relpath(os.path.join(d, f), dest) for d, _, fs in os.walk(dest)
             for f in fs}
    unit = [f for f in found if f.endswith("systemd/system/flowzoo@.service")]
    want = ["bin/flowzoo", "bin/zooctl", "share/flowzoo/flowzoo.sigs",
            "share/flowzoo/grafana/flowzoo.json", "share/doc/flowzoo/observability.md",
            "share/doc/flowzoo/operator-guide.md", "share/doc/flowzoo/dashboard.md",
            "share/flowzoo/dashboard/index.html", "share/flowzoo/dashboard/dashboard.js",
            "share/flowzoo/dashboard/dashboard.css"]
    c.eq([], [w for w in want if not any(f.endswith(w) for f in found)],
         "installed: programs, signatures, dashboard, docs")
    for name in ("index.html", "dashboard.js", "dashboard.css"):
        got = [f for f in found if f.endswith("share/flowzoo/dashboard/" + name)]
        c.eq(True, bool(got) and open(os.path.join(dest, got[0]), "rb").read() ==
             open(os.path.join(SRC, "share", "dashboard", name), "rb").read(),
             "installed: the dashboard's %s as in the source tree" % name)
    c.eq(1, len(unit), "installed: flowzoo@.service")
    if not unit:
        return
    text = open(os.path.join(dest, unit[0])).read()
    exe = re.search(r"^ExecStart=(\S+)", text, re.M).group(1)
    c.eq(True, os.path.exists(dest + exe), "ExecStart names the installed program (%s)" % exe)
    c.eq(True, "Restart=on-failure" in text and "CapabilityBoundingSet=" in text,
         "the unit restarts on failure and bounds capabilities")
    if shutil.which("systemd-analyze"):
        d = os.path.join(tmp, "units")
        os.makedirs(d)
        with open(os.path.join(d, "flowzoo@.service"), "w") as f:
            f.write(text.replace("ExecStart=" + exe, "ExecStart=" + dest + exe))
        p = subprocess.run(["systemd-analyze", "verify", os.path.join(d, "flowzoo@x.service")],
                           capture_output=True, text=True, cwd=d)
        c.eq((0, ""), (p.returncode, (p.stdout + p.stderr).strip()),
             "systemd-analyze verify flowzoo@x.service")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "ctl.key")
        subprocess.run([ZOOCTL, "keygen", "-o", key], check=True, capture_output=True)
        option_errors(tmp)
        live_checks(tmp, key)
        health_flip(tmp, key)
        offline_hostile(tmp)
        install_checks(tmp)
    c.done()


if __name__ == "__main__":
    main()
