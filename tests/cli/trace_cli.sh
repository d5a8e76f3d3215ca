#!/usr/bin/env bash
# `edgesim trace` end to end: help texts, gen then stats (2x2 split and AUC
# near their targets), check with exit codes and file:line messages, the
# importers on the self-made fixtures and, when $EDGESIM_SHARED_DATA holds the
# benchmark data folder, on the real files (counts and accuracies of its
# SOURCES.md); then `edgesim run` on an imported trace.  docs/TRACES.md.
. "$(dirname "$0")/lib.bash"
FX=$SRC/tests/fixtures/traces

# expect_near GOT WANT TOL WHAT
expect_near() {
  if awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g != "" && d <= t) }'; then
    ok
  else
    bad "$4: got '$1', expected $2 +- $3"
  fi
}
# stat_of NAME: the value of a `trace stats` line "NAME value" in $T/out.
stat_of() { awk -v k="$1" '$1 == k { print $2 }' "$T/out"; }

# ---- help ----
expect_exit 0 "$BIN" trace --help
for c in import gen stats check; do expect_grep "$c" "$T/out"; done
expect_grep "Exit codes" "$T/out"
for c in import gen stats check; do
  expect_exit 0 "$BIN" trace "$c" --help
  expect_grep "usage: edgesim trace $c" "$T/out"
done
"$BIN" trace import --help >"$T/out" 2>&1
for k in gsm8k gsm8k-raw mmlu mmlu-raw mtbench mtbench101 "--tokens"; do expect_grep "$k" "$T/out"; done
expect_exit 2 "$BIN" trace
expect_exit 2 "$BIN" trace frobnicate
expect_exit 2 "$BIN" trace import cifar x

# ---- gen, then stats: the MMLU 2x2 split (SOURCES.md: 0.6280 / 0.0528 /
# 0.1778 / 0.1414) and the AUC target within sampling error (20,000 queries:
# sd of a share <= 0.0035, of the AUC ~0.005).
expect_exit 0 "$BIN" trace gen --benchmark mmlu --queries 20000 --auc 0.8 --seed 7 --out "$T/gen.csv"
expect_exit 0 "$BIN" trace stats "$T/gen.csv"
expect_eq "$(stat_of rows)" 20000 "gen rows"
expect_near "$(stat_of both)" 0.6280 0.012 "gen both"
expect_near "$(stat_of only_small)" 0.0528 0.012 "gen only_small"
expect_near "$(stat_of only_large)" 0.1778 0.012 "gen only_large"
expect_near "$(stat_of neither)" 0.1414 0.012 "gen neither"
expect_near "$(stat_of auc_p_large)" 0.80 0.02 "gen auc"
# Same seed, same file; dialogues; JSONL.
expect_exit 0 "$BIN" trace gen --benchmark mmlu --queries 20000 --auc 0.8 --seed 7 -o "$T/gen2.csv"
cmp -s "$T/gen.csv" "$T/gen2.csv" && ok || bad "gen with the same seed differs"
expect_exit 0 "$BIN" trace gen --benchmark mtbench101 --queries 0 --dialogues 50 --seed 3 -o "$T/dia.jsonl"
expect_exit 0 "$BIN" trace stats "$T/dia.jsonl"
expect_eq "$(stat_of dialogues)" 50 "gen dialogues"
expect_exit 2 "$BIN" trace gen --benchmark cifar -o "$T/x.csv"
expect_exit 4 "$BIN" trace gen --queries 5 -o "$T/no/such/dir/x.csv"
[ ! -e "$T/x.csv" ] && ok || bad "a failed gen left $T/x.csv"

# ---- check: good and bad files, exit codes and file:line:column ----
expect_exit 0 "$BIN" trace check "$T/gen.csv"
expect_exit 0 "$BIN" trace check "$FX/small.csv"
expect_exit 3 "$BIN" trace check "$FX/dup_ids.csv"
expect_grep "dup_ids.csv:3:.*duplicate id 1" "$T/err"
printf 'id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n1,-1,0,10,5,0.5,1,0,x\n2,-1,0,10,5,1.5,1,0,x\n' >"$T/bad_p.csv"
expect_exit 3 "$BIN" trace check "$T/bad_p.csv"
expect_grep "bad_p.csv:3:[0-9]*: column 'p_large'" "$T/err"
printf 'id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n1,-1,0,"10,5,0.5,1,0,x\n' >"$T/bad_q.csv"
expect_exit 3 "$BIN" trace check "$T/bad_q.csv"
expect_grep "bad_q.csv:2:[0-9]*: expected a closing quote" "$T/err"
expect_exit 3 "$BIN" trace check "$T/missing.csv"
expect_grep "missing.csv" "$T/err"
expect_exit 2 "$BIN" trace check

# ---- importers on the fixtures ----
expect_exit 0 "$BIN" trace import gsm8k "$FX/gsm8k_calib.tsv" -o "$T/i_gsm8k.csv"
expect_exit 0 "$BIN" trace check "$T/i_gsm8k.csv"
expect_exit 0 "$BIN" trace import mmlu "$FX/mmlu_calib.tsv" -o "$T/i_mmlu.csv"
expect_exit 0 "$BIN" trace import mtbench "$FX/mtbench_calib.tsv" -o "$T/i_mt.csv"
expect_exit 0 "$BIN" trace import mtbench101 "$FX/mtbench101.jsonl" --tokens chars -o "$T/i_101.csv"
expect_exit 0 "$BIN" trace import gsm8k-raw "$FX/raw/gsm8k_test.jsonl" "$FX/raw/gsm8k_responses.csv" -o "$T/i_graw.csv"
expect_grep "3 rows (tokens: words)" "$T/err"
expect_exit 0 "$BIN" trace stats "$T/i_graw.csv"
expect_eq "$(stat_of rows) $(stat_of acc_small) $(stat_of acc_large)" "3 0.6667 0.6667" "gsm8k-raw fixture"
expect_grep "in_tokens mean 17.3 p10 16 p50 18" "$T/out"     # 18, 16, 18 tokens (14, 12, 14 words)
expect_exit 0 "$BIN" trace import gsm8k-raw "$FX/raw/gsm8k_test.jsonl" "$FX/raw/gsm8k_responses.csv" --tokens chars -o "$T/i_grawc.csv"
expect_exit 0 "$BIN" trace stats "$T/i_grawc.csv"
expect_grep "in_tokens mean 15.3 p10 14 p50 16" "$T/out"     # 63, 57, 65 characters / 4
expect_exit 0 "$BIN" trace import mmlu-raw "$FX/raw/mmlu_test" "$FX/raw/mmlu_responses" -o "$T/i_mraw.jsonl"
expect_exit 0 "$BIN" trace stats "$T/i_mraw.jsonl"
expect_eq "$(stat_of rows) $(stat_of acc_small) $(stat_of acc_large)" "5 0.6000 0.6000" "mmlu-raw fixture"
# A bad row in the middle: exit 3, file:line:column, no output file at all.
expect_exit 3 "$BIN" trace import gsm8k-raw "$FX/raw/gsm8k_test.jsonl" "$FX/raw/gsm8k_responses_bad.csv" -o "$T/partial.csv"
expect_grep "gsm8k_responses_bad.csv:7:[0-9]*: column 'mistralai/Mixtral-8x7B-Instruct-v0.1': expected True or False" "$T/err"
[ ! -e "$T/partial.csv" ] && ok || bad "a failed import left partial.csv"
[ -z "$(find "$T" -name '*.tmp')" ] && ok || bad "a failed import left a temporary file"
expect_exit 3 "$BIN" trace import gsm8k "$FX/bad_gsm8k_calib.tsv" -o "$T/partial.csv"
expect_grep "bad_gsm8k_calib.tsv:3" "$T/err"
[ ! -e "$T/partial.csv" ] && ok || bad "a failed import left partial.csv"
expect_exit 2 "$BIN" trace import gsm8k-raw "$FX/raw/gsm8k_test.jsonl" -o "$T/x.csv"
expect_exit 2 "$BIN" trace import gsm8k-raw "$FX/raw/gsm8k_test.jsonl" "$FX/raw/gsm8k_responses.csv" --tokens bytes

# ---- the real files of the benchmark data folder, when present ----
D=${EDGESIM_SHARED_DATA:-}
if [ -n "$D" ] && [ -f "$D/SOURCES.md" ]; then
  # real KIND TOKENS ROWS ACC_SMALL ACC_LARGE INPUT...
  real() {
    local kind=$1 tokens=$2 rows=$3 acc_s=$4 acc_l=$5; shift 5
    expect_exit 0 "$BIN" trace import "$kind" "$@" --tokens "$tokens" -o "$T/real_${kind}_$tokens.csv"
    expect_exit 0 "$BIN" trace stats "$T/real_${kind}_$tokens.csv"
    expect_eq "$(stat_of rows)" "$rows" "$kind ($tokens) rows"
    if [ "$acc_s" != - ]; then
      expect_eq "$(stat_of acc_small) $(stat_of acc_large)" "$acc_s $acc_l" "$kind ($tokens) accuracies"
    fi
    echo "real $kind ($tokens): $(grep -E '^(rows|dialogues|in_tokens|out_tokens|acc_)' "$T/out" | tr '\n' ';')"
  }
  for tk in words chars; do
    real gsm8k-raw $tk 1319 0.6384 0.8567 "$D/gsm8k/test.jsonl" "$D/routellm/gsm8k/gsm8k_responses.csv"
    real mmlu-raw $tk 14042 0.6808 0.8058 "$D/mmlu/test" "$D/routellm/mmlu/responses"
    real mtbench101 $tk 4208 - - "$D/mt_bench_101/mtbench101.jsonl"
    expect_eq "$(stat_of dialogues)" 1388 "mtbench101 ($tk) dialogues"
  done
  real gsm8k words 1319 0.6384 0.8567 "$D/derived/gsm8k_calib.tsv"
  real mmlu words 14042 0.6808 0.8058 "$D/derived/mmlu_calib.tsv"
  # The raw files under the word estimator give the derived tables' traces.
  cmp -s "$T/real_gsm8k_words.csv" "$T/real_gsm8k-raw_words.csv" && ok || bad "gsm8k-raw (words) differs from gsm8k"
  cmp -s "$T/real_mmlu_words.csv" "$T/real_mmlu-raw_words.csv" && ok || bad "mmlu-raw (words) differs from mmlu"
else
  echo "skipped: real-data imports (EDGESIM_SHARED_DATA has no SOURCES.md)"
fi

# ---- an imported trace feeds the simulator ----
# run_on TRACE N QSMALL: always-small over TRACE; N query rows, every
# in_tokens of the trace, and mean quality = the small model's accuracy.
run_on() {
  local trace=$1 n=$2 acc=$3 db=$T/run_$(basename "$1" .csv).db
  printf '{ "seed": 1, "trace": { "path": "%s", "arrival": { "process": "poisson", "rate_per_s": 2 } },
    "devices": { "count": 2 }, "policy": { "name": "always-small" } }' "$trace" >"$T/run.json"
  expect_exit 0 "$BIN" run "$T/run.json" -o "$db" -q
  expect_eq "$(sqlite3 "$db" "SELECT COUNT(*) FROM queries")" "$n" "queries run from $(basename "$trace")"
  expect_eq "$(sqlite3 "$db" "SELECT SUM(in_tokens) FROM queries")" \
    "$(awk -F, 'NR > 1 { s += $4 } END { print s }' "$trace")" "in_tokens carried from $(basename "$trace")"
  expect_eq "$(sqlite3 "$db" "SELECT printf('%.4f', AVG(quality)) FROM queries")" "$acc" "mean quality on $(basename "$trace")"
}
run_on "$T/i_graw.csv" 3 0.6667
if [ -f "$T/real_gsm8k-raw_chars.csv" ]; then
  run_on "$T/real_gsm8k-raw_chars.csv" 1319 0.6384
fi


# The shipped traces are exactly what their documented commands make
# (docs/TRACES.md "Shipped traces").
expect_exit 0 "$BIN" trace gen --benchmark mix --queries 3000 --seed 1 -o "$T/mix.csv"
cmp -s "$T/mix.csv" "$SRC/traces/data/mix.csv" && ok || bad "traces/data/mix.csv differs from its command"
expect_exit 0 "$BIN" trace gen --benchmark mmlu --queries 2000 --seed 1 -o "$T/mmlu.csv"
cmp -s "$T/mmlu.csv" "$SRC/traces/data/mmlu.csv" && ok || bad "traces/data/mmlu.csv differs from its command"
expect_exit 0 "$BIN" trace gen --benchmark mtbench101 --queries 0 --dialogues 200 --seed 2 -o "$T/dlg.csv"
cmp -s "$T/dlg.csv" "$SRC/traces/data/dialogues.csv" && ok || bad "traces/data/dialogues.csv differs from its command"

finish
