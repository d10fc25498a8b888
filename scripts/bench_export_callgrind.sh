#!/bin/sh
# Instructions per flow record of each stage after the worker (issue 23), with callgrind.
#
# usage: scripts/bench_export_callgrind.sh FLOWZOO CAPTURE OUTDIR NAME [flowzoo options...]
# e.g.   scripts/bench_export_callgrind.sh build-prof/app/flowzoo /tmp/cg23/flood/flood64.pcap \
#            /tmp/cg23 jsonl-lanes1 --jsonl /dev/null --export-lcores 0
#
# Runs `flowzoo --pcap CAPTURE --progress off OPTIONS` under callgrind (offline: threads
# without EAL, which callgrind runs one at a time, so a lane's or the worker's waiting shows
# as instructions of wait_a_little / fz_ring_writer__reserve (stage_push before the
# zero-copy ring), not in the stages below) and prints, per
# flow record of the summary, the inclusive instructions of each stage's function. Build
# FLOWZOO with symbols and the release optimisation so that file names tell the static
# functions apart and inlining is the release build's:
#   meson setup build-prof --buildtype=release -Ddebug=true && ninja -C build-prof app/flowzoo
set -eu
exe=$1 cap=$2 out=$3 name=$4
shift 4
"$(dirname "$0")/callgrind_flowzoo.sh" "$exe" "$cap" "$out" "$name" "$@"
recs=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['flows'])" \
	"$out/summary.$name.json")
# stage label, then the annotate line's file:function (an extended regular expression)
python3 - "$out/annot.$name" "$recs" "$name" <<'EOF'
import re, sys
annot, recs, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
stages = [
    ("PROGRAM TOTALS", r"PROGRAM TOTALS"),
    ("worker: fz_worker_run", r":fz_worker_run \["),
    ("worker: ring hand-off (stage_push, before the zero-copy ring)", r":stage_push \["),
    ("stats: drain (ring + pipeline)", r"stats_lcore\.c:drain \["),
    ("stats: the loop (drain, timers; drain may be inlined)", r"stats_lcore\.c:fz_stats_loop \["),
    ("worker: ring reserve (fz_ring_writer__reserve)", r":fz_ring_writer__reserve \["),
    ("stats: fz_pipeline_flow", r":fz_pipeline_flow \["),
    ("consumer zoo (classify)", r"zoo_consumer\.c:classify \["),
    ("consumer zoo, ordered part (advance)", r"zoo_consumer\.c:advance \["),
    ("consumer applications (count)", r"applications\.c:count \["),
    ("consumer traffic (take_flow)", r"traffic_consumer\.c:take_flow \["),
    ("consumer attacks (take_flow)", r"attack_consumer\.c:take_flow \["),
    ("item + emit (fz_pipeline_emit)", r":fz_pipeline_emit \["),
    ("flow key text", r":fz_record_flow_key_text \["),
    ("JSON encode (encode_flow)", r":encode_flow \["),
    ("fz_item_json", r":fz_item_json \["),
    ("jsonl take", r":jsonl_take \["),
    ("ipfix take", r":ipfix_take \["),
    ("kafka take", r":fz_kafka__take \["),
    ("kafka: librdkafka's produce, one message (rd_kafka_produce)", r":rd_kafka_produce \["),
    ("kafka: a turn's held messages (fz_kafka__batch_end)", r":fz_kafka__batch_end \["),
    ("kafka: librdkafka's produce, a batch (rd_kafka_produce_batch)", r":rd_kafka_produce_batch \["),
    ("lanes: copy into batch (fz_pipeline__lane_flow)", r":fz_pipeline__lane_flow \["),
    ("lanes: cut (fz_pipeline_cut)", r":fz_pipeline_cut \["),
    ("lanes: event into batch (fz_pipeline__lane_event)", r":fz_pipeline__lane_event \["),
    ("lanes: lane loop (fz_pipeline_lane_run)", r":fz_pipeline_lane_run \["),
    ("lanes: zoo classes, means, counts (lane_classify)", r"zoo_consumer\.c:lane_classify \["),
    ("lanes: zoo counts gathered at the turn (lane_merge)", r"zoo_consumer\.c:lane_merge \["),
    ("lanes: encode (encode_rec)", r":encode_rec \["),
    ("lanes: write (write_rec)", r":write_rec \["),
    ("lanes: waiting (wait_a_little)", r":wait_a_little \["),
    ("exporters' poll", r":fz_pipeline__poll_exporters \["),
]
lines = open(annot).read().splitlines()
print("%s: %d flow records" % (name, recs))
for label, rx in stages:
    # A function's name may carry the compiler's suffixes (.lto_priv.0, .isra.0), and
    # when its code comes from several files (inlined from another) it has a line per
    # file and one without "[binary]", its whole inclusive cost: the largest wins.
    if rx.endswith(r" \["):
        rx = rx[:-3] + r"(\.[\w.]+)?( \[|\s*$)"
    vals = [int(l.split()[0].replace(",", "")) for l in lines if re.search(rx, l)]
    if vals:
        print("  %-52s %12d  %8.1f per record" % (label, max(vals), max(vals) / recs))
EOF
