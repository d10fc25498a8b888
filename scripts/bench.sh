#!/bin/sh
# Benchmark harness: see docs/benchmarks.md and scripts/bench.py --help.
# Example: scripts/bench.sh --seconds 10 --workers 1,2
exec python3 "$(dirname "$0")/bench.py" "$@"
