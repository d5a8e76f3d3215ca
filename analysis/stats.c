/* stats.c -- confidence intervals, interpolation, RouteLLM metrics, Pareto
 * frontiers (stats.h; definitions in docs/ANALYSIS.md). */
#include "analysis/stats.h"

#include <math.h>
#include <gsl/gsl_cdf.h>

stats_ci stats_mean_ci(const double *x, size_t n, double level)
{
    stats_ci r = {NAN, NAN, 0};
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) {
            sum += x[i];
            r.n++;
        }
    if (r.n == 0)
        return r;
    r.mean = sum / r.n;
    if (r.n < 2)
        return r;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            ss += (x[i] - r.mean) * (x[i] - r.mean);
    double sd = sqrt(ss / (r.n - 1));
    r.half = gsl_cdf_tdist_Pinv(0.5 + level / 2, r.n - 1) * sd / sqrt(r.n);
    return r;
}

double stats_interp(const double *x, const double *y, size_t n, double x0)
{
    if (n == 0 || isnan(x0) || x0 < x[0] || x0 > x[n - 1])
        return NAN;
    for (size_t i = n - 1; i > 0; i--) {
        if (x0 >= x[i - 1] && x0 <= x[i]) {
            if (x[i] == x[i - 1])
                return y[i];
            return y[i - 1] + (y[i] - y[i - 1]) * (x0 - x[i - 1]) / (x[i] - x[i - 1]);
        }
    }
    return y[0]; /* n == 1 and x0 == x[0] */
}

double stats_pgr(double q, double q_weak, double q_strong)
{
    if (isnan(q) || isnan(q_weak) || isnan(q_strong) || q_strong == q_weak)
        return NAN;
    return (q - q_weak) / (q_strong - q_weak);
}

double stats_apgr(const double *s, const double *pgr, size_t n)
{
    double area = 0;
    for (size_t i = 1; i < n; i++) {
        if (isnan(pgr[i]) || isnan(pgr[i - 1]))
            return NAN;
        area += (s[i] - s[i - 1]) * (pgr[i] + pgr[i - 1]) / 2;
    }
    return n > 1 ? area : NAN;
}

double stats_cpt(const double *s, const double *pgr, size_t n, double x)
{
    if (n == 0 || isnan(pgr[0]))
        return NAN;
    if (pgr[0] >= x)
        return s[0];
    for (size_t i = 1; i < n; i++) {
        if (isnan(pgr[i]))
            return NAN;
        if (pgr[i - 1] < x && x <= pgr[i])
            return s[i - 1] + (s[i] - s[i - 1]) * (x - pgr[i - 1]) / (pgr[i] - pgr[i - 1]);
    }
    return NAN;
}

int stats_pareto(const double *cost, const double *quality, size_t n, int *on)
{
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        on[i] = !isnan(cost[i]) && !isnan(quality[i]);
        for (size_t j = 0; j < n && on[i]; j++) {
            if (j == i || isnan(cost[j]) || isnan(quality[j]))
                continue;
            if (cost[j] <= cost[i] && quality[j] >= quality[i] && (cost[j] < cost[i] || quality[j] > quality[i]))
                on[i] = 0;
        }
        count += on[i];
    }
    return count;
}

void stats_sort_index(const double *key, size_t *idx, size_t n)
{
    /* insertion sort: stable, and n is a handful of policy points */
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t i = 1; i < n; i++) {
        size_t v = idx[i], j = i;
        while (j > 0) {
            double a = key[idx[j - 1]], b = key[v];
            int after = isnan(b) ? 0 : (isnan(a) || a > b);
            if (!after)
                break;
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}
