#!/usr/bin/env bash
# Run every paper scenario and print its results as Markdown tables
# (docs/RESULTS.md is this script's output).
# usage: scenarios/paper/run_all.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-build}/edgesim
out=${2:-$(mktemp -d "${TMPDIR:-/tmp}/edgesim-paper-XXXXXX")}
mkdir -p "$out"
[ -x "$bin" ] || { echo "run_all.sh: $bin not built" >&2; exit 2; }

label="policy || COALESCE(' alpha=' || json_extract(policy_params, '\$.alpha'), '')
             || COALESCE(' theta=' || json_extract(policy_params, '\$.theta'), '')"
table() { # DB HEADER SQL
  echo "$2"
  echo "$2" | sed 's/[^|]/-/g; s/-|/:|/g; s/^-/|/'
  sqlite3 -separator ' | ' "$1" "$3" | sed 's/^/| /; s/$/ |/'
  echo
}

for s in single_turn_mmlu single_turn_gsm8k; do
  "$bin" run "$here/$s.json" -o "$out/$s.db" -q
  echo "### $s (mean over replications, 95% CI)"
  echo
  table "$out/$s.db" "| policy | mean latency s | mean quality | large share |" \
    "SELECT $label, printf('%.3f ± %.3f', mean_latency_s, ci95_latency_s), printf('%.3f', mean_quality),
            printf('%.2f', large_fraction) FROM policy_summary ORDER BY mean_latency_s"
done

for s in snr_sweep load_sweep; do
  "$bin" run "$here/$s.json" -o "$out/$s.db" -q
  key=$(sqlite3 "$out/$s.db" "SELECT key FROM runs, json_each(runs.sweep_point) LIMIT 1")
  echo "### $s: mean latency s / mean quality per $key"
  echo
  pols="'always-small', 'always-large', 'min-latency', 'snr-threshold', 'quality-latency'"
  cols=$(sqlite3 "$out/$s.db" "SELECT group_concat(v, ' | ') FROM (SELECT DISTINCT json_extract(sweep_point, '\$.\"$key\"') AS v
          FROM runs ORDER BY sweep_index)")
  table "$out/$s.db" "| policy | $cols |" \
    "SELECT lab, group_concat(cell, ' | ') FROM (SELECT $label AS lab, printf('%.2f / %.3f', mean_latency_s, mean_quality) AS cell
            FROM policy_summary WHERE policy IN ($pols) ORDER BY lab, sweep_index) GROUP BY lab"
done

"$bin" run "$here/multi_turn.json" -o "$out/multi_turn.db" -q
echo "### multi_turn: per dialogue (means over dialogues and replications)"
echo
table "$out/multi_turn.db" "| policy | switches | recomputed tokens | dialogue latency s | mean latency s | mean quality | large share |" \
  "SELECT ${label//policy/r.policy}, printf('%.2f', AVG(d.switches)), printf('%.1f', AVG(d.recomputed_tokens)),
          printf('%.2f', AVG(d.dialogue_latency_s)),
          (SELECT printf('%.3f', mean_latency_s) FROM policy_summary p WHERE p.policy = r.policy AND p.policy_params = r.policy_params),
          (SELECT printf('%.3f', mean_quality) FROM policy_summary p WHERE p.policy = r.policy AND p.policy_params = r.policy_params),
          (SELECT printf('%.2f', large_fraction) FROM policy_summary p WHERE p.policy = r.policy AND p.policy_params = r.policy_params)
   FROM dialogue_summary d JOIN runs r USING (run_id) GROUP BY r.policy, r.policy_params ORDER BY 1"
echo "(databases in $out)" >&2
