/* score_cascade.c -- score thresholds as a cascade over N models (MODEL.md
 * section 10): models in the scenario's order, cheapest first; the query
 * climbs to the last model whose router score p_m exceeds `threshold`, else
 * stays on the first.  With two models: large iff p_large > threshold, the
 * fixed-threshold score-threshold rule (RouteLLM). */
#include <stdlib.h>

#include "edgesim/policy.h"
#include "policies_int.h"

enum { CASCADE_THRESHOLD };

static const policy_param cascade_params[] = {
    [CASCADE_THRESHOLD] = {"threshold", 0.5, 0.0, 1.0, "climb to a model whose score p_MODEL exceeds this", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};

_Static_assert(CASCADE_THRESHOLD == 0, "policy_create_one_double stores params[0]");

static route cascade_decide(void *state, const policy_view *v)
{
    double threshold = *(const double *)state;
    int chosen = 0;
    for (int m = 1; m < v->n_models; m++)
        if (v->models[m].p > threshold)
            chosen = m;
    return (route)chosen;
}

const policy_type policy_score_cascade = {
    EDGESIM_POLICY_API_VERSION, "score-cascade",
    "the last model (in the scenario's order) whose score p_MODEL > threshold, else the first",
    cascade_params, 0, policy_create_one_double, NULL, cascade_decide, free, NULL, 0,
};
