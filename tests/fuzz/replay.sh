#!/usr/bin/env bash
# Replays every fuzz harness over its corpus, tests/fuzz/corpus/<name>/ (the
# seeds and every crash the fuzzers found): the regression mode of the
# harnesses, run by make check (plain and sanitizer builds) and, with
# MC_FUZZ_WRAPPER="valgrind ...", by tools/test.sh. Fails when a harness
# fails, is missing, or has no corpus, and when a corpus has no harness.
set -u
build=${MC_BUILDDIR:?run through make check}
src=${MC_SRCDIR:?run through make check}
status=0
for name in ${MC_FUZZ_HARNESSES:?run through make check}; do
	bin=$build/tests/fuzz/fuzz_$name
	corpus=$src/tests/fuzz/corpus/$name
	if [ ! -x "$bin" ]; then
		echo "FAIL $name: $bin was not built"
		status=1
	elif [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus")" ]; then
		echo "FAIL $name: no seed inputs in $corpus"
		status=1
	elif ! ${MC_FUZZ_WRAPPER:-} "$bin" "$corpus"; then
		echo "FAIL $name: an input of $corpus fails (see above)"
		status=1
	fi
done
for dir in "$src"/tests/fuzz/corpus/*/; do
	name=$(basename "$dir")
	case " $MC_FUZZ_HARNESSES " in
	*" $name "*) ;;
	*) echo "FAIL: corpus $dir has no harness tests/fuzz/fuzz_$name.c"; status=1 ;;
	esac
done
exit $status
