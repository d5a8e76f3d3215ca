/* run_queries.c -- query and dialogue state of a run: pools reused through
 * free lists, the rows of the trace turned into scheduled arrivals (one
 * row of lookahead plus the later turns of dialogues already started), and
 * the queue of a device whose models share its memory (device.memory "one"). */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"

/* ---- pools ---- */

/* Take a zeroed item from a pool of `size`-byte items: the head of its free
 * list (threaded through the uint32 at `next_off` of each free item), or a
 * new one at the end, growing the array by doubling.  NONE when memory runs
 * out.  The array may move. */
static uint32_t pool_take(void **items, uint32_t *len, uint32_t *cap, uint32_t *free_head, size_t size,
                          size_t next_off)
{
    uint32_t i;
    if (*free_head != NONE) {
        i = *free_head;
        memcpy(free_head, (char *)*items + (size_t)i * size + next_off, sizeof *free_head);
    } else {
        if (*len == *cap) {
            uint32_t grown_cap = *cap ? *cap * 2 : 256;
            void *grown = realloc(*items, (size_t)grown_cap * size);
            if (!grown)
                return NONE;
            *items = grown;
            *cap = grown_cap;
        }
        i = (*len)++;
    }
    memset((char *)*items + (size_t)i * size, 0, size);
    return i;
}

static uint32_t query_alloc(run *r)
{
    void *items = r->q;
    uint32_t i = pool_take(&items, &r->q_len, &r->q_cap, &r->q_free, sizeof *r->q, offsetof(qstate, next_free));
    r->q = items;
    if (i == NONE) {
        run__fail(r, RUN_INTERNAL, "out of memory (query pool)");
        return NONE;
    }
    r->q[i].dialogue = r->q[i].next_turn = NONE;
    r->q[i].live = 1;
    return i;
}

void run__query_free(run *r, uint32_t i)
{
    r->q[i].live = 0;
    r->q[i].next_free = r->q_free;
    r->q_free = i;
}

static uint32_t dialogue_alloc(run *r)
{
    void *items = r->d;
    uint32_t i = pool_take(&items, &r->d_len, &r->d_cap, &r->d_free, sizeof *r->d, offsetof(dstate, next_free));
    r->d = items;
    if (i == NONE) {
        run__fail(r, RUN_INTERNAL, "out of memory (dialogue pool)");
        return NONE;
    }
    r->d[i].head = r->d[i].tail = NONE;
    r->d[i].prev_route = -1;
    for (int m = 0; m < LLM_MAX_MODELS; m++)
        r->d[i].seen_server[m] = -1;
    return i;
}

void run__dialogue_free(run *r, uint32_t i)
{
    r->d[i].next_free = r->d_free;
    r->d_free = i;
}

/* ---- reading the trace ---- */

static int read_row(run *r, trace_row *row)
{
    trace_error terr;
    int rc = trace_source_next(r->source, row, &terr);
    if (rc < 0)
        run__fail(r, RUN_INPUT, "%s", terr.msg);
    return rc;
}

/* Fill the per-query fields known before the decision. */
static void query_init(run *r, uint32_t slot, const trace_row *row)
{
    qstate *q = &r->q[slot];
    record *rec = &q->rec;
    q->row = *row;
    rec->query_id = row->id;
    rec->dialogue_id = row->dialogue_id;
    rec->turn = row->dialogue_id >= 0 ? row->turn : -1;
    _Static_assert(sizeof rec->benchmark == sizeof row->benchmark, "benchmark names: one size");
    memcpy(rec->benchmark, row->benchmark, sizeof rec->benchmark); /* NUL-terminated by the reader */
    rec->in_tokens = row->in_tokens;
    rec->out_tokens = row->out_tokens;
    rec->out_tokens_pred = row->out_tokens_pred >= 0 ? row->out_tokens_pred : row->out_tokens;
    rec->p_large = row->p_large;
    rec->q_small = row->q_small;
    rec->q_large = row->q_large;
    rec->switched = -1;
    rec->harq_tx_ul = rec->harq_tx_dl = -1;
    rec->kv_action = -1;
    rec->route = -1;
    rec->status = QUERY_DONE;
    rec->wan_up_s = rec->wan_down_s = NAN;
    rec->n_models = r->n_models;
    /* Every model's quality and router score: the fixed columns for small
     * and large, else q_<name>, p_<name> (docs/TRACES.md "Models"). */
    for (int m = 0; m < r->n_models; m++) {
        const run_model *rm = &r->models[m];
        int is_small = strcmp(rm->cfg->name, "small") == 0, is_large = strcmp(rm->cfg->name, "large") == 0;
        rec->model_q[m] = is_small ? row->q_small : is_large ? row->q_large : row->model_q[rm->q_col];
        if (is_large)
            rec->model_p[m] = row->p_large;
        else if (rm->p_col >= 0 && !isnan(row->model_p[rm->p_col]))
            rec->model_p[m] = row->model_p[rm->p_col];
        else
            rec->model_p[m] = m == 0 ? 0 : NAN;
    }
    double *nan_fields[] = {&rec->backhaul_s, &rec->backhaul_bytes, &rec->snr_db, &rec->rate_ul_bps, &rec->t_ul_start, &rec->t_ul_end, &rec->t_queue_end,
                            &rec->t_prefill_end, &rec->t_first_token, &rec->t_decode_end, &rec->ttft_s, &rec->queue_wait_s,
                            &rec->est_small_s, &rec->est_large_s, &rec->csw_small_s, &rec->csw_large_s,
                            &rec->t_dec, &rec->t_done, &rec->latency_s, &rec->quality, &rec->energy_j,
                            &rec->load_s};
    for (size_t i = 0; i < sizeof nan_fields / sizeof nan_fields[0]; i++)
        *nan_fields[i] = NAN;
}

static int is_later_turn(const trace_row *row)
{
    return row->dialogue_id >= 0 && row->turn > 1;
}

/* Queue a later turn behind the open dialogue's earlier turns. */
static void append_turn(run *r, const trace_row *row)
{
    if (r->open_dialogue == NONE && row->dialogue_id == r->skipped_dialogue) {
        r->stats.n_unstarted++; /* its dialogue started after duration_s */
        return;
    }
    dstate *d = r->open_dialogue != NONE ? &r->d[r->open_dialogue] : NULL;
    if (!d || d->id != row->dialogue_id || row->turn != d->last_turn + 1) {
        run__fail(r, RUN_INPUT,
                 "trace row id %lld: turn %d of dialogue %lld does not follow turn %d of the same dialogue "
                 "(a dialogue's turns must be contiguous and in order)",
                 (long long)row->id, row->turn, (long long)row->dialogue_id, row->turn - 1);
        return;
    }
    uint32_t slot = query_alloc(r);
    if (slot == NONE)
        return;
    d = &r->d[r->open_dialogue];
    query_init(r, slot, row);
    r->q[slot].dialogue = r->open_dialogue;
    r->q[slot].rec.device = d->device;
    if (d->tail == NONE)
        d->head = slot;
    else
        r->q[d->tail].next_turn = slot;
    d->tail = slot;
    d->last_turn = row->turn;
}

/* No more turns can follow the open dialogue: free it if it is done. */
static void close_dialogue(run *r)
{
    if (r->open_dialogue != NONE && r->d[r->open_dialogue].finished)
        run__dialogue_free(r, r->open_dialogue);
    r->open_dialogue = NONE;
}

/* Schedule the next row that arrives by itself (a single query or a first
 * turn); after a first turn, read on to collect its dialogue's later turns,
 * keeping the next arriving row as the one row of lookahead. */
void run__pull_next(run *r)
{
    int scheduled = 0;
    while (!r->source_done && r->status == RUN_OK) {
        trace_row row;
        if (r->have_peek) {
            row = r->peek;
            r->have_peek = 0;
        } else if (read_row(r, &row) <= 0) {
            r->source_done = 1;
            return;
        }
        if (is_later_turn(&row)) {
            append_turn(r, &row);
            continue;
        }
        if (scheduled) {
            r->peek = row;
            r->have_peek = 1;
            return;
        }
        if (isnan(row.t_arr_s) || row.device < 0 || row.device >= r->sc->devices.count) {
            run__fail(r, RUN_INPUT, "trace row id %lld: no arrival time, or device %d outside 0..%d",
                     (long long)row.id, row.device, r->sc->devices.count - 1);
            return;
        }
        if (row.dialogue_id >= 0 && row.turn != 1) {
            run__fail(r, RUN_INPUT, "trace row id %lld: dialogue %lld starts at turn %d, not 1", (long long)row.id,
                     (long long)row.dialogue_id, row.turn);
            return;
        }
        close_dialogue(r);
        sim_time at = sim_time_from_s(row.t_arr_s);
        if (r->duration > 0 && at > r->duration) {
            r->stats.n_unstarted++; /* count the rest of the trace, start none of it */
            r->skipped_dialogue = row.dialogue_id;
            continue;
        }
        if (at < sim_now(r->engine)) {
            run__fail(r, RUN_INPUT, "trace row id %lld: arrival time %.9f s is before the previous row's",
                     (long long)row.id, row.t_arr_s);
            return;
        }
        uint32_t slot = query_alloc(r);
        if (slot == NONE)
            return;
        query_init(r, slot, &row);
        r->q[slot].rec.device = row.device;
        if (row.dialogue_id >= 0) {
            uint32_t di = dialogue_alloc(r);
            if (di == NONE)
                return;
            r->d[di].id = row.dialogue_id;
            r->d[di].device = row.device;
            r->d[di].last_turn = 1;
            r->q[slot].dialogue = di;
            r->open_dialogue = di;
        }
        if (!sim_schedule(r->engine, at, EV_ARRIVAL, slot, ARRIVAL_FROM_SOURCE))
            run__fail(r, RUN_INTERNAL, "out of memory (event queue)");
        if (row.dialogue_id < 0)
            return;
        scheduled = 1;
    }
}


/* ---- a device's queue under device.memory "one" ---- */

/* Batch-1 service of query q on model m as the router predicts it: prefill
 * of its input on its history, then its predicted output. */
static double predicted_service_s(const run *r, const qstate *q, int m)
{
    return llm_batch1_service_s(&r->models[m].prof, q->rec.in_tokens, q->history_tokens, q->rec.out_tokens_pred);
}

double run__device_wait_s(run *r, int dev, int *model)
{
    const devmem *dm = &r->dev_mem[dev];
    sim_time now = sim_now(r->engine);
    double wait = 0;
    int loaded = dm->loaded;
    if (dm->serving != NONE) {
        const qstate *q = &r->q[dm->serving];
        int m = q->rec.route;
        if (dm->load_ev) /* loading: the rest of the load, then all of its service */
            wait += sim_time_to_s(dm->load_end - now) + predicted_service_s(r, q, m);
        else             /* on its server: what the server's estimator says is left */
            wait += llm_server_backlog_s(r->models[m].srv[dev], now);
        loaded = m;
    }
    for (uint32_t i = dm->head; i != NONE; i = r->q[i].next_dev) {
        int m = r->q[i].rec.route;
        if (m != loaded)
            wait += r->models[m].cfg->load_s;
        wait += predicted_service_s(r, &r->q[i], m);
        loaded = m;
    }
    *model = loaded;
    return wait;
}
