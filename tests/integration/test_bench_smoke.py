"""A short run of the benchmark harness so it never rots: small generated
captures, one second per workload, numbers printed and not asserted; the test
fails only when the harness itself breaks or a run loses records."""
import json
import os
import subprocess
import sys
import tempfile

from fzrun import SRC, FLOWZOO


def main():
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "results.json")
        cmd = [sys.executable, os.path.join(SRC, "scripts", "bench.py"), "--flowzoo", FLOWZOO,
               "--dir", tmp, "--seconds", "1", "--workers", "1", "--flows", "65536",
               "--gen-flows", "2000", "--offline-repeat", "1", "--out", out]
        print(" ".join(cmd))
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        print(p.stdout)
        sys.stderr.write(p.stderr[-3000:])
        if p.returncode != 0:
            sys.exit(1)
        with open(out) as f:
            res = json.load(f)
        bad = 0
        for wl in ("est64", "mix", "flood64"):
            run = res["workloads"][wl]["runs"]["1"]
            if run["workers"][0]["packets"] == 0:
                print("FAIL %s: no packets" % wl)
                bad += 1
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
