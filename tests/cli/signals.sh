#!/usr/bin/env bash
# Ctrl-C and SIGTERM during a run whose events are slow (a 1 Hz uplink: one
# transfer is many channel events, ~10^4 events/s): the run loop reads the
# interrupt flag after every event, so `run` and `run -j 2` end with exit 130,
# the unfinished runs removed, long before the run would end by itself (it
# takes minutes; the old loop, polling every 65,536 events, took 9-17 s).
# The bound below is generous so that a loaded machine passes; the measured
# latency is printed by bench/signal_latency.sh (a record: bench/signal_latency.txt).
. "$(dirname "$0")/lib.bash"

write_trace "$T/t.csv" 2000
cat >"$T/slow.json" <<JSON
{ "trace": { "path": "t.csv" }, "devices": { "count": 4 },
  "policies": [ { "name": "always-large" }, { "name": "always-small" } ], "replications": 2,
  "channel": { "uplink": { "bandwidth_hz": 1 } } }
JSON
bound_ms=5000

# interrupt SIGNAL JOBS [OPTIONS]: start the run, signal it once it is under
# way, check exit code, time to exit and what the database holds.
interrupt() {
  local sig=$1 jobs=$2 db="$T/$1-$2-$#.db"
  shift 2
  "$BIN" run "$T/slow.json" -o "$db" -q -j "$jobs" "$@" 2>"$T/err" &
  local pid=$!
  sleep 1
  local t0 t1 rc
  t0=$(date +%s%N)
  kill -"$sig" "$pid"
  # Bounded wait: a run that ignores the signal is killed and fails the test.
  for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  wait "$pid"
  rc=$?
  t1=$(date +%s%N)
  expect_eq "$rc" 130 "exit code after SIG$sig (-j $jobs)"
  local ms=$(((t1 - t0) / 1000000))
  if [ "$ms" -le "$bound_ms" ]; then ok; else bad "SIG$sig (-j $jobs): exit after $ms ms (bound $bound_ms ms)"; fi
  expect_grep "interrupted" "$T/err"
  if [ -e "$db" ]; then
    expect_eq "$(sqlite3 "$db" "SELECT COUNT(*) FROM runs WHERE status != 'complete'")" 0 "no unfinished run (SIG$sig -j $jobs)"
    expect_eq "$(sqlite3 "$db" "PRAGMA integrity_check")" ok "integrity (SIG$sig -j $jobs)"
  fi
}

interrupt INT 1
interrupt TERM 1
interrupt INT 2
interrupt TERM 2
# With a plug-in loaded the run is the child of a supervisor, which passes
# the signal on (sim/cli/cli_guard.c).
interrupt INT 1 --policy-plugin "$EDGESIM_PLUGIN_DIR/snr_aware_score.so"
interrupt TERM 2 --policy-plugin "$EDGESIM_PLUGIN_DIR/snr_aware_score.so"
finish
