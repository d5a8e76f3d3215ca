/* baselines.c -- always-small, always-large, random (MODEL.md section 5). */
#include <stdio.h>
#include <stdlib.h>

#include "edgesim/policy.h"

static route decide_small(void *state, const policy_view *v) { return ROUTE_SMALL; }
static route decide_large(void *state, const policy_view *v) { return ROUTE_LARGE; }

const policy_type policy_always_small = {
    EDGESIM_POLICY_API_VERSION, "always-small", "every query to the on-device model",
    NULL, 0, NULL, NULL, decide_small, NULL, NULL,
};

const policy_type policy_always_large = {
    EDGESIM_POLICY_API_VERSION, "always-large", "every query to the edge model",
    NULL, 0, NULL, NULL, decide_large, NULL, NULL,
};

enum { RANDOM_LARGE_FRACTION };

static const policy_param random_params[] = {
    [RANDOM_LARGE_FRACTION] = {"large_fraction", 0.5, 0.0, 1.0, "probability of routing a query to the edge model", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};

typedef struct random_state {
    double large_fraction;
} random_state;

static int random_create(void **state, const double *params, char *err, size_t errlen)
{
    random_state *s = malloc(sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->large_fraction = params[RANDOM_LARGE_FRACTION];
    *state = s;
    return 0;
}

/* Large iff u01 < large_fraction, with the view's paired coin u01 in [0, 1):
 * the same query gets the same coin under every policy and seed, so 0 never
 * and 1 always routes large. */
static route random_decide(void *state, const policy_view *v)
{
    const random_state *s = state;
    return v->u01 < s->large_fraction ? ROUTE_LARGE : ROUTE_SMALL;
}

const policy_type policy_random = {
    EDGESIM_POLICY_API_VERSION, "random", "large with probability large_fraction (paired coin per query)",
    random_params, 0, random_create, NULL, random_decide, free, NULL,
};
