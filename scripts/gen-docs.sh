#!/bin/sh
# Rewrite the generated manual pages and option references in docs/ from the
# built programs' option tables (tests/integration/test_manual.py fails when
# they differ). Usage: scripts/gen-docs.sh [BUILD_DIR]   (default: build)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
mkdir -p "$root/docs/man"
for prog in flowzoo zooctl zooagg; do
	"$build/app/$prog" --help-man >"$root/docs/man/$prog.8"
	"$build/app/$prog" --help-markdown >"$root/docs/$prog-options.md"
done
echo "docs/man/*.8 docs/*-options.md written"
