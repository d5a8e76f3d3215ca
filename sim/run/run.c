/* run.c -- the life of every query in one run (docs/MODEL.md section 1).
 *
 * Events (kind, id):
 *   EV_ARRIVAL  query slot   a query or dialogue turn reaches its device
 *   EV_DECIDE   query slot   router overhead over: the policy decides
 *   EV_CHANNEL  -            the channel has work (transfer end, block edge)
 *   EV_EDGE     -            an edge-server iteration ends
 *   EV_DEVICE   device       a device-server iteration ends
 *   EV_BACKHAUL query slot   a request or answer chunk (arg: XFER_*) is through
 *                            the backhaul, or a migrated KV has arrived
 *   EV_DEADLINE query slot   deadline_s after its arrival: the query is abandoned
 * Channel and servers are passive state machines: after every event the loop
 * asks each one it touched for its next event time and moves that one engine
 * event (lazy cancellation).
 *
 * Queries and dialogues live in pools (run_queries.c), rows stream from
 * the trace source (run_queries.c), and the policy's view is built in
 * run_view.c; their shared state is in run_int.h.
 */
#include "run_int.h"

#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "models/channel/channel.h"
#include "models/llm/llm.h"
#include "sim/base/rng.h"
#include "sim/base/sim.h"
#include "traces/trace.h"

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Record the first error and stop the engine. */
int run_status_exit_code(run_status s)
{
    static const int exit_of[RUN_N_STATUSES] = {
#define RUN_STATUS_EXIT_(status, exit_code, meaning) [status] = exit_code,
        RUN_STATUSES(RUN_STATUS_EXIT_)
#undef RUN_STATUS_EXIT_
    };
    return (int)s >= 0 && s < RUN_N_STATUSES ? exit_of[s] : EXIT_INTERNAL;
}

void run__fail(run *r, run_status status, const char *fmt, ...)
{
    if (r->status != RUN_OK)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, r->errlen, fmt, ap);
    va_end(ap);
    r->status = status;
    sim_stop(r->engine);
}

/* Has a signal asked the run to stop? */
static int stop_requested(const run *r)
{
    return r->opt->interrupted && *r->opt->interrupted;
}

/* ---- timers of the passive components ---- */

static void timer_set(run *r, timer *t, sim_time next, uint32_t kind, uint32_t id)
{
    if (t->handle && t->at == next)
        return;
    if (t->handle)
        sim_cancel(r->engine, t->handle);
    t->handle = 0;
    t->at = next;
    if (next == SIM_TIME_NEVER)
        return;
    t->handle = sim_schedule(r->engine, next, kind, id, 0);
    if (!t->handle)
        run__fail(r, RUN_INTERNAL, "out of memory (event queue)");
}

static void touch_channel(run *r)
{
    timer_set(r, &r->channel_timer, channel_next_event(r->ch), EV_CHANNEL, 0);
}

static void touch_edge(run *r, int e)
{
    timer_set(r, &r->edge_timer[e], llm_server_next_event(r->edges[e]), EV_EDGE, (uint32_t)e);
}

static void touch_device(run *r, int dev)
{
    timer_set(r, &r->device_timer[dev], llm_server_next_event(r->devices[dev]), EV_DEVICE, (uint32_t)dev);
}

/* ---- the backhaul between sites (docs/CHANNEL.md, "Dialogue KV across a
 * handover"): a pipe without contention, latency + 8 bytes / bandwidth ---- */

/* One leg of a `stay` query over the backhaul: its duration, ns, added to
 * the query's backhaul time and bytes. */
static sim_time backhaul_leg(run *r, qstate *q, double bytes)
{
    double s = sites_backhaul_s(&r->sc->sites, bytes);
    q->rec.backhaul_s += s;
    q->rec.backhaul_bytes += bytes;
    return sim_time_from_s(s);
}

static void backhaul_event(run *r, uint32_t slot, int kind, sim_time at)
{
    r->q[slot].backhaul_ev[kind] = sim_schedule(r->engine, at, EV_BACKHAUL, slot, (uint32_t)kind);
    if (!r->q[slot].backhaul_ev[kind])
        run__fail(r, RUN_INTERNAL, "out of memory (event queue)");
}

static void abandon(run *r, uint32_t slot, query_status status, sim_time t);

/* The request reaches its edge server at `at` (after the uplink, and the
 * backhaul with stay or migrate): a migrated KV is retained there first. */
static void submit_edge(run *r, uint32_t slot, sim_time at)
{
    qstate *q = &r->q[slot];
    record *rec = &q->rec;
    q->t_edge_arrive = at;
    if (q->kv_action == HANDOVER_KV_MIGRATE && q->kv_tokens > 0 &&
        llm_server_import_kv(r->edges[q->edge], rec->dialogue_id, q->kv_tokens) != 0) {
        run__fail(r, RUN_INTERNAL, "out of memory (edge KV)");
        return;
    }
    llm_request req = {.tag = slot, .dialogue = rec->dialogue_id, .history_tokens = q->history_tokens,
                       .new_tokens = rec->in_tokens, .out_tokens = rec->out_tokens,
                       .out_tokens_est = rec->out_tokens_pred};
    int rc = llm_server_submit(r->edges[q->edge], at, &req);
    if (rc < 0)
        run__fail(r, RUN_INTERNAL, "out of memory (edge queue)");
    else if (rc > 0)
        abandon(r, slot, QUERY_REJECTED, at);
    else
        touch_edge(r, q->edge);
}

/* ---- the decision ---- */

static double think_time_s(run *r, const qstate *q)
{
    if (!isnan(q->row.think_s))
        return q->row.think_s;
    double u = rng_hash_uniform(r->seed, r->rep, RNG_THINK, (uint64_t)q->row.dialogue_id, (uint64_t)q->row.turn);
    return -r->sc->trace.think_s * log1p(-u); /* exponential, mean think_s */
}

static void decide(run *r, uint32_t slot)
{
    policy_view v;
    qstate *q = &r->q[slot];
    q->decide_ev = 0;
    record *rec = &q->rec;
    sim_time now = sim_now(r->engine);
    run__fill_view(r, slot, &v);

    route rt = policy_instance_decide(r->policy, &v);
    if (rt != ROUTE_SMALL && rt != ROUTE_LARGE) {
        /* A plug-in's answer is the user's configuration; a built-in's, a bug. */
        if (r->policy->plugin)
            run__fail(r, RUN_CONFIG,
                      "policy plug-in %s (policy %s): decide returned %d on query %lld, not ROUTE_SMALL (0) or "
                      "ROUTE_LARGE (1)",
                      r->policy->plugin, r->policy->type->name, (int)rt, (long long)v.query_id);
        else
            run__fail(r, RUN_INTERNAL, "policy %s: decide returned %d on query %lld, not ROUTE_SMALL or ROUTE_LARGE",
                      r->policy->type->name, (int)rt, (long long)v.query_id);
        return;
    }
    const dstate *d = q->dialogue != NONE ? &r->d[q->dialogue] : NULL;
    rec->route = rt;
    rec->t_dec = sim_time_to_s(now);
    rec->snr_db = v.snr_db;
    rec->snr_avg_db = channel_snr_avg_at_db(r->ch, rec->device, LINK_UP, now);
    rec->distance_m = channel_distance_at_m(r->ch, rec->device, now);
    rec->site = channel_serving_site(r->ch, rec->device, now);
    q->handovers_at_dec = channel_handovers(r->ch, rec->device, now);
    rec->est_small_s = v.est_small_s;
    rec->est_large_s = v.est_large_s;
    rec->csw_small_s = v.csw_small_s;
    rec->csw_large_s = v.csw_large_s;
    rec->context_tokens = v.context_tokens;
    if (d)
        rec->switched = d->prev_route >= 0 && d->prev_route != (int)rt;
    q->history_tokens = v.context_tokens;

    llm_request req = {.tag = slot, .dialogue = rec->dialogue_id, .history_tokens = q->history_tokens,
                       .new_tokens = rec->in_tokens, .out_tokens = rec->out_tokens,
                       .out_tokens_est = rec->out_tokens_pred};
    if (rt == ROUTE_SMALL) {
        int rc = llm_server_submit(r->devices[rec->device], now, &req);
        if (rc < 0)
            run__fail(r, RUN_INTERNAL, "out of memory (device queue)");
        else if (rc > 0)
            abandon(r, slot, QUERY_REJECTED, now);
        else
            touch_device(r, rec->device);
        return;
    }
    int unseen = q->history_tokens - q->seen_tokens;
    rec->edge_server = q->edge;
    rec->kv_action = q->kv_action;
    if (q->kv_action == HANDOVER_KV_MIGRATE) {
        /* The KV leaves the old server now and reaches the new one over the
         * backhaul while the request is on the uplink. */
        double bytes = q->kv_tokens * r->large.kv_bytes_per_token;
        llm_server_release_kv(r->edges[d->edge_seen_server], rec->dialogue_id);
        rec->backhaul_bytes = bytes;
        rec->backhaul_s = q->kv_tokens > 0 ? sites_backhaul_s(&r->sc->sites, bytes) : 0;
        q->t_kv_arrive = now + sim_time_from_s(rec->backhaul_s);
    } else if (q->kv_action == HANDOVER_KV_STAY) {
        rec->backhaul_bytes = rec->backhaul_s = 0;
    }
    rec->bytes_up = channel_uplink_bytes(&r->sc->channel, rec->in_tokens + unseen, q->row.extra_payload_bytes);
    rec->t_ul_start = rec->t_dec;
    if (channel_transfer_start(r->ch, rec->device, LINK_UP, now, rec->bytes_up, (uint64_t)slot << 2 | XFER_UL) != 0)
        run__fail(r, RUN_INTERNAL, "out of memory (channel)");
    touch_channel(r);
}

/* ---- completion ---- */

static void release_turn(run *r, uint32_t slot, sim_time at)
{
    qstate *q = &r->q[slot];
    q->rec.t_arr = sim_time_to_s(at);
    if (!sim_schedule(r->engine, at, EV_ARRIVAL, slot, ARRIVAL_RELEASED_TURN))
        run__fail(r, RUN_INTERNAL, "out of memory (event queue)");
}

/* Write the record of a query that ended at t (done or abandoned), release
 * its dialogue's next turn and free its slot. */
static void end_query(run *r, uint32_t slot, sim_time t)
{
    qstate *q = &r->q[slot];
    record *rec = &q->rec;
    sim_cancel(r->engine, q->deadline_ev);
    q->deadline_ev = 0;
    rec->site_done = channel_serving_site(r->ch, rec->device, t);
    rec->handovers = rec->route >= 0 ? channel_handovers(r->ch, rec->device, t) - q->handovers_at_dec : 0;
    if (!isnan(rec->t_first_token))
        rec->ttft_s = rec->t_first_token - rec->t_arr;

    if (r->out->type->write(r->out, rec) != 0) {
        run__fail(r, RUN_OUTPUT, "%s", r->out->err);
        return;
    }
    r->stats.n_queries++;

    if (q->dialogue != NONE) {
        uint32_t di = q->dialogue;
        dstate *d = &r->d[di];
        if (rec->status == QUERY_DONE) {
            d->history_tokens = q->history_tokens + rec->in_tokens + rec->out_tokens;
            if (rec->route == ROUTE_LARGE) {
                d->edge_seen_tokens = d->history_tokens;
                d->edge_seen_server = q->edge;
            }
            d->prev_route = rec->route;
        } /* else an unanswered turn leaves the dialogue as it was (docs/MODEL.md, "Outcomes") */
        uint32_t next = d->head; /* the turns not yet arrived, in order */
        if (next != NONE) {
            d->head = r->q[next].next_turn;
            if (d->head == NONE)
                d->tail = NONE;
            release_turn(r, next, t + sim_time_from_s(think_time_s(r, &r->q[next])));
        } else {
            d->finished = 1;
            if (r->open_dialogue != di)
                run__dialogue_free(r, di); /* else freed when the next row is scheduled */
        }
    }
    run__query_free(r, slot);
}

static void finish(run *r, uint32_t slot, sim_time t_done)
{
    qstate *q = &r->q[slot];
    record *rec = &q->rec;
    const channel_config *cc = &r->sc->channel;
    rec->t_done = sim_time_to_s(t_done);
    rec->latency_s = rec->t_done - rec->t_arr;
    rec->quality = rec->route == ROUTE_LARGE ? rec->q_large : rec->q_small;
    if (rec->route == ROUTE_SMALL)
        rec->energy_j = r->small.power_w * (rec->t_done - rec->t_queue_end);
    else
        rec->energy_j = cc->uplink.circuit_power_w * q->ul_air_s + cc->downlink.circuit_power_w * q->dl_air_s;
    end_query(r, slot, t_done);
}

/* The query in `slot` ends at t without an answer (docs/MODEL.md,
 * "Outcomes"): whatever it holds (its router event, transfers, a place in a
 * queue or a batch and its KV) is given up, and its record keeps the times
 * of the steps it reached. */
static void abandon(run *r, uint32_t slot, query_status status, sim_time t)
{
    qstate *q = &r->q[slot];
    record *rec = &q->rec;
    sim_cancel(r->engine, q->decide_ev);
    q->decide_ev = 0;
    for (int kind = XFER_UL; kind <= XFER_DL_REST; kind++) {
        sim_cancel(r->engine, q->backhaul_ev[kind]);
        q->backhaul_ev[kind] = 0;
    }
    if (rec->route == ROUTE_LARGE) {
        int held = 0;
        for (uint64_t kind = XFER_UL; kind <= XFER_DL_REST; kind++)
            held |= channel_transfer_cancel(r->ch, t, (uint64_t)slot << 2 | kind);
        if (held)
            touch_channel(r);
        if (llm_server_cancel(r->edges[q->edge], t, slot))
            touch_edge(r, q->edge);
    } else if (rec->route == ROUTE_SMALL) {
        if (llm_server_cancel(r->devices[rec->device], t, slot))
            touch_device(r, rec->device);
    }
    rec->status = status;
    end_query(r, slot, t);
}

/* A transfer on a channel that cannot change is at rate 0 and
 * channel.outage_timeout_s = 0 says to wait for it for ever: nothing can
 * ever finish the query. */
static void fail_no_progress(run *r, const channel_done *done)
{
    const record *rec = &r->q[done->tag >> 2].rec;
    const channel_config *cc = &r->sc->channel;
    link_dir dir = done->dir;
    run__fail(r, RUN_CONFIG,
              "no progress possible: device %d: the %s transfer of query %lld is at rate 0 (SNR %.1f dB, below "
              "the lowest usable rate of rate model %s) on a channel that cannot change (fading %s, a static "
              "device), and channel.outage_timeout_s = 0 waits for ever; set it above 0 to record such queries "
              "as outage",
              rec->device, dir == LINK_UP ? "uplink" : "downlink", (long long)rec->query_id,
              channel_snr_db(r->ch, rec->device, dir, done->t_end), cc->rate.model, cc->fading.model);
}

/* Bytes of an answer chunk (XFER_DL_FIRST or XFER_DL_REST). */
static double chunk_bytes(const run *r, const qstate *q, int kind)
{
    return kind == XFER_DL_FIRST ? channel_downlink_first_bytes(&r->sc->channel)
                                 : channel_downlink_rest_bytes(&r->sc->channel, q->rec.out_tokens);
}

static void start_downlink_at(run *r, uint32_t slot, int kind, sim_time at)
{
    qstate *q = &r->q[slot];
    double bytes = chunk_bytes(r, q, kind);
    q->rec.bytes_down += bytes;
    if (channel_transfer_start(r->ch, q->rec.device, LINK_DOWN, at, bytes, (uint64_t)slot << 2 | (uint64_t)kind) != 0)
        run__fail(r, RUN_INTERNAL, "out of memory (channel)");
    touch_channel(r);
}

/* An answer chunk leaves the edge server at `at`: with `stay` it crosses
 * the backhaul to the serving site first. */
static void start_downlink(run *r, uint32_t slot, int kind, sim_time at)
{
    qstate *q = &r->q[slot];
    if (q->kv_action != HANDOVER_KV_STAY) {
        start_downlink_at(r, slot, kind, at);
        return;
    }
    backhaul_event(r, slot, kind, at + backhaul_leg(r, q, chunk_bytes(r, q, kind)));
}

/* A large query is done when its generation ended and both downlink chunks
 * arrived. */
static void maybe_finish_large(run *r, uint32_t slot, sim_time t)
{
    qstate *q = &r->q[slot];
    if (q->gen_done && q->first_done && q->rest_done)
        finish(r, slot, t);
}

static void on_transfer(void *ctx, const channel_done *done)
{
    run *r = ctx;
    uint32_t slot = (uint32_t)(done->tag >> 2);
    qstate *q = &r->q[slot];
    record *rec = &q->rec;
    if (!q->live)
        return; /* its query was abandoned earlier in this batch of completions */
    if (done->outage != CHANNEL_DELIVERED) {
        if (done->outage == CHANNEL_OUTAGE_PERMANENT && !(r->sc->channel.outage_timeout_s > 0))
            fail_no_progress(r, done);
        else
            abandon(r, slot, QUERY_OUTAGE, done->t_end);
        return;
    }
    switch ((int)(done->tag & 3)) {
    case XFER_UL: {
        rec->t_ul_end = sim_time_to_s(done->t_end);
        rec->rate_ul_bps = done->mean_rate_bps;
        rec->harq_tx_ul = done->transmissions;
        q->ul_air_s = done->air_s;
        sim_time at = done->t_end;
        if (q->kv_action == HANDOVER_KV_STAY)
            at += backhaul_leg(r, q, rec->bytes_up);
        else if (q->kv_action == HANDOVER_KV_MIGRATE && q->t_kv_arrive > at)
            at = q->t_kv_arrive;
        if (at > done->t_end)
            backhaul_event(r, slot, XFER_UL, at);
        else
            submit_edge(r, slot, at);
        break;
    }
    case XFER_DL_FIRST:
        rec->t_first_token = sim_time_to_s(done->t_end);
        q->dl_air_s += done->air_s;
        rec->harq_tx_dl = (rec->harq_tx_dl > 0 ? rec->harq_tx_dl : 0) + done->transmissions;
        q->first_done = 1;
        maybe_finish_large(r, slot, done->t_end);
        break;
    case XFER_DL_REST:
        q->dl_air_s += done->air_s;
        rec->harq_tx_dl = (rec->harq_tx_dl > 0 ? rec->harq_tx_dl : 0) + done->transmissions;
        q->rest_done = 1;
        maybe_finish_large(r, slot, done->t_end);
        break;
    }
}

static void on_edge(void *ctx, const llm_event *ev)
{
    run *r = ctx;
    uint32_t slot = (uint32_t)ev->tag;
    qstate *q = &r->q[slot];
    record *rec = &q->rec;
    switch (ev->kind) {
    case LLM_EV_ADMIT:
        rec->t_queue_end = sim_time_to_s(ev->t);
        rec->queue_wait_s = rec->t_queue_end - sim_time_to_s(q->t_edge_arrive);
        rec->cached_tokens = ev->cached_tokens;
        rec->recomputed_tokens = ev->recomputed_tokens;
        break;
    case LLM_EV_FIRST_TOKEN:
        rec->t_prefill_end = sim_time_to_s(ev->t);
        start_downlink(r, slot, XFER_DL_FIRST, sim_now(r->engine));
        break;
    case LLM_EV_DONE:
        q->gen_done = 1;
        rec->t_decode_end = sim_time_to_s(ev->t);
        if (rec->out_tokens > 1)
            start_downlink(r, slot, XFER_DL_REST, sim_now(r->engine));
        else
            q->rest_done = 1;
        maybe_finish_large(r, slot, ev->t);
        break;
    }
}

static void on_device(void *ctx, const llm_event *ev)
{
    run *r = ctx;
    uint32_t slot = (uint32_t)ev->tag;
    record *rec = &r->q[slot].rec;
    switch (ev->kind) {
    case LLM_EV_ADMIT:
        rec->t_queue_end = sim_time_to_s(ev->t);
        rec->queue_wait_s = rec->t_queue_end - rec->t_dec;
        rec->cached_tokens = ev->cached_tokens;
        rec->recomputed_tokens = ev->recomputed_tokens;
        break;
    case LLM_EV_FIRST_TOKEN:
        rec->t_prefill_end = rec->t_first_token = sim_time_to_s(ev->t);
        break;
    case LLM_EV_DONE:
        rec->t_decode_end = sim_time_to_s(ev->t);
        finish(r, slot, ev->t);
        break;
    }
}

static void on_event(void *ctx, sim *engine, const sim_event *ev)
{
    run *r = ctx;
    sim_time now = ev->time;
    switch (ev->kind) {
    case EV_ARRIVAL: {
        qstate *q = &r->q[ev->id];
        q->decide_ev = sim_schedule(engine, now + sim_time_from_s(r->sc->router.overhead_s), EV_DECIDE, ev->id, 0);
        double deadline_s = isnan(q->row.deadline_s) ? r->sc->trace.deadline_s : q->row.deadline_s;
        if (!isnan(deadline_s))
            q->deadline_ev = sim_schedule(engine, now + sim_time_from_s(deadline_s), EV_DEADLINE, ev->id, 0);
        if (!q->decide_ev || (!isnan(deadline_s) && !q->deadline_ev))
            run__fail(r, RUN_INTERNAL, "out of memory (event queue)");
        if (ev->arg == ARRIVAL_FROM_SOURCE) {
            q->rec.t_arr = sim_time_to_s(now);
            run__pull_next(r); /* may move the pool: q is not used after this */
        }
        break;
    }
    case EV_DECIDE:
        decide(r, ev->id);
        break;
    case EV_DEADLINE:
        r->q[ev->id].deadline_ev = 0;
        abandon(r, ev->id, QUERY_DEADLINE, now);
        break;
    case EV_CHANNEL:
        r->channel_timer.handle = 0;
        channel_advance(r->ch, now, on_transfer, r);
        touch_channel(r);
        break;
    case EV_EDGE:
        r->edge_timer[ev->id].handle = 0;
        llm_server_advance(r->edges[ev->id], now, on_edge, r);
        touch_edge(r, (int)ev->id);
        touch_channel(r);
        break;
    case EV_BACKHAUL:
        r->q[ev->id].backhaul_ev[ev->arg] = 0;
        if (ev->arg == XFER_UL)
            submit_edge(r, ev->id, now);
        else
            start_downlink_at(r, ev->id, (int)ev->arg, now);
        break;
    case EV_DEVICE:
        r->device_timer[ev->id].handle = 0;
        llm_server_advance(r->devices[ev->id], now, on_device, r);
        touch_device(r, (int)ev->id);
        break;
    }
}

/* ---- set-up, loop, tear-down ---- */

/* Where a query that has not ended is, for messages. */
static const char *query_stage(const qstate *q)
{
    const record *rec = &q->rec;
    if (rec->route < 0)
        return "arrival or router";
    if (rec->route == ROUTE_SMALL)
        return isnan(rec->t_queue_end) ? "device queue" : "device model";
    if (isnan(rec->t_ul_end))
        return "uplink transfer";
    if (isnan(rec->t_queue_end))
        return "edge queue";
    if (!q->gen_done)
        return "edge model";
    return "downlink transfer";
}

/* The engine has nothing left to do: every started query must have ended
 * (the pool is all free).  One that has not can never end: say which. */
static void check_all_ended(run *r)
{
    uint32_t live = 0, first = NONE;
    for (uint32_t i = 0; i < r->q_len; i++) {
        if (!r->q[i].live)
            continue;
        live++; /* routed ones first: later turns wait behind a stuck one */
        if (first == NONE || (r->q[i].rec.route >= 0 && r->q[first].rec.route < 0))
            first = i;
    }
    if (live == 0)
        return;
    const qstate *q = &r->q[first];
    run__fail(r, RUN_INTERNAL,
              "no progress possible: %u queries can never end (a model lost them: internal error); the first, "
              "query %lld on device %d, is stuck in its %s",
              live, (long long)q->rec.query_id, q->rec.device, query_stage(q));
}

static void progress(run *r)
{
    if (r->opt->on_progress)
        r->opt->on_progress(r->opt->progress_ctx, r->stats.n_queries);
}

static int calibrate_policy(run *r)
{
    const policy_type *t = r->policy->type;
    if (!t->calibrate)
        return 0;
    trace_error terr;
    trace_source *src = trace_source_create(&r->sc->trace, r->sc->devices.count, r->seed, r->rep, &terr);
    if (!src) {
        run__fail(r, RUN_INPUT, "%s", terr.msg);
        return -1;
    }
    size_t n = 0, cap = 4096;
    double *p = malloc(cap * sizeof *p);
    trace_row row;
    int rc = 0;
    while (p && !stop_requested(r) && (rc = trace_source_next(src, &row, &terr)) > 0) {
        if (n == cap) {
            double *grown = realloc(p, cap * 2 * sizeof *p);
            if (!grown) {
                free(p);
                p = NULL;
                break;
            }
            p = grown;
            cap *= 2;
        }
        p[n++] = row.p_large;
    }
    trace_source_destroy(src);
    if (stop_requested(r)) {
        free(p);
        run__fail(r, RUN_INTERRUPTED, "interrupted");
        return -1;
    }
    if (!p) {
        run__fail(r, RUN_INTERNAL, "out of memory (calibration)");
        return -1;
    }
    if (rc < 0) {
        free(p);
        run__fail(r, RUN_INPUT, "%s", terr.msg);
        return -1;
    }
    char msg[256];
    rc = policy_instance_calibrate(r->policy, p, n, msg, sizeof msg);
    free(p);
    if (rc != 0) {
        run__fail(r, RUN_CONFIG, "policy %s: %s", t->name, msg);
        return -1;
    }
    return 0;
}

int run__resolve_models(const scenario *sc, uint64_t seed, uint32_t rep, llm_profile *small, llm_profile *large,
                        channel **ch, char *err, size_t errlen)
{
    *ch = NULL;
    if (llm_profile_resolve(&sc->small, "models.small", small, err, errlen) != 0 ||
        llm_profile_resolve(&sc->large, "models.large", large, err, errlen) != 0)
        return -1;
    *ch = channel_create_sites(&sc->channel, &sc->devices, &sc->sites, seed, rep, err, errlen);
    return *ch ? 0 : -1;
}

static int setup(run *r)
{
    const scenario *sc = r->sc;
    char msg[512];
    trace_error terr;
    int n = sc->devices.count;
    if (run__resolve_models(sc, r->seed, r->rep, &r->small, &r->large, &r->ch, msg, sizeof msg) != 0) {
        run__fail(r, RUN_CONFIG, "%s", msg);
        return -1;
    }
    r->devices = calloc((size_t)n, sizeof *r->devices);
    r->device_timer = calloc((size_t)n, sizeof *r->device_timer);
    r->site_edge0 = calloc((size_t)sc->sites.n, sizeof *r->site_edge0);
    r->site_n_edges = calloc((size_t)sc->sites.n, sizeof *r->site_n_edges);
    if (!r->site_edge0 || !r->site_n_edges) {
        run__fail(r, RUN_INTERNAL, "out of memory");
        return -1;
    }
    r->n_edges = 0;
    for (int s = 0; s < sc->sites.n; s++) {
        r->site_edge0[s] = r->n_edges;
        r->site_n_edges[s] = sc->sites.site[s].servers > 0 ? sc->sites.site[s].servers : sc->edge.servers;
        r->n_edges += r->site_n_edges[s];
    }
    r->kv_policy = handover_kv_find(sc->sites.handover.dialogue_kv);
    r->edge_site = calloc((size_t)r->n_edges, sizeof *r->edge_site);
    for (int s = 0; r->edge_site && s < sc->sites.n; s++)
        for (int e = r->site_edge0[s]; e < r->site_edge0[s] + r->site_n_edges[s]; e++)
            r->edge_site[e] = s;
    r->edges = calloc((size_t)r->n_edges, sizeof *r->edges);
    r->edge_timer = calloc((size_t)r->n_edges, sizeof *r->edge_timer);
    if (!r->devices || !r->device_timer || !r->edges || !r->edge_timer || !r->edge_site) {
        run__fail(r, RUN_INTERNAL, "out of memory");
        return -1;
    }
    for (int e = 0; e < r->n_edges; e++) {
        r->edges[e] = llm_server_create(&r->large);
        if (!r->edges[e]) {
            run__fail(r, RUN_INTERNAL, "out of memory");
            return -1;
        }
    }
    for (int i = 0; i < n; i++) {
        r->devices[i] = llm_server_create(&r->small);
        if (!r->devices[i]) {
            run__fail(r, RUN_INTERNAL, "out of memory");
            return -1;
        }
    }
    if (calibrate_policy(r) != 0)
        return -1;
    r->source = trace_source_create(&sc->trace, n, r->seed, r->rep, &terr);
    if (!r->source) {
        run__fail(r, RUN_INPUT, "%s", terr.msg);
        return -1;
    }
    return 0;
}

static void teardown(run *r)
{
    trace_source_destroy(r->source);
    for (int i = 0; r->devices && i < r->sc->devices.count; i++)
        llm_server_destroy(r->devices[i]);
    free(r->devices);
    free(r->device_timer);
    for (int e = 0; r->edges && e < r->n_edges; e++)
        llm_server_destroy(r->edges[e]);
    free(r->edges);
    free(r->edge_timer);
    free(r->site_edge0);
    free(r->site_n_edges);
    free(r->edge_site);
    channel_destroy(r->ch);
    sim_destroy(r->engine);
    free(r->q);
    free(r->d);
}

run_status run_one(const scenario *sc, policy_instance *pi, sink *out, const run_info *info, const run_options *opt,
                   run_stats *stats, char *err, size_t errlen)
{
    run r;
    memset(&r, 0, sizeof r);
    r.sc = sc;
    r.policy = pi;
    r.out = out;
    r.opt = opt;
    r.seed = scenario_seed(sc);
    r.rep = (uint32_t)info->replication;
    r.err = err;
    r.errlen = errlen;
    r.status = RUN_OK;
    r.q_free = r.d_free = r.open_dialogue = NONE;
    r.skipped_dialogue = -1;
    r.duration = sim_time_from_s(sc->duration_s);
    r.wall_start = wall_now();
    err[0] = '\0';

    r.engine = sim_create(on_event, &r);
    if (!r.engine) {
        snprintf(err, errlen, "out of memory");
        return RUN_INTERNAL;
    }
    int begun = 0;
    if (setup(&r) != 0)
        goto done;
    /* The policy's parameters as resolved, and what calibration derived. */
    run_info with_params = *info;
    cJSON *pj = policy_instance_to_json(pi);
    cJSON *derived = policy_instance_derived_json(pi);
    char *pj_text = pj ? cJSON_PrintUnformatted(pj) : NULL;
    char *derived_text = derived ? cJSON_PrintUnformatted(derived) : NULL;
    cJSON_Delete(pj);
    cJSON_Delete(derived);
    if (!pj_text || !derived_text) {
        free(pj_text);
        free(derived_text);
        run__fail(&r, RUN_INTERNAL, "out of memory");
        goto done;
    }
    with_params.policy_params = pj_text;
    with_params.policy_derived = derived_text;
    int begin_rc = out->type->begin_run(out, &with_params);
    free(pj_text);
    free(derived_text);
    if (begin_rc != 0) {
        run__fail(&r, RUN_OUTPUT, "%s", out->err);
        goto done;
    }
    begun = 1;
    run__pull_next(&r);
    while (r.status == RUN_OK) {
        /* Run in slices for progress lines; the interrupt flag is read after
         * every event (one load), so Ctrl-C is seen within one event's wall
         * time whatever the event rate (bench/signal_latency.sh). */
        uint64_t before = sim_executed(r.engine);
        for (int i = 0; i < 65536 && r.status == RUN_OK && !stop_requested(&r); i++)
            if (!sim_step(r.engine))
                break;
        if (stop_requested(&r)) {
            run__fail(&r, RUN_INTERRUPTED, "interrupted");
            break;
        }
        if (sim_executed(r.engine) == before)
            break;
        progress(&r);
    }
    if (r.status == RUN_OK)
        check_all_ended(&r);
done:
    r.stats.sim_end_s = sim_time_to_s(sim_now(r.engine));
    r.stats.events = sim_executed(r.engine);
    r.stats.wall_s = wall_now() - r.wall_start;
    if (begun) {
        /* Setup completed (every server exists) when the run began. */
        sim_time now = sim_now(r.engine);
        double busy = 0;
        for (int i = 0; i < sc->devices.count; i++)
            busy += llm_server_busy_s(r.devices[i], now);
        r.stats.device_busy_frac = now > 0 ? busy / sc->devices.count / sim_time_to_s(now) : NAN;
        double edge_busy = 0;
        for (int e = 0; e < r.n_edges; e++)
            edge_busy += llm_server_busy_s(r.edges[e], now);
        r.stats.edge_busy_frac = now > 0 ? edge_busy / r.n_edges / sim_time_to_s(now) : NAN;
    }
    if (begun && out->type->end_run(out, &r.stats, r.status == RUN_OK) != 0) {
        if (r.status == RUN_OK) {
            snprintf(err, errlen, "%s", out->err);
            r.status = RUN_OUTPUT;
        } else if (out->err[0] && !strstr(err, out->err)) {
            /* The failed run could not be removed either: say what is left. */
            size_t len = strlen(err);
            snprintf(err + len, errlen - len, "; %s", out->err);
        }
    }
    if (r.status == RUN_OK && r.stats.n_queries == 0 && !opt->quiet && opt->progress)
        fprintf(opt->progress, "edgesim: warning: %s: no query ran (empty trace, or every arrival after duration_s)\n",
                opt->label ? opt->label : "run");
    *stats = r.stats;
    teardown(&r);
    return r.status;
}
