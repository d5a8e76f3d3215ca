/* test_llm_server.c -- serving: batch-1 known answers, continuous batching,
 * KV admission, LRU retention and recompute, monotone load response. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "models/llm/llm.h"
#include "sim/base/rng.h"
#include "check.h"

#define MAXREQ 4096

/* What the callback saw, per tag. */
typedef struct log {
    sim_time admit[MAXREQ], first[MAXREQ], done[MAXREQ];
    int cached[MAXREQ], recomputed[MAXREQ];
    int n_events, order_ok;
    sim_time last_t;
    const llm_server *server;
    double kv_cap_bytes;
    int kv_ok;
} log_t;

static void on_event(void *ctx, const llm_event *ev)
{
    log_t *lg = ctx;
    if (ev->t < lg->last_t)
        lg->order_ok = 0;
    lg->last_t = ev->t;
    lg->n_events++;
    if (ev->kind == LLM_EV_ADMIT) {
        lg->admit[ev->tag] = ev->t;
        lg->cached[ev->tag] = ev->cached_tokens;
        lg->recomputed[ev->tag] = ev->recomputed_tokens;
    } else if (ev->kind == LLM_EV_FIRST_TOKEN) {
        lg->first[ev->tag] = ev->t;
    } else {
        lg->done[ev->tag] = ev->t;
    }
    if (lg->server && llm_server_kv_used_bytes(lg->server) > lg->kv_cap_bytes + 1e-6)
        lg->kv_ok = 0;
}

static void log_init(log_t *lg, const llm_server *s, double cap)
{
    memset(lg, 0, sizeof *lg);
    for (int i = 0; i < MAXREQ; i++)
        lg->admit[i] = lg->first[i] = lg->done[i] = -1;
    lg->order_ok = lg->kv_ok = 1;
    lg->server = s;
    lg->kv_cap_bytes = cap;
}

static llm_profile custom(double p0, double p1, double p2, double d0, double d1, double d2, int batch,
                          double cap_tokens, int retain)
{
    llm_profile p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "test");
    p.p[0] = p0, p.p[1] = p1, p.p[2] = p2;
    p.d[0] = d0, p.d[1] = d1, p.d[2] = d2;
    p.max_batch = batch;
    p.kv_bytes_per_token = 1;
    p.kv_capacity_bytes = cap_tokens;
    p.kv_retain_dialogues = retain;
    return p;
}

static llm_request req(uint64_t tag, int64_t dlg, int hist, int in, int out)
{
    llm_request r = {tag, dlg, hist, in, out, 0};
    return r;
}

/* Submit at t and run the server until idle. */
static void run_one(llm_server *s, log_t *lg, sim_time t, llm_request r)
{
    CHECK_INT(llm_server_submit(s, t, &r), 0);
    llm_server_advance(s, SIM_TIME_NEVER, on_event, lg);
    CHECK(llm_server_next_event(s) == SIM_TIME_NEVER);
}

/* Batch 1, sparse arrivals: DONE - submit = the formula to 1e-9 s, with
 * thousands of decode steps (rounding does not accumulate). */
static void test_batch1_known_answers(void)
{
    llm_profile pr;
    llm_preset_profile(llm_preset_find("qwen2.5-1.5b-int4-phone"), &pr);
    llm_server *s = llm_server_create(&pr);
    log_t *lg = malloc(sizeof *lg);
    log_init(lg, s, pr.kv_capacity_bytes);
    static const int in[] = {1, 37, 128, 700, 3000, 15};
    static const int out[] = {1, 2, 100, 517, 4000, 1};
    sim_time t = 123456789;
    double worst = 0, busy = 0;
    for (int i = 0; i < 6; i++) {
        run_one(s, lg, t, req((uint64_t)i, -1, 0, in[i], out[i]));
        double want = llm_batch1_service_s(&pr, in[i], 0, out[i]);
        double got = sim_time_to_s(lg->done[i] - t);
        worst = fmax(worst, fabs(got - want));
        CHECK_NEAR(got, want, 1e-9);
        CHECK_NEAR(sim_time_to_s(lg->first[i] - t), llm_prefill_s(&pr, in[i], 0), 1e-9);
        CHECK(lg->admit[i] == t);
        busy += want;
        t = lg->done[i] + 7 * SIM_NS_PER_S;
    }
    CHECK(worst <= 0.5e-9);
    CHECK_INT(lg->order_ok, 1);
    CHECK_NEAR(llm_server_busy_s(s, t), busy, 1e-8);
    CHECK(llm_server_tokens_out(s) == 1 + 2 + 100 + 517 + 4000 + 1);
    printf("batch 1: worst |service - formula| = %.3g s over 6 requests up to 4000 tokens\n", worst);
    llm_server_destroy(s);
    free(lg);
}

/* Device FCFS: the second request is admitted when the first is done, and the
 * backlog estimate at its submission is its actual wait. */
static void test_device_fcfs_and_backlog(void)
{
    llm_profile pr;
    llm_preset_profile(llm_preset_find("llama3.2-1b-int4-phone"), &pr);
    llm_server *s = llm_server_create(&pr);
    log_t *lg = malloc(sizeof *lg);
    log_init(lg, s, pr.kv_capacity_bytes);
    llm_request a = req(0, -1, 0, 200, 50), b = req(1, -1, 0, 100, 20), c = req(2, -1, 0, 10, 5);
    CHECK(llm_server_backlog_s(s, 0) == 0);
    llm_server_submit(s, 0, &a);
    llm_server_advance(s, 0, on_event, lg);
    sim_time tb = 300 * 1000 * 1000; /* 0.3 s: during a's decode */
    llm_server_advance(s, tb, on_event, lg);
    double est_b = llm_server_backlog_s(s, tb);
    llm_server_submit(s, tb, &b);
    double est_c = llm_server_backlog_s(s, tb);
    llm_server_submit(s, tb, &c);
    llm_server_advance(s, SIM_TIME_NEVER, on_event, lg);
    CHECK(lg->admit[1] == lg->done[0]);
    CHECK(lg->admit[2] == lg->done[1]);
    CHECK_NEAR(est_b, sim_time_to_s(lg->admit[1] - tb), 1e-8);
    CHECK_NEAR(est_c, sim_time_to_s(lg->admit[2] - tb), 1e-8);
    CHECK_NEAR(sim_time_to_s(lg->done[1] - lg->admit[1]), llm_batch1_service_s(&pr, 100, 0, 20), 1e-9);
    llm_server_destroy(s);
    free(lg);
}

/* Batched backlog: with the batch full, a newcomer waits for the first
 * completion: the shortest remaining output times the current step time. */
static void test_batched_backlog(void)
{
    llm_profile pr = custom(0.002, 1e-4, 0, 0.01, 0.002, 1e-6, 2, INFINITY, 0);
    llm_server *s = llm_server_create(&pr);
    log_t *lg = malloc(sizeof *lg);
    log_init(lg, s, INFINITY);
    llm_request a = req(0, -1, 0, 100, 40), b = req(1, -1, 0, 100, 400), c = req(2, -1, 0, 10, 5);
    llm_server_submit(s, 0, &a);
    llm_server_submit(s, 0, &b);
    llm_server_advance(s, 0, on_event, lg);
    /* in the prefill: 39 steps of b = 2 on contexts 101..139 each, after it */
    CHECK_NEAR(llm_server_backlog_s(s, 0), llm_prefill_s(&pr, 100, 0) * 2 - 0.002 + 39 * (0.014 + 2 * 120e-6),
               1e-12);
    sim_time t = SIM_NS_PER_S / 10;
    llm_server_advance(s, t, on_event, lg);
    double est = llm_server_backlog_s(s, t);
    llm_server_submit(s, t, &c);
    llm_server_advance(s, SIM_TIME_NEVER, on_event, lg);
    double actual = sim_time_to_s(lg->admit[2] - t);
    CHECK(lg->admit[2] == lg->done[0]);
    CHECK(fabs(est / actual - 1) < 1e-6);
    llm_server_destroy(s);
    free(lg);
}

/* Two requests at t = 0 on a batching server: one prefill iteration (p0 once),
 * then decode steps of the batch, by hand. */
static void test_batching_known_answer(void)
{
    llm_profile pr = custom(0.005, 0.001, 1e-6, 0.01, 0.002, 1e-5, 8, INFINITY, 0);
    llm_server *s = llm_server_create(&pr);
    log_t *lg = malloc(sizeof *lg);
    log_init(lg, s, INFINITY);
    llm_request a = req(0, -1, 0, 100, 3), b = req(1, -1, 0, 50, 2);
    llm_server_submit(s, 0, &a);
    llm_server_submit(s, 0, &b);
    CHECK(llm_server_next_event(s) == 0);
    llm_server_advance(s, 0, on_event, lg);
    CHECK_INT(llm_server_running(s), 2);
    CHECK_INT(llm_server_waiting(s), 0);
    double pre = llm_prefill_s(&pr, 100, 0) + llm_prefill_s(&pr, 50, 0) - 0.005;
    double step2 = llm_decode_step_s(&pr, 2, 101 + 51);
    double step1 = llm_decode_step_s(&pr, 1, 102);
    llm_server_advance(s, SIM_TIME_NEVER, on_event, lg);
    CHECK_NEAR(sim_time_to_s(lg->first[0]), pre, 1e-9);
    CHECK_NEAR(sim_time_to_s(lg->first[1]), pre, 1e-9);
    CHECK_NEAR(sim_time_to_s(lg->done[1]), pre + step2, 1e-9);
    CHECK_NEAR(sim_time_to_s(lg->done[0]), pre + step2 + step1, 1e-9);
    CHECK_NEAR(llm_server_busy_s(s, SIM_TIME_NEVER), pre + step2 + step1, 1e-9);
    /* A request arriving mid-decode is prefilled at the next iteration
     * boundary, and the running sequence waits for that prefill. */
    sim_time t0 = 10 * SIM_NS_PER_S;
    llm_request c = req(2, -1, 0, 10, 4), d = req(3, -1, 0, 20, 2);
    llm_server_submit(s, t0, &c);
    llm_server_advance(s, t0, on_event, lg);
    sim_time t1 = t0 + sim_time_from_s(llm_prefill_s(&pr, 10, 0)) + 1; /* during c's first decode step */
    CHECK_INT(llm_server_running(s), 1);
    llm_server_advance(s, t1, on_event, lg);
    CHECK(lg->first[2] == t1 - 1);
    llm_server_submit(s, t1, &d);
    llm_server_advance(s, SIM_TIME_NEVER, on_event, lg);
    double pc = llm_prefill_s(&pr, 10, 0), sc1 = llm_decode_step_s(&pr, 1, 11);
    CHECK_NEAR(sim_time_to_s(lg->admit[3] - t0), pc + sc1, 1e-9);
    double pd = llm_prefill_s(&pr, 20, 0);
    double s2 = llm_decode_step_s(&pr, 2, 12 + 21);
    double s3 = llm_decode_step_s(&pr, 1, 13);
    CHECK_NEAR(sim_time_to_s(lg->done[3] - t0), pc + sc1 + pd + s2, 1e-9);
    CHECK_NEAR(sim_time_to_s(lg->done[2] - t0), pc + sc1 + pd + s2 + s3, 1e-9);
    CHECK_INT(lg->order_ok, 1);
    llm_server_destroy(s);
    free(lg);
}

/* KV admission: a request whose KV does not fit waits until space is freed,
 * and blocks those behind it (FCFS); memory never exceeds the capacity. */
static void test_kv_blocking(void)
{
    llm_profile pr = custom(0, 1e-4, 0, 0.01, 0.001, 0, 8, 1000, 0);
    llm_server *s = llm_server_create(&pr);
    log_t *lg = malloc(sizeof *lg);
    log_init(lg, s, 1000);
    llm_request a = req(0, -1, 0, 500, 100), b = req(1, -1, 0, 500, 100), c = req(2, -1, 0, 200, 100);
    llm_server_submit(s, 0, &a);
    llm_server_submit(s, 0, &b);
    llm_server_submit(s, 0, &c);
    llm_server_advance(s, 0, on_event, lg);
    CHECK_INT(llm_server_running(s), 1);
    CHECK_INT(llm_server_waiting(s), 2);
    CHECK_NEAR(llm_server_kv_used_bytes(s), 600, 0);
    llm_server_advance(s, SIM_TIME_NEVER, on_event, lg);
    CHECK(lg->admit[1] == lg->done[0]);
    CHECK(lg->admit[2] == lg->done[0]); /* b (600) and c (300) fit together after a */
    CHECK_INT(lg->kv_ok, 1);
    CHECK_NEAR(llm_server_kv_used_bytes(s), 0, 0);
    /* the same with room for all: admitted together at 0 */
    llm_profile big = custom(0, 1e-4, 0, 0.01, 0.001, 0, 8, 1500, 0);
    llm_server *s2 = llm_server_create(&big);
    log_init(lg, s2, 1500);
    llm_server_submit(s2, 0, &a);
    llm_server_submit(s2, 0, &b);
    llm_server_submit(s2, 0, &c);
    llm_server_advance(s2, SIM_TIME_NEVER, on_event, lg);
    CHECK(lg->admit[0] == 0 && lg->admit[1] == 0 && lg->admit[2] == 0);
    CHECK_INT(lg->kv_ok, 1);
    /* max_batch binds too */
    llm_profile two = custom(0, 1e-4, 0, 0.01, 0.001, 0, 2, INFINITY, 0);
    llm_server *s3 = llm_server_create(&two);
    log_init(lg, s3, INFINITY);
    llm_server_submit(s3, 0, &a);
    llm_server_submit(s3, 0, &b);
    llm_server_submit(s3, 0, &c);
    llm_server_advance(s3, SIM_TIME_NEVER, on_event, lg);
    CHECK(lg->admit[1] == 0 && lg->admit[2] == lg->done[0]);
    /* a request larger than the whole capacity (history + input + output >
     * 100 tokens) is refused at submit (status rejected): nothing queued,
     * nothing reported; one of exactly 100 tokens fits and runs */
    llm_profile tiny = custom(0, 1e-4, 0, 0.01, 0.001, 0, 4, 100, 0);
    llm_server *s4 = llm_server_create(&tiny);
    log_init(lg, s4, 100);
    llm_request fits = req(3, 9, 20, 40, 40), over = req(4, 9, 21, 40, 40);
    CHECK_INT(llm_server_fits(s4, &a), 0);
    CHECK_INT(llm_server_submit(s4, 0, &a), 1);
    CHECK_INT(llm_server_submit(s4, 0, &over), 1);
    CHECK_INT(llm_server_waiting(s4) + llm_server_running(s4), 0);
    CHECK(llm_server_next_event(s4) == SIM_TIME_NEVER);
    CHECK_INT(llm_server_fits(s4, &fits), 1);
    CHECK_INT(llm_server_submit(s4, 0, &fits), 0);
    llm_server_advance(s4, SIM_TIME_NEVER, on_event, lg);
    CHECK(lg->admit[0] == -1 && lg->admit[4] == -1 && lg->n_events == 3 && lg->done[3] > 0);
    llm_server_destroy(s);
    llm_server_destroy(s2);
    llm_server_destroy(s3);
    llm_server_destroy(s4);
    free(lg);
}

/* Abandoning requests (llm_server_cancel, docs/MODEL.md "Outcomes"): a
 * running one leaves at the end of the iteration under way and its batch
 * slot and KV go to the next request at that instant; a queued one leaves at
 * once; nothing more is reported for either.  Profile: prefill 1 ms per
 * token, decode step 10 ms, so the boundaries are known in closed form. */
static void test_cancel(void)
{
    log_t *lg = malloc(sizeof *lg);
    /* batch 1: A decodes 1000 steps after a 0.1 s prefill (0.1 + 0.01 k);
     * cancelled at 1.005 s it leaves at step 91's end, 1.01 s, where B
     * starts: first token 1.01 + 0.1, done one step later */
    llm_profile one = custom(0, 1e-3, 0, 0.01, 0, 0, 1, INFINITY, 0);
    llm_server *s = llm_server_create(&one);
    log_init(lg, s, INFINITY);
    llm_request a = req(0, -1, 0, 100, 1001), b = req(1, -1, 0, 100, 2), c = req(2, -1, 0, 100, 2);
    CHECK_INT(llm_server_submit(s, 0, &a), 0);
    CHECK_INT(llm_server_submit(s, 0, &b), 0);
    llm_server_advance(s, sim_time_from_s(1.005), on_event, lg);
    CHECK_INT(llm_server_cancel(s, sim_time_from_s(1.005), 0), 1);
    CHECK_INT(llm_server_cancel(s, sim_time_from_s(1.005), 0), 0); /* once */
    CHECK_NEAR(sim_time_to_s(llm_server_next_event(s)), 1.01, 1e-9);
    llm_server_advance(s, SIM_TIME_NEVER, on_event, lg);
    CHECK(lg->first[0] == sim_time_from_s(0.1) && lg->done[0] == -1);
    CHECK_NEAR(sim_time_to_s(lg->admit[1]), 1.01, 1e-9);
    CHECK_NEAR(sim_time_to_s(lg->first[1]), 1.11, 1e-9);
    CHECK_NEAR(sim_time_to_s(lg->done[1]), 1.12, 1e-9);
    CHECK_INT(llm_server_running(s) + llm_server_waiting(s), 0);
    llm_server_destroy(s);

    /* queued: B leaves the queue at once, C takes its place behind A; a
     * request cancelled in its prefill never reports its first token */
    s = llm_server_create(&one);
    log_init(lg, s, INFINITY);
    a = req(0, -1, 0, 100, 3);
    llm_server_submit(s, 0, &a);
    llm_server_submit(s, 0, &b);
    llm_server_submit(s, 0, &c);
    llm_server_advance(s, sim_time_from_s(0.05), on_event, lg);
    CHECK_INT(llm_server_cancel(s, sim_time_from_s(0.05), 1), 1);
    CHECK_INT(llm_server_waiting(s), 1);
    llm_server_advance(s, SIM_TIME_NEVER, on_event, lg);
    CHECK(lg->admit[1] == -1 && lg->admit[2] == lg->done[0]);
    CHECK_NEAR(sim_time_to_s(lg->done[0]), 0.12, 1e-9);
    log_init(lg, s, INFINITY);
    llm_request d = req(3, -1, 0, 100, 2), e = req(4, -1, 0, 100, 2);
    sim_time t0 = sim_time_from_s(10);
    llm_server_submit(s, t0, &d);
    llm_server_submit(s, t0, &e);
    llm_server_advance(s, t0 + sim_time_from_s(0.05), on_event, lg);
    CHECK_INT(llm_server_cancel(s, t0 + sim_time_from_s(0.05), 3), 1);
    llm_server_advance(s, SIM_TIME_NEVER, on_event, lg);
    CHECK(lg->first[3] == -1 && lg->done[3] == -1);
    CHECK_NEAR(sim_time_to_s(lg->admit[4] - t0), 0.1, 1e-9); /* the prefill under way still takes its time */
    llm_server_destroy(s);

    /* KV: A (600 of 1000 tokens) runs, B (600) waits for KV though batch
     * slots are free; A cancelled at 0.505 s frees its KV at 0.51 s */
    llm_profile kv = custom(0, 1e-3, 0, 0.01, 0, 0, 8, 1000, 0);
    s = llm_server_create(&kv);
    log_init(lg, s, 1000);
    a = req(0, 7, 0, 100, 500);
    b = req(1, -1, 0, 100, 500);
    llm_server_submit(s, 0, &a);
    llm_server_submit(s, 0, &b);
    llm_server_advance(s, sim_time_from_s(0.505), on_event, lg);
    CHECK_INT(llm_server_waiting(s), 1);
    llm_server_cancel(s, sim_time_from_s(0.505), 0);
    llm_server_advance(s, SIM_TIME_NEVER, on_event, lg);
    CHECK_NEAR(sim_time_to_s(lg->admit[1]), 0.51, 1e-9);
    CHECK(lg->done[0] == -1 && lg->done[1] > 0);
    CHECK_INT(lg->kv_ok, 1);
    CHECK_NEAR(llm_server_kv_used_bytes(s), 0, 0);
    CHECK_INT(llm_server_cached_tokens(s, 7), 0); /* an unanswered turn leaves no KV behind */
    llm_server_destroy(s);
    free(lg);
}

/* Dialogues: reuse of the retained prefix (known answers), LRU eviction of
 * idle dialogues, recompute after eviction, running sequences never evicted. */
static void test_dialogue_kv(void)
{
    llm_profile pr = custom(0.002, 0.001, 1e-6, 0.01, 0.001, 1e-5, 4, 1000, 0);
    llm_server *s = llm_server_create(&pr);
    log_t *lg = malloc(sizeof *lg);
    log_init(lg, s, 1000);
    sim_time t = 0;
    run_one(s, lg, t, req(0, 100, 0, 100, 100)); /* A: retains 200 */
    run_one(s, lg, t = lg->done[0] + 1, req(1, 200, 0, 100, 100)); /* B: 200 */
    run_one(s, lg, t = lg->done[1] + 1, req(2, 300, 0, 300, 200)); /* C: 500; 900 used */
    CHECK_INT(llm_server_cached_tokens(s, 100), 200);
    CHECK_INT(llm_server_cached_tokens(s, 200), 200);
    CHECK_INT(llm_server_cached_tokens(s, 300), 500);
    CHECK_NEAR(llm_server_kv_used_bytes(s), 900, 0);
    /* C's second turn reuses its whole history: prefill 20 new on 500 cached */
    t = lg->done[2] + 1;
    run_one(s, lg, t, req(3, 300, 500, 20, 5));
    CHECK_INT(lg->cached[3], 500);
    CHECK_INT(lg->recomputed[3], 0);
    CHECK_NEAR(sim_time_to_s(lg->done[3] - t), llm_batch1_service_s(&pr, 20, 500, 5), 1e-9);
    CHECK_INT(llm_server_cached_tokens(s, 300), 525);
    CHECK_NEAR(llm_server_kv_used_bytes(s), 925, 0);
    /* D needs 200: A, the least recently used, is evicted (925 - 200 + 200) */
    run_one(s, lg, t = lg->done[3] + 1, req(4, 400, 0, 150, 50));
    CHECK_INT(llm_server_cached_tokens(s, 100), 0);
    CHECK_INT(llm_server_cached_tokens(s, 200), 200);
    CHECK_INT(lg->kv_ok, 1);
    /* A's next turn must recompute its 200-token history */
    t = lg->done[4] + 1;
    run_one(s, lg, t, req(5, 100, 200, 50, 10));
    CHECK_INT(lg->cached[5], 0);
    CHECK_INT(lg->recomputed[5], 200);
    CHECK_NEAR(sim_time_to_s(lg->first[5] - t), llm_prefill_s(&pr, 250, 0), 1e-9);
    CHECK_NEAR(sim_time_to_s(lg->done[5] - t), llm_batch1_service_s(&pr, 250, 0, 10), 1e-9);
    CHECK_INT(llm_server_cached_tokens(s, 200), 0); /* B went to make room for A's 260 */
    /* a history longer than what is retained: partial reuse */
    t = lg->done[5] + 1;
    run_one(s, lg, t, req(6, 400, 300, 10, 2)); /* D retained 200 of a 300-token history */
    CHECK_INT(lg->cached[6], 200);
    CHECK_INT(lg->recomputed[6], 100);
    CHECK_NEAR(sim_time_to_s(lg->first[6] - t), llm_prefill_s(&pr, 110, 200), 1e-9);
    CHECK_INT(lg->kv_ok, 1);

    /* running sequences are never evicted: E runs (600) while idle F (300)
     * is evicted for G (300) */
    llm_profile pr2 = custom(0, 1e-4, 0, 0.01, 0, 0, 4, 1000, 0);
    llm_server *s2 = llm_server_create(&pr2);
    log_init(lg, s2, 1000);
    run_one(s2, lg, 0, req(0, 7, 0, 200, 100)); /* F retains 300 */
    t = lg->done[0] + 1;
    llm_request e = req(1, 8, 0, 500, 100), g = req(2, 9, 0, 200, 100);
    llm_server_submit(s2, t, &e);
    llm_server_advance(s2, t, on_event, lg);
    sim_time t2 = t + SIM_NS_PER_S / 10;
    llm_server_advance(s2, t2, on_event, lg);
    CHECK_INT(llm_server_running(s2), 1);
    llm_server_submit(s2, t2, &g);
    llm_server_advance(s2, SIM_TIME_NEVER, on_event, lg);
    CHECK(lg->admit[2] < lg->done[1]);
    CHECK_INT(llm_server_cached_tokens(s2, 7), 0);
    CHECK_INT(llm_server_cached_tokens(s2, 8), 600);
    CHECK_INT(llm_server_cached_tokens(s2, 9), 300);
    CHECK_INT(lg->kv_ok, 1);

    /* device: keeps only the last dialogue (kv_retain_dialogues 1) */
    llm_profile dev = custom(0, 1e-3, 0, 0.02, 0, 0, 1, 1e9, 1);
    llm_server *s3 = llm_server_create(&dev);
    log_init(lg, s3, 1e9);
    run_one(s3, lg, 0, req(0, 1, 0, 100, 10));
    run_one(s3, lg, lg->done[0], req(1, 2, 0, 100, 10));
    CHECK_INT(llm_server_cached_tokens(s3, 1), 0);
    CHECK_INT(llm_server_cached_tokens(s3, 2), 110);
    run_one(s3, lg, lg->done[1], req(2, 2, 110, 30, 10));
    CHECK_INT(lg->cached[2], 110);
    CHECK_NEAR(llm_server_kv_used_bytes(s3), 150, 0);
    llm_server_destroy(s);
    llm_server_destroy(s2);
    llm_server_destroy(s3);
    free(lg);
}

typedef struct load_result {
    double throughput_tok_s, mean_latency_s;
} load_result;

/* n Poisson arrivals at `rate` (common random numbers across rates: the same
 * unit-rate gaps and lengths), run to completion. */
static load_result run_load(const llm_profile *pr, double rate, int n, log_t *lg)
{
    llm_server *s = llm_server_create(pr);
    log_init(lg, s, pr->kv_capacity_bytes);
    gsl_rng *ra = rng_stream_create(42, 0, RNG_ARRIVALS, 0);
    gsl_rng *rl = rng_stream_create(42, 0, RNG_GENERATOR, 0);
    sim_time *arr = malloc((size_t)n * sizeof *arr);
    double t = 0;
    uint64_t tokens = 0;
    for (int i = 0; i < n; i++) {
        t += gsl_ran_exponential(ra, 1.0) / rate;
        arr[i] = sim_time_from_s(t);
        llm_request r = req((uint64_t)i, -1, 0, 100 + (int)gsl_rng_uniform_int(rl, 400),
                            50 + (int)gsl_rng_uniform_int(rl, 200));
        tokens += (uint64_t)r.out_tokens;
        llm_server_advance(s, arr[i], on_event, lg);
        llm_server_submit(s, arr[i], &r);
    }
    llm_server_advance(s, SIM_TIME_NEVER, on_event, lg);
    double lat = 0;
    sim_time end = 0;
    for (int i = 0; i < n; i++) {
        lat += sim_time_to_s(lg->done[i] - arr[i]);
        end = lg->done[i] > end ? lg->done[i] : end;
    }
    CHECK(llm_server_tokens_out(s) == tokens);
    load_result res = {(double)tokens / sim_time_to_s(end - arr[0]), lat / n};
    free(arr);
    gsl_rng_free(ra);
    gsl_rng_free(rl);
    llm_server_destroy(s);
    return res;
}

static void test_load_response(void)
{
    llm_profile pr;
    llm_preset_profile(llm_preset_find("llama3.1-8b-fp16-h100"), &pr);
    log_t *lg = malloc(sizeof *lg);
    static const double rates[] = {0.5, 1, 2, 4, 8};
    load_result prev = {0, 0};
    for (int i = 0; i < 5; i++) {
        load_result r = run_load(&pr, rates[i], 2000, lg);
        printf("edge 8B/H100: %5.1f req/s -> %7.1f tok/s, mean latency %.3f s\n", rates[i], r.throughput_tok_s,
               r.mean_latency_s);
        CHECK(r.throughput_tok_s > prev.throughput_tok_s);
        CHECK(r.mean_latency_s >= prev.mean_latency_s);
        CHECK_INT(lg->order_ok, 1);
        prev = r;
    }
    /* Saturation: everything at once.  Throughput stays below the full-batch
     * decode rate and near the rate with the prefill iterations counted:
     * per request, T_pre(n) + (o-1) full-batch steps shared by the batch. */
    llm_server *s = llm_server_create(&pr);
    log_init(lg, s, pr.kv_capacity_bytes);
    gsl_rng *rl = rng_stream_create(42, 0, RNG_GENERATOR, 1);
    double pred_s = 0, tokens = 0, ctx = 0;
    int n = 3000;
    for (int i = 0; i < n; i++) {
        llm_request r = req((uint64_t)i, -1, 0, 100 + (int)gsl_rng_uniform_int(rl, 400),
                            50 + (int)gsl_rng_uniform_int(rl, 200));
        llm_server_submit(s, 0, &r);
        tokens += r.out_tokens;
        ctx += r.new_tokens + r.out_tokens / 2.0;
    }
    int B = pr.max_batch;
    double stepB = llm_decode_step_s(&pr, B, B * ctx / n);
    gsl_rng_set(rl, 0);
    llm_server_advance(s, SIM_TIME_NEVER, on_event, lg);
    sim_time end = 0;
    for (int i = 0; i < n; i++)
        end = lg->done[i] > end ? lg->done[i] : end;
    double thr = tokens / sim_time_to_s(end);
    double rateB = B / stepB;
    gsl_rng *rl2 = rng_stream_create(42, 0, RNG_GENERATOR, 1);
    for (int i = 0; i < n; i++) {
        int in = 100 + (int)gsl_rng_uniform_int(rl2, 400), out = 50 + (int)gsl_rng_uniform_int(rl2, 200);
        pred_s += llm_prefill_s(&pr, in, 0) + (out - 1) * stepB / B;
    }
    double pred = tokens / pred_s;
    printf("saturated: %.1f tok/s; batch-%d decode rate %.1f tok/s; with prefill stalls %.1f tok/s\n", thr, B,
           rateB, pred);
    CHECK(thr < rateB);
    CHECK(fabs(thr / pred - 1) < 0.05);
    CHECK(thr > 0.6 * rateB);
    CHECK_NEAR(llm_server_busy_s(s, end), sim_time_to_s(end), 1e-6); /* never idle */
    gsl_rng_free(rl);
    gsl_rng_free(rl2);
    llm_server_destroy(s);
    free(lg);
}

/* Advance only to the server's own next change; returns how many there were. */
static int wakeups_until_idle(llm_server *s, log_t *lg)
{
    int n = 0;
    for (sim_time t; (t = llm_server_next_event(s)) != SIM_TIME_NEVER; n++)
        llm_server_advance(s, t, on_event, lg);
    return n;
}

/* The server wakes at changes of the batch, not per token: a batch-1
 * request of 4000 tokens is three wake-ups (start, first token, done); and a
 * request arriving during a batched decode run is admitted at the first
 * iteration boundary at or after its arrival, found here by summing the
 * steps one by one. */
static void test_changes_not_tokens(void)
{
    llm_profile pr;
    llm_preset_profile(llm_preset_find("qwen2.5-1.5b-int4-phone"), &pr);
    llm_server *s = llm_server_create(&pr);
    log_t *lg = malloc(sizeof *lg);
    log_init(lg, s, pr.kv_capacity_bytes);
    llm_request a = req(0, -1, 0, 300, 4000);
    llm_server_submit(s, 1000, &a);
    CHECK_INT(wakeups_until_idle(s, lg), 3);
    CHECK_NEAR(sim_time_to_s(lg->done[0] - 1000), llm_batch1_service_s(&pr, 300, 0, 4000), 0.5e-9);
    llm_server_destroy(s);

    pr = custom(0.005, 0.001, 1e-6, 0.01, 0.002, 1e-5, 8, INFINITY, 0);
    s = llm_server_create(&pr);
    log_init(lg, s, INFINITY);
    llm_request x = req(0, -1, 0, 100, 300), y = req(1, -1, 0, 50, 500), z = req(2, -1, 0, 20, 10);
    llm_server_submit(s, 0, &x);
    llm_server_submit(s, 0, &y);
    llm_server_advance(s, 0, on_event, lg);            /* the prefill starts */
    llm_server_advance(s, llm_server_next_event(s), on_event, lg); /* prefill over: a decode run */
    sim_time pre_end = lg->first[0];
    sim_time tz = pre_end + SIM_NS_PER_S / 3;          /* during the run */
    llm_server_advance(s, tz, on_event, lg);
    llm_server_submit(s, tz, &z);
    int wakeups = wakeups_until_idle(s, lg);
    /* Boundaries by hand: step i (from 0) of the batch of two has context sum
     * 101 + 51 + 2 i; the first boundary at or after tz. */
    double acc = sim_time_to_s(pre_end), boundary = acc;
    for (int i = 0; boundary < sim_time_to_s(tz); i++)
        boundary = acc += llm_decode_step_s(&pr, 2, 152.0 + 2 * i);
    CHECK_NEAR(sim_time_to_s(lg->admit[2]), boundary, 2e-9);
    CHECK(lg->done[0] > lg->done[2] && lg->done[1] > lg->done[0]);
    /* z's prefill start and end, z done, x done, y done: no per-token wake-up. */
    CHECK(wakeups <= 6);
    printf("batched: %d wake-ups for 3 requests and 808 tokens after the first prefill\n", wakeups + 2);
    CHECK_INT(lg->order_ok, 1);
    llm_server_destroy(s);
    free(lg);
}

/* A migrated KV (llm_server_import_kv): retained idle as if a turn had
 * finished here, evicting other idle dialogues LRU; what cannot fit is not
 * kept; the next turn reuses it; release forgets it. */
static void test_kv_import(void)
{
    llm_profile pr = custom(0.002, 0.001, 1e-6, 0.01, 0.001, 1e-5, 4, 1000, 0);
    llm_server *s = llm_server_create(&pr);
    log_t *lg = malloc(sizeof *lg);
    log_init(lg, s, 1000);
    run_one(s, lg, 0, req(0, 100, 0, 300, 100)); /* A retains 400 */
    run_one(s, lg, lg->done[0] + 1, req(1, 200, 0, 300, 100)); /* B retains 400 */
    CHECK_INT(llm_server_import_kv(s, 300, 500), 0); /* C: A (oldest) evicted, 900 used */
    CHECK_INT(llm_server_cached_tokens(s, 100), 0);
    CHECK_INT(llm_server_cached_tokens(s, 200), 400);
    CHECK_INT(llm_server_cached_tokens(s, 300), 500);
    CHECK_NEAR(llm_server_kv_used_bytes(s), 900, 0);
    sim_time t = lg->done[1] + 1;
    run_one(s, lg, t, req(2, 300, 500, 20, 5)); /* C's turn reuses all 500 */
    CHECK_INT(lg->cached[2], 500);
    CHECK_INT(lg->recomputed[2], 0);
    CHECK_NEAR(sim_time_to_s(lg->done[2] - t), llm_batch1_service_s(&pr, 20, 500, 5), 1e-9);
    llm_server_release_kv(s, 300);
    CHECK_INT(llm_server_cached_tokens(s, 300), 0);
    CHECK_NEAR(llm_server_kv_used_bytes(s), 400, 0);
    CHECK_INT(llm_server_import_kv(s, 400, 5000), 0); /* larger than the capacity: what fits */
    CHECK_INT(llm_server_cached_tokens(s, 200), 0);
    CHECK_INT(llm_server_cached_tokens(s, 400), 1000);
    CHECK_INT(llm_server_import_kv(s, 400, 10), 0); /* already holds more: unchanged */
    CHECK_INT(llm_server_cached_tokens(s, 400), 1000);
    CHECK_INT(lg->kv_ok, 1);
    llm_server_destroy(s);
    free(lg);
}

int main(void)
{
    test_kv_import();
    test_batch1_known_answers();
    test_device_fcfs_and_backlog();
    test_batching_known_answer();
    test_batched_backlog();
    test_kv_blocking();
    test_cancel();
    test_dialogue_kv();
    test_load_response();
    test_changes_not_tokens();
    return check_done();
}
