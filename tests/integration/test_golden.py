#!/usr/bin/env python3
"""Golden outputs: flowzoo's pipeline (stats loop, sinks, Kafka, alerts,
summary) must write what the golden files in tests/golden/data/ hold, byte
for byte, for every case of tests/golden/golden.py: each nDPI capture, a
run of several, a run with "table_full" alerts, every generated scenario,
and Kafka runs read back with kcat. Only the members listed in
golden.VOLATILE (wall clock, machine) are normalised; JSON lines may carry
the documented "schema_version":1 after their type (golden.ACCEPT_SCHEMA_VERSION);
summaries are compared as JSON values, and a byte difference is only noted.

Without kcat the Kafka broker cases are skipped (and said so); without the mock
cluster (no librdkafka) all Kafka cases are.
Re-record with python3 tests/golden/record.py (see tests/golden/README.md)."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden  # noqa: E402
from fzrun import Checker  # noqa: E402


def check(c, tmp, scen_dir, scen_args, scen_sha):
    with open(golden.MANIFEST) as f:
        manifest = json.load(f)
    print("golden files recorded at %s (%s)" % (manifest["commit"], manifest["version"]))
    # The inputs first: with other captures the outputs cannot be the same.
    c.eq(manifest["scenario_sha256"], scen_sha, "sha256 of the generated scenarios")
    c.eq(manifest["ndpi_sha256"], golden.sha256_dir(golden.NDPI), "sha256 of the nDPI captures")
    cases = golden.cases(scen_dir, scen_args)
    c.eq([k["name"] for k in manifest["cases"]], [k[0] for k in cases], "cases")
    why_not = golden.kafka_available()
    if why_not:
        print("SKIP the Kafka broker cases: %s" % why_not)
        cases = [k for k in cases if k[3] != "broker"]
    if not os.access(golden.MOCK, os.X_OK):
        # No mock_cluster: flowzoo was built without librdkafka, so no --kafka-mock either.
        cases = [k for k in cases if k[3] is None]
    got = golden.run_cases(cases, os.path.join(tmp, "run"))
    notes = []
    for name, _, _, _ in cases:
        fails, n = golden.compare_case(name, got[name])
        notes += n
        for f in fails:
            print("\n".join(f))
        c.eq(0, len(fails), "case %s: files that differ (shown above)" % name)
    # Not a failure: the restructure may reorder the summary's keys.
    for n in notes:
        print("note: " + n)
    print("%d cases compared; summaries whose bytes are identical too: %d of %d" %
          (len(cases), len(cases) - len(notes), len(cases)))


def main():
    if not os.access(golden.FLOWZOO, os.X_OK):
        print("FAIL: %s does not exist or is not executable" % golden.FLOWZOO)
        sys.exit(1)
    t0 = time.time()
    c = Checker()
    golden.with_scenarios(lambda *a: check(c, *a))
    print("%.1f s" % (time.time() - t0))
    c.done()


if __name__ == "__main__":
    main()
