#!/bin/sh
# zooagg benchmark: traffic records per second from Kafka into the database.
# Usage: scripts/bench_zooagg.sh [NETWORKS] [BINS] [DB]
# Writes NETWORKS x BINS x 2 collectors traffic records (default 50 x 100 x 2
# = 10000, 5 top entries per list) to librdkafka's mock cluster
# (tests/kafka/mock_cluster, 4 partitions) with kcat, then starts one zooagg
# member on DB (default: a new SQLite file in a temporary directory; or a
# postgresql:// URL) and times it from the assignment of its partitions until
# the database holds every record and every merged bin is closed. Prints the seconds and records/s and
# zooagg's counters; docs/benchmarks.md (Fleet aggregator) records the runs.
set -eu
cd "$(dirname "$0")/.."
nets=${1:-50}
bins=${2:-100}
tmp=$(mktemp -d)
db=${3:-sqlite:$tmp/bench.db}
trap 'kill $mock_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
[ -x build/app/zooagg ] || ninja -C build app/zooagg tests/kafka/mock_cluster
mkfifo "$tmp/in"
build/tests/kafka/mock_cluster -p 4 <"$tmp/in" >"$tmp/mock.out" &
mock_pid=$!
exec 3>"$tmp/in"
while [ ! -s "$tmp/mock.out" ]; do sleep 0.1; done
boot=$(head -1 "$tmp/mock.out")
python3 - "$nets" "$bins" >"$tmp/records" <<'PY'
import json, sys
nets, bins = int(sys.argv[1]), int(sys.argv[2])
for b in range(bins):
    for coll in ("bench-a", "bench-b"):
        for n in range(nets):
            start = 1700000000000 + b * 300000
            top = lambda base: [{"key": "10.%d.%d.%d" % (n, i, b % 250), "packets": 10 - i,
                                 "bytes": 10000 - 100 * i, "flows": 1} for i in range(5)]
            rec = {"type": "traffic", "schema_version": 1, "collector": coll, "network": "net%d" % n,
                   "bin_start_ms": start, "bin_end_ms": start + 300000, "packets_in": 100 + b,
                   "bytes_in": 100000 + n, "packets_out": 50, "bytes_out": 40000, "flows": 12,
                   "flows_new": 9, "apps": {"http": {"flows": 3, "packets": 90, "bytes": 70000},
                                            "unknown": {"flows": 9, "packets": 60, "bytes": 70000}},
                   "top": {"src_ip": top(0), "dst_ip": top(1),
                           "dst_port": [{"key": 443 + i, "packets": 1, "bytes": 100 - i, "flows": 1}
                                        for i in range(5)]},
                   "top_exact": True, "top_error_bytes": 0, "partial": b == bins - 1}
            print("net%d\t%s" % (n, json.dumps(rec, separators=(",", ":"))))
PY
total=$(wc -l <"$tmp/records")
kcat -b "$boot" -P -t flowzoo.traffic -K '	' -l "$tmp/records" 2>/dev/null
echo "# $(date -u +%FT%TZ) $(uname -m) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $total traffic records ($nets networks x $bins bins x 2 collectors), db ${db%%:*}"
count() {
	if [ "${db%%:*}" = sqlite ]; then
		sqlite3 "${db#sqlite:}" "SELECT (SELECT COUNT(*) FROM traffic) || ' ' || (SELECT COUNT(*) FROM fleet_traffic WHERE closed = 1)" 2>/dev/null || echo "0 0"
	else
		psql "$db" -At -c "SELECT (SELECT COUNT(*) FROM traffic) || ' ' || (SELECT COUNT(*) FROM fleet_traffic WHERE closed = 1)" 2>/dev/null || echo "0 0"
	fi
}
t0=$(date +%s.%N)
${ZOOAGG_WRAP:-} build/app/zooagg --kafka "$boot" --db "$db" --group bench --summary "$tmp/summary.json" \
	--kafka-opt log_level=3 ${ZOOAGG_ARGS:-} 2>"$tmp/zooagg.log" &
agg=$!
# The clock starts when the member has its partitions (the group join is not the work).
while ! grep -q "partitions assigned" "$tmp/zooagg.log" 2>/dev/null; do sleep 0.05; done
t0=$(date +%s.%N)
while [ "$(count)" != "$total $((total / 2))" ]; do sleep 0.2; done
t1=$(date +%s.%N)
# zooagg's own CPU time (all its threads, librdkafka's included): steadier than the wall
# clock on a shared machine.
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' /proc/$agg/stat)
kill -TERM $agg
wait $agg
python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print('%.2f s, %.0f records/s (from the assignment of the partitions to the last closed bin in the database)' % (s, int(sys.argv[3])/s))" "$t0" "$t1" "$total"
echo "zooagg CPU: $cpu s, $(python3 -c "print('%.0f' % ($total / $cpu))") records per CPU second"
cat "$tmp/summary.json"
