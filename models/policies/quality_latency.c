/* quality_latency.c -- the paper's rules (Bao, Xue, Sun, Chen, "Dynamic
 * Quality-Latency Aware Routing for LLM Inference in Wireless Edge-Device
 * Networks", arXiv 2508.11291), as reconstructed in MODEL.md section 5:
 *
 *   quality-latency (single turn):
 *     large iff p - alpha*(T_large - T_small) > theta
 *   context-aware (multi-turn):
 *     large iff p - alpha*((T_large + Csw_large) - (T_small + Csw_small)) > theta
 *
 * p = view->p_large, T_* = view->est_*_s, Csw_* = view->csw_*_s (seconds).
 * The comparison is strict: a margin exactly equal to theta routes small.
 * Outside dialogues the run loop sets csw_* = 0, so context-aware equals
 * quality-latency there.
 *
 * Defaults (the paper's full text is not public, so these are ours):
 *   theta = 0.5: with equal estimates the rule is score-threshold at 0.5, the
 *     Bayes decision for a calibrated p with equal costs of both errors.
 *   alpha = 0.05 1/s: one second of expected latency is worth 5 points of
 *     P(large needed).  The scale of T_large - T_small is seconds: a 200-token
 *     answer decodes in ~8 s on a phone SoC at ~25 tokens/s and ~3 s on an
 *     edge GPU at ~70 tokens/s (REFERENCE.md section 5c), so a 5 s advantage
 *     moves the threshold by 0.25 and a 10 s one by 0.5.  Sweep it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "edgesim/policy.h"

enum { QL_ALPHA, QL_THETA };

static const policy_param ql_params[] = {
    [QL_ALPHA] = {"alpha", 0.05, 0.0, 100.0, "weight of the latency difference against the score", "1/s"},
    [QL_THETA] = {"theta", 0.5, -10.0, 10.0, "decision threshold on the margin", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};

typedef struct ql_state {
    double alpha, theta;
} ql_state;

static int ql_create(void **state, const double *params, char *err, size_t errlen)
{
    ql_state *s = malloc(sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->alpha = params[QL_ALPHA];
    s->theta = params[QL_THETA];
    *state = s;
    return 0;
}

static route ql_decide(void *state, const policy_view *v)
{
    const ql_state *s = state;
    double margin = v->p_large - s->alpha * (v->est_large_s - v->est_small_s);
    return margin > s->theta ? ROUTE_LARGE : ROUTE_SMALL;
}

static route ca_decide(void *state, const policy_view *v)
{
    const ql_state *s = state;
    double margin = v->p_large
                    - s->alpha * ((v->est_large_s + v->csw_large_s) - (v->est_small_s + v->csw_small_s));
    return margin > s->theta ? ROUTE_LARGE : ROUTE_SMALL;
}

const policy_type policy_quality_latency = {
    EDGESIM_POLICY_API_VERSION, "quality-latency",
    "the paper's single-turn rule: large iff p - alpha*(T_large - T_small) > theta",
    ql_params, 0, ql_create, NULL, ql_decide, free, NULL,
};

const policy_type policy_context_aware = {
    EDGESIM_POLICY_API_VERSION, "context-aware",
    "the paper's multi-turn rule: large iff p - alpha*((T_large + Csw_large) - (T_small + Csw_small)) > theta",
    ql_params, 0, ql_create, NULL, ca_decide, free, NULL,
};
