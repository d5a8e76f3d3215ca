#!/usr/bin/env bash
# The measured joint correctness of the three MMLU models (2x2x2 table of
# docs/TRACES.md "Three models"), from the imported trace.
# usage: scenarios/tiers/mmlu_joint.sh EDGESIM DATA  (DATA: the benchmark folder with derived/)
set -euo pipefail
bin=$1 data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" trace import mmlu "$data/derived/mmlu_calib.tsv" --weak three -o "$tmp/m.csv" 2>/dev/null
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  { n++; k = $c["q_small"] "" $c["q_large"] "" $c["q_gpt4"]; cnt[k]++; a += $c["q_small"]; b += $c["q_large"]; g += $c["q_gpt4"] }
  END {
    printf "| Llama-2-7B (small) | Mixtral-8x7B (large) | GPT-4 (gpt4) | questions | share |\n|---|---|---|---:|---:|\n"
    split("111 110 101 100 011 010 001 000", ks, " ")
    for (i = 1; i <= 8; i++) {
      k = ks[i]
      printf "| %s | %s | %s | %d | %.4f |\n", substr(k, 1, 1) == "1" ? "right" : "wrong", substr(k, 2, 1) == "1" ? "right" : "wrong",
             substr(k, 3, 1) == "1" ? "right" : "wrong", cnt[k], cnt[k] / n
    }
    printf "\nAccuracy over the %d questions: Llama-2-7B %.4f, Mixtral-8x7B %.4f, GPT-4 %.4f.\n", n, a / n, b / n, g / n
  }' "$tmp/m.csv"
