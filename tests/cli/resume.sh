#!/usr/bin/env bash
# Resume (docs/ANALYSIS.md "Resuming"): a sweep killed with SIGKILL at 20
# moments, each resumed by rerunning the same command into the same file,
# ends with the database of one uninterrupted run, row for row.  Compared:
# every column of `runs` but the wall-clock metadata `started_at` and
# `wall_s`, every column of `queries` and `run_figures`, with `run_id`.
# The moments are chosen by a seeded script: 10 exact ones (the test hook
# EDGESIM_TEST_KILL_AFTER_COMMITS=N raises SIGKILL right after the N-th
# committed write: after a run row, a batch of rows, or a run's completion)
# and 10 `kill -9` after delays spread over the reference run's duration
# (wherever they land, the assertion is the same).  The killed run and its
# resumption alternate between -j 1 and -j 2.
. "$(dirname "$0")/lib.bash"

# 2 sweep points x 2 replications x 2 policies = 8 runs.  A run commits its
# row, a batch per 4096 rows, then the rest with its completion
# (sim/run/sink_sqlite.c): 3 commits for each run of point 0 (4100 queries),
# 2 for each of point 1 (300 queries), 20 in all.
write_trace "$T/trace.csv" 4100
write_trace "$T/small.csv" 300
cat >"$T/s.json" <<JSON
{ "name": "resume", "seed": 11, "replications": 2,
  "trace": { "path": "trace.csv", "arrival": { "process": "poisson", "rate_per_s": 40 } },
  "devices": { "count": 20 },
  "policies": [ { "name": "always-large" },
                { "name": "quality-latency", "alpha": 0.3, "theta": 0.5 } ],
  "sweep": { "trace.path": ["$T/trace.csv", "$T/small.csv"] } }
JSON
run() { "$BIN" run "$T/s.json" -q "$@"; }

# The database as compared (lib.bash db_content: every column but the
# wall-clock started_at and wall_s), and its integrity check.
dump() { db_content "$1" "PRAGMA integrity_check"; }

t0=$(date +%s%N)
expect_exit 0 run -o "$T/ref.db" -j 1
ref_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
dump "$T/ref.db" >"$T/ref.dump"
expect_eq "$(tail -n 1 "$T/ref.dump")" ok "reference integrity"
expect_eq "$(sqlite3 "$T/ref.db" "SELECT COUNT(*) || ' ' || SUM(status = 'complete') FROM runs")" "8 8" "reference runs"
expect_eq "$(sqlite3 "$T/ref.db" "SELECT COUNT(*) FROM queries")" 17600 "reference rows"
# -j 2 uninterrupted stores the same database.
expect_exit 0 run -o "$T/ref2.db" -j 2
dump "$T/ref2.db" >"$T/ref2.dump"
cmp -s "$T/ref.dump" "$T/ref2.dump" && ok || bad "-j 2 stores another database than -j 1"

RANDOM=2026 # the seeded choice of moments
leftovers=0
for trial in $(seq 1 20); do
  db="$T/k$trial.db"
  j=$(( trial % 2 + 1 )); rj=$(( 3 - j ))
  if [ "$trial" -le 10 ]; then
    n=$(( RANDOM % 20 + 1 ))
    moment="after commit $n"
    EDGESIM_TEST_KILL_AFTER_COMMITS=$n "$BIN" run "$T/s.json" -q -o "$db" -j $j >/dev/null 2>&1
    rc=$?
    expect_eq "$rc" 137 "trial $trial ($moment, -j $j): killed"
    # After a run row or a batch the run is left 'running'; after a
    # completion, not.  Runs complete after commits 3, 6, 9, 12, 14, 16, 18,
    # 20 (later if a slow run also committed a batch after 2 s of wall time).
    done_by=$(( n <= 12 ? n / 3 : 4 + (n - 12) / 2 ))
    state=$(sqlite3 "$db" "SELECT (SUM(status = 'complete') <= $done_by AND SUM(status = 'running') <= 1)
                                  || ' ' || SUM(status = 'running') FROM runs")
    expect_eq "${state% *}" 1 "trial $trial ($moment): state when killed"
    before=${state#* }
  else
    delay_ms=$(( (trial - 10) * ref_ms / 11 + RANDOM % 50 ))
    moment="kill -9 after ${delay_ms} ms"
    "$BIN" run "$T/s.json" -q -o "$db" -j $j >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '%d.%03d' $(( delay_ms / 1000 )) $(( delay_ms % 1000 )))"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    # (A kill before the file was made leaves none: then a plain rerun.)
    before=0
    [ -e "$db" ] && before=$(sqlite3 "$db" "SELECT COUNT(*) FROM runs WHERE status = 'running'" 2>/dev/null)
  fi
  resume=$([ -e "$db" ] && echo --resume)
  [ "${before:-0}" -gt 0 ] && leftovers=$((leftovers + 1))
  expect_exit 0 "$BIN" run "$T/s.json" -o "$db" -j $rj $resume
  if [ "${before:-0}" -gt 0 ]; then
    expect_grep "removed $before unfinished runs left in $db by a killed edgesim" "$T/err"
  fi
  dump "$db" >"$T/k.dump"
  if cmp -s "$T/ref.dump" "$T/k.dump"; then ok; else
    bad "trial $trial ($moment, -j $j, resumed with -j $rj): database differs from the uninterrupted run"
    diff "$T/ref.dump" "$T/k.dump" | head -4 >&2
  fi
done
# Resuming a complete sweep runs nothing.
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/k1.db" -j 2 --resume
expect_grep "8 of 8 runs were already complete" "$T/err"
# The exact moments alone leave a 'running' run in most trials.
[ "$leftovers" -ge 5 ] && ok || bad "only $leftovers trials left an unfinished run to replace"

# Whose unfinished copies are replaced: a dead writer's of this host; never
# a live writer's (here: this test's shell), nor one written on another host
# (kept, with a warning).  The copy: the last run of the reference, set back
# to 'running' with its rows.
true & dead=$!
wait $dead
host=$(uname -n)
for w in "$host:$dead" "$host:$$" "elsewhere.invalid:1"; do
  cp "$T/ref.db" "$T/w.db"
  sqlite3 "$T/w.db" "UPDATE runs SET status = 'running', writer = '$w' WHERE run_id = 8"
  expect_exit 0 "$BIN" run "$T/s.json" -o "$T/w.db" -j 1 --resume
  expect_grep "7 of 8 runs were already complete" "$T/err"
  case $w in
    "$host:$dead")
      expect_grep "removed 1 unfinished runs left in $T/w.db by a killed edgesim" "$T/err"
      dump "$T/w.db" >"$T/w.dump"
      cmp -s "$T/ref.dump" "$T/w.dump" && ok || bad "a dead writer's copy: not replaced by the same rows" ;;
    *)
      expect_eq "$(sqlite3 "$T/w.db" "SELECT group_concat(run_id || ' ' || status || ' ' || IFNULL(writer, '-'), ',')
                                       FROM runs WHERE run_id >= 8")" "8 running $w,9 complete -" "writer $w: copy kept, run run"
      expect_eq "$(sqlite3 "$T/w.db" "SELECT COUNT(*) FROM queries WHERE run_id = 8")" 300 "writer $w: its rows kept" ;;
  esac
done
expect_grep "1 unfinished copies of these runs in $T/w.db were written on another host and are kept" "$T/err"
expect_grep "edgesim clean --force $T/w.db" "$T/err"

# --resume needs the file; without it run creates it.
expect_exit 2 run -o "$T/none.db" --resume
expect_grep "does not exist: nothing to resume" "$T/err"
[ ! -e "$T/none.db" ] && ok || bad "--resume created the file"

finish
