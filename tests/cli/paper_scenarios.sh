#!/usr/bin/env bash
# The paper scenarios run, and the claims docs/RESULTS.md marks "tested" hold.
. "$(dirname "$0")/lib.bash"
expect_exit 0 bash "$SRC/scenarios/paper/run_all.sh" "$(dirname "$BIN")" "$T"
for section in single_turn_mmlu single_turn_gsm8k snr_sweep load_sweep multi_turn; do
  expect_grep "### $section" "$T/out"
done
q() { sqlite3 "$T/$1.db" "$2"; }
ps="FROM policy_summary WHERE"

# GSM8K: quality-latency at alpha 0.1 beats the calibrated threshold on both axes.
expect_eq "$(q single_turn_gsm8k "SELECT (SELECT mean_latency_s $ps policy = 'quality-latency' AND json_extract(policy_params, '\$.alpha') = 0.1)
   < MIN(mean_latency_s) AND (SELECT mean_quality $ps policy = 'quality-latency' AND json_extract(policy_params, '\$.alpha') = 0.1)
   >= MAX(mean_quality) $ps policy = 'score-threshold'")" 1 "quality-latency dominates score-threshold on GSM8K"
# Load: the phones' queues grow with load; quality-latency shifts work to the edge.
expect_eq "$(q load_sweep "SELECT COUNT(*) FROM (SELECT mean_latency_s, LAG(mean_latency_s) OVER (ORDER BY sweep_index) AS prev
   $ps policy = 'always-small') WHERE prev IS NOT NULL AND mean_latency_s <= prev")" 0 "always-small latency rises with load"
expect_eq "$(q load_sweep "SELECT (SELECT large_fraction $ps policy = 'quality-latency' ORDER BY sweep_index DESC LIMIT 1)
   > (SELECT large_fraction $ps policy = 'quality-latency' ORDER BY sweep_index LIMIT 1)")" 1 "more large calls under load"
# Radio: the SNR rule gives up quality as devices move out.
expect_eq "$(q snr_sweep "SELECT COUNT(*) FROM (SELECT mean_quality, LAG(mean_quality) OVER (ORDER BY sweep_index) AS prev
   $ps policy = 'snr-threshold') WHERE prev IS NOT NULL AND mean_quality >= prev")" 0 "snr-threshold quality falls with distance"
# Multi-turn: every policy ran every dialogue; only mixed routing switches.
expect_eq "$(q multi_turn "SELECT COUNT(DISTINCT n) FROM (SELECT COUNT(*) AS n FROM dialogue_summary GROUP BY run_id)")" 1 "same dialogues in every run"
expect_eq "$(q multi_turn "SELECT SUM(d.switches) FROM dialogue_summary d JOIN runs r USING (run_id) WHERE r.policy LIKE 'always-%'")" 0 "no switches without mixing"
finish
