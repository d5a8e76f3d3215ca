#!/usr/bin/env bash
# Robustness of `edgesim run` against odd files and values: a trace that is a
# directory, a FIFO, empty or binary; a scenario that is a directory, empty,
# binary, deeply nested or huge; numeric edge cases in keys.  Each gets a
# clear message naming the file or key and a documented exit code (2 config,
# 3 input data, 4 output), never a crash or a hang, and no run is left behind.
. "$(dirname "$0")/lib.bash"

H="id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark"
printf '%s\n1,-1,0,10,5,0.5,1,0,x\n2,-1,0,10,5,0.5,1,0,x\n' "$H" >"$T/ok.csv"
scen() { printf '{ "trace": { "path": "%s" }, "devices": { "count": 2 }, "policy": { "name": "always-large" } %s}' "$1" "$2" >"$T/$3"; }
# runs_in DB: complete and other runs, and query rows ("0 0 0" for none,
# or for no database: a trace found bad before the first run creates none).
runs_in() { [ -e "$1" ] || { echo "0 0 0"; return; }; sqlite3 "$1" "SELECT (SELECT COUNT(*) FROM runs WHERE status='complete'), (SELECT COUNT(*) FROM runs WHERE status!='complete'), (SELECT COUNT(*) FROM queries)" 2>/dev/null | tr '|' ' '; }
# A hang is a failure, not a stuck test: every run below is bounded.
run_t() { timeout 60 "$BIN" "$@"; }

# ---- traces ----
# A directory as the trace: exit 3 naming it.
mkdir "$T/dir.csv"
scen dir.csv '' s_dir.json
expect_exit 3 run_t run "$T/s_dir.json" -o "$T/dir.db" -q
expect_grep "dir.csv: cannot open: expected a file, found a directory" "$T/err"
expect_eq "$(runs_in "$T/dir.db")" "0 0 0" "no run after a directory trace"

# A FIFO nobody writes to: must not block; it reads as an empty file.
if mkfifo "$T/fifo.csv" 2>/dev/null; then
  scen fifo.csv '' s_fifo.json
  expect_exit 3 run_t run "$T/s_fifo.json" -o "$T/fifo.db" -q
  expect_grep "fifo.csv:1:1: .*empty file" "$T/err"
  # With a writer, one run reads it like a file (bounded writer, so a failed
  # open cannot leave it blocked).
  (timeout 30 cat "$T/ok.csv" >"$T/fifo.csv" &)
  sleep 0.2
  expect_exit 0 run_t run "$T/s_fifo.json" -o "$T/fifo.db" -q
  expect_eq "$(runs_in "$T/fifo.db")" "1 0 2" "a FIFO with a writer is read"
else
  echo "skip: mkfifo not available"
fi

# Empty, binary and CR-only traces: exit 3 with file:line.
: >"$T/empty.csv"
scen empty.csv '' s_empty.json
expect_exit 3 run_t run "$T/s_empty.json" -o "$T/e.db" -q
expect_grep "empty.csv:1:1: expected a header line" "$T/err"
printf '%s\n1,-1,0,10,5,0.5,1,0,x\n2,-1,0,1\0,5,0.5,1,0,x\n' "$H" >"$T/nul.csv"
scen nul.csv '' s_nul.json
expect_exit 3 run_t run "$T/s_nul.json" -o "$T/e.db" -q
expect_grep "nul.csv:3:9: .*NUL byte" "$T/err"
printf '%s\r1,-1,0,10,5,0.5,1,0,x\r' "$H" >"$T/cr.csv"
scen cr.csv '' s_cr.json
expect_exit 3 run_t run "$T/s_cr.json" -o "$T/e.db" -q
expect_grep "cr.csv:1:.*LF after CR" "$T/err"
head -c 200000 /dev/urandom >"$T/random.jsonl" 2>/dev/null || dd if=/dev/zero of="$T/random.jsonl" bs=1k count=200 2>/dev/null
scen random.jsonl '' s_rand.json
expect_exit 3 run_t run "$T/s_rand.json" -o "$T/e.db" -q
expect_grep "random.jsonl:[0-9]*:" "$T/err"
expect_eq "$(runs_in "$T/e.db")" "0 0 0" "no run after bad traces"

# ---- scenarios ----
mkdir "$T/sdir.json"
expect_exit 2 run_t run "$T/sdir.json" -o "$T/s.db"
expect_grep "sdir.json: cannot read" "$T/err"
: >"$T/sempty.json"
expect_exit 2 run_t run "$T/sempty.json" -o "$T/s.db"
expect_grep "sempty.json:1:1: invalid JSON" "$T/err"
printf '{"seed": 1,\0 "x": 2}' >"$T/snul.json"
expect_exit 2 run_t run "$T/snul.json" -o "$T/s.db"
expect_grep "snul.json: not a text file" "$T/err"
# 100,000 nested arrays: cJSON's nesting limit, not a stack overflow.
head -c 100000 /dev/zero | tr '\0' '[' >"$T/deep.json"
expect_exit 2 run_t run "$T/deep.json" -o "$T/s.db"
expect_grep "deep.json:1:[0-9]*: invalid JSON" "$T/err"
# A 5 MB description: rejected by its key, not truncated.
{ printf '{ "description": "'; head -c 5000000 /dev/zero | tr '\0' 'x'; printf '", "trace": { "path": "ok.csv" } }'; } >"$T/huge.json"
expect_exit 2 run_t run "$T/huge.json" -o "$T/s.db"
expect_grep "huge.json: description: string longer than" "$T/err"
# A 300-character --set key is an error, not a truncated key.
long=$(head -c 300 /dev/zero | tr '\0' 'k')
scen ok.csv '' ok.json
expect_exit 2 run_t run "$T/ok.json" -o "$T/s.db" --set "$long=1"
[ ! -e "$T/s.db" ] && ok || bad "a failed configuration created the database"

# ---- numeric edge cases in keys: out of range is exit 2 naming the key ----
for kv in seed=1e308 seed=1e999 seed=-1 'seed="NaN"' seed=NaN devices.count=1e308 devices.count=-0 \
          devices.count=0.5 replications=1e999 duration_s=1e308 duration_s=-1 \
          trace.arrival.rate_per_s=1e-320 channel.uplink.bandwidth_hz=1e308 \
          models.large.max_batch=2147483648 'channel.fading.model="NaN"'; do
  expect_exit 2 run_t run "$T/ok.json" -o "$T/k.db" -q --set "$kv"
  expect_grep "ok.json: ${kv%%=*}: expected" "$T/err"
done
[ ! -e "$T/k.db" ] && ok || bad "a rejected key created the database"
# In range edge values run: -0 is 0.
expect_exit 0 run_t run "$T/ok.json" -o "$T/k0.db" -q --set seed=-0 --set duration_s=-0
expect_eq "$(sqlite3 "$T/k0.db" "SELECT seed FROM runs")" 0 "seed -0 is seed 0"

# ---- output ----
mkdir "$T/out.db"
expect_exit 4 run_t run "$T/ok.json" -o "$T/out.db" -q
expect_grep "out.db" "$T/err"
finish
