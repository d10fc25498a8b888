#!/usr/bin/env python3
"""L7 accuracy on the 31 nDPI captures: exact per-class counts, so any change
in what the default signatures name fails here (and docs/accuracy.md needs
updating).

Checks scripts/accuracy.py's numbers from flowzoo's own JSON-lines records
(build/app/flowzoo --pcap F --jsonl OUT --signatures signatures/flowzoo.sigs),
and from the offline harness build/tests/integration/l7_pcap, which runs the
same classifier over its own flow grouping.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("FZ_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("FZ_BUILD", os.path.join(SRC, "build"))
SHARED = os.environ.get("FZ_SHARED", os.path.join(SRC, "..", "shared"))
SIGS = os.path.join(SRC, "signatures", "flowzoo.sigs")

# (nDPI class > flowzoo class): flows. All 20 disagreements are flows nDPI
# named by port alone (class_note "guessed"); docs/accuracy.md lists them.
EXPECTED = {
    "bittorrent>bittorrent": 27,
    "dhcp>dhcp": 6,
    "http>http": 103,
    "http>unknown": 4,
    "ssdp>ssdp": 22,
    "ssh>ssh": 2,
    "tls>tls": 121,
    "tls>unknown": 16,
    "unknown>unknown": 877,
}
EXPECTED_AGREE = 1158
TOTAL = 1178


def run(mode, binary, tmp):
    out = os.path.join(tmp, "ndpi" + mode.strip("-"))
    res_json = os.path.join(out, "acc.json")
    cmd = [sys.executable, os.path.join(SRC, "scripts", "accuracy.py"), mode, binary,
           "--signatures", SIGS, "--pcaps", os.path.join(SHARED, "pcaps", "ndpi"),
           "--keep", out, "--json", res_json]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=550)
    text = res.stdout.decode(errors="replace")
    if res.returncode != 0:
        print(text)
        return ["%s: accuracy.py failed (%d)" % (mode, res.returncode)]
    print(text.split("\n\n")[0])
    with open(res_json) as f:
        got = json.load(f)
    errors = []
    for k in sorted(set(EXPECTED) | set(got["confusion"])):
        if EXPECTED.get(k, 0) != got["confusion"].get(k, 0):
            errors.append("%s: %s: expected %d flows, got %d" %
                          (mode, k, EXPECTED.get(k, 0), got["confusion"].get(k, 0)))
    if (EXPECTED_AGREE, TOTAL) != (got["agree"], got["total"]):
        errors.append("%s: agreement: expected %d/%d, got %d/%d" %
                      (mode, EXPECTED_AGREE, TOTAL, got["agree"], got["total"]))
    if got["total"] and got["agree"] / got["total"] < 0.98:
        errors.append("%s: agreement below 98%%" % mode)
    return errors


def check_generated(mode, binary, tmp):
    """The project's own L7 captures (scripts/fzgen.py l7, docs/generator.md):
    each class on standard and other ports, close negatives, mid-flow starts.
    Every flow of the truth must get exactly its app."""
    gen = os.path.join(tmp, "gen")
    res = subprocess.run([sys.executable, os.path.join(SRC, "scripts", "fzgen.py"), "l7", gen],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    if res.returncode != 0:
        return ["fzgen l7 failed: %s" % res.stderr.decode(errors="replace")[-500:]]
    errors, total = [], 0
    for truth_path in sorted(glob.glob(os.path.join(gen, "*.truth.json"))):
        pcap = truth_path[:-len(".truth.json")] + ".pcap"
        out = pcap + "." + mode.strip("-") + ".jsonl"
        if mode == "--flowzoo":
            cmd = [binary, "--pcap", pcap, "--jsonl", out, "--signatures", SIGS,
                   "--idle-timeout", "300", "--active-timeout", "1800", "--tcp-linger", "2"]
            res = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 timeout=120)
        else:
            with open(out, "w") as f:
                res = subprocess.run([binary, SIGS, pcap], stdout=f, stderr=subprocess.PIPE,
                                     timeout=120)
        if res.returncode != 0:
            errors.append("%s %s: exit %d: %s" % (mode, os.path.basename(pcap), res.returncode,
                                                  res.stderr.decode(errors="replace")[-500:]))
            continue
        got = {}
        with open(out) as f:
            for line in f:
                rec = json.loads(line)
                if rec.get("type", "flow") == "flow":
                    got.setdefault(key_of(rec), rec["app"])
        with open(truth_path) as f:
            for want in json.load(f)["flows"]:
                total += 1
                app = got.get(key_of(want))
                if app != want["app"]:
                    errors.append("%s %s: %s: expected %s, got %s" % (
                        mode, os.path.basename(pcap), key_of(want), want["app"], app))
    print("%s generated L7 captures: %d flows, %d wrong" % (mode, total, len(errors)))
    return errors


def key_of(rec):
    ends = sorted([(rec["src_ip"], rec["src_port"]), (rec["dst_ip"], rec["dst_port"])])
    return (rec["ip_proto"], rec.get("vlan_inner") or rec.get("vlan", 0)) + tuple(ends)


def main():
    errors = []
    harness = os.path.join(BUILD, "tests", "integration", "l7_pcap")
    tmp = tempfile.mkdtemp(prefix="fz-l7-synth-")
    errors += run("--harness", harness, tmp)
    errors += check_generated("--harness", harness, tmp)
    flowzoo = os.path.join(BUILD, "app", "flowzoo")
    errors += run("--flowzoo", flowzoo, tmp)
    errors += check_generated("--flowzoo", flowzoo, tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    for e in errors:
        print("FAIL", e)
    print("%d problem(s)" % len(errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
