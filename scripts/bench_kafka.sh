#!/bin/sh
# Kafka sink benchmark: flow records per second from one producing thread to
# librdkafka's mock cluster on loopback, with JSON encoding measured on its
# own, for a few linger.ms values. Usage:
#   scripts/bench_kafka.sh [RECORDS] [extra bench_kafka options...]
# RECORDS defaults to 1000000. The producing thread (what the stats lcore
# does) is pinned to CPU 0 (bench_kafka -c 0); librdkafka's broker threads
# and the mock cluster may run anywhere. Results go to standard output;
# docs/benchmarks.md (Kafka sink) records them with the machine they ran on.
set -eu
cd "$(dirname "$0")/.."
n=${1:-1000000}
[ $# -gt 0 ] && shift
bench=build/tests/kafka/bench_kafka
[ -x "$bench" ] || { meson setup build >/dev/null 2>&1 || true; ninja -C build tests/kafka/bench_kafka; }
echo "# $(date -u +%FT%TZ) $(uname -m) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# librdkafka $(pkg-config --modversion rdkafka), $n records per phase"
for linger in 0 5 20; do
	echo "## linger.ms=$linger"
	# librdkafka logs on stderr (%-prefixed lines); keep only the results.
	"$bench" -c 0 -n "$n" -o "linger.ms=$linger" "$@" 2>&1 | grep -v '^%'
done
