/* Engine: ordering by (time, insertion), lazy cancellation, stepping, and a
 * stress test of the 4-ary heap against a sorted reference. */
#include <gsl/gsl_rng.h>
#include <stdlib.h>

#include "sim/base/sim.h"
#include "check.h"

typedef struct trace_log {
    sim_event ev[4096];
    int n;
    sim_handle cancel_on_first; /* cancel this handle when the first event runs */
} trace_log;

static void log_handler(void *ctx, sim *s, const sim_event *ev)
{
    trace_log *log = ctx;
    if (log->n == 0 && log->cancel_on_first)
        sim_cancel(s, log->cancel_on_first);
    log->ev[log->n++] = *ev;
}

static void test_ties_fifo_and_order(void)
{
    trace_log log = {0};
    sim *s = sim_create(log_handler, &log);
    sim_schedule(s, 20, 1, 1, 0);
    sim_schedule(s, 10, 1, 2, 0);
    sim_schedule(s, 20, 1, 3, 0);
    sim_schedule(s, 10, 1, 4, 0);
    sim_schedule(s, 20, 1, 5, 0);
    CHECK_INT(sim_pending(s), 5);
    CHECK_INT(sim_run_until(s, SIM_TIME_NEVER), 5);
    int want[] = {2, 4, 1, 3, 5};
    for (int i = 0; i < 5; i++)
        CHECK_INT(log.ev[i].id, want[i]);
    CHECK_INT(sim_now(s), 20);
    CHECK_INT(sim_executed(s), 5);
    sim_destroy(s);
}

static void test_cancel(void)
{
    trace_log log = {0};
    sim *s = sim_create(log_handler, &log);
    sim_handle a = sim_schedule(s, 5, 1, 1, 0);
    sim_handle b = sim_schedule(s, 6, 1, 2, 0);
    sim_handle c = sim_schedule(s, 7, 1, 3, 0);
    CHECK_INT(sim_cancel(s, b), 1);
    CHECK_INT(sim_cancel(s, b), 0); /* twice */
    CHECK_INT(sim_cancel(s, 0), 0);
    CHECK_INT(sim_pending(s), 2);
    log.cancel_on_first = c;        /* cancelled from inside a handler */
    CHECK_INT(sim_run_until(s, SIM_TIME_NEVER), 1);
    CHECK_INT(log.n, 1);
    CHECK_INT(log.ev[0].id, 1);
    CHECK_INT(sim_cancel(s, a), 0); /* already fired */
    /* A stale handle must not cancel the event now using the same slot. */
    sim_handle d = sim_schedule(s, 9, 1, 4, 0);
    CHECK(d != a && d != b && d != c);
    CHECK_INT(sim_cancel(s, a), 0);
    CHECK_INT(sim_pending(s), 1);
    sim_destroy(s);
}

static void test_run_until_and_step(void)
{
    trace_log log = {0};
    sim *s = sim_create(log_handler, &log);
    sim_schedule(s, 100, 1, 1, 7);
    sim_schedule(s, 200, 2, 2, 8);
    CHECK_INT(sim_run_until(s, 150), 1);
    CHECK_INT(sim_now(s), 150);           /* clock moves to the horizon */
    CHECK_INT(sim_next_time(s), 200);
    CHECK_INT(sim_step(s), 1);
    CHECK_INT(log.ev[1].kind, 2);
    CHECK_INT(log.ev[1].arg, 8);
    CHECK_INT(sim_step(s), 0);            /* empty */
    CHECK_INT(sim_next_time(s), SIM_TIME_NEVER);
    sim_destroy(s);
}

/* Two engines interleaved in one process do not see each other. */
static void test_two_engines(void)
{
    trace_log la = {0}, lb = {0};
    sim *a = sim_create(log_handler, &la), *b = sim_create(log_handler, &lb);
    sim_schedule(a, 1, 1, 10, 0);
    sim_schedule(b, 2, 1, 20, 0);
    sim_step(b);
    sim_step(a);
    CHECK_INT(la.n, 1);
    CHECK_INT(lb.n, 1);
    CHECK_INT(la.ev[0].id, 10);
    CHECK_INT(lb.ev[0].id, 20);
    sim_destroy(a);
    sim_destroy(b);
}

/* Stress: random schedules, cancellations and handlers scheduling more,
 * checked against a reference that sorts by (time, sequence). */
typedef struct ref_event {
    sim_time t;
    uint64_t seq;
    sim_handle h;
    int cancelled, fired;
} ref_event;

typedef struct stress {
    ref_event *ref;
    int n_ref;
    uint64_t seq;
    sim_time last_t;
    uint64_t last_seq;
    int order_ok, fired;
    gsl_rng *rng;
} stress;

static void stress_schedule(stress *st, sim *s, sim_time at)
{
    ref_event *e = &st->ref[st->n_ref];
    e->t = at;
    e->seq = st->seq++;
    e->h = sim_schedule(s, at, 1, (uint32_t)st->n_ref, 0);
    st->n_ref++;
}

static void stress_handler(void *ctx, sim *s, const sim_event *ev)
{
    stress *st = ctx;
    ref_event *e = &st->ref[ev->id];
    if (e->cancelled || e->fired || e->t != ev->time)
        st->order_ok = 0;
    if (ev->time < st->last_t || (ev->time == st->last_t && e->seq < st->last_seq))
        st->order_ok = 0;
    st->last_t = ev->time;
    st->last_seq = e->seq;
    e->fired = 1;
    st->fired++;
    /* Handlers schedule more work, sometimes at the same instant. */
    if (st->n_ref < 190000 && gsl_rng_uniform(st->rng) < 0.6)
        stress_schedule(st, s, ev->time + (sim_time)gsl_rng_uniform_int(st->rng, 3) * 1000);
}

static void test_stress(void)
{
    stress st = {0};
    st.ref = calloc(200000, sizeof *st.ref);
    st.order_ok = 1;
    st.rng = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(st.rng, 42);
    sim *s = sim_create(stress_handler, &st);
    for (int i = 0; i < 50000; i++)
        stress_schedule(&st, s, (sim_time)gsl_rng_uniform_int(st.rng, 100) * 1000);
    int cancelled = 0;
    for (int i = 0; i < 50000; i += 7) {
        if (sim_cancel(s, st.ref[i].h)) {
            st.ref[i].cancelled = 1;
            cancelled++;
        }
    }
    sim_run_until(s, SIM_TIME_NEVER);
    CHECK(st.order_ok);
    int never = 0;
    for (int i = 0; i < st.n_ref; i++)
        never += !st.ref[i].fired && !st.ref[i].cancelled;
    CHECK_INT(never, 0);
    CHECK_INT(st.fired + cancelled, st.n_ref);
    CHECK_INT(sim_pending(s), 0);
    sim_destroy(s);
    gsl_rng_free(st.rng);
    free(st.ref);
}

int main(void)
{
    test_ties_fifo_and_order();
    test_cancel();
    test_run_until_and_step();
    test_two_engines();
    test_stress();
    return check_done();
}
