#!/usr/bin/env bash
# `edgesim run --check` resolves everything a run would, for every sweep
# point and policy (traces read to the end, presets, array lengths, plug-ins,
# conflicting keys), and `edgesim run` does the same before its first run:
# an input or configuration error stops a sweep before anything is written.
# Errors name the file and line or the key, with the documented exit code
# (2 configuration, 3 trace); a mean query slower than the arrival horizon is
# a warning (docs/CLI.md, "Checks before the first run").
. "$(dirname "$0")/lib.bash"

H="id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark"
write_trace "$T/ok.csv" 20
# scen FILE TRACE EXTRA: two policies, so that each point has several runs.
scen() {
  printf '{ "trace": { "path": "%s" }, "devices": { "count": 2 }, "policies": [{ "name": "always-small" }, { "name": "always-large" }] %s}' \
    "$2" "$3" >"$T/$1"
}
# no_db FILE WHAT: the failed command wrote no database.
no_db() { [ ! -e "$1" ] && ok || bad "$2: a database was created"; }

# Each case: --check and run fail alike, naming the file:line or the key.
# check_case CODE PATTERN SCENARIO [ARGS...]
check_case() {
  local code=$1 pattern=$2 s=$3
  shift 3
  expect_exit "$code" "$BIN" run "$T/$s" --check "$@"
  expect_grep "$pattern" "$T/err"
  rm -f "$T/r.db"
  expect_exit "$code" "$BIN" run "$T/$s" -o "$T/r.db" "$@"
  expect_grep "$pattern" "$T/err"
  no_db "$T/r.db" "$s $*"
}

# Trace files: missing, a bad value on line 3, a header and no rows, a device
# out of range (the file's line), a dialogue turn moving to another device.
scen missing.json nofile.csv ''
check_case 3 "nofile.csv: cannot open" missing.json
printf '%s\n1,-1,0,10,5,0.5,1,0,x\n2,-1,0,10,5,1.5,1,0,x\n' "$H" >"$T/p15.csv"
scen p15.json p15.csv ''
check_case 3 "p15.csv:3:13: column 'p_large': expected a number in \[0, 1\], found \"1.5\"" p15.json
printf '%s\n' "$H" >"$T/header.csv"
scen header.json header.csv ''
check_case 3 "header.csv: expected at least one row" header.json
printf 'id,device,%s\n1,0,-1,0,10,5,0.5,1,0,x\n2,1,-1,0,10,5,0.5,1,0,x\n3,2,-1,0,10,5,0.5,1,0,x\n' "${H#id,}" >"$T/dev.csv"
scen dev.json dev.csv ''
check_case 3 "dev.csv:4: id 3: column 'device': expected a device in \[0, 1\] (devices.count 2), found 2" dev.json
# The same trace is fine with 3 devices.
expect_exit 0 "$BIN" run "$T/dev.json" --check --set devices.count=3
printf '{"id":1,"device":0,"dialogue_id":1,"turn":1,"in_tokens":9,"out_tokens":3,"p_large":0.5,"q_small":1,"q_large":1,"benchmark":"x"}\n{"id":2,"device":1,"dialogue_id":1,"turn":2,"in_tokens":9,"out_tokens":3,"p_large":0.5,"q_small":1,"q_large":1,"benchmark":"x"}\n' >"$T/turns.jsonl"
scen turns.json turns.jsonl ''
check_case 3 "turns.jsonl:2: id 2: dialogue 1: expected device 0 as on turn 1, found 1" turns.json

# Configuration resolved by the models: an unknown preset, fewer distances
# than devices, a path and a generator at once, a generator with nothing to
# generate, a missing plug-in, a bad policy parameter.
scen preset.json ok.csv ', "models": { "large": { "preset": "nope" } }'
check_case 2 "preset.json: models.large.preset: expected one of none, .*found \"nope\"" preset.json
scen dist.json ok.csv ''
check_case 2 "devices.distances_m: expected 3 distances (devices.count), found 2" dist.json \
  --set devices.count=3 --set 'devices.distances_m=[10, 20]'
printf '{ "trace": { "path": "ok.csv", "generate": { "queries": 5 } }, "devices": { "count": 2 } }' >"$T/both.json"
check_case 2 "both.json: trace: expected either trace.path (a file) or trace.generate (a synthetic trace), found both" \
  both.json
# On the command line, one replaces the scenario's other; both are refused.
scen gen.json ok.csv ''
expect_exit 0 "$BIN" run "$T/gen.json" --check --set trace.generate.queries=5
printf '{ "trace": { "generate": { "queries": 5 } }, "devices": { "count": 2 } }' >"$T/gen2.json"
expect_exit 0 "$BIN" run "$T/gen2.json" --check --set trace.path="$T/ok.csv"
check_case 2 "trace: expected either trace.path .* found both" gen.json \
  --set trace.path="$T/ok.csv" --set trace.generate.queries=5
check_case 2 "trace.generate: expected queries or dialogues > 0" gen.json \
  --set 'trace.path=""' --set trace.generate.queries=0
check_case 2 "nothing.so" gen.json --policy-plugin "$T/nothing.so"
check_case 2 "alpha" gen.json --set policies.1.name=quality-latency --set policies.1.alpha=-1

# A sweep whose point 2 has an unknown preset: --check names the point and
# the key; run stops before the first run, so no database is written.
scen sweep.json ok.csv ', "sweep": { "models.large.preset": ["llama3.1-8b-fp16-h100", "llama3.1-8b-bf16-a100", "nope"] }'
check_case 2 'models.large.preset: .*found "nope" (sweep point 2: {"models.large.preset":"nope"})' sweep.json
# Points 0-1 alone are fine and run (2 points x 2 policies).
expect_exit 0 "$BIN" run "$T/sweep.json" -o "$T/r01.db" -q --sweep-index 0
expect_exit 0 "$BIN" run "$T/sweep.json" -o "$T/r01.db" -q --sweep-index 1
expect_eq "$(sqlite3 "$T/r01.db" 'SELECT COUNT(*) FROM runs')" 4 "points 0 and 1 alone run"
# A bad trace at one point of a sweep over trace files.
scen tsweep.json ok.csv ', "sweep": { "trace.path": ["'"$T"'/ok.csv", "'"$T"'/p15.csv"] }'
check_case 3 "p15.csv:3:13: column 'p_large'.*(sweep point 1: " tsweep.json

# Settings that make a mean query slower than the arrival horizon (20
# arrivals at 1/s): a warning naming the keys, exit 0; the run goes on.
scen slow.json ok.csv ''
expect_exit 0 "$BIN" run "$T/slow.json" --check
[ -s "$T/err" ] && bad "a plain scenario warned: $(cat "$T/err")" || ok
expect_exit 0 "$BIN" run "$T/slow.json" --check --set channel.uplink.bandwidth_hz=1
expect_grep "warning: .*slow.json: a mean query .* takes longer than the arrival horizon .*uplink transfer .*channel.uplink.bandwidth_hz" "$T/err"
expect_grep "ok (1 sweep points)" "$T/out"
expect_exit 0 "$BIN" run "$T/slow.json" --check --set channel.header_bytes=1e9 --set trace.arrival.rate_per_s=10
expect_grep "uplink transfer .*channel.header_bytes" "$T/err"
expect_grep "downlink transfer .*channel.header_bytes" "$T/err"
expect_exit 0 "$BIN" run "$T/slow.json" --check --set models.large.prefill_tokens_per_s=1000 --set models.large.prefill_floor_s=100
expect_grep "service on the large model .*(models.large)" "$T/err"
# The run warns before it starts (and -q does not hide it): 20 arrivals in
# about 0.02 s, each query served for longer than that.
expect_exit 0 "$BIN" run "$T/slow.json" -o "$T/slow.db" -q --set trace.arrival.rate_per_s=1000
expect_grep "warning: .*arrival horizon" "$T/err"

finish
