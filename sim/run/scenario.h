/* scenario.h -- a scenario: the JSON file, --set overrides, sweeps, and the
 * resolved configuration of one run.
 *
 * Keys: docs/MODEL.md section 9 and `edgesim keys`.  Every key is optional;
 * unknown keys are errors naming their full path.  A scenario file holds one
 * JSON object; `policy` (one) or `policies` (several) name the routing
 * policies, each run on the same randomness; `sweep` maps key paths to lists
 * of values whose cartesian product, times `replications`, gives the runs.
 * Sweep keys address the scenario ("channel.access_s") or a policy's
 * parameter ("policy.alpha" with one policy, "policies.2.alpha").
 */
#ifndef EDGESIM_SCENARIO_H
#define EDGESIM_SCENARIO_H

#include <stdint.h>
#include <cjson/cJSON.h>

#include "models/channel/channel.h"
#include "models/llm/llm.h"
#include "sim/base/keys.h"
#include "traces/trace.h"

typedef struct router_config {
    double overhead_s;     /* router inference time before the decision */
    double csi_delay_s;    /* age of the SNR the router sees */
    double csi_error_db;   /* sd of a Gaussian error on that SNR */
    int sees_switch_cost;  /* 0: the view's csw_* are 0 (the router is blind to KV
                            * recomputation; the simulation still charges it) */
} router_config;

typedef struct edge_config {
    int servers;           /* copies of the large model, each with its own batch and KV */
} edge_config;

/* One resolved run configuration (no pointers into JSON). */
typedef struct scenario {
    char name[128];
    char description[512];
    double seed;           /* integer in [0, 2^53] */
    int replication;       /* first replication index */
    int replications;      /* how many, from `replication` on */
    double duration_s;     /* arrivals after this are not started; 0 = whole trace */
    trace_config trace;
    devices_config devices;
    channel_config channel;
    router_config router;
    edge_config edge;
    llm_device_config device; /* what a device's memory holds of its device-tier models */
    sites_config sites;    /* edge sites (resolved: layout applied) and the handover rule */
    llm_config models[LLM_MAX_MODELS]; /* by name (docs/MODEL.md "Tiers"); models[0] is the base model */
    int n_models;
} scenario;

extern const key_spec scenario_keys[];

/* A loaded scenario file, before expansion. */
typedef struct scenario_file {
    char path[1024];
    cJSON *root;           /* owned; `policy`, `policies` and `sweep` removed */
    cJSON *policies;       /* owned array of policy objects (at least one) */
    cJSON *sweep;          /* owned object or NULL */
    int n_points;          /* sweep grid points (1 without a sweep) */
} scenario_file;

/* Read and parse `path`, apply the --set overrides ("a.b=JSON" strings),
 * and check the whole scenario by resolving its first point.  Returns 0, or
 * -1 with "file: key: message" in err.  Relative trace paths are resolved
 * against the scenario file's folder. */
int scenario_file_load(scenario_file *sf, const char *path, char *const *sets, int n_sets, char *err,
                       size_t errlen);
void scenario_file_free(scenario_file *sf);

/* Resolve grid point `point` (0 .. n_points-1) into `out`.  `*point_json`
 * (may be NULL) receives the overrides of that point as a JSON object, owned
 * by the caller.  Returns 0, or -1 with err set. */
int scenario_resolve(const scenario_file *sf, int point, scenario *out, cJSON **point_json, char *err,
                     size_t errlen);

/* The policy objects of grid point `point`: the scenario's policies with the
 * sweep's "policy.KEY" / "policies.N.KEY" values applied.  Caller frees;
 * NULL with err set on a bad key. */
cJSON *scenario_point_policies(const scenario_file *sf, int point, char *err, size_t errlen);

/* The fully resolved scenario as JSON (every key with its value), plus the
 * given policy object; caller frees. */
cJSON *scenario_to_json(const scenario *sc, const cJSON *policy);

uint64_t scenario_seed(const scenario *sc);

#endif
