/* score-threshold -- large iff p_large > threshold (MODEL.md section 5), the
 * RouteLLM rule, with the threshold either fixed or calibrated on the trace.
 *
 * Calibration (RouteLLM calibrate_threshold.py: threshold = quantile(1 - f)
 * of the router's scores; REFERENCE.md section 4).  Given every query's p
 * sorted ascending, p_(0) <= ... <= p_(n-1), and k = round(f*n) queries
 * wanted large, any threshold in [p_(n-k-1), p_(n-k)) sends exactly the k
 * largest scores large under the strict '>'.  We take the lower end,
 * p_(n-k-1), a value that occurs in the data (numpy's and GSL's interpolated
 * quantile lie in the same gap).  Ties: if p_(n-k-1) == p_(n-k) the tied
 * group goes one way as a whole, so we compare the two thresholds that
 * bracket it -- the tied value itself (the group goes small) and the largest
 * value below it (the group goes large) -- and keep the one whose large count
 * is nearer k (on equal distance, the one with fewer large calls).  The
 * achieved fraction is then f within 1/(2n) plus, with ties, half of the
 * largest tied group; it is reported by the `derived` hook as
 * calibrated_large_fraction.  f = 0 gives threshold = max p (nothing large);
 * f = 1 gives a threshold just below min p (everything large).
 *
 * Without a calibration (the run loop always calibrates) the fixed threshold
 * is used.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>

#include "edgesim/policy.h"

enum { SCORE_THRESHOLD, SCORE_TARGET_FRACTION };

static const policy_param score_params[] = {
    [SCORE_THRESHOLD] = {"threshold", 0.5, 0.0, 1.0, "route large iff p_large > threshold", NULL},
    [SCORE_TARGET_FRACTION] = {"target_large_fraction", -1.0, -1.0, 1.0,
                               "-1: off; in [0, 1]: calibrate threshold so this fraction of the trace goes large",
                               NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};

typedef struct score_state {
    double threshold;           /* the threshold in use */
    double target;              /* -1 or the target large fraction */
    double achieved;            /* large fraction on the calibration set, NAN before */
} score_state;

static int score_create(void **state, const double *params, char *err, size_t errlen)
{
    double target = params[SCORE_TARGET_FRACTION];
    if (target != -1.0 && target < 0.0) {
        snprintf(err, errlen, "target_large_fraction: expected -1 (off) or a value in [0, 1], found %g", target);
        return -1;
    }
    score_state *s = malloc(sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->threshold = params[SCORE_THRESHOLD];
    s->target = target;
    s->achieved = NAN;
    *state = s;
    return 0;
}

/* Number of sorted values strictly greater than t (binary search). */
static size_t count_above(const double *sorted, size_t n, double t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] > t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return n - lo;
}

static size_t distance(size_t a, size_t b)
{
    return a > b ? a - b : b - a;
}

static int score_calibrate(void *state, const double *p_large, size_t n, char *err, size_t errlen)
{
    score_state *s = state;
    if (s->target < 0.0)
        return 0;
    if (n == 0) {
        snprintf(err, errlen, "target_large_fraction needs at least one query's p_large, the trace has none");
        return -1;
    }
    double *sorted = malloc(n * sizeof *sorted);
    if (!sorted) {
        snprintf(err, errlen, "out of memory (%zu scores)", n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(p_large[i])) {
            snprintf(err, errlen, "p_large of query %zu (0-based) is not a finite number", i);
            free(sorted);
            return -1;
        }
        sorted[i] = p_large[i];
    }
    gsl_sort(sorted, 1, n);

    size_t k = (size_t)llround(s->target * (double)n);
    double t;
    if (k == 0) {
        t = sorted[n - 1];
    } else if (k == n) {
        t = nextafter(sorted[0], -INFINITY);
    } else if (sorted[n - k - 1] < sorted[n - k]) {
        t = sorted[n - k - 1];              /* exactly k above */
    } else {
        double v = sorted[n - k];           /* a tie group straddles the boundary */
        size_t first = n - k - 1;           /* first index of the group */
        while (first > 0 && sorted[first - 1] == v)
            first--;
        double group_large = first > 0 ? sorted[first - 1] : nextafter(v, -INFINITY);
        size_t c_small = count_above(sorted, n, v);   /* group small */
        size_t c_large = n - first;                   /* group large */
        t = distance(c_large, k) < distance(c_small, k) ? group_large : v;
    }
    s->threshold = t;
    s->achieved = (double)count_above(sorted, n, t) / (double)n;
    free(sorted);
    return 0;
}

static route score_decide(void *state, const policy_view *v)
{
    const score_state *s = state;
    return v->p_large > s->threshold ? ROUTE_LARGE : ROUTE_SMALL;
}

static int score_derived(const void *state, int i, const char **name, double *value)
{
    const score_state *s = state;
    switch (i) {
    case 0: *name = "threshold_used"; *value = s->threshold; return 0;
    case 1:
        if (isnan(s->achieved))
            return -1;
        *name = "calibrated_large_fraction";
        *value = s->achieved;
        return 0;
    default: return -1;
    }
}

const policy_type policy_score_threshold = {
    EDGESIM_POLICY_API_VERSION, "score-threshold",
    "large iff p_large > threshold; or threshold calibrated so target_large_fraction of the trace goes large",
    score_params, 0, score_create, score_calibrate, score_decide, free, score_derived, 1,
};
