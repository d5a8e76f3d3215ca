/* trace_stats.c -- summary of a trace in bounded memory.
 *
 * Lengths: exact counts below 65,536 tokens, the rare longer ones kept in a
 * list, so quantiles are exact.  AUC of p_large for "large needed"
 * (q_large > q_small): the Mann-Whitney statistic over 2^20 score bins per
 * class, ties within a bin counted one half (Hanley & McNeil 1982); exact for
 * scores written with 6 significant digits up to the bin width 2^-20. */
#include "trace_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LEN_BINS 65536
#define AUC_BINS (1 << 20)

typedef struct len_hist {
    int64_t *count;            /* [LEN_BINS] */
    int *big;                  /* values >= LEN_BINS */
    size_t nbig, capbig;
    int64_t n;
    double sum;
} len_hist;

struct trace_stats {
    len_hist in, out;
    uint32_t *pos, *neg;       /* [AUC_BINS] */
    int64_t rows, queries, dialogues, turns;
    double sum_small, sum_large;
    int64_t cell[2][2];        /* [small right][large right] */
    double sum_model[TRACE_MAX_MODEL_COLS]; /* q_<model> of the model columns, where not NAN */
    int64_t n_model[TRACE_MAX_MODEL_COLS];
};

trace_stats *trace_stats_create(void)
{
    trace_stats *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->in.count = calloc(LEN_BINS, sizeof(int64_t));
    st->out.count = calloc(LEN_BINS, sizeof(int64_t));
    st->pos = calloc(AUC_BINS, sizeof(uint32_t));
    st->neg = calloc(AUC_BINS, sizeof(uint32_t));
    if (!st->in.count || !st->out.count || !st->pos || !st->neg) {
        trace_stats_destroy(st);
        return NULL;
    }
    return st;
}

void trace_stats_destroy(trace_stats *st)
{
    if (!st)
        return;
    free(st->in.count);
    free(st->in.big);
    free(st->out.count);
    free(st->out.big);
    free(st->pos);
    free(st->neg);
    free(st);
}

static int len_add(len_hist *h, int v)
{
    h->n++;
    h->sum += v;
    if (v < LEN_BINS) {
        h->count[v]++;
        return 0;
    }
    if (h->nbig == h->capbig) {
        size_t cap = h->capbig ? h->capbig * 2 : 64;
        int *p = realloc(h->big, cap * sizeof *p);
        if (!p)
            return -1;
        h->big = p;
        h->capbig = cap;
    }
    h->big[h->nbig++] = v;
    return 0;
}

int trace_stats_add(trace_stats *st, const trace_row *row)
{
    int large_needed = row->q_large > row->q_small;
    uint32_t bin = (uint32_t)(row->p_large * AUC_BINS);
    if (bin >= AUC_BINS)
        bin = AUC_BINS - 1; /* p_large = 1 shares the top bin */
    st->rows++;
    if (row->dialogue_id < 0)
        st->queries++;
    else {
        st->turns++;
        st->dialogues += row->turn == 1;
    }
    st->sum_small += row->q_small;
    st->sum_large += row->q_large;
    st->cell[row->q_small >= 0.5][row->q_large >= 0.5]++;
    for (int m = 0; m < TRACE_MAX_MODEL_COLS; m++)
        if (!isnan(row->model_q[m])) {
            st->sum_model[m] += row->model_q[m];
            st->n_model[m]++;
        }
    (large_needed ? st->pos : st->neg)[bin]++;
    if (len_add(&st->in, row->in_tokens) || len_add(&st->out, row->out_tokens))
        return -1;
    return 0;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The q-quantile, type 1 (inverse of the empirical CDF). */
static double len_quantile(len_hist *h, double q)
{
    int64_t rank = (int64_t)ceil(q * (double)h->n), seen = 0;
    int v;
    if (h->n == 0)
        return NAN;
    if (rank < 1)
        rank = 1;
    for (v = 0; v < LEN_BINS; v++) {
        seen += h->count[v];
        if (seen >= rank)
            return v;
    }
    return h->big[rank - seen - 1];
}

static void len_summary(len_hist *h, double q[5], double *mean)
{
    static const double qs[5] = {0.10, 0.50, 0.90, 0.99, 1.0};
    int i;
    if (h->nbig > 0)
        qsort(h->big, h->nbig, sizeof *h->big, cmp_int);
    for (i = 0; i < 5; i++)
        q[i] = len_quantile(h, qs[i]);
    *mean = h->n ? h->sum / (double)h->n : NAN;
}

void trace_stats_summary(trace_stats *st, trace_summary *s)
{
    double n = (double)st->rows, below = 0, u = 0, npos = 0, nneg = 0;
    int b;
    memset(s, 0, sizeof *s);
    s->rows = st->rows;
    s->queries = st->queries;
    s->dialogues = st->dialogues;
    s->turns = st->turns;
    s->acc_small = n > 0 ? st->sum_small / n : NAN;
    s->acc_large = n > 0 ? st->sum_large / n : NAN;
    s->both = n > 0 ? st->cell[1][1] / n : NAN;
    s->only_small = n > 0 ? st->cell[1][0] / n : NAN;
    s->only_large = n > 0 ? st->cell[0][1] / n : NAN;
    s->neither = n > 0 ? st->cell[0][0] / n : NAN;
    for (int m = 0; m < TRACE_MAX_MODEL_COLS; m++)
        s->acc_model[m] = st->n_model[m] > 0 ? st->sum_model[m] / (double)st->n_model[m] : NAN;
    for (b = 0; b < AUC_BINS; b++) {
        u += st->pos[b] * (below + 0.5 * st->neg[b]);
        below += st->neg[b];
        npos += st->pos[b];
    }
    nneg = below;
    s->auc = npos > 0 && nneg > 0 ? u / (npos * nneg) : NAN;
    len_summary(&st->in, s->in_q, &s->in_mean);
    len_summary(&st->out, s->out_q, &s->out_mean);
}
