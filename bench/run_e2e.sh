#!/usr/bin/env bash
# run_e2e.sh BUILD_DIR [QUERIES] -- the whole simulator, SQLite writes included:
# the default scenario (scenarios/default.json, its five policies) on a
# generated MMLU-calibrated trace of QUERIES queries (default 100,000) instead
# of its shipped trace, at the scenario's own arrival rate (same load, a
# longer run).
# Prints queries/s and events/s per run (from the runs table: events, wall_s)
# and for the whole command (process wall clock, database writes and the
# summary included).
set -euo pipefail
build=${1:?usage: bench/run_e2e.sh BUILD_DIR [QUERIES]}
queries=${2:-100000}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$build/edgesim
[ -x "$bin" ] || { echo "run_e2e.sh: $bin not built" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "run_e2e.sh: needs the sqlite3 shell" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/edgesim_bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
db=$work/bench.db

t0=$(date +%s.%N)
"$bin" run "$here/scenarios/default.json" -o "$db" -q \
    --set 'trace.path=""' --set "trace.generate.queries=$queries" --set trace.generate.benchmark=mmlu
t1=$(date +%s.%N)

echo "bench_e2e: scenarios/default.json, $queries generated MMLU queries, $(nproc) cores, one used"
sqlite3 -separator ' ' "$db" "SELECT policy, n_queries, events, wall_s FROM runs WHERE status = 'complete' ORDER BY run_id" |
    awk '{ printf "  %-18s %8d queries %10d events %7.3f s wall  %9.0f queries/s  %6.2f M events/s\n",
           $1, $2, $3, $4, $2 / $4, $3 / $4 / 1e6 }'
sqlite3 -separator ' ' "$db" "SELECT SUM(n_queries), SUM(events), SUM(wall_s) FROM runs WHERE status = 'complete'" |
    awk -v total="$(echo "$t1 - $t0" | bc -l)" -v size="$(stat -c %s "$db")" '{
        printf "  all runs: %d queries, %d events in %.3f s of run time: %.0f queries/s, %.2f M events/s\n",
               $1, $2, $3, $1 / $3, $2 / $3 / 1e6
        printf "  whole command (setup, SQLite writes, summary): %.3f s: %.0f queries/s; database %.1f MB\n",
               total, $1 / total, size / 1e6 }'
