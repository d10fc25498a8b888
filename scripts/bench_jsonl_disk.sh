#!/bin/sh
# What bounds `flowzoo --pcap FILE --jsonl OUT` when OUT is gigabytes
# (docs/benchmarks.md, "Offline": the JSON lines to the disk): the disk's
# write rate with and without the page cache (dd), then flowzoo on the same
# capture with its JSON lines to /dev/null, to a file on the disk (written
# behind) and to a zstd-compressed file. Each command once, wall time and CPU.
#
#   scripts/bench_jsonl_disk.sh [--dir DIR] [--capture PCAP] [--flowzoo PATH] [--before PATH]
#
# DIR (default /tmp/fz-jsonl-disk) gets the files written (up to 8 GiB, removed
# after each command); PCAP defaults to the large flood of bench_offline.sh
# (/tmp/fz-offline-bench/large/flood64.pcap: 13.1 M records, 7.9 GB of JSON).
# --before: another flowzoo binary (e.g. one without write-behind) run the same way.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=/tmp/fz-jsonl-disk
cap=/tmp/fz-offline-bench/large/flood64.pcap
flowzoo=$root/build/app/flowzoo
before=
while [ $# -gt 0 ]; do
	case $1 in
	--dir) dir=$2; shift 2 ;;
	--capture) cap=$2; shift 2 ;;
	--flowzoo) flowzoo=$2; shift 2 ;;
	--before) before=$2; shift 2 ;;
	*) echo "usage: $0 [--dir DIR] [--capture PCAP] [--flowzoo PATH] [--before PATH]" >&2; exit 2 ;;
	esac
done
if [ ! -f "$cap" ]; then
	echo "$0: $cap: no such capture (scripts/bench_offline.sh makes it)" >&2
	exit 2
fi
mkdir -p "$dir"
out=$dir/out

timed() { # label command...: one line "label: wall, user, sys"
	label=$1
	shift
	rm -f "$out" "$out.zst"
	sync
	/usr/bin/time -f "| $label | %e | %U | %S |" "$@" >/dev/null 2>"$dir/err" || {
		tail -3 "$dir/err" >&2
		echo "| $label | failed | | |"
	}
	tail -1 "$dir/err"
	rm -f "$out" "$out.zst"
}

echo "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ), $(df -h "$dir" | awk 'NR == 2 { print $1 }')"
echo "vm.dirty_ratio $(cat /proc/sys/vm/dirty_ratio), vm.dirty_background_ratio $(cat /proc/sys/vm/dirty_background_ratio), $(free -g | awk '/^Mem/ { print $2 }') GB memory"
echo
echo "| command | wall s | user s | sys s |"
echo "|---|---|---|---|"
timed "dd 8 GiB, 1 MiB writes, O_DIRECT" dd if=/dev/zero of="$out" bs=1M count=8192 oflag=direct
timed "dd 8 GiB, 1 MiB writes, page cache, fdatasync at the end" dd if=/dev/zero of="$out" bs=1M count=8192 conv=fdatasync
timed "dd 8 GiB, 1 MiB writes, page cache" dd if=/dev/zero of="$out" bs=1M count=8192
cat "$cap" >/dev/null
fz="--pcap $cap --progress off --status-interval 0"
timed "flowzoo, JSON lines to /dev/null" "$flowzoo" $fz --jsonl /dev/null
timed "flowzoo, JSON lines to a file (written behind)" "$flowzoo" $fz --jsonl "$out"
timed "flowzoo, JSON lines zstd level 1 (.zst)" "$flowzoo" $fz --jsonl "$out.zst"
if [ -n "$before" ]; then
	timed "$before, JSON lines to a file" "$before" $fz --jsonl "$out"
fi
timed "softflowd -r" softflowd -r "$cap" -n 127.0.0.1:9 -d
