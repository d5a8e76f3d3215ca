#!/usr/bin/env bash
# edgesim run --records runs writes no query rows, and its run_summary equals
# --records all's: counts and means exact (to 1e-9 relative: summation order),
# percentiles within the sketch's stated relative error (run_figures
# .quantile_rel_error), per-route counts exact.  Also: a merge carries the
# figures, a failed run leaves none, and a bad mode is a usage error.
. "$(dirname "$0")/lib.bash"
S="$SRC/scenarios/default.json"
SETS=(--set trace.path='""' --set trace.generate.queries=4000 --set trace.generate.benchmark=mix --seed 7)
expect_exit 0 "$BIN" run "$S" -o "$T/all.db" -q "${SETS[@]}"
expect_exit 0 "$BIN" run "$S" -o "$T/runs.db" -q --records runs "${SETS[@]}"
expect_eq "$(sqlite3 "$T/runs.db" "SELECT COUNT(*) FROM queries")" "0" "no query rows with --records runs"
expect_eq "$(sqlite3 "$T/runs.db" "SELECT COUNT(*) FROM run_figures")" "$(sqlite3 "$T/all.db" "SELECT COUNT(*) FROM runs")" \
  "one figures row per run"

cmp_sql="ATTACH '$T/runs.db' AS r;
WITH a AS (SELECT * FROM main.run_summary), b AS (SELECT * FROM r.run_summary),
tol AS (SELECT MAX(quantile_rel_error) AS e FROM r.run_figures)
SELECT COUNT(*),
  SUM(a.n = b.n),
  SUM(abs(a.mean_latency_s - b.mean_latency_s) <= 1e-9 * abs(a.mean_latency_s)
      AND abs(a.mean_ttft_s - b.mean_ttft_s) <= 1e-9 * abs(a.mean_ttft_s)
      AND abs(a.mean_energy_j - b.mean_energy_j) <= 1e-9 * abs(a.mean_energy_j)
      AND abs(a.mean_quality - b.mean_quality) <= 1e-12
      AND abs(a.oracle_quality_gap - b.oracle_quality_gap) <= 1e-12
      AND a.large_fraction = b.large_fraction),
  SUM(abs(a.p50_latency_s - b.p50_latency_s) <= tol.e * a.p50_latency_s
      AND abs(a.p95_latency_s - b.p95_latency_s) <= tol.e * a.p95_latency_s
      AND abs(a.p99_latency_s - b.p99_latency_s) <= tol.e * a.p99_latency_s
      AND abs(a.p50_ttft_s - b.p50_ttft_s) <= tol.e * a.p50_ttft_s
      AND abs(a.p95_ttft_s - b.p95_ttft_s) <= tol.e * a.p95_ttft_s
      AND abs(a.p99_ttft_s - b.p99_ttft_s) <= tol.e * a.p99_ttft_s),
  SUM(a.p95_latency_s <> b.p95_latency_s)
FROM a JOIN b ON b.run_id = a.run_id, tol;"
read -r n same_n same_means same_pct differ <<<"$(sqlite3 -separator ' ' "$T/all.db" "$cmp_sql")"
expect_eq "$n" "7" "runs compared"
expect_eq "$same_n" "$n" "same n"
expect_eq "$same_means" "$n" "same means, fractions, quality gap"
expect_eq "$same_pct" "$n" "percentiles within the stated bound"
[ "$differ" -gt 0 ] && ok || bad "the percentiles are expected to come from the sketch, not to be copied"
expect_eq "$(sqlite3 "$T/runs.db" "SELECT group_concat(n_small || '/' || n_large, ' ') FROM (SELECT * FROM run_figures ORDER BY run_id)")" \
  "$(sqlite3 "$T/all.db" "SELECT group_concat(s || '/' || l, ' ') FROM (SELECT SUM(route = 'small') AS s, SUM(route = 'large') AS l FROM queries GROUP BY run_id ORDER BY run_id)")" \
  "per-route counts"
expect_eq "$(sqlite3 "$T/runs.db" "SELECT COUNT(*) FROM run_summary")" "7" "run_summary has every runs-mode run"

# merge carries the figures
expect_exit 0 "$BIN" merge -o "$T/merged.db" "$T/runs.db"
expect_eq "$(sqlite3 "$T/merged.db" "SELECT COUNT(*) FROM run_figures")" "7" "merge copies run_figures"
expect_eq "$(sqlite3 "$T/merged.db" "SELECT group_concat(p95_latency_s) FROM (SELECT p95_latency_s FROM run_summary ORDER BY run_id)")" \
  "$(sqlite3 "$T/runs.db" "SELECT group_concat(p95_latency_s) FROM (SELECT p95_latency_s FROM run_summary ORDER BY run_id)")" "merged summary"

# an interrupted or failed run leaves no figures: disk full after the schema
# (as many pages as the schema alone takes, measured on a copy of it, so a
# new view or column does not move the limit; one fewer and the schema itself
# no longer fits, and is created whole or not)
sqlite3 "$T/runs.db" .schema | sqlite3 "$T/schema_only.db"
SCHEMA_PAGES=$(sqlite3 "$T/schema_only.db" "PRAGMA page_count")
EDGESIM_TEST_DB_MAX_PAGES=$SCHEMA_PAGES "$BIN" run "$S" -o "$T/full.db" -q --records runs "${SETS[@]}" >/dev/null 2>&1
expect_eq "$(sqlite3 "$T/full.db" "SELECT COUNT(*) FROM run_figures f LEFT JOIN runs r USING (run_id) WHERE r.status IS NOT 'complete'")" \
  "0" "no figures without a complete run"
expect_eq "$(sqlite3 "$T/full.db" "SELECT COUNT(*) FROM sqlite_master WHERE name = 'run_figures'")" "1" \
  "the disk-full case: the schema fitted"

expect_exit 2 "$BIN" run "$S" -o "$T/bad.db" --records some
expect_grep "expected all or runs" "$T/err"
finish
