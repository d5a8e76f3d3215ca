/* min-latency -- the smallest latency estimate, ties to the earlier model
 * (MODEL.md section 5): with two models, large iff est_large_s <
 * est_small_s.  The estimates come from the run loop, which computes them
 * from the simulation's own channel, WAN and LLM models at t_dec. */
#include "edgesim/policy.h"

static route min_latency_decide(void *state, const policy_view *v)
{
    int best = 0;
    for (int m = 1; m < v->n_models; m++)
        if (v->models[m].est_s < v->models[best].est_s)
            best = m;
    return (route)best;
}

const policy_type policy_min_latency = {
    EDGESIM_POLICY_API_VERSION, "min-latency", "the model with the smallest latency estimate (ties: the earlier)",
    NULL, 0, NULL, NULL, min_latency_decide, NULL, NULL, 0,
};
