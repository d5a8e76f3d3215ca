#!/usr/bin/env bash
# cli_analysis_summary: run identity end to end (issue: the README's
# `--set devices.count=50` run appended to a database pooled 40- and
# 50-device runs, and the same command run twice counted each run twice),
# then `edgesim summary` and `edgesim compare` on the result: separate
# groups named by what differs, single counts, t intervals, paired
# differences, formats and exit codes.
. "$(dirname "$0")/lib.bash"

cat > "$T/s.json" <<'JSON'
{
  "name": "ident",
  "seed": 3,
  "replications": 3,
  "trace": { "generate": { "benchmark": "mmlu", "queries": 40 },
             "arrival": { "process": "poisson", "rate_per_s": 2 } },
  "devices": { "count": 4 },
  "policies": [ { "name": "always-small" }, { "name": "always-large" },
                { "name": "quality-latency", "alpha": 0.05 },
                { "name": "quality-latency", "alpha": 0.5 } ]
}
JSON
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/r.db" -q
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/r.db" -q --set devices.count=5
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/r.db" -q --set devices.count=5   # the same command again
expect_eq "$(sqlite3 "$T/r.db" 'SELECT COUNT(*) FROM runs')" 24 "runs stored (the rerun skipped its complete runs)"

expect_exit 0 "$BIN" summary "$T/r.db" --format csv -o "$T/sum.csv"
# Two groups of four policies, each with n = 3 (not 6, not pooled).
expect_eq "$(tail -n +2 "$T/sum.csv" | wc -l)" 8 "summary rows"
expect_eq "$(tail -n +2 "$T/sum.csv" | awk -F, '{print $NF}' | wc -l)" 8 "rows"
expect_eq "$(sqlite3 "$T/r.db" 'SELECT COUNT(*) FROM policy_summary WHERE n_runs = 3')" 8 "policy_summary n_runs"
expect_eq "$(sqlite3 "$T/r.db" 'SELECT COUNT(*) FROM run_summary')" 24 "run_summary counts each run once"
expect_grep 'ident devices.count=4' "$T/sum.csv"
expect_grep 'ident devices.count=5' "$T/sum.csv"
# n column (6th) is 3 everywhere.
expect_eq "$("$BIN" summary "$T/r.db" --format json | grep -c '"n":	3')" 8 "n = 3 in JSON"
# The CI is t(0.975, 2) * sd / sqrt(3) of the per-run means: recompute it
# from run_summary for always-large in group 1.
want=$(sqlite3 "$T/r.db" "WITH x AS (SELECT mean_latency_s v FROM run_summary s JOIN scenario_group g USING (scenario_key)
        WHERE g.group_index = 1 AND policy = 'always-large'),
        m AS (SELECT AVG(v) a, COUNT(*) n FROM x)
        SELECT printf('%.6g', 4.302652729749464 * sqrt(SUM((v - a) * (v - a)) / (n - 1)) / sqrt(n)) FROM x, m")
got=$("$BIN" summary "$T/r.db" --format json | awk '/"label":	"always-large"/{f=1} f && /"mean_latency_s_ci"/{print; exit}' |
      sed 's/.*:\t//; s/,//')
expect_eq "$(printf '%.6g' "$got")" "$want" "t-based CI of mean latency"
# --ci changes the interval (wider at 99 %).
c95=$("$BIN" summary "$T/r.db" --format csv | awk -F, 'NR==2{print $8}')
c99=$("$BIN" summary "$T/r.db" --format csv --ci 0.99 | awk -F, 'NR==2{print $8}')
expect_eq "$(awk -v a="$c95" -v b="$c99" 'BEGIN{print (b > a * 1.5) ? "wider" : "not"}')" wider "--ci 0.99 wider"
# Labels carry parameters.
expect_exit 0 "$BIN" summary "$T/r.db"
expect_grep 'quality-latency alpha=0.05' "$T/out"
expect_grep 'group 2: ident devices.count=5' "$T/out"
expect_exit 0 "$BIN" summary "$T/r.db" --by policy --format csv -o "$T/byp.csv"
expect_eq "$(awk -F, 'NR==2||NR==3{print $3}' "$T/byp.csv" | sort -u)" always-large "--by policy orders by policy"

# compare: paired by seed and replication, one row per policy and metric.
expect_exit 0 "$BIN" compare "$T/r.db" --baseline always-large --format csv -o "$T/cmp.csv"
expect_eq "$(grep -c ',mean_latency_s,' "$T/cmp.csv")" 6 "3 policies x 2 groups"
expect_eq "$(grep ',always-small,large_fraction,' "$T/cmp.csv" | cut -d, -f6,7 | sort -u)" "3,-1" "always-small: 3 pairs, -1 large share"
expect_eq "$(grep ',always-small,large_fraction,' "$T/cmp.csv" | cut -d, -f11 | sort -u)" "1" "wins fewer large calls every time"
# The paired mean difference equals the difference of the means.
d=$(sqlite3 "$T/r.db" "SELECT printf('%.6g', (SELECT AVG(mean_latency_s) FROM run_summary s JOIN scenario_group g USING (scenario_key)
      WHERE group_index = 1 AND policy = 'always-small') - (SELECT AVG(mean_latency_s) FROM run_summary s
      JOIN scenario_group g USING (scenario_key) WHERE group_index = 1 AND policy = 'always-large'))")
expect_eq "$(printf '%.6g' "$(grep '^1,.*,always-small,mean_latency_s,' "$T/cmp.csv" | cut -d, -f7)")" "$d" "paired difference"
expect_exit 2 "$BIN" compare "$T/r.db" --baseline quality-latency
expect_grep 'several' "$T/err"
expect_exit 0 "$BIN" compare "$T/r.db" --baseline 'quality-latency alpha=0.05'
expect_exit 2 "$BIN" compare "$T/r.db" --baseline nope
expect_exit 2 "$BIN" compare "$T/r.db"

# Usage and input errors.
expect_exit 2 "$BIN" summary "$T/r.db" --format xml
expect_exit 2 "$BIN" summary "$T/r.db" --ci 95
expect_exit 2 "$BIN" summary "$T/r.db" --by nothing
expect_exit 2 "$BIN" summary
expect_exit 3 "$BIN" summary "$T/missing.db"
expect_exit 4 "$BIN" summary "$T/r.db" -o "$T/no/such/dir/x.csv"
# A file from before run identity (schema 4: no point_key/group_key/config_hash)
# is refused with a message saying why, not a bare SQL error.
sqlite3 "$T/old.db" "CREATE TABLE runs (run_id INTEGER PRIMARY KEY, scenario_name, scenario_json, sweep_index,
    sweep_point, seed, replication, policy, policy_params, version, status);
    CREATE TABLE queries (run_id, query_id, latency_s, t_done); PRAGMA user_version = 4;"
expect_exit 3 "$BIN" summary "$T/old.db"
expect_grep 'older edgesim (record schema 4) without run identity' "$T/err"
expect_exit 0 "$BIN" summary --help
expect_grep 'usage: edgesim summary' "$T/out"
finish
