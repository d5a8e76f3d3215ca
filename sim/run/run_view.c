/* run_view.c -- what the router sees at a decision: the query, the radio as
 * its CSI shows it, the load, and latency estimates computed from the same
 * models the simulation runs (docs/MODEL.md section 5). */
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

void run__fill_view(run *r, uint32_t slot, policy_view *v)
{
    qstate *q = &r->q[slot];
    const record *rec = &q->rec;
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
    if (r->policy->type->needs_oracle) {
        v->q_small = rec->q_small;
        v->q_large = rec->q_large;
    } else {
        v->q_small = v->q_large = NAN;
    }
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

    llm_server *ds = r->devices[dev];
    v->device_queue = llm_server_waiting(ds) + llm_server_running(ds);
    v->device_work_s = llm_server_backlog_s(ds, now);

    int cached_small = dlg >= 0 ? llm_server_cached_tokens(ds, dlg) : 0;
    if (cached_small > history)
        cached_small = history;
    v->cached_small = cached_small;

    double n = rec->in_tokens, out = rec->out_tokens_pred, ctx = history + n;
    /* Small: device wait, prefill of the new tokens on the full history,
     * predicted decode at batch 1. */
    v->est_small_s = v->device_work_s + llm_prefill_s(&r->small, n, history) +
                     decode_estimate_s(&r->small, 1, 0, ctx, out);
    v->csw_small_s = history > cached_small ? llm_prefill_s(&r->small, history - cached_small, cached_small) : 0;
    int sees_csw = r->sc->router.sees_switch_cost;
    if (!sees_csw)
        v->csw_small_s = 0;

    /* Large, for each edge server: uplink, wait, prefill, decode in its
     * batch, downlink; its switching cost rebuilds the KV it lacks and
     * uploads the dialogue text it has not seen.  The router picks the
     * server with the smallest estimate plus switching cost.  If the
     * dialogue's KV is at another site (a handover since its last large
     * turn), handover.dialogue_kv says what the candidates are and costs:
     * drop: the serving site's servers, rebuilding it all; stay: the old
     * server only, plus the backhaul legs of the request and the answer;
     * migrate: the serving site's servers with the KV sent over the
     * backhaul, waited for if it arrives after the uplink. */
    double inf = INFINITY;
    double ul_s = rate_ul > 0 ? cc->access_s + 8 * channel_uplink_bytes(cc, n, q->row.extra_payload_bytes) / rate_ul
                              : inf;
    double dl_s = rate_dl > 0 ? cc->access_s + 8 * channel_downlink_rest_bytes(cc, out + 1) / rate_dl : inf;
    int kv_server = d ? d->edge_seen_server : -1;
    int kv_elsewhere = kv_server >= 0 && r->edge_site[kv_server] != site;
    handover_kv kv = r->kv_policy;
    q->kv_action = kv_elsewhere ? (int)kv : -1;
    q->kv_tokens = 0;
    double kv_s = 0;
    if (kv_elsewhere && kv == HANDOVER_KV_MIGRATE && dlg >= 0) {
        int tokens = llm_server_cached_tokens(r->edges[kv_server], dlg);
        q->kv_tokens = tokens < history ? tokens : history;
        if (q->kv_tokens > 0)
            kv_s = sites_backhaul_s(&r->sc->sites, q->kv_tokens * r->large.kv_bytes_per_token);
    }
    double best = inf;
    int e0 = r->site_edge0[site], e1 = e0 + r->site_n_edges[site];
    if (kv_elsewhere && kv == HANDOVER_KV_STAY) {
        e0 = kv_server;
        e1 = kv_server + 1;
    }
    q->edge = e0;
    for (int e = e0; e < e1; e++) {
        llm_server *es = r->edges[e];
        int cached = dlg >= 0 ? llm_server_cached_tokens(es, dlg) : 0;
        int seen = d && d->edge_seen_server == e ? d->edge_seen_tokens : 0;
        if (kv_elsewhere && kv == HANDOVER_KV_MIGRATE) {
            /* The dialogue's text and KV move to the chosen server. */
            cached = cached > q->kv_tokens ? cached : q->kv_tokens;
            seen = d->edge_seen_tokens;
        }
        if (cached > history)
            cached = history;
        int unseen = history - seen;
        double kv_tokens = r->large.kv_bytes_per_token > 0 ? llm_server_kv_used_bytes(es) / r->large.kv_bytes_per_token
                                                            : 0;
        double backlog = llm_server_backlog_s(es, now);
        double est = ul_s + backlog + llm_prefill_s(&r->large, n, history) +
                     decode_estimate_s(&r->large, llm_server_running(es) + 1, kv_tokens, ctx, out) + dl_s;
        double csw = history > cached ? llm_prefill_s(&r->large, history - cached, cached) : 0;
        double unseen_s = unseen > 0 ? (rate_ul > 0 ? 8 * cc->bytes_per_token * unseen / rate_ul : inf) : 0;
        csw += unseen_s;
        if (kv_elsewhere && kv == HANDOVER_KV_STAY)
            csw += sites_backhaul_s(&r->sc->sites, channel_uplink_bytes(cc, n + unseen, q->row.extra_payload_bytes)) +
                   sites_backhaul_s(&r->sc->sites, out > 1 ? channel_downlink_rest_bytes(cc, out)
                                                           : channel_downlink_first_bytes(cc));
        if (kv_elsewhere && kv == HANDOVER_KV_MIGRATE && kv_s > ul_s + unseen_s)
            csw += kv_s - (ul_s + unseen_s);
        if (!sees_csw)
            csw = 0;
        if (e == e0 || est + csw < best) {
            best = est + csw;
            q->edge = e;
            q->seen_tokens = seen;
            v->est_large_s = est;
            v->csw_large_s = csw;
            v->cached_large = cached;
            v->edge_work_s = backlog;
        }
    }
    llm_server *es = r->edges[q->edge];
    v->edge_waiting = llm_server_waiting(es);
    v->edge_running = llm_server_running(es);
    v->edge_kv_used_frac = r->large.kv_capacity_bytes > 0 ? llm_server_kv_used_bytes(es) / r->large.kv_capacity_bytes
                                                           : 0;
}

