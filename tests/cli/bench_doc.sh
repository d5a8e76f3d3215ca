#!/usr/bin/env bash
# docs/BENCHMARKS.md shows bench/bench.sh's figures as the script printed
# them: the section between the bench.sh markers is bench/results.md (the
# recorded output, kept by bench/record.sh), whose table has exactly the rows
# bench.sh emits, in its order, with a number or n/a in every measured cell.
# (Timing figures cannot be re-measured in CI; their provenance is checked.)
. "$(dirname "$0")/lib.bash"
doc="$SRC/docs/BENCHMARKS.md"
res="$SRC/bench/results.md"
sed -n '/^<!-- bench.sh results: begin -->$/,/^<!-- bench.sh results: end -->$/p' "$doc" | sed '1d;$d' >"$T/section"
[ -s "$T/section" ] && ok || bad "no bench.sh section in docs/BENCHMARKS.md"
if cmp -s "$T/section" "$res"; then ok; else bad "docs/BENCHMARKS.md's bench section is not bench/results.md (run bench/record.sh)"; diff "$res" "$T/section" | head -5 >&2; fi
bash "$SRC/bench/bench.sh" --rows >"$T/rows"
grep '^| [a-z0-9_]* |' "$res" | grep -v '^| row |' | cut -d'|' -f2 | tr -d ' ' >"$T/got_rows"
if cmp -s "$T/rows" "$T/got_rows"; then ok; else bad "rows of bench/results.md differ from bench.sh --rows"; diff "$T/rows" "$T/got_rows" | head -5 >&2; fi
bad_cells=$(grep '^| [a-z0-9_]* |' "$res" | grep -v '^| row |' | cut -d'|' -f3 | tr -d ' ' | grep -cvE '^([0-9]+(\.[0-9]+)?|n/a)$' || true)
expect_eq "$bad_cells" "0" "every measured cell is a number or n/a"
expect_grep '^Machine: ' "$res"
expect_grep '^| row | measured | target | what |$' "$res"
finish
