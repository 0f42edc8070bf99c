#!/usr/bin/env bash
# Runs every unit-test program of a build under valgrind (memcheck); fails on
# any error or definite leak.
set -euo pipefail
build=$1
top=$(cd "$(dirname "$0")/.." && pwd)
export MC_SRCDIR=$top MC_TEST_DATA=$top/tests/data MC_SHARED_DATA=$top/../shared/data MC_BUILDDIR=$build MC_CNN_MODULE=$build/maskclean-cnn.so CK_FORK=no MC_VALGRIND=1
status=0
for t in "$build"/tests/check_*; do
	[ -x "$t" ] || continue
	case "$t" in *.o|*.log|*.trs) continue ;; esac
	if ! valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--suppressions="$top/tools/valgrind.supp" "$t" >"$t.vg.log" 2>&1; then
		echo "valgrind: $(basename "$t") failed:"; tail -40 "$t.vg.log"; status=1
	fi
done
[ $status -eq 0 ] && echo "valgrind: all unit tests clean"
exit $status
