#!/usr/bin/env bash
# Policy plug-ins that misbehave in a run, built here from
# models/policies/testdata/faulty_plugin.c (one shared object per fault, each
# striking at query 5 or in create): a crash (SIGSEGV, SIGFPE, abort), an
# infinite loop (--plugin-timeout), exit() from inside decide, an invalid
# route, and Ctrl-C while a call loops.  Each ends with a message naming the
# plug-in, the callback, the query and the run, the documented exit code
# (2, or 130 for the interrupt), the run before it kept and no 'running' run
# left (the supervising parent removes it: sim/cli/cli_guard.c).
. "$(dirname "$0")/lib.bash"
# In the sanitizer build, ASan would catch the plug-in's SIGSEGV/SIGFPE and
# exit 1 itself: let the signal kill the process as it does in a user's build.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_sigbus=0:handle_sigfpe=0"

build() { cc -std=c11 -shared -fPIC "-DFAULT_$1" -I"$SRC/models/policies/include" \
             "$SRC/models/policies/testdata/faulty_plugin.c" -o "$T/$1.so"; }
for f in SEGV FPE ABORT LOOP LOOP_CREATE EXIT BAD_ROUTE DERIVED_NULL DERIVED_ENDLESS NONE; do
  expect_exit 0 build "$f"
done

write_trace "$T/t.csv" 200
# The faulty policy runs second: the first run is complete when it strikes.
printf '{ "trace": { "path": "t.csv" }, "devices": { "count": 3 }, "replications": %s,
  "policies": [ { "name": "always-small" }, { "name": "faulty" } ] }' 1 >"$T/s.json"
printf '{ "trace": { "path": "t.csv" }, "devices": { "count": 3 }, "replications": %s,
  "policies": [ { "name": "always-small" }, { "name": "faulty" } ] }' 3 >"$T/s3.json"
# state DB: "complete running" run counts.
state() { sqlite3 "$1" "SELECT (SELECT COUNT(*) FROM runs WHERE status = 'complete'), (SELECT COUNT(*) FROM runs WHERE status = 'running')" | tr '|' ' '; }
# Bounded: a plug-in fault must never hang the test.
run_t() { timeout 120 "$BIN" run "$@"; }

# fault NAME CODE MESSAGE [run options]: run s.json with the plug-in, -j 1.
fault() {
  local name=$1 code=$2 msg=$3 db="$T/$1.db"; shift 3
  expect_exit "$code" run_t "$T/s.json" -o "$db" -q -j 1 --policy-plugin "$T/$name.so" "$@"
  expect_grep "$msg" "$T/err"
  expect_eq "$(state "$db")" "1 0" "$name: the first run kept, no running run"
  expect_eq "$(sqlite3 "$db" "PRAGMA integrity_check")" ok "$name: integrity"
}
at="decide on query 5 (run 2/2 faulty rep 0 point 0)"
fault SEGV 2 "policy plug-in $T/SEGV.so (policy faulty): $at crashed (Segmentation fault)"
expect_grep "removed 1 unfinished run from $T/SEGV.db" "$T/err"
fault FPE 2 "policy plug-in $T/FPE.so (policy faulty): $at crashed (Floating point exception)"
fault ABORT 2 "policy plug-in $T/ABORT.so (policy faulty): $at crashed (Aborted)"
fault LOOP 2 "policy plug-in $T/LOOP.so (policy faulty): $at did not return within 0.5 s (--plugin-timeout)" \
  --plugin-timeout 0.5
fault EXIT 2 "policy plug-in $T/EXIT.so (policy faulty): $at ended the process (exit status 0)"
fault BAD_ROUTE 2 "policy plug-in $T/BAD_ROUTE.so (policy faulty): decide returned 7 on query 5, not ROUTE_SMALL (0) or ROUTE_LARGE (1)"
expect_grep "run 2/2 faulty rep 0 point 0" "$T/err"

# A derived hook that gives no name, or never ends: exit 2 naming it (not
# "out of memory"), before the run begins.
for f in DERIVED_NULL DERIVED_ENDLESS; do
  expect_exit 2 run_t "$T/s.json" -o "$T/$f.db" -q -j 1 --policy-plugin "$T/$f.so"
  expect_eq "$(state "$T/$f.db")" "1 0" "$f: the first run kept, no running run"
done
expect_grep "policy plug-in $T/DERIVED_ENDLESS.so: policy faulty: derived(64) still returns 0" "$T/err"
expect_exit 2 run_t "$T/s.json" -o "$T/dn.db" -q -j 1 --policy-plugin "$T/DERIVED_NULL.so"
expect_grep "policy plug-in $T/DERIVED_NULL.so: policy faulty: derived(1) gave no name" "$T/err"

# A loop in create: before any run, so no database is written.
expect_exit 2 run_t "$T/s.json" -o "$T/create.db" -q --policy-plugin "$T/LOOP_CREATE.so" --plugin-timeout 0.5
expect_grep "policy plug-in $T/LOOP_CREATE.so (policy faulty): create did not return within 0.5 s" "$T/err"
[ ! -e "$T/create.db" ] && ok || bad "a plug-in looping in create created the database"

# -j 2: the fault strikes in a worker thread; runs are buffered, none is left.
expect_exit 2 run_t "$T/s3.json" -o "$T/j2.db" -q -j 2 --policy-plugin "$T/SEGV.so"
# (whichever faulty run, 2, 4 or 6 of 6, strikes first)
expect_grep "policy plug-in $T/SEGV.so (policy faulty): decide on query 5 (run [246]/6 faulty rep [012] point 0) crashed" "$T/err"
[ ! -e "$T/j2.db" ] || expect_eq "$(state "$T/j2.db" | cut -d' ' -f2)" 0 "-j 2: no running run"
expect_exit 2 run_t "$T/s3.json" -o "$T/j2l.db" -q -j 2 --policy-plugin "$T/LOOP.so" --plugin-timeout 0.5
expect_grep "decide on query 5 (run [246]/6 faulty rep [012] point 0) did not return within 0.5 s" "$T/err"

# The same plug-in without the fault: a supervised run is a normal run.
expect_exit 0 run_t "$T/s3.json" -o "$T/none.db" -j 2 --policy-plugin "$T/NONE.so"
expect_eq "$(state "$T/none.db")" "6 0" "a healthy plug-in's runs"
expect_grep "faulty" "$T/out"
expect_exit 2 run_t "$T/s.json" -o "$T/x.db" --policy-plugin "$T/NONE.so" --plugin-timeout -1
expect_grep "plugin-timeout" "$T/err"

# Ctrl-C while decide loops (no timeout to save it): the run loop cannot poll,
# so the supervisor stops the child 0.1 s later; exit 130, run removed.
export EDGESIM_TEST_LOOPING="$T/looping"
# wait_looping: until the LOOP plug-in has entered its loop (it creates the file).
wait_looping() { for _ in $(seq 1 300); do [ -e "$T/looping" ] && break; sleep 0.1; done; rm -f "$T/looping"; }
# expect_end PID CODE WHAT: the background run ends within 10 s with CODE.
expect_end() {
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$1" 2>/dev/null && { bad "$3: still running 10 s after the signal"; kill -9 "$1"; }
  wait "$1"
  expect_eq "$?" "$2" "exit code of $3"
}
"$BIN" run "$T/s.json" -o "$T/int.db" -q -j 1 --policy-plugin "$T/LOOP.so" --plugin-timeout 0 2>"$T/err" &
pid=$!
wait_looping
kill -INT "$pid"
expect_end "$pid" 130 "Ctrl-C during a looping call"
expect_grep "interrupted; policy plug-in $T/LOOP.so (policy faulty): $at did not return: stopped" "$T/err"
expect_eq "$(state "$T/int.db")" "1 0" "Ctrl-C during a looping call: no running run"

# A second signal (Ctrl-C twice) stops at once, leaving the unfinished run to
# `edgesim clean` (as without plug-ins).
"$BIN" run "$T/s.json" -o "$T/int2.db" -q -j 1 --policy-plugin "$T/LOOP.so" --plugin-timeout 0 2>"$T/err" &
pid=$!
wait_looping
# Two different signals: two of one kind sent at once may merge into one.
kill -INT "$pid"
kill -TERM "$pid"
expect_end "$pid" 130 "Ctrl-C twice"
expect_grep "interrupted again: stopped at once; .edgesim clean $T/int2.db. removes the unfinished run" "$T/err"
expect_exit 0 "$BIN" clean "$T/int2.db" -q
expect_eq "$(state "$T/int2.db")" "1 0" "Ctrl-C twice, then edgesim clean"

# kill -9 of the command ends its child too (no orphan left running).
"$BIN" run "$T/s.json" -o "$T/k9.db" -q -j 1 --policy-plugin "$T/LOOP.so" --plugin-timeout 0 2>/dev/null &
pid=$!
for _ in $(seq 1 300); do [ "$(sqlite3 "$T/k9.db" "SELECT COUNT(*) FROM runs WHERE status = 'running'" 2>/dev/null)" = 1 ] && break; sleep 0.1; done
writer=$(sqlite3 "$T/k9.db" "SELECT writer FROM runs WHERE status = 'running'")
kill -9 "$pid"
wait "$pid" 2>/dev/null
child=${writer##*:}
for _ in $(seq 1 50); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then bad "child $child survived kill -9 of its parent"; kill -9 "$child"; else ok; fi
finish
