#!/usr/bin/env bash
# cli_analysis_paper: summary, compare, metrics and report on the shipped
# default scenario and on a paper sweep (scenarios/paper/load_sweep.json):
# one group per configuration with every policy and its replications, no
# row pooled, and a report with the sweep figure.  (The browser half of the
# report is cli_report's.)
. "$(dirname "$0")/lib.bash"

expect_exit 0 "$BIN" run "$SRC/scenarios/default.json" -o "$T/d.db" -q
npol=$(sqlite3 "$T/d.db" "SELECT COUNT(DISTINCT policy_params) FROM runs")
expect_exit 0 "$BIN" summary "$T/d.db" --format csv -o "$T/d.csv"
expect_eq "$(tail -n +2 "$T/d.csv" | wc -l)" "$npol" "default: one row per policy"
expect_exit 0 "$BIN" compare "$T/d.db" --baseline always-large --format csv -o "$T/dc.csv"
expect_eq "$(grep -c ',mean_latency_s,' "$T/dc.csv")" "$((npol - 1))" "default: every policy against always-large"
expect_exit 0 "$BIN" metrics "$T/d.db" --format json -o "$T/dm.json"
expect_grep '"family":	"quality-latency' "$T/dm.json"
expect_grep '"apgr":	0\.' "$T/dm.json"
expect_exit 0 "$BIN" metrics "$T/d.db" --what equal-quality --format csv -o "$T/de.csv"
expect_grep '^1,default,quality-latency,score-threshold,' "$T/de.csv"
expect_exit 0 "$BIN" report "$T/d.db" -o "$T/d.html"
expect_eq "$(grep -c '<figcaption>Figure' "$T/d.html")" "$(grep -c '<figure' "$T/d.html")" "default report: a caption per figure"
expect_grep '(tradeoff, group 1)' "$T/d.html"

expect_exit 0 "$BIN" run "$SRC/scenarios/paper/load_sweep.json" -o "$T/l.db" -q
points=$(sqlite3 "$T/l.db" "SELECT COUNT(DISTINCT sweep_index) FROM runs")
pols=$(sqlite3 "$T/l.db" "SELECT COUNT(DISTINCT policy_params) FROM runs")
reps=$(sqlite3 "$T/l.db" "SELECT MAX(replication) + 1 FROM runs")
expect_exit 0 "$BIN" summary "$T/l.db" --format csv -o "$T/l.csv"
expect_eq "$(tail -n +2 "$T/l.csv" | wc -l)" "$((points * pols))" "sweep: a row per point and policy"
expect_eq "$(sqlite3 "$T/l.db" "SELECT COUNT(*) FROM policy_summary WHERE n_runs = $reps")" "$((points * pols))" "sweep: n = replications everywhere"
expect_exit 0 "$BIN" compare "$T/l.db" --baseline always-large --format csv -o "$T/lc.csv"
expect_eq "$(grep -c ',mean_latency_s,' "$T/lc.csv")" "$((points * (pols - 1)))" "sweep: compare per point"
expect_exit 0 "$BIN" metrics "$T/l.db" --what frontier --format csv -o "$T/lf.csv"
expect_eq "$(tail -n +2 "$T/lf.csv" | wc -l)" "$((points * pols))" "sweep: frontier rows"
expect_exit 0 "$BIN" report "$T/l.db" -o "$T/l.html" --max-groups 2
expect_grep '(sweep, group 1)' "$T/l.html"
expect_grep 'paper-load-sweep trace.arrival.rate_per_s=8' "$T/l.html"
expect_eq "$(grep -c '(sweep, group' "$T/l.html")" 1 "one sweep figure"
finish
