#!/usr/bin/env bash
# The three-model generator against its calibration (docs/TRACES.md
# "N models"): 10^5 generated MMLU queries (seed 1) beside the measured
# joint law of traces/trace_joint_int.h.  tests/cli/trace_models.sh
# checks the docs block against a fresh run.
# usage: traces/joint_check.sh EDGESIM SOURCE_DIR
set -euo pipefail
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" trace gen --benchmark mmlu --models small,large,gpt4 --queries 100000 --seed 1 -q -o "$tmp/g.csv"
counts=$(sed -n 's/^static const double joint_mmlu3_counts\[8\] = {\(.*\)};$/\1/p' "$src/traces/trace_joint_int.h" | tr -d ' ')
[ -n "$counts" ] || { echo "joint_check.sh: no joint_mmlu3_counts in trace_joint_int.h" >&2; exit 1; }
awk -F, -v counts="$counts" '
  NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  { n++; k = 4 * $c["q_small"] + 2 * $c["q_large"] + $c["q_gpt4"]; g[k]++ }
  END {
    split(counts, m, ","); for (k = 0; k < 8; k++) { law[k] = m[k + 1]; total += law[k] }
    printf "| small (Llama-2-7B) | large (Mixtral-8x7B) | gpt4 (GPT-4) | measured share | generated share |\n|---|---|---|---:|---:|\n"
    for (k = 7; k >= 0; k--)
      printf "| %s | %s | %s | %.4f | %.4f |\n", int(k / 4) % 2 ? "right" : "wrong", int(k / 2) % 2 ? "right" : "wrong",
             k % 2 ? "right" : "wrong", law[k] / total, g[k] / n
    # accuracy of model i (bit 2 - i) and P(j right | i right)
    for (i = 0; i < 3; i++) for (k = 0; k < 8; k++) if (int(k / 2 ^ (2 - i)) % 2) { la[i] += law[k]; ga[i] += g[k] }
    printf "\nOver %d generated queries: accuracy small %.4f (measured %.4f), large %.4f (%.4f), gpt4 %.4f (%.4f).\n",
           n, ga[0] / n, la[0] / total, ga[1] / n, la[1] / total, ga[2] / n, la[2] / total
    split("small large gpt4", name, " ")
    printf "Nested:"
    for (i = 0; i < 3; i++) for (j = i + 1; j < 3; j++) {
      lb = 0; gb = 0
      for (k = 0; k < 8; k++) if (int(k / 2 ^ (2 - i)) % 2 && int(k / 2 ^ (2 - j)) % 2) { lb += law[k]; gb += g[k] }
      printf "%s P(%s right | %s right) %.4f (measured %.4f)", (i + j > 1) ? "," : "", name[j + 1], name[i + 1], gb / ga[i], lb / la[i]
    }
    printf ".\n"
  }' "$tmp/g.csv"
