/* server.c -- LLM serving: iteration-level continuous batching with KV
 * admission and LRU retention of dialogue prefixes (docs/MODEL.md section 3,
 * docs/PROFILES.md "Serving").
 *
 * One iteration at a time.  When an iteration ends (or work arrives at an
 * idle server) the next one is chosen:
 *   1. prefill: admit waiting requests in FCFS order while a batch slot is
 *      free and the request's full KV (history + new + out tokens) fits,
 *      evicting idle dialogues LRU to make room; the first request that does
 *      not fit blocks the rest (head-of-line).  The iteration prefills all of
 *      them: sum of T_pre(n_i, c_i) with p0 counted once.
 *   2. otherwise decode: one step of every running sequence, T_step(b, C).
 * Prefill produces each admitted request's first token; every decode step one
 * more token per sequence.
 *
 * Decode iterations are not simulated one by one: between two changes of the
 * batch (a completion, or a queued request that can be admitted) the batch
 * is fixed, so the run of k steps from context sum C takes
 * sum_i T_step(b, C + b i), in closed form (llm_decode_run_s), and only the
 * change is an event.  A request submitted during a run that could be
 * admitted cuts the run at the first iteration boundary at or after its
 * arrival (found by bisection over the closed form), where the original
 * iteration-by-iteration loop would have admitted it.
 *
 * Time: iteration ends are anchor + round(seconds since anchor), with the
 * seconds accumulated in double and the anchor reset at every prefill
 * iteration; so a batch-1 request's service is start + round(T_pre + sum of
 * steps), off the formula by at most 0.5 ns however many tokens it has.
 *
 * Memory: waiting requests in a ring buffer, running sequences in an array,
 * dialogues in an open-addressing table of an entry array; all grow by
 * doubling and are never freed before destroy, so a run stops calling malloc
 * once it reaches its high-water mark.  Work per iteration is O(batch).
 */
#include "models/llm/llm.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { DLG_EMPTY = 0, DLG_IDLE, DLG_RUNNING };
enum { ITER_PREFILL = 1, ITER_DECODE };

typedef struct pending {
    llm_request req;
    double est_service_s;         /* batch-1 service estimate at submit (backlog) */
} pending;

typedef struct sequence {
    uint64_t tag;
    int32_t dlg;                  /* dialogue entry, or -1 */
    int64_t ctx;                  /* tokens in KV after prefill: history + new */
    int gen;                      /* output tokens produced so far */
    int out;                      /* output tokens wanted */
    int est_out;                  /* what the backlog estimator may know */
    int64_t reserve;              /* KV tokens reserved: ctx + out */
    int cancelled;                /* abandoned by the caller: leaves at the end of the iteration under way */
} sequence;

typedef struct dialogue {
    int64_t id;
    int64_t tokens;               /* retained KV (idle) */
    int state;
    int32_t prev, next;           /* LRU list of idle dialogues: head oldest */
} dialogue_entry;

struct llm_server {
    llm_profile prof;
    int64_t kv_cap;               /* capacity in tokens (INT64_MAX: unlimited) */
    int64_t kv_used;              /* reservations of running sequences + retained idle KV */
    int64_t kv_idle;              /* retained idle KV */

    pending *q;                   /* waiting requests, ring buffer */
    size_t q_cap, q_head, q_len;
    double q_est_s, q_est_out;    /* sums over the queue (backlog) */

    sequence *run;                /* running sequences in admission order */
    int n_run, run_cap;
    int64_t ctx_sum;              /* sum of ctx + gen over running sequences */

    dialogue_entry *dlg;
    int32_t n_dlg, dlg_cap;
    int32_t *slot;                /* hash: entry index + 1, 0 = empty */
    size_t slot_cap;
    int32_t lru_head, lru_tail;
    int n_idle;

    int busy, iter_kind, iter_first; /* prefill: run[iter_first..] are being prefilled */
    sim_time iter_start, iter_end;   /* decode: the whole run of steps */
    int64_t run_steps;            /* decode: steps in the run (to the next change) */
    int64_t run_ctx0;             /* decode: context sum at the run's first step */
    double run_s0;                /* decode: anchor_s at the run's start */
    sim_time anchor;
    double anchor_s;
    sim_time start_at;            /* idle with work queued: next start; else SIM_TIME_NEVER */
    int64_t busy_ns;
    uint64_t tokens_out;
    double *scratch;              /* backlog work space (not state): written by the const estimator */
};

static int head_admissible(const llm_server *s);
static sim_time run_step_end(const llm_server *s, int64_t k);
static int64_t run_step_at(const llm_server *s, sim_time t, int after);

/* ---- growable storage ---- */

static int grow(void **arr, size_t elem, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*arr, n * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = n;
    return 0;
}

/* ---- dialogues ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static int32_t dlg_find(const llm_server *s, int64_t id)
{
    if (!s->slot_cap)
        return -1;
    size_t mask = s->slot_cap - 1;
    for (size_t i = mix64((uint64_t)id) & mask;; i = (i + 1) & mask) {
        int32_t e = s->slot[i];
        if (e == 0)
            return -1;
        if (s->dlg[e - 1].id == id)
            return e - 1;
    }
}

static void slot_put(int32_t *slot, size_t cap, uint64_t key, int32_t entry)
{
    size_t mask = cap - 1;
    size_t i = mix64(key) & mask;
    while (slot[i] != 0)
        i = (i + 1) & mask;
    slot[i] = entry + 1;
}

/* Find or create; -1 on allocation failure. */
static int32_t dlg_get(llm_server *s, int64_t id)
{
    int32_t e = dlg_find(s, id);
    if (e >= 0)
        return e;
    if ((size_t)(s->n_dlg + 1) * 2 > s->slot_cap) { /* load factor <= 1/2 */
        size_t cap = s->slot_cap ? s->slot_cap * 2 : 64;
        int32_t *slot = calloc(cap, sizeof *slot);
        if (!slot)
            return -1;
        for (int32_t i = 0; i < s->n_dlg; i++)
            slot_put(slot, cap, (uint64_t)s->dlg[i].id, i);
        free(s->slot);
        s->slot = slot;
        s->slot_cap = cap;
    }
    size_t cap = (size_t)s->dlg_cap;
    if (grow((void **)&s->dlg, sizeof *s->dlg, &cap, (size_t)s->n_dlg + 1) != 0)
        return -1;
    s->dlg_cap = (int32_t)cap;
    e = s->n_dlg++;
    s->dlg[e] = (dialogue_entry){id, 0, DLG_EMPTY, -1, -1};
    slot_put(s->slot, s->slot_cap, (uint64_t)id, e);
    return e;
}

static void lru_unlink(llm_server *s, int32_t e)
{
    dialogue_entry *d = &s->dlg[e];
    if (d->prev >= 0)
        s->dlg[d->prev].next = d->next;
    else
        s->lru_head = d->next;
    if (d->next >= 0)
        s->dlg[d->next].prev = d->prev;
    else
        s->lru_tail = d->prev;
    d->prev = d->next = -1;
    s->n_idle--;
    s->kv_idle -= d->tokens;
}

static void lru_append(llm_server *s, int32_t e)
{
    dialogue_entry *d = &s->dlg[e];
    d->prev = s->lru_tail;
    d->next = -1;
    if (s->lru_tail >= 0)
        s->dlg[s->lru_tail].next = e;
    else
        s->lru_head = e;
    s->lru_tail = e;
    s->n_idle++;
    s->kv_idle += d->tokens;
}

static void evict(llm_server *s, int32_t e)
{
    lru_unlink(s, e);
    s->kv_used -= s->dlg[e].tokens;
    s->dlg[e].tokens = 0;
    s->dlg[e].state = DLG_EMPTY;
}

/* ---- create / destroy ---- */

llm_server *llm_server_create(const llm_profile *profile)
{
    assert(profile->max_batch >= 1);
    llm_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->prof = *profile;
    double bpt = profile->kv_bytes_per_token, cap = profile->kv_capacity_bytes;
    s->kv_cap = bpt > 0 && isfinite(cap) && cap / bpt < 9e18 ? (int64_t)floor(cap / bpt) : INT64_MAX;
    s->lru_head = s->lru_tail = -1;
    s->start_at = SIM_TIME_NEVER;
    s->run_cap = profile->max_batch < 64 ? profile->max_batch : 64;
    s->run = malloc((size_t)s->run_cap * sizeof *s->run);
    s->scratch = malloc((size_t)s->run_cap * sizeof *s->scratch);
    if (!s->run || !s->scratch)
        goto fail;
    return s;
fail:
    llm_server_destroy(s);
    return NULL;
}

void llm_server_destroy(llm_server *s)
{
    if (!s)
        return;
    free(s->q);
    free(s->run);
    free(s->scratch);
    free(s->dlg);
    free(s->slot);
    free(s);
}

/* ---- estimates ---- */

/* Batch-1 decode time of steps j = 1 .. steps on a context of ctx tokens
 * before the first. */
static double decode_run_s(const llm_profile *p, double ctx, double steps)
{
    return llm_decode_run_s(p, 1, ctx + 1, steps);
}

/* ---- submit ---- */

/* In a decode run, when the queue's head could be admitted now, end the run
 * at the first iteration boundary at or after now (where an
 * iteration-by-iteration loop would admit it). */
static void cut_decode_run(llm_server *s, sim_time now)
{
    if (s->busy && s->iter_kind == ITER_DECODE && head_admissible(s)) {
        int64_t k = run_step_at(s, now, 0);
        if (k < s->run_steps) {
            s->run_steps = k;
            s->iter_end = run_step_end(s, k);
        }
    }
}

/* Grow the ring to hold one more, unwrapping it into the new array. */
static int queue_reserve(llm_server *s)
{
    if (s->q_len < s->q_cap)
        return 0;
    size_t cap = s->q_cap ? s->q_cap * 2 : 16;
    pending *q = malloc(cap * sizeof *q);
    if (!q)
        return -1;
    for (size_t i = 0; i < s->q_len; i++)
        q[i] = s->q[(s->q_head + i) % s->q_cap];
    free(s->q);
    s->q = q;
    s->q_cap = cap;
    s->q_head = 0;
    return 0;
}

/* Room for every sequence that could run at once, so admission never allocates. */
static int run_reserve(llm_server *s)
{
    size_t want = (size_t)s->n_run + s->q_len + 1;
    if (want > (size_t)s->prof.max_batch)
        want = (size_t)s->prof.max_batch;
    if (want <= (size_t)s->run_cap)
        return 0;
    size_t cap = (size_t)s->run_cap;
    if (grow((void **)&s->run, sizeof *s->run, &cap, want) != 0)
        return -1;
    double *sc = realloc(s->scratch, cap * sizeof *sc);
    if (!sc)
        return -1;
    s->scratch = sc;
    s->run_cap = (int)cap;
    return 0;
}

int llm_server_fits(const llm_server *s, const llm_request *req)
{
    return (int64_t)req->history_tokens + req->new_tokens + req->out_tokens <= s->kv_cap;
}

int llm_server_submit(llm_server *s, sim_time now, const llm_request *req)
{
    assert(req->out_tokens >= 1 && req->new_tokens >= 0 && req->history_tokens >= 0);
    if (!llm_server_fits(s, req))
        return 1;
    if (queue_reserve(s) != 0 || run_reserve(s) != 0)
        return -1;
    if (req->dialogue >= 0 && dlg_get(s, req->dialogue) < 0)
        return -1;
    pending p;
    p.req = *req;
    if (p.req.out_tokens_est <= 0)
        p.req.out_tokens_est = p.req.out_tokens;
    int cached = 0;
    if (req->dialogue >= 0) {
        int32_t e = dlg_find(s, req->dialogue);
        if (e >= 0 && s->dlg[e].state == DLG_IDLE)
            cached = (int)(s->dlg[e].tokens < req->history_tokens ? s->dlg[e].tokens : req->history_tokens);
    }
    double n = req->history_tokens - cached + req->new_tokens;
    p.est_service_s = llm_prefill_s(&s->prof, n, cached) +
                      decode_run_s(&s->prof, req->history_tokens + req->new_tokens, p.req.out_tokens_est - 1);
    s->q[(s->q_head + s->q_len) % s->q_cap] = p;
    s->q_len++;
    s->q_est_s += p.est_service_s;
    s->q_est_out += p.req.out_tokens_est;
    if (!s->busy && s->start_at == SIM_TIME_NEVER)
        s->start_at = now;
    cut_decode_run(s, now);
    return 0;
}

/* ---- iterations ---- */

static void emit(llm_event_fn *cb, void *ctx, uint64_t tag, llm_event_kind kind, sim_time t, int cached,
                 int recomputed)
{
    if (!cb)
        return;
    llm_event ev = {tag, kind, t, cached, recomputed};
    cb(ctx, &ev);
}

/* Whether the queue's head can be admitted now (a batch slot is free and its
 * KV fits, evicting idle dialogues if need be).  Nothing that decides this
 * changes during a decode run. */
static int head_admissible(const llm_server *s)
{
    if (s->q_len == 0 || s->n_run >= s->prof.max_batch)
        return 0;
    const llm_request *r = &s->q[s->q_head].req;
    int32_t e = r->dialogue >= 0 ? dlg_find(s, r->dialogue) : -1;
    int64_t retained = e >= 0 && s->dlg[e].state == DLG_IDLE ? s->dlg[e].tokens : 0;
    int64_t reserve = (int64_t)r->history_tokens + r->new_tokens + r->out_tokens;
    int64_t need = reserve - retained;  /* the dialogue's own retained KV becomes part of it */
    int64_t evictable = s->kv_idle - retained;
    /* else it blocks until running sequences finish */
    return s->kv_used + need <= s->kv_cap || s->kv_used - evictable + need <= s->kv_cap;
}

/* Try to admit the queue's head at time t; returns 1 if admitted.  Also
 * returns the prefill seconds of the request in *prefill_s. */
static int admit_head(llm_server *s, sim_time t, double *prefill_s, llm_event_fn *cb, void *ctx)
{
    if (!head_admissible(s))
        return 0;
    const pending *p = &s->q[s->q_head];
    const llm_request *r = &p->req;
    int32_t e = r->dialogue >= 0 ? dlg_find(s, r->dialogue) : -1;
    int64_t retained = e >= 0 && s->dlg[e].state == DLG_IDLE ? s->dlg[e].tokens : 0;
    int64_t reserve = (int64_t)r->history_tokens + r->new_tokens + r->out_tokens;
    int64_t need = reserve - retained;

    if (s->kv_used + need > s->kv_cap) {
        /* LRU eviction of other idle dialogues (a request larger than the
         * whole capacity was refused at submit). */
        int32_t v = s->lru_head;
        while (v >= 0 && s->kv_used + need > s->kv_cap) {
            int32_t next = s->dlg[v].next;
            if (v != e)
                evict(s, v);
            v = next;
        }
    }
    assert(s->n_run < s->run_cap);   /* reserved at submit */
    assert(r->dialogue < 0 || e >= 0); /* created at submit */
    if (e >= 0 && s->dlg[e].state == DLG_RUNNING)
        e = -1;             /* a second request of a running dialogue: no reuse, not retained */
    if (e >= 0 && s->dlg[e].state == DLG_IDLE) {
        lru_unlink(s, e);
        s->dlg[e].tokens = 0;
    }
    if (e >= 0)
        s->dlg[e].state = DLG_RUNNING;
    s->kv_used += need;

    int cached = (int)(retained < r->history_tokens ? retained : r->history_tokens);
    int recomputed = r->history_tokens - cached;
    *prefill_s = llm_prefill_s(&s->prof, (double)recomputed + r->new_tokens, cached);
    s->run[s->n_run++] = (sequence){r->tag, e, (int64_t)r->history_tokens + r->new_tokens, 0, r->out_tokens,
                                    r->out_tokens_est, reserve, 0};
    s->q_est_s -= p->est_service_s;
    s->q_est_out -= r->out_tokens_est;
    s->q_head = (s->q_head + 1) % s->q_cap;
    if (--s->q_len == 0)
        s->q_est_s = s->q_est_out = 0; /* no drift from the running sums */
    emit(cb, ctx, r->tag, LLM_EV_ADMIT, t, cached, recomputed);
    return 1;
}

static void set_end(llm_server *s, sim_time start, double seconds)
{
    s->busy = 1;
    s->iter_start = start;
    s->anchor_s += seconds;
    s->iter_end = s->anchor + sim_time_from_s(s->anchor_s);
    if (s->iter_end < start)
        s->iter_end = start;
}

/* Seconds since the anchor at the end of step k (0 .. run_steps) of the
 * current decode run, and that end as a time. */
static double run_anchor_s(const llm_server *s, int64_t k)
{
    return s->run_s0 + llm_decode_run_s(&s->prof, s->n_run, (double)s->run_ctx0, (double)k);
}

static sim_time run_step_end(const llm_server *s, int64_t k)
{
    sim_time t = s->anchor + sim_time_from_s(run_anchor_s(s, k));
    return t < s->iter_start ? s->iter_start : t;
}

/* The first step k in 1 .. run_steps of the current decode run whose end is
 * at or after t (strictly after t with `after`); run_steps if none.  Step
 * ends do not decrease with k (bisection). */
static int64_t run_step_at(const llm_server *s, sim_time t, int after)
{
    int64_t lo = 1, hi = s->run_steps;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        sim_time end = run_step_end(s, mid);
        if (after ? end > t : end >= t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* A decode run from t to the next completion. */
static void start_decode_run(llm_server *s, sim_time t)
{
    int64_t steps = INT64_MAX;
    for (int i = 0; i < s->n_run; i++)
        if (s->run[i].out - s->run[i].gen < steps)
            steps = s->run[i].out - s->run[i].gen;
    assert(steps >= 1);
    s->busy = 1;
    s->iter_kind = ITER_DECODE;
    s->iter_start = t;
    s->run_steps = steps;
    s->run_ctx0 = s->ctx_sum;
    s->run_s0 = s->anchor_s;
    s->iter_end = run_step_end(s, steps);
}

/* Choose and start the iteration beginning at t. */
static void start_next(llm_server *s, sim_time t, llm_event_fn *cb, void *ctx)
{
    double dur = 0, pre;
    int k = 0;
    s->iter_first = s->n_run;
    while (s->q_len > 0 && s->n_run < s->prof.max_batch && admit_head(s, t, &pre, cb, ctx)) {
        dur += k == 0 ? pre : pre - s->prof.p[0]; /* p0 once per iteration */
        k++;
    }
    if (k > 0) {
        s->iter_kind = ITER_PREFILL;
        s->anchor = t;
        s->anchor_s = 0;
        set_end(s, t, dur);
    } else if (s->n_run > 0) {
        start_decode_run(s, t);
    } else {
        s->busy = 0;
    }
}

/* A sequence finished: its reservation becomes its dialogue's retained KV
 * (a cancelled one's is freed: its turn has no answer to build on). */
static void finish(llm_server *s, const sequence *q)
{
    if (q->cancelled) {
        s->kv_used -= q->reserve;
        if (q->dlg >= 0)
            s->dlg[q->dlg].state = DLG_EMPTY;
        return;
    }
    if (q->dlg < 0) {
        s->kv_used -= q->reserve;
        return;
    }
    dialogue_entry *d = &s->dlg[q->dlg];
    d->tokens = q->reserve;
    d->state = DLG_IDLE;
    lru_append(s, q->dlg);
    if (s->prof.kv_retain_dialogues > 0 && s->n_idle > s->prof.kv_retain_dialogues)
        evict(s, s->lru_head);
}

static void end_iteration(llm_server *s, llm_event_fn *cb, void *ctx)
{
    sim_time t = s->iter_end;
    s->busy_ns += t - s->iter_start;
    int first = s->iter_kind == ITER_PREFILL ? s->iter_first : 0;
    int64_t steps = s->iter_kind == ITER_PREFILL ? 1 : s->run_steps;
    if (s->iter_kind == ITER_DECODE)
        s->anchor_s = run_anchor_s(s, steps);
    int kept = 0;
    for (int i = 0; i < first; i++) {
        /* Not in this prefill iteration: only a cancelled one leaves. */
        sequence *q = &s->run[i];
        if (q->cancelled) {
            s->ctx_sum -= q->ctx + q->gen;
            finish(s, q);
        } else {
            s->run[kept++] = *q;
        }
    }
    for (int i = first; i < s->n_run; i++) {
        sequence *q = &s->run[i];
        q->gen += (int)steps;
        s->tokens_out += (uint64_t)steps;
        if (s->iter_kind == ITER_PREFILL) {
            s->ctx_sum += q->ctx + 1;
            if (!q->cancelled)
                emit(cb, ctx, q->tag, LLM_EV_FIRST_TOKEN, t, 0, 0);
        } else {
            s->ctx_sum += steps;
        }
        if (q->gen >= q->out || q->cancelled) {
            s->ctx_sum -= q->ctx + q->gen;
            if (!q->cancelled)
                emit(cb, ctx, q->tag, LLM_EV_DONE, t, 0, 0);
            finish(s, q);
        } else {
            s->run[kept++] = *q;
        }
    }
    s->n_run = kept;
    s->busy = 0;
}

int llm_server_cancel(llm_server *s, sim_time now, uint64_t tag)
{
    for (size_t i = 0; i < s->q_len; i++) {
        pending *p = &s->q[(s->q_head + i) % s->q_cap];
        if (p->req.tag != tag)
            continue;
        s->q_est_s -= p->est_service_s;
        s->q_est_out -= p->req.out_tokens_est;
        for (size_t j = i; j + 1 < s->q_len; j++)
            s->q[(s->q_head + j) % s->q_cap] = s->q[(s->q_head + j + 1) % s->q_cap];
        if (--s->q_len == 0) {
            s->q_est_s = s->q_est_out = 0;
            if (!s->busy)
                s->start_at = SIM_TIME_NEVER;
        }
        if (i == 0)
            cut_decode_run(s, now); /* the new head may fit where the old one did not */
        return 1;
    }
    for (int i = 0; i < s->n_run; i++) {
        sequence *q = &s->run[i];
        if (q->tag != tag || q->cancelled)
            continue;
        q->cancelled = 1;
        if (s->busy && s->iter_kind == ITER_DECODE) {
            /* The batch changes after the iteration under way. */
            int64_t k = run_step_at(s, now, 0);
            if (k < s->run_steps) {
                s->run_steps = k;
                s->iter_end = run_step_end(s, k);
            }
        }
        return 1;
    }
    return 0;
}

sim_time llm_server_next_event(const llm_server *s)
{
    return s->busy ? s->iter_end : s->start_at;
}

void llm_server_advance(llm_server *s, sim_time now, llm_event_fn *cb, void *ctx)
{
    for (;;) {
        if (s->busy) {
            if (s->iter_end > now)
                return;
            sim_time t = s->iter_end;
            end_iteration(s, cb, ctx);
            start_next(s, t, cb, ctx);
        } else {
            if (s->start_at == SIM_TIME_NEVER || s->start_at > now)
                return;
            sim_time t = s->start_at;
            s->start_at = SIM_TIME_NEVER;
            s->anchor = t;
            s->anchor_s = 0;
            start_next(s, t, cb, ctx);
        }
    }
}

/* ---- observers ---- */

int llm_server_waiting(const llm_server *s) { return (int)s->q_len; }
int llm_server_running(const llm_server *s) { return s->n_run; }
uint64_t llm_server_tokens_out(const llm_server *s) { return s->tokens_out; }

double llm_server_kv_used_bytes(const llm_server *s)
{
    return (double)s->kv_used * s->prof.kv_bytes_per_token;
}

int llm_server_import_kv(llm_server *s, int64_t dialogue, int tokens)
{
    assert(dialogue >= 0 && tokens >= 0);
    int32_t e = dlg_get(s, dialogue);
    if (e < 0)
        return -1;
    dialogue_entry *d = &s->dlg[e];
    if (d->state == DLG_RUNNING || d->tokens >= tokens)
        return 0;
    if (d->state == DLG_IDLE) {
        lru_unlink(s, e);
        s->kv_used -= d->tokens;
    }
    /* Room as for a finished sequence: evict other idle dialogues, oldest
     * first; what still does not fit is not kept. */
    int32_t v = s->lru_head;
    while (v >= 0 && s->kv_used + tokens > s->kv_cap) {
        int32_t next = s->dlg[v].next;
        evict(s, v);
        v = next;
    }
    int64_t room = s->kv_cap - s->kv_used;
    d->tokens = tokens < room ? tokens : (room > 0 ? room : 0);
    d->state = d->tokens > 0 ? DLG_IDLE : DLG_EMPTY;
    if (d->state == DLG_IDLE) {
        s->kv_used += d->tokens;
        lru_append(s, e);
        if (s->prof.kv_retain_dialogues > 0 && s->n_idle > s->prof.kv_retain_dialogues)
            evict(s, s->lru_head);
    }
    return 0;
}

void llm_server_release_kv(llm_server *s, int64_t dialogue)
{
    int32_t e = dialogue >= 0 ? dlg_find(s, dialogue) : -1;
    if (e >= 0 && s->dlg[e].state == DLG_IDLE)
        evict(s, e);
}

void llm_server_release_idle_kv(llm_server *s)
{
    while (s->lru_head >= 0)
        evict(s, s->lru_head);
}

int llm_server_cached_tokens(const llm_server *s, int64_t dialogue)
{
    int32_t e = dialogue >= 0 ? dlg_find(s, dialogue) : -1;
    return e >= 0 && s->dlg[e].state == DLG_IDLE ? (int)s->dlg[e].tokens : 0;
}

double llm_server_busy_s(const llm_server *s, sim_time now)
{
    int64_t ns = s->busy_ns;
    if (s->busy && now > s->iter_start)
        ns += (now < s->iter_end ? now : s->iter_end) - s->iter_start;
    return sim_time_to_s(ns);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* docs/PROFILES.md "Backlog estimator". */
double llm_server_backlog_s(const llm_server *s, sim_time now)
{
    /* In a decode run, the iteration under way at now: `done` steps of the
     * run are over, and it ends at iter_end. */
    sim_time iter_end = s->iter_end;
    int done = 0;
    if (s->busy && s->iter_kind == ITER_DECODE && s->run_steps > 1 && now >= s->iter_start) {
        int64_t k = run_step_at(s, now, 1);
        iter_end = run_step_end(s, k);
        done = (int)(k - 1);
    }
    double residual = s->busy && iter_end > now ? sim_time_to_s(iter_end - now) : 0;
    int free_slots = s->prof.max_batch - s->n_run;
    if ((int)s->q_len < free_slots)
        return residual;
    if (s->prof.max_batch == 1) {
        /* FCFS, batch 1: the running request's remaining steps + the queue. */
        double rest = 0;
        if (s->n_run == 1) {
            const sequence *q = &s->run[0];
            int after = s->busy ? q->gen + done + 1 : q->gen; /* tokens once the current iteration ends */
            double steps = q->est_out - after;
            rest = decode_run_s(&s->prof, (double)(q->ctx + after - 1), steps);
        }
        return residual + rest + s->q_est_s;
    }
    /* Batched: the k-th completion among running sequences (their remaining
     * decode steps once the current iteration ends, sorted), each further
     * round of a full batch taking the queue's mean output length; steps
     * timed at the batch's mean context over that stretch. */
    int k = (int)s->q_len + 1 - free_slots;
    double ctx_after = 0;
    for (int i = 0; i < s->n_run; i++) {
        const sequence *q = &s->run[i];
        int progresses = s->busy && (s->iter_kind == ITER_DECODE || i >= s->iter_first);
        int after = q->gen + done + progresses;
        double rem = q->est_out - after;
        s->scratch[i] = rem > 0 ? rem : 0;
        ctx_after += (double)(q->ctx + after);
    }
    qsort(s->scratch, (size_t)s->n_run, sizeof *s->scratch, cmp_double);
    int rounds = (k - 1) / s->n_run, r = (k - 1) % s->n_run;
    double mean_out = s->q_len > 0 ? s->q_est_out / (double)s->q_len : 0;
    double steps = s->scratch[r] + rounds * mean_out;
    double step = llm_decode_step_s(&s->prof, s->n_run, ctx_after + s->n_run * (steps - 1) / 2);
    return residual + steps * step;
}
