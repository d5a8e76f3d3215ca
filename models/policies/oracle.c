/* oracle.c -- knows both answers' quality (MODEL.md section 5).
 *
 * Small iff q_small >= q_large: the best quality at the least use of the edge
 * (ties go to the on-device model).  An upper bound on quality for every
 * other policy on the same trace, since its quality per query is
 * max(q_small, q_large).  The same rule is policy_oracle_route() for the
 * summaries. */
#include "edgesim/policy.h"

static route oracle_decide(void *state, const policy_view *v)
{
    return v->q_small >= v->q_large ? ROUTE_SMALL : ROUTE_LARGE;
}

const policy_type policy_oracle = {
    EDGESIM_POLICY_API_VERSION, "oracle", "knows q_small and q_large: small iff q_small >= q_large (quality upper bound)",
    NULL, 1, NULL, NULL, oracle_decide, NULL, NULL,
};
