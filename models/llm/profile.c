/* profile.c -- latency formulas of a resolved profile (docs/MODEL.md section 3). */
#include "models/llm/llm.h"

double llm_prefill_s(const llm_profile *p, double new_tokens, double cached_tokens)
{
    return p->p[0] + p->p[1] * new_tokens + p->p[2] * new_tokens * (cached_tokens + new_tokens / 2);
}

double llm_decode_step_s(const llm_profile *p, int batch, double context_sum_tokens)
{
    return p->d[0] + p->d[1] * batch + p->d[2] * context_sum_tokens;
}

double llm_batch1_service_s(const llm_profile *p, double new_tokens, double cached_tokens, double out_tokens)
{
    double t = llm_prefill_s(p, new_tokens, cached_tokens);
    double ctx = cached_tokens + new_tokens;
    for (double j = 1; j < out_tokens; j++)
        t += llm_decode_step_s(p, 1, ctx + j);
    return t;
}
