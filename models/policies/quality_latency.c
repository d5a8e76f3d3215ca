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
 * Over N models (docs/MODEL.md "Tiers") both rules are one rule: with the
 * first model as the base b, the margin of model m is
 *   g_m = (p_m - p_b) - alpha*((T_m + Csw_m) - (T_b + Csw_b))
 * (Csw = 0 for quality-latency), and the rule picks the model with the
 * largest g_m among those with g_m > theta, else the base; ties go to the
 * earlier model.  That maximises predicted quality minus alpha times
 * estimated latency, with theta as the guard against leaving the base.  With
 * two models p_b = 0 (no p_small column) and p_large = p, so g_large is
 * exactly the paper's margin, computed in the same order of operations:
 * the decisions are identical (tests/test_policy_rules.c).
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

/* The generalised rule; with_csw 0 for quality-latency, 1 for
 * context-aware. */
static route best_margin(const ql_state *s, const policy_view *v, int with_csw)
{
    const policy_model *b = &v->models[0];
    int best = 0;
    double best_margin = s->theta;
    for (int m = 1; m < v->n_models; m++) {
        const policy_model *c = &v->models[m];
        double dp = c->p - b->p;
        double margin = with_csw ? dp - s->alpha * ((c->est_s + c->csw_s) - (b->est_s + b->csw_s))
                                 : dp - s->alpha * (c->est_s - b->est_s);
        if (margin > best_margin) {
            best_margin = margin;
            best = m;
        }
    }
    return (route)best;
}

static route ql_decide(void *state, const policy_view *v)
{
    return best_margin(state, v, 0);
}

static route ca_decide(void *state, const policy_view *v)
{
    return best_margin(state, v, 1);
}

const policy_type policy_quality_latency = {
    EDGESIM_POLICY_API_VERSION, "quality-latency",
    "the paper's single-turn rule: large iff p - alpha*(T_large - T_small) > theta (over N models: the largest "
    "margin over the first model, if > theta)",
    ql_params, 0, ql_create, NULL, ql_decide, free, NULL, 0,
};

const policy_type policy_context_aware = {
    EDGESIM_POLICY_API_VERSION, "context-aware",
    "the paper's multi-turn rule: large iff p - alpha*((T_large + Csw_large) - (T_small + Csw_small)) > theta "
    "(over N models: the largest margin over the first model, if > theta)",
    ql_params, 0, ql_create, NULL, ca_decide, free, NULL, 0,
};
