/* test_trace_gen.c -- generators reproduce the real 2x2 splits and the
 * target AUC; arrival processes have their closed-form laws; the source
 * fills times and devices as trace.h says. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "traces/trace.h"

static void config(trace_config *cfg, const char *bench, int queries, int dialogues, double auc)
{
    CHECK_INT(keys_defaults(trace_keys, cfg), 0);
    snprintf(cfg->generate.benchmark, sizeof cfg->generate.benchmark, "%s", bench);
    cfg->generate.queries = queries;
    cfg->generate.dialogues = dialogues;
    cfg->generate.auc = auc;
}

static void test_closed_forms(void)
{
    /* AUC 0.5 -> d' 0; AUC Phi(1) -> d' sqrt(2). */
    CHECK_NEAR(trace_binormal_dprime(0.5), 0, 1e-12);
    CHECK_NEAR(trace_binormal_dprime(gsl_cdf_ugaussian_P(1.0)), sqrt(2.0), 1e-9);
    /* The GSM8K question fit: p10 27, p90 70 words. */
    CHECK_NEAR(trace_lognormal_sigma(27, 70), (log(70.0) - log(27.0)) / (2 * 1.2815515655446004), 1e-12);
    CHECK(trace_benchmark_find("mmlu") != NULL);
    CHECK(trace_benchmark_find("imagenet") == NULL);
    for (int i = 0; trace_benchmark_laws[i]; i++) {
        const trace_benchmark_law *l = trace_benchmark_laws[i];
        CHECK_NEAR(l->both + l->only_small + l->only_large + l->neither, 1.0, 1e-4);
    }
}

/* 10^5 queries per benchmark: the 2x2 split within 1 point of SOURCES.md,
 * the AUC of p_large within 0.01 of the target, lengths near the fitted
 * medians. */
static void test_generator_law(const char *bench, double auc)
{
    trace_config cfg;
    trace_error err;
    trace_row row;
    trace_summary s;
    const trace_benchmark_law *law = trace_benchmark_find(bench);
    trace_stats *st = trace_stats_create();
    trace_gen *g;
    int n = 0;
    config(&cfg, bench, 100000, 0, auc);
    g = trace_gen_create(&cfg, 42, 0, &err);
    CHECK(g != NULL && st != NULL);
    if (!g || !st)
        return;
    while (trace_gen_next(g, &row, &err) == 1) {
        n++;
        CHECK_INT(trace_stats_add(st, &row), 0);
    }
    trace_gen_destroy(g);
    trace_stats_summary(st, &s);
    printf("%s auc %.2f: both %.4f only_small %.4f only_large %.4f neither %.4f auc %.4f in p50 %g out p50 %g\n",
           bench, auc, s.both, s.only_small, s.only_large, s.neither, s.auc, s.in_q[1], s.out_q[1]);
    CHECK_INT(n, 100000);
    CHECK_NEAR(s.both, law->both, 0.01);
    CHECK_NEAR(s.only_small, law->only_small, 0.01);
    CHECK_NEAR(s.only_large, law->only_large, 0.01);
    CHECK_NEAR(s.neither, law->neither, 0.01);
    CHECK_NEAR(s.acc_small, law->both + law->only_small, 0.01);
    CHECK_NEAR(s.auc, auc, 0.01);
    /* Median tokens = median words * 1.3 (truncation moves it a little). */
    CHECK_NEAR(s.in_q[1], law->in_p50 * 1.3, 0.05 * law->in_p50 * 1.3 + 1);
    if (law->out_p50 > 0)
        CHECK_NEAR(s.out_q[1], law->out_p50 * 1.3, 0.05 * law->out_p50 * 1.3 + 1);
    else
        CHECK_NEAR(s.out_q[4], 1, 0);
    CHECK(s.in_q[4] <= ceil(law->in_max * 1.3));
    trace_stats_destroy(st);
}

static void test_dialogues_and_prediction(void)
{
    trace_config cfg;
    trace_error err;
    trace_row row;
    trace_gen *g;
    long hist[8] = {0}, singles = 0, pred_ok = 0, rows = 0;
    int64_t last_id = 0, dlg = -1;
    int turns = 0, prev_turn = 0, i;
    double sum_log = 0, sum_log2 = 0, n_log = 0;
    config(&cfg, "mix", 3000, 20000, 0.8);
    cfg.generate.out_pred_error = 0.3;
    g = trace_gen_create(&cfg, 7, 1, &err);
    CHECK(g != NULL);
    if (!g)
        return;
    while (trace_gen_next(g, &row, &err) == 1) {
        rows++;
        CHECK(row.id == last_id + 1);
        last_id = row.id;
        if (row.out_tokens_pred >= 1) {
            double l = log((double)row.out_tokens_pred / row.out_tokens);
            pred_ok++;
            if (row.out_tokens >= 20) { /* away from the ceil() granularity */
                n_log++;
                sum_log += l;
                sum_log2 += l * l;
            }
        }
        if (row.dialogue_id < 0) {
            singles++;
            if (turns)
                hist[turns]++;
            turns = 0;
            continue;
        }
        if (row.dialogue_id != dlg) {
            if (turns)
                hist[turns]++;
            CHECK_INT(row.turn, 1);
            dlg = row.dialogue_id;
            turns = 0;
        } else {
            CHECK_INT(row.turn, prev_turn + 1);
        }
        CHECK(strcmp(row.benchmark, "mtbench101") == 0);
        prev_turn = row.turn;
        turns++;
    }
    if (turns)
        hist[turns]++;
    trace_gen_destroy(g);
    CHECK_INT(singles, 3000);
    CHECK_INT(pred_ok, rows);
    {
        long nd = 0;
        for (i = 2; i < 8; i++)
            nd += hist[i];
        CHECK_INT(nd, 20000);
        /* SOURCES.md: 2 turns 459 / 1,388 dialogues, 3 turns 554 / 1,388. */
        CHECK_NEAR(hist[2] / 20000.0, 459.0 / 1388, 0.015);
        CHECK_NEAR(hist[3] / 20000.0, 554.0 / 1388, 0.015);
        CHECK_INT(hist[0] + hist[1], 0);
    }
    /* The prediction error: sd of ln(pred / true) = out_pred_error; ceil()
     * adds at most ln(1 + 1/20) to the mean for out_tokens >= 20. */
    {
        double mean = sum_log / n_log, sd = sqrt(sum_log2 / n_log - mean * mean);
        CHECK_NEAR(sd, 0.3, 0.02);
        CHECK(mean > -0.01 && mean < 0.05);
    }
}

/* Same seed, same trace; another replication, another trace. */
static void test_determinism(void)
{
    trace_config cfg;
    trace_error err;
    trace_row a, b;
    int same = 1, differ = 0, i;
    trace_gen *g1, *g2, *g3;
    config(&cfg, "gsm8k", 500, 50, 0.75);
    g1 = trace_gen_create(&cfg, 5, 0, &err);
    g2 = trace_gen_create(&cfg, 5, 0, &err);
    g3 = trace_gen_create(&cfg, 5, 1, &err);
    CHECK(g1 && g2 && g3);
    if (!g1 || !g2 || !g3)
        return;
    for (i = 0; i < 600; i++) {
        int r1 = trace_gen_next(g1, &a, &err), r2 = trace_gen_next(g2, &b, &err);
        same &= r1 == r2 && memcmp(&a, &b, sizeof a) == 0;
        trace_gen_next(g3, &b, &err);
        differ += a.in_tokens != b.in_tokens;
    }
    CHECK(same);
    CHECK(differ > 100);
    trace_gen_destroy(g1);
    trace_gen_destroy(g2);
    trace_gen_destroy(g3);
    config(&cfg, "imagenet", 1, 0, 0.75);
    CHECK(trace_gen_create(&cfg, 1, 0, &err) == NULL);
    CHECK(strstr(err.msg, "trace.generate.benchmark") != NULL);
}

/* ROC AUC of `score` for the positives (Mann-Whitney U / (n+ n-), ties one
 * half): O(n log n) by sorting. */
typedef struct scored {
    double s;
    int pos;
} scored;
static int cmp_scored(const void *a, const void *b)
{
    double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return (x > y) - (x < y);
}
static double auc_of(scored *v, size_t n)
{
    double npos = 0, nneg = 0, rank_sum = 0;
    qsort(v, n, sizeof *v, cmp_scored);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j].s == v[i].s)
            j++;
        double mid_rank = (double)(i + 1 + j) / 2; /* ranks i+1 .. j */
        for (size_t k = i; k < j; k++)
            if (v[k].pos)
                rank_sum += mid_rank;
        i = j;
    }
    for (size_t i = 0; i < n; i++) {
        npos += v[i].pos;
        nneg += !v[i].pos;
    }
    return (rank_sum - npos * (npos + 1) / 2) / (npos * nneg);
}

/* Three models on MMLU: 2x10^5 generated queries against the measured joint
 * law (traces/trace_joint_int.h): the 2^3 outcome counts pass a
 * chi-square goodness-of-fit test (7 degrees of freedom, p > 0.001 with the
 * fixed seed), each model's accuracy and the nested conditionals (the
 * stronger right given the weaker right) lie within 4 binomial standard
 * errors of the table's, and each model's score against the weakest has the
 * target AUC within 0.01. */
static void test_models_joint(void)
{
    enum { N = 200000 };
    trace_config cfg;
    trace_error err;
    trace_row row;
    const trace_joint_law *law = trace_joint_find("mmlu", 3);
    double observed[8] = {0}, expected[8], total = 0, chi2 = 0;
    scored *auc_large = malloc(N * sizeof *auc_large), *auc_gpt4 = malloc(N * sizeof *auc_gpt4);
    long n = 0;
    CHECK(law != NULL && auc_large && auc_gpt4);
    if (!law || !auc_large || !auc_gpt4) {
        free(auc_large);
        free(auc_gpt4);
        return;
    }
    CHECK_INT(law->n_models, 3);
    CHECK(trace_joint_find("mmlu", 4) == NULL && trace_joint_find("gsm8k", 3) == NULL);
    config(&cfg, "mmlu", N, 0, 0.8);
    snprintf(cfg.generate.models, sizeof cfg.generate.models, "small,large,gpt4");
    trace_gen *g = trace_gen_create(&cfg, 42, 0, &err);
    CHECK(g != NULL);
    if (!g) {
        free(auc_large);
        free(auc_gpt4);
        return;
    }
    const char *const *cols;
    CHECK_INT(trace_gen_model_columns(g, &cols), 1);
    CHECK(strcmp(cols[0], "gpt4") == 0);
    while (trace_gen_next(g, &row, &err) == 1) {
        int k = 4 * (int)row.q_small + 2 * (int)row.q_large + (int)row.model_q[0];
        CHECK(row.dialogue_id == -1 && strcmp(row.benchmark, "mmlu") == 0);
        observed[k]++;
        auc_large[n] = (scored){row.p_large, row.q_large > row.q_small};
        auc_gpt4[n] = (scored){row.model_p[0], row.model_q[0] > row.q_small};
        n++;
    }
    trace_gen_destroy(g);
    CHECK_INT(n, N);
    for (int k = 0; k < 8; k++)
        total += law->counts[k];
    for (int k = 0; k < 8; k++) {
        expected[k] = N * law->counts[k] / total;
        chi2 += (observed[k] - expected[k]) * (observed[k] - expected[k]) / expected[k];
    }
    double p_value = gsl_cdf_chisq_Q(chi2, 7);
    printf("mmlu 3 models: chi2 %.3f (7 df), p %.4f; outcomes 000..111:", chi2, p_value);
    for (int k = 0; k < 8; k++)
        printf(" %.4f/%.4f", observed[k] / N, law->counts[k] / total);
    printf("\n");
    CHECK(p_value > 0.001);
    /* Accuracy of model i: the outcomes with bit 2-i set. */
    for (int i = 0; i < 3; i++) {
        double obs = 0, exp_share = 0;
        for (int k = 0; k < 8; k++)
            if (k >> (2 - i) & 1) {
                obs += observed[k];
                exp_share += law->counts[k] / total;
            }
        CHECK_NEAR(obs / N, exp_share, 4 * sqrt(exp_share * (1 - exp_share) / N));
    }
    /* Nested as measured: P(j right | i right) for i weaker than j, and
     * above P(j right) (what the weaker gets right the stronger mostly does). */
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++) {
            double both_obs = 0, i_obs = 0, both_law = 0, i_law = 0, j_law = 0;
            for (int k = 0; k < 8; k++) {
                int ri = k >> (2 - i) & 1, rj = k >> (2 - j) & 1;
                i_obs += ri * observed[k];
                both_obs += ri * rj * observed[k];
                i_law += ri * law->counts[k];
                both_law += ri * rj * law->counts[k];
                j_law += rj * law->counts[k];
            }
            double cond = both_law / i_law;
            printf("P(model %d right | model %d right): generated %.4f, measured %.4f (P(model %d right) %.4f)\n", j,
                   i, both_obs / i_obs, cond, j, j_law / total);
            CHECK(cond > j_law / total);
            CHECK_NEAR(both_obs / i_obs, cond, 4 * sqrt(cond * (1 - cond) / i_obs));
        }
    double a_large = auc_of(auc_large, N), a_gpt4 = auc_of(auc_gpt4, N);
    printf("AUC p_large %.4f, p_gpt4 %.4f (target 0.8)\n", a_large, a_gpt4);
    CHECK_NEAR(a_large, 0.8, 0.01);
    CHECK_NEAR(a_gpt4, 0.8, 0.01);
    free(auc_large);
    free(auc_gpt4);
}

/* Two models are today's generator: "small,large" writes the rows of the
 * default, field for field and byte for byte; other names move the same
 * values into model columns (q_small the weakest's, q_large and p_large the
 * strongest's). */
static void test_models_two_unchanged(void)
{
    static const struct {
        const char *bench;
        int queries, dialogues;
        double pred_error;
    } cases[] = {{"mix", 3000, 300, 0.3}, {"mmlu", 5000, 0, 0}, {"mtbench101", 10, 200, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        trace_config base, named, ab;
        trace_error err;
        config(&base, cases[c].bench, cases[c].queries, cases[c].dialogues, 0.75);
        base.generate.out_pred_error = cases[c].pred_error;
        named = ab = base;
        snprintf(named.generate.models, sizeof named.generate.models, "small,large");
        snprintf(ab.generate.models, sizeof ab.generate.models, "a,b");
        trace_gen *g0 = trace_gen_create(&base, 9, 2, &err), *g1 = trace_gen_create(&named, 9, 2, &err),
                  *g2 = trace_gen_create(&ab, 9, 2, &err);
        CHECK(g0 && g1 && g2);
        long rows = 0, same = 0, moved = 0;
        trace_row r0, r1, r2;
        while (g0 && g1 && g2 && trace_gen_next(g0, &r0, &err) == 1) {
            CHECK_INT(trace_gen_next(g1, &r1, &err), 1);
            CHECK_INT(trace_gen_next(g2, &r2, &err), 1);
            rows++;
            same += memcmp(&r0, &r1, sizeof r0) == 0;
            moved += r2.model_q[0] == r0.q_small && r2.model_q[1] == r0.q_large && isnan(r2.model_p[0]) &&
                     r2.model_p[1] == r0.p_large;
            r2.model_q[0] = r2.model_q[1] = r2.model_p[1] = NAN;
            moved += memcmp(&r0, &r2, sizeof r0) == 0;
        }
        CHECK(rows >= cases[c].queries + 2 * cases[c].dialogues);
        CHECK_INT(same, rows);
        CHECK_INT(moved, 2 * rows);
        trace_gen_destroy(g0);
        trace_gen_destroy(g1);
        trace_gen_destroy(g2);
    }
}

/* Bad model lists are refused with trace.generate.models and why. */
static void test_models_errors(void)
{
    static const struct {
        const char *bench, *models;
        int dialogues;
        const char *needle;
    } cases[] = {
        {"mmlu", "small", 0, "at least two"},
        {"mmlu", "small,,large", 0, "found \"\" in"},
        {"mmlu", "small,la.rge", 0, "found \"la.rge\""},
        {"mmlu", "a,b,a", 0, "a twice"},
        {"mmlu", "x,small", 0, "expected small first"},
        {"mmlu", "large,b", 0, "expected large after the weakest"},
        {"gsm8k", "small,large,gpt4", 0, "found benchmark gsm8k"},
        {"mix", "small,large,gpt4", 0, "found benchmark mix"},
        {"mmlu", "a,b,c,d", 0, "4 models need a measured joint law"},
        {"mmlu", "small,large,gpt4", 5, "found dialogues 5"},
        {"mmlu", "a,b,c,d,e,f,g,h,i", 0, "at most 8 models"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        trace_config cfg;
        trace_error err;
        config(&cfg, cases[c].bench, 10, cases[c].dialogues, 0.75);
        snprintf(cfg.generate.models, sizeof cfg.generate.models, "%s", cases[c].models);
        trace_gen *g = trace_gen_create(&cfg, 1, 0, &err);
        CHECK(g == NULL);
        if (g) {
            trace_gen_destroy(g);
            continue;
        }
        if (!strstr(err.msg, "trace.generate.models: ") || !strstr(err.msg, cases[c].needle))
            fprintf(stderr, "models \"%s\": message '%s' lacks '%s'\n", cases[c].models, err.msg, cases[c].needle);
        CHECK(strstr(err.msg, "trace.generate.models: ") && strstr(err.msg, cases[c].needle));
    }
}

/* Poisson: counts in unit windows pass a chi-square test against the
 * Poisson pmf; gaps have mean 1/rate. */
static void test_poisson(void)
{
    trace_config cfg;
    trace_error err;
    trace_arrival *a;
    const double rate = 4.0;
    const int windows = 20000;
    int *count = calloc(windows, sizeof *count), dev, i, k;
    double t = 0, last = 0, chi2 = 0;
    long obs[12] = {0};
    CHECK(count != NULL);
    if (!count)
        return;
    config(&cfg, "mmlu", 0, 0, 0.75);
    cfg.arrival.rate_per_s = rate;
    a = trace_arrival_create(&cfg, 10, 99, 0, &err);
    CHECK(a != NULL);
    if (!a) {
        free(count);
        return;
    }
    for (;;) {
        t = trace_arrival_next(a, &dev);
        CHECK(t >= last);
        CHECK_INT(dev, -1);
        last = t;
        if (t >= windows)
            break;
        count[(int)t]++;
    }
    trace_arrival_destroy(a);
    for (i = 0; i < windows; i++)
        obs[count[i] < 11 ? count[i] : 11]++;
    /* Bins 0..10 and >= 11; expected from the Poisson(4) pmf. */
    for (k = 0; k < 12; k++) {
        double p = k < 11 ? gsl_ran_poisson_pdf((unsigned)k, rate) : gsl_cdf_poisson_Q(10, rate);
        double e = p * windows;
        chi2 += (obs[k] - e) * (obs[k] - e) / e;
    }
    /* 11 degrees of freedom; reject at 0.001. */
    printf("poisson chi2 %.2f p %.4f\n", chi2, gsl_cdf_chisq_Q(chi2, 11));
    CHECK(gsl_cdf_chisq_Q(chi2, 11) > 0.001);
    free(count);
}

/* MMPP: the long-run rate is (r_n m_n + r_b m_b) / (m_n + m_b); bursty:
 * counts are over-dispersed. */
static void test_mmpp(void)
{
    trace_config cfg;
    trace_error err;
    trace_arrival *a;
    int dev;
    long n = 0;
    double t = 0, horizon = 2e5, expect;
    config(&cfg, "mmlu", 0, 0, 0.75);
    snprintf(cfg.arrival.process, sizeof cfg.arrival.process, "mmpp");
    cfg.arrival.rate_per_s = 1;
    cfg.arrival.burst_rate_per_s = 10;
    cfg.arrival.mean_normal_s = 60;
    cfg.arrival.mean_burst_s = 10;
    expect = trace_arrival_mean_rate(&cfg, 5);
    CHECK_NEAR(expect, (1.0 * 60 + 10.0 * 10) / 70, 1e-12);
    a = trace_arrival_create(&cfg, 5, 3, 0, &err);
    CHECK(a != NULL);
    if (!a)
        return;
    while ((t = trace_arrival_next(a, &dev)) < horizon)
        n++;
    trace_arrival_destroy(a);
    /* Count over 2e5 s: sd of the rate estimate ~ sqrt(2 * var-rate * tau / T) ~ 0.03. */
    printf("mmpp rate %.4f expected %.4f\n", n / horizon, expect);
    CHECK_NEAR(n / horizon, expect, 0.04);

    /* Per device: 4 processes of rate 0.5 each, merged in order. */
    snprintf(cfg.arrival.process, sizeof cfg.arrival.process, "poisson");
    cfg.arrival.rate_per_s = 0.5;
    cfg.arrival.per_device = 1;
    CHECK_NEAR(trace_arrival_mean_rate(&cfg, 4), 2.0, 1e-12);
    a = trace_arrival_create(&cfg, 4, 3, 0, &err);
    CHECK(a != NULL);
    if (a) {
        long per[4] = {0};
        double last = 0;
        n = 0;
        while ((t = trace_arrival_next(a, &dev)) < 20000) {
            CHECK(t >= last);
            last = t;
            CHECK(dev >= 0 && dev < 4);
            per[dev]++;
            n++;
        }
        CHECK_NEAR(n / 20000.0, 2.0, 0.06);
        CHECK_NEAR(per[3] / 20000.0, 0.5, 0.03);
        trace_arrival_destroy(a);
    }
}

/* Diurnal: mean rate r; the count near the peak over the count near the
 * trough is (1 + a) / (1 - a). */
static void test_diurnal(void)
{
    trace_config cfg;
    trace_error err;
    trace_arrival *a;
    int dev;
    long n = 0, peak = 0, trough = 0;
    double t, period = 1000, horizon = 200 * period;
    config(&cfg, "mmlu", 0, 0, 0.75);
    snprintf(cfg.arrival.process, sizeof cfg.arrival.process, "diurnal");
    cfg.arrival.rate_per_s = 2;
    cfg.arrival.diurnal_amplitude = 0.5;
    cfg.arrival.diurnal_period_s = period;
    cfg.arrival.diurnal_peak_s = 250;
    a = trace_arrival_create(&cfg, 1, 11, 0, &err);
    CHECK(a != NULL);
    if (!a)
        return;
    while ((t = trace_arrival_next(a, &dev)) < horizon) {
        double phase = fmod(t - 250, period);
        if (phase < 0)
            phase += period;
        n++;
        peak += phase < 50 || phase > period - 50;
        trough += fabs(phase - period / 2) < 50;
    }
    trace_arrival_destroy(a);
    CHECK_NEAR(n / horizon, 2.0, 0.03);
    CHECK_NEAR((double)peak / trough, 1.5 / 0.5, 0.25);
}

/* The source: generator + Poisson times + uniform devices; later dialogue
 * turns keep their dialogue's device and have no time. */
static void test_source(void)
{
    trace_config cfg;
    trace_error err;
    trace_row row;
    trace_source *s;
    int dialogue_device = -1;
    long n = 0, later = 0, dev_count[3] = {0};
    double last = 0;
    config(&cfg, "mmlu", 3000, 300, 0.75);
    cfg.arrival.rate_per_s = 5;
    s = trace_source_create(&cfg, 3, 21, 0, &err);
    CHECK(s != NULL);
    if (!s)
        return;
    while (trace_source_next(s, &row, &err) == 1) {
        n++;
        CHECK(row.device >= 0 && row.device < 3);
        if (row.turn > 1) {
            later++;
            CHECK(isnan(row.t_arr_s));
            CHECK_INT(row.device, dialogue_device);
            continue;
        }
        CHECK(row.t_arr_s >= last);
        last = row.t_arr_s;
        dev_count[row.device]++;
        if (row.turn == 1)
            dialogue_device = row.device;
    }
    trace_source_destroy(s);
    CHECK(later > 300);
    CHECK_NEAR(last / 3300, 1 / 5.0, 0.02);
    CHECK_NEAR(dev_count[0] / 3300.0, 1 / 3.0, 0.04);

    /* A trace file with times but process "poisson": the trace's times win;
     * a device out of range is an error. */
    {
        const char *path = "test_trace_source.csv";
        FILE *f = fopen(path, "w");
        CHECK(f != NULL);
        if (!f)
            return;
        fputs("id,t_arr_s,device,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n"
              "1,0.5,,-1,0,5,5,0.5,1,1,m\n2,0.7,1,-1,0,5,5,0.5,1,1,m\n3,0.9,7,-1,0,5,5,0.5,1,1,m\n", f);
        fclose(f);
        snprintf(cfg.path, sizeof cfg.path, "%s", path);
        s = trace_source_create(&cfg, 3, 21, 0, &err);
        CHECK(s != NULL);
        if (s) {
            CHECK_INT(trace_source_next(s, &row, &err), 1);
            CHECK_NEAR(row.t_arr_s, 0.5, 0);
            CHECK(row.device >= 0 && row.device < 3);
            CHECK_INT(trace_source_next(s, &row, &err), 1);
            CHECK_INT(row.device, 1);
            CHECK_INT(trace_source_next(s, &row, &err), -1);
            CHECK(strstr(err.msg, "device") != NULL);
            trace_source_destroy(s);
        }
        /* Process "trace" on a file without times: an error naming the row. */
        f = fopen(path, "w");
        fputs("id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n"
              "1,-1,0,5,5,0.5,1,1,m\n", f);
        fclose(f);
        snprintf(cfg.arrival.process, sizeof cfg.arrival.process, "trace");
        s = trace_source_create(&cfg, 3, 21, 0, &err);
        CHECK(s != NULL);
        if (s) {
            CHECK_INT(trace_source_next(s, &row, &err), -1);
            CHECK(strstr(err.msg, "t_arr_s") != NULL);
            trace_source_destroy(s);
        }
        remove(path);
    }
}

/* keys: defaults parse; the new keys are there. */
static void test_keys(void)
{
    trace_config cfg;
    key_error kerr;
    cJSON *obj = cJSON_Parse("{\"arrival\":{\"process\":\"diurnal\",\"per_device\":true},\"generate\":{\"seed\":3}}");
    CHECK_INT(keys_defaults(trace_keys, &cfg), 0);
    CHECK_INT(cfg.generate.mmlu_answer_tokens, 1);
    CHECK_NEAR(cfg.arrival.diurnal_period_s, 86400, 0);
    CHECK_INT(keys_parse(trace_keys, &cfg, obj, "trace", &kerr), 0);
    CHECK(strcmp(cfg.arrival.process, "diurnal") == 0);
    CHECK_INT(cfg.arrival.per_device, 1);
    CHECK_INT(cfg.generate.seed, 3);
    cJSON_Delete(obj);
}

int main(void)
{
    test_closed_forms();
    test_generator_law("mmlu", 0.75);
    test_generator_law("gsm8k", 0.85);
    test_generator_law("mtbench101", 0.65);
    test_dialogues_and_prediction();
    test_determinism();
    test_models_joint();
    test_models_two_unchanged();
    test_models_errors();
    test_poisson();
    test_mmpp();
    test_diurnal();
    test_source();
    test_keys();
    return check_done();
}
