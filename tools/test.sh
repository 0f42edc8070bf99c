#!/usr/bin/env bash
# The whole test suite (called by ./run test after set-up):
#   unit tests (Check) under make check, then again built with AddressSanitizer
#   and UBSan, then under valgrind (make check also replays every fuzz corpus,
#   tests/fuzz/replay.sh; valgrind replays them too); protocol tests against
#   the installed kernel,
#   the sanitizer kernel and the kernel under valgrind (jupyter_client); every
#   notebook executed through the installed kernel (nbconvert); the MPI jobs
#   on this machine (mpirun -np 1, 2, 3) against one-process results.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export MC_TEST_DATA=$top/tests/data
export MC_SHARED_DATA=${MC_SHARED_DATA:-$top/../shared/data}
# Check's per-test timeouts catch hangs, not slowness: a machine shared with
# other work (or a sanitizer build) may run a test several times slower.
export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-5}
passed=0
failed=0
names=()

# step NAME COMMAND...: runs one part of the suite and records the result.
step() {
	local name=$1
	shift
	printf '\n== %s\n' "$name"
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		names+=("$name")
	fi
}

unit() {
	make -s -C "$1" check -j"$(nproc)" && return 0
	grep -l -E '^(FAIL|ERROR)' "$1"/tests/*.trs 2>/dev/null | while read -r t; do
		tail -30 "${t%.trs}.log"
	done
	return 1
}

asan_build() {
	mkdir -p "$top/build-asan"
	if [ ! -f "$top/build-asan/config.status" ]; then
		(cd "$top/build-asan" && "$top/configure" -q --enable-sanitizers) || return 1
	fi
	make -s -C "$top/build-asan" -j"$(nproc)" >/dev/null
}

protocol() {
	/usr/bin/python3 -m unittest discover -s "$top/tests/protocol" -p 'test_*.py' 2>&1 |
		grep -v -E 'frozen modules|Debugger warning|PYDEVD|^0\.00s - |Xfrozen'
	return "${PIPESTATUS[0]}"
}

# maskclean-mpi under mpirun on this machine: the jobs against one-process
# results (built by make check), then the installed kernel with mpi=.
mpi_jobs() {
	MC_MPI_PROGRAM="$top/build/maskclean-mpi" "$top/build/tests/mpi_jobs" || return 1
	/usr/bin/python3 -m unittest discover -s "$top/tests/mpi" -p 'test_*.py' 2>&1 |
		grep -v -E 'frozen modules|Debugger warning|PYDEVD|^0\.00s - |Xfrozen'
	return "${PIPESTATUS[0]}"
}

unit_asan() { ASAN_OPTIONS=detect_leaks=1 unit "$top/build-asan"; }
# The fuzz harnesses (plain builds) over their corpora, under valgrind.
fuzz_valgrind() {
	MC_BUILDDIR="$top/build" MC_SRCDIR="$top" \
		MC_FUZZ_HARNESSES="$(make -s -C "$top/build" print-fuzz-harnesses)" \
		MC_FUZZ_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite --suppressions=$top/tools/valgrind.supp" \
		"$top/tests/fuzz/replay.sh" >"$top/build/fuzz-valgrind.log" 2>&1
	local rc=$?
	[ $rc -eq 0 ] && grep -c 'inputs replayed' "$top/build/fuzz-valgrind.log" |
		sed 's/^/valgrind: fuzz corpora of /; s/$/ harnesses clean/' || tail -40 "$top/build/fuzz-valgrind.log"
	return $rc
}
# Tests that need data we do not ship (../shared/data) say so.
skipped() {
	grep -h '^SKIP ' "$top"/build/tests/*.log 2>/dev/null | sort -u
}
protocol_asan() { MC_KERNEL_CMD="$top/build-asan/maskclean-kernel" protocol; }
protocol_valgrind() {
	MC_KERNEL_CMD="$top/build/maskclean-kernel" MC_KERNEL_VALGRIND=1 protocol
}

step "unit tests" unit "$top/build"
step "sanitizer build" asan_build
step "unit tests with AddressSanitizer and UBSan" unit_asan
step "unit tests under valgrind" "$top/tools/valgrind.sh" "$top/build"
step "fuzz corpora under valgrind" fuzz_valgrind
step "protocol tests" protocol
step "protocol tests against the sanitizer kernel" protocol_asan
step "protocol tests with the kernel under valgrind" protocol_valgrind
step "MPI jobs on this machine (mpirun -np 1, 2, 3)" mpi_jobs
step "notebooks" /usr/bin/python3 "$top/tools/notebooks.py" "$top/build/notebooks"

echo
skipped
[ $failed -eq 0 ] || echo "failed: ${names[*]}"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
