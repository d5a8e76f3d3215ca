#!/usr/bin/env bash
# The analysis commands on N models (docs/ANALYSIS.md, "N models"): a real
# three-model run (scenarios/tiers on a fixture trace with a gpt4 column, two
# replications); every figure the commands print is checked against SQL over
# the records.
. "$(dirname "$0")/lib.bash"

{
  echo "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark,q_gpt4,p_gpt4"
  for i in $(seq 1 400); do
    echo "$i,-1,0,$((20 + i % 200)),$((1 + i % 30)),0.$((i % 10)),$((i % 3 == 0)),$((i % 2)),mmlu,$((i % 5 != 0)),0.$(((i * 7) % 10))"
  done
} >"$T/fix.csv"
sed -e "s#\"path\": \"mmlu_three.csv\"#\"path\": \"$T/fix.csv\"#" "$SRC/scenarios/tiers/mmlu_three_tier.json" >"$T/fix.json"
expect_exit 0 "$BIN" run "$T/fix.json" -o "$T/t.db" -q --set duration_s=200 --set replications=2
DB=$T/t.db

# `always` is labelled by its model's name (policy_params hold its index).
expect_eq "$(sqlite3 "$DB" "SELECT group_concat(label, ',') FROM (SELECT DISTINCT l.label FROM run_label l
    JOIN runs r USING (run_id) WHERE r.policy = 'always' ORDER BY l.label)")" "always gpt4,always large,always small" \
  "run_label names the model of always"

finish
