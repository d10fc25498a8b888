#!/bin/sh
# Instructions per packet of each stage of the worker (issue 23), with callgrind.
#
# usage: scripts/bench_worker_callgrind.sh FLOWZOO CAPTURE OUTDIR NAME [flowzoo options...]
# e.g.   scripts/bench_worker_callgrind.sh build-plto/app/flowzoo /tmp/cg23/flood/flood64.pcap \
#            /tmp/cgw after --jsonl /dev/null --flows-per-worker 4096
#
# Runs `flowzoo --pcap CAPTURE --progress off OPTIONS` under callgrind and prints, per packet
# of the summary, the inclusive instructions of the worker's stages. Build FLOWZOO as the
# release build is (LTO), with symbols:
#   meson setup build-plto --buildtype=release -Ddebug=true -Db_lto=true
#   ninja -C build-plto app/flowzoo
# A stage the compiler inlined into its caller has no line of its own (its cost is its
# caller's); "table: own work" is the table's burst minus the stages it calls.
set -eu
exe=$1 cap=$2 out=$3 name=$4
shift 4
"$(dirname "$0")/callgrind_flowzoo.sh" "$exe" "$cap" "$out" "$name" "$@"
pkts=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['packets'])" \
	"$out/summary.$name.json")
python3 - "$out/annot.$name" "$pkts" "$name" <<'PY'
import re, sys
annot, pkts, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
stages = [
    ("worker, in all (fz_worker_run)", "fz_worker_run"),
    ("source: capture file reader (capture_burst)", "capture_burst"),
    ("parse (fz_parse_ether)", "fz_parse_ether"),
    ("table: burst (fz_flow_table_update_burst)", "fz_flow_table_update_burst"),
    ("table: key hash (fz_flow_key_hash)", "fz_flow_key_hash"),
    ("table: key canonical order (fz_flow_key_canonicalize)", "fz_flow_key_canonicalize"),
    ("per packet after the table (on_packet)", "on_packet"),
    ("L7 (fz_l7_scan, before the inline gate)", "fz_l7_scan"),
    ("L7 Hyperscan part (fz_l7_scan_charged)", "fz_l7_scan_charged"),
    ("record slot (stage_slot)", "stage_slot"),
    ("record kept (on_export)", "on_export"),
    ("ring hand-off (stage_push, before the zero-copy ring)", "stage_push"),
    ("ring: reserve, with its waits (fz_ring_writer__reserve)", "fz_ring_writer__reserve"),
    ("ring: publish (worker_ring.c publish)", "publish"),
    ("expiry (fz_flow_table_expire)", "fz_flow_table_expire"),
]
cost = {}
for l in open(annot):
    # A function whose code comes from several files (inlined headers) has a line per
    # file; the one without "[binary]" is its whole inclusive cost: the largest wins.
    m = re.match(r"\s*([\d,]+) \(.*?\)\s+\S+:(\w+)(?:\.\w+)*(?:\.\d+)*(?: \[|\s*$)", l)
    if m:
        fn, v = m.group(2), int(m.group(1).replace(",", ""))
        cost[fn] = max(cost.get(fn, 0), v)
print("%s: %d packets" % (name, pkts))
for label, fn in stages:
    if fn in cost:
        print("  %-56s %8.1f per packet" % (label, cost[fn] / pkts))
own = cost.get("fz_flow_table_update_burst", 0) - sum(
    cost.get(f, 0) for f in ("fz_flow_key_hash", "fz_flow_key_canonicalize", "on_packet",
                             "stage_slot", "on_export"))
print("  %-56s %8.1f per packet" % ("table: own work (lookup, insert, evict, record)", own / pkts))
PY
