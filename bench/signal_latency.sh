#!/usr/bin/env bash
# signal_latency.sh BUILD_DIR [TRIALS] -- wall time from SIGINT/SIGTERM to the
# exit of `edgesim run` (-j 1 and -j 2) on a configuration with slow events
# (a 1 Hz uplink: ~10^4 events/s), the unfinished run removed; the target is
# 100 ms (issue 13 point 5).  tests/cli/signals.sh checks the behaviour with a
# generous bound; this prints the figure: median and maximum over TRIALS
# (default 5) per signal and -j, without and with a plug-in (supervised).
# Every run here uses the slow uplink, so none has completed when the signal
# comes; runs completed before a signal are still stored (-j N writes them
# after the stop), which adds their write time to the exit.
set -euo pipefail
build=${1:?usage: bench/signal_latency.sh BUILD_DIR [TRIALS]}
trials=${2:-5}
bin=$build/edgesim
[ -x "$bin" ] || { echo "signal_latency.sh: $bin not built" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/edgesim_bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
{
  echo "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark"
  for i in $(seq 1 2000); do echo "$i,-1,0,$((20 + i % 200)),$((1 + i % 50)),0.5,1,0,mmlu"; done
} >"$work/t.csv"
cat >"$work/slow.json" <<JSON
{ "trace": { "path": "t.csv" }, "devices": { "count": 4 },
  "policies": [ { "name": "always-large" }, { "name": "random" } ], "replications": 2,
  "channel": { "uplink": { "bandwidth_hz": 1 } } }
JSON
# "supervised": with a plug-in loaded, the run is the child of a supervising
# parent that passes the signal on (sim/cli/cli_guard.c).
plugin=$build/plugins/snr_aware_score.so
echo "signal_latency: signal -> exit of edgesim run, 1 Hz uplink, $(nproc) cores, $trials trials each"
for mode in plain supervised; do
  extra=()
  [ "$mode" = supervised ] && extra=(--policy-plugin "$plugin")
  [ "$mode" = supervised ] && [ ! -e "$plugin" ] && { echo "  (no $plugin: supervised rows skipped)"; continue; }
for jobs in 1 2; do
  for sig in INT TERM; do
    ms=()
    for t in $(seq 1 "$trials"); do
      rm -f "$work/s.db"
      "$bin" run "$work/slow.json" -o "$work/s.db" -q -j "$jobs" "${extra[@]}" 2>/dev/null &
      pid=$!
      sleep 1
      t0=$(date +%s%N)
      kill -"$sig" "$pid"
      wait "$pid" || true
      t1=$(date +%s%N)
      ms+=($(((t1 - t0) / 1000000)))
    done
    printf '%s\n' "${ms[@]}" | sort -n | awk -v m="$mode" -v j="$jobs" -v s="$sig" '{ v[NR] = $1 }
      END { printf "  %-10s -j %d SIG%-4s median %4d ms  max %4d ms\n", m, j, s, v[int((NR + 1) / 2)], v[NR] }'
  done
done
done
