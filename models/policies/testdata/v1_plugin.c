/* v1_plugin.c -- a plug-in built against policy API version 1 (the frozen
 * header in testdata/v1/edgesim/policy.h): it must still load and route
 * between two models (tests/test_policy_plugin.c, tests/cli/tiers.sh).
 * Rule: large iff p_large > 0.5 and est_large_s < est_small_s + 1. */
#include "edgesim/policy.h"

static route decide(void *state, const policy_view *v)
{
    (void)state;
    return v->p_large > 0.5 && v->est_large_s < v->est_small_s + 1 ? ROUTE_LARGE : ROUTE_SMALL;
}

static const policy_type type = {
    .api_version = 1,
    .name = "v1-score",
    .summary = "an old plug-in: large iff p_large > 0.5 and est_large_s < est_small_s + 1",
    .decide = decide,
};

const policy_type *edgesim_policy_plugin(void)
{
    return &type;
}
