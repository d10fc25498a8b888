"""Fail loudly (issue 15): each start-up mistake gives exit status 2 and one
exact message naming the option or key, the value and what would be right;
zooctl's usage and setup errors give 2, silence gives 1 with a hint.

Every output path (--summary, --log-file, --jsonl, --spool-dir) is checked
at start (fz_opts_check_outputs, right after option parsing).
"""
import json
import os
import socket
import subprocess
import tempfile

from fzrun import BUILD, FLOWZOO, NDPI, SRC, Checker

ZOOCTL = os.path.join(BUILD, "app", "zooctl")
PCAP = os.path.join(NDPI, "gnutella.pcap")


def run(cmd, tmp):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp)
    lines = p.stderr.strip().splitlines()
    return p.returncode, lines[-1] if lines else ""


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def option_cases(tmp):
    """(arguments after --pcap PCAP, exact last line of standard error)."""
    long_prefix = "p" * 242
    return [
        (["--kafka-topic-per-app", "sometimes"],
         "flowzoo: --kafka-topic-per-app: 'sometimes' is not one of off|also|instead"),
        (["--kafka-topic-prefix", "bad topic/name"],
         "flowzoo: --kafka-topic-prefix: 'bad topic/name': character 4 (' ') is not allowed "
         "in a Kafka topic name (letters, digits, '.', '_', '-')"),
        (["--kafka-topic-prefix", long_prefix],
         "flowzoo: --kafka-topic-prefix: '%s' is 242 characters, at most 241 (Kafka takes "
         "topic names of up to 249 characters, and PREFIX.traffic is the longest)"
         % long_prefix),
        (["--kafka-opt", "linger.ms=5"],
         "flowzoo: --kafka-opt linger.ms=5: no Kafka sink to set it on (give --kafka "
         "BROKERS, --kafka-mock, or \"bootstrap.servers\" in the config file's \"kafka\" "
         "object)"),
        (["--kafka-opt", "="], "flowzoo: --kafka-opt: '=': the key is empty (KEY=VALUE)"),
        (["--kafka-mock", "--kafka-opt", "=1"],
         "flowzoo: --kafka-opt: '=1': the key is empty (KEY=VALUE)"),
        (["--kafka-mock", "--kafka-opt", "linger.ms"],
         "flowzoo: --kafka-opt: 'linger.ms' is not KEY=VALUE"),
        (["--collector-id", ""], "flowzoo: --collector-id: the value is empty (NAME)"),
        (["--jsonl", ""], "flowzoo: --jsonl: the value is empty (PATH)"),
        (["--summary", ""], "flowzoo: --summary: the value is empty (PATH)"),
        (["--log-file", ""], "flowzoo: --log-file: the value is empty (PATH)"),
        (["--spool-dir", ""], "flowzoo: --spool-dir: the value is empty (DIR)"),
        (["--signatures", ""], "flowzoo: --signatures: the value is empty (FILE)"),
        (["--config", ""], "flowzoo: --config: the value is empty (FILE)"),
        (["--idle-timeout", "1e12"],
         "flowzoo: --idle-timeout: '1e12' is not a number of seconds from 0 to 1000000000"),
        (["--duration", "-1"],
         "flowzoo: --duration: '-1' is not a number of seconds from 0 to 1000000000"),
        (["--ctl-port", "70000"], "flowzoo: --ctl-port: '70000' is not an integer from 1 to 65535"),
        (["--stats-lcore", "500"], "flowzoo: --stats-lcore: '500' is not an integer from 0 to 127"),
        (["--ring-size", "9999999999"],
         "flowzoo: --ring-size: '9999999999' is not an integer from 64 to 16777216"),
        (["--loss", "1"], "flowzoo: --loss: '1' is not a fraction from 0 to below 1"),
        (["--export-lcores", "x"],
         "flowzoo: --export-lcores: 'x': not a list of lcore ids (e.g. 2,3 or 2-5)"),
        (["--export-lcores", "1,"],
         "flowzoo: --export-lcores: '1,': not a list of lcore ids (e.g. 2,3 or 2-5)"),
        (["--export-lcores", "2,2"], "flowzoo: --export-lcores: '2,2': lcore 2 is given twice"),
        (["--export-lcores", "3-1"],
         "flowzoo: --export-lcores: '3-1': the range 3-1 runs backwards"),
        (["--export-lcores", "999"],
         "flowzoo: --export-lcores: '999': lcore 999 is out of range (0 to 127)"),
        (["--export-lcores", "0-20"], "flowzoo: --export-lcores: '0-20': more than 16 lcores"),
        (["--detect", "maybe"], "flowzoo: --detect: 'maybe' is not one of auto|on|off"),
        (["--threshold-pps", "-5"],
         "flowzoo: --threshold-pps: '-5' is not an integer from 0 to 4294967295"),
        (["--threshold-mbps", "2000000"],
         "flowzoo: --threshold-mbps: '2000000' is not an integer from 0 to 1000000"),
        (["--scan-ports", "2000"], "flowzoo: --scan-ports: '2000' is not an integer from 0 to 1024"),
        (["--scan-window", "x"],
         "flowzoo: --scan-window: 'x' is not a number of seconds from 0 to 1000000000"),
        (["--detect-hosts", "0"],
         "flowzoo: --detect-hosts: '0' is not an integer from 1 to 16777216"),
        (["--jsonl-mode", "overwrite"],
         "flowzoo: --jsonl-mode: 'overwrite' is not one of truncate|append|refuse"),
        *[(["--jsonl", "o.jsonl", "--jsonl-compress", v],
           "flowzoo: --jsonl-compress: '%s' is not auto, none, zstd or zstd:LEVEL with LEVEL an "
           "integer from -7 to 19" % v) for v in ("gzip", "zstd:20", "zstd:-8", "zstd:", "zstd:3x")],
        (["--jsonl-compress", "zstd"],
         "flowzoo: --jsonl-compress zstd: no --jsonl output to compress"),
        (["--ipfix", "collector:0"],
         "flowzoo: --ipfix: 'collector:0': the port is not an integer from 1 to 65535"),
        (["--ipfix", "sctp://c:4739"],
         "flowzoo: --ipfix: 'sctp://c:4739': the transport is udp:// or tcp://"),
        (["--ipfix", "::1:4739"],
         "flowzoo: --ipfix: '::1:4739': expected HOST:PORT (IPv6: [ADDR]:PORT)"),
        (["--ipfix", "no-such-host.invalid:4739"],
         "flowzoo: --ipfix: 'no-such-host.invalid:4739': cannot resolve no-such-host.invalid: "
         "Name or service not known"),
        (sum((["--ipfix", "c:%d" % p] for p in range(1, 10)), []),
         "flowzoo: --ipfix: 9 collectors, at most 8"),
        (["--ipfix-mtu", "100"], "flowzoo: --ipfix-mtu: '100' is not an integer from 256 to 65507"),
        (["--ipfix-biflow", "yes"], "flowzoo: --ipfix-biflow: 'yes' is not one of on|off"),
        (["--ipfix-domain", "4294967296"],
         "flowzoo: --ipfix-domain: '4294967296' is not an integer from 0 to 4294967295"),
        (["--alert-k", "-1"], "flowzoo: --alert-k: '-1' is not a number from 0 to 1000"),
        (["--alert-k", "3x"], "flowzoo: --alert-k: '3x' is not a number from 0 to 1000"),
        (["--alert-history", "0"],
         "flowzoo: --alert-history: '0' is not an integer from 1 to 65536"),
        (["--alert-bins", "1001"], "flowzoo: --alert-bins: '1001' is not an integer from 1 to 1000"),
        (["--alert-suppress", "-5"],
         "flowzoo: --alert-suppress: '-5' is not a number of seconds from 0 to 1000000000"),
        (["--alert-history", "10", "--alert-min-history", "11"],
         "flowzoo: --alert-min-history: 11 is more than --alert-history 10 (from 1 to "
         "--alert-history)"),
        (["--config", tmp], "flowzoo: cannot read config %s: Is a directory" % tmp),
        (["--config", os.path.join(tmp, "missing.json")],
         "flowzoo: cannot read config %s: No such file or directory"
         % os.path.join(tmp, "missing.json")),
    ]


def config_cases(tmp):
    """(config object, message after "flowzoo: config FILE: ")."""
    return [
        ({"jsonl": 5}, "key 'jsonl': expected a string, got an integer"),
        ({"summary": True}, "key 'summary': expected a string, got a boolean"),
        ({"collector-id": ["a"]}, "key 'collector-id': expected a string, got an array"),
        ({"idle-timeout": "15"}, "key 'idle-timeout': expected a number, got a string"),
        ({"alert-k": "3"}, "key 'alert-k': expected a number, got a string"),
        ({"alert-k": 1001.5}, "key 'alert-k': '1001.5' is not a number from 0 to 1000"),
        ({"flows-per-worker": 1.5},
         "key 'flows-per-worker': expected an integer, got a number with a fraction"),
        ({"ctl-port": "7411"}, "key 'ctl-port': expected an integer, got a string"),
        ({"kafka-mock": 1}, "key 'kafka-mock': expected true or false, got an integer"),
        ({"progress": False}, "key 'progress': expected a string, got a boolean"),
        ({"jsonl-mode": None}, "key 'jsonl-mode': expected a string, got null"),
        ({"jsonl": "o.jsonl", "jsonl-compress": "lz4"},
         "key 'jsonl-compress': 'lz4' is not auto, none, zstd or zstd:LEVEL with LEVEL an "
         "integer from -7 to 19"),
        ({"jsonl-compress": 3}, "key 'jsonl-compress': expected a string, got an integer"),
        ({"pcap": [PCAP, 7]}, "key 'pcap': item 1: expected a string, got an integer"),
        ({"kafka": 9092},
         "key 'kafka': expected a string (brokers) or an object of librdkafka properties, got "
         "an integer"),
        ({"kafka": {"linger.ms": 1.5}},
         "key 'kafka': property 'linger.ms': expected a string, an integer or a boolean, got a "
         "number with a fraction"),
        ({"collector-id": ""}, "key 'collector-id': the value is empty (NAME)"),
        ({"idle-timeout": 1e12},
         "key 'idle-timeout': '1000000000000' is not a number of seconds from 0 to 1000000000"),
    ]


def output_cases(tmp):
    """Need main.c to call fz_opts_check_outputs(): (arguments, exact message)."""
    full = write(os.path.join(tmp, "full.jsonl"), "{}\n")
    plain = write(os.path.join(tmp, "plain.txt"), "not a directory\n")
    return [
        (["--summary", "/nonexistent/dir/s.json"],
         "flowzoo: --summary /nonexistent/dir/s.json: No such file or directory"),
        (["--summary", tmp], "flowzoo: --summary %s: Is a directory" % tmp),
        (["--log-file", tmp], "flowzoo: --log-file %s: Is a directory" % tmp),
        (["--jsonl", "/nonexistent/dir/f.jsonl"],
         "flowzoo: --jsonl /nonexistent/dir/f.jsonl: No such file or directory"),
        (["--jsonl", tmp], "flowzoo: --jsonl %s: Is a directory" % tmp),
        (["--jsonl", full, "--jsonl-mode", "refuse"],
         "flowzoo: --jsonl %s: the file exists and is not empty (--jsonl-mode refuse)" % full),
        (["--spool-dir", plain], "flowzoo: --spool-dir %s: Not a directory" % plain),
        (["--spool-dir", "/nonexistent/a/b"],
         "flowzoo: --spool-dir /nonexistent/a/b: No such file or directory"),
    ]


def check_outputs_leave_no_trace(c, tmp):
    """A run refused for one output leaves the others as they were: an existing
    summary keeps its bytes, a summary that did not exist is not made."""
    old = write(os.path.join(tmp, "old.json"), "keep me\n")
    new = os.path.join(tmp, "new.json")
    spool = os.path.join(tmp, "spool-new")
    for summ in (old, new):
        rc, _ = run([FLOWZOO, "--pcap", PCAP, "--summary", summ, "--spool-dir", spool,
                     "--log-file", tmp], tmp)
        c.eq(2, rc, "refused run with --summary %s" % summ)
    c.eq("keep me\n", open(old).read(), "an existing summary is not changed by the check")
    c.eq(False, os.path.exists(new), "a missing summary is not left behind by the check")
    c.eq(False, os.path.exists(spool), "a missing spool directory is not left behind")
    # Refuse takes an empty file, and "-" is never checked.
    empty = write(os.path.join(tmp, "empty.jsonl"), "")
    for jsonl in (empty, "-"):
        rc, _ = run([FLOWZOO, "--pcap", PCAP, "--jsonl", jsonl, "--jsonl-mode", "refuse",
                     "--progress", "off"], tmp)
        c.eq(0, rc, "--jsonl %s --jsonl-mode refuse runs" % jsonl)


def check_shipped_configs(c, tmp):
    """Every JSON file in drivers-config/ is accepted, and the paths it names
    are in directories a fresh box has."""
    d = os.path.join(SRC, "drivers-config")
    for name in sorted(os.listdir(d)):
        if not name.endswith(".json"):
            continue
        path = os.path.join(d, name)
        with open(path) as f:
            conf = json.load(f)
        for key in ("jsonl", "log-file", "summary"):
            if key in conf:
                c.eq(True, os.path.isdir(os.path.dirname(conf[key]) or "."),
                     "%s: the directory of %s exists" % (name, key))
        # Its own output paths are replaced so the test writes only into tmp.
        rc, last = run([FLOWZOO, "--config", path, "--pcap", PCAP, "--progress", "off",
                        "--flows-per-worker", "4096", "--jsonl", os.path.join(tmp, "x.jsonl"),
                        "--summary", os.path.join(tmp, "x.json"),
                        "--log-file", os.path.join(tmp, "x.log")], tmp)
        c.eq((0, ""), (rc, last), "%s is accepted" % name)


def zooctl_cases(c, tmp):
    key = os.path.join(tmp, "zoo.key")
    subprocess.run([ZOOCTL, "keygen", "-o", key], check=True, timeout=30)
    host = "no-such-host.invalid"
    try:
        socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_DGRAM)
        why = None
    except socket.gaierror as e:
        why = e.strerror
    cases = [
        (["--key-file", key, "--target", host, "status"], 2,
         "zooctl: --target %s: cannot resolve %s: %s" % (host, host, why)),
        (["--key-file", key, "--target", "127.0.0.1:99999", "status"], 2,
         "zooctl: --target 127.0.0.1:99999: expected HOST[:PORT] (PORT from 1 to 65535)"),
        (["--key-file", os.path.join(tmp, "nokey"), "--target", "127.0.0.1:9", "status"], 2,
         "zooctl: key file %s: No such file or directory" % os.path.join(tmp, "nokey")),
        (["--key-file", key, "--broadcast", "127.255.255.255", "--port", "9", "--timeout",
          "0.3", "discover"], 1,
         "zooctl: no appliance answered discovery within 0.3 s (are the broadcast address "
         "and port right, and is the key the same as the appliances' --ctl-key?)"),
    ]
    for args, status, msg in cases:
        rc, last = run([ZOOCTL] + args, tmp)
        c.eq((status, msg), (rc, last), "zooctl %s" % " ".join(args))
    hint = ("no answer from 127.0.0.1:9 within 0.3 s (is the appliance running, and is the key "
            "the same as its --ctl-key?)")
    for cmd in (["status"], ["logs", "-o", os.path.join(tmp, "x.log")]):
        p = subprocess.run([ZOOCTL, "--key-file", key, "--target", "127.0.0.1:9", "--timeout",
                            "0.3", "--json"] + cmd, capture_output=True, text=True, timeout=60)
        doc = json.loads(p.stdout)
        c.eq((1, [{"address": "127.0.0.1:9", "ok": False, "error": hint}]),
             (p.returncode, doc["appliances"]), "zooctl %s to a silent port" % cmd[0])


def offline_cases(tmp):
    """(all arguments, exact last line of standard error) of --pcap-dir and its options."""
    d = os.path.join(tmp, "capdir")
    os.makedirs(d, exist_ok=True)
    return [
        (["--pcap", PCAP, "--watch"], "flowzoo: --watch needs --pcap-dir DIR"),
        (["--pcap", PCAP, "--done", "delete"], "flowzoo: --done needs --pcap-dir DIR"),
        (["--pcap", PCAP, "--journal", "j"], "flowzoo: --journal needs --pcap-dir DIR"),
        (["--pcap", PCAP, "--pcap-dir", d], "flowzoo: --pcap-dir: give it alone, without --pcap"),
        (["--pcap-eal", "--pcap-dir", d],
         "flowzoo: --pcap-dir: give it alone, without --pcap-eal"),
        (["--pcap-dir", d, "--done", "sometimes"],
         "flowzoo: --done: 'sometimes' is not keep, delete or move:DIR"),
        (["--pcap-dir", d, "--done", "move:"],
         "flowzoo: --done: 'move:' is not keep, delete or move:DIR"),
        (["--pcap-dir", d, "--done", "move:/nonexistent"],
         "flowzoo: --done: /nonexistent is not a directory"),
        (["--pcap-dir", "/nonexistent"],
         "flowzoo: --pcap-dir /nonexistent: No such file or directory"),
        (["--pcap-dir", PCAP], "flowzoo: --pcap-dir %s: Not a directory" % PCAP),
        (["--pcap-dir", d, "--journal", "/nonexistent/j"],
         "flowzoo: --pcap-dir %s: journal /nonexistent/j: No such file or directory" % d),
        (["--no-huge", "--", "--pcap-dir", d],
         "flowzoo: --pcap-dir reads without EAL: give no EAL options (nothing before '--')"),
    ]


def main():
    c = Checker()
    with tempfile.TemporaryDirectory() as tmp:
        for args, msg in option_cases(tmp):
            c.eq((2, msg), run([FLOWZOO, "--pcap", PCAP] + args, tmp), "flowzoo %s" % args)
        for args, msg in offline_cases(tmp):
            c.eq((2, msg), run([FLOWZOO] + args, tmp), "flowzoo %s" % args)
        for obj, msg in config_cases(tmp):
            conf = write(os.path.join(tmp, "c.json"), json.dumps(obj))
            c.eq((2, "flowzoo: config %s: %s" % (conf, msg)),
                 run([FLOWZOO, "--pcap", PCAP, "--config", conf], tmp), "config %s" % obj)
        # Without any Kafka sink a config "kafka" object's properties are refused too.
        conf = write(os.path.join(tmp, "k.json"), json.dumps({"kafka": {"linger.ms": 5}}))
        c.eq((2, "flowzoo: --kafka-opt linger.ms=5: no Kafka sink to set it on (give --kafka "
                 "BROKERS, --kafka-mock, or \"bootstrap.servers\" in the config file's "
                 "\"kafka\" object)"),
             run([FLOWZOO, "--pcap", PCAP, "--config", conf], tmp), "config kafka, no sink")
        # 241 characters pass the prefix check; PREFIX.flows.unknown is 255. This
        # error comes from the signature loader, which runs beside EAL's start.
        p = subprocess.run([FLOWZOO, "--pcap", PCAP, "--kafka-topic-prefix", "p" * 241,
                            "--kafka-topic-per-app", "also"], capture_output=True, text=True,
                           timeout=120, cwd=tmp)
        c.eq((2, "flowzoo: --kafka-topic-per-app: the topic %s.flows.unknown would be 255 "
                 "characters, Kafka takes at most 249 (shorten --kafka-topic-prefix)"
                 % ("p" * 241)),
             (p.returncode, p.stderr.strip().splitlines()[-1]), "per-application topic length")
        # The limits are inclusive: these run.
        for args in (["--kafka-topic-prefix", "p" * 241], ["--idle-timeout", "1000000000"],
                     ["--jsonl-mode", "truncate"], ["--stats-lcore", "0"]):
            rc, _ = run([FLOWZOO, "--pcap", PCAP, "--progress", "off"] + args, tmp)
            c.eq(0, rc, "flowzoo %s runs" % [a[:20] for a in args])
        check_shipped_configs(c, tmp)
        zooctl_cases(c, tmp)
        for args, msg in output_cases(tmp):
            c.eq((2, msg), run([FLOWZOO, "--pcap", PCAP] + args, tmp), "flowzoo %s" % args)
        check_outputs_leave_no_trace(c, tmp)
    c.done()


if __name__ == "__main__":
    main()
