/* run_int.h -- the run loop's private state, shared by run.c (events and
 * life of a query), run_queries.c (query and dialogue pools, reading the
 * trace) and run_view.c (the router's view and latency estimates). */
#ifndef EDGESIM_RUN_INT_H
#define EDGESIM_RUN_INT_H

#include <stdint.h>

#include "models/channel/channel.h"
#include "models/llm/llm.h"
#include "sim/run/run.h"
#include "sim/base/sim.h"
#include "traces/trace.h"

/* EV_SERVER: id = server index within its model, arg = model.  EV_WAN: id =
 * query slot, arg = the XFER_* leg that crosses the WAN (cloud models).
 * EV_BACKHAUL: id = query slot, arg = the XFER_* leg that crosses the
 * inter-site backhaul (handover.dialogue_kv stay, migrate).  EV_LOAD: id =
 * query slot: its model is loaded into its device's memory (device.memory
 * "one"). */
enum { EV_ARRIVAL = 1, EV_DECIDE, EV_CHANNEL, EV_SERVER, EV_WAN, EV_BACKHAUL, EV_DEADLINE, EV_LOAD };
enum { ARRIVAL_FROM_SOURCE = 1, ARRIVAL_RELEASED_TURN = 2 };
enum { XFER_UL = 0, XFER_DL_FIRST = 1, XFER_DL_REST = 2 };

#define NONE UINT32_MAX

typedef struct qstate {
    trace_row row;
    record rec;
    uint32_t dialogue;       /* dialogue slot or NONE */
    uint32_t next_turn;      /* next pending turn of the same dialogue, or NONE */
    uint32_t next_free;
    uint32_t next_dev;       /* device.memory "one": next query waiting for the same device, or NONE */
    int history_tokens;      /* H at decision */
    int edge;                /* server of the routed model chosen at decision (edge: its index
                                over all sites; device: the device; cloud: 0) */
    int server[LLM_MAX_MODELS]; /* each model's server the view estimated (run__fill_view) */
    /* what run__fill_view worked out per model, for the one the policy picks: */
    int model_seen[LLM_MAX_MODELS];      /* history its chosen server has seen */
    int model_kv_action[LLM_MAX_MODELS]; /* handover_kv, or -1 */
    int model_kv_tokens[LLM_MAX_MODELS]; /* migrate: KV tokens to send over the backhaul */
    int gen_done, first_done, rest_done;
    double ul_air_s, dl_air_s;
    int handovers_at_dec;    /* the device's handovers up to the decision */
    int seen_tokens;         /* history the chosen server has seen (the rest is uploaded) */
    /* The dialogue's KV at another site than the serving one (docs/CHANNEL.md,
     * "Dialogue KV across a handover"): */
    int kv_action;           /* handover_kv, or -1: not the case */
    int kv_tokens;           /* migrate: KV tokens sent over the backhaul */
    sim_time t_kv_arrive;    /* migrate: when they reach the new server */
    sim_time t_edge_arrive;  /* the request reaches its edge or cloud server */
    int live;                /* holds a query (0 once it is written and freed) */
    sim_handle decide_ev, deadline_ev; /* its pending router and deadline events (0: none) */
    sim_handle backhaul_ev[3]; /* its pending backhaul or WAN arrivals, by XFER_* kind (0: none) */
} qstate;

typedef struct dstate {
    int64_t id;
    int device;
    int history_tokens;      /* all earlier user and model tokens */
    int seen_tokens[LLM_MAX_MODELS]; /* dialogue text each model's server has received or produced */
    int seen_server[LLM_MAX_MODELS]; /* the server that saw it (-1: none) */
    int prev_route;          /* model of the previous turn; -1 before the first turn */
    int last_turn;           /* last turn read from the trace */
    int finished;            /* its last turn is done */
    uint32_t head, tail;     /* pending turns (not yet arrived) */
    uint32_t next_free;
} dstate;

/* A passive component's one engine event. */
typedef struct timer {
    sim_handle handle;
    sim_time at;
} timer;

/* A device's memory under device.memory "one" (docs/MODEL.md "Several
 * models on a device"): one device-tier model loaded at a time and one query
 * at a time on the device, FCFS over its models. */
typedef struct devmem {
    int loaded;              /* the model in memory; -1: none (a load is under way or was abandoned) */
    uint32_t serving;        /* the query loading its model or on a server; NONE: the device is free */
    uint32_t head, tail;     /* queries waiting for the device (through qstate.next_dev) */
    sim_handle load_ev;      /* the load under way (0: none) */
    sim_time load_end;
} devmem;

/* One model of the scenario and its servers: one per device (device tier),
 * one per edge server of every site (edge), or one (cloud). */
typedef struct run_model {
    const llm_config *cfg;
    llm_profile prof;
    llm_tier tier;
    llm_server **srv;
    timer *tmr;
    int n_srv;
    int q_col, p_col;        /* its trace model columns (trace_row.model_q/p index), -1: none */
} run_model;

typedef struct run {
    const scenario *sc;
    policy_instance *policy;
    sink *out;
    const run_options *opt;
    uint64_t seed;
    uint32_t rep;
    sim *engine;
    channel *ch;
    run_model models[LLM_MAX_MODELS]; /* the scenario's models, in order */
    int n_models;
    policy_model view_models[LLM_MAX_MODELS]; /* the decision's view of them (run_view.c) */
    int n_edges;             /* servers of each edge-tier model: every site's copies, site by site */
    int *site_edge0, *site_n_edges; /* site s owns edges site_edge0[s] .. + site_n_edges[s] - 1 */
    int *edge_site;          /* the site of each edge server */
    handover_kv kv_policy;   /* handover.dialogue_kv */
    devmem *dev_mem;         /* per device with device.memory "one"; NULL with "all" */
    double load_busy_s;      /* time the devices spent loading models (device_busy_frac) */
    timer channel_timer;
    trace_source *source;

    qstate *q;
    uint32_t q_len, q_cap, q_free;
    dstate *d;
    uint32_t d_len, d_cap, d_free;

    trace_row peek;
    int have_peek, source_done;
    uint32_t open_dialogue;  /* dialogue whose later turns may follow in the trace */
    int64_t skipped_dialogue; /* first turn after duration_s: its turns are not started */
    sim_time duration;

    run_stats stats;
    run_status status;       /* first error */
    char *err;
    size_t errlen;
    double wall_start;
} run;

/* Record the first error (a run_status and a message) and stop the engine. */
void run__fail(run *r, run_status status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The models of a run as the scenario configures them: every model's
 * latency profile (presets, measured tables) into profiles[0 ..
 * sc->n_models-1] and the channel (placement, sites, mobility).  0, or -1
 * with a message naming the key in err (a configuration error); *ch is the
 * caller's to destroy.  run_one's set-up and the checks before any run
 * (run_check.c) both resolve through here. */
int run__resolve_models(const scenario *sc, uint64_t seed, uint32_t rep, llm_profile *profiles, channel **ch,
                        char *err, size_t errlen);

/* run_queries.c */
void run__query_free(run *r, uint32_t i);
void run__dialogue_free(run *r, uint32_t i);
/* Schedule the next row that arrives by itself, holding the later turns of
 * the dialogue it starts. */
void run__pull_next(run *r);

/* device.memory "one": the time before a query that joins device `dev`'s
 * queue now could start (the query served, its load included, and the
 * queue, each with the load of a model change), and in *model the model
 * loaded by then (-1: none). */
double run__device_wait_s(run *r, int dev, int *model);

/* run_view.c: fill the policy's view of query `slot` at the current time and
 * choose the edge server it would use (q->edge). */
void run__fill_view(run *r, uint32_t slot, policy_view *v);

#endif
