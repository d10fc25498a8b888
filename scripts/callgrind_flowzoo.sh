#!/bin/sh
# Run flowzoo on a capture under callgrind, for the per-stage reports
# (scripts/bench_export_callgrind.sh: per flow record, after the worker;
# scripts/bench_worker_callgrind.sh: per packet, the worker).
#
# usage: scripts/callgrind_flowzoo.sh FLOWZOO CAPTURE OUTDIR NAME [flowzoo options...]
#
# Runs `flowzoo --pcap CAPTURE --progress off --status-interval 0 OPTIONS` and leaves in
# OUTDIR: cg.NAME (callgrind's output), annot.NAME (callgrind_annotate, inclusive),
# summary.NAME.json (flowzoo's summary: the counts to divide by) and log.NAME.
set -eu
exe=$1 cap=$2 out=$3 name=$4
shift 4
mkdir -p "$out"
valgrind --tool=callgrind --callgrind-out-file="$out/cg.$name" "$exe" --pcap "$cap" \
	--progress off --status-interval 0 --summary "$out/summary.$name.json" "$@" \
	>"$out/log.$name" 2>&1 || true
callgrind_annotate --inclusive=yes --threshold=100 "$out/cg.$name" >"$out/annot.$name" 2>/dev/null
