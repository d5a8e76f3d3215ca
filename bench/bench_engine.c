/* bench_engine.c -- the event engine alone (sim/sim.h) under the classic
 * "hold" model: N events pending; each executed event schedules one new
 * event at now + an exponential increment, so the queue size stays N.
 * Reports million events per second for several N, against two baselines
 * built here with the same (time, insertion sequence) order: a binary heap
 * and, for small N, a sorted array (binary search + memmove).
 *
 * The increments are drawn once up front (GSL taus2, fixed seed) and
 * cycled, so the timing measures the queues, not the random generator.
 * Not a test: speed figures go in docs/BENCHMARKS.md.
 *
 * usage: bench_engine [EVENTS_PER_SIZE]   (default 4,000,000)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/base/sim.h"

#define N_INCREMENTS (1u << 20) /* power of two: index by mask */
#define MEAN_INCREMENT_NS 1000000.0 /* 1 ms mean gap per pending event */

typedef struct increments {
    sim_time *v;
    uint32_t next;
} increments;

static sim_time next_increment(increments *inc)
{
    return inc->v[inc->next++ & (N_INCREMENTS - 1)];
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- edgesim's engine ---- */

typedef struct hold_ctx {
    increments *inc;
    uint64_t remaining;
} hold_ctx;

static void hold_handler(void *ctx, sim *s, const sim_event *ev)
{
    hold_ctx *h = ctx;
    if (h->remaining == 0) {
        sim_stop(s);
        return;
    }
    h->remaining--;
    sim_schedule(s, sim_now(s) + next_increment(h->inc), ev->kind, ev->id, ev->arg);
}

static double bench_sim(size_t n, uint64_t events, increments *inc)
{
    hold_ctx h = {inc, 0};
    sim *s = sim_create(hold_handler, &h);
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++)
        sim_schedule(s, next_increment(inc), 0, (uint32_t)i, 0);
    h.remaining = events;
    double t0 = now_s();
    uint64_t ran = sim_run_until(s, SIM_TIME_NEVER);
    double dt = now_s() - t0;
    sim_destroy(s);
    return (double)ran / dt / 1e6;
}

/* ---- baseline 1: binary heap of (time, seq, payload) ---- */

typedef struct bh_entry {
    sim_time time;
    uint64_t seq;
    uint64_t payload;
} bh_entry;

static int bh_before(const bh_entry *a, const bh_entry *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void bh_push(bh_entry *h, size_t *len, bh_entry e)
{
    size_t i = (*len)++;
    while (i > 0 && bh_before(&e, &h[(i - 1) / 2])) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = e;
}

static bh_entry bh_pop(bh_entry *h, size_t *len)
{
    bh_entry top = h[0], last = h[--*len];
    size_t i = 0, n = *len;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && bh_before(&h[c + 1], &h[c]))
            c++;
        if (!bh_before(&h[c], &last))
            break;
        h[i] = h[c];
        i = c;
    }
    if (n > 0)
        h[i] = last;
    return top;
}

static double bench_binary_heap(size_t n, uint64_t events, increments *inc)
{
    bh_entry *h = malloc((n + 1) * sizeof *h);
    size_t len = 0;
    uint64_t seq = 0;
    if (!h)
        return -1;
    for (size_t i = 0; i < n; i++)
        bh_push(h, &len, (bh_entry){next_increment(inc), seq++, i});
    double t0 = now_s();
    for (uint64_t k = 0; k < events; k++) {
        bh_entry e = bh_pop(h, &len);
        bh_push(h, &len, (bh_entry){e.time + next_increment(inc), seq++, e.payload});
    }
    double dt = now_s() - t0;
    free(h);
    return (double)events / dt / 1e6;
}

/* ---- baseline 2: sorted array, earliest last (pop is O(1), insert O(N)) ---- */

static double bench_sorted_array(size_t n, uint64_t events, increments *inc)
{
    bh_entry *a = malloc((n + 1) * sizeof *a);
    size_t len = 0;
    uint64_t seq = 0;
    if (!a)
        return -1;
    double t0 = 0;
    for (uint64_t k = 0; k < n + events; k++) {
        if (k == n)
            t0 = now_s();
        bh_entry e = {0, 0, 0};
        if (k >= n)
            e = a[--len];
        bh_entry ne = {e.time + next_increment(inc), seq++, e.payload};
        /* Descending order: find the first index whose entry is before ne. */
        size_t lo = 0, hi = len;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (bh_before(&a[mid], &ne))
                hi = mid;
            else
                lo = mid + 1;
        }
        memmove(&a[lo + 1], &a[lo], (len - lo) * sizeof *a);
        a[lo] = ne;
        len++;
    }
    double dt = now_s() - t0;
    free(a);
    return (double)events / dt / 1e6;
}

int main(int argc, char **argv)
{
    uint64_t events = argc > 1 ? strtoull(argv[1], NULL, 10) : 4000000u;
    if (events == 0) {
        fprintf(stderr, "usage: bench_engine [EVENTS_PER_SIZE > 0]\n");
        return 2;
    }
    increments inc = {malloc(N_INCREMENTS * sizeof(sim_time)), 0};
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    if (!inc.v || !r)
        return 1;
    gsl_rng_set(r, 12345);
    for (uint32_t i = 0; i < N_INCREMENTS; i++)
        inc.v[i] = 1 + (sim_time)gsl_ran_exponential(r, MEAN_INCREMENT_NS);
    gsl_rng_free(r);

    printf("bench_engine: hold model, %llu events per queue size, exponential increments\n",
           (unsigned long long)events);
    printf("%10s %16s %16s %16s\n", "pending N", "edgesim M ev/s", "binary heap", "sorted array");
    const size_t sizes[] = {10, 100, 1000, 10000, 100000, 1000000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        inc.next = 0;
        double e = bench_sim(n, events, &inc);
        inc.next = 0;
        double b = bench_binary_heap(n, events, &inc);
        printf("%10zu %16.2f %16.2f", n, e, b);
        if (n <= 10000) {
            inc.next = 0;
            printf(" %16.2f\n", bench_sorted_array(n, events, &inc));
        } else {
            printf(" %16s\n", "(skipped: O(N))");
        }
    }
    free(inc.v);
    return 0;
}
