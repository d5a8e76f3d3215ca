#!/usr/bin/env bash
# edgesim run -j N: runs in worker threads, one writer.  The records, the
# runs' rows (but wall-clock fields) and the summaries equal those of -j 1,
# in both records modes; SIGINT during -j 2 leaves no unfinished run and no
# orphan record, and exits 130.
. "$(dirname "$0")/lib.bash"
G="$SRC/tests/golden/golden.json"
runs_sql="SELECT run_id, scenario_name, sweep_index, seed, replication, policy, policy_params, policy_derived,
                 n_queries, n_unstarted, printf('%.9f', sim_end_s), events, device_busy_frac, edge_busy_frac,
                 config_hash, status FROM runs ORDER BY policy, replication"
for j in 1 3; do
  expect_exit 0 "$BIN" run "$G" -o "$T/j$j.db" -q --replications 3 -j $j
  sqlite3 "$T/j$j.db" <"$SRC/tests/golden/export.sql" | sort >"$T/j$j.csv"
  sqlite3 "$T/j$j.db" "$runs_sql" >"$T/j$j.runs"
  sqlite3 "$T/j$j.db" "SELECT * FROM run_summary ORDER BY policy, replication" >"$T/j$j.sum"
  expect_exit 0 "$BIN" run "$G" -o "$T/r$j.db" -q --replications 3 -j $j --records runs
  sqlite3 "$T/r$j.db" "SELECT * FROM run_summary ORDER BY policy, replication" >"$T/r$j.sum"
done
expect_eq "$(wc -l <"$T/j1.runs")" "12" "4 policies x 3 replications"
if cmp -s "$T/j1.csv" "$T/j3.csv"; then ok; else bad "records of -j 3 differ from -j 1"; diff "$T/j1.csv" "$T/j3.csv" | head -5 >&2; fi
if cmp -s "$T/j1.runs" "$T/j3.runs"; then ok; else bad "runs rows of -j 3 differ from -j 1"; diff "$T/j1.runs" "$T/j3.runs" | head -5 >&2; fi
if cmp -s "$T/j1.sum" "$T/j3.sum"; then ok; else bad "run_summary of -j 3 differs from -j 1"; fi
if cmp -s "$T/r1.sum" "$T/r3.sum"; then ok; else bad "run_summary of -j 3 --records runs differs from -j 1"; fi
expect_eq "$(sqlite3 "$T/j3.db" "SELECT COUNT(*) FROM queries")" "$(sqlite3 "$T/j1.db" "SELECT COUNT(*) FROM queries")" "as many records"

# Across sweep points and policies, not only within a point: a sweep of 3
# points x 4 policies x 5 replications (60 runs) through the ring of 3 runs
# per worker (cli_run.c), so -j 2 wraps it many times.  Records and runs
# rows equal -j 1's, in the same run_id order.
sed 's/"devices": { "count": 5 },/"devices": { "count": 5 }, "sweep": { "devices.count": [3, 5, 7] },/' "$G" >"$T/sweep.json"
grep -q '"sweep"' "$T/sweep.json" && ok || bad "sweep scenario not made"
sweep_sql="SELECT run_id, sweep_index, replication, policy, n_queries, events, printf('%.9f', sim_end_s), config_hash
           FROM runs ORDER BY run_id"
for j in 1 2; do
  expect_exit 0 "$BIN" run "$T/sweep.json" -o "$T/s$j.db" -q --replications 5 -j $j
  sqlite3 "$T/s$j.db" "$sweep_sql" >"$T/s$j.runs"
  sqlite3 "$T/s$j.db" <"$SRC/tests/golden/export.sql" >"$T/s$j.csv"
done
expect_eq "$(wc -l <"$T/s1.runs")" "60" "3 points x 4 policies x 5 replications"
if cmp -s "$T/s1.runs" "$T/s2.runs"; then ok; else bad "sweep: runs rows of -j 2 differ from -j 1"; diff "$T/s1.runs" "$T/s2.runs" | head -5 >&2; fi
if cmp -s "$T/s1.csv" "$T/s2.csv"; then ok; else bad "sweep: records of -j 2 differ from -j 1"; fi
# One point with one policy and one replication per point: -j 2 still
# runs two at a time (the points), with the same rows.
for j in 1 2; do
  expect_exit 0 "$BIN" run "$T/sweep.json" -o "$T/p$j.db" -q --policy always-large -j $j
  sqlite3 "$T/p$j.db" "$sweep_sql" >"$T/p$j.runs"
done
expect_eq "$(wc -l <"$T/p1.runs")" "3" "3 points x 1 policy"
if cmp -s "$T/p1.runs" "$T/p2.runs"; then ok; else bad "points only: runs rows of -j 2 differ from -j 1"; fi

# SIGINT with two runs under way: nothing unfinished is left.
{
  echo "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark"
  for i in $(seq 1 100000); do echo "$i,-1,0,10,5,0.5,1,0,x"; done
} >"$T/huge.csv"
printf '{ "trace": { "path": "huge.csv", "arrival": { "rate_per_s": 1000 } }, "devices": { "count": 50 }, "replications": 40, "policy": { "name": "always-large" } }' >"$T/huge.json"
"$BIN" run "$T/huge.json" -o "$T/int.db" -q -j 2 >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 1 600); do
  sleep 0.1
  n=$(sqlite3 "$T/int.db" "SELECT COUNT(*) FROM runs WHERE status = 'complete'" 2>/dev/null) && [ "${n:-0}" -gt 0 ] && break
done
kill -INT $pid
wait $pid
expect_eq "$?" 130 "exit code after SIGINT with -j 2"
expect_eq "$(sqlite3 "$T/int.db" "SELECT COUNT(*) FROM runs WHERE status != 'complete'")" 0 "no unfinished run left"
expect_eq "$(sqlite3 "$T/int.db" "SELECT COUNT(*) FROM queries WHERE run_id NOT IN (SELECT run_id FROM runs)")" 0 "no orphan records"
n=$(sqlite3 "$T/int.db" "SELECT COUNT(*) FROM runs")
[ "$n" -ge 1 ] && [ "$n" -lt 40 ] && ok || bad "expected some but not all runs before the interrupt, got $n"
expect_eq "$(sqlite3 "$T/int.db" "SELECT COUNT(*) FROM queries")" "$((n * 100000))" "complete runs kept whole"

# The writer streams the oldest run's records while it runs (as -j 1 does),
# and a Ctrl-C then removes what it had stored of it.
"$BIN" run "$T/huge.json" -o "$T/stream.db" -q -j 2 >"$T/out" 2>"$T/err" &
pid=$!
partial=0
for _ in $(seq 1 600); do
  sleep 0.1
  partial=$(sqlite3 -cmd '.timeout 2000' "$T/stream.db" \
            "SELECT COUNT(*) FROM queries JOIN runs USING (run_id) WHERE runs.status = 'running'" \
            2>/dev/null) && [ "${partial:-0}" -gt 0 ] && break
done
kill -INT $pid
wait $pid
expect_eq "$?" 130 "exit code after SIGINT while a run streams"
[ "${partial:-0}" -gt 0 ] && ok || bad "no record of a running run was seen in the database under -j 2"
expect_eq "$(sqlite3 "$T/stream.db" "SELECT COUNT(*) FROM runs WHERE status != 'complete'")" 0 "the streamed run removed"
n=$(sqlite3 "$T/stream.db" "SELECT COUNT(*) FROM runs")
expect_eq "$(sqlite3 "$T/stream.db" "SELECT COUNT(*) FROM queries")" "$((n * 100000))" "no record of the removed run"
finish
