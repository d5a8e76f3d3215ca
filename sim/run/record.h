/* record.h -- one record per query (or dialogue turn), and record sinks.
 *
 * Columns: docs/MODEL.md section 8 (names are fixed: scripts rely on them).
 * Times are seconds of simulated time; NAN in a double and -1 in the
 * optional integers mean "did not happen" and are written as NULL.
 *
 * A sink is a const struct of functions (SQLite file, in-memory for tests).
 * A run is begun, receives records, and is ended with ok = 1 (complete) or
 * ok = 0 (failed or interrupted: the sink removes what it wrote of it).
 */
#ifndef EDGESIM_RECORD_H
#define EDGESIM_RECORD_H

#include <stddef.h>
#include <stdint.h>

/* Bumped whenever analysis/schema.sql changes; stored as PRAGMA user_version
 * in every results database. */
#define EDGESIM_SCHEMA_VERSION 14

/* How a query ended (docs/MODEL.md, "Outcomes"): the one list of the
 * `queries.status` values.  X(ID, name). */
#define QUERY_STATUSES(X)                                                                                             \
    X(QUERY_DONE, "done")         /* the answer reached the user */                                                \
    X(QUERY_OUTAGE, "outage")     /* a transfer was given up: rate 0 for good, or for channel.outage_timeout_s */ \
    X(QUERY_REJECTED, "rejected") /* history + input + output tokens exceed the model's KV capacity */           \
    X(QUERY_DEADLINE, "deadline") /* abandoned deadline_s after its arrival */

typedef enum {
#define QUERY_STATUS_ENUM_(id, name) id,
    QUERY_STATUSES(QUERY_STATUS_ENUM_)
#undef QUERY_STATUS_ENUM_
    QUERY_N_STATUSES
} query_status;

static inline const char *query_status_name(int status)
{
    static const char *const names[] = {
#define QUERY_STATUS_NAME_(id, name) name,
        QUERY_STATUSES(QUERY_STATUS_NAME_)
#undef QUERY_STATUS_NAME_
    };
    return status >= 0 && status < QUERY_N_STATUSES ? names[status] : "?";
}

#define RECORD_MAX_MODELS 8     /* LLM_MAX_MODELS */
#define RECORD_MODEL_NAME_CAP 32

typedef struct record {
    int64_t query_id;
    int64_t dialogue_id;       /* -1: NULL */
    int turn;                  /* -1: NULL */
    int device;
    int edge_server;           /* -1: NULL (small route) */
    double distance_m;
    char benchmark[32];
    int in_tokens, out_tokens, out_tokens_pred;
    int context_tokens;        /* history before this turn */
    int cached_tokens;         /* history reused from KV */
    int recomputed_tokens;     /* history prefilled again */
    int route;                 /* the model: index into run_info.model_names (ROUTE_SMALL /
                                  ROUTE_LARGE with the two default models); -1: NULL (abandoned
                                  before the decision) */
    int status;                /* query_status; times of steps that did not happen are NAN */
    double p_large, q_small, q_large, quality;
    double snr_db;             /* uplink SNR the router saw */
    double snr_avg_db;         /* large-scale mean, no fading */
    double rate_ul_bps;        /* mean over the uplink transfer */
    double bytes_up, bytes_down;
    double est_small_s, est_large_s, csw_small_s, csw_large_s;
    int switched;              /* -1: NULL (not a dialogue) */
    int harq_tx_ul, harq_tx_dl; /* transmissions on each link (all HARQ/RLC rounds); -1: NULL (small route) */
    int site, site_done;       /* serving site at decision and at t_done */
    int handovers;             /* handovers of the device between decision and t_done */
    int kv_action;             /* handover_kv: the dialogue's KV was at another site; -1: NULL (it was not) */
    double backhaul_s, backhaul_bytes; /* time and bytes on the inter-site backhaul (stay, migrate); NAN: none */
    double t_arr, t_dec, t_ul_start, t_ul_end, t_queue_end, t_prefill_end, t_first_token, t_decode_end, t_done;
    double latency_s, ttft_s, queue_wait_s, energy_j;
    double cost;               /* the query's price on its model (0 without a price) */
    double wan_up_s, wan_down_s; /* WAN legs of a cloud route (request; first token); NAN otherwise */
    double load_s;             /* device.memory "one", device-tier route: time loading its model (0: it was
                                  in memory); NAN otherwise */
    /* every model's view at the decision (the query_models table, except
     * for the default small/large pair, whose _small/_large columns hold it) */
    int n_models;
    double model_est_s[RECORD_MAX_MODELS], model_csw_s[RECORD_MAX_MODELS];
    double model_p[RECORD_MAX_MODELS], model_q[RECORD_MAX_MODELS];
} record;

/* What a run is, written to the `runs` table. */
typedef struct run_info {
    const char *scenario_name;
    const char *scenario_json;  /* fully resolved scenario */
    const char *sweep_point;    /* JSON object of the sweep overrides, or "{}" */
    int sweep_index;
    uint64_t seed;
    int replication;
    const char *policy;
    const char *policy_params;  /* JSON: name and parameters (set by run_one) */
    const char *policy_derived; /* JSON: calibrated values (set by run_one) */
    const char *version;
    const char *started_at;     /* ISO 8601 UTC wall clock (metadata only) */
    const char *config_hash;    /* identity.h: this run (seed and replication included) */
    const char *group_key;      /* identity.h: its configuration (replications pool here) */
    const char *point_key;      /* identity.h: its scenario point, policy left out */
    const char *config_label;    /* identity.h: readable: policy parameters and overrides */
    int n_models;                /* the scenario's models, in order (record.route indexes them) */
    char model_names[RECORD_MAX_MODELS][RECORD_MODEL_NAME_CAP];
    char model_tiers[RECORD_MAX_MODELS][8];
} run_info;

/* How it ended. */
typedef struct run_stats {
    int64_t n_queries;          /* records written */
    int64_t n_unstarted;        /* trace rows after duration_s */
    double sim_end_s;           /* simulated time at the end */
    uint64_t events;
    double wall_s;
    double device_busy_frac;    /* mean over devices */
    double edge_busy_frac;
} run_stats;

typedef struct sink sink;

typedef struct sink_type {
    const char *name;
    int (*begin_run)(sink *s, const run_info *info);
    int (*write)(sink *s, const record *r);
    int (*end_run)(sink *s, const run_stats *stats, int ok);
    void (*close)(sink *s);
    /* Before running the run with this config_hash (resume, docs/ANALYSIS.md
     * "Resuming"): 1 if the sink already holds it complete (skip it); 0 if
     * not, after removing its unfinished copies left by writers that are gone
     * (counted in `replaced`; those of writers on other hosts, which cannot
     * be told dead, are kept and counted in `kept_remote`); -1 with err set. */
    int (*resume)(sink *s, const char *config_hash);
} sink_type;

struct sink {
    const sink_type *type;
    char err[1024];             /* set when a call returns -1 */
    int duplicates;             /* runs ended ok but dropped: another writer completed the same run first */
    int replaced;               /* resume: unfinished runs of dead writers removed before rerunning them */
    int kept_remote;            /* resume: unfinished runs of writers on other hosts, kept */
    int64_t run_id;             /* the run begun last (its row id in a database; 0 otherwise) */
};

/* SQLite file (created if missing, appended to otherwise).  NULL with err. */
sink *sink_sqlite_open(const char *path, char *err, size_t errlen);

/* What an SQLite sink stores per run: every query row (`--records all`, the
 * default), or none and the run's summary figures in `run_figures`
 * (`--records runs`; percentiles from a sketch, docs/BENCHMARKS.md). */
typedef enum { SINK_RECORDS_ALL = 0, SINK_RECORDS_RUNS = 1 } sink_records;
extern const char *const sink_records_names[]; /* "all", "runs", NULL; indexed by sink_records */
/* Set before the first run; returns 0, or -1 (out of memory, in s->err). */
int sink_sqlite_set_records(sink *s, sink_records mode);

/* One run handed over, for `edgesim run -j N`: a worker thread runs into it
 * while the one writer drains it into the database (sink_buffer_drain).
 * With SINK_RECORDS_ALL it holds the records not yet drained (in chunks of
 * 1024, freed as they are written); with SINK_RECORDS_RUNS only the run's
 * summary figures (fixed size).  The caller frees it with sink_close once
 * the run has ended.  NULL on allocation failure. */
sink *sink_buffer_create(sink_records mode);
/* Write into `to` (an SQLite sink with the same records mode) what the run
 * has given so far, from one thread other than the one running it:
 * begin_run once the run has begun, its records as they come (--records
 * all), and, once it has ended ok, the rest (or its figures) and end_run.
 * A run that failed or was interrupted is ended failed in `to` if begun
 * there (nothing of it stays).  Returns 0 while the run goes on, 1 when it
 * is settled in `to`, -1 if writing into `to` failed (to->err; the run is
 * removed from `to`); 1 and -1 are final, later calls return them again. */
int sink_buffer_drain(sink *buffer, sink *to);

/* In memory, for tests: every record of every run, in write order. */
typedef struct sink_memory {
    sink base;
    record *records;            /* the complete runs' records (a failed run's are dropped) */
    size_t n, cap;
    size_t run_start;           /* n when the current run began */
    int runs_begun, runs_complete, runs_failed;
    run_stats last;
} sink_memory;

sink *sink_memory_create(void);

static inline void sink_close(sink *s)
{
    if (s)
        s->type->close(s);
}

#endif
