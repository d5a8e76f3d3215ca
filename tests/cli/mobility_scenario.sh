#!/usr/bin/env bash
# cli_mobility_scenario: scenarios/mobility/hex7_speed.json (7 hexagonal sites,
# pedestrian to vehicle speeds) runs end to end; every query is served by one
# of the 7 sites; handovers grow with speed; `edgesim plot` draws the speed
# sweep (latency and large-model share against speed) with one point per speed
# for every policy; a bad site list is refused naming the element's key;
# a dialogue's KV stays at its site across a handover (handover.dialogue_kv).
. "$(dirname "$0")/lib.bash"
expect_exit 0 "$BIN" run "$SRC/scenarios/mobility/hex7_speed.json" -o "$T/hex7.db" -q
q() { sqlite3 "$T/hex7.db" "$1"; }
expect_eq "$(q "SELECT COUNT(DISTINCT sweep_index) FROM runs WHERE status = 'complete'")" 4 "four speeds"
expect_eq "$(q "SELECT COUNT(*) FROM queries WHERE site NOT BETWEEN 0 AND 6 OR site_done NOT BETWEEN 0 AND 6")" 0 "sites 0..6"
expect_eq "$(q "SELECT COUNT(DISTINCT site) FROM queries")" 7 "every site serves"
# Handovers per run (always-large, both replications) strictly grow with speed.
expect_eq "$(q "SELECT COUNT(*) FROM (SELECT h, LAG(h) OVER (ORDER BY s) AS prev FROM (SELECT r.sweep_index AS s, SUM(h.handovers) AS h
   FROM run_handovers h JOIN runs r USING (run_id) WHERE r.policy = 'always-large' GROUP BY r.sweep_index)) WHERE prev IS NOT NULL AND h <= prev")" 0 \
  "handovers grow with speed"
expect_eq "$(q "SELECT COUNT(*) FROM run_handovers WHERE site_changed_fraction > handover_fraction + 1e-12")" 0 \
  "a query ends at another site only after a handover"
if command -v "${EDGESIM_GNUPLOT:-gnuplot}" >/dev/null 2>&1; then
  expect_exit 0 "$BIN" plot "$T/hex7.db" -o "$T/plots" -q
  expect_grep "devices.mobility.speed_mps" "$T/plots/sweep.gp"
  # 4 policies x 4 speeds of (speed, large share, latency) rows.
  expect_eq "$(grep -cE '^(1\.5|5|15|30)	' "$T/plots/sweep.dat")" 16 "one point per speed and policy"
  expect_eq "$(head -c 8 "$T/plots/sweep.png" | od -An -c | tr -d ' \n')" '211PNG\r\n032\n' "a PNG"
fi
expect_exit 2 "$BIN" run "$SRC/scenarios/mobility/hex7_speed.json" -o "$T/bad.db" -q --set 'sites=[{},{"x_m":"far"}]' --set site_layout.hex_count=0
expect_grep "sites.1.x_m: expected a number" "$T/err"
# --set reaches a list element by its index (sites.1.x_m), as sweeps do.
expect_exit 2 "$BIN" run "$SRC/scenarios/mobility/hex7_speed.json" -o "$T/bad.db" -q --set 'sites=[{},{"x_m":500}]' --set site_layout.hex_count=0 --set 'sites.1.x_m="far"'
expect_grep "sites.1.x_m: expected a number" "$T/err"
expect_exit 2 "$BIN" run "$SRC/scenarios/mobility/hex7_speed.json" -o "$T/bad.db" -q --set 'sites=[{},{"x_m":500}]' --set site_layout.hex_count=0 --set sites.2.x_m=1
expect_grep "N in 0..1" "$T/err"
# A dialogue driving from site 0 to site 1 keeps its KV at site 0 (stay):
# the SQLite records name the action and the backhaul time of each turn.
{ echo "id,t_arr_s,device,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark,think_s"
  echo "1,1,0,7,1,40,20,0.5,1,1,x,2"
  for i in $(seq 2 30); do echo "$i,,0,7,$i,40,20,0.5,1,1,x,2"; done; } >"$T/kv.csv"
cat >"$T/kv.json" <<JSON
{"trace": {"path": "$T/kv.csv"}, "devices": {"count": 1, "distances_m": [100],
 "mobility": {"model": "constant-velocity", "speed_mps": 15, "area_m": [-10000, -10000, 10000, 10000]}},
 "sites": [{}, {"x_m": 1000}], "handover": {"dialogue_kv": "stay"}, "policy": {"name": "always-large"}}
JSON
expect_exit 0 "$BIN" run "$T/kv.json" -o "$T/kv.db" -q
k() { sqlite3 "$T/kv.db" "$1"; }
expect_eq "$(k "SELECT COUNT(*) FROM queries WHERE site = 1 AND (kv_action IS NOT 'stay' OR edge_server != 0 OR backhaul_s <= 0.015)")" 0 "stay after the handover"
expect_eq "$(k "SELECT COUNT(*) > 5 FROM queries WHERE kv_action = 'stay'") $(k "SELECT COUNT(*) FROM queries WHERE site = 0 AND kv_action IS NOT NULL")" "1 0" "kv_action only after it"
expect_eq "$(k "SELECT h.kv_actions = (SELECT COUNT(*) FROM queries WHERE kv_action = 'stay'),
   ABS(h.mean_backhaul_s - (SELECT AVG(backhaul_s) FROM queries WHERE kv_action = 'stay')) < 1e-12 FROM run_handovers h")" "1|1" "run_handovers counts them"
# The writer inserts without evaluating CHECK constraints (sink_sqlite.c);
# integrity_check evaluates them on every row (kv_action's name list).
expect_eq "$(k "PRAGMA integrity_check")" ok "the rows satisfy the schema's CHECK constraints"
expect_exit 2 "$BIN" run "$T/kv.json" -o "$T/kv2.db" -q --set handover.dialogue_kv=move
expect_grep "handover.dialogue_kv" "$T/err"
finish
