#!/bin/sh
# Run the whole test suite: the release build (build/), an ASan+UBSan build
# (build-asan/) and, when clang is present, the libFuzzer targets
# (build-fuzz/). Prints "N passed, N failed" last; exit status 0 only when
# every test passed.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
status=0

# Print a one-line tally of a meson testlog.json and add it to the totals.
passed=0
failed=0
skipped=0
tally() {
	set -- $(python3 - "$1" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        s += 1
    else:
        f += 1
print(p, f, s)
PY
)
	passed=$((passed + $1))
	failed=$((failed + $2))
	skipped=$((skipped + $3))
}

run_suite() { # builddir [meson test args]
	dir=$1
	shift
	echo "== meson test -C $dir $*"
	meson test -C "$dir" --print-errorlogs "$@" || status=1
	[ -f "$dir/meson-logs/testlog.json" ] && tally "$dir/meson-logs/testlog.json"
}

[ -f build/build.ninja ] || meson setup build -Db_lto=true || exit 1
ninja -C build || exit 1
run_suite build

if [ "${FZ_SKIP_ASAN:-0}" != 1 ]; then
	[ -f build-asan/build.ninja ] || meson setup build-asan -Ddeveloper_mode=true \
		-Dbuildtype=debugoptimized -Db_lundef=false || exit 1
	ninja -C build-asan || exit 1
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		LSAN_OPTIONS=suppressions=$root/tests/lsan.supp \
		run_suite build-asan --suite asan
fi

if command -v clang >/dev/null 2>&1 && [ "${FZ_SKIP_FUZZ:-0}" != 1 ]; then
	[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzz=enabled \
		-Db_sanitize=address,undefined -Db_lundef=false || exit 1
	ninja -C build-fuzz || exit 1
	run_suite build-fuzz --suite fuzz
fi

cd "$root"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || status=1
exit $status
