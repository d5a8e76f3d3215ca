/* edgesim/policy.h -- the routing policy interface (public; plug-ins too).
 *
 * A policy is a const struct of functions plus a name and a parameter table,
 * listed in one registry (models/policies/registry.c) or loaded from a
 * shared object with --policy-plugin (which must export
 * `const policy_type *edgesim_policy_plugin(void)`).
 *
 * At each decision the run loop fills a read-only policy_view with the query
 * and the state visible to the router at t_dec, and the policy returns
 * the index of a model (ROUTE_SMALL or ROUTE_LARGE with two models).
 * Policies never touch the engine or the models.
 * Model: docs/MODEL.md section 5; user guide: docs/POLICIES.md.
 *
 * Life of a policy in a run: create(params) once, calibrate(every p_large of
 * the trace) once if the hook is set, decide(view) per query in decision
 * order, destroy(state) at the end.  `params` points at the configured
 * instance's values in the order of the type's table; copy what you need in
 * create, since the array may move after create returns.  decide may update
 * its own state but must be deterministic given the sequence of views:
 * randomness comes only from view->u01, so that two runs with the same seed
 * make the same choices.  For policies
 * without needs_oracle, q_small and q_large are NAN in the view.
 *
 * A plug-in is a shared object that includes only this header (plus libc and
 * libm) and exports edgesim_policy_plugin(); the returned type must stay valid
 * until the object is unloaded (a static const struct).  Build:
 *   cc -shared -fPIC -I<dir of edgesim/> my_policy.c -o my_policy.so
 */
#ifndef EDGESIM_POLICY_H
#define EDGESIM_POLICY_H

#include <stddef.h>
#include <stdint.h>

/* Version 2 added the N-model view (policy_view.n_models, .models) and
 * policy_type.pairwise.  A version-1 policy still loads: it runs only in
 * scenarios with exactly two models, and sees them as small (the first) and
 * large (the second). */
#define EDGESIM_POLICY_API_VERSION 2

/* A decision is the index of a model in the scenario's order (policy_view
 * .models); with two models, ROUTE_SMALL and ROUTE_LARGE name the first and
 * the second. */
typedef enum { ROUTE_SMALL = 0, ROUTE_LARGE = 1 } route;

/* Where a model runs (docs/MODEL.md "Tiers"). */
typedef enum { POLICY_TIER_DEVICE = 0, POLICY_TIER_EDGE = 1, POLICY_TIER_CLOUD = 2 } policy_tier;

/* What the router knows of one model at a decision (API version 2). */
typedef struct policy_model {
    const char *name;             /* its key in the scenario's "models" */
    int tier;                     /* policy_tier */
    double p;                     /* router score: predicted quality gain over the base model
                                     (trace column p_<name>; p_large for "large"; 0 for the base
                                     model without a column; NAN when the trace has none) */
    double q;                     /* true quality: only for policies with needs_oracle, else NAN */
    double est_s;                 /* latency estimate, s (as est_small_s / est_large_s) */
    double csw_s;                 /* switching cost, s (as csw_small_s / csw_large_s) */
    int cached;                   /* history tokens this model has in KV now */
    double cost;                  /* the query's price on this model, history + input tokens and
                                     the predicted output (0 for a model without a price) */
} policy_model;

typedef struct policy_param {
    const char *name;             /* NULL ends the table */
    double def;                   /* default */
    double min, max;              /* inclusive range */
    const char *help;             /* one line */
    const char *unit;             /* "1/s", "dB", ...; NULL or "" = dimensionless */
} policy_param;

typedef struct policy_view {
    /* the query */
    int64_t query_id;
    int64_t dialogue_id;          /* -1 outside dialogues */
    int turn;                     /* 1-based; 0 outside dialogues */
    int device;
    int in_tokens;                /* this turn's new input */
    int context_tokens;           /* dialogue history before this turn */
    int out_tokens_pred;          /* predicted output length */
    double p_large;               /* router score: P(large model needed) */
    double q_small, q_large;      /* true qualities: only for policies with needs_oracle */
    double u01;                   /* a uniform [0,1) draw for this decision, the same for
                                     the same query under every policy (paired coins) */
    int prev_route;               /* the dialogue's previous turn: ROUTE_*, or -1 */

    /* the radio, as the router sees it (CSI may be stale or noisy) */
    double snr_db;
    double rate_ul_bps;           /* uplink rate at that SNR with the current sharing */

    /* load */
    int device_queue;             /* requests queued or in service on this device */
    int edge_waiting, edge_running;
    double edge_kv_used_frac;

    /* estimates from the simulation's own models, seconds */
    double est_small_s;           /* device wait + prefill + predicted decode */
    double est_large_s;           /* uplink + edge wait + prefill + decode + downlink */
    double csw_small_s;           /* rebuilding the small model's KV for the history */
    double csw_large_s;           /* rebuilding the large model's KV (+ uploading unseen text) */
    int cached_small, cached_large; /* history tokens each model has in KV now */

    /* outstanding work, seconds (appended after the fields above) */
    double device_work_s;         /* remaining service time of everything queued or in
                                     service on this device (the model's estimate) */
    double edge_work_s;           /* remaining edge time: waiting requests' prefill plus the
                                     running batch's predicted remaining decode steps */

    /* API version 2 (appended): every model, in the scenario's order.  The
     * fields above that name small and large describe models[0] and
     * models[1]. */
    int n_models;
    const policy_model *models;   /* n_models entries, valid during decide only */
} policy_view;

typedef struct policy_type {
    int api_version;              /* EDGESIM_POLICY_API_VERSION */
    const char *name;
    const char *summary;          /* one line */
    const policy_param *params;   /* NULL-name terminated; may be NULL */
    int needs_oracle;             /* sees q_small/q_large in the view */

    /* Create the state from resolved parameters (in table order).  Returns 0,
     * or -1 with a message in err.  May leave *state NULL. */
    int (*create)(void **state, const double *params, char *err, size_t errlen);
    /* Optional: see every query's p_large before the run (calibration). */
    int (*calibrate)(void *state, const double *p_large, size_t n, char *err, size_t errlen);
    route (*decide)(void *state, const policy_view *view);
    void (*destroy)(void *state);

    /* Optional: values the policy derived from its parameters and the
     * calibration (e.g. the threshold actually used), for the run's records.
     * Fills the i-th (0-based) name and value and returns 0; returns -1 when
     * i is past the last one.  *name must outlive the state. */
    int (*derived)(const void *state, int i, const char **name, double *value);

    /* API version 2 (appended; not read from version-1 types, which count as
     * pairwise): 1 if the policy routes between exactly two models (it
     * returns ROUTE_SMALL or ROUTE_LARGE), 0 if it routes among any number
     * (it returns an index into view->models). */
    int pairwise;
} policy_type;

/* The one symbol a plug-in exports (declared here so that plug-ins compile
 * cleanly with -Wmissing-prototypes, and visible even when the plug-in is
 * built with -fvisibility=hidden). */
#if defined(__GNUC__)
#define EDGESIM_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define EDGESIM_PLUGIN_EXPORT
#endif
EDGESIM_PLUGIN_EXPORT const policy_type *edgesim_policy_plugin(void);
typedef const policy_type *(*policy_plugin_entry)(void);
#define EDGESIM_POLICY_PLUGIN_SYMBOL "edgesim_policy_plugin"

#endif
