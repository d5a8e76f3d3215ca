-- edgesim views over complete runs (installed into every results database).
-- Percentiles are nearest-rank: the value at rank ceil(p * n).

-- run_identity: what a run is (docs/ANALYSIS.md, "Run identity").  This view
-- is the one place the rest of the analysis (views and commands) learns run
-- identity from.  The keys are the SHA-256 digests `edgesim run` stores with
-- every run (sim/run/identity.h):
--   scenario_key = runs.point_key: the resolved scenario (after overrides and
--                  the sweep point; the trace by its contents) without seed,
--                  replication, replications, description and policy, plus
--                  its name, sweep point and the version: runs with equal
--                  scenario_key ran the same configuration apart from the
--                  policy (same seed and replication: the same randomness);
--   group_key    = scenario_key plus the policy and its parameters: the
--                  replications of one configuration;
--   config_key   = runs.config_hash: group_key plus seed and replication;
--                  equal config_key means the same run (a unique index keeps
--                  one complete run per config_hash in a file).
--   settings     = the scenario JSON the label of scenario_group reads
--                  (the same keys left out), not an identity.
CREATE VIEW IF NOT EXISTS run_identity AS
SELECT run_id, point_key AS scenario_key, group_key, config_hash AS config_key,
       json_set(json_remove(CASE WHEN json_valid(scenario_json) THEN scenario_json ELSE '{}' END,
                            '$.seed', '$.replication', '$.replications', '$.description', '$.policy'),
                '$.name', scenario_name, '$.version', version) AS settings
FROM runs WHERE status = 'complete';

-- run_unique: one run per config_key (the first stored), so a run stored
-- twice (the same command run twice, a database merged into itself) is
-- counted once by every view below.
CREATE VIEW IF NOT EXISTS run_unique AS
SELECT MIN(run_id) AS run_id FROM run_identity GROUP BY config_key;

-- scenario_group: one row per distinct scenario_key (a "group"), numbered in
-- the order of its first run, with a label naming what distinguishes it from
-- the other groups of the database: scenario_name, then every scenario key
-- whose value differs between groups, as key=value (`devices.count=50`).
CREATE VIEW IF NOT EXISTS scenario_group AS
WITH g AS (
    SELECT i.scenario_key, MIN(i.run_id) AS first_run_id, MIN(i.settings) AS settings
    FROM run_identity i JOIN run_unique u ON u.run_id = i.run_id
    GROUP BY i.scenario_key
),
leaves AS (
    SELECT g.scenario_key, replace(substr(j.fullkey, 3), '"', '') AS path, COALESCE(CAST(j.atom AS TEXT), 'null') AS value
    FROM g, json_tree(g.settings) j
    WHERE j.type NOT IN ('object', 'array')
),
differing AS (
    SELECT path FROM leaves GROUP BY path
    HAVING COUNT(DISTINCT value) > 1 OR COUNT(*) < (SELECT COUNT(*) FROM g)
)
SELECT ROW_NUMBER() OVER (ORDER BY g.first_run_id) AS group_index,
       g.scenario_key, r.scenario_name,
       r.scenario_name || COALESCE(' ' || (
           SELECT group_concat(path || '=' || value, ' ')
           FROM (SELECT l.path, l.value FROM leaves l JOIN differing d ON d.path = l.path
                 WHERE l.scenario_key = g.scenario_key ORDER BY l.path)), '') AS group_label
FROM g JOIN runs r ON r.run_id = g.first_run_id;

-- run_summary: per run, n = every record and n_<status> the records of each
-- status (docs/MODEL.md, "Outcomes"); latency, TTFT, quality, energy and the
-- oracle gap are over the `done` queries only; large_fraction is the share
-- of the queries the router decided that went to the model named large
-- (with N models too; the per-model shares: `edgesim summary`, run_models).
CREATE VIEW IF NOT EXISTS run_summary AS
WITH sel AS (
    SELECT r.*, i.scenario_key
    FROM runs r JOIN run_unique u ON u.run_id = r.run_id JOIN run_identity i ON i.run_id = r.run_id
),
ranked AS (
    SELECT q.run_id, q.latency_s,
           ROW_NUMBER() OVER (PARTITION BY q.run_id ORDER BY q.latency_s) AS rk,
           COUNT(*) OVER (PARTITION BY q.run_id) AS n
    FROM queries q JOIN sel r ON r.run_id = q.run_id
    WHERE q.status = 'done'
),
pct AS (
    SELECT run_id,
           MAX(CASE WHEN rk = (n * 50 + 99) / 100 THEN latency_s END) AS p50_latency_s,
           MAX(CASE WHEN rk = (n * 95 + 99) / 100 THEN latency_s END) AS p95_latency_s,
           MAX(CASE WHEN rk = (n * 99 + 99) / 100 THEN latency_s END) AS p99_latency_s
    FROM ranked GROUP BY run_id
),
ranked_ttft AS (
    SELECT q.run_id, q.ttft_s,
           ROW_NUMBER() OVER (PARTITION BY q.run_id ORDER BY q.ttft_s) AS rk,
           COUNT(*) OVER (PARTITION BY q.run_id) AS n
    FROM queries q JOIN sel r ON r.run_id = q.run_id
    WHERE q.ttft_s IS NOT NULL AND q.status = 'done'
),
pct_ttft AS (
    SELECT run_id,
           MAX(CASE WHEN rk = (n * 50 + 99) / 100 THEN ttft_s END) AS p50_ttft_s,
           MAX(CASE WHEN rk = (n * 95 + 99) / 100 THEN ttft_s END) AS p95_ttft_s,
           MAX(CASE WHEN rk = (n * 99 + 99) / 100 THEN ttft_s END) AS p99_ttft_s
    FROM ranked_ttft GROUP BY run_id
)
SELECT r.run_id, r.scenario_name, r.policy, r.policy_params, r.seed, r.replication,
       r.sweep_index, r.sweep_point, r.scenario_key, r.group_key, r.config_label,
       COUNT(q.query_id)                                   AS n,
       AVG(CASE WHEN q.status = 'done' THEN q.latency_s END) AS mean_latency_s,
       pct.p50_latency_s, pct.p95_latency_s, pct.p99_latency_s,
       AVG(CASE WHEN q.status = 'done' THEN q.ttft_s END)  AS mean_ttft_s,
       pt.p50_ttft_s, pt.p95_ttft_s, pt.p99_ttft_s,
       AVG(CASE WHEN q.route = 'large' THEN 1.0 WHEN q.route IS NOT NULL THEN 0.0 END) AS large_fraction,
       AVG(CASE WHEN q.status = 'done' THEN q.quality END) AS mean_quality,
       AVG(CASE WHEN q.status = 'done' THEN q.energy_j END) AS mean_energy_j,
       AVG(CASE WHEN q.status = 'done' THEN MAX(q.q_small, q.q_large) END)
         - AVG(CASE WHEN q.status = 'done' THEN q.quality END) AS oracle_quality_gap,
       SUM(q.status = 'done')                              AS n_done,
       SUM(q.status = 'outage')                            AS n_outage,
       SUM(q.status = 'rejected')                          AS n_rejected,
       SUM(q.status = 'deadline')                          AS n_deadline
FROM sel r
JOIN queries q ON q.run_id = r.run_id
LEFT JOIN pct ON pct.run_id = r.run_id
LEFT JOIN pct_ttft pt ON pt.run_id = r.run_id
GROUP BY r.run_id
UNION ALL
-- runs written with --records runs: their figures, accumulated while running
SELECT r.run_id, r.scenario_name, r.policy, r.policy_params, r.seed, r.replication,
       r.sweep_index, r.sweep_point, r.scenario_key, r.group_key, r.config_label,
       f.n, f.mean_latency_s, f.p50_latency_s, f.p95_latency_s, f.p99_latency_s,
       f.mean_ttft_s, f.p50_ttft_s, f.p95_ttft_s, f.p99_ttft_s,
       f.large_fraction, f.mean_quality, f.mean_energy_j, f.oracle_quality_gap,
       COALESCE(f.n_done, f.n), COALESCE(f.n_outage, 0), COALESCE(f.n_rejected, 0), COALESCE(f.n_deadline, 0)
FROM sel r
JOIN run_figures f ON f.run_id = r.run_id;

-- t_quantile_975(df, t): Student-t 0.975 quantiles for two-sided 95 %
-- confidence intervals (SQL has no inverse t CDF).  Values rounded to 3
-- decimals, as in any t table; they equal GSL's gsl_cdf_tdist_Pinv(0.975, df)
-- within 5e-4 (checked by tests/test_analysis_views.c).  For df > 30 the views
-- use the normal quantile 1.96 (error < 2.2 % at df = 31, shrinking with df).
CREATE VIEW IF NOT EXISTS t_quantile_975 (df, t) AS
VALUES (1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571),
       (6, 2.447), (7, 2.365), (8, 2.306), (9, 2.262), (10, 2.228),
       (11, 2.201), (12, 2.179), (13, 2.160), (14, 2.145), (15, 2.131),
       (16, 2.120), (17, 2.110), (18, 2.101), (19, 2.093), (20, 2.086),
       (21, 2.080), (22, 2.074), (23, 2.069), (24, 2.064), (25, 2.060),
       (26, 2.056), (27, 2.052), (28, 2.048), (29, 2.045), (30, 2.042);

-- run_label: a short legend label per run: the policy name plus those of its
-- parameters whose values differ between runs of that policy in this database
-- (so a sweep over alpha reads "quality-latency alpha=0.5", while a policy run
-- with one parameter set reads just its name).  `always` names its model
-- ("always gpt4"; the run's policy_params hold the model's index, the
-- scenario's models are in index order).
CREATE VIEW IF NOT EXISTS run_label AS
WITH params AS (
    SELECT r.run_id, r.policy, j.key, j.value
    FROM runs r, json_each(r.policy_params) j
    WHERE r.status = 'complete' AND json_valid(r.policy_params) AND j.key <> 'name'
      AND NOT (r.policy = 'always' AND j.key = 'model')
),
model_index AS (
    SELECT r.run_id, m.key, ROW_NUMBER() OVER (PARTITION BY r.run_id ORDER BY m.id) - 1 AS idx
    FROM runs r, json_each(r.scenario_json, '$.models') m
    WHERE r.status = 'complete' AND r.policy = 'always' AND json_valid(r.scenario_json)
),
varying AS (
    SELECT policy, key FROM params GROUP BY policy, key
    HAVING COUNT(DISTINCT COALESCE(CAST(value AS TEXT), 'null')) > 1
)
SELECT r.run_id,
       CASE WHEN r.policy = 'always' AND json_valid(r.policy_params) AND json_valid(r.scenario_json) THEN
           'always ' || COALESCE(CASE WHEN json_type(r.policy_params, '$.model') = 'integer'
                                      THEN (SELECT n.key FROM model_index n WHERE n.run_id = r.run_id
                                            AND n.idx = json_extract(r.policy_params, '$.model'))
                                      ELSE json_extract(r.policy_params, '$.model') END,
                                 'model=' || json_extract(r.policy_params, '$.model'))
       ELSE r.policy END || COALESCE(' ' || (
           SELECT group_concat(key || '=' || COALESCE(CAST(value AS TEXT), 'null'), ' ')
           FROM (SELECT p.key, p.value FROM params p JOIN varying v ON v.policy = p.policy AND v.key = p.key
                 WHERE p.run_id = r.run_id ORDER BY p.key)), '') AS label
FROM runs r
WHERE r.status = 'complete';

-- run_regret: per run, what it lost against the `oracle` run of the same
-- scenario_key (point_key: scenario, overrides and sweep point), seed and
-- replication (common random numbers make the pair comparable query by
-- query).  Runs without such an oracle run are absent.
--   quality_regret     = mean_quality(oracle) - mean_quality(run)
--   latency_paid_s     = mean_latency(run) - mean_latency(oracle), seconds
--   route_agreement    = share of queries routed as the oracle routed them
CREATE VIEW IF NOT EXISTS run_regret AS
WITH pairs AS (
    SELECT r.run_id,
           (SELECT MIN(o.run_id) FROM runs o
            WHERE o.status = 'complete' AND o.policy = 'oracle'
              AND o.point_key = r.point_key AND o.seed = r.seed
              AND o.replication = r.replication) AS oracle_run_id
    FROM runs r WHERE r.status = 'complete'
)
SELECT s.run_id, s.scenario_name, s.policy, s.policy_params, s.seed, s.replication,
       s.sweep_index, s.sweep_point, p.oracle_run_id,
       o.mean_quality - s.mean_quality     AS quality_regret,
       s.mean_latency_s - o.mean_latency_s AS latency_paid_s,
       s.p95_latency_s - o.p95_latency_s   AS p95_latency_paid_s,
       s.large_fraction - o.large_fraction AS extra_large_fraction,
       (SELECT AVG(CASE WHEN qa.route = qb.route THEN 1.0 ELSE 0.0 END)
        FROM queries qa JOIN queries qb ON qb.run_id = p.oracle_run_id AND qb.query_id = qa.query_id
        WHERE qa.run_id = s.run_id)        AS route_agreement
FROM pairs p
JOIN run_summary s ON s.run_id = p.run_id
JOIN run_summary o ON o.run_id = p.oracle_run_id;

-- policy_summary: replications pooled per group_key (run_identity: one
-- configuration, policy and parameters included; never two configurations).
-- For each per-run metric x (the run's mean), mean_x is the mean over the
-- n replications and ci95_x the half-width of its 95 % confidence interval,
-- t(0.975, n-1) * sd / sqrt(n) (NULL when n = 1).  group_label names what
-- distinguishes the configuration from the others (scenario_group).
CREATE VIEW IF NOT EXISTS policy_summary AS
WITH g AS (
    SELECT group_key, MIN(scenario_key) AS scenario_key, MIN(scenario_name) AS scenario_name,
           MIN(sweep_index) AS sweep_index, MIN(sweep_point) AS sweep_point,
           MIN(policy) AS policy, MIN(policy_params) AS policy_params, MIN(config_label) AS config_label,
           COUNT(*) AS n_runs,
           AVG(mean_latency_s) AS mean_latency_s,
           AVG(mean_quality) AS mean_quality,
           AVG(large_fraction) AS large_fraction,
           AVG(p95_latency_s) AS p95_latency_s,
           AVG(mean_ttft_s) AS mean_ttft_s,
           AVG(mean_energy_j) AS mean_energy_j,
           SUM(n) AS n_queries
    FROM run_summary
    GROUP BY group_key
),
dev AS (
    SELECT g.group_key,
           SUM((s.mean_latency_s - g.mean_latency_s) * (s.mean_latency_s - g.mean_latency_s)) AS ss_latency,
           SUM((s.mean_quality - g.mean_quality) * (s.mean_quality - g.mean_quality)) AS ss_quality,
           SUM((s.large_fraction - g.large_fraction) * (s.large_fraction - g.large_fraction)) AS ss_large
    FROM g JOIN run_summary s ON s.group_key = g.group_key
    GROUP BY g.group_key
)
SELECT g.scenario_name, g.sweep_index, g.sweep_point, g.policy, g.policy_params, g.n_runs, g.n_queries,
       g.mean_latency_s,
       CASE WHEN g.n_runs > 1 THEN COALESCE(t.t, 1.96) * sqrt(d.ss_latency / (g.n_runs - 1) / g.n_runs) END
           AS ci95_latency_s,
       g.mean_quality,
       CASE WHEN g.n_runs > 1 THEN COALESCE(t.t, 1.96) * sqrt(d.ss_quality / (g.n_runs - 1) / g.n_runs) END
           AS ci95_quality,
       g.large_fraction,
       CASE WHEN g.n_runs > 1 THEN COALESCE(t.t, 1.96) * sqrt(d.ss_large / (g.n_runs - 1) / g.n_runs) END
           AS ci95_large_fraction,
       g.p95_latency_s, g.mean_ttft_s, g.mean_energy_j,
       g.group_key, sg.group_index, sg.group_label, g.config_label
FROM g
JOIN dev d USING (group_key)
JOIN scenario_group sg ON sg.scenario_key = g.scenario_key
LEFT JOIN t_quantile_975 t ON t.df = g.n_runs - 1;

-- dialogue_summary: per run and dialogue (multi-turn workloads only).
--   switches           = turns answered by a different model than the turn before
--   dialogue_latency_s = MAX(t_done) - MIN(t_arr): first question to last answer,
--                        think times included
CREATE VIEW IF NOT EXISTS dialogue_summary AS
SELECT q.run_id, r.scenario_name, r.policy, r.policy_params, r.sweep_index, r.replication,
       q.dialogue_id,
       COUNT(*)                                               AS turns,
       COALESCE(SUM(q.switched), 0)                           AS switches,
       SUM(q.recomputed_tokens)                               AS recomputed_tokens,
       SUM(q.cached_tokens)                                   AS cached_tokens,
       MAX(q.t_done) - MIN(q.t_arr)                           AS dialogue_latency_s,
       SUM(q.latency_s)                                       AS waiting_s,
       AVG(q.latency_s)                                       AS mean_turn_latency_s,
       AVG(CASE WHEN q.route = 'large' THEN 1.0 ELSE 0.0 END) AS large_fraction,
       AVG(q.quality)                                         AS mean_quality
FROM queries q JOIN runs r ON r.run_id = q.run_id JOIN run_unique u ON u.run_id = r.run_id
WHERE r.status = 'complete' AND q.dialogue_id IS NOT NULL
GROUP BY q.run_id, q.dialogue_id;

-- run_routing: RouteLLM-style routing metrics per run (Ong et al., RouteLLM,
-- routellm/evals: PGR = (score - weak) / (strong - weak)).  Here the "weak"
-- and "strong" scores are the means of q_small and q_large over the very
-- queries of the run, so pgr = 0 is always-small, 1 always-large, and values
-- above 1 mean the router beats always-large (possible when q_small > q_large
-- on some queries).  large_call_pct is RouteLLM's strong-call percentage;
-- CPT(x) and APGR follow by interpolating pgr over a policy's runs at
-- different thresholds (e.g. score-threshold target_large_fraction sweeps).
CREATE VIEW IF NOT EXISTS run_routing AS
SELECT r.run_id, r.scenario_name, r.policy, r.policy_params, r.sweep_index, r.sweep_point, r.replication,
       COUNT(*)                                                      AS n,
       100.0 * AVG(CASE WHEN q.route = 'large' THEN 1.0 ELSE 0.0 END) AS large_call_pct,
       AVG(q.quality)                                                AS mean_quality,
       AVG(q.q_small)                                                AS q_small_mean,
       AVG(q.q_large)                                                AS q_large_mean,
       AVG(MAX(q.q_small, q.q_large))                                AS q_oracle_mean,
       (AVG(q.quality) - AVG(q.q_small)) / NULLIF(AVG(q.q_large) - AVG(q.q_small), 0) AS pgr,
       AVG(CASE WHEN q.q_large > q.q_small THEN 1.0 ELSE 0.0 END)    AS large_needed_fraction,
       AVG(CASE WHEN q.route = 'large' AND q.q_large <= q.q_small THEN 1.0 ELSE 0.0 END) AS large_wasted_fraction,
       AVG(CASE WHEN q.route = 'small' AND q.q_large > q.q_small THEN 1.0 ELSE 0.0 END)  AS large_missed_fraction
FROM queries q JOIN runs r ON r.run_id = q.run_id JOIN run_unique u ON u.run_id = r.run_id
WHERE r.status = 'complete'
GROUP BY q.run_id;

-- run_retransmissions: per run, the radio's transmissions per large-route
-- query on each link and the share of queries that needed a retransmission
-- (channel.harq; without it every transfer is one transmission).
CREATE VIEW IF NOT EXISTS run_retransmissions AS
SELECT r.run_id, r.policy, r.sweep_index, r.replication,
       COUNT(q.harq_tx_ul)                                             AS n_large,
       AVG(q.harq_tx_ul)                                               AS mean_harq_tx_ul,
       AVG(q.harq_tx_dl)                                               AS mean_harq_tx_dl,
       AVG(CASE WHEN q.harq_tx_ul > 1 THEN 1.0 ELSE 0.0 END)           AS retx_ul_fraction
FROM queries q JOIN runs r ON r.run_id = q.run_id JOIN run_unique u ON u.run_id = r.run_id
WHERE r.status = 'complete' AND q.route = 'large'
GROUP BY q.run_id;

-- run_handovers: per run, how often queries saw a handover between their
-- decision and their end, and whether they ended at another site; and the
-- large turns that found their dialogue's KV at another site
-- (handover.dialogue_kv: kv_actions, their mean backhaul time).
CREATE VIEW IF NOT EXISTS run_handovers AS
SELECT r.run_id, r.policy, r.sweep_index, r.replication,
       COUNT(*)                                                        AS n_queries,
       SUM(q.handovers)                                                AS handovers,
       AVG(CASE WHEN q.handovers > 0 THEN 1.0 ELSE 0.0 END)            AS handover_fraction,
       AVG(CASE WHEN q.site_done <> q.site THEN 1.0 ELSE 0.0 END)      AS site_changed_fraction,
       AVG(CASE WHEN q.handovers > 0 THEN q.latency_s END)             AS mean_latency_handover_s,
       AVG(CASE WHEN q.handovers = 0 THEN q.latency_s END)             AS mean_latency_no_handover_s,
       COUNT(DISTINCT q.site)                                          AS sites_used,
       COUNT(q.kv_action)                                              AS kv_actions,
       AVG(CASE WHEN q.kv_action IS NOT NULL THEN q.backhaul_s END)    AS mean_backhaul_s
FROM queries q JOIN runs r ON r.run_id = q.run_id JOIN run_unique u ON u.run_id = r.run_id
WHERE r.status = 'complete'
GROUP BY q.run_id;

-- latency_breakdown: per query, where its latency went, from the time stamps
-- (seconds; the parts sum to latency_s): router, uplink (access + transfer),
-- queue (edge or device), prefill, decode (first to last token), downlink of
-- the answer's tail after the last token (large routes; the first-token chunk
-- travels while decoding goes on).  `done` queries only.
CREATE VIEW IF NOT EXISTS latency_breakdown AS
SELECT q.run_id, q.query_id, q.route,
       q.t_dec - q.t_arr                                          AS router_s,
       CASE WHEN q.route = 'large' THEN q.t_ul_end - q.t_dec ELSE 0 END AS uplink_s,
       CASE WHEN q.route = 'large' THEN q.t_queue_end - q.t_ul_end ELSE 0 END AS edge_queue_s,
       CASE WHEN q.route = 'small' THEN q.t_queue_end - q.t_dec ELSE 0 END AS device_queue_s,
       q.t_prefill_end - q.t_queue_end                            AS prefill_s,
       q.t_decode_end - q.t_prefill_end                           AS decode_s,
       q.t_done - q.t_decode_end                                  AS downlink_s,
       q.latency_s
FROM queries q JOIN runs r ON r.run_id = q.run_id JOIN run_unique u ON u.run_id = r.run_id
WHERE r.status = 'complete' AND q.status = 'done';

-- query_model_view: what the router saw of every model of every query of a
-- unique run (docs/MODEL.md section 10): the query_models rows, or for a run
-- with the default two models (no query_models rows) the two-model columns
-- of queries (small on the device, large on the edge).
CREATE VIEW IF NOT EXISTS query_model_view AS
SELECT m.run_id, m.query_id, m.model, m.tier, m.est_s, m.csw_s, m.p, m.q
FROM query_models m JOIN run_unique u ON u.run_id = m.run_id
UNION ALL
SELECT q.run_id, q.query_id, 'small', 'device', q.est_small_s, q.csw_small_s, 0.0, q.q_small
FROM queries q JOIN run_unique u ON u.run_id = q.run_id
WHERE NOT EXISTS (SELECT 1 FROM query_models m WHERE m.run_id = q.run_id)
UNION ALL
SELECT q.run_id, q.query_id, 'large', 'edge', q.est_large_s, q.csw_large_s, q.p_large, q.q_large
FROM queries q JOIN run_unique u ON u.run_id = q.run_id
WHERE NOT EXISTS (SELECT 1 FROM query_models m WHERE m.run_id = q.run_id);

-- run_models: per unique run and model, how the run used it: queries routed
-- there and their share, latency and price, and the model's mean quality
-- over all the run's queries (what always routing there would give).
CREATE VIEW IF NOT EXISTS run_models AS
WITH per AS (
    SELECT v.run_id, v.model, v.tier, AVG(v.q) AS model_mean_q, COUNT(*) AS n_queries
    FROM query_model_view v GROUP BY v.run_id, v.model
),
routed AS (
    SELECT q.run_id, q.route AS model, COUNT(*) AS n_routed, AVG(q.quality) AS routed_mean_quality,
           AVG(q.latency_s) AS routed_mean_latency_s, SUM(q.cost) AS total_cost
    FROM queries q JOIN run_unique u ON u.run_id = q.run_id GROUP BY q.run_id, q.route
)
SELECT p.run_id, r.policy, r.policy_params, p.model, p.tier, p.model_mean_q,
       COALESCE(x.n_routed, 0) AS n_routed, COALESCE(x.n_routed, 0) * 1.0 / p.n_queries AS route_fraction,
       x.routed_mean_quality, x.routed_mean_latency_s, COALESCE(x.total_cost, 0) AS total_cost
FROM per p JOIN runs r ON r.run_id = p.run_id LEFT JOIN routed x ON x.run_id = p.run_id AND x.model = p.model;

-- run_model_pairs: RouteLLM's PGR for every pair of a run's models, the
-- weaker (lower mean quality over the run's queries) and the stronger:
-- pgr = (mean_quality - weak_mean_q) / (strong_mean_q - weak_mean_q), NULL
-- when equal.  With two models it is run_routing's pgr.
CREATE VIEW IF NOT EXISTS run_model_pairs AS
WITH per AS (
    SELECT run_id, model, AVG(q) AS mean_q FROM query_model_view GROUP BY run_id, model
),
run_q AS (
    SELECT q.run_id, AVG(q.quality) AS mean_quality FROM queries q JOIN run_unique u ON u.run_id = q.run_id
    GROUP BY q.run_id
)
SELECT a.run_id, a.model AS weak_model, b.model AS strong_model, a.mean_q AS weak_mean_q, b.mean_q AS strong_mean_q,
       rq.mean_quality, (rq.mean_quality - a.mean_q) / NULLIF(b.mean_q - a.mean_q, 0) AS pgr
FROM per a JOIN per b ON b.run_id = a.run_id AND (a.mean_q < b.mean_q OR (a.mean_q = b.mean_q AND a.model < b.model))
JOIN run_q rq ON rq.run_id = a.run_id;
