#!/usr/bin/env bash
# Run identity (docs/ANALYSIS.md "Run identity"): different configurations
# are never pooled, the same run is never stored or counted twice, and
# splitting replications across tasks stores the same runs as one unsplit run.
. "$(dirname "$0")/lib.bash"

write_trace "$T/trace.csv" 120
cat >"$T/s.json" <<JSON
{ "name": "id", "seed": 5,
  "trace": { "path": "trace.csv", "arrival": { "process": "poisson", "rate_per_s": 4 } },
  "devices": { "count": 4 },
  "policies": [ { "name": "always-small" },
                { "name": "quality-latency", "alpha": 0.1, "theta": 0.5 },
                { "name": "quality-latency", "alpha": 0.5, "theta": 0.5 } ] }
JSON
runs() { sqlite3 "$1" "SELECT COUNT(*) FROM runs WHERE status = 'complete'"; }

# Issue 14, first case: a run with --set devices.count=50 --seed 7 appended to
# the default run is its own group (n_runs 1 each), labelled by what differs.
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/a.db" -q
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/a.db" -q --set devices.count=50 --seed 7
expect_eq "$(runs "$T/a.db")" 6 "runs"
expect_eq "$(sqlite3 "$T/a.db" "SELECT COUNT(*) || ' ' || MAX(n_runs) FROM policy_summary")" "6 1" "six groups of one run"
expect_eq "$(sqlite3 "$T/a.db" "SELECT config_label FROM policy_summary WHERE policy = 'always-small' ORDER BY config_label" | tr '\n' '|')" \
  "always-small|always-small; devices.count=50|" "labels say what differs"
expect_eq "$(sqlite3 "$T/a.db" "SELECT COUNT(DISTINCT config_label) FROM policy_summary WHERE policy = 'quality-latency'")" 4 \
  "policy parameters in the label"
expect_grep "alpha=0.5 theta=0.5; devices.count=50" <(sqlite3 "$T/a.db" "SELECT config_label FROM runs")
# Same randomness, other policy: same point_key; other seed: another group.
expect_eq "$(sqlite3 "$T/a.db" "SELECT COUNT(DISTINCT point_key) || ' ' || COUNT(DISTINCT group_key) || ' ' || COUNT(DISTINCT config_hash) FROM runs")" \
  "2 6 6" "point/group/config keys"

# Issue 14, second case: the same command twice counts once.
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/a.db" --set devices.count=50 --seed 7
expect_grep "3 of 3 runs were already complete" "$T/err"
expect_eq "$(runs "$T/a.db")" 6 "rerun stores nothing"
expect_eq "$(sqlite3 "$T/a.db" "SELECT MAX(n_runs) FROM policy_summary")" 1 "rerun counted once"
# ... and the records of the first run are untouched.
expect_eq "$(sqlite3 "$T/a.db" "SELECT COUNT(*) FROM queries")" 720 "query rows"

# Replications: pooled within a group, one run per replication.
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/r.db" -q --replications 3 --policy always-small
expect_eq "$(sqlite3 "$T/r.db" "SELECT n_runs FROM policy_summary")" 3 "replications pooled"
# Asking for more replications later runs only the new ones.
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/r.db" --replications 4 --policy always-small
expect_grep "3 of 4 runs were already complete" "$T/err"
expect_eq "$(sqlite3 "$T/r.db" "SELECT n_runs FROM policy_summary")" 4 "fourth replication added"

# Split replications (issue 16): tasks of blocks of the range store the same
# rows as one unsplit run, up to run_id and wall-clock fields.
cols="scenario_name, scenario_json, sweep_index, sweep_point, seed, replication, policy, policy_params,
      policy_derived, version, n_queries, n_unstarted, sim_end_s, events, config_hash, group_key, point_key,
      config_label, status"
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/whole.db" -q --replications 4
for task in 0 1; do
  expect_exit 0 "$BIN" run "$T/s.json" -o "$T/split.db" -q --replications 4 --replications-per-task 2 --task $task
done
q="SELECT $cols FROM runs ORDER BY replication, policy, policy_params"
expect_eq "$(sqlite3 "$T/split.db" "$q" | md5sum)" "$(sqlite3 "$T/whole.db" "$q" | md5sum)" "split runs rows"
expect_eq "$(sqlite3 "$T/split.db" "SELECT COUNT(*) FROM runs")" 12 "split runs"
qq="SELECT r.replication, r.policy_params, q.* FROM queries q JOIN runs r USING (run_id) ORDER BY 1, 2, q.query_id"
expect_eq "$(sqlite3 "$T/split.db" "$qq" | cut -d'|' -f1,2,4- | md5sum)" "$(sqlite3 "$T/whole.db" "$qq" | cut -d'|' -f1,2,4- | md5sum)" "split query rows"
# The older way (--set replication=K --set replications=1) stores another
# scenario_json but the same identities, so a rerun either way skips what is
# there.
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/split.db" --set replication=2 --set replications=1
expect_grep "3 of 3 runs were already complete" "$T/err"

# The trace is part of the configuration by content, not by path.
mkdir -p "$T/other"
cp "$T/trace.csv" "$T/other/trace.csv"
sed 's/"trace.csv"/"other\/trace.csv"/' "$T/s.json" >"$T/s2.json"
expect_exit 0 "$BIN" run "$T/s2.json" -o "$T/a.db"
expect_grep "3 of 3 runs were already complete" "$T/err"
expect_exit 0 "$BIN" run "$T/s2.json" -o "$T/a.db" -q --set devices.count=50 --seed 7
sed -i '2s/,mmlu$/,gsm8k/' "$T/other/trace.csv"
expect_exit 0 "$BIN" run "$T/s2.json" -o "$T/a.db"
expect_eq "$(runs "$T/a.db")" 9 "an edited trace is another configuration"

# Merging the same file twice, or into a file that holds its runs, adds nothing.
expect_exit 0 "$BIN" merge "$T/m.db" "$T/whole.db" "$T/whole.db"
expect_eq "$(runs "$T/m.db")" 12 "merge a a"
expect_exit 0 "$BIN" merge "$T/m.db" "$T/split.db"
expect_eq "$(runs "$T/m.db")" 12 "merge of the same runs split"
expect_eq "$(sqlite3 "$T/m.db" "SELECT COUNT(*) || ' ' || MAX(n_runs) FROM policy_summary")" "3 4" "merged groups"

finish
