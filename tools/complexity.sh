#!/bin/sh
# tools/complexity.sh: the size and branching limits of maskclean's C code.
# Fails (exit 1) when a function in runtime/, kernel/, mpi/ or tools/ is
# longer than 150 lines or has a cyclomatic complexity above 40 (pmccabe's
# traditional count: every case of a switch is a branch), unless
# tools/complexity.exceptions lists it with its reason: a lexer or parser
# state machine that reads best as one switch. Prints the offenders, then
# the mean complexity. Run by make check; exit 77 (skipped) without pmccabe.
set -eu
top=${MC_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
max_lines=150
max_ccn=40

if ! command -v pmccabe >/dev/null 2>&1; then
	echo "SKIP: pmccabe is not installed (Debian package pmccabe)"
	exit 77
fi
cd "$top"
files=$(ls runtime/*.c runtime/*.cpp kernel/*.c mpi/*.c tools/*.c 2>/dev/null)
# pmccabe: modified CCN, traditional CCN, statements, first line, lines,
# file(line): function
# shellcheck disable=SC2086
pmccabe $files | awk -v L="$max_lines" -v C="$max_ccn" -v exc="tools/complexity.exceptions" '
	BEGIN {
		while ((getline line < exc) > 0) {
			if (line ~ /^[ \t]*(#|$)/)
				continue
			split(line, f, /[ \t]+/)
			allowed[f[1]] = 1
		}
	}
	{
		name = $0
		sub(/^[^)]*\): /, "", name)
		file = $6
		sub(/\(.*/, "", file)
		key = file ":" name
		n++
		sum += $2
		if (($5 > L || $2 > C) && !(key in allowed)) {
			printf "%s: %d lines, complexity %d (limits %d, %d)\n", key, $5, $2, L, C
			bad++
		}
		if (key in allowed)
			seen[key] = 1
	}
	END {
		for (k in allowed)
			if (!(k in seen)) {
				printf "tools/complexity.exceptions: %s is not in the tree any more\n", k
				bad++
			}
		printf "%d functions, mean complexity %.2f; %d over the limits\n", n, sum / n, bad
		exit bad > 0
	}'
