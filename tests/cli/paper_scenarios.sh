#!/usr/bin/env bash
# docs/RESULTS.md and the README's results block equal a fresh run of
# scenarios/paper/run_all.sh (--check), and the scenarios span the regimes
# the page claims: at least 10 paired replications per point, every baseline
# in every scenario, an edge that congests, a radio that reaches outage,
# image payloads that cost, and a router that is blind to recomputation in
# half of the multi-turn runs.  Exit 77 (ctest: skipped) when the page was
# made from the benchmark data and the data folder is absent.
. "$(dirname "$0")/lib.bash"
K=$T/keep
bash "$SRC/scenarios/paper/run_all.sh" --check --build "$(dirname "$BIN")" --data "${EDGESIM_SHARED_DATA:-/nonexistent}" \
  --keep "$K" --figures "$T/fig" >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 77 ]; then cat "$T/err" >&2; exit 77; fi
if [ $rc -eq 0 ]; then ok; else bad "run_all.sh --check exited $rc:"; head -40 "$T/err" >&2; fi
x=$K/extract.db
q() { sqlite3 "$x" "$1"; }
d() { sqlite3 "$K/db/$1.db" "$2"; }

# Replications: every (scenario, point, policy) has 10 or more, paired by seed.
for s in gsm8k mmlu multi hardware default map_text_0 map_image_19; do
  expect_eq "$(q "SELECT MIN(n) >= 10 FROM (SELECT COUNT(*) AS n FROM runs_$s GROUP BY label, sweep_index)")" 1 "$s: 10 replications"
done
# Every baseline in every single-turn and multi-turn scenario.
for s in gsm8k mmlu multi; do
  expect_eq "$(q "SELECT COUNT(DISTINCT policy) FROM runs_$s WHERE policy IN ('always-small', 'always-large', 'random',
     'score-threshold', 'snr-threshold', 'min-latency', 'oracle', 'quality-latency')")" 8 "$s: every baseline"
done
expect_eq "$(q "SELECT COUNT(*) > 0 FROM runs_multi WHERE policy = 'context-aware'")" 1 "multi-turn: context-aware"
# The edge congests: under always-large the edge queue wait at the highest
# load is more than 10x that at the lowest, with the edge busy > 95 % of the time.
lo=$(q "SELECT AVG(edge_queue_s) FROM runs_map_text_0 WHERE policy = 'always-large'")
hi=$(q "SELECT AVG(edge_queue_s) FROM runs_map_text_16 WHERE policy = 'always-large'")
expect_eq "$(q "SELECT $hi > 10 * $lo")" 1 "edge queue grows with load ($lo s -> $hi s)"
expect_eq "$(q "SELECT AVG(edge_busy_frac) > 0.95 FROM runs_map_text_16 WHERE policy = 'always-large'")" 1 "edge saturated"
# The radio reaches outage: at 2 km a 100 kB image makes always-large slower
# than always-small; at 100 m it does not.
al() { q "SELECT CAST(mean_latency_s AS REAL) FROM s_$1 WHERE label = '$2'"; }
expect_eq "$(q "SELECT $(al map_image_3 always-large) > $(al map_image_3 always-small)")" 1 "image at 2 km: radio dominates"
expect_eq "$(q "SELECT $(al map_image_0 always-large) < $(al map_image_0 always-small)")" 1 "image at 100 m: edge wins"
expect_eq "$(q "SELECT $(al map_image_3 always-large) > 2 * $(al map_text_2 always-large)")" 1 "image payload costs at 2 km"
# Multi-turn: the blind router (multi_blind) records no switching cost but
# recomputes; the sighted one (multi) prices it.
expect_eq "$(d multi_blind "SELECT MAX(csw_small_s + csw_large_s) FROM queries")" 0.0 "blind router sees no switching cost"
expect_eq "$(d multi_blind "SELECT SUM(q.recomputed_tokens) > 0 FROM queries q JOIN runs r USING (run_id)
   WHERE r.policy = 'context-aware'")" 1 "blind router still pays recomputation"
expect_eq "$(d multi "SELECT MAX(q.csw_small_s + q.csw_large_s) > 0 FROM queries q JOIN runs r USING (run_id)
   WHERE r.policy = 'context-aware'")" 1 "sighted router sees switching cost"
# Figures and reports of the three benchmarks (--figures).
for b in gsm8k mmlu multi; do
  [ -s "$T/fig/$b.html" ] && ok || bad "no report $T/fig/$b.html"
  if command -v "${EDGESIM_GNUPLOT:-gnuplot}" >/dev/null; then
    [ -s "$T/fig/$b/tradeoff.png" ] && ok || bad "no figure $T/fig/$b/tradeoff.png"
  fi
done
# The page states each claim and answers it.
for claim in "Claim 1" "Claim 2" "Claim 3"; do expect_grep "^### $claim" "$SRC/docs/RESULTS.md"; done
expect_grep "<!-- results:default:begin -->" "$SRC/README.md"
finish
