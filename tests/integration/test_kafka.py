#!/usr/bin/env python3
"""flowzoo's Kafka sink end to end: flowzoo --pcap ... --kafka ADDR against a
mock cluster in its own process (build/tests/kafka/mock_cluster), read back
with kcat.

- every flow record of the captures arrives exactly once on the flows topic,
  equal to the JSON-lines record plus "schema_version": 1, with the
  documented message key; the stats records arrive on the stats topic;
- --kafka-topic-per-app also: each flow also on <prefix>.flows.<app>;
- no broker: records go to the spool; the next run sends the spool first
  (per key, every record of the first run comes before the second run's);
- start-up errors: malformed --kafka, unknown or rejected --kafka-opt, and
  the config file's "kafka" object;
- --kafka-mock prints the mock cluster's address and delivers everything;
- with --export-lcores 0,1 (issue 23) the same messages with the same keys, and
  on every partition the flows in the order of the JSON-lines file.
"""
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fzrun import BUILD, FLOWZOO, NDPI, SRC, Checker, run_flowzoo  # noqa: E402

MOCK = os.path.join(BUILD, "tests", "kafka", "mock_cluster")
PCAPS = [os.path.join(NDPI, f + ".pcap") for f in ("bittorrent", "http_ipv6", "quic", "chrome")]


def start_mock():
    p = subprocess.Popen([MOCK], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    boot = p.stdout.readline().strip()
    if not boot:
        raise RuntimeError("mock_cluster printed no bootstrap address")
    return p, boot


def kcat(boot, topic):
    """All messages of topic as (key, partition, record), in partition order."""
    out = subprocess.run(["kcat", "-b", boot, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                          "-f", "%k\t%p\t%s\n"], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("kcat %s: %s" % (topic, out.stderr))
    msgs = []
    for line in out.stdout.splitlines():
        if not line:
            continue
        key, part, value = line.split("\t", 2)
        msgs.append((key, int(part), json.loads(value)))
    return msgs


def flow_key(r):
    """The documented message key of a flow record (docs/kafka-schema.md)."""
    def packed(ip):
        a = ipaddress.ip_address(ip)
        return (a.packed if a.version == 6 else b"\0" * 10 + b"\xff\xff" + a.packed)
    ends = sorted([(packed(r["src_ip"]), r["src_port"], r["src_ip"]),
                   (packed(r["dst_ip"]), r["dst_port"], r["dst_ip"])])
    return "%d.%d/%d/%s/%d/%s/%d" % (r["vlan"], r["vlan_inner"], r["ip_proto"], ends[0][2],
                                     ends[0][1], ends[1][2], ends[1][1])


def test_all_flows(c, boot, tmp, prefix="flowzoo", extra=()):
    records, summ, _ = run_flowzoo(PCAPS, tmp, ["--kafka", boot, "--kafka-topic-per-app", "also",
                                                "--kafka-topic-prefix", prefix] + list(extra),
                                   name="all" + prefix)
    flows = [r for r in records if r["type"] == "flow"]
    stats = [r for r in records if r["type"] == "stats"]
    c.eq(True, len(flows) > 40, "flows in the captures (%d)" % len(flows))
    msgs = kcat(boot, prefix + ".flows")
    # Per partition the flows come in the JSON-lines file's order.
    order = {r["flow_id"]: i for i, r in enumerate(flows)}
    parts = {}
    for _, part, rec in msgs:
        parts.setdefault(part, []).append(order.get(rec.get("flow_id"), -1))
    c.eq([], [p for p, seq in parts.items() if seq != sorted(seq)],
         "%s: partitions whose flows are out of the file's order" % prefix)
    c.eq(len(flows), len(msgs), "messages on flowzoo.flows")
    # Each on the partition librdkafka's default partitioner (consistent_random: CRC-32 of
    # the key) gives it, whether librdkafka partitioned it or the export lanes grouped it
    # (the mock's topics have 4 partitions).
    c.eq(4, 1 + max(p for _, p, _ in msgs), "%s: partitions used" % prefix)
    c.eq([], [(k, p) for k, p, _ in msgs if p != zlib.crc32(k.encode()) % 4],
         "%s: messages off their key's partition" % prefix)
    by_id = {}
    for key, _, rec in msgs:
        by_id.setdefault(rec.get("flow_id"), []).append((key, rec))
    c.eq(len(flows), len(by_id), "distinct flow_id on flowzoo.flows")
    bad_value = bad_key = 0
    for r in flows:
        got = by_id.get(r["flow_id"], [])
        if len(got) != 1:
            bad_value += 1
            continue
        key, rec = got[0]
        bad_value += rec != dict(r, schema_version=1)
        bad_key += key != flow_key(r)
    c.eq(0, bad_value, "flow messages not equal to their JSON-lines record + schema_version")
    c.eq(0, bad_key, "flow messages without the documented key")
    k = summ["kafka"]
    c.eq(2 * len(flows) + len(stats), k["delivered"], "summary kafka.delivered (flows twice)")
    c.eq(0, k["dropped"], "summary kafka.dropped")
    c.eq(0, k["failed"], "summary kafka.failed")
    # Export lanes hand a turn's messages on a topic at a time (produce_batch); the stats
    # lcore, one at a time.
    lanes = "--export-lcores" in extra
    c.eq(True, 0 < k["batches"] <= k["produced"] if lanes else k["batches"] == 0,
         "%s: summary kafka.batches (%d for %d produced)" % (prefix, k["batches"], k["produced"]))
    # Per-app topics: each flow once more, on its application's topic.
    for app in sorted(set(r["app"] for r in flows)):
        want = sorted(r["flow_id"] for r in flows if r["app"] == app)
        got = sorted(rec["flow_id"] for _, _, rec in kcat(boot, prefix + ".flows." + app))
        c.eq(want, got, "flow_id on %s.flows.%s" % (prefix, app))
    smsgs = kcat(boot, prefix + ".stats")
    c.eq(len(stats), len(smsgs), "messages on flowzoo.stats")
    c.eq(dict(stats[-1], schema_version=1), smsgs[-1][2] if smsgs else None,
         "final stats record on flowzoo.stats")
    c.eq(True, all(key == summ["collector"] for key, _, _ in smsgs), "stats keyed by collector")


def test_traffic(c, boot, tmp):
    """--networks: one message per network and bin on <prefix>.traffic, keyed by the
    network's name, equal to the JSON-lines traffic record."""
    nets = os.path.join(tmp, "nets.json")
    with open(nets, "w") as f:
        json.dump({"networks": [{"name": "lan", "prefixes": ["192.168.0.0/16"]},
                                {"name": "v6", "prefixes": ["2000::/3"]}]}, f)
    records, summ, _ = run_flowzoo(PCAPS, tmp, ["--kafka", boot, "--kafka-topic-prefix", "tr",
                                                "--networks", nets, "--traffic-interval", "60"],
                                   name="traffic")
    traffic = [r for r in records if r["type"] == "traffic"]
    c.eq(True, len(traffic) >= 2, "traffic records (%d)" % len(traffic))
    msgs = kcat(boot, "tr.traffic")
    c.eq(sorted(json.dumps(r, sort_keys=True) for r in traffic),
         sorted(json.dumps(rec, sort_keys=True) for _, _, rec in msgs),
         "tr.traffic messages equal the JSON-lines traffic records")
    c.eq(True, all(key == rec["network"] for key, _, rec in msgs),
         "traffic messages keyed by the network's name")
    for net in ("lan", "v6"):  # one partition per network, bins in order
        starts = [rec["bin_start_ms"] for key, _, rec in msgs if key == net]
        c.eq(sorted(starts), starts, "%s: bins in order on its partition" % net)
        c.eq(1, len(set(p for key, p, _ in msgs if key == net)), "%s: one partition" % net)


def test_attack_keys(c, boot, tmp):
    """Attack alerts on <prefix>.alerts (docs/alerts.md): equal to the JSON-lines
    alert records, keyed by the host (volume, syn_flood) or the scanner (scans)."""
    gen = os.path.join(SRC, "scripts", "fzgen.py")
    d = os.path.join(tmp, "attacks")
    subprocess.run([sys.executable, gen, "attacks", d], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(d, "attacks.alerts.json")) as f:
        truth = json.load(f)
    records, summ, _ = run_flowzoo([os.path.join(d, "attacks.pcap")], tmp,
                                   truth["args"] + ["--kafka", boot, "--kafka-topic-prefix", "at",
                                                    "--networks", os.path.join(d, truth["networks"])],
                                   name="attacks")
    alerts = [r for r in records if r["type"] == "alert"]
    c.eq(len(truth["alerts"]), len(alerts), "attack alert records")
    msgs = kcat(boot, "at.alerts")
    c.eq(sorted(json.dumps(r, sort_keys=True) for r in alerts),
         sorted(json.dumps(rec, sort_keys=True) for _, _, rec in msgs),
         "at.alerts messages equal the JSON-lines alert records")
    want = {"volume": "host", "syn_flood": "host", "port_scan": "scanner", "address_scan": "scanner"}
    c.eq([rec[want[rec["alert"]]] for _, _, rec in msgs], [key for key, _, _ in msgs],
         "alerts keyed by host or scanner")


def test_spool_restart(c, boot, tmp):
    spool = os.path.join(tmp, "spool")
    common = ["--kafka-topic-prefix", "sp", "--spool-dir", spool]
    # No broker (nothing listens on port 1): everything ends in the spool.
    records, summ, _ = run_flowzoo(PCAPS, tmp, common + ["--kafka", "127.0.0.1:1",
                                                        "--kafka-flush-timeout", "1",
                                                        "--collector-id", "run1"], name="sp1")
    n1 = len(records)
    k = summ["kafka"]
    c.eq(0, k["delivered"], "run 1: delivered")
    c.eq(n1, k["spooled"], "run 1: spooled")
    c.eq(n1, k["spool"]["records"], "run 1: records in the spool")
    c.eq(0, k["dropped"], "run 1: dropped")
    # Next start with a broker: the spool goes first, then the new records.
    records2, summ2, _ = run_flowzoo(PCAPS, tmp, common + ["--kafka", boot,
                                                          "--collector-id", "run2"], name="sp2")
    k2 = summ2["kafka"]
    c.eq(n1 + len(records2), k2["delivered"], "run 2: delivered")
    c.eq(n1, k2["unspooled"], "run 2: sent from the spool")
    c.eq(0, k2["spool"]["records"], "run 2: records left in the spool")
    msgs = kcat(boot, "sp.flows")
    nflows = sum(r["type"] == "flow" for r in records)
    c.eq(2 * nflows, len(msgs), "sp.flows messages")
    for run in ("run1", "run2"):
        ids = sorted(rec["flow_id"] for _, _, rec in msgs if rec["collector"] == run)
        c.eq(sorted(r["flow_id"] for r in records if r["type"] == "flow"), ids,
             "%s flows on sp.flows, each once" % run)
    seen2 = set()
    late = 0
    for key, _, rec in msgs:
        if rec["collector"] == "run2":
            seen2.add(key)
        elif key in seen2:
            late += 1
    c.eq(0, late, "run 1 records after run 2 records of the same key")


def test_errors(c, boot, tmp):
    def fails(args, text, what):
        p = subprocess.run([FLOWZOO, "--pcap", PCAPS[0], "--progress", "off"] + args,
                           capture_output=True, text=True, timeout=120)
        c.eq(2, p.returncode, what + ": exit status")
        c.eq(True, text in p.stderr, what + ": message %r in %r" % (text, p.stderr[-300:]))
    fails(["--kafka", "localhost"], "--kafka: broker 'localhost' is not host:port", "no port")
    fails(["--kafka", boot, "--kafka-opt", "no.such=1"],
          "--kafka-opt no.such=1: unknown librdkafka property 'no.such'", "unknown property")
    fails(["--kafka", boot, "--kafka-opt", "compression.codec=brotli"],
          "--kafka-opt compression.codec=brotli: ", "rejected value")
    fails(["--kafka", boot, "--kafka-topic-per-app", "maybe"], "--kafka-topic-per-app: 'maybe'",
          "bad per-app mode")
    conf = os.path.join(tmp, "bad.json")
    with open(conf, "w") as f:
        json.dump({"kafka": {"linger.ms": "soon"}}, f)
    fails(["--config", conf, "--kafka", boot], "--kafka-opt linger.ms=soon: ", "config property")
    # A good config object: properties and, through bootstrap.servers, the brokers.
    with open(conf, "w") as f:
        json.dump({"kafka": {"bootstrap.servers": boot, "linger.ms": 2,
                             "compression.codec": "zstd"},
                   "kafka-topic-prefix": "cfg"}, f)
    records, summ, _ = run_flowzoo(PCAPS[:1], tmp, ["--config", conf], name="cfg")
    c.eq(len(records), summ["kafka"]["delivered"], "config: delivered")
    c.eq(sum(r["type"] == "flow" for r in records), len(kcat(boot, "cfg.flows")),
         "config: cfg.flows messages")


def test_mock(c, tmp):
    records, summ, err = run_flowzoo(PCAPS, tmp, ["--kafka-mock"], name="mock")
    c.eq(True, "kafka: mock cluster at 127.0.0.1:" in err, "mock address printed")
    c.eq(len(records), summ["kafka"]["delivered"], "--kafka-mock: delivered")
    c.eq(True, summ["kafka"]["mock"], "--kafka-mock: status says mock")


def main():
    if shutil.which("kcat") is None:
        print("kcat not installed: skipped")
        sys.exit(77)
    c = Checker()
    mock, boot = start_mock()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            test_all_flows(c, boot, tmp)
            test_all_flows(c, boot, tmp, "lanes", ["--export-lcores", "0,1"])
            test_spool_restart(c, boot, tmp)
            test_traffic(c, boot, tmp)
            test_attack_keys(c, boot, tmp)
            test_errors(c, boot, tmp)
            test_mock(c, tmp)
    finally:
        mock.stdin.close()
        mock.wait(timeout=30)
    c.done()


if __name__ == "__main__":
    main()
