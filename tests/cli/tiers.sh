#!/usr/bin/env bash
# N models on device, edge and cloud tiers (docs/MODEL.md "Tiers"): a
# three-model run routes to every tier; every cloud record's WAN legs and
# every record's price follow their formulas; query_models holds one row per
# query and model; bad combinations are refused by name.  With the shared
# data, the same on the imported MMLU trace (Llama-2-7B, Mixtral, GPT-4).
. "$(dirname "$0")/lib.bash"

RTT=0.08 BW=1e9 PIN=10 POUT=30 HDR=256 BPT=4
scenario() { # FILE TRACE: the three-tier scenario on TRACE
  sed -e "s#\"path\": \"mmlu_three.csv\"#\"path\": \"$2\"#" "$SRC/scenarios/tiers/mmlu_three_tier.json" >"$1"
}

# checks DB WHAT: the per-record formulas and the routing of quality-latency.
checks() {
  local db=$1 what=$2
  expect_eq "$(sqlite3 "$db" "SELECT group_concat(tier, ',') FROM (SELECT DISTINCT q.tier FROM queries q JOIN runs r USING (run_id)
      WHERE r.policy = 'quality-latency' ORDER BY q.tier)")" "cloud,device,edge" "$what: quality-latency routes to all three tiers"
  expect_eq "$(sqlite3 "$db" "SELECT group_concat(route || ':' || tier, ',') FROM (SELECT DISTINCT route, tier FROM queries ORDER BY route)")" \
    "gpt4:cloud,large:edge,small:device" "$what: route names their model, tier its tier"
  # WAN: request leg rtt/2 + 8*bytes_up/bw, and the cloud admits it no earlier
  # than it arrives (t_queue_end - queue_wait_s = t_ul_end + wan_up_s, 1 ns
  # rounding); first-token leg rtt/2 + 8*(header + one token)/bw, and the
  # first token reaches the device after the leg and the radio access.
  expect_eq "$(sqlite3 "$db" "SELECT COUNT(*) FROM queries WHERE tier = 'cloud' AND (
        abs(wan_up_s - ($RTT/2 + 8*bytes_up/$BW)) > 1e-12
     OR abs((t_queue_end - queue_wait_s) - (t_ul_end + wan_up_s)) > 2e-9
     OR abs(wan_down_s - ($RTT/2 + 8*($HDR + $BPT)/$BW)) > 1e-12
     OR t_first_token < t_prefill_end + wan_down_s - 1e-9)")" "0" "$what: every cloud record follows the WAN formulas"
  expect_eq "$(sqlite3 "$db" "SELECT COUNT(*) > 0 FROM queries WHERE tier = 'cloud'")" "1" "$what: cloud records exist"
  expect_eq "$(sqlite3 "$db" "SELECT COUNT(*) FROM queries WHERE tier != 'cloud' AND (wan_up_s IS NOT NULL OR wan_down_s IS NOT NULL)")" \
    "0" "$what: no WAN legs off the cloud"
  # Price: ((history + input) * price_in + output * price_out) / 1e6 on the cloud, 0 elsewhere.
  expect_eq "$(sqlite3 "$db" "SELECT COUNT(*) FROM queries WHERE abs(cost - CASE WHEN tier = 'cloud'
      THEN ((context_tokens + in_tokens) * $PIN + out_tokens * $POUT) / 1e6 ELSE 0 END) > 1e-15")" "0" \
    "$what: every record's cost follows the price formula"
  expect_eq "$(sqlite3 "$db" "SELECT (SELECT COUNT(*) FROM query_models) = 3 * (SELECT COUNT(*) FROM queries)")" "1" \
    "$what: query_models has every model of every query"
  expect_eq "$(sqlite3 "$db" "SELECT COUNT(*) FROM queries q JOIN query_models m USING (run_id, query_id)
      WHERE m.model = q.route AND NOT (m.q IS q.quality)")" "0" "$what: the routed model's q is the record's quality"
  # Views over N models: three pairs per run; every model's routed count.
  expect_eq "$(sqlite3 "$db" "SELECT MIN(c) || ',' || MAX(c) FROM (SELECT COUNT(*) AS c FROM run_model_pairs GROUP BY run_id)")" \
    "3,3" "$what: run_model_pairs has the three pairs of every run"
  expect_eq "$(sqlite3 "$db" "SELECT COUNT(*) FROM (SELECT run_id, SUM(n_routed) AS s, MAX(n_routed + 0) FROM run_models GROUP BY run_id) x
      WHERE s != (SELECT COUNT(*) FROM queries q WHERE q.run_id = x.run_id)")" "0" "$what: run_models counts every query once"
  # The oracle over three models: no policy beats its quality.
  expect_eq "$(sqlite3 "$db" "SELECT COUNT(*) FROM (SELECT r.policy, r.policy_params, AVG(q.quality) AS mq FROM queries q
      JOIN runs r USING (run_id) GROUP BY r.run_id) WHERE mq > (SELECT AVG(q.quality) FROM queries q JOIN runs r
      USING (run_id) WHERE r.policy = 'oracle') + 1e-12")" "0" "$what: the oracle bounds every policy's quality"
}

# 1. A fixture trace with a GPT-4 column (always run).
{
  echo "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark,q_gpt4,p_gpt4"
  for i in $(seq 1 400); do
    echo "$i,-1,0,$((20 + i % 200)),$((1 + i % 30)),0.$((i % 10)),$((i % 3 == 0)),$((i % 2)),mmlu,$((i % 5 != 0)),0.$(((i * 7) % 10))"
  done
} >"$T/fix.csv"
scenario "$T/fix.json" "$T/fix.csv"
expect_exit 0 "$BIN" run "$T/fix.json" -o "$T/fix.db" -q --set duration_s=200
checks "$T/fix.db" "fixture"
# merge carries query_models
expect_exit 0 "$BIN" merge -o "$T/merged.db" "$T/fix.db" -q
checks "$T/merged.db" "merged"

# Dialogues over three models (context-aware): every model keeps its own KV;
# a turn that moves to the cloud uploads the history the cloud has not seen
# over the radio and the WAN, and recomputes it there.
{
  echo "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark,q_gpt4,p_gpt4"
  id=0
  for d in $(seq 1 60); do
    for t in 1 2 3; do
      id=$((id + 1))
      echo "$id,$d,$t,$((10 + (id * 7) % 90)),$((5 + (id * 11) % 60)),0.$(((id * 3) % 10)),$((id % 3 == 0)),$((id % 2)),mtbench101,$((id % 5 != 0)),0.$(((id * 7) % 10))"
    done
  done
} >"$T/dlg.csv"
scenario "$T/dlg.json" "$T/dlg.csv"
expect_exit 0 "$BIN" run "$T/dlg.json" -o "$T/dlg.db" -q --set duration_s=0 --set trace.think_s=2 \
  --set 'policies=[{"name":"context-aware","alpha":0.05,"theta":0.3}]'
checks_dlg() {
  expect_eq "$(sqlite3 "$T/dlg.db" "SELECT COUNT(DISTINCT tier) FROM queries")" "3" "dialogues: three tiers"
  # First visit of a dialogue to the cloud after turn 1: the whole history goes up and is prefilled.
  local first="FROM queries q WHERE q.tier = 'cloud' AND q.turn > 1 AND NOT EXISTS (SELECT 1 FROM queries p
      WHERE p.run_id = q.run_id AND p.dialogue_id = q.dialogue_id AND p.turn < q.turn AND p.tier = 'cloud')"
  expect_eq "$(sqlite3 "$T/dlg.db" "SELECT COUNT(*) > 0 $first")" "1" "dialogues: turns that move to the cloud"
  expect_eq "$(sqlite3 "$T/dlg.db" "SELECT COUNT(*) $first AND (bytes_up != $HDR + $BPT * (in_tokens + context_tokens)
      OR recomputed_tokens != context_tokens OR abs(wan_up_s - ($RTT/2 + 8*bytes_up/$BW)) > 1e-12)")" "0" \
    "dialogues: a move to the cloud uploads and recomputes the whole history, across the WAN"
  expect_eq "$(sqlite3 "$T/dlg.db" "SELECT COUNT(*) FROM queries WHERE tier = 'device' AND bytes_up != 0")" "0" \
    "dialogues: device turns upload nothing"
}
checks_dlg

# The cloud API's replicas (models.gpt4.replicas = 64 in the scenario): with
# its one-second TTFT floor, no cloud query waits for another; with one
# replica, prefill iterations of one second serialise and queries wait.
expect_exit 0 "$BIN" run "$T/fix.json" -o "$T/api.db" -q --set duration_s=200 --set 'policies=[{"name":"always","model":"gpt4"}]'
expect_eq "$(sqlite3 "$T/api.db" "SELECT COUNT(*) > 100, SUM(queue_wait_s > 1e-9) FROM queries")" "1|0" "64 API replicas: no cloud query waits"
expect_exit 0 "$BIN" run "$T/fix.json" -o "$T/api1.db" -q --set duration_s=200 --set models.gpt4.replicas=1 \
  --set 'policies=[{"name":"always","model":"gpt4"}]'
expect_eq "$(sqlite3 "$T/api1.db" "SELECT SUM(queue_wait_s > 0.1) > 10 FROM queries")" "1" "one API replica: queries wait"
expect_exit 2 "$BIN" run "$T/fix.json" -o "$T/rep.db" -q --set models.large.replicas=2
expect_grep 'models.large.replicas: applies to cloud-tier models only' "$T/err"

# device.memory "one" (docs/MODEL.md "Several models on a device"): two
# phone models share each device's memory; on every device, in service
# order, a query pays its model's load_s exactly when the model differs from
# the one before it (at first: small), services never overlap, and
# t_queue_end = t_dec + queue_wait_s + load_s; other tiers have no load_s.
{
  echo "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark,q_phone2,p_phone2"
  for i in $(seq 1 300); do
    echo "$i,-1,0,$((20 + (i * 37) % 300)),$((1 + (i * 13) % 40)),0.$((i % 10)),$((i % 3 == 0)),$((i % 5 == 0)),mmlu,$((i % 2)),0.$(((i * 7) % 10))"
  done
} >"$T/mem.csv"
cat >"$T/mem.json" <<EOF
{"seed": 5, "trace": {"path": "$T/mem.csv", "arrival": {"process": "poisson", "rate_per_s": 3}},
 "devices": {"count": 4}, "device": {"memory": "one"},
 "models": {"small": {"load_s": 1.5},
            "phone2": {"tier": "device", "preset": "llama3.2-1b-int4-phone", "max_batch": 1, "load_s": 0.8}},
 "policies": [{"name": "oracle"}, {"name": "quality-latency", "alpha": 0.05, "theta": 0.1}]}
EOF
expect_exit 0 "$BIN" run "$T/mem.json" -o "$T/mem.db" -q
mem_order="SELECT run_id, device, route, tier, load_s, queue_wait_s, t_dec, t_queue_end, t_done,
      LAG(route, 1, 'small') OVER w AS prev_route, LAG(t_done) OVER w AS prev_done
    FROM queries WHERE tier = 'device' WINDOW w AS (PARTITION BY run_id, device ORDER BY t_queue_end)"
expect_eq "$(sqlite3 "$T/mem.db" "SELECT COUNT(*) > 100, SUM(load_s > 0) > 10, SUM(load_s = 0) > 10 FROM queries WHERE tier = 'device'")" \
  "1|1|1" "device.memory one: device queries, some swapping models, some not"
expect_eq "$(sqlite3 "$T/mem.db" "SELECT COUNT(*) FROM ($mem_order) WHERE
      load_s != CASE WHEN route = prev_route THEN 0 WHEN route = 'small' THEN 1.5 ELSE 0.8 END
   OR t_queue_end - load_s < prev_done - 1e-9
   OR abs(t_queue_end - (t_dec + queue_wait_s + load_s)) > 1e-9")" "0" \
  "device.memory one: a load exactly at each change of model, one query at a time, t_queue_end = t_dec + wait + load"
expect_eq "$(sqlite3 "$T/mem.db" "SELECT COUNT(*) FROM queries WHERE tier != 'device' AND load_s IS NOT NULL")" "0" \
  "device.memory one: no load_s off the device"
expect_eq "$(sqlite3 "$T/mem.db" "SELECT COUNT(DISTINCT route) FROM queries q JOIN runs r USING (run_id) WHERE r.policy = 'oracle'")" \
  "3" "device.memory one: the oracle uses both phone models and the edge"
# "all": each model serves its own queue, nothing loads.
expect_exit 0 "$BIN" run "$T/mem.json" -o "$T/memall.db" -q --set device.memory=all
expect_eq "$(sqlite3 "$T/memall.db" "SELECT COUNT(load_s) FROM queries")" "0" "device.memory all: no load_s"
expect_exit 2 "$BIN" run "$T/mem.json" -o "$T/membad.db" -q --set device.memory=two
expect_grep 'device.memory' "$T/err"
expect_exit 2 "$BIN" run "$T/mem.json" -o "$T/membad.db" -q --set models.large.load_s=1
expect_grep 'models.large.load_s: applies to device-tier models only' "$T/err"

# A trace without the third model's quality is refused, naming the column.
write_trace "$T/two.csv" 20
scenario "$T/two.json" "$T/two.csv"
expect_exit 3 "$BIN" run "$T/two.json" -o "$T/two.db" -q
expect_grep "no column q_gpt4 for model gpt4" "$T/err"
# A two-model policy with three models is refused.
expect_exit 2 "$BIN" run "$T/fix.json" -o "$T/pair.db" -q --set 'policies=[{"name":"score-threshold"}]'
expect_grep "score-threshold routes between exactly two models" "$T/err"
# Two models: no query_models rows, routes small and large.
expect_exit 0 "$BIN" run "$T/fix.json" -o "$T/pairok.db" -q --set models.gpt4=null --set 'policies=[{"name":"quality-latency"}]'
expect_eq "$(sqlite3 "$T/pairok.db" "SELECT COUNT(*) FROM query_models")" "0" "two models: no query_models rows"
expect_eq "$(sqlite3 "$T/pairok.db" "SELECT group_concat(route) FROM (SELECT DISTINCT route FROM queries ORDER BY route)")" \
  "large,small" "two models: small and large"
expect_eq "$(sqlite3 "$T/pairok.db" "SELECT COUNT(*) FROM run_routing a JOIN run_model_pairs b USING (run_id)
    WHERE b.weak_model = 'small' AND abs(a.pgr - b.pgr) < 1e-12")" "1" "two models: the pair's pgr is run_routing's"

# {"name": "always", "model": NAME}: by name, or refused naming the models.
expect_exit 0 "$BIN" run "$T/fix.json" -o "$T/named.db" -q --set 'policies=[{"name":"always","model":"gpt4"}]'
expect_eq "$(sqlite3 "$T/named.db" "SELECT group_concat(DISTINCT route) || ' ' || (SELECT policy_params FROM runs) FROM queries")" \
  'gpt4 {"name":"always","model":2}' "always by model name"
expect_exit 2 "$BIN" run "$T/fix.json" -o "$T/named2.db" -q --set 'policies=[{"name":"always","model":"gpt5"}]'
expect_grep 'policies\[0\].model: expected one of the scenario.s models (small, large, gpt4), found "gpt5"' "$T/err"

# An old plug-in (policy API version 1) loads: it runs with two models and is
# refused with three.
V1=${EDGESIM_PLUGIN_DIR:-$(dirname "$BIN")/plugins}/v1_score.so
expect_exit 0 "$BIN" run "$T/fix.json" -o "$T/v1.db" -q --policy-plugin "$V1" --set models.gpt4=null \
  --set 'policies=[{"name":"v1-score"}]'
expect_eq "$(sqlite3 "$T/v1.db" "SELECT COUNT(DISTINCT route) FROM queries")" "2" "a version-1 plug-in routes between two models"
expect_exit 2 "$BIN" run "$T/fix.json" -o "$T/v1b.db" -q --policy-plugin "$V1" --set 'policies=[{"name":"v1-score"}]'
expect_grep "v1-score routes between exactly two models (policy API version 1), the scenario has 3" "$T/err"

# 2. The imported MMLU data (three models), when the shared data is here.
D=${EDGESIM_SHARED_DATA:-}
if [ -f "$D/derived/mmlu_calib.tsv" ]; then
  expect_exit 0 "$BIN" trace import mmlu "$D/derived/mmlu_calib.tsv" --weak three -o "$T/mmlu3.csv"
  expect_eq "$(head -1 "$T/mmlu3.csv")" "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark,q_gpt4,p_gpt4" \
    "the three-model import's columns"
  expect_eq "$(($(wc -l <"$T/mmlu3.csv") - 1))" "12343" "every question with a Llama-2-7B result"
  # docs/TRACES.md's 2x2x2 table is the script's output.
  bash "$SRC/scenarios/tiers/mmlu_joint.sh" "$BIN" "$D" >"$T/joint.md"
  awk '/<!-- mmlu-joint begin -->/{f=1; next} /<!-- mmlu-joint end -->/{f=0} f' "$SRC/docs/TRACES.md" >"$T/joint_doc.md"
  if diff -u "$T/joint_doc.md" "$T/joint.md" >"$T/joint.diff"; then ok; else bad "docs/TRACES.md's MMLU 2x2x2 table differs from scenarios/tiers/mmlu_joint.sh:"; head "$T/joint.diff" >&2; fi
  # docs/RESULTS.md's three-tier section is the script's output.
  bash "$SRC/scenarios/tiers/results_table.sh" "$BIN" "$D" >"$T/tiers.md"
  sed -n '/^<!-- results:tiers:begin -->$/,/^<!-- results:tiers:end -->$/p' "$SRC/docs/RESULTS.md" >"$T/tiers_doc.md"
  if diff -u "$T/tiers_doc.md" "$T/tiers.md" >"$T/tiers.diff"; then ok; else bad "docs/RESULTS.md's three-tier section differs from scenarios/tiers/results_table.sh:"; head "$T/tiers.diff" >&2; fi
  scenario "$T/mmlu.json" "$T/mmlu3.csv"
  expect_exit 0 "$BIN" run "$T/mmlu.json" -o "$T/mmlu.db" -q --set duration_s=300
  checks "$T/mmlu.db" "MMLU"
else
  echo "skipped: the imported MMLU run (EDGESIM_SHARED_DATA has no derived/mmlu_calib.tsv)"
fi
finish
