/* policies.h -- the policy registry and configured policy instances.
 *
 * The registry is an object (no globals): the built-in policies plus any
 * loaded plug-ins.  A policy_instance is one configured policy of a run:
 * its type, resolved parameters and state.
 *
 * Ownership: the registry owns the plug-in handles and closes them in
 * policy_registry_destroy, so every policy_instance made from a registry
 * must be destroyed before the registry.  Errors are returned as 0 / -1 with
 * a one-line message in the caller's buffer naming the key or file.
 */
#ifndef EDGESIM_POLICIES_H
#define EDGESIM_POLICIES_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "edgesim/policy.h"

#define POLICY_MAX_PARAMS 16
#define POLICY_MAX_MODELS 8  /* models a view may hold (LLM_MAX_MODELS) */

typedef struct policy_registry policy_registry;

/* The calls of a policy_type that policy_instance_* make: X(NAME, "name"). */
#define POLICY_CALLS(X)                       \
    X(POLICY_CALL_CREATE, "create")           \
    X(POLICY_CALL_CALIBRATE, "calibrate")     \
    X(POLICY_CALL_DECIDE, "decide")           \
    X(POLICY_CALL_DERIVED, "derived")         \
    X(POLICY_CALL_DESTROY, "destroy")
#define POLICY_CALL_ENUM_(name, text) name,
enum policy_call { POLICY_CALLS(POLICY_CALL_ENUM_) };
#undef POLICY_CALL_ENUM_
/* "decide", ...; "?" out of range. */
const char *policy_call_name(int call);

/* Which policy call a thread is in, for a supervisor in another process
 * (sim/cli/cli_guard.c): policy_instance_* mark every call of the type's
 * functions in the instance's watch, when it has one.  One writing thread
 * per watch.  `seq` is odd while a call is under way; the other fields
 * describe the latest call and are written before `seq` turns odd.  The
 * struct may live in memory shared between processes: nothing in it is a
 * pointer another process would follow. */
typedef struct policy_watch {
    atomic_uint seq;
    int call;                     /* POLICY_CALL_* */
    int64_t query_id;             /* decide: the query's id; else -1 */
    const policy_type *type;      /* the writer's own: whose names are below */
    char policy[48];              /* the policy's name */
    char plugin[256];             /* its plug-in's path; "" for a built-in */
    char label[160];              /* the run, set by the caller (policy_watch_label) */
} policy_watch;
/* Set the run's label ("run 2/6 my-policy rep 0 point 1"); NULL w: no-op. */
void policy_watch_label(policy_watch *w, const char *label);

/* Returns NULL on allocation failure. */
policy_registry *policy_registry_create(void);
/* Closes the plug-ins; NULL is a no-op. */
void policy_registry_destroy(policy_registry *reg);
/* NULL if unknown. */
const policy_type *policy_registry_find(const policy_registry *reg, const char *name);
/* Load a plug-in shared object; returns 0, or -1 with a message in err:
 * file missing or not loadable, symbol missing, API version mismatch, name
 * clashing with a registered policy, malformed type or parameter table. */
int policy_registry_load_plugin(policy_registry *reg, const char *path, char *err, size_t errlen);
/* Instances of plug-in policies made from now on report their calls to `w`
 * (NULL: none; built-in policies never do); the caller may move such an
 * instance to another watch (pi->watch) for another thread.  `w` must
 * outlive those instances. */
void policy_registry_set_watch(policy_registry *reg, policy_watch *w);
policy_watch *policy_registry_watch(const policy_registry *reg);
/* The plug-in path `t` was loaded from; NULL for a built-in. */
const char *policy_registry_plugin_path(const policy_registry *reg, const policy_type *t);
/* `edgesim policies`: every policy with its summary and, per parameter, the
 * default, range, unit and help. */
void policy_registry_print(const policy_registry *reg, FILE *out);
/* Number of registered policies and the i-th (0-based; registration order:
 * built-ins, then plug-ins in load order); NULL past the end. */
int policy_registry_count(const policy_registry *reg);
const policy_type *policy_registry_get(const policy_registry *reg, int i);

/* 1 if the type routes between exactly two models: version-1 types (which
 * have no `pairwise` field) and version-2 types that say so. */
int policy_type_pairwise(const policy_type *t);

typedef struct policy_instance {
    const policy_type *type;
    double params[POLICY_MAX_PARAMS];
    int n_params;
    void *state;
    const char *plugin;           /* the plug-in's path (the registry's), NULL for a built-in */
    policy_watch *watch;          /* where a plug-in's calls are marked (the registry's at init), or NULL */
} policy_instance;

/* Configure from a JSON object {"name": ..., param: value, ...}; `path` names
 * the object in messages ("policies[2]").  Unknown names and parameters,
 * duplicated parameters, wrong types and out-of-range values are errors.
 * Returns 0 or -1; after -1, pi->type is NULL and destroy is a no-op. */
int policy_instance_init(policy_instance *pi, const policy_registry *reg, const cJSON *obj,
                         const char *path, char *err, size_t errlen);
/* Show the policy every query's p_large before the run (n may be 0).  A no-op
 * for policies without a calibrate hook.  Returns 0 or -1 with a message. */
int policy_instance_calibrate(policy_instance *pi, const double *p_large, size_t n, char *err,
                              size_t errlen);
/* The decision: a model index.  Hides the true qualities (q_small, q_large,
 * models[].q: NAN) from policies without needs_oracle.  A view with
 * n_models 0 is a two-model view given by its small/large fields. */
route policy_instance_decide(const policy_instance *pi, const policy_view *view);
/* {"name": ..., every parameter: its resolved value}; caller frees.  Feeding
 * it back to policy_instance_init gives the same configuration. */
cJSON *policy_instance_to_json(const policy_instance *pi);
/* {derived name: value, ...} from the type's derived hook (e.g. the threshold
 * that target_large_fraction calibrated); an empty object if none; caller
 * frees.  Meant for runs.policy_params next to the parameters.  NULL with a
 * message in err when the hook gives a NULL or empty name or more than
 * POLICY_MAX_DERIVED values; NULL with err "" when out of memory. */
#define POLICY_MAX_DERIVED 64
cJSON *policy_instance_derived_json(const policy_instance *pi, char *err, size_t errlen);
void policy_instance_destroy(policy_instance *pi);

/* The oracle's rule, for summaries and regret (MODEL.md section 5): small iff
 * q_small >= q_large.  The oracle's quality is max(q_small, q_large); the
 * regret of a run is mean(oracle quality) - mean(quality) over its queries.
 * The same in SQL over the `queries` table: */
route policy_oracle_route(double q_small, double q_large);
double policy_oracle_quality(double q_small, double q_large);
#define POLICY_SQL_ORACLE_QUALITY "(CASE WHEN q_small >= q_large THEN q_small ELSE q_large END)"
#define POLICY_SQL_ORACLE_ROUTE "(CASE WHEN q_small >= q_large THEN 'small' ELSE 'large' END)"

#endif
