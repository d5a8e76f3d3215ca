/* test_llm_mg1.c -- the device queue against M/G/1 theory.
 *
 * Poisson arrivals at rate lambda to a batch-1 FCFS server whose service is
 * the profile's S(o) = T_pre(n, 0) + sum_{j=1}^{o-1} T_step(1, n + j) with a
 * random output length o.  Pollaczek-Khinchine: the mean wait before service
 * is lambda*E[S^2]/(2(1 - rho)), rho = lambda*E[S].  The simulated mean wait
 * (ADMIT - submit) over a long run must contain the formula in its 95%
 * batch-means confidence interval. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>

#include "models/llm/llm.h"
#include "sim/base/rng.h"
#include "check.h"

#define N_WARM 5000
#define N_BATCH 30
#define BATCH_SIZE 5000
#define N_TOTAL (N_WARM + N_BATCH * BATCH_SIZE)
#define IN_TOKENS 100
#define OUT_MAX 60 /* o uniform on 1..OUT_MAX */

typedef struct waits {
    sim_time *submit;
    double *wait_s;
} waits;

static void on_event(void *ctx, const llm_event *ev)
{
    waits *w = ctx;
    if (ev->kind == LLM_EV_ADMIT)
        w->wait_s[ev->tag] = sim_time_to_s(ev->t - w->submit[ev->tag]);
}

static void check_pk(double rho_target, uint32_t replication)
{
    llm_profile pr;
    llm_preset_profile(llm_preset_find("qwen2.5-1.5b-int4-phone"), &pr);
    /* exact moments of S over the uniform output length */
    double es = 0, es2 = 0;
    for (int o = 1; o <= OUT_MAX; o++) {
        double s = llm_batch1_service_s(&pr, IN_TOKENS, 0, o);
        es += s / OUT_MAX;
        es2 += s * s / OUT_MAX;
    }
    double lambda = rho_target / es;
    double pk = lambda * es2 / (2 * (1 - rho_target));

    llm_server *srv = llm_server_create(&pr);
    gsl_rng *ra = rng_stream_create(7, replication, RNG_ARRIVALS, 0);
    gsl_rng *rl = rng_stream_create(7, replication, RNG_GENERATOR, 0);
    waits w = {malloc(N_TOTAL * sizeof(sim_time)), malloc(N_TOTAL * sizeof(double))};
    double t = 0;
    int submit_failures = 0;
    for (int i = 0; i < N_TOTAL; i++) {
        t += gsl_ran_exponential(ra, 1 / lambda);
        w.submit[i] = sim_time_from_s(t);
        llm_request r = {(uint64_t)i, -1, 0, IN_TOKENS, 1 + (int)gsl_rng_uniform_int(rl, OUT_MAX), 0};
        llm_server_advance(srv, w.submit[i], on_event, &w);
        submit_failures += llm_server_submit(srv, w.submit[i], &r) != 0;
    }
    CHECK_INT(submit_failures, 0);
    llm_server_advance(srv, SIM_TIME_NEVER, on_event, &w);

    double means[N_BATCH];
    for (int b = 0; b < N_BATCH; b++)
        means[b] = gsl_stats_mean(w.wait_s + N_WARM + b * BATCH_SIZE, 1, BATCH_SIZE);
    double mean = gsl_stats_mean(means, 1, N_BATCH);
    double half = gsl_cdf_tdist_Pinv(0.975, N_BATCH - 1) * gsl_stats_sd(means, 1, N_BATCH) / sqrt(N_BATCH);
    double util = llm_server_busy_s(srv, SIM_TIME_NEVER) / sim_time_to_s(w.submit[N_TOTAL - 1]);
    printf("M/G/1 rho %.2f: E[S] %.4f s, mean wait %.4f +- %.4f s, P-K %.4f s, busy fraction %.4f\n", rho_target,
           es, mean, half, pk, util);
    CHECK(fabs(mean - pk) <= half);
    CHECK(half < 0.1 * pk); /* the interval is informative */
    CHECK(fabs(util - rho_target) < 0.02);
    free(w.submit);
    free(w.wait_s);
    gsl_rng_free(ra);
    gsl_rng_free(rl);
    llm_server_destroy(srv);
}

int main(void)
{
    check_pk(0.5, 0);
    check_pk(0.8, 1);
    return check_done();
}
