/* test_policy_calibrate.c -- score-threshold's target_large_fraction:
 * the calibrated threshold sends f of the trace large within +-0.5 points,
 * with ties, and picks the nearest achievable fraction when a tie group
 * makes f unreachable. */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "models/policies/policies.h"
#include "sim/base/rng.h"
#include "check.h"

static policy_registry *reg;

static int configure(policy_instance *pi, double target, char *err, size_t errlen)
{
    char json[128];
    snprintf(json, sizeof json, "{\"name\":\"score-threshold\",\"target_large_fraction\":%.17g}", target);
    cJSON *obj = cJSON_Parse(json);
    int rc = policy_instance_init(pi, reg, obj, "policy", err, errlen);
    cJSON_Delete(obj);
    return rc;
}

/* Fraction of p routed large by the configured instance. */
static double large_fraction(const policy_instance *pi, const double *p, size_t n)
{
    policy_view v;
    memset(&v, 0, sizeof v);
    size_t large = 0;
    for (size_t i = 0; i < n; i++) {
        v.p_large = p[i];
        large += policy_instance_decide(pi, &v) == ROUTE_LARGE;
    }
    return (double)large / (double)n;
}

static double derived(const policy_instance *pi, const char *name)
{
    char err[256];
    cJSON *d = policy_instance_derived_json(pi, err, sizeof err);
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(d, name);
    double value = cJSON_IsNumber(item) ? item->valuedouble : NAN;
    cJSON_Delete(d);
    return value;
}

/* Calibrate to f on p and return the fraction achieved on p. */
static double calibrated(const double *p, size_t n, double f, double *threshold)
{
    policy_instance pi;
    char err[256];
    if (configure(&pi, f, err, sizeof err) != 0 || policy_instance_calibrate(&pi, p, n, err, sizeof err) != 0) {
        fprintf(stderr, "calibration to %g failed: %s\n", f, err);
        check_failed++;
        return NAN;
    }
    double got = large_fraction(&pi, p, n);
    CHECK_NEAR(derived(&pi, "calibrated_large_fraction"), got, 0);
    if (threshold)
        *threshold = derived(&pi, "threshold_used");
    policy_instance_destroy(&pi);
    return got;
}

#define N 100000

static void test_with_ties(void)
{
    /* 10^5 Beta(2, 5) scores rounded to 3 decimals: ~1000 distinct values,
     * so ties everywhere (the largest group holds ~0.25% of the trace). */
    static double p[N];
    gsl_rng *r = rng_stream_create(42, 0, RNG_GENERATOR, 0);
    for (size_t i = 0; i < N; i++)
        p[i] = round(gsl_ran_beta(r, 2.0, 5.0) * 1000.0) / 1000.0;
    gsl_rng_free(r);
    const double fractions[] = {0.0, 0.005, 0.05, 0.1, 0.3, 0.5, 0.77, 0.95, 1.0};
    for (size_t i = 0; i < sizeof fractions / sizeof *fractions; i++)
        CHECK_NEAR(calibrated(p, N, fractions[i], NULL), fractions[i], 0.005);
}

static void test_continuous(void)
{
    /* Distinct scores: exactly round(f*n) large, and the threshold lies in
     * the same gap between order statistics as GSL's (and numpy's, as
     * RouteLLM uses) interpolated quantile 1 - f. */
    static double p[N], sorted[N];
    gsl_rng *r = rng_stream_create(43, 0, RNG_GENERATOR, 0);
    for (size_t i = 0; i < N; i++)
        p[i] = gsl_rng_uniform(r);
    gsl_rng_free(r);
    memcpy(sorted, p, sizeof p);
    gsl_sort(sorted, 1, N);
    const double fractions[] = {0.3, 0.123, 0.9};
    for (size_t i = 0; i < 3; i++) {
        double f = fractions[i], t = NAN;
        double got = calibrated(p, N, f, &t);
        CHECK_NEAR(got * N, round(f * N), 0);
        double q = gsl_stats_quantile_from_sorted_data(sorted, 1, N, 1.0 - f);
        size_t k = (size_t)round(f * N);
        CHECK(t <= q && q <= sorted[N - k]);
    }
    /* And the fraction routed of a fresh sample from the same law is f
     * within sampling error (4 sigma). */
    static double fresh[N];
    r = rng_stream_create(44, 0, RNG_GENERATOR, 0);
    for (size_t i = 0; i < N; i++)
        fresh[i] = gsl_rng_uniform(r);
    gsl_rng_free(r);
    policy_instance pi;
    char err[256];
    CHECK(configure(&pi, 0.3, err, sizeof err) == 0);
    CHECK(policy_instance_calibrate(&pi, p, N, err, sizeof err) == 0);
    CHECK_NEAR(large_fraction(&pi, fresh, N), 0.3, 4 * sqrt(0.3 * 0.7 / N) + 1.0 / N);
    policy_instance_destroy(&pi);
}

static void test_unreachable(void)
{
    /* 40% at 0.2, 40% at 0.5, 20% at 0.9: only 0, 0.2, 0.6 and 1 are
     * reachable under a threshold on p. */
    enum { M = 1000 };
    double p[M];
    for (int i = 0; i < M; i++)
        p[i] = i < 400 ? 0.2 : i < 800 ? 0.5 : 0.9;
    double t;
    CHECK_NEAR(calibrated(p, M, 0.3, &t), 0.2, 0);   /* 0.2 is nearer than 0.6 */
    CHECK_NEAR(t, 0.5, 0);
    CHECK_NEAR(calibrated(p, M, 0.45, &t), 0.6, 0);  /* 0.6 is nearer than 0.2 */
    CHECK_NEAR(t, 0.2, 0);
    CHECK_NEAR(calibrated(p, M, 0.4, &t), 0.2, 0);   /* equally near: fewer large calls */
    CHECK_NEAR(calibrated(p, M, 0.7, NULL), 0.6, 0);
    CHECK_NEAR(calibrated(p, M, 0.85, NULL), 1.0, 0); /* the lowest group goes large */
    CHECK_NEAR(calibrated(p, M, 0.11, NULL), 0.2, 0);
    CHECK_NEAR(calibrated(p, M, 0.1, NULL), 0.0, 0);   /* equally near: fewer */
    CHECK_NEAR(calibrated(p, M, 0.09, NULL), 0.0, 0);

    /* All equal: nothing or everything. */
    double same[10] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    CHECK_NEAR(calibrated(same, 10, 0.0, NULL), 0.0, 0);
    CHECK_NEAR(calibrated(same, 10, 0.6, NULL), 1.0, 0);
    CHECK_NEAR(calibrated(same, 10, 1.0, NULL), 1.0, 0);
    /* Scores of exactly 0 still go large at f = 1. */
    double zeros[3] = {0.0, 0.0, 1.0};
    CHECK_NEAR(calibrated(zeros, 3, 1.0, NULL), 1.0, 0);
    /* One query. */
    double one[1] = {0.7};
    CHECK_NEAR(calibrated(one, 1, 0.3, NULL), 0.0, 0);
    CHECK_NEAR(calibrated(one, 1, 0.6, NULL), 1.0, 0);
}

static void test_off_and_errors(void)
{
    policy_instance pi;
    char err[256];
    double p[4] = {0.1, 0.6, 0.7, 0.9};

    /* Off (-1, the default): the fixed threshold, calibration is a no-op. */
    cJSON *obj = cJSON_Parse("{\"name\":\"score-threshold\",\"threshold\":0.65}");
    CHECK(policy_instance_init(&pi, reg, obj, "policy", err, sizeof err) == 0);
    cJSON_Delete(obj);
    CHECK(policy_instance_calibrate(&pi, p, 4, err, sizeof err) == 0);
    CHECK_NEAR(large_fraction(&pi, p, 4), 0.5, 0);
    CHECK_NEAR(derived(&pi, "threshold_used"), 0.65, 0);
    CHECK(isnan(derived(&pi, "calibrated_large_fraction")));
    policy_instance_destroy(&pi);

    /* On: the fixed threshold is overridden. */
    CHECK(configure(&pi, 0.75, err, sizeof err) == 0);
    CHECK(policy_instance_calibrate(&pi, p, 4, err, sizeof err) == 0);
    CHECK_NEAR(large_fraction(&pi, p, 4), 0.75, 0);
    CHECK_NEAR(derived(&pi, "threshold_used"), 0.1, 0);
    policy_instance_destroy(&pi);

    /* An empty trace cannot be calibrated. */
    CHECK(configure(&pi, 0.3, err, sizeof err) == 0);
    CHECK(policy_instance_calibrate(&pi, p, 0, err, sizeof err) == -1);
    CHECK(strstr(err, "score-threshold") && strstr(err, "target_large_fraction"));
    /* Nor one with a NaN score, which names the query. */
    double bad[3] = {0.1, NAN, 0.3};
    CHECK(policy_instance_calibrate(&pi, bad, 3, err, sizeof err) == -1);
    CHECK(strstr(err, "query 1") != NULL);
    policy_instance_destroy(&pi);

    /* Between -1 and 0 is neither off nor a fraction. */
    CHECK(configure(&pi, -0.5, err, sizeof err) == -1);
    CHECK(strstr(err, "target_large_fraction") && strstr(err, "-1"));
    CHECK(pi.type == NULL);
    policy_instance_destroy(&pi);
}

int main(void)
{
    reg = policy_registry_create();
    test_with_ties();
    test_continuous();
    test_unreachable();
    test_off_and_errors();
    policy_registry_destroy(reg);
    return check_done();
}
