/* oracle.c -- knows every answer's quality (MODEL.md section 5).
 *
 * The model with the highest quality, ties to the earlier model (with two:
 * small iff q_small >= q_large): the best quality at the least use of the
 * bigger tiers.  An upper bound on quality for every other policy on the
 * same trace.  The same rule is policy_oracle_route() for the summaries. */
#include "edgesim/policy.h"

static route oracle_decide(void *state, const policy_view *v)
{
    int best = 0;
    for (int m = 1; m < v->n_models; m++)
        if (v->models[m].q > v->models[best].q)
            best = m;
    return (route)best;
}

const policy_type policy_oracle = {
    EDGESIM_POLICY_API_VERSION, "oracle",
    "knows every model's quality: the best, ties to the earlier model (with two: small iff q_small >= q_large)",
    NULL, 1, NULL, NULL, oracle_decide, NULL, NULL, 0,
};
