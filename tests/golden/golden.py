"""Golden outputs of flowzoo's pipeline (stats loop, sinks, Kafka, alerts,
summary): the runs, the normalisation of what the wall clock and the machine
put in them, and the comparison. tests/golden/record.py writes the golden
files with this module; tests/integration/test_golden.py checks a build
against them with the same module, so both run the same commands and
normalise the same way.

Each case is one run of `flowzoo --pcap ...` and yields up to three files in
tests/golden/data/ (gzip-compressed, see README.md):
  CASE.jsonl         the JSON lines (--jsonl), one record a line
  CASE.summary.json  the summary (--summary)
  CASE.kafka.tsv     Kafka runs: every message as topic TAB partition TAB key
                     TAB payload, sorted by topic, partition and offset
"""
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
MANIFEST = os.path.join(DATA, "MANIFEST.json")
SRC = os.path.abspath(os.environ.get("FZ_SRC", os.path.join(HERE, "..", "..")))
BUILD = os.path.abspath(os.environ.get("FZ_BUILD", os.path.join(SRC, "build")))
SHARED = os.path.abspath(os.environ.get("FZ_SHARED", os.path.join(SRC, "..", "shared")))
FLOWZOO = os.path.join(BUILD, "app", "flowzoo")
MOCK = os.path.join(BUILD, "tests", "kafka", "mock_cluster")
GEN = os.path.join(SRC, "scripts", "fzgen.py")
NDPI = os.path.join(SHARED, "pcaps", "ndpi")

# Every run: exactly one "type":"stats" record (at exit); no periodic status
# check, so alerts are raised once, at exit, whatever the machine's speed; a
# fixed collector name instead of the host name (it is in every record and
# is the key of Kafka stats messages).
COMMON = ["--progress", "off", "--stats-interval", "0", "--status-interval", "0",
          "--collector-id", "golden"]
# A flow table this small evicts flows in the nDPI captures: "table_full" alerts.
SMALL_TABLE = ["--flows-per-worker", "16"]
# Several captures in one run, and the captures of the Kafka runs (those of
# tests/integration/test_kafka.py).
SEVERAL = ["bittorrent", "chrome", "dns", "http_ipv6", "quic", "ssh", "snmp", "webdav"]
KAFKA_PCAPS = ["bittorrent", "http_ipv6", "quic", "chrome"]

# --- What is normalised, and why: the only place that says so. ------------
# Each value is replaced by PLACEHOLDER (not deleted, so that the member and
# its place among the others still show). Everything else is compared as it
# is, bytes and key order.
PLACEHOLDER = '"<normalised>"'
VOLATILE = [
    # (where, member, why)
    ("stats", "interval_start_ms", "wall clock: when the stats interval began"),
    ("stats", "interval_end_ms", "wall clock: when the stats record was made"),
    ("alert", "time_ms", "wall clock: when the alert check ran (gettimeofday)"),
    ("summary", "elapsed_s", "run time measured with the TSC (top level and per worker)"),
    ("summary", "tsc_hz", "the machine's TSC frequency"),
    ("summary", "brokers", "Kafka runs: the mock cluster's bootstrap address (ephemeral ports)"),
]
# "stats" and "alert" apply to JSON lines and Kafka payloads of that record
# type; "summary" to the summary file, wherever the member is in it.

# --- The one intentional change the restructure makes. ---------------------
# Today only Kafka messages carry "schema_version":1 (spliced in right after
# the "type" member); after the pipeline restructure every record, also in
# the JSON lines, carries it there. With this flag on, a "schema_version":1
# right after the type member of a JSON line is removed before comparing, so
# both today's lines and the restructured ones equal the golden lines. Kafka
# payloads are compared with it (they have it today and keep it).
ACCEPT_SCHEMA_VERSION = True

# --- The second one, issue 16 (docs/traffic.md). ----------------------------
# Flow records gain "src_network" and "dst_network" right after "dst_port":
# null when no --networks is given, as in every golden run. With this flag
# on, exactly those two null members are removed from flow records (JSON
# lines and Kafka payloads) before comparing; any other value still differs.
ACCEPT_NULL_NETWORKS = True
_NETWORKS = re.compile(r'(,"dst_port":[0-9]+),"src_network":null,"dst_network":null,')

_VALUE = r'(?:-?[0-9][0-9.eE+-]*|null|true|false|"(?:[^"\\]|\\.)*")'
_SCHEMA = re.compile(r'^(\{"type":"[a-z_]+",)"schema_version":1,')
_TYPE = re.compile(r'^\{"type":"([a-z_]+)"')


def _member(name):
    return re.compile(r'("%s":\s*)%s' % (re.escape(name), _VALUE))


_RECORD_RULES = {}
_SUMMARY_RULES = []
for _where, _name, _why in VOLATILE:
    if _where == "summary":
        _SUMMARY_RULES.append(_member(_name))
    else:
        _RECORD_RULES.setdefault(_where, []).append(_member(_name))


def normalise_record(line, strip_schema=False):
    """One JSON record (a JSON line or a Kafka payload) with its volatile
    members replaced; with strip_schema, without a "schema_version":1 right
    after the type member."""
    if strip_schema:
        line = _SCHEMA.sub(r"\1", line, count=1)
    if ACCEPT_NULL_NETWORKS:
        line = _NETWORKS.sub(r"\1,", line, count=1)
    m = _TYPE.match(line)
    for rule in _RECORD_RULES.get(m.group(1) if m else None, ()):
        line = rule.sub(lambda g: g.group(1) + PLACEHOLDER, line)
    return line


def normalise_summary(text):
    for rule in _SUMMARY_RULES:
        text = rule.sub(lambda g: g.group(1) + PLACEHOLDER, text)
    return text


def normalise_kafka(line):
    topic, part, key, payload = line.split("\t", 3)
    return "\t".join((topic, part, key, normalise_record(payload)))


# --- The cases. -------------------------------------------------------------
def ndpi_names():
    return sorted(f[:-5] for f in os.listdir(NDPI) if f.endswith(".pcap"))


def ndpi(names):
    return [os.path.join(NDPI, n + ".pcap") for n in names]


def generate_scenarios(outdir):
    """fzgen.py scenarios into outdir; returns {name: truth args}."""
    r = subprocess.run([sys.executable, GEN, "scenarios", outdir], capture_output=True,
                       text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError("fzgen.py scenarios: %s" % r.stderr[-2000:])
    out = {}
    for p in sorted(r.stdout.split()):
        name = os.path.basename(p)[:-5]
        with open(os.path.join(outdir, name + ".truth.json")) as f:
            out[name] = json.load(f)["args"]
    return out


def sha256_dir(d, ext=".pcap"):
    out = {}
    for f in sorted(os.listdir(d)):
        if f.endswith(ext):
            with open(os.path.join(d, f), "rb") as fh:
                out[f] = hashlib.sha256(fh.read()).hexdigest()
    return out


def cases(scen_dir, scen_args):
    """[(name, pcaps, extra args, kafka)]: kafka is None, "broker" (the
    standalone mock cluster, read back with kcat) or "mock" (--kafka-mock:
    the cluster ends with flowzoo, so only the summary tells)."""
    out = [("ndpi." + n, ndpi([n]), [], None) for n in ndpi_names()]
    out.append(("ndpi-several", ndpi(SEVERAL), [], None))
    out.append(("alerts.table_full", ndpi(SEVERAL), SMALL_TABLE, None))
    for n, args in sorted(scen_args.items()):
        out.append(("scenario." + n, [os.path.join(scen_dir, n + ".pcap")], list(args), None))
    out.append(("kafka.flows", ndpi(KAFKA_PCAPS), SMALL_TABLE, "broker"))
    out.append(("kafka.per-app-also", ndpi(KAFKA_PCAPS), ["--kafka-topic-per-app", "also"],
                "broker"))
    out.append(("kafka.per-app-instead", ndpi(KAFKA_PCAPS[:2]),
                ["--kafka-topic-per-app", "instead"] + SMALL_TABLE, "broker"))
    out.append(("kafka.mock", ndpi(KAFKA_PCAPS), [], "mock"))
    return out


def kafka_available():
    """None when the Kafka cases can run, else why not."""
    if shutil.which("kcat") is None:
        return "kcat is not installed"
    if not os.access(MOCK, os.X_OK):
        return "no %s (flowzoo built without librdkafka?)" % MOCK
    return None


# --- Running. ---------------------------------------------------------------
def _kcat(args, timeout=60):
    r = subprocess.run(["kcat"] + args, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("kcat %s: %s" % (" ".join(args), r.stderr[-2000:]))
    return r.stdout


def read_topics(boot):
    """Every message of every topic on the cluster as 'topic TAB partition TAB
    key TAB payload', sorted by topic, partition and offset (the order within
    a partition is the produce order; across partitions there is none)."""
    meta = json.loads(_kcat(["-b", boot, "-L", "-J"]))
    msgs = []
    for t in sorted(t["topic"] for t in meta["topics"] if not t["topic"].startswith("__")):
        out = _kcat(["-b", boot, "-C", "-t", t, "-o", "beginning", "-e", "-q", "-f",
                     "%t\t%p\t%o\t%k\t%s\n"])
        for line in out.splitlines():
            if line:
                topic, part, off, rest = line.split("\t", 3)
                msgs.append((topic, int(part), int(off), "%s\t%s\t%s" % (topic, part, rest)))
    msgs.sort(key=lambda m: m[:3])
    return [m[3] for m in msgs]


def run_case(case, tmp):
    """Run one case in its own directory below tmp (relative output paths,
    so that the summary's "path" members do not depend on tmp); returns
    {suffix: normalised text}."""
    name, pcaps, extra, kafka = case
    wd = os.path.join(tmp, name)
    os.makedirs(wd)
    cmd = [FLOWZOO]
    for p in pcaps:
        cmd += ["--pcap", p]
    cmd += ["--jsonl", "out.jsonl", "--summary", "out.summary.json"] + COMMON + list(extra)
    mock = None
    try:
        if kafka == "broker":
            mock = subprocess.Popen([MOCK], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    text=True)
            boot = mock.stdout.readline().strip()
            if not boot:
                raise RuntimeError("mock_cluster printed no bootstrap address")
            cmd += ["--kafka", boot]
        elif kafka == "mock":
            cmd += ["--kafka-mock"]
        r = subprocess.run(cmd, cwd=wd, capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise RuntimeError("%s exited %d: %s" % (" ".join(cmd), r.returncode,
                                                     r.stderr[-2000:]))
        out = {}
        with open(os.path.join(wd, "out.jsonl")) as f:
            out["jsonl"] = "".join(normalise_record(line.rstrip("\n")) + "\n" for line in f)
        with open(os.path.join(wd, "out.summary.json")) as f:
            out["summary.json"] = normalise_summary(f.read())
        if kafka == "broker":
            out["kafka.tsv"] = "".join(normalise_kafka(m) + "\n" for m in read_topics(boot))
        return out
    finally:
        if mock is not None:
            mock.stdin.close()
            mock.wait(timeout=30)


def run_cases(case_list, tmp, jobs=2):
    """{case name: {suffix: text}}, jobs cases at a time."""
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        futs = {c[0]: ex.submit(run_case, c, tmp) for c in case_list}
        return {n: f.result() for n, f in futs.items()}


# --- Golden files. ------------------------------------------------------------
def golden_path(case, suffix):
    return os.path.join(DATA, "%s.%s.gz" % (case, suffix))


def write_golden(case, suffix, text):
    # mtime=0 and no file name in the header: the same text, the same bytes.
    with open(golden_path(case, suffix), "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(text.encode())


def read_golden(case, suffix):
    path = golden_path(case, suffix)
    if not os.path.exists(path):
        return None
    with gzip.open(path, "rb") as f:
        return f.read().decode()


# --- Comparison. --------------------------------------------------------------
def first_difference(expected, actual):
    """(line number, expected line, actual line) of the first difference of
    two lists of lines, or None; a missing line is None."""
    for i in range(max(len(expected), len(actual))):
        e = expected[i] if i < len(expected) else None
        a = actual[i] if i < len(actual) else None
        if e != a:
            return i + 1, e, a
    return None


def _column(e, a):
    """1-based column of the first differing character of two lines."""
    n = 0
    while n < min(len(e), len(a)) and e[n] == a[n]:
        n += 1
    return n + 1


def _show(fname, diff, what):
    n, e, a = diff
    col = "" if e is None or a is None else ", column %d" % _column(e, a)
    return ["%s: %s, first difference at line %d%s" % (fname, what, n, col),
            "  expected: %s" % ("<no line>" if e is None else e),
            "  actual:   %s" % ("<no line>" if a is None else a)]


def compare_lines(fname, expected, actual, strip_schema=False):
    """JSON lines or Kafka messages, byte for byte per line; returns the
    failure report (empty: equal)."""
    exp = expected.split("\n")
    act = actual.split("\n")
    if strip_schema:
        exp = [normalise_record(line, True) for line in exp]
        act = [normalise_record(line, True) for line in act]
    if ACCEPT_NULL_NETWORKS:  # Kafka payloads too
        act = [_NETWORKS.sub(r"\1,", line, count=1) for line in act]
    diff = first_difference(exp, act)
    if diff is None:
        return []
    return _show(fname, diff, "%d line(s) expected, %d got" % (len(exp) - 1, len(act) - 1))


def contained(expected, actual, path="$"):
    """The first path where actual lacks or changes something of expected
    (objects: every expected member, with an equal value; added members are
    fine, as the contract allows adding fields; arrays: the same length,
    element by element; anything else: equal), or None."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return path
        for k, v in expected.items():
            if k not in actual:
                return "%s.%s (missing)" % (path, k)
            p = contained(v, actual[k], "%s.%s" % (path, k))
            if p:
                return p
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(expected) != len(actual):
            return path + " (length)"
        for i, (e, a) in enumerate(zip(expected, actual)):
            p = contained(e, a, "%s[%d]" % (path, i))
            if p:
                return p
        return None
    return None if expected == actual and type(expected) is type(actual) else path


def added_members(expected, actual, path="$"):
    """Paths of members actual has and expected has not (objects only)."""
    out = []
    if isinstance(expected, dict) and isinstance(actual, dict):
        for k, v in actual.items():
            if k not in expected:
                out.append("%s.%s" % (path, k))
            else:
                out += added_members(expected[k], v, "%s.%s" % (path, k))
    elif isinstance(expected, list) and isinstance(actual, list):
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += added_members(e, a, "%s[%d]" % (path, i))
    return out


def compare_summary(fname, expected, actual):
    """Summaries as parsed JSON values (the restructure may reorder keys, and
    may add members): every recorded member must be there with its value.
    Returns (failure report, note on the bytes and the added members)."""
    diff = first_difference(expected.split("\n"), actual.split("\n"))
    try:
        e, a = json.loads(expected), json.loads(actual)
    except ValueError as err:
        diff = diff or (1, expected[:200], actual[:200])
        return _show(fname, diff, "not JSON (%s)" % err), None
    where = contained(e, a)
    if where:
        return ["%s: the recorded value at %s differs or is missing" % (fname, where)], None
    if diff is None:
        return [], None
    added = added_members(e, a)
    return [], ("%s: same recorded values; bytes differ (key order%s)" %
                (fname, "; added: " + ", ".join(sorted(set(
                    p.split("[")[0] if "[" in p else p for p in added))) if added else ""))


def compare_case(case, got):
    """Compare one case's outputs with its golden files; returns (one
    report per file that differs, a list of lines; notes)."""
    fails, notes = [], []
    for suffix, text in sorted(got.items()):
        fname = os.path.relpath(golden_path(case, suffix), SRC)
        want = read_golden(case, suffix)
        if want is None:
            fails.append(["%s: no golden file" % fname])
        elif suffix == "summary.json":
            f, note = compare_summary(fname, want, text)
            if f:
                fails.append(f)
            if note:
                notes.append(note)
        else:
            f = compare_lines(fname, want, text,
                              strip_schema=ACCEPT_SCHEMA_VERSION and suffix == "jsonl")
            if f:
                fails.append(f)
    return fails, notes


def flowzoo_version():
    r = subprocess.run([FLOWZOO, "--version"], capture_output=True, text=True, timeout=30)
    return r.stdout.strip()


def with_scenarios(fn):
    """fn(scen_dir, scen_args, scen_sha256) with the scenarios generated
    into a temporary directory, twice: the generator must be deterministic,
    or the golden outputs could not be."""
    with tempfile.TemporaryDirectory(prefix="fz-golden-") as tmp:
        a, b = os.path.join(tmp, "scen"), os.path.join(tmp, "scen2")
        args = generate_scenarios(a)
        generate_scenarios(b)
        sha = sha256_dir(a)
        if sha != sha256_dir(b):
            raise RuntimeError("fzgen.py scenarios is not deterministic: %s" %
                               sorted(k for k in sha if sha[k] != sha256_dir(b).get(k)))
        shutil.rmtree(b)
        return fn(tmp, a, args, sha)
