/* Run-level checks of the models' "done when" conditions: uplink times with
 * a constant channel, the fading law seen by the router, batch-1 service on
 * the device, edge load and saturation, calibrated large-call share, and
 * multi-turn dialogues (recompute accounting, eviction, switching). */
#include <gsl/gsl_sort.h>
#include <math.h>

#include "models/channel/channel.h"
#include "models/llm/llm.h"
#include "check.h"
#include "run_harness.h"

/* A single-query trace with one query every `gap_s` seconds. */
static void write_sparse_trace(const char *name, int n, double gap_s, char *path, size_t len)
{
    write_harness_trace(name, &(harness_trace){.n = n, .t0_s = 1, .gap_s = gap_s, .in_min = 5, .in_span = 700,
                                               .out_min = 1, .out_span = 120},
                        path, len);
}

static void test_uplink_constant_channel(void)
{
    char trace[512];
    write_sparse_trace("sparse.csv", 300, 2.0, trace, sizeof trace);
    result r = run_scenariof(
        "{\"trace\": {\"path\": \"%s\"}, \"devices\": {\"count\": 1, \"distances_m\": [180]},"
        " \"channel\": {\"fading\": {\"model\": \"none\"}, \"shadowing_db\": 6, \"rate\": {\"gap_db\": 3}},"
        " \"policy\": {\"name\": \"always-large\"}}",
        trace);
    CHECK_RUN(r, 300);
    double worst = 0;
    for (size_t i = 0; i < r.n; i++) {
        const record *q = &r.rec[i];
        double rate = 20e6 * log2(1 + pow(10, (q->snr_db - 3) / 10));
        double want = 0.005 + 8 * q->bytes_up / rate;
        worst = fmax(worst, fabs((q->t_ul_end - q->t_ul_start) - want));
        CHECK(q->snr_db == q->snr_avg_db); /* no fading: the router sees the mean */
    }
    CHECK(worst <= 1e-9);
    printf("uplink time vs closed form: worst error %.3g s over %zu queries\n", worst, r.n);
    free(r.rec);
}

/* snr_db - snr_avg_db at decisions is 10 log10 of an Exp(1) variable:
 * Kolmogorov-Smirnov against F(x) = 1 - exp(-10^(x/10)). */
static void test_fading_law_at_decisions(void)
{
    result r = run_scenariof(
        "{\"seed\": 21, \"trace\": {\"generate\": {\"benchmark\": \"mmlu\", \"queries\": 4000},"
        " \"arrival\": {\"rate_per_s\": 2}}, \"devices\": {\"count\": 20},"
        " \"policy\": {\"name\": \"always-small\"}}");
    CHECK_RUN(r, 4000);
    double *x = malloc(r.n * sizeof *x);
    for (size_t i = 0; i < r.n; i++)
        x[i] = r.rec[i].snr_db - r.rec[i].snr_avg_db;
    gsl_sort(x, 1, r.n);
    double d = 0;
    for (size_t i = 0; i < r.n; i++) {
        double f = 1 - exp(-pow(10, x[i] / 10));
        d = fmax(d, fmax(fabs(f - (double)i / r.n), fabs(f - (double)(i + 1) / r.n)));
    }
    double critical = 1.63 / sqrt((double)r.n); /* alpha = 0.01 */
    printf("fading at decisions: KS D = %.4f (critical %.4f, n = %zu)\n", d, critical, r.n);
    CHECK(d < critical);
    free(x);
    free(r.rec);
}

/* router.csi_error_db: with no fading the router's SNR is the mean plus a
 * Gaussian error of that sd; the route still sees the true channel. */
static void test_csi_error(void)
{
    char trace[512];
    write_sparse_trace("csi.csv", 2000, 0.5, trace, sizeof trace);
    result r = run_scenariof(
        "{\"trace\": {\"path\": \"%s\"}, \"devices\": {\"count\": 1, \"distances_m\": [150]},"
        " \"channel\": {\"fading\": {\"model\": \"none\"}}, \"router\": {\"csi_error_db\": 3},"
        " \"policy\": {\"name\": \"always-small\"}}",
        trace);
    CHECK_RUN(r, -1);
    double sum = 0, sum2 = 0;
    for (size_t i = 0; i < r.n; i++) {
        double e = r.rec[i].snr_db - r.rec[i].snr_avg_db;
        sum += e;
        sum2 += e * e;
    }
    double mean = sum / r.n, sd = sqrt(sum2 / r.n - mean * mean);
    printf("CSI error: mean %.3f dB, sd %.3f dB over %zu decisions (want 0, 3)\n", mean, sd, r.n);
    CHECK_NEAR(mean, 0, 4 * 3 / sqrt((double)r.n));
    CHECK_NEAR(sd, 3, 0.15);
    free(r.rec);
}

/* The router's view under CSI error: the uplink rate it expects is the
 * configured rate model at the SNR it sees (the channel's own function), for
 * Shannon, Shannon with a gap and a cap, and the CQI table with its outage.
 * Same tokens for every query and idle servers, so est_large_s minus the
 * expected uplink time is one constant; est_large_s is infinite exactly when
 * the seen SNR gives no rate. */
static void test_view_rate_at_seen_snr(void)
{
    static const char *const rates[] = {
        "{\"model\": \"shannon\"}",
        "{\"model\": \"shannon\", \"gap_db\": 3, \"max_bps\": 2e6}",
        "{\"model\": \"cqi\"}",
    };
    char trace[512];
    write_harness_trace("view_rate.csv",
                        &(harness_trace){.n = 400, .t0_s = 1, .gap_s = 2.0, .in_min = 100, .in_span = 1,
                                         .out_min = 20, .out_span = 1},
                        trace, sizeof trace);
    channel_config cfg;
    keys_defaults(channel_keys, &cfg);
    double bytes = channel_uplink_bytes(&cfg, 100, 0);
    for (int k = 0; k < 3; k++) {
        result r = run_scenariof(
            "{\"trace\": {\"path\": \"%s\"}, \"devices\": {\"count\": 1, \"distances_m\": [800]},"
            " \"channel\": {\"fading\": {\"model\": \"none\"}, \"shadowing_db\": 0, \"rate\": %s},"
            " \"router\": {\"csi_error_db\": 8}, \"policy\": {\"name\": \"always-small\"}}",
            trace, rates[k]);
        CHECK_RUN(r, 400);
        double gap = k == 1 ? 3 : 0, cap = k == 1 ? 2e6 : INFINITY;
        double base = NAN, worst = 0;
        int n_inf = 0, n_capped = 0, bad_inf = 0;
        for (size_t i = 0; i < r.n; i++) {
            double s = r.rec[i].snr_db, rate;
            if (k == 2)
                rate = 20e6 * channel_cqi_efficiency(channel_cqi_index(&cfg, s));
            else
                rate = fmin(cap, 20e6 * log2(1 + pow(10, (s - gap) / 10)));
            n_capped += rate == cap;
            if (!(rate > 0)) {
                n_inf++;
                bad_inf += !isinf(r.rec[i].est_large_s);
                continue;
            }
            bad_inf += !isfinite(r.rec[i].est_large_s);
            double rest = r.rec[i].est_large_s - (cfg.access_s + 8 * bytes / rate);
            if (isnan(base))
                base = rest;
            worst = fmax(worst, fabs(rest - base));
        }
        printf("view rate (%s): est_large_s - expected uplink time varies by %.3g s; %d queries saw outage,"
               " %d the cap\n", rates[k], worst, n_inf, n_capped);
        CHECK(worst < 1e-9);
        CHECK_INT(bad_inf, 0);
        if (k == 1)
            CHECK(n_capped > 10 && n_capped < 390); /* the cap binds for some queries only */
        if (k == 2)
            CHECK(n_inf > 10 && n_inf < 390); /* seen SNRs on both sides of CQI 1 */
        free(r.rec);
    }
}

/* One device, sparse arrivals, always-small: t_done - t_dec is exactly the
 * batch-1 service time of the resolved default profile. */
static void test_device_service(void)
{
    char trace[512], err[256];
    write_sparse_trace("sparse2.csv", 200, 100.0, trace, sizeof trace);
    result r = run_scenariof(
        "{\"trace\": {\"path\": \"%s\"}, \"devices\": {\"count\": 1}, \"policy\": {\"name\": \"always-small\"}}", trace);
    CHECK_RUN(r, 200);
    scenario sc;
    memset(&sc, 0, sizeof sc);
    keys_defaults(scenario_keys, &sc);
    llm_profile small;
    CHECK_INT(llm_profile_resolve(&sc.models[0], "models.small", &small, err, sizeof err), 0);
    double worst = 0;
    for (size_t i = 0; i < r.n; i++) {
        const record *q = &r.rec[i];
        double want = llm_batch1_service_s(&small, q->in_tokens, 0, q->out_tokens);
        worst = fmax(worst, fabs((q->t_done - q->t_dec) - want));
        CHECK(q->queue_wait_s == 0);
    }
    printf("device service vs profile formula: worst error %.3g s\n", worst);
    CHECK(worst <= 1e-9);
    free(r.rec);
}

/* Many devices, always-large: mean latency grows with load; the edge's
 * token throughput saturates below the profile's full-batch decode rate. */
static void test_edge_load(void)
{
    const double rates[] = {1, 4, 16, 64, 128};
    double mean_latency[5], throughput[5];
    char err[256];
    for (int k = 0; k < 5; k++) {
        result r = run_scenariof(
            "{\"seed\": 4, \"trace\": {\"generate\": {\"benchmark\": \"gsm8k\", \"queries\": 3000},"
            " \"arrival\": {\"rate_per_s\": %g}}, \"devices\": {\"count\": 200},"
            " \"policy\": {\"name\": \"always-large\"}}",
            rates[k]);
        CHECK_RUN(r, -1);
        double sum = 0, tokens = 0, first = INFINITY, last = 0;
        for (size_t i = 0; i < r.n; i++) {
            sum += r.rec[i].latency_s;
            tokens += r.rec[i].out_tokens;
            first = fmin(first, r.rec[i].t_arr);
            last = fmax(last, r.rec[i].t_done);
        }
        mean_latency[k] = sum / r.n;
        throughput[k] = tokens / (last - first);
        free(r.rec);
    }
    scenario sc;
    memset(&sc, 0, sizeof sc);
    keys_defaults(scenario_keys, &sc);
    llm_profile large;
    CHECK_INT(llm_profile_resolve(&sc.models[1], "models.large", &large, err, sizeof err), 0);
    double batchB = large.max_batch / llm_decode_step_s(&large, large.max_batch, large.max_batch * 300.0);
    for (int k = 0; k < 5; k++)
        printf("edge load %6.1f q/s: mean latency %.3f s, %.0f tokens/s (batch-%d decode rate %.0f)\n", rates[k],
               mean_latency[k], throughput[k], large.max_batch, batchB);
    for (int k = 1; k < 5; k++)
        CHECK(mean_latency[k] >= mean_latency[k - 1]);
    CHECK(throughput[1] > throughput[0]);
    /* Saturated: doubling the offered load no longer raises throughput, which
     * stays below the pure full-batch decode rate (prefills pause decoding). */
    CHECK(fabs(throughput[4] - throughput[3]) < 0.05 * throughput[3]);
    CHECK(throughput[4] < batchB && throughput[4] > 0.4 * batchB);
}

/* score-threshold calibrated to 30% large on the run's own trace. */
static void test_target_fraction(void)
{
    result r = run_scenariof(
        "{\"seed\": 8, \"trace\": {\"generate\": {\"benchmark\": \"mmlu\", \"queries\": 5000}},"
        " \"devices\": {\"count\": 10},"
        " \"policy\": {\"name\": \"score-threshold\", \"target_large_fraction\": 0.3}}");
    CHECK_RUN(r, -1);
    int large = 0;
    for (size_t i = 0; i < r.n; i++)
        large += r.rec[i].route == ROUTE_LARGE;
    printf("score-threshold target 0.30: %.4f of %zu queries large\n", (double)large / r.n, r.n);
    CHECK_NEAR((double)large / r.n, 0.3, 0.005);
    free(r.rec);
}

typedef struct dialogue_check {
    int switches, turns, recompute_ok, overlap_ok, history_ok;
    double recomputed;
} dialogue_check;

static int by_dialogue_turn(const void *a, const void *b)
{
    const record *x = a, *y = b;
    if (x->dialogue_id != y->dialogue_id)
        return x->dialogue_id < y->dialogue_id ? -1 : 1;
    return (x->turn > y->turn) - (x->turn < y->turn);
}

static dialogue_check check_dialogues(result *r)
{
    dialogue_check c = {0, 0, 1, 1, 1, 0};
    qsort(r->rec, r->n, sizeof *r->rec, by_dialogue_turn);
    for (size_t i = 0; i < r->n; i++) {
        const record *q = &r->rec[i];
        c.turns++;
        c.switches += q->switched == 1;
        c.recomputed += q->recomputed_tokens;
        /* What the chosen model lacked of the history is recomputed. */
        if (q->recomputed_tokens != q->context_tokens - q->cached_tokens || q->cached_tokens < 0 ||
            q->cached_tokens > q->context_tokens)
            c.recompute_ok = 0;
        if (i > 0 && r->rec[i - 1].dialogue_id == q->dialogue_id) {
            const record *prev = &r->rec[i - 1];
            if (q->t_arr < prev->t_done)
                c.overlap_ok = 0;
            if (q->context_tokens != prev->context_tokens + prev->in_tokens + prev->out_tokens)
                c.history_ok = 0;
        } else if (q->context_tokens != 0 || q->turn != 1) {
            c.history_ok = 0;
        }
    }
    return c;
}

static void test_dialogues(void)
{
    const char *tmpl = "{\"seed\": 6, \"trace\": {\"generate\": {\"benchmark\": \"mtbench101\", \"queries\": 0,"
                       " \"dialogues\": 400}, \"arrival\": {\"rate_per_s\": 2}, \"think_s\": 5},"
                       " \"devices\": {\"count\": 20}, %s"
                       " \"policy\": {\"name\": \"%s\"%s}}";
    const char *rule = ", \"alpha\": 0.5, \"theta\": 0.5";
    result ql = run_scenariof(tmpl, "", "quality-latency", rule);
    result ca = run_scenariof(tmpl, "", "context-aware", rule);
    CHECK_RUN(ql, -1);
    CHECK_RUN(ca, -1);
    CHECK(ql.n > 800 && ql.n == ca.n);
    dialogue_check cq = check_dialogues(&ql), cc = check_dialogues(&ca);
    printf("dialogues: %d turns; switches quality-latency %d, context-aware %d; recomputed tokens %.0f vs %.0f\n",
           cq.turns, cq.switches, cc.switches, cq.recomputed, cc.recomputed);
    CHECK(cq.recompute_ok && cc.recompute_ok);
    CHECK(cq.overlap_ok && cc.overlap_ok);
    CHECK(cq.history_ok && cc.history_ok);
    CHECK(cc.switches < cq.switches);

    /* router.sees_switch_cost = false: the router is blind to recomputation
     * (its switching costs read 0, so context-aware decides exactly as
     * quality-latency does, turn by turn), while the simulation still
     * charges the recomputed history. */
    result blind = run_scenariof(tmpl, "\"router\": {\"sees_switch_cost\": false},", "context-aware", rule);
    CHECK_RUN(blind, -1);
    dialogue_check cb = check_dialogues(&blind);
    CHECK(cb.recompute_ok && cb.history_ok);
    CHECK(blind.n == ql.n);
    int csw_zero = 1, same_route = 1, ca_csw = 0;
    for (size_t i = 0; i < blind.n && i < ql.n; i++) {
        csw_zero &= blind.rec[i].csw_small_s == 0 && blind.rec[i].csw_large_s == 0;
        same_route &= blind.rec[i].query_id == ql.rec[i].query_id && blind.rec[i].route == ql.rec[i].route;
        ca_csw += ca.rec[i].csw_small_s > 0 || ca.rec[i].csw_large_s > 0;
    }
    printf("blind context-aware: %d switches, %.0f recomputed tokens (sighted %d, %.0f)\n", cb.switches,
           cb.recomputed, cc.switches, cc.recomputed);
    CHECK(csw_zero);
    CHECK(ca_csw > 0);
    CHECK(same_route);
    CHECK_INT(cb.switches, cq.switches);
    CHECK(cb.recomputed > cc.recomputed);
    free(blind.rec);

    /* A tiny edge KV capacity evicts idle dialogues: a turn routed large
     * after a large turn must recompute what was evicted. */
    result tiny = run_scenariof(tmpl, "\"models\": {\"large\": {\"kv_capacity_bytes\": 2e8}},", "always-large", "");
    result roomy = run_scenariof(tmpl, "", "always-large", "");
    CHECK_RUN(tiny, -1);
    CHECK_RUN(roomy, -1);
    dialogue_check ct = check_dialogues(&tiny), cr = check_dialogues(&roomy);
    printf("always-large recomputed tokens: roomy edge KV %.0f, tiny edge KV %.0f\n", cr.recomputed, ct.recomputed);
    CHECK(ct.recompute_ok && ct.overlap_ok && ct.history_ok);
    CHECK(cr.recomputed == 0);
    CHECK(ct.recomputed > 0);
    free(ql.rec);
    free(ca.rec);
    free(tiny.rec);
    free(roomy.rec);
}

/* edge.servers: a second edge server halves the load of each; the router
 * uses both, and a dialogue's turns stay where its KV is.  The edge prefills
 * at 5,000 tokens/s (a llama.cpp-class rate, slower than the vLLM presets) so
 * that recomputing a history elsewhere costs more than a short queue. */
static void test_edge_servers(void)
{
    const char *tmpl = "{\"seed\": 9, \"trace\": {\"generate\": {\"benchmark\": \"mtbench101\", \"queries\": 0,"
                       " \"dialogues\": 300}, \"arrival\": {\"rate_per_s\": 3}, \"think_s\": 2},"
                       " \"devices\": {\"count\": 50}, \"edge\": {\"servers\": %d},"
                       " \"models\": {\"large\": {\"max_batch\": 4, \"prefill_tokens_per_s\": 5000}},"
                       " \"policy\": {\"name\": \"always-large\"}}";
    double mean[2];
    for (int k = 0; k < 2; k++) {
        result r = run_scenariof(tmpl, k + 1);
        CHECK_RUN(r, -1);
        int used[2] = {0, 0}, moves = 0, stays = 0;
        double sum = 0;
        qsort(r.rec, r.n, sizeof *r.rec, by_dialogue_turn);
        for (size_t i = 0; i < r.n; i++) {
            sum += r.rec[i].latency_s;
            CHECK(r.rec[i].edge_server >= 0 && r.rec[i].edge_server <= k);
            used[r.rec[i].edge_server & 1]++;
            if (i > 0 && r.rec[i - 1].dialogue_id == r.rec[i].dialogue_id) {
                if (r.rec[i - 1].edge_server == r.rec[i].edge_server)
                    stays++;
                else
                    moves++;
                /* A turn that stays finds its history in KV (no eviction here). */
                if (r.rec[i - 1].edge_server == r.rec[i].edge_server)
                    CHECK_INT(r.rec[i].recomputed_tokens, 0);
            }
        }
        mean[k] = sum / r.n;
        if (k == 1) {
            printf("two edge servers: %d and %d queries, turns staying %d, moving %d\n", used[0], used[1], stays,
                   moves);
            CHECK(used[0] > (int)r.n / 4 && used[1] > (int)r.n / 4);
            CHECK(stays > 2 * moves); /* the KV it holds keeps a dialogue on its server */
        }
        free(r.rec);
    }
    printf("mean latency: one edge server %.3f s, two %.3f s\n", mean[0], mean[1]);
    CHECK(mean[1] < mean[0]);
}

/* device.memory "one" (docs/MODEL.md "Several models on a device"), closed
 * form: one device holds `small` (prefill 0.5 s, decode 0.1 s a token, load
 * 1 s) and `phone2` (0.3 s, 0.2 s, load 2 s), one in memory at a time,
 * `small` first; the oracle routes A and D to small, B and C to phone2.
 *   A arrives 1.0, decides 1.015: small is loaded: runs 1.015-1.715 (3 tokens).
 *   B arrives 1.1, decides 1.115: waits for A (0.6 s), loads phone2
 *     1.715-3.715 (load_s 2), runs 3.715-4.215 (2 tokens).
 *   C arrives 1.2, decides 1.215: waits for A and B (3.0 s), phone2 is
 *     loaded: runs 4.215-4.515 (1 token), load_s 0.
 *   D arrives 10, decides 10.015: loads small back (1 s), runs 11.015-11.715.
 * The router's estimates include the device's queue and the loads: B's
 * phone2 estimate 0.6 + 2 + 0.5 = 3.1 s, C's 0.5 + (2 + 0.5) + 0.3 = 3.3 s,
 * D's small estimate 1 + 0.7 = 1.7 s: each its exact latency from the
 * decision.  With device.memory "all", each model serves its own queue and
 * nothing loads. */
/* The record of query `id` (records come in completion order). */
static const record *record_of(const result *r, int64_t id)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->rec[i].query_id == id)
            return &r->rec[i];
    return NULL;
}

static void test_device_memory_one(void)
{
    char trace[512], json[2048];
    write_file("memory.csv",
               "id,t_arr_s,device,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark,q_phone2\n"
               "1,1.0,0,-1,0,10,3,0.5,1,0,x,0\n"
               "2,1.1,0,-1,0,10,2,0.5,0,0,x,1\n"
               "3,1.2,0,-1,0,10,1,0.5,0,0,x,1\n"
               "4,10.0,0,-1,0,10,3,0.5,1,0,x,0\n",
               trace, sizeof trace);
    snprintf(json, sizeof json,
             "{\"trace\": {\"path\": \"%s\"}, \"devices\": {\"count\": 1}, \"device\": {\"memory\": \"one\"},"
             " \"models\": {\"large\": null,"
             "  \"small\": {\"preset\": \"none\", \"prefill_s\": [0.5, 0, 0], \"decode_step_s\": [0.1, 0, 0], \"load_s\": 1},"
             "  \"phone2\": {\"tier\": \"device\", \"preset\": \"none\", \"max_batch\": 1, \"prefill_s\": [0.3, 0, 0],"
             "              \"decode_step_s\": [0.2, 0, 0], \"load_s\": 2}},"
             " \"policy\": {\"name\": \"oracle\"}}",
             trace);
    result r = run_scenario(json, NULL, 0);
    CHECK_INT(r.status, RUN_OK);
    CHECK_INT(r.n, 4);
    static const struct {
        int route;
        double t_dec, queue_wait, load, t_queue_end, t_done, est;
    } want[] = {
        {0, 1.015, 0.0, 0, 1.015, 1.715, 0.7},
        {1, 1.115, 0.6, 2, 3.715, 4.215, 3.1},
        {1, 1.215, 3.0, 0, 4.215, 4.515, 3.3},
        {0, 10.015, 0.0, 1, 11.015, 11.715, 1.7},
    };
    for (int i = 0; i < 4 && r.n == 4; i++) {
        const record *q = record_of(&r, i + 1);
        CHECK_INT(q->route, want[i].route);
        CHECK_NEAR(q->t_dec, want[i].t_dec, 1e-9);
        CHECK_NEAR(q->queue_wait_s, want[i].queue_wait, 1e-9);
        CHECK_NEAR(q->load_s, want[i].load, 1e-12);
        CHECK_NEAR(q->t_queue_end, want[i].t_queue_end, 1e-9);
        CHECK_NEAR(q->t_done, want[i].t_done, 1e-9);
        CHECK_NEAR(q->model_est_s[q->route], want[i].est, 1e-9);
        CHECK_NEAR(q->latency_s, q->t_done - q->t_arr, 1e-12);
    }
    /* The model not loaded pays its load in the estimate: A's phone2
     * estimate is 2 + 0.3 + 2 x 0.2 (A's 3 tokens on phone2). */
    if (r.n == 4)
        CHECK_NEAR(record_of(&r, 1)->model_est_s[1], 2 + 0.3 + 2 * 0.2, 1e-9);
    /* Device busy: 0.7 + 0.5 + 0.3 + 0.7 of service and 3 s of loads over 11.715 s. */
    CHECK_NEAR(r.stats.device_busy_frac, (0.7 + 0.5 + 0.3 + 0.7 + 3) / 11.715, 1e-9);
    free(r.rec);

    /* "all": both in memory, each its own queue: B starts at its decision. */
    char *const all[] = {"device.memory=all"};
    r = run_scenario(json, all, 1);
    CHECK_INT(r.status, RUN_OK);
    CHECK_INT(r.n, 4);
    if (r.n == 4) {
        CHECK(isnan(record_of(&r, 2)->load_s));
        CHECK_NEAR(record_of(&r, 1)->t_done, 1.015 + 0.7, 1e-9);
        CHECK_NEAR(record_of(&r, 2)->t_done, 1.115 + 0.5, 1e-9);
        CHECK_NEAR(record_of(&r, 3)->t_done, 1.615 + 0.3, 1e-9); /* behind B on phone2's own server */
        CHECK_NEAR(record_of(&r, 4)->t_done, 10.015 + 0.7, 1e-9);
    }
    free(r.rec);

    /* A deadline while waiting or loading gives the device back: with
     * deadline_s 2, B is abandoned at 3.1 during its load; C, which then
     * starts loading phone2, at 3.2; D loads small again (nothing is in
     * memory after an abandoned load). */
    char *const late[] = {"trace.deadline_s=2"};
    r = run_scenario(json, late, 1);
    CHECK_INT(r.status, RUN_OK);
    CHECK_INT(r.n, 4);
    if (r.n == 4) {
        CHECK_INT(record_of(&r, 2)->status, QUERY_DEADLINE);
        CHECK(isnan(record_of(&r, 2)->t_done));
        CHECK_NEAR(record_of(&r, 2)->load_s, 3.1 - 1.715, 1e-9); /* the part of its load done */
        CHECK_INT(record_of(&r, 3)->status, QUERY_DEADLINE);
        CHECK_NEAR(record_of(&r, 3)->load_s, 0.1, 1e-9); /* loading phone2 from 3.1 */
        CHECK_INT(record_of(&r, 4)->status, QUERY_DONE);
        CHECK_NEAR(record_of(&r, 4)->load_s, 1, 1e-12);
        CHECK_NEAR(record_of(&r, 4)->t_done, 11.715, 1e-9);
    }
    free(r.rec);

    /* load_s off the device tier is refused, naming the key. */
    char *const bad[] = {"models.phone2.tier=edge"};
    r = run_scenario(json, bad, 1);
    CHECK(r.status != RUN_OK && strstr(r.err, "models.phone2.load_s: applies to device-tier models only") != NULL);
    free(r.rec);
}

int main(void)
{
    static const harness_test tests[] = {
        test_uplink_constant_channel, test_fading_law_at_decisions, test_csi_error, test_view_rate_at_seen_snr,
        test_device_service, test_edge_load, test_target_fraction, test_dialogues, test_edge_servers,
        test_device_memory_one, NULL
    };
    return harness_main(tests);
}
