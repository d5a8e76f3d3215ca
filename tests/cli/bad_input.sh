#!/usr/bin/env bash
# Bad scenarios, traces and flags: a clear message naming the file, line or
# key, a documented exit code, and never a half-written database.
. "$(dirname "$0")/lib.bash"

printf 'id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n1,-1,0,10,5,0.5,1,0,x\n2,-1,0,10,5,0.5,1,0,x\n' >"$T/ok.csv"
scen() { printf '{ "trace": { "path": "%s" }, "devices": { "count": 2 }, "policy": { "name": "always-large" } %s}' "$1" "$2" >"$T/$3"; }

# Scenario errors: exit 2 with the key path or file:line:column.
scen ok.csv ', "chanel": {}' s1.json
expect_exit 2 "$BIN" run "$T/s1.json" -o "$T/r.db"
expect_grep "chanel: unknown key" "$T/err"
scen ok.csv ', "channel": { "fading": { "model": "ricean" } }' s2.json
expect_exit 2 "$BIN" run "$T/s2.json" -o "$T/r.db"
expect_grep "channel.fading.model: expected one of" "$T/err"
scen ok.csv ', "devices": { "count": -1 }' s3.json
expect_exit 2 "$BIN" run "$T/s3.json" -o "$T/r.db"
printf '{\n  "seed": 1,\n  "trace": { "path": "ok.csv" \n}\n' >"$T/s4.json"
expect_exit 2 "$BIN" run "$T/s4.json" -o "$T/r.db"
expect_grep "s4.json:5" "$T/err"
printf '[1, 2]' >"$T/s5.json"
expect_exit 2 "$BIN" run "$T/s5.json" -o "$T/r.db"
expect_exit 2 "$BIN" run "$T/missing.json" -o "$T/r.db"
expect_grep "missing.json: cannot open" "$T/err"
scen ok.csv '' s6.json
expect_exit 2 "$BIN" run "$T/s6.json" -o "$T/r.db" --set policy.name=nonesuch
expect_grep "unknown policy \"nonesuch\"" "$T/err"
expect_exit 2 "$BIN" run "$T/s6.json" -o "$T/r.db" --set policy.alpha=3
expect_grep "alpha" "$T/err"
expect_exit 2 "$BIN" run "$T/s6.json" -o "$T/r.db" --set policy.name=quality-latency --set policy.alpha=-1
expect_exit 2 "$BIN" run "$T/s6.json" -o "$T/r.db" --set models.large.max_batch=x
expect_grep "models.large.max_batch" "$T/err"
expect_exit 2 "$BIN" run "$T/s6.json" -o "$T/r.db" --seed abc
expect_exit 2 "$BIN" run "$T/s6.json" -o "$T/r.db" --bogus
expect_exit 2 "$BIN" run "$T/s6.json" -o
expect_exit 2 "$BIN" run "$T/s6.json" --policy-plugin "$T/nothing.so"
expect_exit 2 "$BIN" run "$T/s6.json" --set 'a..b=1'
# No database was created by any of these.
[ ! -e "$T/r.db" ] && ok || bad "a failed configuration created the database"

# Trace errors: exit 3 naming file:line, and the database holds no run.
printf 'id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n1,-1,0,10,5,0.5,1,0,x\n2,-1,0,10,5,1.5,1,0,x\n' >"$T/bad.csv"
scen bad.csv '' s7.json
expect_exit 3 "$BIN" run "$T/s7.json" -o "$T/t.db"
expect_grep "bad.csv:3" "$T/err"
# The trace is read to the end before the first run: no database at all.
[ ! -e "$T/t.db" ] && ok || bad "a bad trace row created the database"
scen nofile.csv '' s8.json
expect_exit 3 "$BIN" run "$T/s8.json" -o "$T/t.db"
expect_grep "nofile.csv" "$T/err"

# Output errors: exit 4.
scen ok.csv '' ok.json
expect_exit 4 "$BIN" run "$T/ok.json" -o "$T/no/such/dir/r.db"
expect_grep "r.db" "$T/err"
printf 'not a database, just text that is long enough to fool nobody\n' >"$T/text.db"
expect_exit 4 "$BIN" run "$T/ok.json" -o "$T/text.db"
# Disk full mid-run (fault injection through SQLite's page limit): exit 4,
# the earlier complete run is intact and the failed one is gone.
{
  echo "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark"
  for i in $(seq 1 20000); do echo "$i,-1,0,10,5,0.5,1,0,x"; done
} >"$T/big.csv"
scen big.csv '' big.json
expect_exit 0 "$BIN" run "$T/ok.json" -o "$T/full.db" -q
EDGESIM_TEST_DB_MAX_PAGES=40 expect_exit 4 "$BIN" run "$T/big.json" -o "$T/full.db" -q
expect_grep "full" "$T/err"
expect_eq "$(sqlite3 "$T/full.db" "SELECT COUNT(*) || ' ' || MIN(status) FROM runs") $(sqlite3 "$T/full.db" "SELECT COUNT(*) FROM queries")" "1 complete 2" "disk full leaves only the complete run"
expect_eq "$(sqlite3 "$T/full.db" "PRAGMA integrity_check")" ok "integrity after disk full"

# Interrupted: SIGINT removes the unfinished run and exits 130.
{
  echo "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark"
  for i in $(seq 1 200000); do echo "$i,-1,0,10,5,0.5,1,0,x"; done
} >"$T/huge.csv"
scen huge.csv ', "trace": { "path": "huge.csv", "arrival": { "rate_per_s": 1000 } }' huge.json
printf '{ "trace": { "path": "huge.csv", "arrival": { "rate_per_s": 1000 } }, "devices": { "count": 50 }, "replications": 50, "policy": { "name": "always-large" } }' >"$T/huge.json"
"$BIN" run "$T/huge.json" -o "$T/int.db" -q >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 1 100); do
  sleep 0.1
  [ "$(sqlite3 "$T/int.db" "SELECT COUNT(*) FROM runs" 2>/dev/null)" = "" ] || [ "$(sqlite3 "$T/int.db" "SELECT COUNT(*) FROM runs" 2>/dev/null)" = 0 ] || break
done
kill -INT $pid
wait $pid
expect_eq "$?" 130 "exit code after SIGINT"
expect_eq "$(sqlite3 "$T/int.db" "SELECT COUNT(*) FROM runs WHERE status != 'complete'")" 0 "no unfinished run left"
expect_eq "$(sqlite3 "$T/int.db" "SELECT COUNT(*) FROM queries WHERE run_id NOT IN (SELECT run_id FROM runs)")" 0 "no orphan records"

# Killed outright: the run stays 'running' and the views ignore it.
"$BIN" run "$T/huge.json" -o "$T/kill.db" -q >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  sleep 0.1
  n=$(sqlite3 "$T/kill.db" "SELECT COUNT(*) FROM runs" 2>/dev/null) && [ "${n:-0}" -gt 0 ] && break
done
sleep 0.3
kill -KILL $pid
wait $pid 2>/dev/null
expect_eq "$(sqlite3 "$T/kill.db" "SELECT COUNT(*) FROM run_summary")" "$(sqlite3 "$T/kill.db" "SELECT COUNT(*) FROM runs WHERE status='complete'")" "views ignore the killed run"
expect_eq "$(sqlite3 "$T/kill.db" "PRAGMA integrity_check")" ok "integrity after kill"
finish
