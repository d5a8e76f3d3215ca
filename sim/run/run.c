/* run.c -- the life of every query in one run (docs/MODEL.md section 1).
 *
 * Events (kind, id):
 *   EV_ARRIVAL  query slot   a query or dialogue turn reaches its device
 *   EV_DECIDE   query slot   router overhead over: the policy decides
 *   EV_CHANNEL  -            the channel has work (transfer end, block edge)
 *   EV_SERVER   server       a model server's iteration ends (arg: the model; id: the
 *                            device, edge server or 0 for the cloud)
 *   EV_WAN      query slot   a cloud query's WAN leg ends (arg: the XFER_* leg)
 *   EV_BACKHAUL query slot   a request or answer chunk (arg: XFER_*) is through
 *                            the backhaul, or a migrated KV has arrived
 *   EV_DEADLINE query slot   deadline_s after its arrival: the query is abandoned
 *   EV_LOAD     query slot   its model is in its device's memory (device.memory "one")
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

static void timer_set(run *r, timer *t, sim_time next, uint32_t kind, uint32_t id, uint64_t arg)
{
    if (t->handle && t->at == next)
        return;
    if (t->handle)
        sim_cancel(r->engine, t->handle);
    t->handle = 0;
    t->at = next;
    if (next == SIM_TIME_NEVER)
        return;
    t->handle = sim_schedule(r->engine, next, kind, id, arg);
    if (!t->handle)
        run__fail(r, RUN_INTERNAL, "out of memory (event queue)");
}

static void touch_channel(run *r)
{
    timer_set(r, &r->channel_timer, channel_next_event(r->ch), EV_CHANNEL, 0, 0);
}

/* Server i of model m. */
static void touch_server(run *r, int m, int i)
{
    run_model *rm = &r->models[m];
    timer_set(r, &rm->tmr[i], llm_server_next_event(rm->srv[i]), EV_SERVER, (uint32_t)i, (uint64_t)m);
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

/* The request reaches server i of model m at `at` (the device at the
 * decision; an edge server after the uplink, and the backhaul with stay or
 * migrate; the cloud after the uplink and the WAN): a migrated KV is
 * retained there first. */
static void submit(run *r, uint32_t slot, int m, int i, sim_time at)
{
    qstate *q = &r->q[slot];
    record *rec = &q->rec;
    llm_server *srv = r->models[m].srv[i];
    q->t_edge_arrive = at;
    if (q->kv_action == HANDOVER_KV_MIGRATE && q->kv_tokens > 0 &&
        llm_server_import_kv(srv, rec->dialogue_id, q->kv_tokens) != 0) {
        run__fail(r, RUN_INTERNAL, "out of memory (edge KV)");
        return;
    }
    llm_request req = {.tag = slot, .dialogue = rec->dialogue_id, .history_tokens = q->history_tokens,
                       .new_tokens = rec->in_tokens, .out_tokens = rec->out_tokens,
                       .out_tokens_est = rec->out_tokens_pred};
    int rc = llm_server_submit(srv, at, &req);
    if (rc < 0)
        run__fail(r, RUN_INTERNAL, "out of memory (%s queue)", llm_tier_names[r->models[m].tier]);
    else if (rc > 0)
        abandon(r, slot, QUERY_REJECTED, at);
    else
        touch_server(r, m, i);
}

/* Query `slot` crosses the WAN of its cloud model (docs/MODEL.md section
 * 10): leg `kind` (XFER_*) of `bytes` ends at `from` + rtt_s/2 +
 * 8*bytes/bandwidth_bps; returns that time in s.  The event is held like a
 * backhaul leg (a cloud query has none), so that abandoning cancels it. */
static double wan_leg(run *r, uint32_t slot, int kind, sim_time from, double bytes)
{
    const run_model *rm = &r->models[r->q[slot].rec.route];
    double leg_s = llm_wan_leg_s(&rm->cfg->wan, bytes);
    r->q[slot].backhaul_ev[kind] = sim_schedule(r->engine, from + sim_time_from_s(leg_s), EV_WAN, slot, (uint64_t)kind);
    if (!r->q[slot].backhaul_ev[kind])
        run__fail(r, RUN_INTERNAL, "out of memory (event queue)");
    return leg_s;
}

/* ---- device.memory "one": a device's models share its memory and its
 * compute (docs/MODEL.md "Several models on a device") ---- */

/* Start the device's next queries while it is free: a query whose model is
 * loaded goes to that model's server; another first unloads the loaded one
 * (its idle KV goes with it) and loads its own for load_s.  Never called
 * from inside a device server's callback (submit may hit the same server). */
static void device_dispatch(run *r, int dev)
{
    devmem *dm = &r->dev_mem[dev];
    while (dm->serving == NONE && dm->head != NONE && r->status == RUN_OK) {
        uint32_t slot = dm->head;
        qstate *q = &r->q[slot];
        dm->head = q->next_dev;
        if (dm->head == NONE)
            dm->tail = NONE;
        dm->serving = slot;
        int m = q->rec.route;
        sim_time now = sim_now(r->engine);
        if (m == dm->loaded) {
            q->rec.load_s = 0;
            submit(r, slot, m, dev, now); /* a rejection ends it and frees the device */
            continue;
        }
        if (dm->loaded >= 0)
            llm_server_release_idle_kv(r->models[dm->loaded].srv[dev]);
        dm->loaded = -1;
        q->rec.load_s = r->models[m].cfg->load_s;
        dm->load_end = now + sim_time_from_s(q->rec.load_s);
        dm->load_ev = sim_schedule(r->engine, dm->load_end, EV_LOAD, slot, 0);
        if (!dm->load_ev)
            run__fail(r, RUN_INTERNAL, "out of memory (event queue)");
    }
}

/* A device-tier query ends (done or abandoned): the device is free if it
 * was serving it; else it leaves the queue. */
static void device_release(run *r, uint32_t slot)
{
    qstate *q = &r->q[slot];
    devmem *dm = &r->dev_mem[q->rec.device];
    if (dm->serving == slot) {
        if (dm->load_ev) { /* abandoned while loading: nothing is in memory; load_s is the part done */
            sim_cancel(r->engine, dm->load_ev);
            dm->load_ev = 0;
            q->rec.load_s -= sim_time_to_s(dm->load_end - sim_now(r->engine));
            r->load_busy_s += q->rec.load_s;
        }
        dm->serving = NONE;
        return;
    }
    for (uint32_t *link = &dm->head, prev = NONE; *link != NONE; prev = *link, link = &r->q[*link].next_dev)
        if (*link == slot) {
            *link = q->next_dev;
            if (dm->tail == slot)
                dm->tail = prev;
            return;
        }
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
    if ((int)rt < 0 || (int)rt >= r->n_models) {
        /* A plug-in's answer is the user's configuration; a built-in's, a bug. */
        if (r->policy->plugin && r->n_models == 2)
            run__fail(r, RUN_CONFIG,
                      "policy plug-in %s (policy %s): decide returned %d on query %lld, not ROUTE_SMALL (0) or "
                      "ROUTE_LARGE (1)",
                      r->policy->plugin, r->policy->type->name, (int)rt, (long long)v.query_id);
        else if (r->policy->plugin)
            run__fail(r, RUN_CONFIG,
                      "policy plug-in %s (policy %s): decide returned %d on query %lld, not a model index in 0..%d",
                      r->policy->plugin, r->policy->type->name, (int)rt, (long long)v.query_id, r->n_models - 1);
        else
            run__fail(r, RUN_INTERNAL, "policy %s: decide returned %d on query %lld, not a model index in 0..%d",
                      r->policy->type->name, (int)rt, (long long)v.query_id, r->n_models - 1);
        return;
    }
    int m = (int)rt;
    const run_model *rm = &r->models[m];
    const dstate *d = q->dialogue != NONE ? &r->d[q->dialogue] : NULL;
    rec->route = m;
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
    for (int i = 0; i < r->n_models; i++) {
        rec->model_est_s[i] = r->view_models[i].est_s;
        rec->model_csw_s[i] = r->view_models[i].csw_s;
    }
    rec->context_tokens = v.context_tokens;
    if (d)
        rec->switched = d->prev_route >= 0 && d->prev_route != m;
    q->history_tokens = v.context_tokens;
    q->edge = q->server[m];
    q->seen_tokens = q->model_seen[m];
    q->kv_action = q->model_kv_action[m];
    q->kv_tokens = q->model_kv_tokens[m];
    rec->cost = llm_query_cost(rm->cfg, (double)rec->context_tokens + rec->in_tokens, rec->out_tokens);

    if (rm->tier == LLM_TIER_DEVICE && r->dev_mem) {
        devmem *dm = &r->dev_mem[rec->device];
        q->next_dev = NONE;
        if (dm->tail == NONE)
            dm->head = slot;
        else
            r->q[dm->tail].next_dev = slot;
        dm->tail = slot;
        device_dispatch(r, rec->device);
        return;
    }
    if (rm->tier == LLM_TIER_DEVICE) {
        submit(r, slot, m, rec->device, now);
        return;
    }
    int unseen = q->history_tokens - q->seen_tokens;
    rec->edge_server = rm->tier == LLM_TIER_EDGE ? q->edge : -1;
    rec->kv_action = q->kv_action;
    if (q->kv_action == HANDOVER_KV_MIGRATE) {
        /* The KV leaves the old server now and reaches the new one over the
         * backhaul while the request is on the uplink. */
        double bytes = q->kv_tokens * rm->prof.kv_bytes_per_token;
        llm_server_release_kv(rm->srv[d->seen_server[m]], rec->dialogue_id);
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
    if (r->dev_mem && rec->route >= 0 && r->models[rec->route].tier == LLM_TIER_DEVICE)
        device_release(r, slot);
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
            if (r->models[rec->route].tier != LLM_TIER_DEVICE) {
                d->seen_tokens[rec->route] = d->history_tokens;
                d->seen_server[rec->route] = q->edge;
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
    const run_model *rm = &r->models[rec->route];
    rec->quality = rec->model_q[rec->route];
    if (rm->tier == LLM_TIER_DEVICE)
        rec->energy_j = rm->prof.power_w * (rec->t_done - rec->t_queue_end);
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
    if (rec->route >= 0 && r->models[rec->route].tier != LLM_TIER_DEVICE) {
        int held = 0;
        for (uint64_t kind = XFER_UL; kind <= XFER_DL_REST; kind++)
            held |= channel_transfer_cancel(r->ch, t, (uint64_t)slot << 2 | kind);
        if (held)
            touch_channel(r);
        if (llm_server_cancel(r->models[rec->route].srv[q->edge], t, slot))
            touch_server(r, rec->route, q->edge);
    } else if (rec->route >= 0) {
        if (llm_server_cancel(r->models[rec->route].srv[rec->device], t, slot))
            touch_server(r, rec->route, rec->device);
    }
    rec->status = status;
    int device = rec->device, on_device = rec->route >= 0 && r->models[rec->route].tier == LLM_TIER_DEVICE;
    end_query(r, slot, t);
    if (r->dev_mem && on_device)
        device_dispatch(r, device);
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

/* A query on an edge or cloud model is done when its generation ended and
 * both downlink chunks arrived. */
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
        if (r->models[rec->route].tier == LLM_TIER_CLOUD) {
            rec->wan_up_s = wan_leg(r, slot, XFER_UL, done->t_end, rec->bytes_up);
            break;
        }
        sim_time at = done->t_end;
        if (q->kv_action == HANDOVER_KV_STAY)
            at += backhaul_leg(r, q, rec->bytes_up);
        else if (q->kv_action == HANDOVER_KV_MIGRATE && q->t_kv_arrive > at)
            at = q->t_kv_arrive;
        if (at > done->t_end)
            backhaul_event(r, slot, XFER_UL, at);
        else
            submit(r, slot, rec->route, q->edge, at);
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

/* Events of an edge or cloud server. */
static void on_remote(void *ctx, const llm_event *ev)
{
    run *r = ctx;
    uint32_t slot = (uint32_t)ev->tag;
    qstate *q = &r->q[slot];
    record *rec = &q->rec;
    int cloud = r->models[rec->route].tier == LLM_TIER_CLOUD;
    switch (ev->kind) {
    case LLM_EV_ADMIT:
        rec->t_queue_end = sim_time_to_s(ev->t);
        rec->queue_wait_s = rec->t_queue_end - sim_time_to_s(q->t_edge_arrive);
        rec->cached_tokens = ev->cached_tokens;
        rec->recomputed_tokens = ev->recomputed_tokens;
        break;
    case LLM_EV_FIRST_TOKEN:
        rec->t_prefill_end = sim_time_to_s(ev->t);
        if (cloud)
            rec->wan_down_s = wan_leg(r, slot, XFER_DL_FIRST, ev->t, chunk_bytes(r, q, XFER_DL_FIRST));
        else
            start_downlink(r, slot, XFER_DL_FIRST, sim_now(r->engine));
        break;
    case LLM_EV_DONE:
        q->gen_done = 1;
        rec->t_decode_end = sim_time_to_s(ev->t);
        if (rec->out_tokens > 1 && cloud)
            wan_leg(r, slot, XFER_DL_REST, ev->t, chunk_bytes(r, q, XFER_DL_REST));
        else if (rec->out_tokens > 1)
            start_downlink(r, slot, XFER_DL_REST, sim_now(r->engine));
        else
            q->rest_done = 1;
        maybe_finish_large(r, slot, ev->t);
        break;
    }
}

/* Events of a device server. */
static void on_device(void *ctx, const llm_event *ev)
{
    run *r = ctx;
    uint32_t slot = (uint32_t)ev->tag;
    record *rec = &r->q[slot].rec;
    switch (ev->kind) {
    case LLM_EV_ADMIT:
        rec->t_queue_end = sim_time_to_s(ev->t);
        rec->queue_wait_s = rec->t_queue_end - rec->t_dec - (isnan(rec->load_s) ? 0 : rec->load_s);
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
    case EV_SERVER: {
        int m = (int)ev->arg;
        run_model *rm = &r->models[m];
        rm->tmr[ev->id].handle = 0;
        int device = rm->tier == LLM_TIER_DEVICE;
        llm_server_advance(rm->srv[ev->id], now, device ? on_device : on_remote, r);
        touch_server(r, m, (int)ev->id);
        if (device && r->dev_mem)
            device_dispatch(r, (int)ev->id); /* after the callbacks: a query may have freed the device */
        if (!device)
            touch_channel(r);
        break;
    }
    case EV_LOAD: {
        qstate *q = &r->q[ev->id];
        devmem *dm = &r->dev_mem[q->rec.device];
        dm->load_ev = 0;
        dm->loaded = q->rec.route;
        r->load_busy_s += q->rec.load_s;
        submit(r, ev->id, q->rec.route, q->rec.device, now);
        break;
    }
    case EV_BACKHAUL:
    case EV_WAN: /* the backhaul or WAN leg ended: the server, or the radio downlink */
        r->q[ev->id].backhaul_ev[ev->arg] = 0;
        if (ev->arg == XFER_UL)
            submit(r, ev->id, r->q[ev->id].rec.route, r->q[ev->id].edge, now);
        else
            start_downlink_at(r, ev->id, (int)ev->arg, now);
        touch_channel(r);
        break;
    }
}

/* ---- set-up, loop, tear-down ---- */

/* Where a query that has not ended is, for messages. */
static const char *query_stage(const run *r, const qstate *q)
{
    const record *rec = &q->rec;
    if (rec->route < 0)
        return "arrival or router";
    if (rec->route >= 0 && r->models[rec->route].tier == LLM_TIER_DEVICE)
        return !isnan(rec->t_queue_end) ? "device model"
               : r->dev_mem && r->dev_mem[rec->device].serving == (uint32_t)(q - r->q) &&
                       r->dev_mem[rec->device].load_ev
                   ? "device model load"
                   : "device queue";
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
              live, (long long)q->rec.query_id, q->rec.device, query_stage(r, q));
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

int run__resolve_models(const scenario *sc, uint64_t seed, uint32_t rep, llm_profile *profiles, channel **ch,
                        char *err, size_t errlen)
{
    char path[64];
    *ch = NULL;
    for (int m = 0; m < sc->n_models; m++) {
        snprintf(path, sizeof path, "models.%s", sc->models[m].name);
        if (llm_profile_resolve(&sc->models[m], path, &profiles[m], err, errlen) != 0)
            return -1;
    }
    *ch = channel_create_sites(&sc->channel, &sc->devices, &sc->sites, seed, rep, err, errlen);
    return *ch ? 0 : -1;
}

/* The trace columns of every model: q required, p optional (the base
 * model's p is 0 without a column). */
static int map_model_columns(run *r)
{
    for (int m = 0; m < r->n_models; m++) {
        run_model *rm = &r->models[m];
        const char *name;
        rm->q_col = rm->p_col = -1;
        for (int i = 0; (name = trace_source_model_name(r->source, i)) != NULL; i++) {
            if (strcmp(name, rm->cfg->name) == 0) {
                rm->q_col = i; /* the row holds NAN where the file has only p_ */
                rm->p_col = i;
            }
        }
        int fixed_q = strcmp(rm->cfg->name, "small") == 0 || strcmp(rm->cfg->name, "large") == 0;
        if (!fixed_q && rm->q_col < 0) {
            run__fail(r, RUN_INPUT, "trace: no column q_%s for model %s (models.%s): a trace names every model's "
                      "quality", rm->cfg->name, rm->cfg->name, rm->cfg->name);
            return -1;
        }
    }
    return 0;
}

static int setup(run *r)
{
    const scenario *sc = r->sc;
    char msg[512];
    trace_error terr;
    int n = sc->devices.count;
    llm_profile profiles[LLM_MAX_MODELS];
    r->n_models = sc->n_models;
    const policy_type *pt = r->policy->type;
    if (policy_type_pairwise(pt) && r->n_models != 2) {
        run__fail(r, RUN_CONFIG, "policy %s routes between exactly two models (%s), the scenario has %d",
                  pt->name, pt->api_version < 2 ? "policy API version 1" : "a pairwise policy", r->n_models);
        return -1;
    }
    if (run__resolve_models(sc, r->seed, r->rep, profiles, &r->ch, msg, sizeof msg) != 0) {
        run__fail(r, RUN_CONFIG, "%s", msg);
        return -1;
    }
    for (int m = 0; m < r->n_models; m++) {
        run_model *rm = &r->models[m];
        rm->cfg = &sc->models[m];
        rm->tier = (llm_tier)llm_tier_find(rm->cfg->tier);
        rm->prof = profiles[m];
    }
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
    if (!r->edge_site) {
        run__fail(r, RUN_INTERNAL, "out of memory");
        return -1;
    }
    for (int s = 0; s < sc->sites.n; s++)
        for (int e = r->site_edge0[s]; e < r->site_edge0[s] + r->site_n_edges[s]; e++)
            r->edge_site[e] = s;
    /* Edge and cloud servers first, then the devices' (the order servers
     * were always made in; it does not change results). */
    for (int pass = 0; pass < 2; pass++)
        for (int m = 0; m < r->n_models; m++) {
            run_model *rm = &r->models[m];
            if ((rm->tier == LLM_TIER_DEVICE) != pass)
                continue;
            rm->n_srv = rm->tier == LLM_TIER_DEVICE ? n : rm->tier == LLM_TIER_EDGE ? r->n_edges
                       : rm->cfg->replicas > 1 ? rm->cfg->replicas : 1;
            rm->srv = calloc((size_t)rm->n_srv, sizeof *rm->srv);
            rm->tmr = calloc((size_t)rm->n_srv, sizeof *rm->tmr);
            if (!rm->srv || !rm->tmr) {
                run__fail(r, RUN_INTERNAL, "out of memory");
                return -1;
            }
            for (int i = 0; i < rm->n_srv; i++) {
                rm->srv[i] = llm_server_create(&rm->prof);
                if (!rm->srv[i]) {
                    run__fail(r, RUN_INTERNAL, "out of memory");
                    return -1;
                }
            }
        }
    if (llm_device_memory_of(&sc->device) == LLM_DEVICE_MEMORY_ONE) {
        /* At the start the first device-tier model is in every device's memory. */
        int first = -1;
        for (int m = r->n_models - 1; m >= 0; m--)
            if (r->models[m].tier == LLM_TIER_DEVICE)
                first = m;
        r->dev_mem = malloc((size_t)n * sizeof *r->dev_mem);
        if (!r->dev_mem) {
            run__fail(r, RUN_INTERNAL, "out of memory");
            return -1;
        }
        for (int i = 0; i < n; i++)
            r->dev_mem[i] = (devmem){.loaded = first, .serving = NONE, .head = NONE, .tail = NONE};
    }
    if (calibrate_policy(r) != 0)
        return -1;
    r->source = trace_source_create(&sc->trace, n, r->seed, r->rep, &terr);
    if (!r->source) {
        run__fail(r, RUN_INPUT, "%s", terr.msg);
        return -1;
    }
    return map_model_columns(r);
}

static void teardown(run *r)
{
    trace_source_destroy(r->source);
    for (int m = 0; m < r->n_models; m++) {
        run_model *rm = &r->models[m];
        for (int i = 0; rm->srv && i < rm->n_srv; i++)
            llm_server_destroy(rm->srv[i]);
        free(rm->srv);
        free(rm->tmr);
    }
    free(r->site_edge0);
    free(r->site_n_edges);
    free(r->edge_site);
    free(r->dev_mem);
    channel_destroy(r->ch);
    sim_destroy(r->engine);
    free(r->q);
    free(r->d);
}

/* Mean busy fraction of the servers of device-tier models (device 1) or of
 * the others (device 0) up to `now`.  With device.memory "one" a device's
 * models share it: its busy time is theirs summed, plus its loads. */
static double busy_frac(const run *r, int device, sim_time now)
{
    double busy = 0;
    int n = 0;
    if (device && r->dev_mem) {
        for (int m = 0; m < r->n_models; m++)
            if (r->models[m].tier == LLM_TIER_DEVICE)
                for (int i = 0; i < r->models[m].n_srv; i++)
                    busy += llm_server_busy_s(r->models[m].srv[i], now);
        busy += r->load_busy_s;
        n = r->sc->devices.count;
        return now > 0 && n > 0 ? busy / n / sim_time_to_s(now) : NAN;
    }
    for (int m = 0; m < r->n_models; m++) {
        const run_model *rm = &r->models[m];
        if ((rm->tier == LLM_TIER_DEVICE) != device)
            continue;
        for (int i = 0; i < rm->n_srv; i++)
            busy += llm_server_busy_s(rm->srv[i], now);
        n += rm->n_srv;
    }
    return now > 0 && n > 0 ? busy / n / sim_time_to_s(now) : NAN;
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
    char derived_err[512];
    cJSON *derived = policy_instance_derived_json(pi, derived_err, sizeof derived_err);
    char *pj_text = pj ? cJSON_PrintUnformatted(pj) : NULL;
    char *derived_text = derived ? cJSON_PrintUnformatted(derived) : NULL;
    cJSON_Delete(pj);
    cJSON_Delete(derived);
    if (!pj_text || !derived_text) {
        free(pj_text);
        free(derived_text);
        /* A plug-in's bad derived hook is configuration; a built-in's, a bug. */
        if (derived_err[0])
            run__fail(&r, pi->plugin ? RUN_CONFIG : RUN_INTERNAL, "%s", derived_err);
        else
            run__fail(&r, RUN_INTERNAL, "out of memory");
        goto done;
    }
    with_params.policy_params = pj_text;
    with_params.policy_derived = derived_text;
    with_params.n_models = r.n_models;
    for (int m = 0; m < r.n_models; m++) {
        snprintf(with_params.model_names[m], sizeof with_params.model_names[m], "%s", sc->models[m].name);
        snprintf(with_params.model_tiers[m], sizeof with_params.model_tiers[m], "%s", sc->models[m].tier);
    }
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
        r.stats.device_busy_frac = busy_frac(&r, 1, now);
        r.stats.edge_busy_frac = busy_frac(&r, 0, now);
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
