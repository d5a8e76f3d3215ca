-- edgesim records: the tables every run writes (docs/MODEL.md section 8).
-- Column names are fixed so that scripts and other tools can rely on them.
-- Times are seconds of simulated time; NULL where a step did not happen.
CREATE TABLE IF NOT EXISTS runs (
    run_id           INTEGER PRIMARY KEY,
    scenario_name    TEXT NOT NULL,
    scenario_json    TEXT NOT NULL,   -- the fully resolved scenario
    sweep_index      INTEGER NOT NULL,
    sweep_point      TEXT NOT NULL,   -- JSON of the sweep's overrides, {} without a sweep
    seed             INTEGER NOT NULL,
    replication      INTEGER NOT NULL,
    policy           TEXT NOT NULL,
    policy_params    TEXT NOT NULL,   -- JSON: name and every parameter as resolved
    policy_derived   TEXT NOT NULL DEFAULT '{}', -- JSON: what the policy worked out (e.g. a calibrated threshold)
    -- Run identity (docs/ANALYSIS.md "Run identity"): SHA-256 hex digests of
    -- the resolved configuration.  point_key: scenario after overrides and
    -- sweep point, without seed, replication and policy (same point_key, seed
    -- and replication = same randomness); group_key: plus the policy and its
    -- parameters (replications of one configuration); config_hash: plus seed
    -- and replication (one run; at most one complete run per config_hash).
    config_hash      TEXT NOT NULL,
    group_key        TEXT NOT NULL,
    point_key        TEXT NOT NULL,
    config_label      TEXT NOT NULL,   -- readable: policy parameters and overrides ("alpha=0.1; devices.count=50")
    version          TEXT NOT NULL,
    started_at       TEXT NOT NULL,   -- wall clock, metadata only
    wall_s           REAL,
    n_queries        INTEGER,
    n_unstarted      INTEGER,         -- trace rows arriving after duration_s
    sim_end_s        REAL,
    events           INTEGER,
    device_busy_frac REAL,            -- mean over devices of busy time / sim_end_s
    edge_busy_frac   REAL,
    writer           TEXT,            -- "host:pid" writing a 'running' run (for `edgesim clean`); NULL once complete
    status           TEXT NOT NULL CHECK (status IN ('running', 'complete'))
);

CREATE TABLE IF NOT EXISTS queries (
    run_id            INTEGER NOT NULL REFERENCES runs(run_id),
    query_id          INTEGER NOT NULL,
    dialogue_id       INTEGER,
    turn              INTEGER,
    device            INTEGER NOT NULL,
    edge_server       INTEGER,         -- which edge server (edge.servers > 1); NULL on small routes
    harq_tx_ul        INTEGER,         -- uplink transmissions, all HARQ and RLC rounds (1 without channel.harq); NULL on small routes
    harq_tx_dl        INTEGER,         -- downlink transmissions of both answer chunks; NULL on small routes
    site              INTEGER,         -- serving site at decision (sites.N)
    site_done         INTEGER,         -- serving site at t_done
    handovers         INTEGER,         -- handovers of the device between decision and t_done
    kv_action         TEXT CHECK (kv_action IN ('drop', 'stay', 'migrate')), -- large turn whose dialogue KV was at another site (handover.dialogue_kv); else NULL
    backhaul_s        REAL,            -- time on the inter-site backhaul: stay, the request and answer legs; migrate, the KV transfer
    backhaul_bytes    REAL,            -- bytes on the backhaul (stay: request and answer; migrate: KV); NULL without stay/migrate
    distance_m        REAL,
    benchmark         TEXT,
    in_tokens         INTEGER NOT NULL,
    out_tokens        INTEGER NOT NULL,
    out_tokens_pred   INTEGER,
    context_tokens    INTEGER NOT NULL,
    cached_tokens     INTEGER NOT NULL,
    recomputed_tokens INTEGER NOT NULL,
    route             TEXT,            -- the model's name (small | large with the default models); NULL: abandoned (deadline) before the router decided
    p_large           REAL,
    q_small           REAL,
    q_large           REAL,
    quality           REAL,
    snr_db            REAL,
    snr_avg_db        REAL,
    rate_ul_bps       REAL,
    bytes_up          REAL,
    bytes_down        REAL,
    est_small_s       REAL,
    est_large_s       REAL,
    csw_small_s       REAL,
    csw_large_s       REAL,
    switched          INTEGER,
    t_arr             REAL NOT NULL,
    t_dec             REAL,
    t_ul_start        REAL,
    t_ul_end          REAL,
    t_queue_end       REAL,
    t_prefill_end     REAL,
    t_first_token     REAL,
    t_decode_end      REAL,            -- last token generated (before its downlink)
    t_done            REAL,            -- NULL unless status = 'done'
    latency_s         REAL,            -- t_done - t_arr; NULL unless status = 'done'
    ttft_s            REAL,
    queue_wait_s      REAL,
    energy_j          REAL,            -- NULL unless status = 'done'
    status            TEXT NOT NULL DEFAULT 'done', -- done | outage | rejected | deadline (docs/MODEL.md, "Outcomes")
    tier              TEXT,            -- the model's tier: device | edge | cloud; NULL without a route
    cost              REAL,            -- the query's price on its model: ((context + in) * price_in + out * price_out) / 1e6
    wan_up_s          REAL,            -- cloud routes: WAN leg of the request, rtt_s/2 + 8*bytes_up/bandwidth_bps; else NULL
    wan_down_s        REAL,            -- cloud routes: WAN leg of the first token; else NULL
    load_s            REAL             -- device.memory = 'one', device routes: time loading the model (0: in memory); else NULL
);

-- query_models: one row per query and model: what the router saw of every
-- model at the decision.  Written for every run except those with exactly
-- the default models (small on the device, large on the edge), whose
-- queries columns est_small_s .. q_large hold the same (the view
-- query_model_view reads both).  Removed with its run.
CREATE TABLE IF NOT EXISTS query_models (
    run_id            INTEGER NOT NULL REFERENCES runs(run_id),
    query_id          INTEGER NOT NULL,
    model             TEXT NOT NULL,   -- the model's name
    tier              TEXT NOT NULL,   -- device | edge | cloud
    est_s             REAL,            -- latency estimate, s
    csw_s             REAL,            -- switching cost, s
    p                 REAL,            -- router score (p_<model>)
    q                 REAL             -- true quality (q_<model>)
);
CREATE INDEX IF NOT EXISTS query_models_by_run ON query_models(run_id, query_id);
CREATE TRIGGER IF NOT EXISTS query_models_follow_run AFTER DELETE ON runs
BEGIN
    DELETE FROM query_models WHERE run_id = old.run_id;
END;

CREATE INDEX IF NOT EXISTS queries_by_run ON queries(run_id, query_id);
-- A run is never stored twice: one complete run per configuration hash.
CREATE UNIQUE INDEX IF NOT EXISTS runs_identity ON runs(config_hash) WHERE status = 'complete';
CREATE INDEX IF NOT EXISTS runs_by_group ON runs(group_key);

-- run_figures: one row per run written with `edgesim run --records runs`
-- (no rows in queries): the run_summary figures accumulated while it ran.
-- Means and counts are exact; the percentiles come from a log-bucket sketch
-- and are within a factor (1 +- quantile_rel_error) of the exact nearest-rank
-- percentiles (docs/BENCHMARKS.md, "Records modes").  run_summary reads it
-- for runs that have no query rows.
CREATE TABLE IF NOT EXISTS run_figures (
    run_id             INTEGER PRIMARY KEY REFERENCES runs(run_id),
    n                  INTEGER NOT NULL,
    n_small            INTEGER NOT NULL,  -- decided routes to every model but large (with two models: small)
    n_large            INTEGER NOT NULL,
    mean_latency_s     REAL,
    p50_latency_s      REAL,
    p95_latency_s      REAL,
    p99_latency_s      REAL,
    mean_ttft_s        REAL,
    p50_ttft_s         REAL,
    p95_ttft_s         REAL,
    p99_ttft_s         REAL,
    large_fraction     REAL,
    mean_quality       REAL,
    mean_energy_j      REAL,
    oracle_quality_gap REAL,
    quantile_rel_error REAL NOT NULL,
    n_done             INTEGER,        -- records per status (latency figures are over done only)
    n_outage           INTEGER,
    n_rejected         INTEGER,
    n_deadline         INTEGER
);

-- run_figure_models: with run_figures (`edgesim run --records runs`), one row
-- per run and model: the queries routed there and their summed price, the
-- per-model figures `edgesim summary` reads from the query rows of other
-- runs (docs/ANALYSIS.md, "N models").  Removed with its run.
CREATE TABLE IF NOT EXISTS run_figure_models (
    run_id             INTEGER NOT NULL REFERENCES runs(run_id),
    model              TEXT NOT NULL,   -- the model's name
    tier               TEXT NOT NULL,   -- device | edge | cloud
    n_routed           INTEGER NOT NULL, -- queries the router sent to it
    total_cost         REAL NOT NULL,   -- their summed cost
    PRIMARY KEY (run_id, model)
);
CREATE TRIGGER IF NOT EXISTS run_figure_models_follow_run AFTER DELETE ON runs
BEGIN
    DELETE FROM run_figure_models WHERE run_id = old.run_id;
END;
