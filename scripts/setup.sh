#!/bin/sh
# Install every dependency from Debian bookworm's packages (as root) and build
# flowzoo into build/. Safe to run again.
set -eu
cd "$(dirname "$0")/.."

PKGS="build-essential clang libclang-rt-14-dev clang-format meson ninja-build pkg-config python3
      dpdk dpdk-dev libdpdk-dev libhyperscan-dev librdkafka-dev libjansson-dev libpcap-dev
      libsodium-dev kcat iproute2 tcpdump
      softflowd nfdump libndpi-bin valgrind
      libmicrohttpd-dev prometheus tshark libfixbuf-dev
      libjs-chart.js chromium man-db groff-base curl libsqlite3-dev libpq-dev postgresql
      libzstd-dev zstd jq time zlib1g-dev"
# man-db and groff-base render the man pages tests/integration/test_manual.py checks; curl is
# in the README's quick start (tests/integration/test_readme.py runs it).
# libsqlite3-dev, libpq-dev and postgresql are zooagg's history (docs/fleet.md): SQLite
# embedded, PostgreSQL shared (its tests start a server with initdb/pg_ctl).
# softflowd, nfdump (nfpcapd) and libndpi-bin (ndpiReader) are the peers the
# benchmark harness compares the offline path with; valgrind counts instructions.
# libmicrohttpd-dev is the HTTP server of /metrics, /health and the API; prometheus gives
# promtool, which tests/integration/test_http.py runs on a live /metrics.
# nfdump's nfcapd and tshark are the IPFIX tests' collectors (tests/integration/test_ipfix.py);
# libfixbuf-dev is the IPFIX library the encoder was measured against (tests/bench/bench_ipfix.c).
# libjs-chart.js is the dashboard's chart library (docs/dashboard.md): flowzoo --http serves
# /usr/share/javascript/chart.js/chart.min.js itself, so the page works with no Internet access;
# chromium (headless) is the browser of tests/integration/test_dashboard.py.
# libzstd-dev compresses the JSON lines (--jsonl-compress); zstd (zstdcat) and jq read them back
# in tests/integration/test_jsonl_zstd.py.
# time (/usr/bin/time) gives wall and CPU times in scripts/bench_jsonl_disk.sh.
# zlib1g-dev: CRC-32 of Kafka's message keys, made on the export lanes (lib/pipeline).

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup.sh: missing packages:$missing (run as root to install them)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

if [ ! -f build/build.ninja ]; then
	# Link-time optimisation inlines the parser's key hash into the worker: ~5 % fewer
	# instructions per packet (docs/benchmarks.md).
	meson setup build -Db_lto=true
fi
ninja -C build
echo "setup.sh: built build/app/flowzoo"
