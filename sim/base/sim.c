/* sim.c -- 4-ary heap event engine.  See sim.h for the contract. */
#include "sim/base/sim.h"

#include <assert.h>
#include <stdlib.h>

/* Heap entries carry the ordering key and the slot of the payload, so sifting
 * moves 24 bytes and compares two integers. */
typedef struct heap_entry {
    sim_time time;
    uint64_t seq;
    uint32_t slot;
} heap_entry;

typedef struct slot {
    uint32_t kind, id;
    uint64_t arg;
    uint32_t generation; /* bumped when the slot is freed: stale handles miss */
    uint32_t state;      /* SLOT_FREE, SLOT_LIVE or SLOT_DEAD */
    uint32_t next_free;
} slot;

enum { SLOT_FREE, SLOT_LIVE, SLOT_DEAD };
#define NO_SLOT UINT32_MAX
#define ARITY 4

struct sim {
    sim_handler *handler;
    void *ctx;
    sim_time now;
    uint64_t next_seq;
    uint64_t executed;
    size_t live;
    int stop_requested;

    heap_entry *heap;
    size_t heap_len, heap_cap;

    slot *slots;
    uint32_t slots_len, slots_cap;
    uint32_t free_head;
};

sim *sim_create(sim_handler *handler, void *ctx)
{
    sim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->handler = handler;
    s->ctx = ctx;
    s->free_head = NO_SLOT;
    return s;
}

void sim_destroy(sim *s)
{
    if (!s)
        return;
    free(s->heap);
    free(s->slots);
    free(s);
}

static int before(const heap_entry *a, const heap_entry *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void sift_up(heap_entry *h, size_t i)
{
    heap_entry e = h[i];
    while (i > 0) {
        size_t parent = (i - 1) / ARITY;
        if (!before(&e, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = e;
}

static void sift_down(heap_entry *h, size_t len, size_t i)
{
    heap_entry e = h[i];
    for (;;) {
        size_t first = i * ARITY + 1, best = first;
        if (first >= len)
            break;
        size_t last = first + ARITY < len ? first + ARITY : len;
        for (size_t c = first + 1; c < last; c++)
            if (before(&h[c], &h[best]))
                best = c;
        if (!before(&h[best], &e))
            break;
        h[i] = h[best];
        i = best;
    }
    h[i] = e;
}

/* Grow the heap and slot arrays by doubling so that one more event fits
 * (out of the hot path: it runs only until the run's high-water mark). */
static __attribute__((noinline)) int grow(sim *s)
{
    if (s->heap_len == s->heap_cap) {
        size_t cap = s->heap_cap ? s->heap_cap * 2 : 256;
        heap_entry *grown = realloc(s->heap, cap * sizeof *grown);
        if (!grown)
            return -1;
        s->heap = grown;
        s->heap_cap = cap;
    }
    if (s->free_head == NO_SLOT && s->slots_len == s->slots_cap) {
        uint32_t cap = s->slots_cap ? s->slots_cap * 2 : 256;
        slot *grown = realloc(s->slots, (size_t)cap * sizeof *grown);
        if (!grown)
            return -1;
        s->slots = grown;
        s->slots_cap = cap;
    }
    return 0;
}

static void slot_free(sim *s, uint32_t i)
{
    s->slots[i].state = SLOT_FREE;
    s->slots[i].generation++;
    s->slots[i].next_free = s->free_head;
    s->free_head = i;
}

sim_handle sim_schedule(sim *s, sim_time at, uint32_t kind, uint32_t id, uint64_t arg)
{
    assert(at >= s->now);
    if ((s->heap_len == s->heap_cap || (s->free_head == NO_SLOT && s->slots_len == s->slots_cap)) && grow(s) != 0)
        return 0;
    uint32_t i = s->free_head;
    if (i != NO_SLOT) {
        s->free_head = s->slots[i].next_free;
    } else {
        i = s->slots_len++;
        s->slots[i].generation = 1;
    }
    slot *sl = &s->slots[i];
    sl->kind = kind;
    sl->id = id;
    sl->arg = arg;
    sl->state = SLOT_LIVE;
    s->heap[s->heap_len] = (heap_entry){at, s->next_seq++, i};
    sift_up(s->heap, s->heap_len++);
    s->live++;
    return ((uint64_t)sl->generation << 32) | i;
}

int sim_cancel(sim *s, sim_handle h)
{
    if (h == 0)
        return 0;
    uint32_t i = (uint32_t)h, gen = (uint32_t)(h >> 32);
    if (i >= s->slots_len)
        return 0;
    slot *sl = &s->slots[i];
    if (sl->generation != gen || sl->state != SLOT_LIVE)
        return 0;
    sl->state = SLOT_DEAD;
    s->live--;
    return 1;
}

/* Remove the root; returns its entry.  Heap must be non-empty. */
static heap_entry pop_root(sim *s)
{
    heap_entry top = s->heap[0];
    if (--s->heap_len > 0) {
        s->heap[0] = s->heap[s->heap_len];
        sift_down(s->heap, s->heap_len, 0);
    }
    return top;
}

/* Drop dead entries sitting at the root so heap[0] is live (or heap empty). */
static __attribute__((noinline)) void drop_dead(sim *s)
{
    while (s->heap_len > 0 && s->slots[s->heap[0].slot].state == SLOT_DEAD)
        slot_free(s, pop_root(s).slot);
}

static inline void skip_dead(sim *s)
{
    if (s->heap_len > 0 && s->slots[s->heap[0].slot].state == SLOT_DEAD)
        drop_dead(s);
}

int sim_step(sim *s)
{
    skip_dead(s);
    if (s->heap_len == 0)
        return 0;
    heap_entry top = pop_root(s);
    slot *sl = &s->slots[top.slot];
    sim_event ev = {top.time, sl->kind, sl->id, sl->arg};
    slot_free(s, top.slot);
    s->live--;
    s->now = top.time;
    s->executed++;
    s->handler(s->ctx, s, &ev);
    return 1;
}

uint64_t sim_run_until(sim *s, sim_time until)
{
    uint64_t n = 0;
    s->stop_requested = 0;
    for (;;) {
        skip_dead(s);
        if (s->heap_len == 0 || s->heap[0].time > until || s->stop_requested)
            break;
        sim_step(s);
        n++;
    }
    if (until != SIM_TIME_NEVER && !s->stop_requested && until > s->now)
        s->now = until;
    return n;
}

void sim_stop(sim *s) { s->stop_requested = 1; }
sim_time sim_now(const sim *s) { return s->now; }
size_t sim_pending(const sim *s) { return s->live; }
uint64_t sim_executed(const sim *s) { return s->executed; }

sim_time sim_next_time(sim *s)
{
    skip_dead(s); /* dead entries may sit at the root */
    return s->heap_len ? s->heap[0].time : SIM_TIME_NEVER;
}
