/* stats.h -- the numbers behind `edgesim summary`, `compare` and `metrics`:
 * t confidence intervals, linear interpolation, RouteLLM's PGR / CPT / APGR
 * and Pareto frontiers.  Pure functions on arrays; no database, no I/O, so
 * the tests check them on hand-made numbers.  Definitions: docs/ANALYSIS.md.
 *
 * NAN stands for "no value" throughout (a missing metric, an interval of
 * one replication, a quality outside a curve's range).
 */
#ifndef EDGESIM_STATS_H
#define EDGESIM_STATS_H

#include <stddef.h>

/* Mean and t-based confidence interval of n values (NAN values skipped):
 * mean, half = t((1 + level) / 2, m - 1) * sd / sqrt(m) with sd the sample
 * standard deviation (m - 1 in the denominator) and m the number of non-NAN
 * values (GSL's gsl_cdf_tdist_Pinv).  half is NAN when m < 2; mean NAN when
 * m = 0.  Returns m. */
typedef struct stats_ci {
    double mean, half;
    int n;
} stats_ci;
stats_ci stats_mean_ci(const double *x, size_t n, double level);

/* Piecewise-linear interpolation through (x[i], y[i]), i < n, with x sorted
 * ascending: y at x0.  Between equal x values the later point wins.  NAN
 * when x0 is outside [x[0], x[n-1]] or n == 0. */
double stats_interp(const double *x, const double *y, size_t n, double x0);

/* RouteLLM's performance gap recovered: (q - q_weak) / (q_strong - q_weak);
 * NAN when q_strong == q_weak or any input is NAN. */
double stats_pgr(double q, double q_weak, double q_strong);

/* A PGR curve: n points (large share s[i] in [0, 1], pgr[i]) sorted by s
 * ascending, starting at (0, 0) (always-small) and ending at (1, 1)
 * (always-large).  APGR = trapezoid area under it over [0, 1]. */
double stats_apgr(const double *s, const double *pgr, size_t n);

/* CPT(x): the smallest large share at which the curve (as above) reaches
 * PGR x: the first segment with pgr[i] < x <= pgr[i+1], linearly
 * interpolated (s[0] when pgr[0] >= x); NAN when the curve never reaches x. */
double stats_cpt(const double *s, const double *pgr, size_t n, double x);

/* Pareto frontier for "lower cost, higher quality": on[i] = 1 when no other
 * point j has cost[j] <= cost[i] and quality[j] >= quality[i] with one of
 * them strict; NAN points are never on it (and dominate nothing).  Returns
 * the number of points on the frontier. */
int stats_pareto(const double *cost, const double *quality, size_t n, int *on);

/* Sort idx[0..n) so that key[idx[i]] ascends (stable; NAN last). */
void stats_sort_index(const double *key, size_t *idx, size_t n);

#endif
