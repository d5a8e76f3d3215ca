/* figures.c -- summary figures of a run without its rows (figures_int.h).
 *
 * Quantile sketch: logarithmic buckets, bucket i holding (gamma^(i-1),
 * gamma^i] with gamma = (1+a)/(1-a), reported as 2 gamma^i / (gamma+1), which
 * is within a relative a of every value in the bucket (the DDSketch bound:
 * C. Masson, J. E. Rim, H. K. Lee, "DDSketch: a fast and fully-mergeable
 * quantile sketch with relative-error guarantees", PVLDB 12(12), 2019).
 * Memory is fixed (about 21,000 counters per sketch for a = 1e-3 over
 * 1e-9 .. 1e9 s), whatever the number of records. */
#include "figures_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double log_gamma(void) { return log((1 + FIGURES_REL_ERROR) / (1 - FIGURES_REL_ERROR)); }

static int sketch_init(quantile_sketch *q)
{
    memset(q, 0, sizeof *q);
    q->n_buckets = (int)ceil(log(FIGURES_MAX_S / FIGURES_MIN_S) / log_gamma()) + 2;
    q->count = calloc((size_t)q->n_buckets, sizeof *q->count);
    q->min = INFINITY;
    q->max = -INFINITY;
    return q->count ? 0 : -1;
}

static void sketch_reset(quantile_sketch *q)
{
    memset(q->count, 0, (size_t)q->n_buckets * sizeof *q->count);
    q->n = 0;
    q->min = INFINITY;
    q->max = -INFINITY;
}

static void sketch_add(quantile_sketch *q, double x)
{
    int i;
    if (!(x > FIGURES_MIN_S))
        i = 0;
    else if (x > FIGURES_MAX_S)
        i = q->n_buckets - 1;
    else {
        i = (int)ceil(log(x / FIGURES_MIN_S) / log_gamma());
        if (i < 1)
            i = 1;
        if (i > q->n_buckets - 2)
            i = q->n_buckets - 2;
    }
    q->count[i]++;
    q->n++;
    if (x < q->min)
        q->min = x;
    if (x > q->max)
        q->max = x;
}

double figures_percentile(const quantile_sketch *q, int p)
{
    if (q->n == 0)
        return NAN;
    uint64_t rank = (q->n * (uint64_t)p + 99) / 100, seen = 0;
    if (rank <= 1)
        return q->min;
    if (rank >= q->n)
        return q->max;
    for (int i = 0; i < q->n_buckets; i++) {
        seen += q->count[i];
        if (seen < rank)
            continue;
        if (i == 0)
            return q->min;
        if (i == q->n_buckets - 1)
            return q->max;
        /* bucket i holds (MIN gamma^(i-1), MIN gamma^i] */
        double g = exp(log_gamma());
        double v = FIGURES_MIN_S * exp(i * log_gamma()) * 2 / (g + 1);
        return v < q->min ? q->min : v > q->max ? q->max : v;
    }
    return q->max;
}

int figures_init(run_figures *f)
{
    memset(f, 0, sizeof *f);
    if (sketch_init(&f->latency) != 0 || sketch_init(&f->ttft) != 0) {
        figures_free(f);
        return -1;
    }
    return 0;
}

void figures_reset(run_figures *f)
{
    quantile_sketch lat = f->latency, ttft = f->ttft;
    memset(f, 0, sizeof *f);
    f->latency = lat;
    f->ttft = ttft;
    sketch_reset(&f->latency);
    sketch_reset(&f->ttft);
}

void figures_free(run_figures *f)
{
    free(f->latency.count);
    free(f->ttft.count);
    f->latency.count = f->ttft.count = NULL;
}

/* The run_summary view's AVG ignores NULLs (NAN here); so do these sums. */
void figures_add(run_figures *f, const run_info *info, const record *r)
{
    f->n++;
    if (r->status >= 0 && r->status < QUERY_N_STATUSES)
        f->n_status[r->status]++;
    if (r->route >= 0 && strcmp(info->model_names[r->route], "large") == 0)
        f->n_large++;
    else if (r->route >= 0)
        f->n_small++; /* every other model: large_fraction is large over all decided */
    if (r->route >= 0 && r->route < RECORD_MAX_MODELS) {
        f->n_model[r->route]++;
        if (!isnan(r->cost))
            f->cost_model[r->route] += r->cost;
    }
    if (r->status != QUERY_DONE)
        return; /* the rest is over done queries only (docs/ANALYSIS.md) */
    f->sum_latency += r->latency_s;
    sketch_add(&f->latency, r->latency_s);
    if (!isnan(r->ttft_s)) {
        f->sum_ttft += r->ttft_s;
        f->n_ttft++;
        sketch_add(&f->ttft, r->ttft_s);
    }
    if (!isnan(r->quality)) {
        f->sum_quality += r->quality;
        f->n_quality++;
    }
    if (!isnan(r->energy_j)) {
        f->sum_energy += r->energy_j;
        f->n_energy++;
    }
    if (!isnan(r->q_small) && !isnan(r->q_large)) { /* SQL max(a, b) is NULL if either is */
        f->sum_best += r->q_small > r->q_large ? r->q_small : r->q_large;
        f->n_best++;
    }
}
