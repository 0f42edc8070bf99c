#!/bin/sh
# docs/functions.md is what tools/gen_docs prints from the function table:
# a table entry added, renamed or documented without `make docs-functions`
# fails this test (make check runs it with MC_SRCDIR and MC_BUILDDIR set).
set -eu
gen="${MC_BUILDDIR:?run through make check}/tools/gen_docs"
doc="${MC_SRCDIR:?run through make check}/docs/functions.md"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$gen" > "$out"
if ! cmp -s "$out" "$doc"; then
	echo "docs/functions.md differs from the function table; run 'make docs-functions':"
	diff -u "$doc" "$out" | head -40
	exit 1
fi
echo "docs/functions.md matches the function table"
