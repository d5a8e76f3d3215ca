/* Queries that cannot complete are outcomes (docs/MODEL.md section 1,
 * "Outcomes"): permanent outage, outage after channel.outage_timeout_s,
 * KV-capacity rejection on the device and at the edge, deadlines that free
 * the batch slot for the next query (known answers), and the run that can
 * make no progress. */
#include <math.h>

#include "models/channel/channel.h"
#include "check.h"
#include "run_harness.h"

/* Queries every `gap_s` seconds from t = 1 on device 0; in/out tokens and
 * deadline_s per row ("" = none; NULL: no deadline column) from the arrays
 * (cycled). */
static void write_outcome_trace(const char *name, int n, double gap_s, const int *in, const int *out,
                                const char *const *deadline, int n_kinds, char *path, size_t len)
{
    write_harness_trace(name, &(harness_trace){.n = n, .t0_s = 1, .gap_s = gap_s, .in = in, .out = out,
                                               .deadline = deadline, .n_kinds = n_kinds},
                        path, len);
}

/* A device 1500 m away on a 5 MHz uplink with the CQI rate model and no
 * fading: SNR = 23 - (128.1 + 37.6 log10 1.5) - (-174 + 10 log10 5e6 + 5)
 * = -9.71 dB, below CQI 1 (-6.7 dB) for ever.  Every query ends `outage`
 * the moment its uplink goes on air (t_dec + access_s): t_ul_start set,
 * every later time NULL, and the run ends there. */
static const char outage_json[] =
    "{\"trace\": {\"path\": \"%s\"}, \"devices\": {\"count\": 1, \"distances_m\": [%g]},"
    " \"channel\": {\"fading\": {\"model\": \"%s\"}, \"shadowing_db\": 0, \"rate\": {\"model\": \"cqi\"},"
    " \"uplink\": {\"bandwidth_hz\": 5e6}, \"outage_timeout_s\": %g},"
    " \"policy\": {\"name\": \"always-large\"}}";

static void test_permanent_outage(void)
{
    static const int in[] = {20, 300}, out[] = {5, 40};
    char trace[512];
    write_outcome_trace("outage.csv", 40, 0.5, in, out, NULL, 2, trace, sizeof trace);
    result r = run_scenariof(outage_json, trace, 1500.0, "none", 10.0);
    CHECK_RUN(r, 40);
    int outage = 0, shape = 0;
    for (size_t i = 0; i < r.n; i++) {
        const record *q = &r.rec[i];
        outage += q->status == QUERY_OUTAGE;
        shape += q->route == ROUTE_LARGE && q->t_ul_start == q->t_dec && isnan(q->t_ul_end) &&
                 isnan(q->t_queue_end) && isnan(q->t_prefill_end) && isnan(q->t_first_token) &&
                 isnan(q->t_decode_end) && isnan(q->t_done) && isnan(q->latency_s) && isnan(q->quality) &&
                 isnan(q->energy_j) && isnan(q->rate_ul_bps);
        CHECK_NEAR(q->snr_avg_db, 23 - (128.1 + 37.6 * log10(1.5)) - (-174 + 10 * log10(5e6) + 5), 1e-9);
    }
    CHECK_INT(outage, 40);
    CHECK_INT(shape, 40);
    /* the last event is the last query's outage: its t_dec + access_s */
    CHECK_NEAR(r.stats.sim_end_s, r.rec[r.n - 1].t_dec + 0.005, 1e-9);
    free(r.rec);

    /* the same with channel.outage_timeout_s = 0 (wait for ever): no
     * progress is possible, and the run says where */
    r = run_scenariof(outage_json, trace, 1500.0, "none", 0.0);
    CHECK_INT(r.status, RUN_CONFIG);
    CHECK(strstr(r.err, "no progress possible: device 0: the uplink transfer of query 1 is at rate 0") != NULL);
    CHECK(strstr(r.err, "channel.outage_timeout_s") != NULL);
    CHECK_INT(r.n, 0);
    free(r.rec);
}

/* With Rayleigh fading 8 km away (mean SNR -37 dB, a usable block has
 * probability exp(-10^((-6.7 + 37) / 10)), about e^-1000) a transfer is
 * given up outage_timeout_s after it went on air: the single query ends
 * at t_dec + access_s + 2 s exactly (the run's last event). */
static void test_outage_timeout(void)
{
    static const int in[] = {50}, out[] = {10};
    char trace[512];
    write_outcome_trace("timeout.csv", 1, 1, in, out, NULL, 1, trace, sizeof trace);
    result r = run_scenariof(outage_json, trace, 8000.0, "rayleigh", 2.0);
    CHECK_RUN(r, 1);
    CHECK_INT(r.rec[0].status, QUERY_OUTAGE);
    CHECK(r.rec[0].snr_avg_db < -30);
    CHECK_NEAR(r.stats.sim_end_s, r.rec[0].t_dec + 0.005 + 2.0, 1e-9);
    free(r.rec);
}

/* KV capacity 1000 tokens (1 byte per token): in + out = 1000 fits and is
 * done, 1001 is rejected; on the device at the decision (no uplink), at the
 * edge when the uplink has arrived (t_ul_end set, no queue time). */
static void test_kv_rejected(void)
{
    static const int in[] = {600, 600, 10}, out[] = {400, 401, 10};
    char trace[512];
    write_outcome_trace("kv.csv", 30, 20, in, out, NULL, 3, trace, sizeof trace);
    const char *policies[] = {"always-small", "always-large"};
    for (int p = 0; p < 2; p++) {
        result r = run_scenariof(
            "{\"trace\": {\"path\": \"%s\"}, \"devices\": {\"count\": 1},"
            " \"models\": {\"small\": {\"kv_bytes_per_token\": 1, \"kv_capacity_bytes\": 1000},"
            " \"large\": {\"kv_bytes_per_token\": 1, \"kv_capacity_bytes\": 1000}},"
            " \"policy\": {\"name\": \"%s\"}}",
            trace, policies[p]);
        CHECK_RUN(r, 30);
        int rejected = 0, done = 0, shape = 0;
        for (size_t i = 0; i < r.n; i++) {
            const record *q = &r.rec[i];
            int over = q->in_tokens + q->out_tokens > 1000;
            rejected += over && q->status == QUERY_REJECTED;
            done += !over && q->status == QUERY_DONE && q->latency_s > 0;
            if (over)
                shape += isnan(q->t_queue_end) && isnan(q->t_done) &&
                         (p == 0 ? isnan(q->t_ul_start) : q->t_ul_end > q->t_ul_start);
        }
        CHECK_INT(rejected, 10);
        CHECK_INT(done, 20);
        CHECK_INT(shape, 10);
        free(r.rec);
    }
}

/* Deadlines.  Edge batch 1, prefill 1 ms per token, decode step 10 ms, a
 * fixed radio.  Query 1 (100 tokens in, 1001 out: 0.1 s prefill, 10 s of
 * decode) has deadline_s 3; query 2 arrives 0.5 s later and waits for the
 * only batch slot.  Query 1 is abandoned at t_arr + 3 and leaves the batch
 * at the end of the decode step under way, t_pre + 0.01 ceil((t_arr + 3 -
 * t_pre) / 0.01) with t_pre its prefill end: query 2 is admitted then (its
 * t_queue_end), seven seconds before query 1 would have finished. */
static void test_deadline_frees_batch(void)
{
    static const int in[] = {100, 100}, out[] = {1001, 2};
    static const char *const deadline[] = {"3", ""};
    char trace[512];
    write_outcome_trace("deadline.csv", 2, 0.5, in, out, deadline, 2, trace, sizeof trace);
    result r = run_scenariof(
        "{\"trace\": {\"path\": \"%s\"}, \"devices\": {\"count\": 1, \"distances_m\": [100]},"
        " \"channel\": {\"fading\": {\"model\": \"none\"}, \"shadowing_db\": 0},"
        " \"models\": {\"large\": {\"prefill_s\": [0, 0.001, 0], \"decode_step_s\": [0.01, 0, 0],"
        " \"max_batch\": 1}},"
        " \"policy\": {\"name\": \"always-large\"}}",
        trace);
    CHECK_RUN(r, 2);
    if (r.n == 2) {
        const record *a = &r.rec[0], *b = &r.rec[1];
        CHECK(a->query_id == 1 && b->query_id == 2);
        CHECK_INT(a->status, QUERY_DEADLINE);
        CHECK_NEAR(a->t_prefill_end - a->t_queue_end, 0.1, 1e-9);
        CHECK(a->t_first_token > a->t_prefill_end && isnan(a->t_decode_end) && isnan(a->t_done));
        double gone = a->t_arr + 3, t_pre = a->t_prefill_end;
        double boundary = t_pre + 0.01 * ceil((gone - t_pre) / 0.01 - 1e-6);
        CHECK_INT(b->status, QUERY_DONE);
        CHECK(b->t_ul_end < gone);
        CHECK_NEAR(b->t_queue_end, boundary, 1e-9);
        CHECK_NEAR(b->t_prefill_end - b->t_queue_end, 0.1, 1e-9);
        CHECK(b->t_done < t_pre + 10 - 6);
        printf("deadline: query 1 abandoned at %.6f s, query 2 admitted at %.9f s (step boundary %.9f s)\n", gone,
               b->t_queue_end, boundary);
    }
    free(r.rec);

    /* a deadline shorter than the router overhead (trace.deadline_s): no
     * decision, route NULL, only t_arr */
    r = run_scenariof(
        "{\"trace\": {\"path\": \"%s\", \"deadline_s\": 0.001}, \"devices\": {\"count\": 1},"
        " \"policy\": {\"name\": \"always-large\"}}",
        trace);
    CHECK_RUN(r, 2);
    for (size_t i = 0; i < r.n; i++) {
        /* the trace's own deadline_s (3 s) wins over the key for query 1 */
        const record *q = &r.rec[i];
        if (q->query_id == 2)
            CHECK(q->status == QUERY_DEADLINE && q->route == -1 && isnan(q->t_dec) && isnan(q->t_ul_start));
        else
            CHECK(q->status == QUERY_DEADLINE && q->route == ROUTE_LARGE);
    }
    free(r.rec);
}

int main(void)
{
    static const harness_test tests[] = {
        test_permanent_outage, test_outage_timeout, test_kv_rejected, test_deadline_frees_batch, NULL
    };
    return harness_main(tests);
}
