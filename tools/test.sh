#!/usr/bin/env bash
# The whole test suite (called by ./run test after set-up):
#   1. unit tests (Check) under make check
#   2. the same unit tests built with AddressSanitizer and UBSan
#   3. the unit tests under valgrind
#   4. protocol tests against the installed kernel (jupyter_client)
#   5. every notebook executed through the installed kernel (nbconvert)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
fail=0
section() { printf '\n== %s\n' "$*"; }

section "unit tests"
make -s -C "$top/build" check -j"$(nproc)" || { cat "$top"/build/tests/*.log 2>/dev/null | tail -50; fail=1; }

section "unit tests with AddressSanitizer and UBSan"
mkdir -p "$top/build-asan"
if [ ! -f "$top/build-asan/config.status" ]; then
	(cd "$top/build-asan" && "$top/configure" -q --enable-sanitizers)
fi
ASAN_OPTIONS=detect_leaks=1 make -s -C "$top/build-asan" check -j"$(nproc)" ||
	{ cat "$top"/build-asan/tests/*.log 2>/dev/null | tail -50; fail=1; }

section "unit tests under valgrind"
"$top/tools/valgrind.sh" "$top/build" || fail=1

section "protocol tests"
if [ -d "$top/tests/protocol" ]; then
	/usr/bin/python3 -m unittest discover -s "$top/tests/protocol" -p 'test_*.py' || fail=1
fi

section "notebooks"
if [ -x "$top/tools/notebooks.sh" ]; then
	"$top/tools/notebooks.sh" || fail=1
fi

echo
if [ $fail -ne 0 ]; then
	echo "FAILED"
	exit 1
fi
echo "all tests passed"
