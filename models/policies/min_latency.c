/* min-latency -- the smaller latency estimate, ties to small (MODEL.md
 * section 5).  Uses est_small_s and est_large_s, which the run loop computes
 * from the simulation's own channel and LLM models at t_dec. */
#include "edgesim/policy.h"

static route min_latency_decide(void *state, const policy_view *v)
{
    return v->est_large_s < v->est_small_s ? ROUTE_LARGE : ROUTE_SMALL;
}

const policy_type policy_min_latency = {
    EDGESIM_POLICY_API_VERSION, "min-latency", "the model with the smaller latency estimate (ties: small)",
    NULL, 0, NULL, NULL, min_latency_decide, NULL, NULL,
};
