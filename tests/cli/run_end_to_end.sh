#!/usr/bin/env bash
# `edgesim run` end to end on real files: the database, reruns, policies,
# overrides, sweeps and the summary.
. "$(dirname "$0")/lib.bash"

# A small trace and scenario of our own.
write_trace "$T/trace.csv" 300
cat >"$T/s.json" <<JSON
{ "name": "cli", "seed": 5,
  "trace": { "path": "trace.csv", "arrival": { "process": "poisson", "rate_per_s": 4 } },
  "devices": { "count": 4 },
  "policies": [ { "name": "always-small" }, { "name": "always-large" }, { "name": "quality-latency" } ] }
JSON

expect_exit 0 "$BIN" --help
expect_grep "Exit codes" "$T/out"
expect_exit 0 "$BIN" --version
expect_grep "edgesim " "$T/out"
expect_exit 0 "$BIN" run --help
expect_grep "sweep-index" "$T/out"
expect_exit 0 "$BIN" help run
expect_exit 2 "$BIN" frobnicate
expect_exit 2 "$BIN"

expect_exit 0 "$BIN" run "$T/s.json" -o "$T/a.db"
expect_grep "quality-latency" "$T/out"           # the summary table
expect_eq "$(sqlite3 "$T/a.db" "SELECT COUNT(*) FROM runs WHERE status='complete'")" 3 "complete runs"
expect_eq "$(sqlite3 "$T/a.db" "SELECT COUNT(*) FROM queries")" 900 "query rows"
expect_eq "$(sqlite3 "$T/a.db" "SELECT COUNT(DISTINCT query_id) FROM queries")" 300 "distinct queries"
# Every column of MODEL.md section 8.
cols=$(sqlite3 "$T/a.db" "SELECT group_concat(name, ' ') FROM pragma_table_info('queries')")
for c in run_id query_id dialogue_id turn device distance_m benchmark in_tokens out_tokens context_tokens \
         cached_tokens recomputed_tokens route p_large q_small q_large quality snr_db snr_avg_db rate_ul_bps \
         bytes_up bytes_down est_small_s est_large_s switched t_arr t_dec t_ul_start t_ul_end t_queue_end \
         t_prefill_end t_first_token t_done latency_s ttft_s queue_wait_s energy_j; do
  case " $cols " in *" $c "*) ok ;; *) bad "queries has no column $c" ;; esac
done
rcols=$(sqlite3 "$T/a.db" "SELECT group_concat(name, ' ') FROM pragma_table_info('runs')")
for c in run_id scenario_name scenario_json seed replication policy policy_params version started_at wall_s n_queries status; do
  case " $rcols " in *" $c "*) ok ;; *) bad "runs has no column $c" ;; esac
done
# NULL where a step did not happen: small routes have no uplink.
expect_eq "$(sqlite3 "$T/a.db" "SELECT COUNT(*) FROM queries q JOIN runs r USING(run_id) WHERE r.policy='always-small' AND t_ul_start IS NOT NULL")" 0 "no uplink on small routes"
expect_eq "$(sqlite3 "$T/a.db" "SELECT COUNT(*) FROM queries q JOIN runs r USING(run_id) WHERE r.policy='always-large' AND (t_ul_end IS NULL OR t_ul_end < t_ul_start)")" 0 "uplink on large routes"
# Time stamps are ordered.
expect_eq "$(sqlite3 "$T/a.db" "SELECT COUNT(*) FROM queries WHERE NOT (t_arr <= t_dec AND t_dec <= t_queue_end AND t_queue_end <= t_prefill_end AND t_first_token <= t_done AND abs(latency_s - (t_done - t_arr)) < 1e-12)")" 0 "ordered time stamps"
# The resolved scenario is stored and parses as JSON.
expect_eq "$(sqlite3 "$T/a.db" "SELECT json_extract(scenario_json, '$.devices.count') FROM runs LIMIT 1")" 4 "resolved scenario"
expect_eq "$(sqlite3 "$T/a.db" "SELECT json_extract(scenario_json, '$.channel.access_s') FROM runs LIMIT 1")" 0.005 "defaults resolved"
# Same seed, same records; paired arrivals across policies; different latencies.
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/b.db" -q
q="SELECT r.policy, query_id, device, route, t_arr, t_done, snr_db FROM queries JOIN runs r USING(run_id) ORDER BY r.policy, query_id"
expect_eq "$(sqlite3 "$T/a.db" "$q" | md5sum)" "$(sqlite3 "$T/b.db" "$q" | md5sum)" "rerun identical"
expect_eq "$(sqlite3 "$T/a.db" "SELECT COUNT(*) FROM queries s JOIN queries l ON s.query_id = l.query_id WHERE s.run_id = 1 AND l.run_id = 2 AND (s.t_arr != l.t_arr OR s.device != l.device)")" 0 "same arrivals"
expect_eq "$(sqlite3 "$T/a.db" "SELECT COUNT(*) > 290 FROM queries s JOIN queries l ON s.query_id = l.query_id WHERE s.run_id = 1 AND l.run_id = 2 AND s.latency_s != l.latency_s")" 1 "different latencies"
# The quality-latency rule holds on every record (MODEL.md section 5).
expect_eq "$(sqlite3 "$T/a.db" "SELECT COUNT(*) FROM queries q JOIN runs r USING(run_id) WHERE r.policy = 'quality-latency' AND (q.route = 'large') != (q.p_large - json_extract(r.policy_params, '$.alpha') * (q.est_large_s - q.est_small_s) > json_extract(r.policy_params, '$.theta'))")" 0 "quality-latency rule"

# Overrides, policy selection, seeds, appending.
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/a.db" -q --policy always-large --seed 9 --set devices.count=2 --set name=other
expect_eq "$(sqlite3 "$T/a.db" "SELECT COUNT(*) || ' ' || MAX(seed) || ' ' || MAX(json_extract(scenario_json, '$.devices.count')) FROM runs WHERE scenario_name='other'")" "1 9 2" "override run"
expect_eq "$(sqlite3 "$T/a.db" "SELECT COUNT(*) FROM runs")" 4 "appended"
expect_eq "$(sqlite3 "$T/a.db" "SELECT MAX(device) FROM queries WHERE run_id = 4")" 1 "devices.count=2"

# Sweeps and replications: grid size, one point, all points.
cat >"$T/sweep.json" <<JSON
{ "trace": { "path": "trace.csv" }, "devices": { "count": 2 }, "replications": 2,
  "policy": { "name": "always-large" },
  "sweep": { "trace.arrival.rate_per_s": [1, 8], "channel.uplink.bandwidth_hz": [5e6, 10e6, 20e6] } }
JSON
expect_exit 0 "$BIN" run "$T/sweep.json" --points
expect_eq "$(cat "$T/out")" 6 "sweep points"
expect_exit 0 "$BIN" run "$T/sweep.json" --sweep-index 4 -o "$T/sw.db" -q
expect_eq "$(sqlite3 "$T/sw.db" "SELECT COUNT(*) || ' ' || MIN(sweep_index) || ' ' || group_concat(DISTINCT replication) FROM runs")" "2 4 0,1" "one point, two replications"
expect_eq "$(sqlite3 "$T/sw.db" "SELECT json_extract(sweep_point, '$.\"trace.arrival.rate_per_s\"') || ' ' || json_extract(scenario_json, '$.channel.uplink.bandwidth_hz') FROM runs LIMIT 1")" "8 10000000" "point 4 = rate 8, 10 MHz"
expect_exit 2 "$BIN" run "$T/sweep.json" --sweep-index 6 -o "$T/sw.db"
expect_exit 0 "$BIN" run "$T/sweep.json" --check
expect_exit 0 "$BIN" run "$T/sweep.json" -o "$T/all.db" -q
expect_eq "$(sqlite3 "$T/all.db" "SELECT COUNT(*) FROM runs WHERE status = 'complete'")" 12 "whole sweep"
# Replications differ, sweep points with more bandwidth are faster.
expect_eq "$(sqlite3 "$T/all.db" "SELECT COUNT(DISTINCT mean_latency_s) FROM run_summary")" 12 "distinct runs"
expect_exit 0 "$BIN" summary "$T/all.db"
expect_grep "always-large" "$T/out"

# A calibrated policy: parameters identical across replications, what
# calibration derived recorded beside them.
printf '{ "trace": { "path": "trace.csv" }, "devices": { "count": 2 }, "replications": 2, "policy": { "name": "score-threshold", "target_large_fraction": 0.3 } }' >"$T/cal.json"
expect_exit 0 "$BIN" run "$T/cal.json" -o "$T/cal.db" -q
expect_eq "$(sqlite3 "$T/cal.db" "SELECT COUNT(DISTINCT policy_params) FROM runs")" 1 "one parameter set"
expect_eq "$(sqlite3 "$T/cal.db" "SELECT DISTINCT json_extract(policy_derived, '$.threshold_used') FROM runs")" 0.6 "calibrated threshold"
expect_eq "$(sqlite3 "$T/cal.db" "SELECT printf('%.3f', large_fraction) FROM run_summary LIMIT 1")" 0.300 "30% large"
expect_eq "$(sqlite3 "$T/cal.db" "SELECT n_runs FROM policy_summary")" 2 "replications pooled"

# Sweeping a policy parameter: one run per value, parameters recorded.
cat >"$T/alpha.json" <<JSON
{ "trace": { "path": "trace.csv" }, "devices": { "count": 2 },
  "policy": { "name": "quality-latency", "theta": 0.4 },
  "sweep": { "policy.alpha": [0, 0.5, 50] } }
JSON
expect_exit 0 "$BIN" run "$T/alpha.json" -o "$T/alpha.db" -q
expect_eq "$(sqlite3 "$T/alpha.db" "SELECT group_concat(json_extract(policy_params, '$.alpha') || '/' || json_extract(policy_params, '$.theta'), ' ') FROM (SELECT policy_params FROM runs ORDER BY sweep_index)")" "0/0.4 0.5/0.4 50/0.4" "alpha swept, theta kept"
expect_eq "$(sqlite3 "$T/alpha.db" "SELECT COUNT(DISTINCT large_fraction) FROM run_summary")" 3 "alpha changes routing"
sed 's/"policy.alpha": \[0, 0.5, 50\]/"policies.3.alpha": [1]/' "$T/alpha.json" >"$T/alpha_bad.json"
expect_exit 2 "$BIN" run "$T/alpha_bad.json" -o "$T/alpha_bad.db"
expect_grep "policies.N.KEY" "$T/err"
sed 's/"policy.alpha": \[0, 0.5, 50\]/"policy.alpha": [0.1, -3]/' "$T/alpha.json" >"$T/alpha_bad2.json"
expect_exit 2 "$BIN" run "$T/alpha_bad2.json" -o "$T/alpha_bad2.db"
expect_grep "alpha" "$T/err"
[ ! -e "$T/alpha_bad2.db" ] && ok || bad "a bad sweep value started runs"

# Merging the databases of separate jobs (one per sweep point, as a job array
# would write them): renumbered runs, every record, no 'running' run copied.
for i in 0 1 2; do "$BIN" run "$T/sweep.json" --sweep-index $i -o "$T/job$i.db" -q; done
expect_exit 0 "$BIN" merge -o "$T/merged.db" "$T/job0.db" "$T/job1.db" "$T/job2.db"
expect_eq "$(sqlite3 "$T/merged.db" "SELECT COUNT(*) || ' ' || COUNT(DISTINCT run_id) || ' ' || group_concat(DISTINCT sweep_index) FROM runs")" "6 6 0,1,2" "merged runs"
expect_eq "$(sqlite3 "$T/merged.db" "SELECT COUNT(*) FROM queries")" "$(( $(sqlite3 "$T/job0.db" "SELECT COUNT(*) FROM queries") * 3 ))" "merged records"
expect_eq "$(sqlite3 "$T/merged.db" "SELECT group_concat(mean_latency_s) FROM (SELECT mean_latency_s FROM run_summary ORDER BY sweep_index, replication)")" \
          "$(sqlite3 "$T/all.db" "SELECT group_concat(mean_latency_s) FROM (SELECT mean_latency_s FROM run_summary WHERE sweep_index < 3 ORDER BY sweep_index, replication)")" "merged = run together"
expect_exit 3 "$BIN" merge -o "$T/merged.db" "$T/nothere.db"
expect_exit 3 "$BIN" merge "$T/merged.db" "$T/trace.csv"
expect_exit 2 "$BIN" merge -o "$T/merged.db"
expect_exit 2 "$BIN" merge "$T/merged.db" "$T/merged.db"

# Checking a channel configuration against its closed forms.
expect_exit 0 "$BIN" channel "$T/s.json" --blocks 20000 --set devices.count=3
expect_grep "outage_cf" "$T/out"
worst=$(sed -n 's/.*worst |outage - outage_cf| = \([0-9.e-]*\), worst |rate \/ rate_cf - 1| = \([0-9.e-]*\).*/\1 \2/p' "$T/out")
expect_eq "$(echo "$worst" | awk '{print ($1 < 0.03 && $2 < 0.05) ? "close" : "far: " $0}')" close "channel vs closed forms"
expect_exit 2 "$BIN" channel "$T/s.json" --blocks many
expect_exit 2 "$BIN" channel

# Listing commands.
expect_exit 0 "$BIN" keys
expect_grep "channel.fading.doppler_hz" "$T/out"
expect_exit 0 "$BIN" policies
expect_grep "quality-latency" "$T/out"
expect_exit 0 "$BIN" profiles
finish
