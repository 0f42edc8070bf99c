#!/usr/bin/env bash
# Fuzzes every harness of tests/fuzz for real (called by ./run fuzz after
# set-up):
#   tools/fuzz.sh [SECONDS] [HARNESS...]      (MC_FUZZ_RUNS=N: stop after N runs;
#                                               MC_FUZZ_TIMEOUT=S: seconds per input, 10)
# Builds build-fuzz/ with clang and libFuzzer (--enable-fuzzing: ASan, UBSan),
# then runs each harness, one at a time and at the lowest priority (the
# machine is shared), for SECONDS (default 600) or MC_FUZZ_RUNS executions
# (default 1000000), whichever comes first, starting from its seed corpus. New inputs
# go to build-fuzz/corpus/<harness>/ (not the repository). A crash, leak or
# timeout is copied into tests/fuzz/corpus/<harness>/regress-* so that it
# becomes a regression input; the run then fails. Each harness's figures
# (executions, time, coverage, result) go into docs/fuzzing.md.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build-fuzz
seconds=600
runs=${MC_FUZZ_RUNS:-1000000}
# Wall-clock seconds an input may take (MC_FUZZ_TIMEOUT): at nice 19 on a busy
# machine a harness may get a small share of a core.
timeout=${MC_FUZZ_TIMEOUT:-10}
case "${1:-}" in
'' | *[!0-9]*) ;;
*) seconds=$1; shift ;;
esac
harnesses=("$@")

say() { printf 'fuzz: %s\n' "$*" >&2; }

cc=$(command -v clang-14 || command -v clang || true)
if [ -z "$cc" ]; then
	say "clang is missing (Debian: clang-14 libclang-rt-14-dev)"
	exit 1
fi
# runtime/cnn.cpp (OpenCV) takes the same -fsanitize=fuzzer-no-link flags: clang++
# (C++17, which g++ 12 has by default and clang++ 14 does not; without UBSan's vptr
# check, whose C++ runtime the C link of the harnesses does not bring).
cxx=$(command -v clang++-14 || command -v clang++ || true)
if [ -z "$cxx" ]; then
	say "clang++ is missing (Debian: clang-14)"
	exit 1
fi
mkdir -p "$build"
if [ ! -f "$build/config.status" ] || ! grep -q "CXX=$cxx" "$build/config.status"; then
	(cd "$build" && "$top/configure" -q --enable-fuzzing CC="$cc" CXX="$cxx" \
		CFLAGS="-g -O1" CXXFLAGS="-g -O1 -std=gnu++17 -fno-sanitize=vptr") || exit 1
fi
nice -n 19 make -s -C "$build" -j"$(nproc)" fuzz-harnesses >/dev/null || exit 1
if [ ${#harnesses[@]} -eq 0 ]; then
	read -r -a harnesses <<<"$(make -s -C "$build" -f Makefile print-fuzz-harnesses 2>/dev/null)"
fi

status=0
for name in "${harnesses[@]}"; do
	bin=$build/tests/fuzz/fuzz_$name
	seeds=$top/tests/fuzz/corpus/$name
	work=$build/corpus/$name
	art=$build/artifacts/$name
	log=$build/logs/$name.log
	mkdir -p "$work" "$art" "$build/logs"
	say "$name: up to $seconds s or $runs runs"
	start=$(date +%s)
	# Options of one harness. lang: inputs of at most 8 KiB. Its seeds hold
	# regression cells of 50-200 KB (long chains), which would otherwise set
	# libFuzzer's max_len to 200 KB: each mutation of one costs a third of a
	# second in this build, and they held lang to about 57 runs a second. The
	# fuzzer reads them cut to 8 KiB (a chain of 4,000 terms, deeper than the
	# recursion limit); make check replays them whole.
	opts=()
	case "$name" in
	lang) opts=(-max_len=8192) ;;
	esac
	# rss_limit: a harness may not use more than 2 GB; malloc_limit: no single
	# allocation above 1 GB.
	(cd "$build" && TMPDIR=/dev/shm ASAN_OPTIONS=detect_leaks=1 nice -n 19 "$bin" \
		-max_total_time="$seconds" -runs="$runs" -timeout="$timeout" -rss_limit_mb=2048 \
		-malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$art/" \
		${opts[@]+"${opts[@]}"} "$work" "$seeds") >"$log" 2>&1
	rc=$?
	elapsed=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	corpus=$(ls "$work" | wc -l)
	found=()
	for f in "$art"/*; do
		[ -e "$f" ] || continue
		kind=$(basename "$f" | cut -d- -f1)
		dest=$seeds/regress-$(basename "$f")
		cp "$f" "$dest"
		found+=("$kind")
		rm -f "$f"
	done
	if [ $rc -eq 0 ] && [ ${#found[@]} -eq 0 ]; then
		result="0 crashes, hangs or leaks"
	else
		result="FAILED (${found[*]:-exit $rc}): see $log; the inputs are now in tests/fuzz/corpus/$name/"
		status=1
	fi
	say "$name: ${execs:-?} executions in ${elapsed} s, $result"
	/usr/bin/python3 "$top/tools/fuzz_doc.py" "$top/docs/fuzzing.md" "$name" "${execs:-0}" \
		"$elapsed" "${cov:-?}" "$corpus" "$result"
done
exit $status
