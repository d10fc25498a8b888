#!/bin/sh
# Run one libFuzzer target for FZ_FUZZ_SECONDS (default 10) from its seed corpus.
set -eu
exe=$1
seeds=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -d "$seeds" ] && cp -r "$seeds"/. "$work"/ 2>/dev/null || true
# libFuzzer exits 77 on a finding by default, which meson reads as "skipped":
# a finding (crash, leak, timeout) must fail the test.
exec "$exe" -max_total_time="${FZ_FUZZ_SECONDS:-10}" -max_len=4096 -print_final_stats=1 \
	-error_exitcode=1 -timeout_exitcode=1 "$work"
