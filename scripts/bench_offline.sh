#!/bin/sh
# Offline at disk speed (issue 22): wall time of `flowzoo --pcap` (L7, zoo
# classes, JSON lines written: plain, and zstd-compressed to a .zst file) against softflowd -r, nfpcapd -r and
# ndpiReader -i on the harness's captures (scripts/fzgen.py bench: est64,
# flood64, mix), small (tens of MB) and large (over 1 GB), best of N runs
# each, and flowzoo's start-up on its own. Prints a Markdown table
# (docs/benchmarks.md, "Offline").
#
#   scripts/bench_offline.sh [--dir DIR] [--repeat N] [--sizes small,large]
#                            [--workloads est64,flood64,mix] [--flowzoo PATH]
#
# The captures are made once into DIR (default /tmp/fz-offline-bench, not the
# repository: the large ones take 3.3 GB) and kept for the next run.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=/tmp/fz-offline-bench
repeat=3
sizes=small,large
workloads=est64,flood64,mix
flowzoo=$root/build/app/flowzoo
while [ $# -gt 0 ]; do
	case $1 in
	--dir) dir=$2; shift 2 ;;
	--repeat) repeat=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--workloads) workloads=$2; shift 2 ;;
	--flowzoo) flowzoo=$2; shift 2 ;;
	*) echo "usage: $0 [--dir DIR] [--repeat N] [--sizes small,large] [--workloads LIST] [--flowzoo PATH]" >&2; exit 2 ;;
	esac
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# fzgen.py bench --flows per size and workload: est64 and flood64 have 16
# frames of 64 bytes per flow, a mix conversation about 7 kB.
flows_of() {
	case $1/$2 in
	small/mix) echo 4096 ;;
	small/*) echo 16384 ;;
	large/mix) echo 163840 ;;
	large/*) echo 819200 ;;
	esac
}

capture() { # size workload -> path (made when missing)
	d=$dir/$1
	if [ ! -f "$d/$2.pcap" ]; then
		mkdir -p "$d"
		nice python3 "$root/scripts/fzgen.py" bench "$d" --flows "$(flows_of "$1" "$2")" \
			--only "$2" >/dev/null
	fi
	echo "$d/$2.pcap"
}

# Least wall time in seconds of $repeat runs of the command ("-" when it failed).
best() {
	b=
	i=0
	while [ $i -lt "$repeat" ]; do
		t0=$(date +%s%N)
		if ! "$@" >/dev/null 2>&1; then
			# flowzoo exits 3 when it lost records (none expected here): a failure too.
			echo -
			return
		fi
		t1=$(date +%s%N)
		t=$(((t1 - t0) / 1000000))
		if [ -z "$b" ] || [ $t -lt $b ]; then b=$t; fi
		i=$((i + 1))
		# A run over 20 s is not repeated (ndpiReader on the flood): the others
		# share these CPUs. Marked with a '*'.
		if [ $t -gt 20000 ]; then
			printf '%d.%03d*' $((b / 1000)) $((b % 1000))
			return
		fi
	done
	printf '%d.%03d' $((b / 1000)) $((b % 1000))
}

fz() { rm -f "$out/o.jsonl"; "$flowzoo" --progress off --status-interval 0 --jsonl "$out/o.jsonl" "$@"; }
# The same JSON lines compressed (zstd level 1, chosen by the .zst suffix).
fzz() { rm -f "$out/o.jsonl.zst"; "$flowzoo" --progress off --status-interval 0 --jsonl "$out/o.jsonl.zst" "$@"; }
nf() { rm -rf "$out/nf"; mkdir -p "$out/nf"; nfpcapd -r "$1" -w "$out/nf"; }

echo "flowzoo $("$flowzoo" --version | cut -d' ' -f2), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
echo
# Start-up: a capture with no frame (its header only), start to exit.
head -c 24 "$(capture small est64)" >"$out/empty.pcap"
echo "| start-up (empty capture, start to exit, best of $repeat) | seconds |"
echo "|---|---|"
fz --pcap "$out/empty.pcap" >/dev/null 2>&1 # the signature cache filled
echo "| flowzoo --pcap (signatures from the cache) | $(best fz --pcap "$out/empty.pcap") |"
echo "| flowzoo --pcap --l7-cache off (signatures compiled) | $(best fz --pcap "$out/empty.pcap" --l7-cache off) |"
echo "| flowzoo --pcap-eal --pcap (EAL and net_pcap, as before) | $(best fz --pcap-eal --pcap "$out/empty.pcap") |"
echo
echo "| capture | size | flowzoo --pcap, JSON | flowzoo --pcap, JSON .zst | softflowd -r | nfpcapd -r | ndpiReader -i | fastest peer | flowzoo / fastest: JSON, .zst |"
echo "|---|---|---|---|---|---|---|---|---|"
for size in $(echo "$sizes" | tr , ' '); do
	for wl in $(echo "$workloads" | tr , ' '); do
		p=$(capture "$size" "$wl")
		mb=$(($(stat -c %s "$p") / 1000000))
		cat "$p" >/dev/null # in the page cache for everyone alike
		f=$(best fz --pcap "$p")
		z=$(best fzz --pcap "$p")
		s=$(best softflowd -r "$p" -n 127.0.0.1:9 -d)
		n=$(best nf "$p")
		d=$(best ndpiReader -i "$p" -q -v 0)
		fastest=$(printf '%s\n%s\n%s\n' "$s" "$n" "$d" | tr -d '*' | grep -v '^-$' | sort -n | head -1)
		ratio=$(awk -v a="$f" -v b="$fastest" 'BEGIN { sub(/\*/, "", a); if (a == "-" || b == "") print "-"; else printf "%.2f", a / b }')
		zratio=$(awk -v a="$z" -v b="$fastest" 'BEGIN { sub(/\*/, "", a); if (a == "-" || b == "") print "-"; else printf "%.2f", a / b }')
		echo "| $wl | $size, $mb MB | $f | $z | $s | $n | $d | $fastest | $ratio, $zratio |"
	done
done
