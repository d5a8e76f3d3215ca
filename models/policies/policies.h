/* policies.h -- the policy registry and configured policy instances.
 *
 * The registry is an object (no globals): the built-in policies plus any
 * loaded plug-ins.  A policy_instance is one configured policy of a run:
 * its type, resolved parameters and state.
 */
#ifndef EDGESIM_POLICIES_H
#define EDGESIM_POLICIES_H

#include <stdio.h>
#include <cjson/cJSON.h>

#include "edgesim/policy.h"

#define POLICY_MAX_PARAMS 16

typedef struct policy_registry policy_registry;

policy_registry *policy_registry_create(void);
void policy_registry_destroy(policy_registry *reg);
/* NULL if unknown. */
const policy_type *policy_registry_find(const policy_registry *reg, const char *name);
/* Load a plug-in shared object; returns 0, or -1 with a message in err. */
int policy_registry_load_plugin(policy_registry *reg, const char *path, char *err, size_t errlen);
/* `edgesim policies`: every policy with its parameters, defaults and ranges. */
void policy_registry_print(const policy_registry *reg, FILE *out);

typedef struct policy_instance {
    const policy_type *type;
    double params[POLICY_MAX_PARAMS];
    int n_params;
    void *state;
} policy_instance;

/* Configure from a JSON object {"name": ..., param: value, ...}; `path` names
 * the object in messages ("policies[2]").  Unknown names and parameters,
 * wrong types and out-of-range values are errors.  Returns 0 or -1. */
int policy_instance_init(policy_instance *pi, const policy_registry *reg, const cJSON *obj,
                         const char *path, char *err, size_t errlen);
/* {"name": ..., every parameter: its resolved value}; caller frees. */
cJSON *policy_instance_to_json(const policy_instance *pi);
void policy_instance_destroy(policy_instance *pi);

#endif
