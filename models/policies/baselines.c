/* baselines.c -- always-small, always-large, always, random (MODEL.md
 * section 5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgesim/policy.h"
#include "policies_int.h"

/* The model called `name`, or n_models (an invalid route the run loop
 * reports) when the scenario has none of that name. */
static route model_named(const policy_view *v, const char *name)
{
    int m = 0;
    while (m < v->n_models && strcmp(v->models[m].name, name) != 0)
        m++;
    return (route)m;
}

static route decide_small(void *state, const policy_view *v) { return model_named(v, "small"); }
static route decide_large(void *state, const policy_view *v) { return model_named(v, "large"); }

const policy_type policy_always_small = {
    EDGESIM_POLICY_API_VERSION, "always-small", "every query to the model called small (by default on the device)",
    NULL, 0, NULL, NULL, decide_small, NULL, NULL, 0,
};

const policy_type policy_always_large = {
    EDGESIM_POLICY_API_VERSION, "always-large", "every query to the model called large (by default on the edge)",
    NULL, 0, NULL, NULL, decide_large, NULL, NULL, 0,
};

enum { ALWAYS_MODEL };

static const policy_param always_params[] = {
    [ALWAYS_MODEL] = {"model", 0, 0, 7, "the model, as its index in the scenario's models (0: the first)", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};

_Static_assert(ALWAYS_MODEL == 0, "policy_create_one_double stores params[0]");

static int always_create(void **state, const double *params, char *err, size_t errlen)
{
    if (params[ALWAYS_MODEL] != (int)params[ALWAYS_MODEL]) {
        snprintf(err, errlen, "model: expected an integer index, found %g", params[ALWAYS_MODEL]);
        return -1;
    }
    return policy_create_one_double(state, params, err, errlen);
}

static route decide_always(void *state, const policy_view *v)
{
    return (route) * (const double *)state; /* an integer, checked by always_create */
}

const policy_type policy_always = {
    EDGESIM_POLICY_API_VERSION, "always", "every query to one model (\"model\": its index, or its name in a scenario)",
    always_params, 0, always_create, NULL, decide_always, free, NULL, 0,
};

enum { RANDOM_LARGE_FRACTION };

static const policy_param random_params[] = {
    [RANDOM_LARGE_FRACTION] = {"large_fraction", 0.5, 0.0, 1.0, "probability of routing a query to the edge model", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};

_Static_assert(RANDOM_LARGE_FRACTION == 0, "policy_create_one_double stores params[0]");

int policy_create_one_double(void **state, const double *params, char *err, size_t errlen)
{
    double *s = malloc(sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *s = params[0];
    *state = s;
    return 0;
}

/* Large iff u01 < large_fraction, with the view's paired coin u01 in [0, 1):
 * the same query gets the same coin under every policy and seed, so 0 never
 * and 1 always routes large. */
static route random_decide(void *state, const policy_view *v)
{
    double large_fraction = *(const double *)state;
    return v->u01 < large_fraction ? ROUTE_LARGE : ROUTE_SMALL;
}

const policy_type policy_random = {
    EDGESIM_POLICY_API_VERSION, "random", "large with probability large_fraction (paired coin per query)",
    random_params, 0, policy_create_one_double, NULL, random_decide, free, NULL, 1,
};
