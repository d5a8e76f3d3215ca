#!/usr/bin/env bash
# Relative paths (docs/CLI.md "Paths"): trace.path and
# devices.mobility.trace_path written in the scenario file, whether at the
# key, as a sweep value or inside a swept object, name files in the scenario
# file's folder; a --set value names a file in the working directory.  Run
# from another folder holding decoys of the same names with other row counts,
# so that a path resolved the wrong way runs the wrong number of queries.
. "$(dirname "$0")/lib.bash"

mkdir -p "$T/scen" "$T/cwd"
write_trace "$T/scen/a.csv" 11
write_trace "$T/scen/b.csv" 12
write_trace "$T/cwd/a.csv" 21   # decoys: a path resolved from the working
write_trace "$T/cwd/b.csv" 22   # directory runs 21 or 22 queries
write_trace "$T/cwd/c.csv" 23   # only here: a --set value
n_queries() { sqlite3 "$1" "SELECT group_concat(n_queries, ' ') FROM (SELECT n_queries FROM runs ORDER BY run_id)"; }
cd "$T/cwd" || exit 1

cat >"$T/scen/key.json" <<'JSON'
{ "name": "key", "seed": 1, "trace": { "path": "a.csv" }, "policy": { "name": "always-small" } }
JSON
cat >"$T/scen/sweep.json" <<'JSON'
{ "name": "sweep", "seed": 1, "trace": { "path": "a.csv" }, "policy": { "name": "always-small" },
  "sweep": { "trace.path": ["b.csv", "a.csv"] } }
JSON
cat >"$T/scen/object.json" <<'JSON'
{ "name": "object", "seed": 1, "policy": { "name": "always-small" },
  "sweep": { "trace": [ { "path": "b.csv" }, { "path": "a.csv", "arrival": { "rate_per_s": 3 } } ] } }
JSON

# At the key, as every release did.
expect_exit 0 "$BIN" run ../scen/key.json -o k.db -q
expect_eq "$(n_queries k.db)" "11" "trace.path in the file: the scenario's folder"
# As a sweep value: the scenario's folder too (it was the working directory).
expect_exit 0 "$BIN" run ../scen/sweep.json -o s.db -q
expect_eq "$(n_queries s.db)" "12 11" "trace.path as a sweep value: the scenario's folder"
expect_eq "$(sqlite3 s.db "SELECT sweep_point FROM runs ORDER BY run_id LIMIT 1")" '{"trace.path":"b.csv"}' \
  "the sweep point keeps the value as written"
expect_exit 0 "$BIN" run "$T/scen/sweep.json" -o s2.db -q --check
expect_grep "ok (2 sweep points)" "$T/out"
# Inside a swept object: the same.
expect_exit 0 "$BIN" run ../scen/object.json -o o.db -q
expect_eq "$(n_queries o.db)" "12 11" "trace.path inside a swept object: the scenario's folder"
# One trace's runs share their identity's trace digest whichever path reached
# it: the file's a.csv at the key and as a sweep value is one configuration.
expect_eq "$(sqlite3 s.db "ATTACH 'k.db' AS k; SELECT COUNT(*) FROM runs JOIN k.runs kr USING (config_hash)")" "0" \
  "sweep_point differs, so the identities differ"

# --set: the working directory, like every path on the command line.
expect_exit 0 "$BIN" run ../scen/key.json -o set.db -q --set trace.path=c.csv
expect_eq "$(n_queries set.db)" "23" "--set trace.path: the working directory"
expect_exit 0 "$BIN" run ../scen/key.json -o set2.db -q --set trace.path=b.csv
expect_eq "$(n_queries set2.db)" "22" "--set trace.path=b.csv: the working directory's b.csv"
expect_exit 0 "$BIN" run ../scen/key.json -o set3.db -q --set 'trace={"path": "a.csv"}'
expect_eq "$(n_queries set3.db)" "21" "--set of the trace object: the working directory"
# A sweep value wins over --set of the same key, and resolves as the file's.
expect_exit 0 "$BIN" run ../scen/sweep.json -o set4.db -q --set trace.path=c.csv
expect_eq "$(n_queries set4.db)" "12 11" "a sweep over trace.path after --set"
# A missing file names the path it tried.
cat >"$T/scen/missing.json" <<'JSON'
{ "name": "missing", "seed": 1, "policy": { "name": "always-small" }, "sweep": { "trace.path": ["c.csv"] } }
JSON
expect_exit 3 "$BIN" run ../scen/missing.json -o m.db -q
expect_grep "../scen/c.csv" "$T/err"

# devices.mobility.trace_path as a sweep value: the scenario's folder.
printf 't,device,x_m,y_m\n0,0,0,100\n30,0,0,400\n' >"$T/scen/walk.csv"
printf 't,device,x_m,y_m\n0,0,0,900\n30,0,0,900\n' >"$T/cwd/walk.csv"
cat >"$T/scen/mob.json" <<'JSON'
{ "name": "mob", "seed": 1, "trace": { "path": "a.csv" },
  "devices": { "count": 1, "mobility": { "model": "trace" } },
  "channel": { "shadowing_db": 0 }, "policy": { "name": "always-large" },
  "sweep": { "devices.mobility.trace_path": ["walk.csv"] } }
JSON
expect_exit 0 "$BIN" run ../scen/mob.json -o mob.db -q
expect_eq "$(sqlite3 mob.db "SELECT MIN(distance_m) < 400 FROM queries")" "1" \
  "mobility trace_path as a sweep value: the scenario's folder (the decoy stays at 900 m)"
finish
