#!/bin/sh
# Fails when a C file of the project is not formatted by the checked-in
# .clang-format; prints the files. Fix with: clang-format -i FILE...
cd "$(dirname "$0")/.."
bad=0
for f in $(git ls-files '*.c' '*.h' 2>/dev/null || find app lib tests -name '*.[ch]'); do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f"
		bad=1
	fi
done
[ "$bad" -eq 0 ] && echo "all C files formatted"
exit $bad
