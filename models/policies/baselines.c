/* baselines.c -- always-small, always-large, random. */
#include "edgesim/policy.h"

static route decide_small(void *state, const policy_view *v) { return ROUTE_SMALL; }
static route decide_large(void *state, const policy_view *v) { return ROUTE_LARGE; }

const policy_type policy_always_small = {
    EDGESIM_POLICY_API_VERSION, "always-small", "every query to the on-device model",
    NULL, 0, NULL, NULL, decide_small, NULL,
};

const policy_type policy_always_large = {
    EDGESIM_POLICY_API_VERSION, "always-large", "every query to the edge model",
    NULL, 0, NULL, NULL, decide_large, NULL,
};

static const policy_param random_params[] = {
    {"large_fraction", 0.5, 0.0, 1.0, "probability of routing a query to the edge model"},
    {NULL, 0, 0, 0, NULL},
};

static int random_create(void **state, const double *params, char *err, size_t errlen)
{
    *state = (void *)params; /* params outlive the state: they live in the instance */
    return 0;
}

/* Uses the view's paired coin, so the same query gets the same coin in
 * every run with the same seed. */
static route random_decide(void *state, const policy_view *v)
{
    const double *params = state;
    return v->u01 < params[0] ? ROUTE_LARGE : ROUTE_SMALL;
}

const policy_type policy_random = {
    EDGESIM_POLICY_API_VERSION, "random", "large with probability large_fraction (paired coin per query)",
    random_params, 0, random_create, NULL, random_decide, NULL,
};
