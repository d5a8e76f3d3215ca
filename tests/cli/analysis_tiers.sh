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

# summary: per-model shares (over decided queries) and cost (per query and
# per 1,000), each the mean over the two replications, as SQL over the
# records gives them.
per_run="SELECT r.run_id, l.label, AVG(q.route = 'small') AS s_small, AVG(q.route = 'large') AS s_large,
                AVG(q.route = 'gpt4') AS s_gpt4, SUM(COALESCE(q.cost, 0)) / COUNT(*) AS cost
         FROM runs r JOIN run_label l USING (run_id) JOIN queries q USING (run_id) GROUP BY r.run_id"
expect_eq "$(sqlite3 "$DB" "SELECT COUNT(*) FROM queries WHERE route IS NULL")" "0" "every query decided"
want=$(sqlite3 -separator ' ' "$DB" "SELECT label, printf('%.6e %.6e %.6e %.6e %.6e', AVG(s_small), AVG(s_large), AVG(s_gpt4),
    AVG(cost), 1000 * AVG(cost)) FROM ($per_run) GROUP BY label ORDER BY label")
expect_exit 0 "$BIN" summary "$DB" --format json
# json_rows FILE SQL-EXPRESSIONS: the JSON output's rows (array of objects) as
# text, one line per row, through the sqlite3 shell's JSON functions.
json_rows() {
  sqlite3 -separator ' ' :memory: "SELECT $2 FROM json_each(readfile('$1')) ORDER BY 1"
}
got=$(json_rows "$T/out" "value->>'label', printf('%.6e %.6e %.6e %.6e %.6e', value->>'share_small', value->>'share_large',
    value->>'share_gpt4', value->>'mean_cost', value->>'cost_per_1k')")
expect_eq "$got" "$want" "summary's per-model shares and cost are the records'"
expect_eq "$(json_rows "$T/out" "COUNT(*)")" "6" "summary: six policies"
expect_eq "$(json_rows "$T/out" "SUM(value->>'share_large' != value->>'large_fraction')")" "0" "share_large is large_fraction"
expect_exit 0 "$BIN" summary "$DB" --format csv
expect_eq "$(head -1 "$T/out" | grep -o 'share_[a-z0-9]*,' | tr -d '\n')" "share_small,share_large,share_gpt4," \
  "summary's share columns, device to cloud"

# compare: paired differences of cost and shares, t intervals as for the rest.
expect_exit 0 "$BIN" compare "$DB" --baseline "always large" --format csv
# (compare's CSV has no quoted field: columns group, group_label, baseline, label, metric, n_pairs, diff, diff_ci, ...)
want=$(sqlite3 -separator ' ' "$DB" "WITH p AS ($per_run), b AS (SELECT p.*, r.seed, r.replication FROM p JOIN runs r USING (run_id))
    SELECT printf('%.6e', AVG(x.cost - y.cost)) FROM b x JOIN b y ON y.label = 'always large' AND y.seed = x.seed
    AND y.replication = x.replication WHERE x.label = 'quality-latency'")
got=$(awk -F, '$4 == "quality-latency" && $5 == "mean_cost" { printf "%.6e", $7 }' "$T/out")
expect_eq "$got" "$want" "compare: the mean paired cost difference"
expect_eq "$(awk -F, '$4 == "quality-latency" && $5 ~ /^share_/ { print $5 }' "$T/out" | tr '\n' ' ')" \
  "share_small share_large share_gpt4 " "compare: a row per model share"
ci=$(awk -F, '$4 == "quality-latency" && $5 == "share_gpt4" { print $8 }' "$T/out")
expect_eq "$(sqlite3 "$DB" "WITH p AS ($per_run), b AS (SELECT p.*, r.seed, r.replication FROM p JOIN runs r USING (run_id)),
    d AS (SELECT x.s_gpt4 - y.s_gpt4 AS v FROM b x JOIN b y ON y.label = 'always large' AND y.seed = x.seed
          AND y.replication = x.replication WHERE x.label = 'quality-latency')
    SELECT printf('%.4e', 12.706 * sqrt((SUM(v * v) - SUM(v) * SUM(v) / 2)) / sqrt(2)) FROM d")" \
  "$(printf '%.4e' "$ci")" "compare: the share difference's t interval (two pairs: t = 12.706)"

# large_fraction is the large model's share of the decided queries, with
# query rows and in --records runs (run_figures) alike.
expect_exit 0 "$BIN" run "$T/fix.json" -o "$T/runs.db" -q --set duration_s=200 --set replications=2 --records runs
expect_eq "$(sqlite3 "$T/runs.db" "SELECT group_concat(printf('%.12f', large_fraction)) FROM (SELECT large_fraction FROM run_summary ORDER BY run_id)")" \
  "$(sqlite3 "$DB" "SELECT group_concat(printf('%.12f', large_fraction)) FROM (SELECT large_fraction FROM run_summary ORDER BY run_id)")" \
  "large_fraction: run_figures as the records"
# ... and summary's per-model shares and cost: from run_figure_models
# without query rows, equal to those from the records.
expect_eq "$(sqlite3 "$T/runs.db" "SELECT COUNT(*) || ' ' || SUM(n_routed) FROM run_figure_models")" \
  "$(sqlite3 "$DB" "SELECT (3 * COUNT(DISTINCT run_id)) || ' ' || COUNT(*) FROM queries")" "run_figure_models: every model of every run"
expect_exit 0 "$BIN" summary "$DB" --format json
mv "$T/out" "$T/all.json"
expect_exit 0 "$BIN" summary "$T/runs.db" --format json
expect_eq "$(json_rows "$T/out" "value->>'label', printf('%.12e %.12e %.12e %.12e', value->>'share_small', value->>'share_large',
    value->>'share_gpt4', value->>'mean_cost')")" \
  "$(json_rows "$T/all.json" "value->>'label', printf('%.12e %.12e %.12e %.12e', value->>'share_small', value->>'share_large',
    value->>'share_gpt4', value->>'mean_cost')")" "summary --records runs: the shares and cost of the records"
expect_exit 0 "$BIN" merge -o "$T/runs_merged.db" "$T/runs.db" -q
expect_eq "$(sqlite3 "$T/runs_merged.db" "SELECT COUNT(*) FROM run_figure_models")" \
  "$(sqlite3 "$T/runs.db" "SELECT COUNT(*) FROM run_figure_models")" "merge copies run_figure_models"
expect_eq "$(sqlite3 "$DB" "SELECT COUNT(*) FROM run_summary s WHERE abs(large_fraction - (SELECT AVG(route = 'large') FROM queries q
    WHERE q.run_id = s.run_id)) > 1e-12")" "0" "large_fraction over every decided query"

# metrics --what pairs, by hand: four queries; q_small 1 0 0 0, q_large
# 1 1 0 0, q_gpt4 1 1 1 0 (means 0.25, 0.5, 0.75).  always small (0.25)
# recovers 0 of small->large and of small->gpt4 and (0.25 - 0.5) / 0.25 = -1
# of large->gpt4; always large (0.5): 1, 0.5, 0; always gpt4 (0.75): 2, 1, 1.
{
  echo "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark,q_gpt4,p_gpt4"
  echo "1,-1,0,20,2,0.5,1,1,mmlu,1,0.5"
  echo "2,-1,0,20,2,0.5,0,1,mmlu,1,0.5"
  echo "3,-1,0,20,2,0.5,0,0,mmlu,1,0.5"
  echo "4,-1,0,20,2,0.5,0,0,mmlu,0,0.5"
} >"$T/four.csv"
sed -e "s#\"path\": \"mmlu_three.csv\"#\"path\": \"$T/four.csv\"#" "$SRC/scenarios/tiers/mmlu_three_tier.json" >"$T/four.json"
expect_exit 0 "$BIN" run "$T/four.json" -o "$T/four.db" -q --set duration_s=0 \
  --set 'policies=[{"name":"always","model":"small"},{"name":"always","model":"large"},{"name":"always","model":"gpt4"}]'
expect_exit 0 "$BIN" metrics "$T/four.db" --what pairs --format csv
expect_eq "$(awk -F, 'NR > 1 { printf "%s %s>%s %s %s %s|", $3, $4, $5, $7, $8, $11 }' "$T/out")" \
  "always gpt4 small>large 0.25 0.5 2|always gpt4 small>gpt4 0.25 0.75 1|always gpt4 large>gpt4 0.5 0.75 1|always large small>large 0.25 0.5 1|always large small>gpt4 0.25 0.75 0.5|always large large>gpt4 0.5 0.75 0|always small small>large 0.25 0.5 0|always small small>gpt4 0.25 0.75 0|always small large>gpt4 0.5 0.75 -1|" \
  "metrics pairs: the hand-computed PGR of every pair"
# On the three-model run: every policy and pair's PGR is the mean over its
# replications of run_model_pairs' pgr, and a family's APGR is the area under
# (0, 0), its point (strong share, PGR), (1, 1).
expect_exit 0 "$BIN" metrics "$DB" --what pairs --format csv
expect_eq "$(awk -F, 'NR > 1 { printf "%s %s %s %.6e\n", $3, $4, $5, $11 }' "$T/out" | sort)" \
  "$(sqlite3 -separator ' ' "$DB" "SELECT l.label, p.weak_model, p.strong_model, printf('%.6e', AVG(p.pgr)) FROM run_model_pairs p
      JOIN run_label l USING (run_id) GROUP BY l.label, p.weak_model, p.strong_model" | sort)" "metrics pairs: PGR per policy and pair"
expect_eq "$(awk -F, 'NR > 1 && $14 != "" { s = $9; p = $11; a = s * p / 2 + (1 - s) * (p + 1) / 2;
    if ((a - $14) ^ 2 > 1e-16) n++; m++ } END { print n + 0, (m > 0) }' "$T/out")" "0 1" "metrics pairs: APGR of one-point families"
expect_eq "$(awk -F, 'NR > 1 && $3 ~ /^always/ && $14 != "" { n++ } END { print n + 0 }' "$T/out")" "0" \
  "metrics pairs: the always runs are references, no family"

# plot: the models figure's data is the summary's shares and cost per 1,000.
if command -v "${EDGESIM_GNUPLOT:-gnuplot}" >/dev/null; then
  expect_exit 0 "$BIN" plot "$DB" -o "$T/plots" --format svg
  expect_grep '^# series	small	large	gpt4	cost_per_1k' "$T/plots/models.dat"
  expect_eq "$(grep -v '^#' "$T/plots/models.dat" | awk -F'\t' '{ printf "%s %.6e %.6e %.6e %.6e\n", $1, $2, $3, $4, $5 / 1000 }' | sort)" \
    "$(sqlite3 -separator ' ' "$DB" "SELECT label, printf('%.6e %.6e %.6e %.6e', AVG(s_small), AVG(s_large), AVG(s_gpt4), AVG(cost))
        FROM ($per_run) GROUP BY label ORDER BY label")" "plot models: shares and cost per policy"
  expect_grep '<svg' "$T/plots/models.svg"
  # report: the summary has the cost and every model's share, the paired
  # comparison the cost, the figures the models figure.
  expect_exit 0 "$BIN" report "$DB" -o "$T/report.html"
  for th in 'cost (per 1,000 queries)' 'small share (fraction of decided queries)' 'gpt4 share (fraction of decided queries)' '&Delta; cost'; do
    expect_grep "<th>$th</th>" "$T/report.html"
  done
  expect_grep '<figcaption>Figure [0-9]* (models, group 1)' "$T/report.html"
  expect_grep 'paired differences policy &minus; always large' "$T/report.html"
  # and the PGR of every pair: one row per policy and pair, as metrics --what pairs
  expect_grep "RouteLLM's PGR per pair of models" "$T/report.html"
  expect_eq "$(grep -c '^<tr><td>1</td><td class="t">[^<]*</td><td class="t">\(small\|large\)</td><td class="t">\(large\|gpt4\)</td>' "$T/report.html")" \
    "18" "report: six policies times three pairs"
  browser=$(command -v chromium-headless-shell || command -v chromium || true)
  if [ -n "$browser" ]; then # the page as a browser builds it (tests/cli/report.sh checks the rest)
    timeout 180 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
      --user-data-dir="$T/profile" --dump-dom "file://$T/report.html" >"$T/dom.html" 2>/dev/null
    expect_grep '<th>gpt4 share (fraction of decided queries)</th>' "$T/dom.html"
    expect_grep 'Figure [0-9]* (models, group 1)' "$T/dom.html"
  fi
else
  echo "skipped: plot and report (no gnuplot)"
fi

# Two models, no price: summary and compare print what they always did.
expect_exit 0 "$BIN" run "$T/fix.json" -o "$T/two.db" -q --set duration_s=100 --set models.gpt4=null \
  --set 'policies=[{"name":"always-small"},{"name":"quality-latency"}]'
expect_exit 0 "$BIN" summary "$T/two.db" --format csv
expect_eq "$(head -1 "$T/out" | grep -c 'share_\|cost')" "0" "two models: no cost or share columns"
if command -v "${EDGESIM_GNUPLOT:-gnuplot}" >/dev/null; then
  expect_exit 0 "$BIN" plot "$T/two.db" -o "$T/plots2" --format svg
  expect_eq "$(ls "$T/plots2" | grep -c models)" "0" "two models: no models figure"
  expect_eq "$(grep -c models "$T/err")" "0" "two models: no note about it"
fi

finish
