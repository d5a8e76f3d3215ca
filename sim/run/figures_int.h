/* figures_int.h -- a run's summary figures accumulated record by record, for
 * `edgesim run --records runs` (no per-query rows): the same figures as the
 * run_summary view (analysis/views.sql), means exact, percentiles from a
 * log-bucket quantile sketch with relative error at most FIGURES_REL_ERROR
 * (docs/BENCHMARKS.md, "Records modes").  Private to sim/run. */
#ifndef EDGESIM_FIGURES_INT_H
#define EDGESIM_FIGURES_INT_H

#include <stdint.h>

#include "sim/run/record.h"

/* alpha: every percentile is within a factor (1 +- alpha) of the exact
 * nearest-rank percentile of the same records. */
#define FIGURES_REL_ERROR 1e-3

/* Log buckets (gamma = (1+a)/(1-a)) over [FIGURES_MIN_S, FIGURES_MAX_S];
 * values outside are counted at the ends and reported as the exact min or max. */
#define FIGURES_MIN_S 1e-9
#define FIGURES_MAX_S 1e9

typedef struct quantile_sketch {
    uint64_t *count;             /* [n_buckets]: bucket 0 is <= MIN, the last > MAX */
    int n_buckets;
    uint64_t n;
    double min, max;
} quantile_sketch;

typedef struct run_figures {
    uint64_t n, n_small, n_large;    /* n: every record; n_large: routes to the model named large;
                                        n_small: routes decided to any other model */
    uint64_t n_status[QUERY_N_STATUSES]; /* latency, TTFT, quality, energy: over done only */
    double sum_latency;
    double sum_ttft, sum_quality, sum_energy, sum_best;
    uint64_t n_ttft, n_quality, n_energy, n_best;
    uint64_t n_model[RECORD_MAX_MODELS];  /* routes per model (record.route) */
    double cost_model[RECORD_MAX_MODELS]; /* their summed cost */
    quantile_sketch latency, ttft;
} run_figures;

/* Returns 0, or -1 on allocation failure. */
int figures_init(run_figures *f);
void figures_reset(run_figures *f);
void figures_free(run_figures *f);
/* `info`: the run's models (n_large counts the model called "large", as
 * run_summary's large_fraction does). */
void figures_add(run_figures *f, const run_info *info, const record *r);
/* Nearest-rank percentile p (in percent, 1..100) of the sketch: the value at
 * rank ceil(p n / 100), within FIGURES_REL_ERROR; NAN when empty. */
double figures_percentile(const quantile_sketch *q, int p);

/* sink_sqlite.c: an SQLite sink in SINK_RECORDS_RUNS mode, between
 * begin_run and end_run, takes a run's figures accumulated elsewhere (a
 * replayed buffer) instead of its records.  Returns 0, or -1 in s->err. */
int sink_sqlite__take_figures(sink *s, const run_figures *f);

#endif
