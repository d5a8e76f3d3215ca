#!/usr/bin/env bash
# edgesim merge (docs/ANALYSIS.md "Merging databases"): every input is
# checked before anything is written and every bad one is named (exit 3);
# the merge is one transaction, so a failure half way (a full output,
# injected with EDGESIM_TEST_DB_MAX_PAGES) leaves the output as it was, and a
# file the merge created is removed; duplicates are skipped and counted,
# also from an input given twice; unfinished runs are not merged; an output
# that is not an edgesim results database is refused (exit 4).  Merging the
# tasks of a sweep stores what one run of the sweep stores.
. "$(dirname "$0")/lib.bash"

write_trace "$T/trace.csv" 300
cat >"$T/s.json" <<JSON
{ "name": "merge", "seed": 3,
  "trace": { "path": "trace.csv", "arrival": { "process": "poisson", "rate_per_s": 4 } },
  "devices": { "count": 4 },
  "policies": [ { "name": "always-small" }, { "name": "always-large" } ],
  "sweep": { "devices.count": [2, 4, 6] } }
JSON
for i in 0 1 2; do expect_exit 0 "$BIN" run "$T/s.json" -q -j 1 --sweep-index $i -o "$T/in$i.db"; done
expect_exit 0 "$BIN" run "$T/s.json" -q -j 1 -o "$T/whole.db"
# The content as compared: lib.bash db_content (every column but the
# wall-clock started_at and wall_s); unchanged: the whole file's SQL text.
dump() { db_content "$1"; }
state() { sqlite3 "$1" .dump | md5sum; }
runs() { sqlite3 "$1" "SELECT COUNT(*) FROM runs"; }

# The three tasks merged are the whole sweep, run ids included.
expect_exit 0 "$BIN" merge -o "$T/m.db" "$T/in0.db" "$T/in1.db" "$T/in2.db"
expect_grep "merged 2 complete runs from $T/in1.db$" "$T/err"
expect_grep "$T/m.db: 6 runs merged from 3 inputs, 0 duplicates skipped" "$T/err"
expect_eq "$(dump "$T/m.db" | md5sum)" "$(dump "$T/whole.db" | md5sum)" "merged tasks = one run"

# Duplicates: never stored twice, and said.
expect_exit 0 "$BIN" merge -o "$T/m.db" "$T/in0.db" "$T/in2.db"
expect_grep "merged 0 complete runs from $T/in0.db; 2 already in $T/m.db (same run identity) skipped" "$T/err"
expect_grep "0 runs merged from 2 inputs, 4 duplicates skipped" "$T/err"
expect_eq "$(runs "$T/m.db")" 6 "merging again adds nothing"
expect_exit 0 "$BIN" merge -o "$T/aa.db" "$T/in0.db" "$T/in0.db"
expect_grep "merged 0 complete runs from $T/in0.db; 2 already in" "$T/err"
expect_eq "$(runs "$T/aa.db") $(sqlite3 "$T/aa.db" "SELECT COUNT(*) FROM queries")" "2 600" "merge a a does not double"

# Unfinished runs (a task killed during its first run) are not merged.
EDGESIM_TEST_KILL_AFTER_COMMITS=1 "$BIN" run "$T/s.json" -q -j 1 --sweep-index 0 -o "$T/killed.db" 2>/dev/null
expect_exit 0 "$BIN" merge -o "$T/k.db" "$T/killed.db"
expect_grep "merged 0 complete runs from $T/killed.db; 1 unfinished runs ('running') not merged" "$T/err"
expect_eq "$(runs "$T/k.db")" 0 "no unfinished run merged"

# Bad inputs: all named, nothing written (the output keeps its content, or
# is not created).
cp "$T/in2.db" "$T/bad.db"
size=$(stat -c %s "$T/bad.db")
# Overwrite the second half of the file (query pages) with other bytes.
head -c $(( size / 2 )) /dev/zero | tr '\0' '\125' | dd of="$T/bad.db" bs=1 seek=$(( size / 2 )) conv=notrunc status=none
cp "$T/in0.db" "$T/old.db"
sqlite3 "$T/old.db" "PRAGMA user_version = 1"
cp "$T/in0.db" "$T/m2.db"
before=$(state "$T/m2.db")
expect_exit 3 "$BIN" merge -o "$T/m2.db" "$T/in1.db" "$T/in2.db" "$T/bad.db"
expect_grep "$T/bad.db: damaged (PRAGMA quick_check" "$T/err"
expect_grep "1 of 3 inputs cannot be merged; nothing merged, $T/m2.db unchanged" "$T/err"
expect_eq "$(state "$T/m2.db")" "$before" "a damaged third input: output unchanged"
expect_exit 3 "$BIN" merge -o "$T/new.db" "$T/in1.db" "$T/nothere.db" "$T/trace.csv" "$T/old.db" "$T/bad.db"
for f in nothere.db trace.csv old.db bad.db; do expect_grep "$T/$f" "$T/err"; done
expect_grep "record schema version 1, expected" "$T/err"
expect_grep "4 of 5 inputs cannot be merged; nothing merged, $T/new.db not created" "$T/err"
[ ! -e "$T/new.db" ] && ok || bad "a merge of bad inputs created its output"

# A full output half way: one transaction, so nothing of it stays.
pages=$(sqlite3 "$T/m2.db" "PRAGMA page_count")
need=$(( $(sqlite3 "$T/in1.db" "PRAGMA page_count") + $(sqlite3 "$T/in2.db" "PRAGMA page_count") ))
EDGESIM_TEST_DB_MAX_PAGES=$(( pages + need / 2 )) expect_exit 4 "$BIN" merge -o "$T/m2.db" "$T/in1.db" "$T/in2.db"
expect_grep "nothing merged, $T/m2.db unchanged" "$T/err"
expect_grep "writing run .* of $T/in" "$T/err"
expect_eq "$(state "$T/m2.db")" "$before" "a full output: unchanged"
expect_eq "$(sqlite3 "$T/m2.db" "PRAGMA integrity_check")" ok "a full output: integrity"
# ... and a new output that fills up is removed.
EDGESIM_TEST_DB_MAX_PAGES=20 expect_exit 4 "$BIN" merge -o "$T/new.db" "$T/in1.db" "$T/in2.db"
[ ! -e "$T/new.db" ] && ok || bad "a failed merge left the output it created"
# The same merge with room succeeds.
expect_exit 0 "$BIN" merge -o "$T/m2.db" "$T/in1.db" "$T/in2.db"
expect_eq "$(dump "$T/m2.db" | md5sum)" "$(dump "$T/whole.db" | md5sum)" "merged after the failure"

# A read-only output (root writes anyway: skipped then).
if [ "$(id -u)" != 0 ]; then
  cp "$T/in0.db" "$T/ro.db"
  chmod 444 "$T/ro.db"
  before=$(state "$T/ro.db")
  expect_exit 4 "$BIN" merge -o "$T/ro.db" "$T/in1.db"
  expect_eq "$(state "$T/ro.db")" "$before" "read-only output unchanged"
fi

# An output that is not an edgesim results database is refused, untouched.
sqlite3 "$T/foreign.db" "CREATE TABLE measurements (t REAL, v REAL); INSERT INTO measurements VALUES (1, 2)"
before=$(state "$T/foreign.db")
expect_exit 4 "$BIN" merge -o "$T/foreign.db" "$T/in0.db"
expect_grep "$T/foreign.db: not an edgesim results database (it has tables of its own): write to a new file" "$T/err"
expect_eq "$(state "$T/foreign.db")" "$before" "foreign output untouched"
cp "$T/old.db" "$T/old_out.db"
expect_exit 4 "$BIN" merge -o "$T/old_out.db" "$T/in1.db"
expect_grep "written with record schema version 1" "$T/err"

finish
