#!/usr/bin/env python3
"""Record flowzoo's golden outputs into tests/golden/data/ (see README.md).

Runs every case of golden.py twice and refuses to write anything when the
two runs differ after normalisation: such a member varies from run to run
and belongs in golden.VOLATILE (with the reason), or the run is not
deterministic and cannot be a golden file. Environment: FZ_SRC, FZ_BUILD,
FZ_SHARED as for the integration tests (default: this checkout, its build/,
../shared)."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden  # noqa: E402


def commit():
    r = subprocess.run(["git", "-C", golden.SRC, "rev-parse", "HEAD"], capture_output=True,
                       text=True)
    dirty = subprocess.run(["git", "-C", golden.SRC, "status", "--porcelain", "--", "app", "lib"],
                           capture_output=True, text=True).stdout.strip()
    return r.stdout.strip() + (" (app/ or lib/ modified)" if dirty else "")


def record(tmp, scen_dir, scen_args, scen_sha):
    why_not = golden.kafka_available()
    if why_not:
        sys.exit("cannot record the Kafka cases: %s" % why_not)
    cases = golden.cases(scen_dir, scen_args)
    first = golden.run_cases(cases, os.path.join(tmp, "a"))
    second = golden.run_cases(cases, os.path.join(tmp, "b"))
    unstable = []
    for name, _, _, _ in cases:
        for suffix in sorted(first[name]):
            a, b = first[name][suffix].split("\n"), second[name][suffix].split("\n")
            diff = golden.first_difference(a, b)
            if diff:
                unstable.append("%s.%s line %d:\n  run 1: %s\n  run 2: %s" %
                                ((name, suffix) + diff))
    if unstable:
        print("two runs differ after normalisation; nothing written:")
        print("\n".join(unstable))
        sys.exit(1)
    os.makedirs(golden.DATA, exist_ok=True)
    for f in os.listdir(golden.DATA):
        os.remove(os.path.join(golden.DATA, f))
    for name in first:
        for suffix, text in first[name].items():
            golden.write_golden(name, suffix, text)
    manifest = {
        "commit": commit(),
        "version": golden.flowzoo_version(),
        "common_args": golden.COMMON,
        "normalised": [{"where": w, "member": m, "why": y} for w, m, y in golden.VOLATILE],
        "cases": [{"name": n, "pcaps": [os.path.basename(p) for p in pcaps], "args": extra,
                   "kafka": kafka} for n, pcaps, extra, kafka in cases],
        "ndpi_sha256": golden.sha256_dir(golden.NDPI),
        "scenario_sha256": scen_sha,
    }
    with open(golden.MANIFEST, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    n = sum(len(v) for v in first.values())
    print("recorded %d files of %d cases into %s" % (n, len(cases), golden.DATA))


def main():
    golden.with_scenarios(record)


if __name__ == "__main__":
    main()
