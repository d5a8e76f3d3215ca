-- merge.sql: append the complete runs of the attached database `src` to the
-- main database, renumbering run_id after main's largest (so files written by
-- the tasks of a job array, each numbering its runs from 1, merge into one).
-- Runs still 'running' in src (killed tasks) are not copied, nor runs whose
-- config_hash main already holds complete (the same run merged twice).
-- Use: open OUT (with analysis/schema.sql and views.sql installed), then per
-- input: ATTACH 'IN.db' AS src; BEGIN; <this file>; COMMIT; DETACH src;
-- (analysis/merge.sh does exactly that.)
CREATE TEMP TABLE IF NOT EXISTS merge_map (old_id INTEGER PRIMARY KEY, new_id INTEGER NOT NULL);
DELETE FROM temp.merge_map;
INSERT INTO temp.merge_map (old_id, new_id)
SELECT run_id, (SELECT COALESCE(MAX(run_id), 0) FROM main.runs) + ROW_NUMBER() OVER (ORDER BY run_id)
FROM src.runs r WHERE r.status = 'complete'
  AND NOT EXISTS (SELECT 1 FROM main.runs m WHERE m.config_hash = r.config_hash AND m.status = 'complete');

INSERT INTO main.runs (run_id,
    scenario_name, scenario_json, sweep_index, sweep_point, seed,
    replication, policy, policy_params, policy_derived, version, started_at, wall_s,
    n_queries, n_unstarted, sim_end_s, events, device_busy_frac,
    edge_busy_frac, config_hash, group_key, point_key, config_label, status)
SELECT m.new_id,
    r.scenario_name, r.scenario_json, r.sweep_index, r.sweep_point, r.seed,
    r.replication, r.policy, r.policy_params, r.policy_derived, r.version, r.started_at,
    r.wall_s, r.n_queries, r.n_unstarted, r.sim_end_s, r.events,
    r.device_busy_frac, r.edge_busy_frac, r.config_hash, r.group_key, r.point_key, r.config_label, r.status
FROM src.runs r JOIN temp.merge_map m ON m.old_id = r.run_id
ORDER BY m.new_id;

INSERT INTO main.queries (run_id,
    query_id, dialogue_id, turn, device, distance_m, benchmark, in_tokens,
    out_tokens, out_tokens_pred, context_tokens, cached_tokens,
    recomputed_tokens, route, p_large, q_small, q_large, quality, snr_db,
    snr_avg_db, rate_ul_bps, bytes_up, bytes_down, est_small_s,
    est_large_s, csw_small_s, csw_large_s, switched, t_arr, t_dec,
    t_ul_start, t_ul_end, t_queue_end, t_prefill_end, t_first_token,
    t_decode_end, t_done, latency_s, ttft_s, queue_wait_s, energy_j, edge_server, harq_tx_ul, harq_tx_dl, site, site_done, handovers, kv_action,
    backhaul_s, backhaul_bytes, status)
SELECT m.new_id,
    q.query_id, q.dialogue_id, q.turn, q.device, q.distance_m, q.benchmark,
    q.in_tokens, q.out_tokens, q.out_tokens_pred, q.context_tokens,
    q.cached_tokens, q.recomputed_tokens, q.route, q.p_large, q.q_small,
    q.q_large, q.quality, q.snr_db, q.snr_avg_db, q.rate_ul_bps,
    q.bytes_up, q.bytes_down, q.est_small_s, q.est_large_s, q.csw_small_s,
    q.csw_large_s, q.switched, q.t_arr, q.t_dec, q.t_ul_start, q.t_ul_end,
    q.t_queue_end, q.t_prefill_end, q.t_first_token, q.t_decode_end, q.t_done, q.latency_s,
    q.ttft_s, q.queue_wait_s, q.energy_j, q.edge_server, q.harq_tx_ul, q.harq_tx_dl, q.site, q.site_done, q.handovers,
    q.kv_action, q.backhaul_s, q.backhaul_bytes, q.status
FROM src.queries q JOIN temp.merge_map m ON m.old_id = q.run_id
ORDER BY m.new_id, q.query_id;

INSERT INTO main.run_figures (run_id,
    n, n_small, n_large, mean_latency_s, p50_latency_s, p95_latency_s, p99_latency_s,
    mean_ttft_s, p50_ttft_s, p95_ttft_s, p99_ttft_s, large_fraction, mean_quality,
    mean_energy_j, oracle_quality_gap, quantile_rel_error, n_done, n_outage, n_rejected, n_deadline)
SELECT m.new_id,
    f.n, f.n_small, f.n_large, f.mean_latency_s, f.p50_latency_s, f.p95_latency_s, f.p99_latency_s,
    f.mean_ttft_s, f.p50_ttft_s, f.p95_ttft_s, f.p99_ttft_s, f.large_fraction, f.mean_quality,
    f.mean_energy_j, f.oracle_quality_gap, f.quantile_rel_error, f.n_done, f.n_outage, f.n_rejected, f.n_deadline
FROM src.run_figures f JOIN temp.merge_map m ON m.old_id = f.run_id
ORDER BY m.new_id;

DELETE FROM temp.merge_map;
