#!/usr/bin/env bash
# N-model traces (docs/TRACES.md "Model columns", "N models"): the
# generator's --models, the generated joint table against the data, the docs
# block against a fresh run, two models byte for byte as before, and CSV and
# JSONL traces of the same models giving the same records in a run.
. "$(dirname "$0")/lib.bash"

# 1. The shipped joint table is what traces/joint_tables.sh makes of the data.
D=${EDGESIM_SHARED_DATA:-}
if [ -f "$D/derived/mmlu_calib.tsv" ]; then
  bash "$SRC/traces/joint_tables.sh" "$D" >"$T/joint.inc"
  if diff -u "$SRC/traces/trace_joint_int.h" "$T/joint.inc" >"$T/joint.diff"; then ok
  else bad "traces/trace_joint_int.h differs from traces/joint_tables.sh on the data:"; head -20 "$T/joint.diff" >&2; fi
  # ... and the same counts as the imported trace's table in docs/TRACES.md.
  expect_eq "$(sed -n 's/^static const double joint_mmlu3_counts\[8\] = {\(.*\)};$/\1/p' "$T/joint.inc")" \
    "$(awk -F'|' '/<!-- mmlu-joint begin -->/{f=1} /<!-- mmlu-joint end -->/{f=0} f && / (right|wrong) \|/ {
        k = 4 * ($2 ~ /right/) + 2 * ($3 ~ /right/) + ($4 ~ /right/); n[k] = $5 + 0 }
        END { for (k = 0; k < 8; k++) printf "%s%d", k ? ", " : "", n[k] }' "$SRC/docs/TRACES.md")" \
    "the generator's table and docs/TRACES.md's imported 2x2x2 table"
  # The three-model import written as JSONL reads as its CSV does.
  expect_exit 0 "$BIN" trace import mmlu "$D/derived/mmlu_calib.tsv" --weak three -q -o "$T/m3.csv"
  expect_exit 0 "$BIN" trace import mmlu "$D/derived/mmlu_calib.tsv" --weak three -q -o "$T/m3.jsonl"
  "$BIN" trace stats "$T/m3.csv" >"$T/m3_csv" 2>&1
  "$BIN" trace stats "$T/m3.jsonl" >"$T/m3_jsonl" 2>&1
  expect_eq "$(cat "$T/m3_jsonl")" "$(cat "$T/m3_csv")" "the three-model import: trace stats of JSONL and CSV"
  expect_eq "$(grep '^acc_' "$T/m3_csv" | tr '\n' ' ')" "acc_small 0.4692 acc_large 0.7012 acc_gpt4 0.8179 " \
    "the three-model import: the accuracies of docs/TRACES.md"
else
  echo "skipped: the joint table against the data (EDGESIM_SHARED_DATA has no derived/mmlu_calib.tsv)"
fi

# 2. docs/TRACES.md's generator check is traces/joint_check.sh's output.
bash "$SRC/traces/joint_check.sh" "$BIN" "$SRC" >"$T/check.md"
awk '/<!-- gen-joint begin -->/{f=1; next} /<!-- gen-joint end -->/{f=0} f' "$SRC/docs/TRACES.md" >"$T/check_doc.md"
if [ -s "$T/check_doc.md" ] && diff -u "$T/check_doc.md" "$T/check.md" >"$T/check.diff"; then ok
else bad "docs/TRACES.md's gen-joint block differs from traces/joint_check.sh:"; head -20 "$T/check.diff" >&2; fi

# 3. Two models: --models small,large writes the shipped traces byte for byte
# (the commands of docs/TRACES.md "Shipped traces", made before --models).
expect_exit 0 "$BIN" trace gen --models small,large --benchmark mix --queries 3000 --seed 1 -q -o "$T/mix.csv"
cmp -s "$T/mix.csv" "$SRC/traces/data/mix.csv" && ok || bad "--models small,large: mix.csv differs"
expect_exit 0 "$BIN" trace gen --models small,large --benchmark mtbench101 --queries 0 --dialogues 200 --seed 2 -q -o "$T/dlg.csv"
cmp -s "$T/dlg.csv" "$SRC/traces/data/dialogues.csv" && ok || bad "--models small,large: dialogues.csv differs"
# Other names: the same rows, the values also in their model columns.
expect_exit 0 "$BIN" trace gen --models phone,cloud --benchmark mmlu --queries 2000 --seed 1 -q -o "$T/pc.csv"
expect_eq "$(head -1 "$T/pc.csv")" "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark,q_phone,p_phone,q_cloud,p_cloud" \
  "two named models: their columns"
expect_eq "$(cut -d, -f1-9 "$T/pc.csv" | cmp - "$SRC/traces/data/mmlu.csv" && echo same)" "same" "two named models: the fixed columns as before"
expect_eq "$(awk -F, 'NR > 1 && !($10 == $7 && $11 == "" && $12 == $8 && $13 == $6) { n++ } END { print n + 0 }' "$T/pc.csv")" "0" \
  "two named models: q_phone = q_small, q_cloud = q_large, p_cloud = p_large"

# 4. Three models, CSV and JSONL: same models, same records in a run.
expect_exit 0 "$BIN" trace gen --models small,large,gpt4 --benchmark mmlu --queries 600 --seed 3 -q -o "$T/g3.csv"
expect_exit 0 "$BIN" trace gen --models small,large,gpt4 --benchmark mmlu --queries 600 --seed 3 -q -o "$T/g3.jsonl"
expect_eq "$(head -1 "$T/g3.csv")" "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark,q_gpt4,p_gpt4" "three models: columns"
expect_grep '"q_gpt4":[01],"p_gpt4":0\.[0-9]*}$' "$T/g3.jsonl"
expect_exit 0 "$BIN" trace check "$T/g3.jsonl"
# trace stats: the same summary of both, with the model column's accuracy.
"$BIN" trace stats "$T/g3.csv" >"$T/stats_csv" 2>&1
"$BIN" trace stats "$T/g3.jsonl" >"$T/stats_jsonl" 2>&1
expect_eq "$(cat "$T/stats_jsonl")" "$(cat "$T/stats_csv")" "three models: trace stats of the JSONL and the CSV"
expect_eq "$(grep -c '^acc_gpt4 0\.[0-9]*$' "$T/stats_csv")" "1" "trace stats: acc_gpt4"
expect_eq "$(grep '^acc_gpt4' "$T/stats_csv" | cut -d' ' -f2)" \
  "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "q_gpt4") c = i; next } { s += $c; n++ } END { printf "%.4f", s / n }' "$T/g3.csv")" \
  "trace stats: acc_gpt4 is the mean of q_gpt4"
scenario() { # FILE TRACE: the three-tier scenario on TRACE
  sed -e "s#\"path\": \"mmlu_three.csv\"#\"path\": \"$2\"#" "$SRC/scenarios/tiers/mmlu_three_tier.json" >"$1"
}
scenario "$T/csv.json" "$T/g3.csv"
scenario "$T/jsonl.json" "$T/g3.jsonl"
expect_exit 0 "$BIN" run "$T/csv.json" -o "$T/csv.db" -q --set duration_s=200
expect_exit 0 "$BIN" run "$T/jsonl.json" -o "$T/jsonl.db" -q --set duration_s=200
records() {
  sqlite3 "$1" "SELECT hex(sha3_query('SELECT * FROM queries ORDER BY run_id, query_id'))" \
               "SELECT hex(sha3_query('SELECT * FROM query_models ORDER BY run_id, query_id, model'))" \
               "SELECT COUNT(*) FROM queries" "SELECT COUNT(DISTINCT tier) FROM queries"
}
expect_eq "$(records "$T/jsonl.db")" "$(records "$T/csv.db")" "three models: the JSONL trace's records are the CSV trace's"
expect_eq "$(records "$T/csv.db" | tail -1)" "3" "three models: the run routes to all three tiers"
expect_eq "$(sqlite3 "$T/csv.db" "SELECT COUNT(*) > 0 FROM query_models WHERE model = 'gpt4' AND q IS NOT NULL")" "1" \
  "three models: gpt4's quality reaches the records"

# 5. The generator in a scenario (trace.generate.models): the run has the
# gpt4 column without a file.
expect_exit 0 "$BIN" run "$T/csv.json" -o "$T/gen.db" -q --set duration_s=100 --set trace.path= \
  --set trace.generate.models=small,large,gpt4 --set trace.generate.queries=300
expect_eq "$(sqlite3 "$T/gen.db" "SELECT COUNT(DISTINCT model) FROM query_models WHERE q IS NOT NULL")" "3" \
  "trace.generate.models: every model's quality in the run"
expect_exit 3 "$BIN" run "$T/csv.json" -o "$T/gen2.db" -q --set trace.path= --set trace.generate.models=small,large
expect_grep "no column q_gpt4 for model gpt4" "$T/err"

# 6. JSONL model-key errors name file:line:column and the key (exit 3).
head -3 "$T/g3.jsonl" >"$T/bad.jsonl"
sed -n 4p "$T/g3.jsonl" | sed 's/,"q_gpt4":[01]//' >>"$T/bad.jsonl"
expect_exit 3 "$BIN" trace check "$T/bad.jsonl"
expect_grep "bad.jsonl:4:1: expected a field 'q_gpt4' (a model of line 1), found none" "$T/err"
head -1 "$T/g3.jsonl" | sed 's/"q_gpt4":\([01]\)/"q_gpt4":"\1"/' >"$T/bad2.jsonl"
expect_exit 3 "$BIN" trace check "$T/bad2.jsonl"
expect_grep "bad2.jsonl:1:[0-9]*: field 'q_gpt4': expected a number in \[0, 1\]" "$T/err"
head -2 "$T/g3.jsonl" | sed '2s/"q_gpt4"/"q_gpt5"/' >"$T/bad3.jsonl"
scenario "$T/bad3.json" "$T/bad3.jsonl"
expect_exit 3 "$BIN" run "$T/bad3.json" -o "$T/bad3.db" -q
expect_grep "bad3.jsonl:2:[0-9]*: key 'q_gpt5': expected the model keys of line 1 (q_gpt4, p_gpt4)" "$T/err"

# 7. Bad --models: usage errors naming the option's key.
expect_exit 2 "$BIN" trace gen --models small,large,gpt4 --benchmark gsm8k --queries 5 -q
expect_grep "trace.generate.models: 3 models need a measured joint law" "$T/err"
expect_exit 2 "$BIN" trace gen --models small --queries 5 -q
expect_grep "expected at least two models" "$T/err"
finish
