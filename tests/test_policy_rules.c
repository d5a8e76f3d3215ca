/* test_policy_rules.c -- every built-in rule on hand-made views, including
 * the exact boundary cases of MODEL.md section 5 (strict '>': a value equal
 * to the threshold routes small). */
#include <math.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "models/policies/policies.h"
#include "sim/base/rng.h"
#include "check.h"

static policy_registry *reg;

static policy_view blank_view(void)
{
    policy_view v;
    memset(&v, 0, sizeof v);
    v.dialogue_id = -1;
    v.prev_route = -1;
    v.q_small = v.q_large = NAN;
    return v;
}

/* A configured instance from JSON text; aborts the test on error. */
static policy_instance make(const char *json)
{
    policy_instance pi;
    char err[512];
    cJSON *obj = cJSON_Parse(json);
    if (!obj || policy_instance_init(&pi, reg, obj, "policy", err, sizeof err) != 0) {
        fprintf(stderr, "cannot configure %s: %s\n", json, obj ? err : "bad JSON");
        exit(1);
    }
    cJSON_Delete(obj);
    return pi;
}

static void test_always(void)
{
    policy_instance s = make("{\"name\":\"always-small\"}"), l = make("{\"name\":\"always-large\"}");
    policy_view v = blank_view();
    v.p_large = 1.0;
    v.est_large_s = 0.0;
    v.est_small_s = 100.0;
    CHECK_INT(policy_instance_decide(&s, &v), ROUTE_SMALL);
    v.p_large = 0.0;
    CHECK_INT(policy_instance_decide(&l, &v), ROUTE_LARGE);
    policy_instance_destroy(&s);
    policy_instance_destroy(&l);
}

static void test_random(void)
{
    policy_instance pi = make("{\"name\":\"random\",\"large_fraction\":0.25}");
    policy_view v = blank_view();
    v.u01 = 0.25; /* equal: not below, small */
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_SMALL);
    v.u01 = nextafter(0.25, 0.0);
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_LARGE);
    /* The coin is the view's: 10^5 uniform coins give 25% +- 4 sigma. */
    gsl_rng *r = rng_stream_create(1, 0, RNG_POLICY, 0);
    int large = 0, n = 100000;
    for (int i = 0; i < n; i++) {
        v.u01 = gsl_rng_uniform(r);
        large += policy_instance_decide(&pi, &v) == ROUTE_LARGE;
    }
    CHECK_NEAR((double)large / n, 0.25, 4 * sqrt(0.25 * 0.75 / n));
    gsl_rng_free(r);
    policy_instance_destroy(&pi);

    policy_instance never = make("{\"name\":\"random\",\"large_fraction\":0}");
    policy_instance always = make("{\"name\":\"random\",\"large_fraction\":1}");
    v.u01 = 0.0;
    CHECK_INT(policy_instance_decide(&never, &v), ROUTE_SMALL);
    v.u01 = nextafter(1.0, 0.0);
    CHECK_INT(policy_instance_decide(&always, &v), ROUTE_LARGE);
    policy_instance_destroy(&never);
    policy_instance_destroy(&always);
}

static void test_score_threshold(void)
{
    policy_instance def = make("{\"name\":\"score-threshold\"}");
    policy_instance pi = make("{\"name\":\"score-threshold\",\"threshold\":0.7}");
    policy_view v = blank_view();
    v.p_large = 0.5; /* the default threshold, equal: small */
    CHECK_INT(policy_instance_decide(&def, &v), ROUTE_SMALL);
    v.p_large = nextafter(0.5, 1.0);
    CHECK_INT(policy_instance_decide(&def, &v), ROUTE_LARGE);
    v.p_large = 0.7;
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_SMALL);
    v.p_large = nextafter(0.7, 1.0);
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_LARGE);
    /* Latency and SNR do not matter to it. */
    v.est_large_s = 1e6;
    v.snr_db = -40;
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_LARGE);
    policy_instance_destroy(&def);
    policy_instance_destroy(&pi);
}

static void test_snr_threshold(void)
{
    policy_instance def = make("{\"name\":\"snr-threshold\"}");
    policy_instance pi = make("{\"name\":\"snr-threshold\",\"snr_db\":-3.5}");
    policy_view v = blank_view();
    v.p_large = 0.0;
    v.snr_db = 0.0; /* default 0 dB, equal: small */
    CHECK_INT(policy_instance_decide(&def, &v), ROUTE_SMALL);
    v.snr_db = nextafter(0.0, 1.0);
    CHECK_INT(policy_instance_decide(&def, &v), ROUTE_LARGE);
    v.snr_db = -3.5;
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_SMALL);
    v.snr_db = -3.49;
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_LARGE);
    v.snr_db = -20.0;
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_SMALL);
    policy_instance_destroy(&def);
    policy_instance_destroy(&pi);
}

static void test_min_latency(void)
{
    policy_instance pi = make("{\"name\":\"min-latency\"}");
    policy_view v = blank_view();
    v.p_large = 1.0;
    v.est_small_s = 2.0;
    v.est_large_s = 2.0; /* tie: small */
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_SMALL);
    v.est_large_s = nextafter(2.0, 0.0);
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_LARGE);
    v.est_large_s = 2.5;
    v.p_large = 1.0;
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_SMALL);
    policy_instance_destroy(&pi);
}

static void test_quality_latency(void)
{
    /* Binary-exact numbers: 0.75 - 0.25*(3 - 1) = 0.25 = theta exactly. */
    policy_instance pi = make("{\"name\":\"quality-latency\",\"alpha\":0.25,\"theta\":0.25}");
    policy_view v = blank_view();
    v.p_large = 0.75;
    v.est_large_s = 3.0;
    v.est_small_s = 1.0;
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_SMALL);
    v.p_large = nextafter(0.75, 1.0);
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_LARGE);
    v.p_large = 0.75;
    v.est_large_s = nextafter(3.0, 0.0); /* a hair faster edge tips it */
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_LARGE);
    /* Switching costs are ignored by the single-turn rule. */
    v.est_large_s = 3.0;
    v.csw_large_s = 100.0;
    v.p_large = 0.8;
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_LARGE);
    /* The edge much faster: even p = 0 goes large (0 + 0.25*4 > 0.25). */
    v.p_large = 0.0;
    v.est_large_s = 1.0;
    v.est_small_s = 5.0;
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_LARGE);
    policy_instance_destroy(&pi);

    /* alpha = 0 is score-threshold at theta. */
    policy_instance a0 = make("{\"name\":\"quality-latency\",\"alpha\":0,\"theta\":0.5}");
    v = blank_view();
    v.p_large = 0.5;
    v.est_large_s = 0.0;
    v.est_small_s = 1e3;
    CHECK_INT(policy_instance_decide(&a0, &v), ROUTE_SMALL);
    policy_instance_destroy(&a0);

    /* The defaults (alpha 0.05 1/s, theta 0.5) on random views agree with the
     * formula, evaluated here in the same order of operations. */
    policy_instance def = make("{\"name\":\"quality-latency\"}");
    gsl_rng *r = rng_stream_create(7, 0, RNG_POLICY, 1);
    int agree = 0, n = 20000, large = 0;
    for (int i = 0; i < n; i++) {
        v.p_large = gsl_rng_uniform(r);
        v.est_small_s = 20.0 * gsl_rng_uniform(r);
        v.est_large_s = 20.0 * gsl_rng_uniform(r);
        route want = v.p_large - 0.05 * (v.est_large_s - v.est_small_s) > 0.5 ? ROUTE_LARGE : ROUTE_SMALL;
        route got = policy_instance_decide(&def, &v);
        agree += got == want;
        large += got == ROUTE_LARGE;
    }
    CHECK_INT(agree, n);
    CHECK(large > n / 10 && large < 9 * n / 10); /* both branches exercised */
    gsl_rng_free(r);
    policy_instance_destroy(&def);
}

static void test_context_aware(void)
{
    /* 1.0 - 0.5*((2 + 1) - (1 + 0.5)) = 0.25 = theta: small. */
    policy_instance pi = make("{\"name\":\"context-aware\",\"alpha\":0.5,\"theta\":0.25}");
    policy_instance ql = make("{\"name\":\"quality-latency\",\"alpha\":0.5,\"theta\":0.25}");
    policy_view v = blank_view();
    v.dialogue_id = 3;
    v.turn = 2;
    v.prev_route = ROUTE_SMALL;
    v.p_large = 1.0;
    v.est_large_s = 2.0;
    v.csw_large_s = 1.0;
    v.est_small_s = 1.0;
    v.csw_small_s = 0.5;
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_SMALL);
    /* Without switching costs the margin is 1 - 0.5*1 = 0.5 > 0.25. */
    CHECK_INT(policy_instance_decide(&ql, &v), ROUTE_LARGE);
    v.csw_large_s = 0.9375; /* nextafter(1, 0) would vanish in 2 + csw */
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_LARGE);
    /* A small-side rebuild cost pushes toward large. */
    v.csw_large_s = 1.0;
    v.csw_small_s = 0.75;
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_LARGE);
    /* Zero switching costs: the same decision as quality-latency everywhere. */
    gsl_rng *r = rng_stream_create(8, 0, RNG_POLICY, 2);
    int agree = 0, n = 5000;
    for (int i = 0; i < n; i++) {
        v.p_large = gsl_rng_uniform(r);
        v.est_small_s = 5.0 * gsl_rng_uniform(r);
        v.est_large_s = 5.0 * gsl_rng_uniform(r);
        v.csw_small_s = v.csw_large_s = 0.0;
        agree += policy_instance_decide(&pi, &v) == policy_instance_decide(&ql, &v);
    }
    CHECK_INT(agree, n);
    gsl_rng_free(r);
    policy_instance_destroy(&pi);
    policy_instance_destroy(&ql);
}

static void test_oracle(void)
{
    policy_instance pi = make("{\"name\":\"oracle\"}");
    policy_view v = blank_view();
    v.p_large = 1.0;
    v.q_small = v.q_large = 1.0; /* tie: small */
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_SMALL);
    v.q_small = v.q_large = 0.0;
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_SMALL);
    v.q_small = 0.6;
    v.q_large = 0.7;
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_LARGE);
    v.q_small = 1.0;
    v.q_large = 0.0;
    CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_SMALL);
    CHECK_INT(policy_oracle_route(0.5, 0.5), ROUTE_SMALL);
    CHECK_INT(policy_oracle_route(0.5, 0.6), ROUTE_LARGE);
    CHECK_NEAR(policy_oracle_quality(0.3, 0.9), 0.9, 0);
    CHECK_NEAR(policy_oracle_quality(0.9, 0.3), 0.9, 0);
    policy_instance_destroy(&pi);
}

/* The generalised rule (max over models of (p_m - p_b) - alpha*(T_m - T_b),
 * if > theta) reduces to the paper's rule with two models: on a trace of
 * views drawn at random, including exact ties at theta, the decisions are
 * those of the paper's formula evaluated here, p - alpha*(T_large - T_small)
 * > theta (and with switching costs for context-aware), and the same whether
 * the view carries a models array (as the run loop fills it) or only the
 * small/large fields. */
static void test_general_rule_reduces(void)
{
    const double alphas[] = {0, 0.05, 0.5, 3};
    const double thetas[] = {-0.5, 0, 0.3, 0.5};
    gsl_rng *r = rng_stream_create(18, 0, RNG_POLICY, 3);
    long n = 0, mismatched = 0, large = 0;
    for (int a = 0; a < 4; a++)
        for (int t = 0; t < 4; t++) {
            char json[128];
            snprintf(json, sizeof json, "{\"name\":\"quality-latency\",\"alpha\":%g,\"theta\":%g}", alphas[a], thetas[t]);
            policy_instance ql = make(json);
            snprintf(json, sizeof json, "{\"name\":\"context-aware\",\"alpha\":%g,\"theta\":%g}", alphas[a], thetas[t]);
            policy_instance ca = make(json);
            for (int i = 0; i < 4000; i++) {
                policy_view v = blank_view();
                v.p_large = i % 50 == 0 ? thetas[t] : gsl_rng_uniform(r); /* exact ties at theta */
                v.est_small_s = i % 50 == 0 ? 1.0 : 10 * gsl_rng_uniform(r);
                v.est_large_s = i % 50 == 0 ? 1.0 : 10 * gsl_rng_uniform(r);
                v.csw_small_s = i % 3 == 0 ? 0 : 2 * gsl_rng_uniform(r);
                v.csw_large_s = i % 3 == 0 ? 0 : 2 * gsl_rng_uniform(r);
                double alpha = alphas[a], theta = thetas[t];
                route paper_ql = v.p_large - alpha * (v.est_large_s - v.est_small_s) > theta ? ROUTE_LARGE : ROUTE_SMALL;
                route paper_ca = v.p_large - alpha * ((v.est_large_s + v.csw_large_s) - (v.est_small_s + v.csw_small_s)) > theta
                                     ? ROUTE_LARGE
                                     : ROUTE_SMALL;
                /* As the run loop fills it: p = 0 for the base (no p_small column). */
                policy_model models[2] = {
                    {"small", POLICY_TIER_DEVICE, 0, NAN, v.est_small_s, v.csw_small_s, 0, 0},
                    {"large", POLICY_TIER_EDGE, v.p_large, NAN, v.est_large_s, v.csw_large_s, 0, 0},
                };
                policy_view with = v;
                with.n_models = 2;
                with.models = models;
                route got[4] = {policy_instance_decide(&ql, &v), policy_instance_decide(&ql, &with),
                                policy_instance_decide(&ca, &v), policy_instance_decide(&ca, &with)};
                mismatched += got[0] != paper_ql || got[1] != paper_ql || got[2] != paper_ca || got[3] != paper_ca;
                large += paper_ql == ROUTE_LARGE;
                n++;
            }
            policy_instance_destroy(&ql);
            policy_instance_destroy(&ca);
        }
    gsl_rng_free(r);
    printf("general rule vs the paper's: %ld of %ld decisions differ (%ld large)\n", mismatched, n, large);
    CHECK_INT(mismatched, 0);
    CHECK(large > n / 10 && large < n * 9 / 10); /* both outcomes occur */
}

/* Over three models: the largest margin over the base wins if > theta;
 * ties go to the earlier model. */
static void test_general_rule_three(void)
{
    policy_instance ql = make("{\"name\":\"quality-latency\",\"alpha\":0.1,\"theta\":0.2}");
    policy_instance ml = make("{\"name\":\"min-latency\"}");
    policy_instance or = make("{\"name\":\"oracle\"}");
    policy_model models[3] = {
        {"small", POLICY_TIER_DEVICE, 0, 0, 2.0, 0, 0, 0},
        {"large", POLICY_TIER_EDGE, 0.5, 1, 1.0, 0, 0, 0},   /* margin 0.5 + 0.1 = 0.6 */
        {"gpt4", POLICY_TIER_CLOUD, 0.8, 1, 3.0, 0, 0, 0.02}, /* margin 0.8 - 0.1 = 0.7 */
    };
    policy_view v = blank_view();
    v.n_models = 3;
    v.models = models;
    CHECK_INT(policy_instance_decide(&ql, &v), 2);
    models[2].p = 0.7; /* 0.6: a tie with large goes to the earlier model */
    CHECK_INT(policy_instance_decide(&ql, &v), 1);
    models[1].p = models[2].p = 0.0; /* every margin <= theta: the base */
    CHECK_INT(policy_instance_decide(&ql, &v), 0);
    CHECK_INT(policy_instance_decide(&ml, &v), 1);
    CHECK_INT(policy_instance_decide(&or, &v), 1); /* q ties between large and gpt4: the earlier */
    models[2].q = 1.0;
    models[1].q = 0.5;
    CHECK_INT(policy_instance_decide(&or, &v), 2);
    /* The cascade climbs to the last model whose score exceeds the threshold. */
    policy_instance sc = make("{\"name\":\"score-cascade\",\"threshold\":0.6}");
    models[1].p = 0.7;
    models[2].p = 0.65;
    CHECK_INT(policy_instance_decide(&sc, &v), 2);
    models[2].p = 0.6; /* not above: stops at large */
    CHECK_INT(policy_instance_decide(&sc, &v), 1);
    models[1].p = 0.1;
    models[2].p = 0.2;
    CHECK_INT(policy_instance_decide(&sc, &v), 0);
    /* Two models: the fixed-threshold score-threshold rule. */
    policy_instance st = make("{\"name\":\"score-threshold\",\"threshold\":0.6}");
    policy_view two = blank_view();
    for (int i = 0; i <= 100; i++) {
        two.p_large = i / 100.0;
        CHECK_INT(policy_instance_decide(&sc, &two), policy_instance_decide(&st, &two));
    }
    policy_instance_destroy(&sc);
    policy_instance_destroy(&st);
    policy_instance_destroy(&ql);
    policy_instance_destroy(&ml);
    policy_instance_destroy(&or);
}

/* Non-oracle policies see q_small = q_large = NAN, whatever the run loop
 * put in the view; the oracle sees them. */
static double seen_q_small, seen_q_large;
static route spy_decide(void *state, const policy_view *v)
{
    seen_q_small = v->q_small;
    seen_q_large = v->q_large;
    return ROUTE_SMALL;
}

static void test_oracle_fields_hidden(void)
{
    policy_type spy = {EDGESIM_POLICY_API_VERSION, "spy", "", NULL, 0, NULL, NULL, spy_decide, NULL, NULL, 1};
    policy_instance pi;
    memset(&pi, 0, sizeof pi);
    pi.type = &spy;
    policy_view v = blank_view();
    v.q_small = 0.25;
    v.q_large = 0.75;
    policy_instance_decide(&pi, &v);
    CHECK(isnan(seen_q_small) && isnan(seen_q_large));
    CHECK_NEAR(v.q_small, 0.25, 0); /* the caller's view is untouched */
    spy.needs_oracle = 1;
    policy_instance_decide(&pi, &v);
    CHECK_NEAR(seen_q_small, 0.25, 0);
    CHECK_NEAR(seen_q_large, 0.75, 0);
}

int main(void)
{
    reg = policy_registry_create();
    CHECK(reg != NULL);
    test_always();
    test_general_rule_reduces();
    test_general_rule_three();
    test_random();
    test_score_threshold();
    test_snr_threshold();
    test_min_latency();
    test_quality_latency();
    test_context_aware();
    test_oracle();
    test_oracle_fields_hidden();
    policy_registry_destroy(reg);
    return check_done();
}
