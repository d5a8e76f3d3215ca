/* Run-level mobility checks: a device at constant velocity straight away
 * from the site has, at each decision, distance_m = d0 + v t (on the block
 * grid) and snr_avg_db = the link budget at that distance (shadowing off);
 * a trace given relative to the scenario file moves the device as written. */
#include <math.h>

#include "models/channel/channel.h"
#include "check.h"
#include "run_harness.h"

/* Queries from t = 0.5 s, every gap_s, on device 0. */
static void write_trace(const char *name, int n, double gap_s, char *path, size_t len)
{
    write_harness_trace(name, &(harness_trace){.n = n, .t0_s = 0.5, .gap_s = gap_s, .in_min = 20, .in_span = 300,
                                               .out_min = 1, .out_span = 60},
                        path, len);
}

/* Budget at distance d: P - PL(d) - (N0 + 10 log10 B + NF), uplink defaults. */
static double uplink_budget_db(double d)
{
    return 23 - (128.1 + 37.6 * log10(d / 1000)) - (-174 + 10 * log10(20e6) + 5);
}

static void test_constant_velocity_away(void)
{
    char trace[512];
    write_trace("cv.csv", 200, 0.977, trace, sizeof trace);
    result r = run_scenariof(
        "{\"trace\": {\"path\": \"%s\"}, \"devices\": {\"count\": 1, \"distances_m\": [40],"
        " \"mobility\": {\"model\": \"constant-velocity\", \"speed_mps\": 15, \"area_m\": [-10000, -10000, 10000, 10000]}},"
        " \"channel\": {\"shadowing_db\": 0}, \"policy\": {\"name\": \"always-large\"}}",
        trace);
    CHECK_RUN(r, 200);
    double worst_db = 0, worst_m = 0;
    for (size_t i = 0; i < r.n; i++) {
        const record *q = &r.rec[i];
        double t_block = floor(q->t_dec / 0.01 + 1e-9) * 0.01;
        CHECK_NEAR(q->distance_m, 40 + 15 * t_block, 1e-6);
        CHECK_NEAR(q->snr_avg_db, uplink_budget_db(q->distance_m), 1e-9);
        worst_db = fmax(worst_db, fabs(q->snr_avg_db - uplink_budget_db(40 + 15 * q->t_dec)));
        worst_m = fmax(worst_m, fabs(q->distance_m - (40 + 15 * q->t_dec)));
    }
    CHECK(worst_m <= 15 * 0.01 + 1e-9);
    printf("constant velocity: distance within %.4f m and snr_avg_db within %.4f dB of the exact position at t_dec\n",
           worst_m, worst_db);
    free(r.rec);
}

static void test_trace_relative(void)
{
    static const char tmpl[] =
        "{\"trace\": {\"path\": \"%s\"}, \"devices\": {\"count\": 1,"
        " \"mobility\": {\"model\": \"trace\", \"trace_path\": \"walk.csv\"}},"
        " \"channel\": {\"shadowing_db\": 0}, \"policy\": {\"name\": \"always-small\"}}";
    char trace[512], mob[512];
    write_trace("tr.csv", 30, 1.0, trace, sizeof trace);
    write_file("walk.csv", "t,device,x_m,y_m\n0,0,0,100\n30,0,0,400\n", mob, sizeof mob);
    result r = run_scenariof(tmpl, trace);
    CHECK_RUN(r, 30);
    for (size_t i = 0; i < r.n; i++) {
        const record *q = &r.rec[i];
        double t_block = floor(q->t_dec / 0.01 + 1e-9) * 0.01;
        CHECK_NEAR(q->distance_m, 100 + 10 * t_block, 1e-6);
        CHECK_NEAR(q->snr_avg_db, uplink_budget_db(q->distance_m), 1e-9);
    }
    free(r.rec);
    /* A bad trace: the run is refused with the file and line. */
    write_file("walk.csv", "t,device,x_m,y_m\n0,0,0,100\n0,0,0,400\n", mob, sizeof mob);
    r = run_scenariof(tmpl, trace);
    CHECK(r.status != RUN_OK);
    CHECK(strstr(r.err, "walk.csv:3: t: expected times of device 0 to increase") != NULL);
    free(r.rec);
}

/* harq_tx_ul/harq_tx_dl: 1 and 2 per large query without HARQ; with HARQ
 * at a CQI threshold some queries retransmit, and the mean follows. */
static void test_harq_records(void)
{
    char trace[512];
    write_trace("h.csv", 300, 0.5, trace, sizeof trace);
    for (int harq = 0; harq < 2; harq++) {
        result r = run_scenariof(
            "{\"trace\": {\"path\": \"%s\"}, \"devices\": {\"count\": 1, \"distances_m\": [300]},"
            " \"channel\": {\"rate\": {\"model\": \"cqi\"}, \"harq\": {\"enabled\": %s}},"
            " \"policy\": {\"name\": \"always-large\"}}",
            trace, harq ? "true" : "false");
        CHECK_RUN(r, 300);
        int retx = 0, ok = 1;
        for (size_t i = 0; i < r.n; i++) {
            const record *q = &r.rec[i];
            int dl_chunks = q->out_tokens > 1 ? 2 : 1;
            if (!harq && (q->harq_tx_ul != 1 || q->harq_tx_dl != dl_chunks))
                ok = 0;
            if (harq && (q->harq_tx_ul < 1 || q->harq_tx_dl < dl_chunks))
                ok = 0;
            retx += q->harq_tx_ul > 1;
        }
        CHECK(ok);
        if (harq)
            CHECK(retx > 0);
        else
            CHECK_INT(retx, 0);
        printf("harq %s: %d of %zu uplinks retransmitted\n", harq ? "on" : "off", retx, r.n);
        free(r.rec);
    }
}

/* Two sites 1000 m apart, a device from x = 100 m towards site 1 at
 * 15 m/s: it hands over at the first 10 ms measurement past the point where
 * site 1 is 3 dB better (37.6 log10(x / (D - x)) = 3), plus ttt = 0.16 s.
 * Each record's site, site_done and handovers follow that time; its edge
 * server is its site's; its distance is to the serving site. */
static void test_handover_records(void)
{
    char trace[512];
    write_trace("ho.csv", 60, 0.977, trace, sizeof trace);
    result r = run_scenariof(
        "{\"trace\": {\"path\": \"%s\"}, \"devices\": {\"count\": 1, \"distances_m\": [100],"
        " \"mobility\": {\"model\": \"constant-velocity\", \"speed_mps\": 15, \"area_m\": [-10000, -10000, 10000, 10000]}},"
        " \"sites\": [{}, {\"x_m\": 1000}], \"handover\": {\"hysteresis_db\": 3, \"ttt_s\": 0.16, \"step_s\": 0.01},"
        " \"channel\": {\"shadowing_db\": 0}, \"policy\": {\"name\": \"always-large\"}}",
        trace);
    CHECK_RUN(r, 60);
    double ratio = pow(10, 3 / 37.6), x_star = 1000 * ratio / (1 + ratio);
    double t_enter = (floor((x_star - 100) / 15 / 0.01) + 1) * 0.01, t_ho = t_enter + 0.16;
    int before = 0, after = 0, across = 0;
    for (size_t i = 0; i < r.n; i++) {
        const record *q = &r.rec[i];
        int want = q->t_dec >= t_ho - 1e-9;
        CHECK_INT(q->site, want);
        CHECK_INT(q->site_done, q->t_done >= t_ho - 1e-9);
        CHECK_INT(q->handovers, q->t_dec < t_ho - 1e-9 && q->t_done >= t_ho - 1e-9);
        CHECK_INT(q->edge_server, q->site);
        double t_block = floor(q->t_dec / 0.01 + 1e-9) * 0.01, x = 100 + 15 * t_block;
        CHECK_NEAR(q->distance_m, want ? 1000 - x : x, 1e-6);
        before += !want;
        after += want;
        across += q->handovers;
    }
    CHECK(before > 10 && after > 10);
    printf("handover at t = %.3f s (x* = %.2f m): %d queries before, %d after, %d across\n", t_ho, x_star, before,
           after, across);
    free(r.rec);
}

/* A dialogue of a device driving from site 0 to site 1 (the geometry of
 * test_handover_records): its KV is at site 0 when the device is first
 * served by site 1.  handover.dialogue_kv decides (docs/CHANNEL.md,
 * "Dialogue KV across a handover"), and each record's times follow the
 * closed forms of the backhaul (latency L, bandwidth B):
 *   stay:    edge server at site 0; the request reaches it at
 *            t_ul_end + L + 8 bytes_up / B; backhaul_s = 3 L + 8 (bytes_up +
 *            bytes_down) / B; all the history reused; the router's switching
 *            cost = the request and answer legs;
 *   migrate: once, KV of the whole history (context_tokens x
 *            kv_bytes_per_token) sent at t_dec, backhaul_s = L + 8 bytes / B;
 *            the request waits for it: admitted at t_dec + backhaul_s;
 *            the new server reuses it all;
 *   drop:    once, the new server recomputes the whole history. */
static void test_dialogue_kv(void)
{
    const double L = 0.004, B = 2e8, kv_bpt = 57344;
    char trace[512], line[160];
    char *text = malloc(64 * 160);
    char *p = text + sprintf(text, "id,t_arr_s,device,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark,think_s\n");
    for (int i = 0; i < 40; i++) {
        snprintf(line, sizeof line, "%d,%s,0,7,%d,%d,%d,0.5,1,1,x,1.5\n", i + 1, i ? "" : "1", i + 1, 20 + (i * 37) % 60,
                 2 + (i * 13) % 30);
        p += sprintf(p, "%s", line);
    }
    write_file("kv.csv", text, trace, sizeof trace);
    free(text);
    const char *names[] = {"drop", "stay", "migrate"};
    for (int k = 0; k < 3; k++) {
        result r = run_scenariof(
            "{\"trace\": {\"path\": \"%s\"}, \"devices\": {\"count\": 1, \"distances_m\": [100],"
            " \"mobility\": {\"model\": \"constant-velocity\", \"speed_mps\": 15, \"area_m\": [-10000, -10000, 10000, 10000]}},"
            " \"sites\": [{}, {\"x_m\": 1000}], \"handover\": {\"step_s\": 0.01, \"dialogue_kv\": \"%s\","
            " \"backhaul_latency_s\": %g, \"backhaul_bps\": %g},"
            " \"models\": {\"large\": {\"kv_bytes_per_token\": %g}},"
            " \"channel\": {\"shadowing_db\": 0}, \"policy\": {\"name\": \"always-large\"}}",
            trace, names[k], L, B, kv_bpt);
        CHECK_RUN(r, 40);
        int n_action = 0, first_after = -1;
        double worst = 0;
        for (size_t i = 0; i < r.n; i++) {
            const record *q = &r.rec[i];
            CHECK_INT(q->route, ROUTE_LARGE);
            if (q->site == 0) {
                CHECK_INT(q->kv_action, -1);
                CHECK(isnan(q->backhaul_s) && isnan(q->backhaul_bytes));
                CHECK_INT(q->edge_server, 0);
                continue;
            }
            if (first_after < 0)
                first_after = (int)i;
            int first = (int)i == first_after;
            if (k == 1 || first) {
                n_action++;
                CHECK_INT(q->kv_action, k);
            } else {
                CHECK_INT(q->kv_action, -1);
            }
            if (k == 0) { /* drop */
                CHECK_INT(q->edge_server, 1);
                if (first)
                    CHECK_INT(q->recomputed_tokens, q->context_tokens);
                CHECK(isnan(q->backhaul_s));
            } else if (k == 1) { /* stay */
                CHECK_INT(q->edge_server, 0);
                CHECK_INT(q->cached_tokens, q->context_tokens);
                CHECK_INT(q->recomputed_tokens, 0);
                double up = L + 8 * q->bytes_up / B;
                double legs = (q->out_tokens > 1 ? 3 : 2) * L + 8 * (q->bytes_up + q->bytes_down) / B;
                CHECK_NEAR(q->backhaul_bytes, q->bytes_up + q->bytes_down, 1e-9);
                CHECK_NEAR(q->backhaul_s, legs, 1e-12);
                CHECK_NEAR(q->t_queue_end, q->t_ul_end + up, 2e-9);
                CHECK_NEAR(q->queue_wait_s, 0, 2e-9);
                double rest = q->out_tokens_pred > 1 ? 256 + 4.0 * (q->out_tokens_pred - 1) : 256 + 4.0;
                CHECK_NEAR(q->csw_large_s, up + L + 8 * rest / B, 1e-9);
                worst = fmax(worst, fabs(q->t_queue_end - q->t_ul_end - up));
            } else if (first) { /* migrate */
                CHECK_INT(q->edge_server, 1);
                double bytes = q->context_tokens * kv_bpt, t_kv = L + 8 * bytes / B;
                CHECK_NEAR(q->backhaul_bytes, bytes, 1e-6);
                CHECK_NEAR(q->backhaul_s, t_kv, 1e-12);
                CHECK(q->t_dec + t_kv > q->t_ul_end); /* the KV, not the uplink, decides */
                CHECK_NEAR(q->t_queue_end, q->t_dec + t_kv, 2e-9);
                CHECK_INT(q->cached_tokens, q->context_tokens);
                CHECK_INT(q->recomputed_tokens, 0);
                CHECK(q->csw_large_s > 0 && q->csw_large_s <= t_kv);
                worst = fabs(q->t_queue_end - q->t_dec - t_kv);
            } else { /* after the migration: at home on site 1 */
                CHECK_INT(q->edge_server, 1);
                CHECK_INT(q->cached_tokens, q->context_tokens);
                CHECK(isnan(q->backhaul_s));
            }
        }
        CHECK(first_after > 3 && first_after < 36);
        CHECK_INT(n_action, k == 1 ? 40 - first_after : 1);
        printf("dialogue_kv %s: turns 1..%d at site 0, %d with kv_action; edge arrival within %.2g s of the closed form\n",
               names[k], first_after, n_action, worst);
        free(r.rec);
    }
}

/* Interference at run level, the same seed with it off and on (two sites,
 * fixed load 1): the router's uplink SNR of every query is lower by exactly
 * uplink_iot_db (common random numbers: the same fading), snr_avg_db is
 * unchanged, and the queries take longer on average. */
static void test_interference_records(void)
{
    char trace[512];
    write_trace("if.csv", 200, 0.25, trace, sizeof trace);
    result r[2];
    for (int on = 0; on < 2; on++) {
        r[on] = run_scenariof(
            "{\"trace\": {\"path\": \"%s\"}, \"devices\": {\"count\": 1, \"distances_m\": [400]},"
            " \"sites\": [{}, {\"x_m\": 1000}],"
            " \"channel\": {\"interference\": {\"enabled\": %s, \"load\": 1, \"uplink_iot_db\": 6}},"
            " \"policy\": {\"name\": \"always-large\"}}",
            trace, on ? "true" : "false");
        CHECK_RUN(r[on], 200);
    }
    double lat[2] = {0, 0};
    for (size_t i = 0; i < r[0].n && i < r[1].n; i++) {
        CHECK_NEAR(r[1].rec[i].snr_db, r[0].rec[i].snr_db - 6, 1e-9);
        CHECK_NEAR(r[1].rec[i].snr_avg_db, r[0].rec[i].snr_avg_db, 0);
        lat[0] += r[0].rec[i].latency_s;
        lat[1] += r[1].rec[i].latency_s;
    }
    CHECK(lat[1] > lat[0]);
    printf("interference on: router SNR 6 dB lower on every query, mean latency %.4f s -> %.4f s\n", lat[0] / 200,
           lat[1] / 200);
    free(r[0].rec);
    free(r[1].rec);
}

int main(void)
{
    static const harness_test tests[] = {
        test_harq_records, test_constant_velocity_away, test_trace_relative, test_handover_records, test_dialogue_kv,
        test_interference_records, NULL
    };
    return harness_main(tests);
}
