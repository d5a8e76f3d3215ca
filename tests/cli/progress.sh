#!/usr/bin/env bash
# Progress on stderr (docs/CLI.md, "Progress") of run, trace gen and trace
# import: a plain line with totals, percentage, rate and ETA when stderr is
# not a terminal, one rewritten line on a terminal, nothing with -q; after Ctrl-C the summary of the runs that
# completed, and exit 130.  EDGESIM_PROGRESS_PERIOD_S=0 prints a line at
# every chance (every slice of events), so nothing here depends on the clock.
. "$(dirname "$0")/lib.bash"

write_trace "$T/t.csv" 10000
printf '{ "trace": { "path": "t.csv", "arrival": { "rate_per_s": 100 } }, "devices": { "count": 20 }, "replications": 2, "policies": [{ "name": "always-small" }, { "name": "always-large" }] }' >"$T/s.json"

# Not a terminal: lines with run k/n, the run's queries, the totals of all
# runs, percentage, rate and ETA; then each run's result line.
export EDGESIM_PROGRESS_PERIOD_S=0
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/a.db" -j 1
expect_grep '^run 1/4 always-small rep 0 point 0: [0-9]*/10000 queries; all runs [0-9]*/40000 queries ([0-9.]*%), [0-9.]* queries/s, ETA [0-9]*:[0-9][0-9]:[0-9][0-9]$' "$T/err"
expect_grep '^run 4/4 always-large rep 1 point 0: [0-9]*/10000 queries; all runs [0-9]*/40000 queries' "$T/err"
expect_grep '^run 3/4 always-small rep 1 point 0: 10000 queries, sim [0-9.]* s' "$T/err"
# The totals grow: the last line of run 3 counts runs 1 and 2 in full.
last3=$(grep '^run 3/4 .*all runs' "$T/err" | tail -1 | sed 's/.*all runs \([0-9]*\)\/.*/\1/')
[ "${last3:-0}" -gt 20000 ] && ok || bad "run 3's line counts the earlier runs: ${last3:-none}"
[ "$(grep -c $'\r' "$T/err")" = 0 ] && ok || bad "carriage returns in a log"
# -j 2: runs done and running, and the same totals.
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/b.db" -j 2
expect_grep '^runs [0-4]/4 done, [0-2] running; all runs [0-9]*/40000 queries ([0-9.]*%), [0-9.]* queries/s, ETA ' "$T/err"
expect_grep '^run 4/4 always-large rep 1 point 0: 10000 queries, sim' "$T/err"
# -q: no progress at all.
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/c.db" -q
[ -s "$T/err" ] && bad "-q printed: $(head -2 "$T/err")" || ok

# A terminal: one line rewritten with \r and erase-to-end, no line per update.
if command -v script >/dev/null 2>&1; then
  script -qec "'$BIN' run '$T/s.json' -o '$T/d.db' -j 1 --set replications=1" /dev/null >"$T/tty" 2>&1
  expect_grep $'\r''run 1/2 always-small rep 0 point 0: [0-9]*/10000 queries; all runs' "$T/tty"
  expect_grep $'ETA [0-9:]*\033\\[K' "$T/tty"
  [ "$(grep -c 'queries; all runs' "$T/tty")" -le 4 ] && ok || bad "a terminal got a line per update"
else
  echo "skip: script(1) not available for the terminal case"
fi

# trace gen: rows of the expected rows (exact without dialogues); -q: none.
expect_exit 0 "$BIN" trace gen --queries 20000 -o "$T/g.csv"
expect_grep '^edgesim trace gen: 4096/20000 rows (20.5%), [0-9.]* rows/s, ETA [0-9:]*$' "$T/err"
expect_grep '^edgesim trace gen: 16384/20000 rows (81.9%)' "$T/err"
expect_exit 0 "$BIN" trace gen --queries 20000 -o "$T/g.csv" -q
[ -s "$T/err" ] && bad "trace gen -q printed: $(head -2 "$T/err")" || ok
# trace import: rows of a total estimated from the part of the input read
# (rows / fraction), so a percentage and an ETA; the last line is at 100 %.
{ head -1 "$SRC/tests/fixtures/traces/gsm8k_calib.tsv"
  awk 'BEGIN { for (i = 0; i < 20000; i++) printf "%d\t%d\t20\t18\t%d\t1\t30\t40\t0\n", i, 10 + i % 7, i % 2 }'
} >"$T/big_calib.tsv"
expect_exit 0 "$BIN" trace import gsm8k "$T/big_calib.tsv" -o "$T/i.csv"
expect_grep '^edgesim trace import: 1/[0-9]* rows ([0-9.]*%), [0-9.]* rows/s, ETA [0-9:]*$' "$T/err"
expect_grep '^edgesim trace import: 10000/2[0-9][0-9][0-9][0-9] rows (4[5-9].[0-9]%)' "$T/err"
expect_grep '^edgesim trace import: 20000/20000 rows (100.0%)' "$T/err"
# mmlu-raw: subjects done plus the part of the open subject's file.
expect_exit 0 "$BIN" trace import mmlu-raw "$SRC/tests/fixtures/traces/raw/mmlu_test" \
  "$SRC/tests/fixtures/traces/raw/mmlu_responses" -o "$T/i_mraw.jsonl"
expect_grep '^edgesim trace import: 5/5 rows (100.0%)' "$T/err"
# From a pipe the size is unknown: the count and the rate only.
"$BIN" trace import gsm8k - -o "$T/i_pipe.csv" <"$SRC/tests/fixtures/traces/gsm8k_calib.tsv" 2>"$T/err" ||
  bad "trace import from stdin failed"
expect_grep '^edgesim trace import: 1 rows, [0-9.]* rows/s$' "$T/err"
[ "$(grep -c '%' "$T/err")" = 0 ] && ok || bad "a pipe import showed a percentage"
expect_exit 0 "$BIN" trace import gsm8k "$SRC/tests/fixtures/traces/gsm8k_calib.tsv" -o "$T/i.csv" -q
[ -s "$T/err" ] && bad "trace import -q printed: $(head -2 "$T/err")" || ok

# Ctrl-C in a sweep of 8 runs, once the first run is complete: exit 130, the
# summary of the runs completed (and only those) on stdout, and a database
# holding exactly those runs.
unset EDGESIM_PROGRESS_PERIOD_S
printf '{ "trace": { "path": "t.csv", "arrival": { "rate_per_s": 100 } }, "devices": { "count": 20 }, "replications": 4, "policies": [{ "name": "always-small" }, { "name": "always-large" }] }' >"$T/int.json"
for jobs in 1 2; do
  rm -f "$T/int.db"
  "$BIN" run "$T/int.json" -o "$T/int.db" -j $jobs >"$T/out" 2>"$T/err" &
  pid=$!
  for _ in $(seq 1 1200); do
    grep -q '^run [0-9]/8 .*: 10000 queries, sim' "$T/err" && break
    sleep 0.05
  done
  kill -INT $pid
  wait $pid
  expect_eq "$?" 130 "exit code after Ctrl-C (-j $jobs)"
  expect_grep "interrupted: [1-7] runs completed by this command are in .*int.db (summary below)" "$T/err"
  done_runs=$(sqlite3 "$T/int.db" "SELECT COUNT(*) FROM runs WHERE status = 'complete'")
  other=$(sqlite3 "$T/int.db" "SELECT COUNT(*) FROM runs WHERE status != 'complete'")
  summary_rows=$(grep -cE '^ +[0-9]+ +always-(small|large) ' "$T/out")
  expect_eq "$other" 0 "no unfinished run left (-j $jobs)"
  [ "$done_runs" -ge 1 ] && [ "$done_runs" -lt 8 ] && ok || bad "complete runs after Ctrl-C: $done_runs (-j $jobs)"
  expect_eq "$summary_rows" "$done_runs" "the summary lists the completed runs (-j $jobs)"
done

finish
