/* The run loop end to end with the in-memory sink: hand-computed latencies of
 * a lone query on each route, bit-identical reruns, common random numbers
 * across policies, closed-loop dialogues with switching costs, duration_s,
 * and bad traces. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/channel/channel.h"
#include "models/llm/llm.h"
#include "models/policies/policies.h"
#include "sim/run/run.h"
#include "sim/run/scenario.h"
#include "check.h"
#include "run_harness.h"

/* Radio and profiles with no randomness: one device at 100 m, no shadowing,
 * no fading; coefficient profiles chosen to be easy to check by hand. */
static const char base_scenario[] =
    "{\"name\": \"known\", \"seed\": 3,"
    " \"trace\": {\"path\": \"%s\"},"
    " \"devices\": {\"count\": %d, \"distances_m\": %s},"
    " \"channel\": {\"shadowing_db\": 0, \"fading\": {\"model\": \"%s\"}},"
    " \"models\": {"
    "   \"small\": {\"preset\": \"none\", \"prefill_s\": [0.01, 0.001, 1e-7], \"decode_step_s\": [0.03, 0.002, 1e-6],"
    "             \"max_batch\": 1, \"kv_capacity_bytes\": 1e9, \"kv_bytes_per_token\": 1000, \"power_w\": 5},"
    "   \"large\": {\"preset\": \"none\", \"prefill_s\": [0.004, 0.0002, 0], \"decode_step_s\": [0.008, 0.0005, 1e-7],"
    "             \"max_batch\": 8, \"kv_capacity_bytes\": 1e10, \"kv_bytes_per_token\": 1000}},"
    " \"policy\": {\"name\": \"%s\"}}";

static result run_known(const char *trace_csv, const char *policy, const char *fading, int devices,
                        const char *distances)
{
    char trace_path[512];
    write_file("trace.csv", trace_csv, trace_path, sizeof trace_path);
    return run_scenariof(base_scenario, trace_path, devices, distances, fading, policy);
}

/* SNR in dB at d metres by MODEL.md section 2, without fading or shadowing. */
static double snr_db(double d_m, double tx_dbm, double nf_db)
{
    double pl = 128.1 + 37.6 * log10(d_m / 1000.0);
    return tx_dbm - pl - (-174 + 10 * log10(20e6) + nf_db);
}

static double shannon_bps(double snr)
{
    return 20e6 * log2(1 + pow(10, snr / 10));
}

static const char one_query[] = "id,t_arr_s,device,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n"
                                "7,1.0,0,-1,0,100,20,0.7,0,1,gsm8k\n";

static void test_known_large(void)
{
    result r = run_known(one_query, "always-large", "none", 1, "[100]");
    CHECK_RUN(r, 1);
    if (r.n != 1)
        return;
    const record *q = &r.rec[0];
    double t_dec = 1.0 + 0.015;
    double up_bps = shannon_bps(snr_db(100, 23, 5)), down_bps = shannon_bps(snr_db(100, 33, 9));
    double up_bytes = 256 + 4 * 100;
    double t_ul_end = t_dec + 0.005 + 8 * up_bytes / up_bps;
    double prefill = 0.004 + 0.0002 * 100;
    double t_prefill_end = t_ul_end + prefill;
    double t_first = t_prefill_end + 0.005 + 8 * (256 + 4) / down_bps;
    double decode = 0;
    for (int j = 1; j < 20; j++)
        decode += 0.008 + 0.0005 * 1 + 1e-7 * (100 + j);
    double t_done = t_prefill_end + decode + 0.005 + 8 * (256 + 4 * 19) / down_bps;
    double tol = 5e-9; /* nanosecond rounding of each step */
    CHECK_NEAR(q->t_dec, t_dec, tol);
    CHECK_NEAR(q->snr_db, snr_db(100, 23, 5), 1e-9);
    CHECK_NEAR(q->snr_avg_db, snr_db(100, 23, 5), 1e-9);
    CHECK_NEAR(q->distance_m, 100, 1e-12);
    CHECK_NEAR(q->t_ul_end - q->t_ul_start, 0.005 + 8 * up_bytes / up_bps, 2e-9);
    CHECK_NEAR(q->rate_ul_bps, up_bps, up_bps * 1e-4); /* air time is rounded to ns */
    CHECK_NEAR(q->t_ul_end, t_ul_end, tol);
    CHECK_NEAR(q->t_queue_end, t_ul_end, tol);
    CHECK_NEAR(q->queue_wait_s, 0, tol);
    CHECK_NEAR(q->t_prefill_end, t_prefill_end, tol);
    CHECK_NEAR(q->t_first_token, t_first, tol);
    CHECK_NEAR(q->t_done, t_done, tol);
    CHECK_NEAR(q->latency_s, t_done - 1.0, tol);
    CHECK_NEAR(q->ttft_s, t_first - 1.0, tol);
    CHECK_NEAR(q->bytes_up, up_bytes, 0);
    CHECK_NEAR(q->bytes_down, 256 + 4 + 256 + 4 * 19, 0);
    CHECK_INT(q->route, ROUTE_LARGE);
    CHECK_NEAR(q->quality, 1, 0);
    CHECK_INT(q->query_id, 7);
    /* Energy: uplink air time at 2 W, downlink air time at 1 W. */
    double air_ul = 8 * up_bytes / up_bps, air_dl = 8 * (256 + 4 + 256 + 4 * 19) / down_bps;
    CHECK_NEAR(q->energy_j, 2 * air_ul + 1 * air_dl, 1e-8);
    free(r.rec);
}

static void test_known_small(void)
{
    result r = run_known(one_query, "always-small", "none", 1, "[100]");
    CHECK_RUN(r, 1);
    if (r.n != 1)
        return;
    const record *q = &r.rec[0];
    double t_dec = 1.015;
    double prefill = 0.01 + 0.001 * 100 + 1e-7 * 100 * (0 + 50);
    double service = prefill;
    for (int j = 1; j < 20; j++)
        service += 0.03 + 0.002 + 1e-6 * (100 + j);
    CHECK_NEAR(q->t_queue_end, t_dec, 1e-9);
    CHECK_NEAR(q->t_prefill_end, t_dec + prefill, 2e-9);
    CHECK_NEAR(q->t_first_token, t_dec + prefill, 2e-9);
    CHECK_NEAR(q->t_done - q->t_dec, service, 1e-9);
    CHECK(isnan(q->t_ul_start) && isnan(q->t_ul_end) && isnan(q->rate_ul_bps));
    CHECK_NEAR(q->bytes_up, 0, 0);
    CHECK_NEAR(q->quality, 0, 0);
    CHECK_NEAR(q->energy_j, 5 * service, 1e-8);
    /* The estimate the policy saw is the same formula. */
    CHECK_NEAR(q->est_small_s, service, 1e-9);
    free(r.rec);
}

/* Many queries over fading: the same seed gives identical records; two
 * policies see the same arrivals and devices but different latencies. */
static const char many_header[] = "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n";

static char *many_queries(int n)
{
    char *buf = malloc((size_t)n * 64 + sizeof many_header);
    strcpy(buf, many_header);
    char *p = buf + strlen(buf);
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%d,-1,0,%d,%d,%.3f,%d,%d,mmlu\n", i + 1, 20 + (i * 37) % 300, 1 + (i * 13) % 60,
                     (i % 100) / 100.0, i % 3 == 0, i % 2 == 0);
    return buf;
}

static void test_reproducible_and_paired(void)
{
    char trace_path[512], json[4096];
    char *trace = many_queries(400);
    write_file("many.csv", trace, trace_path, sizeof trace_path);
    free(trace);
    const char *tmpl = "{\"seed\": 11, \"trace\": {\"path\": \"%s\", \"arrival\": {\"rate_per_s\": 5}},"
                       " \"devices\": {\"count\": 6}, \"policy\": {\"name\": \"%s\"}}";
    result a = run_scenariof(tmpl, trace_path, "quality-latency");
    result b = run_scenariof(tmpl, trace_path, "quality-latency");
    CHECK_RUN(a, 400);
    CHECK_INT(b.n, a.n);
    CHECK(a.n == b.n && memcmp(a.rec, b.rec, a.n * sizeof *a.rec) == 0);
    CHECK_INT(a.stats.n_queries, 400);

    result s = run_scenariof(tmpl, trace_path, "always-small");
    result l = run_scenariof(tmpl, trace_path, "always-large");
    CHECK_INT(s.n, 400);
    CHECK_INT(l.n, 400);
    /* Records come in completion order: match them by query id. */
    static double arr_s[401], arr_l[401], lat_s[401], lat_l[401];
    static int dev_s[401], dev_l[401];
    for (size_t i = 0; i < s.n && i < l.n; i++) {
        arr_s[s.rec[i].query_id] = s.rec[i].t_arr;
        dev_s[s.rec[i].query_id] = s.rec[i].device;
        lat_s[s.rec[i].query_id] = s.rec[i].latency_s;
        arr_l[l.rec[i].query_id] = l.rec[i].t_arr;
        dev_l[l.rec[i].query_id] = l.rec[i].device;
        lat_l[l.rec[i].query_id] = l.rec[i].latency_s;
    }
    int same_arrivals = 1, differ = 0;
    for (int i = 1; i <= 400; i++) {
        same_arrivals &= arr_s[i] == arr_l[i] && dev_s[i] == dev_l[i];
        differ += lat_s[i] != lat_l[i];
    }
    CHECK(same_arrivals);
    CHECK(differ > 390);
    /* A different seed changes the arrivals. */
    char *sets[] = {"seed=12"};
    snprintf(json, sizeof json, tmpl, trace_path, "always-small");
    result c = run_scenario(json, sets, 1);
    CHECK(c.n == 400 && c.rec[0].t_arr != s.rec[0].t_arr);
    free(a.rec);
    free(b.rec);
    free(s.rec);
    free(l.rec);
    free(c.rec);
}

/* A three-turn dialogue routed small, large, small by the oracle: closed
 * loop, history accounting, cached and recomputed tokens, switching. */
static void test_dialogue_switches(void)
{
    const char *trace = "id,t_arr_s,device,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark,think_s\n"
                        "1,2.0,0,5,1,30,10,0.1,1,0,mt,\n"
                        "2,,,5,2,20,15,0.9,0,1,mt,4.5\n"
                        "3,,,5,3,25,5,0.2,1,0,mt,1.25\n"
                        "4,3.0,0,-1,0,10,3,0.5,1,1,mmlu,\n";
    result r = run_known(trace, "oracle", "none", 1, "[100]");
    CHECK_RUN(r, 4);
    if (r.n != 4)
        return;
    const record *t[4] = {NULL};
    for (int i = 0; i < 4; i++)
        t[r.rec[i].query_id - 1] = &r.rec[i];
    CHECK(t[0] && t[1] && t[2] && t[3]);
    if (!t[0] || !t[1] || !t[2] || !t[3])
        return;
    CHECK_INT(t[0]->route, ROUTE_SMALL);
    CHECK_INT(t[1]->route, ROUTE_LARGE);
    CHECK_INT(t[2]->route, ROUTE_SMALL);
    /* Closed loop: the next turn arrives think_s after the previous answer. */
    CHECK_NEAR(t[1]->t_arr, t[0]->t_done + 4.5, 1e-9);
    CHECK_NEAR(t[2]->t_arr, t[1]->t_done + 1.25, 1e-9);
    CHECK_INT(t[0]->turn, 1);
    CHECK_INT(t[2]->turn, 3);
    CHECK_INT(t[3]->turn, -1);
    CHECK_INT(t[3]->dialogue_id, -1);
    /* History: H2 = 30 + 10, H3 = H2 + 20 + 15. */
    CHECK_INT(t[0]->context_tokens, 0);
    CHECK_INT(t[1]->context_tokens, 40);
    CHECK_INT(t[2]->context_tokens, 75);
    /* Turn 2 on the edge, which has nothing: all 40 recomputed, and the
     * uplink carries the unseen history with the new tokens. */
    CHECK_INT(t[1]->cached_tokens, 0);
    CHECK_INT(t[1]->recomputed_tokens, 40);
    CHECK_NEAR(t[1]->bytes_up, 256 + 4 * (20 + 40), 0);
    /* Turn 3 back on the device, which kept turn 1's 40 tokens. */
    CHECK_INT(t[2]->cached_tokens, 40);
    CHECK_INT(t[2]->recomputed_tokens, 35);
    CHECK_INT(t[0]->switched, 0);
    CHECK_INT(t[1]->switched, 1);
    CHECK_INT(t[2]->switched, 1);
    CHECK_INT(t[3]->switched, -1);
    /* Turn 3's device prefill covers the 35 recomputed + 25 new tokens on 40
     * cached: T_pre(60, 40) = p0 + p1*60 + p2*60*(40 + 30). */
    CHECK_NEAR(t[2]->t_prefill_end - t[2]->t_queue_end, 0.01 + 0.001 * 60 + 1e-7 * 60 * 70, 2e-9);
    /* Switching cost the policy saw for the edge on turn 2: rebuild 40 tokens
     * plus uploading them. */
    double up_bps = shannon_bps(snr_db(100, 23, 5));
    CHECK_NEAR(t[1]->csw_large_s, 0.004 + 0.0002 * 40 + 8 * 4 * 40 / up_bps, 1e-9);
    CHECK_NEAR(t[1]->csw_small_s, 0, 0);
    free(r.rec);
}

static void test_duration(void)
{
    const char *trace = "id,t_arr_s,device,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n"
                        "1,1.0,0,-1,0,10,3,0.5,1,1,a\n"
                        "2,2.0,0,-1,0,10,3,0.5,1,1,a\n"
                        "3,9.0,0,-1,0,10,3,0.5,1,1,a\n"
                        "4,9.5,0,-1,0,10,3,0.5,1,1,a\n";
    char trace_path[512], json[4096];
    write_file("dur.csv", trace, trace_path, sizeof trace_path);
    snprintf(json, sizeof json, base_scenario, trace_path, 1, "[100]", "none", "always-small");
    char *sets[] = {"duration_s=5"};
    result r = run_scenario(json, sets, 1);
    CHECK_RUN(r, 2);
    CHECK_INT(r.stats.n_unstarted, 2);
    free(r.rec);
}

static void test_bad_traces(void)
{
    /* A later turn that does not follow its dialogue's previous turn. */
    const char *orphan = "id,t_arr_s,device,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n"
                         "1,1.0,0,5,1,10,3,0.5,1,1,a\n"
                         "2,,,5,3,10,3,0.5,1,1,a\n";
    result r = run_known(orphan, "always-small", "none", 1, "[100]");
    CHECK_INT(r.status, RUN_INPUT);
    CHECK(strstr(r.err, "dialogue 5") != NULL);
    free(r.rec);
    /* A bad value: the reader's message names file, line and column. */
    const char *bad = "id,t_arr_s,device,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n"
                      "1,1.0,0,-1,0,10,3,0.5,1,1,a\n"
                      "2,2.0,0,-1,0,ten,3,0.5,1,1,a\n";
    r = run_known(bad, "always-small", "none", 1, "[100]");
    CHECK_INT(r.status, RUN_INPUT);
    CHECK(strstr(r.err, "trace.csv:3") != NULL);
    CHECK_INT(r.n, 0);
    free(r.rec);
    /* A device the scenario does not have. */
    const char *dev = "id,t_arr_s,device,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n"
                      "1,1.0,4,-1,0,10,3,0.5,1,1,a\n";
    r = run_known(dev, "always-small", "none", 2, "[100, 200]");
    CHECK(r.status == RUN_INPUT);
    free(r.rec);
}

int main(void)
{
    static const harness_test tests[] = {
        test_known_large, test_known_small, test_reproducible_and_paired, test_dialogue_switches, test_duration,
        test_bad_traces, NULL
    };
    return harness_main(tests);
}
