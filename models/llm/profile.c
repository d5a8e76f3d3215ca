/* profile.c -- latency formulas of a resolved profile (docs/MODEL.md section 3,
 * docs/PROFILES.md). */
#include "models/llm/llm.h"

#include <assert.h>
#include <math.h>

double llm_prefill_s(const llm_profile *p, double new_tokens, double cached_tokens)
{
    return p->p[0] + p->p[1] * new_tokens + p->p[2] * new_tokens * (cached_tokens + new_tokens / 2);
}

/* Piecewise-linear interpolation of the measured table in the batch size,
 * extended linearly beyond the first and last points by the nearest segment. */
static double table_step_s(const llm_profile *p, double batch)
{
    int n = p->n_table;
    if (n == 1)
        return p->table_step_s[0];
    int i = 1;
    while (i < n - 1 && batch > p->table_batch[i])
        i++;
    double b0 = p->table_batch[i - 1], b1 = p->table_batch[i];
    double s0 = p->table_step_s[i - 1], s1 = p->table_step_s[i];
    return s0 + (s1 - s0) * (batch - b0) / (b1 - b0);
}

double llm_decode_step_s(const llm_profile *p, int batch, double context_sum_tokens)
{
    if (p->n_table > 0)
        return table_step_s(p, batch) + p->d[2] * (context_sum_tokens - batch * p->table_context_tokens);
    return p->d[0] + p->d[1] * batch + p->d[2] * context_sum_tokens;
}

/* T_step is linear in the context sum, so the sum of `steps` steps whose
 * context sums are C, C + b, ..., C + b (steps - 1) is steps times the step at
 * the mean context sum C + b (steps - 1)/2 (exact for coefficients and for a
 * table alike). */
double llm_decode_run_s(const llm_profile *p, int batch, double context_sum_tokens, double steps)
{
    return steps > 0 ? steps * llm_decode_step_s(p, batch, context_sum_tokens + batch * (steps - 1) / 2) : 0;
}

double llm_batch1_service_s(const llm_profile *p, double new_tokens, double cached_tokens, double out_tokens)
{
    double t = llm_prefill_s(p, new_tokens, cached_tokens);
    return t + llm_decode_run_s(p, 1, cached_tokens + new_tokens + 1, out_tokens - 1);
}

/* Roofline (MODEL.md section 3): a prefill token and a decode sequence each
 * cost 2N FLOPs (one multiply-add per weight); attention between a query and
 * a key costs 4*layers*d_model FLOPs (QK^T and AV); a decode step reads all
 * weights once (W = N*bits/8 bytes) and every context token's K and V. */
void llm_roofline_coefficients(const llm_roofline_config *rc, double p[3], double d[3],
                               double *kv_bytes_per_token)
{
    double flops = rc->eta_compute * rc->peak_flops;      /* achieved FLOP/s */
    double bw = rc->eta_memory * rc->mem_bw_bytes_per_s;  /* achieved B/s */
    double weight_bytes = rc->params * rc->weight_bits / 8;
    double kv = 2 * rc->layers * rc->kv_heads * rc->head_dim * rc->kv_bytes; /* K and V, B/token */
    assert(flops > 0 && bw > 0);
    p[0] = 0;
    p[1] = 2 * rc->params / flops;
    p[2] = 4 * rc->layers * rc->d_model / flops;
    d[0] = weight_bytes / bw;
    d[1] = 2 * rc->params / flops;
    d[2] = kv / bw;
    *kv_bytes_per_token = kv;
}

double llm_device_energy_j(double compute_s, double power_w, double ul_air_s, double ul_w, double dl_air_s,
                           double dl_w)
{
    return compute_s * power_w + ul_air_s * ul_w + dl_air_s * dl_w;
}
