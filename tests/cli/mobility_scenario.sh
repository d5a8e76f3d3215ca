#!/usr/bin/env bash
# cli_mobility_scenario: scenarios/mobility/hex7_speed.json (7 hexagonal sites,
# pedestrian to vehicle speeds) runs end to end; every query is served by one
# of the 7 sites; handovers grow with speed; `edgesim plot` draws the speed
# sweep (latency and large-model share against speed) with one point per speed
# for every policy; a bad site list is refused naming the element's key.
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
finish
