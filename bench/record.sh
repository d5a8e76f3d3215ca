#!/usr/bin/env bash
# record.sh RESULTS.md -- keep a bench/bench.sh output: copy it to
# bench/results.md and into docs/BENCHMARKS.md between the markers
# "<!-- bench.sh results: begin -->" and "<!-- bench.sh results: end -->".
# tests/cli/bench_doc.sh checks that both agree and have bench.sh's rows.
set -euo pipefail
src=${1:?usage: bench/record.sh RESULTS.md (the output of bench/bench.sh)}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
doc=$here/docs/BENCHMARKS.md
cp "$src" "$here/bench/results.md"
awk -v results="$here/bench/results.md" '
  /^<!-- bench.sh results: begin -->$/ { print; while ((getline line < results) > 0) print line; skip = 1; next }
  /^<!-- bench.sh results: end -->$/ { skip = 0 }
  !skip { print }' "$doc" >"$doc.tmp"
mv "$doc.tmp" "$doc"
echo "recorded $src in bench/results.md and docs/BENCHMARKS.md"
