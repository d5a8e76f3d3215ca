#!/usr/bin/env bash
# The results database's life cycle (sim/run/results_db.h): atomic schema,
# early kills, concurrent writers and readers, `edgesim clean`, full disks
# and file size limits.
. "$(dirname "$0")/lib.bash"

trace() { # trace FILE ROWS
  { echo "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark"
    for i in $(seq 1 "$2"); do echo "$i,-1,0,$((20 + i % 200)),$((1 + i % 50)),0.$((i % 10)),$((i % 3 == 0)),$((i % 2)),mmlu"; done
  } >"$1"
}
trace "$T/small.csv" 200
trace "$T/big.csv" 6000
cat >"$T/s.json" <<JSON
{ "trace": { "path": "small.csv", "arrival": { "rate_per_s": 20 } }, "devices": { "count": 4 },
  "policies": [ { "name": "always-small" }, { "name": "always-large" } ] }
JSON
cat >"$T/big.json" <<JSON
{ "trace": { "path": "big.csv", "arrival": { "rate_per_s": 200 } }, "devices": { "count": 20 },
  "replications": 2, "policies": [ { "name": "always-small" }, { "name": "always-large" } ] }
JSON
complete() { sqlite3 "$1" "SELECT COUNT(*) FROM runs WHERE status = 'complete'"; }

# Early kills: SIGTERM or SIGKILL in the first milliseconds of a run on a new
# file.  Afterwards the file is absent or usable: integrity ok, and a run into
# it succeeds.  SIGTERM always ends with 130 (or 0 if the run finished).
bad_exit=0 unusable=0
for i in $(seq 1 40); do
  f="$T/early$i.db"
  "$BIN" run "$T/s.json" -o "$f" -q >/dev/null 2>&1 &
  pid=$!
  sleep "0.00$((i % 10))"
  if [ $((i % 2)) = 0 ]; then sig=TERM; else sig=KILL; fi
  kill -$sig $pid 2>/dev/null
  wait $pid
  rc=$?
  # 143: the signal came before main() ran (the loader's few ms), when
  # nothing can have been written: then there must be no file.
  if [ $sig = TERM ] && [ $rc != 130 ] && [ $rc != 0 ] && { [ $rc != 143 ] || [ -e "$f" ]; }; then
    bad_exit=$((bad_exit + 1)); echo "SIGTERM trial $i: exit $rc" >&2
  fi
  if [ -e "$f" ]; then
    if [ "$(sqlite3 "$f" "PRAGMA integrity_check" 2>&1)" != ok ] || ! "$BIN" run "$T/s.json" -o "$f" -q 2>"$T/err"; then
      unusable=$((unusable + 1)); echo "trial $i ($sig): file unusable: $(head -2 "$T/err")" >&2
    fi
  fi
done
expect_eq "$bad_exit" 0 "SIGTERM early: exit 130 or 0"
expect_eq "$unusable" 0 "files usable after early kills"

# A schema left half-made by an older edgesim (no version, no runs) is
# treated as new; a file with another program's tables, or with runs but no
# version, is refused (exit 4) and left as it was.
sqlite3 "$T/partial.db" "CREATE TABLE runs (run_id INTEGER PRIMARY KEY, x);"
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/partial.db" -q
expect_eq "$(complete "$T/partial.db")" 2 "partial schema replaced"
sqlite3 "$T/foreign.db" "CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine');"
expect_exit 4 "$BIN" run "$T/s.json" -o "$T/foreign.db" -q
expect_grep "not an edgesim results database" "$T/err"
expect_eq "$(sqlite3 "$T/foreign.db" "SELECT group_concat(name) FROM sqlite_master")" notes "foreign file untouched"
sqlite3 "$T/v0.db" "CREATE TABLE runs (run_id INTEGER PRIMARY KEY, x); INSERT INTO runs VALUES (1, 2);"
expect_exit 4 "$BIN" run "$T/s.json" -o "$T/v0.db" -q
expect_grep "holds 1 runs but no record schema version" "$T/err"
# Opening an existing file writes nothing (no PRAGMA user_version per open).
cp "$T/partial.db" "$T/ro.db"
chmod a-w "$T/ro.db"
expect_exit 0 "$BIN" summary "$T/ro.db"
chmod u+w "$T/ro.db"

# Two first writers on one new file, many times: both succeed.
fails=0
for i in $(seq 1 12); do
  "$BIN" run "$T/s.json" -o "$T/two$i.db" -q --seed 1 2>"$T/e1" & p1=$!
  "$BIN" run "$T/s.json" -o "$T/two$i.db" -q --seed 2 2>"$T/e2" & p2=$!
  wait $p1 || { fails=$((fails + 1)); cat "$T/e1" >&2; }
  wait $p2 || { fails=$((fails + 1)); cat "$T/e2" >&2; }
  [ "$(complete "$T/two$i.db")" = 4 ] || fails=$((fails + 1))
done
expect_eq "$fails" 0 "two first writers"

# Four writers and a reader in a loop on one file.
for k in 1 2 3 4; do
  "$BIN" run "$T/big.json" -o "$T/many.db" --seed $k >"$T/w$k.out" 2>"$T/w$k.err" &
  eval "w$k=\$!"
done
reads=0 read_fail=0
while kill -0 $w1 2>/dev/null || kill -0 $w2 2>/dev/null || kill -0 $w3 2>/dev/null || kill -0 $w4 2>/dev/null; do
  if [ "$(sqlite3 "$T/many.db" "SELECT COUNT(*) FROM runs WHERE status = 'complete'" 2>/dev/null)" -gt 0 ] 2>/dev/null; then
    reads=$((reads + 1))
    "$BIN" summary "$T/many.db" >/dev/null 2>"$T/r.err" || { read_fail=$((read_fail + 1)); head -2 "$T/r.err" >&2; }
  fi
  sleep 0.05
done
for k in 1 2 3 4; do
  eval "wait \$w$k"
  expect_eq "$?" 0 "writer $k"
  # Its summary lists its own 4 runs, not the other writers'.
  expect_eq "$(grep -c 'always-' "$T/w$k.out")" 4 "writer $k summary: own runs only"
done
expect_eq "$read_fail" 0 "reader failures (of $reads reads)"
expect_eq "$(complete "$T/many.db")" 16 "16 runs from 4 writers"
expect_eq "$(sqlite3 "$T/many.db" "SELECT COUNT(*) FROM queries")" $((16 * 6000)) "query rows"
expect_eq "$(sqlite3 "$T/many.db" "PRAGMA integrity_check")" ok "integrity after concurrent writers"
[ "$reads" -gt 0 ] && ok || bad "the reader never read"

# clean: a killed run's leftovers are removed; a live writer's run is kept.
cp "$T/many.db" "$T/c.db"
cat >"$T/long.json" <<JSON
{ "trace": { "generate": { "queries": 3000000 }, "arrival": { "rate_per_s": 200 } }, "devices": { "count": 20 },
  "policy": { "name": "always-small" } }
JSON
"$BIN" run "$T/long.json" -o "$T/c.db" -q --seed 9 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 200); do
  [ "$(sqlite3 "$T/c.db" "SELECT COUNT(*) FROM queries q JOIN runs r USING (run_id) WHERE r.status = 'running'" 2>/dev/null)" -gt 0 ] 2>/dev/null && break
  sleep 0.05
done
# Short write transactions: while that run goes on, another writer gets the
# write lock at once (a transaction held across the run would block it).
expect_eq "$(sqlite3 -cmd ".timeout 3000" "$T/c.db" "BEGIN IMMEDIATE; SELECT 'locked-ok'; COMMIT;" 2>&1)" locked-ok "write lock during a run"
expect_exit 0 "$BIN" clean "$T/c.db"
expect_grep "kept 1 still running here" "$T/out"
kill -KILL $pid
wait $pid 2>/dev/null
left=$(sqlite3 "$T/c.db" "SELECT COUNT(*) FROM queries q JOIN runs r USING (run_id) WHERE r.status = 'running'")
[ "$left" -gt 0 ] && ok || bad "no leftover rows to clean"
expect_exit 0 "$BIN" clean "$T/c.db"
expect_grep "removed 1 unfinished runs and $left query rows" "$T/out"
expect_eq "$(sqlite3 "$T/c.db" "SELECT COUNT(*) FROM runs WHERE status = 'running'") $(sqlite3 "$T/c.db" "SELECT COUNT(*) FROM queries WHERE run_id NOT IN (SELECT run_id FROM runs WHERE status = 'complete')")" "0 0" "clean removes run and rows"
expect_eq "$(complete "$T/c.db")" 16 "clean keeps complete runs"
expect_eq "$(sqlite3 "$T/c.db" "PRAGMA integrity_check")" ok "integrity after clean"
# A leftover from another host is kept unless --force.
sqlite3 "$T/c.db" "INSERT INTO runs (scenario_name, scenario_json, sweep_index, sweep_point, seed, replication, policy,
  policy_params, version, started_at, config_hash, group_key, point_key, config_label, writer, status)
  VALUES ('x', '{}', 0, '{}', 1, 0, 'p', '{}', 'v', 't', 'h', 'g', 'k', 'l', 'elsewhere.example:12', 'running')"
expect_exit 0 "$BIN" clean "$T/c.db"
expect_grep "kept 0 still running here, 1 from other hosts" "$T/out"
expect_exit 0 "$BIN" clean "$T/c.db" --force
expect_grep "removed 1 unfinished runs" "$T/out"
expect_exit 3 "$BIN" clean "$T/nothere.db"
expect_exit 3 "$BIN" clean "$T/foreign.db"

# Disk full (SQLite's page limit): exit 4, a message, the failed run gone.
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/full.db" -q
EDGESIM_TEST_DB_MAX_PAGES=60 expect_exit 4 "$BIN" run "$T/big.json" -o "$T/full.db" -q
expect_grep "full" "$T/err"
expect_eq "$(sqlite3 "$T/full.db" "SELECT COUNT(*) FROM runs WHERE status = 'running'") $(complete "$T/full.db")" "0 2" "disk full: unfinished run removed"
expect_eq "$(sqlite3 "$T/full.db" "PRAGMA integrity_check")" ok "integrity after disk full"

# File size limit (ulimit -f): no SIGXFSZ death (exit 153), but exit 4 with
# a message; the unfinished run removed or left for `clean`; file intact.
cp "$T/full.db" "$T/fsize.db"
(ulimit -f 400; exec "$BIN" run "$T/big.json" -o "$T/fsize.db" -q) >"$T/out" 2>"$T/err"
expect_eq "$?" 4 "exit code at the file size limit"
expect_grep "File too large\|full\|file size limit" "$T/err"
expect_eq "$(sqlite3 "$T/fsize.db" "PRAGMA integrity_check")" ok "integrity at the file size limit"
expect_exit 0 "$BIN" clean "$T/fsize.db"
expect_eq "$(sqlite3 "$T/fsize.db" "SELECT COUNT(*) FROM runs WHERE status = 'running'") $(complete "$T/fsize.db")" "0 2" "fsize: only complete runs left"
# ... and for a generated trace: exit 4, no temporary file left behind.
mkdir "$T/gen"
(ulimit -f 20; exec "$BIN" trace gen --benchmark mmlu --queries 200000 --out "$T/gen/t.csv") >"$T/out" 2>"$T/err"
expect_eq "$?" 4 "trace gen at the file size limit"
expect_eq "$(ls -A "$T/gen" | wc -l)" 0 "no file left by trace gen"

finish
