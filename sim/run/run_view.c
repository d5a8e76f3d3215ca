/* run_view.c -- what the router sees at a decision: the query, the radio as
 * its CSI shows it, the load, and for every model a latency estimate and a
 * switching cost computed from the same models the simulation runs
 * (docs/MODEL.md section 5 and "Tiers"). */
#include <math.h>
#include <string.h>

#include "sim/base/rng.h"
#include "run_int.h"

/* Decode time of `out` tokens after the first at batch b with context sum C. */
static double decode_estimate_s(const llm_profile *p, int batch, double context_sum, double ctx, double out)
{
    if (out <= 1)
        return 0;
    /* Every step adds one token to this sequence's context: use the mean. */
    return (out - 1) * llm_decode_step_s(p, batch, context_sum + ctx + out / 2);
}

/* What every estimate of one decision shares. */
typedef struct view_ctx {
    int history, cached_cap;
    int64_t dlg;
    double n, out, ctx;
    double ul_s, dl_s, rate_ul;
    double up_bytes, dl_first_bytes, dl_rest_bytes;
    int sees_csw;
    const dstate *d;
} view_ctx;

static int cached_tokens(const view_ctx *c, llm_server *s)
{
    int cached = c->dlg >= 0 ? llm_server_cached_tokens(s, c->dlg) : 0;
    return cached > c->history ? c->history : cached;
}

/* A device-tier model on this device: device wait, prefill of the new
 * tokens on the full history, predicted decode at batch 1.  With
 * device.memory "one" the wait is the device's (every model's queries, and
 * their loads), plus this model's load_s unless it is the one loaded by
 * then (docs/MODEL.md "Several models on a device"). */
static void estimate_device(run *r, int m, int dev, const view_ctx *c, policy_model *pm, double *work_s)
{
    const llm_profile *prof = &r->models[m].prof;
    llm_server *ds = r->models[m].srv[dev];
    int cached = cached_tokens(c, ds);
    double load_s = 0;
    if (r->dev_mem) {
        int loaded;
        *work_s = run__device_wait_s(r, dev, &loaded);
        if (loaded != m) {
            load_s = r->models[m].cfg->load_s;
            cached = 0; /* an unloaded model keeps no KV */
        }
    } else {
        *work_s = llm_server_backlog_s(ds, sim_now(r->engine));
    }
    pm->cached = cached;
    pm->est_s = *work_s + load_s + llm_prefill_s(prof, c->n, c->history) + decode_estimate_s(prof, 1, 0, c->ctx, c->out);
    pm->csw_s = c->history > cached ? llm_prefill_s(prof, c->history - cached, cached) : 0;
    if (!c->sees_csw)
        pm->csw_s = 0;
}

/* An edge- or cloud-tier model: uplink, (WAN,) wait, prefill, decode in its
 * batch, (WAN,) downlink; its switching cost rebuilds the KV it lacks and
 * uploads the dialogue text it has not seen.  Over the serving site's edge
 * servers the router picks the one with the smallest estimate plus
 * switching cost.  If an edge model's dialogue KV is at another site (a
 * handover since its last turn there), handover.dialogue_kv says what the
 * candidates are and cost (docs/CHANNEL.md "Dialogue KV across a
 * handover"): drop: the serving site's servers, rebuilding it all; stay:
 * the old server only, plus the backhaul legs of the request and the
 * answer; migrate: the serving site's servers with the KV sent over the
 * backhaul, waited for if it arrives after the uplink.  Returns the server
 * chosen; q->model_seen[m], model_kv_action[m], model_kv_tokens[m] hold what
 * the run loop needs if the policy picks this model. */
static int estimate_remote(run *r, uint32_t slot, int m, int site, const view_ctx *c, policy_model *pm,
                           double *backlog_s)
{
    qstate *q = &r->q[slot];
    const run_model *rm = &r->models[m];
    const llm_profile *prof = &rm->prof;
    const channel_config *cc = &r->sc->channel;
    sim_time now = sim_now(r->engine);
    int cloud = rm->tier == LLM_TIER_CLOUD;
    int e0 = cloud ? 0 : r->site_edge0[site], e1 = cloud ? rm->n_srv : e0 + r->site_n_edges[site];
    double wan_up = cloud ? llm_wan_leg_s(&rm->cfg->wan, c->up_bytes) : 0;
    double wan_down = cloud ? llm_wan_leg_s(&rm->cfg->wan, c->dl_rest_bytes) : 0;
    int kv_server = c->d ? c->d->seen_server[m] : -1;
    int kv_elsewhere = !cloud && kv_server >= 0 && r->edge_site[kv_server] != site;
    handover_kv kv = r->kv_policy;
    q->model_kv_action[m] = kv_elsewhere ? (int)kv : -1;
    q->model_kv_tokens[m] = 0;
    double kv_s = 0;
    if (kv_elsewhere && kv == HANDOVER_KV_MIGRATE && c->dlg >= 0) {
        int tokens = llm_server_cached_tokens(rm->srv[kv_server], c->dlg);
        q->model_kv_tokens[m] = tokens < c->history ? tokens : c->history;
        if (q->model_kv_tokens[m] > 0)
            kv_s = sites_backhaul_s(&r->sc->sites, q->model_kv_tokens[m] * prof->kv_bytes_per_token);
    }
    if (kv_elsewhere && kv == HANDOVER_KV_STAY) {
        e0 = kv_server;
        e1 = kv_server + 1;
    }
    double best = INFINITY;
    int chosen = e0;
    /* Cloud replicas are tried from the query id on, so that equal estimates
     * (idle replicas) do not all send their requests to the first one while
     * the requests are still on the uplink and the WAN. */
    int first = cloud ? (int)((uint64_t)q->rec.query_id % (uint64_t)(e1 - e0)) : 0;
    for (int k = 0; k < e1 - e0; k++) {
        int e = e0 + (first + k) % (e1 - e0);
        llm_server *es = rm->srv[e];
        int cached = c->dlg >= 0 ? llm_server_cached_tokens(es, c->dlg) : 0;
        int seen = c->d && c->d->seen_server[m] == e ? c->d->seen_tokens[m] : 0;
        if (kv_elsewhere && kv == HANDOVER_KV_MIGRATE) {
            /* The dialogue's text and KV move to the chosen server. */
            cached = cached > q->model_kv_tokens[m] ? cached : q->model_kv_tokens[m];
            seen = c->d->seen_tokens[m];
        }
        if (cached > c->history)
            cached = c->history;
        int unseen = c->history - seen;
        double kv_tokens = prof->kv_bytes_per_token > 0 ? llm_server_kv_used_bytes(es) / prof->kv_bytes_per_token : 0;
        double backlog = llm_server_backlog_s(es, now);
        double decode = decode_estimate_s(prof, llm_server_running(es) + 1, kv_tokens, c->ctx, c->out);
        double est = cloud ? c->ul_s + wan_up + backlog + llm_prefill_s(prof, c->n, c->history) + decode + wan_down +
                                 c->dl_s
                           : c->ul_s + backlog + llm_prefill_s(prof, c->n, c->history) + decode + c->dl_s;
        double csw = c->history > cached ? llm_prefill_s(prof, c->history - cached, cached) : 0;
        double unseen_s = unseen > 0 ? (c->rate_ul > 0 ? 8 * cc->bytes_per_token * unseen / c->rate_ul : INFINITY) : 0;
        csw += unseen_s;
        if (cloud && unseen > 0)
            csw += 8 * cc->bytes_per_token * unseen / rm->cfg->wan.bandwidth_bps;
        if (kv_elsewhere && kv == HANDOVER_KV_STAY)
            csw += sites_backhaul_s(&r->sc->sites, channel_uplink_bytes(cc, c->n + unseen, q->row.extra_payload_bytes)) +
                   sites_backhaul_s(&r->sc->sites, c->out > 1 ? channel_downlink_rest_bytes(cc, c->out)
                                                             : channel_downlink_first_bytes(cc));
        if (kv_elsewhere && kv == HANDOVER_KV_MIGRATE && kv_s > c->ul_s + unseen_s)
            csw += kv_s - (c->ul_s + unseen_s);
        if (!c->sees_csw)
            csw = 0;
        if (k == 0 || est + csw < best) {
            best = est + csw;
            chosen = e;
            q->model_seen[m] = seen;
            pm->est_s = est;
            pm->csw_s = csw;
            pm->cached = cached;
            *backlog_s = backlog;
        }
    }
    return chosen;
}

void run__fill_view(run *r, uint32_t slot, policy_view *v)
{
    qstate *q = &r->q[slot];
    record *rec = &q->rec;
    const channel_config *cc = &r->sc->channel;
    const dstate *d = q->dialogue != NONE ? &r->d[q->dialogue] : NULL;
    sim_time now = sim_now(r->engine);
    int dev = rec->device;
    int history = d ? d->history_tokens : 0;
    int64_t dlg = rec->dialogue_id;

    memset(v, 0, sizeof *v);
    v->query_id = rec->query_id;
    v->dialogue_id = dlg;
    v->turn = rec->turn > 0 ? rec->turn : 0;
    v->device = dev;
    v->in_tokens = rec->in_tokens;
    v->context_tokens = history;
    v->out_tokens_pred = rec->out_tokens_pred;
    v->p_large = rec->p_large;
    int oracle = r->policy->type->needs_oracle;
    v->q_small = oracle ? rec->q_small : NAN;
    v->q_large = oracle ? rec->q_large : NAN;
    v->u01 = rng_hash_uniform(r->seed, r->rep, RNG_POLICY, 0, (uint64_t)rec->query_id);
    v->prev_route = d ? d->prev_route : -1;

    v->snr_db = channel_csi_snr_db(r->ch, dev, now, r->sc->router.csi_delay_s, r->sc->router.csi_error_db);
    /* The serving site: its band, its edge servers. */
    int site = channel_serving_site(r->ch, dev, now);
    int n_up = channel_on_air_site(r->ch, site, LINK_UP) + 1, n_down = channel_on_air_site(r->ch, site, LINK_DOWN) + 1;
    /* The rate the router expects at the SNR it sees, with today's sharing:
     * the channel's own rate function (gap, cap, CQI table, outage). */
    double rate_ul = channel_rate_at_snr_bps(r->ch, LINK_UP, v->snr_db, n_up);
    v->rate_ul_bps = rate_ul;
    double rate_dl = channel_rate_bps(r->ch, dev, LINK_DOWN, now, n_down);

    view_ctx c = {.history = history, .dlg = dlg, .d = d, .sees_csw = r->sc->router.sees_switch_cost,
                  .rate_ul = rate_ul};
    c.n = rec->in_tokens;
    c.out = rec->out_tokens_pred;
    c.ctx = history + c.n;
    c.up_bytes = channel_uplink_bytes(cc, c.n, q->row.extra_payload_bytes);
    c.dl_rest_bytes = channel_downlink_rest_bytes(cc, c.out + 1);
    c.ul_s = rate_ul > 0 ? cc->access_s + 8 * c.up_bytes / rate_ul : INFINITY;
    c.dl_s = rate_dl > 0 ? cc->access_s + 8 * c.dl_rest_bytes / rate_dl : INFINITY;

    int seen_device = 0, seen_edge = 0;
    for (int m = 0; m < r->n_models; m++) {
        const run_model *rm = &r->models[m];
        policy_model *pm = &r->view_models[m];
        pm->name = rm->cfg->name;
        pm->tier = (int)rm->tier;
        pm->p = rec->model_p[m];
        pm->q = oracle ? rec->model_q[m] : NAN;
        pm->cost = llm_query_cost(rm->cfg, history + c.n, c.out);
        if (rm->tier == LLM_TIER_DEVICE) {
            double work;
            estimate_device(r, m, dev, &c, pm, &work);
            q->server[m] = dev;
            q->model_seen[m] = 0;
            q->model_kv_action[m] = -1;
            q->model_kv_tokens[m] = 0;
            if (!seen_device++) {
                llm_server *ds = rm->srv[dev];
                v->device_queue = llm_server_waiting(ds) + llm_server_running(ds);
                if (r->dev_mem) { /* the device's one queue: the query served and those waiting */
                    v->device_queue = r->dev_mem[dev].serving != NONE;
                    for (uint32_t i = r->dev_mem[dev].head; i != NONE; i = r->q[i].next_dev)
                        v->device_queue++;
                }
                v->device_work_s = work;
            }
        } else {
            double backlog = 0;
            q->server[m] = estimate_remote(r, slot, m, site, &c, pm, &backlog);
            if (!seen_edge++) {
                llm_server *es = rm->srv[q->server[m]];
                v->edge_waiting = llm_server_waiting(es);
                v->edge_running = llm_server_running(es);
                v->edge_kv_used_frac =
                    rm->prof.kv_capacity_bytes > 0 ? llm_server_kv_used_bytes(es) / rm->prof.kv_capacity_bytes : 0;
                v->edge_work_s = backlog;
            }
        }
    }
    /* The two-model fields: the first two models. */
    const policy_model *small = &r->view_models[0], *large = &r->view_models[r->n_models > 1 ? 1 : 0];
    v->est_small_s = small->est_s;
    v->est_large_s = large->est_s;
    v->csw_small_s = small->csw_s;
    v->csw_large_s = large->csw_s;
    v->cached_small = small->cached;
    v->cached_large = large->cached;
    v->n_models = r->n_models;
    v->models = r->view_models;
}
