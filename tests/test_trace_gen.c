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
    test_poisson();
    test_mmpp();
    test_diurnal();
    test_source();
    test_keys();
    return check_done();
}
