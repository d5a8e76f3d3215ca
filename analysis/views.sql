-- edgesim views over complete runs (installed into every results database).
-- Percentiles are nearest-rank: the value at rank ceil(p * n).

CREATE VIEW IF NOT EXISTS run_summary AS
WITH ranked AS (
    SELECT q.run_id, q.latency_s,
           ROW_NUMBER() OVER (PARTITION BY q.run_id ORDER BY q.latency_s) AS rk,
           COUNT(*) OVER (PARTITION BY q.run_id) AS n
    FROM queries q JOIN runs r ON r.run_id = q.run_id AND r.status = 'complete'
),
pct AS (
    SELECT run_id,
           MAX(CASE WHEN rk = (n * 50 + 99) / 100 THEN latency_s END) AS p50_latency_s,
           MAX(CASE WHEN rk = (n * 95 + 99) / 100 THEN latency_s END) AS p95_latency_s,
           MAX(CASE WHEN rk = (n * 99 + 99) / 100 THEN latency_s END) AS p99_latency_s
    FROM ranked GROUP BY run_id
)
SELECT r.run_id, r.scenario_name, r.policy, r.policy_params, r.seed, r.replication,
       r.sweep_index, r.sweep_point,
       COUNT(q.query_id)                                   AS n,
       AVG(q.latency_s)                                    AS mean_latency_s,
       pct.p50_latency_s, pct.p95_latency_s, pct.p99_latency_s,
       AVG(q.ttft_s)                                       AS mean_ttft_s,
       AVG(CASE WHEN q.route = 'large' THEN 1.0 ELSE 0.0 END) AS large_fraction,
       AVG(q.quality)                                      AS mean_quality,
       AVG(q.energy_j)                                     AS mean_energy_j
FROM runs r
JOIN queries q ON q.run_id = r.run_id
JOIN pct ON pct.run_id = r.run_id
WHERE r.status = 'complete'
GROUP BY r.run_id;
