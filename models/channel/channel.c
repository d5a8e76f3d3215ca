/* channel.c -- devices, SNR, and transfers sharing the band (processor
 * sharing).  Formulas and their sources: docs/CHANNEL.md. */
#include "channel_int.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_bessel.h>

static const double two_pi = 6.283185307179586476925286766559;

typedef struct channel_xfer {
    uint64_t tag, seq;
    int device;
    link_dir dir;
    int on_air;
    sim_time t_start, t_air;
    sim_time t_pred;       /* completion at the current rate, ns; SIM_TIME_NEVER if none */
    int64_t se_block;      /* block whose spectral efficiency is in se; -1: none */
    double bytes;
    double bits_left;      /* bits still to deliver at t_cur */
    double se;             /* b/s/Hz in block se_block */
    double rate_bps;       /* current rate; < 0: not yet set */
    /* Link adaptation with HARQ (docs/CHANNEL.md): */
    int pending_tx;        /* on air, transmission not begun (CQI 0: waits for a better block) */
    int cqi;               /* CQI of this RLC round */
    int tx_in_round, transmissions;
    double combined_lin;   /* chase combining: sum of the round's linear SNRs */
    sim_time t_first_air;  /* first bit of the first transmission */
    double air_done_s;     /* on-air time of the failed or interrupted transmissions */
    int aired;             /* has been on air (t_first_air is set) */
    int site;              /* site serving it while on air */
    sim_time t_zero;       /* on air at rate 0 since then (outage); SIM_TIME_NEVER while it moves */
} channel_xfer;

typedef struct channel_pending {
    channel_done done;
    uint64_t seq;
} channel_pending;

struct channel {
    channel_config cfg;
    int n_dev;
    uint64_t seed;
    uint32_t replication;
    double *distance_m;          /* at t = 0 */
    double *shadowing_db;        /* at t = 0 */
    double *snr_avg_db;          /* at t = 0, [2 * device + dir] */
    double noise_dbm[2];         /* N0 + 10 log10 B + NF per direction */
    double tx_power_dbm[2];
    double min_distance_m;       /* path loss is evaluated at no less than this */
    const channel_pathloss_model *pathloss;
    rng_ziggurat zig;            /* GSL's ziggurat tables, shared by every fading context */
    fading_ctx *fading;          /* [n_fading] distinct Doppler shifts */
    int n_fading;
    int *fading_of;              /* device -> its fading context */
    double *doppler_hz;          /* per device */
    fading_stream *streams;      /* [2 * device + dir] */
    fading_level *paths;         /* the streams' cursor paths */
    fading_level *shadow_paths;  /* the shadow streams' cursor paths */
    /* Moving devices (mob != NULL): the large-scale gain of each device in
     * the block lg_block[d], at the position at that block's start. */
    mobility *mob;
    fading_ctx shadow_ctx;       /* Gudmundson AR(1) along the path */
    fading_stream *shadow;       /* per device */
    int64_t *lg_block;
    double *lg_distance_m, *lg_snr_db; /* lg_snr_db: [2 * device + dir] */
    double *lg_shadow_db;
    int block_varies;            /* the SNR can change at block boundaries */
    const channel_rate_model *rate;
    double bandwidth_hz[2];
    sim_time block_ns, access_ns;
    sim_time outage_ns;          /* outage_timeout_s; SIM_TIME_NEVER: 0 (wait for ever) */
    sim_time t_cur;              /* every transfer is integrated up to here */
    channel_xfer *xf;            /* transfers in flight, unordered */
    int n_xf, cap_xf;
    uint64_t next_seq;
    int n_active[2], n_air[2];
    channel_pending *done;       /* finished, not yet reported; capacity cap_xf */
    int n_done;
    sim_time harq_rtt_ns, rlc_delay_ns, harq_csi_delay_ns;
    /* Sites (docs/CHANNEL.md, "Sites and handover"): positions, each site's
     * transfers on air [2 * site + dir], and each device's serving site.
     * Moving devices with several sites (ho) run the A3 rule on the grid of
     * ho_step_ns, lazily up to ho_k[d]; prev_serving serves before
     * t_last_ho (lookbacks such as the CSI delay). */
    int n_sites;
    double *site_x, *site_y;
    int *n_air_site;
    int *serving, *prev_serving, *lg_site, *cand, *n_ho;
    int64_t *ho_k, *cand_since;
    sim_time *t_last_ho;
    double *pos_x, *pos_y;        /* static devices' positions */
    int ho;
    double ho_hyst_db;
    sim_time ho_step_ns, ho_ttt_ns, ho_interrupt_ns;
    /* Inter-cell interference (docs/CHANNEL.md): each site's measured
     * downlink load, its moving average load_val at load_t (NULL with a
     * fixed load or interference off). */
    int interf;
    double *load_val;
    sim_time *load_t;
};

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

#define SPEED_OF_LIGHT_M_S 299792458.0
#define STATIC_DOPPLER_HZ 10.0 /* docs/CHANNEL.md: the static default */

/* Gauss-Markov fading context for a Doppler shift (Jakes/Clarke: rho =
 * J0(2 pi f_D T)). */
static void fading_init_for(channel *ch, fading_ctx *f, double doppler_hz)
{
    const channel_config *cfg = &ch->cfg;
    const channel_fading_model *m = channel_fading_find(cfg->fading.model);
    fading_ctx_init(f, m->rayleigh ? FADING_RAYLEIGH : FADING_NONE, m->rho(cfg, doppler_hz), ch->seed,
                    ch->replication, &ch->zig);
}

/* Each device's Doppler shift: doppler_hz if given, else v f_c / c from the
 * mobility model's nominal speed (10 Hz for static devices); one fading
 * context per distinct value (few, unless a trace gives every device its
 * own speed). */
static int setup_fading(channel *ch)
{
    int n = ch->n_dev;
    ch->fading = malloc((size_t)n * sizeof *ch->fading);
    ch->fading_of = malloc((size_t)n * sizeof *ch->fading_of);
    ch->doppler_hz = malloc((size_t)n * sizeof *ch->doppler_hz);
    int *first = malloc((size_t)n * sizeof *first); /* a device of each context */
    if (!ch->fading || !ch->fading_of || !ch->doppler_hz || !first) {
        free(first);
        return -1;
    }
    for (int d = 0; d < n; d++) {
        double f_d = ch->cfg.fading.doppler_hz;
        if (isnan(f_d))
            f_d = ch->mob ? mobility_nominal_speed_mps(ch->mob, d) * ch->cfg.pathloss.carrier_hz / SPEED_OF_LIGHT_M_S
                          : STATIC_DOPPLER_HZ;
        ch->doppler_hz[d] = f_d;
        int k = 0;
        while (k < ch->n_fading && ch->doppler_hz[first[k]] != f_d)
            k++;
        if (k == ch->n_fading) {
            first[k] = d;
            fading_init_for(ch, &ch->fading[k], f_d);
            ch->n_fading++;
        }
        ch->fading_of[d] = k;
        if (ch->fading[k].kind != FADING_NONE && !ch->fading[k].constant)
            ch->block_varies = 1;
    }
    free(first);
    /* Each stream's cursor paths (the length depends on its context). */
    size_t total = 0;
    for (int d = 0; d < n; d++)
        total += 2 * fading_path_len(&ch->fading[ch->fading_of[d]]);
    if (total && !(ch->paths = malloc(total * sizeof *ch->paths)))
        return -1;
    fading_level *next = ch->paths;
    for (int d = 0; d < n; d++) {
        const fading_ctx *f = &ch->fading[ch->fading_of[d]];
        size_t len = fading_path_len(f);
        for (int dir = 0; dir < 2; dir++) {
            fading_stream_init(&ch->streams[2 * d + dir], dir == LINK_UP ? RNG_FADING_UL : RNG_FADING_DL,
                               (uint64_t)d, f, f->depth > 0 ? next : NULL);
            if (f->depth > 0)
                next += len;
        }
    }
    return 0;
}

/* Path loss + shadowing -> mean SNR of both directions, dB. */
static void set_snr(const channel *ch, double *snr2, double distance_m, double shadowing_db)
{
    double d = distance_m > ch->min_distance_m ? distance_m : ch->min_distance_m;
    double loss_db = ch->pathloss->loss_db(&ch->cfg, d) + shadowing_db;
    snr2[LINK_UP] = ch->tx_power_dbm[LINK_UP] - loss_db - ch->noise_dbm[LINK_UP];
    snr2[LINK_DOWN] = ch->tx_power_dbm[LINK_DOWN] - loss_db - ch->noise_dbm[LINK_DOWN];
}

/* Mean downlink SNR from the path loss alone at (x, y) towards site s. */
static double site_snr_at(const channel *ch, double x, double y, int s)
{
    double d = hypot(x - ch->site_x[s], y - ch->site_y[s]);
    if (d < ch->min_distance_m)
        d = ch->min_distance_m;
    return ch->tx_power_dbm[LINK_DOWN] - ch->pathloss->loss_db(&ch->cfg, d) - ch->noise_dbm[LINK_DOWN];
}

/* The site with the best mean SNR at (x, y), other than `except` (-1:
 * none); its SNR in *snr_db. */
static int best_site(const channel *ch, double x, double y, int except, double *snr_db)
{
    int best = -1;
    for (int s = 0; s < ch->n_sites; s++) {
        if (s == except)
            continue;
        double v = site_snr_at(ch, x, y, s);
        if (best < 0 || v > *snr_db) {
            best = s;
            *snr_db = v;
        }
    }
    return best;
}

/* The A3 rule up to measurement k: at each measurement the best neighbour's
 * mean SNR is compared with the serving site's plus the hysteresis; once the
 * same neighbour has satisfied it for ttt (at every measurement since it
 * first did), the device hands over to it at that measurement. */
static void ho_advance(channel *ch, int d, int64_t k)
{
    while (ch->ho_k[d] < k) {
        int64_t kk = ++ch->ho_k[d];
        sim_time t = kk * ch->ho_step_ns;
        double x, y, path_m, nb_db = 0;
        mobility_position(ch->mob, d, sim_time_to_s(t), &x, &y, &path_m);
        int nb = best_site(ch, x, y, ch->serving[d], &nb_db);
        if (nb_db > site_snr_at(ch, x, y, ch->serving[d]) + ch->ho_hyst_db) {
            if (ch->cand[d] != nb) {
                ch->cand[d] = nb;
                ch->cand_since[d] = kk;
            }
            if ((kk - ch->cand_since[d]) * ch->ho_step_ns >= ch->ho_ttt_ns) {
                ch->prev_serving[d] = ch->serving[d];
                ch->serving[d] = nb;
                ch->t_last_ho[d] = t;
                ch->n_ho[d]++;
                ch->cand[d] = -1;
            }
        } else {
            ch->cand[d] = -1;
        }
    }
}

/* The site serving device d at t. */
static int site_for(channel *ch, int d, sim_time t)
{
    if (!ch->ho)
        return ch->serving[d];
    ho_advance(ch, d, t / ch->ho_step_ns);
    return t >= ch->t_last_ho[d] ? ch->serving[d] : ch->prev_serving[d];
}

/* The large-scale gain of a moving device in `block`, at its position at
 * the block's start: distance to its serving site, path loss, and
 * the shadowing at its path length (Gudmundson: an AR(1) on a grid of
 * shadowing_step_m with rho = exp(-step / d_corr), i.e. correlation
 * exp(-|s1 - s2| / d_corr) between grid points). */
static void large_scale_at(channel *ch, int d, int64_t block)
{
    int site = site_for(ch, d, block * ch->block_ns);
    if (ch->lg_block[d] == block && ch->lg_site[d] == site)
        return;
    double x, y, path_m;
    mobility_position(ch->mob, d, sim_time_to_s(block * ch->block_ns), &x, &y, &path_m);
    double dist = hypot(x - ch->site_x[site], y - ch->site_y[site]);
    double shadow = 0;
    if (ch->cfg.shadowing_db > 0)
        shadow = ch->cfg.shadowing_db * M_SQRT2 *
                 fading_real_part(&ch->shadow_ctx, &ch->shadow[d], llround(path_m / ch->cfg.shadowing_step_m));
    ch->lg_block[d] = block;
    ch->lg_site[d] = site;
    ch->lg_distance_m[d] = dist;
    ch->lg_shadow_db[d] = shadow;
    set_snr(ch, &ch->lg_snr_db[2 * d], dist, shadow);
    if (block == 0)
        ch->shadowing_db[d] = shadow;
}

/* Moving devices: the mobility model, the shadowing along the path, the
 * per-block cache, and the values at t = 0. */
static int setup_mobility(channel *ch, const devices_config *dev, const double *x0, const double *y0, char *err,
                          size_t errlen)
{
    size_t n = (size_t)ch->n_dev;
    ch->mob = mobility_create(&dev->mobility, dev, x0, y0, ch->seed, ch->replication, err, errlen);
    if (!ch->mob)
        return -1;
    ch->shadow = malloc(n * sizeof *ch->shadow);
    ch->lg_block = malloc(n * sizeof *ch->lg_block);
    ch->lg_distance_m = malloc(n * sizeof *ch->lg_distance_m);
    ch->lg_snr_db = malloc(2 * n * sizeof *ch->lg_snr_db);
    ch->lg_site = malloc(n * sizeof *ch->lg_site);
    ch->lg_shadow_db = malloc(n * sizeof *ch->lg_shadow_db);
    if (!ch->shadow || !ch->lg_block || !ch->lg_distance_m || !ch->lg_snr_db || !ch->lg_site || !ch->lg_shadow_db) {
        set_err(err, errlen, "channel: out of memory");
        return -1;
    }
    fading_ctx_init(&ch->shadow_ctx, FADING_RAYLEIGH, exp(-ch->cfg.shadowing_step_m / ch->cfg.shadowing_corr_m),
                    ch->seed, ch->replication, &ch->zig);
    size_t len = fading_path_len(&ch->shadow_ctx);
    if (ch->shadow_ctx.depth > 0 && !(ch->shadow_paths = malloc(n * len * sizeof *ch->shadow_paths))) {
        set_err(err, errlen, "channel: out of memory");
        return -1;
    }
    ch->block_varies = 1;
    for (int d = 0; d < ch->n_dev; d++) {
        fading_stream_init(&ch->shadow[d], RNG_SHADOW_PATH, (uint64_t)d, &ch->shadow_ctx,
                           ch->shadow_ctx.depth > 0 ? ch->shadow_paths + (size_t)d * len : NULL);
        ch->lg_block[d] = -1;
        if (ch->n_sites > 1) {
            double snr_db = 0;
            ch->serving[d] = ch->prev_serving[d] = best_site(ch, x0[d], y0[d], -1, &snr_db);
        }
        large_scale_at(ch, d, 0);
        ch->distance_m[d] = ch->lg_distance_m[d];
        ch->snr_avg_db[2 * d + LINK_UP] = ch->lg_snr_db[2 * d + LINK_UP];
        ch->snr_avg_db[2 * d + LINK_DOWN] = ch->lg_snr_db[2 * d + LINK_DOWN];
    }
    return 0;
}

/* Sites, each device's serving site and the handover state. */
static int setup_sites(channel *ch, const sites_config *sites, int moves)
{
    size_t n = (size_t)ch->n_dev;
    ch->n_sites = sites ? sites->n : 1;
    size_t ns = (size_t)ch->n_sites;
    ch->site_x = calloc(ns, sizeof *ch->site_x);
    ch->site_y = calloc(ns, sizeof *ch->site_y);
    ch->n_air_site = calloc(2 * ns, sizeof *ch->n_air_site);
    ch->serving = calloc(n, sizeof *ch->serving);
    ch->prev_serving = calloc(n, sizeof *ch->prev_serving);
    ch->cand = malloc(n * sizeof *ch->cand);
    ch->n_ho = calloc(n, sizeof *ch->n_ho);
    ch->ho_k = calloc(n, sizeof *ch->ho_k);
    ch->cand_since = calloc(n, sizeof *ch->cand_since);
    ch->t_last_ho = calloc(n, sizeof *ch->t_last_ho);
    ch->pos_x = calloc(n, sizeof *ch->pos_x);
    ch->pos_y = calloc(n, sizeof *ch->pos_y);
    if (!ch->site_x || !ch->site_y || !ch->n_air_site || !ch->serving || !ch->prev_serving || !ch->cand ||
        !ch->n_ho || !ch->ho_k || !ch->cand_since || !ch->t_last_ho || !ch->pos_x || !ch->pos_y)
        return -1;
    for (int s = 0; sites && s < ch->n_sites; s++) {
        ch->site_x[s] = sites->site[s].x_m;
        ch->site_y[s] = sites->site[s].y_m;
    }
    for (size_t d = 0; d < n; d++)
        ch->cand[d] = -1;
    ch->ho = moves && ch->n_sites > 1;
    ch->interf = ch->cfg.interference.enabled;
    if (ch->interf && isnan(ch->cfg.interference.load)) {
        ch->load_val = calloc(ns, sizeof *ch->load_val);
        ch->load_t = calloc(ns, sizeof *ch->load_t);
        if (!ch->load_val || !ch->load_t)
            return -1;
        ch->block_varies = 1; /* the load moves: rates are re-evaluated every block */
    }
    if (sites) {
        int64_t blocks = llround(sites->handover.step_s / ch->cfg.fading.block_s);
        ch->ho_step_ns = (blocks > 1 ? blocks : 1) * ch->block_ns;
        ch->ho_ttt_ns = sim_time_from_s(sites->handover.ttt_s);
        ch->ho_interrupt_ns = sim_time_from_s(sites->handover.interrupt_s);
        ch->ho_hyst_db = sites->handover.hysteresis_db;
    }
    return 0;
}

/* Static devices with several sites (or one away from the origin): attach
 * to the best site at the position, and take distance and mean SNR to it. */
static void attach_static(channel *ch, int d)
{
    double snr_db = 0;
    int s = best_site(ch, ch->pos_x[d], ch->pos_y[d], -1, &snr_db);
    ch->serving[d] = ch->prev_serving[d] = s;
    ch->distance_m[d] = hypot(ch->pos_x[d] - ch->site_x[s], ch->pos_y[d] - ch->site_y[s]);
    set_snr(ch, &ch->snr_avg_db[2 * d], ch->distance_m[d], ch->shadowing_db[d]);
}

channel *channel_create(const channel_config *cfg, const devices_config *dev, uint64_t seed,
                        uint32_t replication, char *err, size_t errlen)
{
    return channel_create_sites(cfg, dev, NULL, seed, replication, err, errlen);
}

channel *channel_create_sites(const channel_config *cfg, const devices_config *dev, const sites_config *sites,
                              uint64_t seed, uint32_t replication, char *err, size_t errlen)
{
    gsl_rng *r = NULL;
    double *x0 = NULL, *y0 = NULL;
    if (channel_config_check(cfg, dev, err, errlen) != 0)
        return NULL;
    channel *ch = calloc(1, sizeof *ch);
    if (!ch)
        goto oom;
    ch->cfg = *cfg;
    rng_ziggurat_init(&ch->zig);
    ch->n_dev = dev->count;
    ch->seed = seed;
    ch->replication = replication;
    size_t n = (size_t)dev->count;
    ch->distance_m = malloc(n * sizeof *ch->distance_m);
    ch->shadowing_db = malloc(n * sizeof *ch->shadowing_db);
    ch->snr_avg_db = malloc(2 * n * sizeof *ch->snr_avg_db);
    ch->streams = malloc(2 * n * sizeof *ch->streams);
    x0 = malloc(n * sizeof *x0);
    y0 = malloc(n * sizeof *y0);
    r = gsl_rng_alloc(gsl_rng_taus2);
    if (!ch->distance_m || !ch->shadowing_db || !ch->snr_avg_db || !ch->streams || !x0 || !y0 || !r)
        goto oom;

    ch->rate = channel_rate_find(cfg->rate.model);
    ch->bandwidth_hz[LINK_UP] = cfg->uplink.bandwidth_hz;
    ch->bandwidth_hz[LINK_DOWN] = cfg->downlink.bandwidth_hz;
    ch->block_ns = sim_time_from_s(cfg->fading.block_s);
    ch->access_ns = sim_time_from_s(cfg->access_s);
    ch->outage_ns = cfg->outage_timeout_s > 0 ? sim_time_from_s(cfg->outage_timeout_s) : SIM_TIME_NEVER;
    ch->harq_rtt_ns = sim_time_from_s(cfg->harq.rtt_s);
    ch->rlc_delay_ns = sim_time_from_s(cfg->harq.rlc_delay_s);
    ch->harq_csi_delay_ns = sim_time_from_s(cfg->harq.csi_delay_s);
    ch->min_distance_m = dev->r_min_m;
    ch->pathloss = channel_pathloss_find(cfg->pathloss.model);
    ch->tx_power_dbm[LINK_UP] = cfg->uplink.tx_power_dbm;
    ch->tx_power_dbm[LINK_DOWN] = cfg->downlink.tx_power_dbm;
    /* Noise power over the whole band: N0 + 10 log10(B) + NF, dBm. */
    ch->noise_dbm[LINK_UP] = cfg->noise_dbm_hz + 10.0 * log10(cfg->uplink.bandwidth_hz) + cfg->uplink.noise_figure_db;
    ch->noise_dbm[LINK_DOWN] =
        cfg->noise_dbm_hz + 10.0 * log10(cfg->downlink.bandwidth_hz) + cfg->downlink.noise_figure_db;
    int moves = mobility_find(dev->mobility.model)->moves;
    if (setup_sites(ch, sites, moves) != 0)
        goto oom;
    int site_moved = ch->n_sites > 1 || ch->site_x[0] != 0 || ch->site_y[0] != 0;

    for (int d = 0; d < ch->n_dev; d++) {
        /* Placement: (d_i, 0), or area-uniform in the annulus, r = sqrt(r0^2
         * + U (r1^2 - r0^2)), at a uniform angle (the stream's second draw). */
        rng_stream_reset(r, seed, replication, RNG_PLACEMENT, (uint64_t)d);
        if (dev->n_distances) {
            ch->distance_m[d] = dev->distances_m[d];
            x0[d] = ch->distance_m[d];
            y0[d] = 0;
        } else {
            double r0 = dev->r_min_m, r1 = dev->r_max_m;
            ch->distance_m[d] = sqrt(r0 * r0 + gsl_rng_uniform(r) * (r1 * r1 - r0 * r0));
            double phi = two_pi * gsl_rng_uniform(r);
            x0[d] = ch->distance_m[d] * cos(phi);
            y0[d] = ch->distance_m[d] * sin(phi);
        }
        if (!moves) {
            /* Static: distance (not the position) as before the mobility
             * models, so static runs give the same records. */
            rng_stream_reset(r, seed, replication, RNG_SHADOWING, (uint64_t)d);
            ch->shadowing_db[d] = cfg->shadowing_db > 0 ? gsl_ran_gaussian(r, cfg->shadowing_db) : 0.0;
            double loss_db = ch->pathloss->loss_db(cfg, ch->distance_m[d]) + ch->shadowing_db[d];
            ch->snr_avg_db[2 * d + LINK_UP] = cfg->uplink.tx_power_dbm - loss_db - ch->noise_dbm[LINK_UP];
            ch->snr_avg_db[2 * d + LINK_DOWN] = cfg->downlink.tx_power_dbm - loss_db - ch->noise_dbm[LINK_DOWN];
            ch->pos_x[d] = x0[d];
            ch->pos_y[d] = y0[d];
            if (site_moved)
                attach_static(ch, d);
        }
    }
    gsl_rng_free(r);
    r = NULL;
    if (moves && setup_mobility(ch, dev, x0, y0, err, errlen) != 0)
        goto fail;
    if (setup_fading(ch) != 0)
        goto oom;
    free(x0);
    free(y0);
    return ch;

oom:
    set_err(err, errlen, "channel: out of memory");
fail:
    gsl_rng_free(r);
    free(x0);
    free(y0);
    channel_destroy(ch);
    return NULL;
}

void channel_destroy(channel *ch)
{
    if (!ch)
        return;
    free(ch->distance_m);
    free(ch->shadowing_db);
    free(ch->snr_avg_db);
    free(ch->streams);
    free(ch->paths);
    free(ch->shadow_paths);
    free(ch->fading);
    free(ch->fading_of);
    free(ch->doppler_hz);
    mobility_destroy(ch->mob);
    free(ch->shadow);
    free(ch->lg_block);
    free(ch->lg_distance_m);
    free(ch->lg_snr_db);
    free(ch->lg_site);
    free(ch->lg_shadow_db);
    free(ch->load_val);
    free(ch->load_t);
    free(ch->site_x);
    free(ch->site_y);
    free(ch->n_air_site);
    free(ch->serving);
    free(ch->prev_serving);
    free(ch->cand);
    free(ch->n_ho);
    free(ch->ho_k);
    free(ch->cand_since);
    free(ch->t_last_ho);
    free(ch->pos_x);
    free(ch->pos_y);
    free(ch->xf);
    free(ch->done);
    free(ch);
}

int channel_device_count(const channel *ch) { return ch->n_dev; }

double channel_distance_m(const channel *ch, int device)
{
    assert(device >= 0 && device < ch->n_dev);
    return ch->distance_m[device];
}

double channel_shadowing_db(const channel *ch, int device)
{
    assert(device >= 0 && device < ch->n_dev);
    return ch->shadowing_db[device];
}

double channel_snr_avg_db(const channel *ch, int device, link_dir dir)
{
    assert(device >= 0 && device < ch->n_dev);
    return ch->snr_avg_db[2 * device + dir];
}

double channel_distance_at_m(channel *ch, int device, sim_time t)
{
    assert(device >= 0 && device < ch->n_dev && t >= 0);
    if (!ch->mob)
        return ch->distance_m[device];
    large_scale_at(ch, device, t / ch->block_ns);
    return ch->lg_distance_m[device];
}

double channel_snr_avg_at_db(channel *ch, int device, link_dir dir, sim_time t)
{
    assert(device >= 0 && device < ch->n_dev && t >= 0);
    if (!ch->mob)
        return ch->snr_avg_db[2 * device + dir];
    large_scale_at(ch, device, t / ch->block_ns);
    return ch->lg_snr_db[2 * device + dir];
}

void channel_position(channel *ch, int device, sim_time t, double *x_m, double *y_m, double *path_m)
{
    assert(device >= 0 && device < ch->n_dev && t >= 0);
    if (!ch->mob) {
        *x_m = ch->pos_x[device];
        *y_m = ch->pos_y[device];
        *path_m = 0;
        return;
    }
    mobility_position(ch->mob, device, sim_time_to_s(t), x_m, y_m, path_m);
}

int channel_serving_site(channel *ch, int device, sim_time t)
{
    assert(device >= 0 && device < ch->n_dev && t >= 0);
    return site_for(ch, device, t);
}

int channel_handovers(channel *ch, int device, sim_time t)
{
    assert(device >= 0 && device < ch->n_dev && t >= 0);
    if (!ch->ho)
        return 0;
    ho_advance(ch, device, t / ch->ho_step_ns);
    return ch->n_ho[device] - (t < ch->t_last_ho[device]);
}

double channel_site_snr_db(channel *ch, int device, int site, sim_time t)
{
    assert(site >= 0 && site < ch->n_sites);
    double x, y, path_m;
    channel_position(ch, device, t, &x, &y, &path_m);
    return site_snr_at(ch, x, y, site);
}

int channel_on_air_site(const channel *ch, int site, link_dir dir)
{
    assert(site >= 0 && site < ch->n_sites);
    return ch->n_air_site[2 * site + dir];
}

double channel_doppler_hz(const channel *ch, int device)
{
    assert(device >= 0 && device < ch->n_dev);
    return ch->doppler_hz[device];
}

double channel_fading_rho(const channel *ch) { return ch->fading[0].rho; }

double channel_fading_rho_of(const channel *ch, int device)
{
    assert(device >= 0 && device < ch->n_dev);
    return ch->fading[ch->fading_of[device]].rho;
}

int64_t channel_fading_segment_blocks(const channel *ch)
{
    return ch->fading[0].depth > 0 ? (int64_t)1 << ch->fading[0].depth : 0;
}

uint64_t channel_fading_draws(const channel *ch)
{
    uint64_t n = 0;
    for (int i = 0; i < 2 * ch->n_dev; i++)
        n += ch->streams[i].draws;
    return n;
}

sim_time channel_block_ns(const channel *ch) { return ch->block_ns; }

double channel_fading_gain(channel *ch, int device, link_dir dir, int64_t block)
{
    assert(device >= 0 && device < ch->n_dev);
    return fading_gain(&ch->fading[ch->fading_of[device]], &ch->streams[2 * device + dir], block);
}

static double downlink_inr(channel *ch, int d, int64_t block);

static double snr_in_block_db(channel *ch, int device, link_dir dir, int64_t block)
{
    double avg_db;
    if (ch->mob) {
        large_scale_at(ch, device, block);
        avg_db = ch->lg_snr_db[2 * device + dir];
    } else {
        avg_db = ch->snr_avg_db[2 * device + dir];
    }
    double snr_db = avg_db + 10.0 * log10(channel_fading_gain(ch, device, dir, block));
    if (ch->interf) {
        /* SINR = S / (N + I) = SNR / (1 + I / N). */
        if (dir == LINK_UP)
            snr_db -= ch->cfg.interference.uplink_iot_db;
        else
            snr_db -= 10.0 * log10(1.0 + downlink_inr(ch, device, block));
    }
    return snr_db;
}

double channel_snr_db(channel *ch, int device, link_dir dir, sim_time t)
{
    assert(t >= 0);
    return snr_in_block_db(ch, device, dir, t / ch->block_ns);
}

double channel_csi_snr_db(channel *ch, int device, sim_time t, double delay_s, double error_db)
{
    assert(delay_s >= 0 && error_db >= 0);
    sim_time seen = t - sim_time_from_s(delay_s);
    int64_t block = seen > 0 ? seen / ch->block_ns : 0;
    double snr_db = snr_in_block_db(ch, device, LINK_UP, block);
    if (error_db > 0) {
        /* Box-Muller on the block's two hashed uniforms: N(0,1). */
        double u1 = rng_hash_uniform(ch->seed, ch->replication, RNG_CSI_ERROR, (uint64_t)device, 2 * (uint64_t)block);
        double u2 =
            rng_hash_uniform(ch->seed, ch->replication, RNG_CSI_ERROR, (uint64_t)device, 2 * (uint64_t)block + 1);
        snr_db += error_db * sqrt(-2.0 * log1p(-u1)) * cos(two_pi * u2);
    }
    return snr_db;
}

/* Rate of one of n transfers sharing the band: se * B / n, capped. */
static double shared_rate_bps(const channel *ch, link_dir dir, double se, int n_sharing)
{
    double rate = se * ch->bandwidth_hz[dir] / n_sharing;
    if (!isnan(ch->cfg.rate.max_bps) && rate > ch->cfg.rate.max_bps)
        rate = ch->cfg.rate.max_bps;
    return rate;
}

double channel_rate_at_snr_bps(const channel *ch, link_dir dir, double snr_db, int n_sharing)
{
    assert(n_sharing >= 1);
    return shared_rate_bps(ch, dir, ch->rate->efficiency(&ch->cfg, snr_db), n_sharing);
}

double channel_rate_bps(channel *ch, int device, link_dir dir, sim_time t, int n_sharing)
{
    return channel_rate_at_snr_bps(ch, dir, channel_snr_db(ch, device, dir, t), n_sharing);
}

int channel_active(const channel *ch, link_dir dir) { return ch->n_active[dir]; }

int channel_on_air(const channel *ch, link_dir dir) { return ch->n_air[dir]; }

/* ---- Transfers ---------------------------------------------------------- */

/* ---- Inter-cell interference (docs/CHANNEL.md) ---- */

/* Measured load of site s at t: the exponential moving average, time
 * constant tau, of b(t) = 1 while the site's downlink has a transfer on air:
 * between changes of b, L(t) = b + (L(t0) - b) exp(-(t - t0) / tau).  A t
 * before the last change reads the value at that change. */
double channel_site_load(const channel *ch, int site, sim_time t)
{
    assert(site >= 0 && site < ch->n_sites);
    if (!ch->load_val)
        return ch->interf ? ch->cfg.interference.load : 0.0;
    double busy = ch->n_air_site[2 * site + LINK_DOWN] > 0;
    double dt_s = t > ch->load_t[site] ? (double)(t - ch->load_t[site]) * 1e-9 : 0.0;
    return busy + (ch->load_val[site] - busy) * exp(-dt_s / ch->cfg.interference.load_window_s);
}

/* A transfer joins (+1) or leaves (-1) the band of `site` at t. */
static void air_site_add(channel *ch, int site, link_dir dir, int delta, sim_time t)
{
    if (dir == LINK_DOWN && ch->load_val) {
        ch->load_val[site] = channel_site_load(ch, site, t);
        if (t > ch->load_t[site])
            ch->load_t[site] = t;
    }
    ch->n_air_site[2 * site + dir] += delta;
}

/* Interference over noise of the device's downlink in `block`: the sum over
 * the other sites j of load_j * (mean SNR the device would have from j),
 * from its position at the block's start, with its shadowing (one value for
 * every site) and no fading on the interferers. */
static double downlink_inr(channel *ch, int d, int64_t block)
{
    sim_time t = block * ch->block_ns;
    double x, y, path_m, shadow_db;
    int serving;
    if (ch->mob) {
        large_scale_at(ch, d, block);
        mobility_position(ch->mob, d, sim_time_to_s(t), &x, &y, &path_m);
        serving = ch->lg_site[d];
        shadow_db = ch->lg_shadow_db[d];
    } else {
        x = ch->pos_x[d];
        y = ch->pos_y[d];
        serving = ch->serving[d];
        shadow_db = ch->shadowing_db[d];
    }
    double inr = 0;
    for (int j = 0; j < ch->n_sites; j++) {
        if (j == serving)
            continue;
        double load = channel_site_load(ch, j, t);
        if (load > 0)
            inr += load * pow(10.0, (site_snr_at(ch, x, y, j) - shadow_db) / 10.0);
    }
    return inr;
}

/* When an on-air transfer at rate 0 since t_zero is given up
 * (docs/MODEL.md, "Outcomes"): at once when its device's channel cannot
 * change (no fading that varies, no mobility), else outage_timeout_s later;
 * SIM_TIME_NEVER while it moves, or with no timeout on a channel that
 * varies.  A static one with no timeout is reported at once too: it can
 * never end (channel_done.outage). */
static sim_time outage_at(const channel *ch, const channel_xfer *x)
{
    if (!x->on_air || x->t_zero == SIM_TIME_NEVER)
        return SIM_TIME_NEVER;
    if (!ch->block_varies)
        return x->t_zero;
    if (ch->outage_ns == SIM_TIME_NEVER || ch->outage_ns >= SIM_TIME_NEVER - x->t_zero)
        return SIM_TIME_NEVER;
    return x->t_zero + ch->outage_ns;
}

/* Earliest internal event: an access delay ending, a completion at current
 * rates, an outage given up, or the next block boundary while something is
 * on air (only when the fading changes from block to block). */
static sim_time next_internal(const channel *ch)
{
    sim_time t = SIM_TIME_NEVER;
    int any_air = 0;
    for (int i = 0; i < ch->n_xf; i++) {
        const channel_xfer *x = &ch->xf[i];
        if (!x->on_air) {
            if (x->t_air < t)
                t = x->t_air;
        } else {
            any_air = 1;
            if (x->t_pred < t)
                t = x->t_pred;
            sim_time out = outage_at(ch, x);
            if (out < t)
                t = out;
        }
    }
    if (any_air && ch->block_varies) {
        sim_time boundary = (ch->t_cur / ch->block_ns + 1) * ch->block_ns;
        if (boundary < t)
            t = boundary;
    }
    if (ch->ho && ch->n_xf > 0) {
        sim_time measurement = (ch->t_cur / ch->ho_step_ns + 1) * ch->ho_step_ns;
        if (measurement < t)
            t = measurement;
    }
    return t;
}

/* Deliver bits at the current rates from t_cur to t. */
static void integrate(channel *ch, sim_time t)
{
    if (t <= ch->t_cur)
        return;
    double dt_s = (double)(t - ch->t_cur) * 1e-9;
    for (int i = 0; i < ch->n_xf; i++) {
        channel_xfer *x = &ch->xf[i];
        if (x->on_air)
            x->bits_left -= x->rate_bps * dt_s;
    }
    ch->t_cur = t;
}

/* Completion time at the current rate: remaining bits / rate, rounded to
 * the nanosecond. */
static sim_time predict(const channel *ch, const channel_xfer *x)
{
    if (x->bits_left <= 0)
        return ch->t_cur;
    if (!(x->rate_bps > 0))
        return SIM_TIME_NEVER;
    double dt_ns = x->bits_left / x->rate_bps * 1e9;
    if (dt_ns >= (double)(SIM_TIME_NEVER - ch->t_cur))
        return SIM_TIME_NEVER;
    return ch->t_cur + (sim_time)llround(dt_ns);
}

/* Begin a HARQ transmission in `block`: a new RLC round picks its CQI from
 * the SNR the base station knows (the block harq.csi_delay_s earlier); CQI
 * 0 waits for a later block.  The SNR actually seen (this block) adds to
 * the round's chase-combined SNR. */
static void harq_begin(channel *ch, channel_xfer *x, int64_t block)
{
    if (x->tx_in_round == 0) {
        sim_time known = block * ch->block_ns - ch->harq_csi_delay_ns;
        int64_t known_block = known > 0 ? known / ch->block_ns : 0;
        x->cqi = channel_cqi_index(&ch->cfg, snr_in_block_db(ch, x->device, x->dir, known_block));
        if (x->cqi == 0)
            return;
    }
    x->pending_tx = 0;
    x->tx_in_round++;
    x->transmissions++;
    x->combined_lin += pow(10.0, snr_in_block_db(ch, x->device, x->dir, block) / 10.0);
}

/* A HARQ transmission of x ended at t: decoded with probability 1 -
 * BLER(cqi, combined SNR), one hashed uniform per (device, direction,
 * transfer, transmission).  Returns 1 if decoded; else schedules the
 * retransmission (harq.rtt_s later, same CQI) or, after max_tx, a new RLC
 * round (rlc_delay_s later, new CQI) and returns 0. */
static int harq_decoded(channel *ch, channel_xfer *x, sim_time t)
{
    double u = rng_hash_uniform(ch->seed, ch->replication, RNG_HARQ, 2 * (uint64_t)x->device + (uint64_t)x->dir,
                                x->seq * 64 + (uint64_t)x->transmissions);
    if (u >= channel_bler(&ch->cfg, x->cqi, 10.0 * log10(x->combined_lin)))
        return 1;
    x->air_done_s += (double)(t - x->t_air) * 1e-9;
    if (x->tx_in_round < ch->cfg.harq.max_tx) {
        x->t_air = t + ch->harq_rtt_ns;
    } else {
        x->t_air = t + ch->rlc_delay_ns;
        x->tx_in_round = 0;
        x->combined_lin = 0;
    }
    x->on_air = 0;
    x->pending_tx = 1;
    x->bits_left = 8.0 * x->bytes;
    x->rate_bps = -1;
    x->t_pred = SIM_TIME_NEVER;
    x->t_zero = SIM_TIME_NEVER;
    ch->n_air[x->dir]--;
    air_site_add(ch, x->site, x->dir, -1, t);
    return 0;
}

/* A handover of x's device at t: x stops for interrupt_s and then goes on
 * at the new site; the bits delivered so far stay delivered (a HARQ
 * transmission in progress is lost and starts a new round). */
static void handover_interrupt(channel *ch, channel_xfer *x, sim_time t)
{
    sim_time resume = t + ch->ho_interrupt_ns;
    if (x->on_air) {
        x->air_done_s += (double)(t - x->t_air) * 1e-9;
        x->on_air = 0;
        ch->n_air[x->dir]--;
        air_site_add(ch, x->site, x->dir, -1, t);
        x->rate_bps = -1;
        x->t_pred = SIM_TIME_NEVER;
        x->t_zero = SIM_TIME_NEVER;
        x->se_block = -1;
        if (ch->cfg.harq.enabled) {
            x->pending_tx = 1;
            x->tx_in_round = 0;
            x->combined_lin = 0;
            x->bits_left = 8.0 * x->bytes;
        }
        x->t_air = resume;
    } else if (x->t_air < resume) {
        x->t_air = resume;
    }
}

/* Re-evaluate every on-air transfer's rate at t_cur: the spectral efficiency
 * of its device's current block and the share B / n_air.  A transfer whose
 * rate did not change keeps its predicted completion (no re-rounding). */
static void refresh_rates(channel *ch)
{
    int64_t block = ch->t_cur / ch->block_ns;
    for (int i = 0; i < ch->n_xf; i++) {
        channel_xfer *x = &ch->xf[i];
        if (!x->on_air)
            continue;
        if (ch->cfg.harq.enabled) {
            if (x->pending_tx)
                harq_begin(ch, x, block);
            x->se = x->pending_tx ? 0.0 : channel_cqi_efficiency(x->cqi);
        } else if (x->se_block != block) {
            x->se = ch->rate->efficiency(&ch->cfg, snr_in_block_db(ch, x->device, x->dir, block));
            x->se_block = block;
        }
        double rate = shared_rate_bps(ch, x->dir, x->se, ch->n_air_site[2 * x->site + x->dir]);
        if (rate != x->rate_bps) {
            x->rate_bps = rate;
            x->t_pred = predict(ch, x);
        }
        if (!(rate > 0)) {
            if (x->t_zero == SIM_TIME_NEVER)
                x->t_zero = ch->t_cur;
        } else {
            x->t_zero = SIM_TIME_NEVER;
        }
    }
}

/* Buffer the end of x at t without its last bit (outage): x leaves the
 * band; the caller removes it from the array. */
static void report(channel *ch, channel_xfer *x, sim_time t, channel_outage outage)
{
    channel_pending *p = &ch->done[ch->n_done++];
    p->seq = x->seq;
    p->done = (channel_done){.tag = x->tag, .device = x->device, .dir = x->dir, .t_start = x->t_start,
                             .t_air = x->t_first_air, .t_end = t, .bytes = x->bytes,
                             .air_s = x->air_done_s + (double)(t - x->t_air) * 1e-9,
                             .transmissions = ch->cfg.harq.enabled ? x->transmissions : 1,
                             .mean_rate_bps = NAN, .outage = outage};
    ch->n_air[x->dir]--;
    air_site_add(ch, x->site, x->dir, -1, t);
    ch->n_active[x->dir]--;
}

/* Process every internal event up to `now` (inclusive or not), buffering
 * completions, then integrate to now. */
static void run_to(channel *ch, sim_time now, int inclusive)
{
    for (;;) {
        sim_time t = next_internal(ch);
        if (t > now || (t == now && !inclusive))
            break;
        integrate(ch, t);
        for (int i = 0; i < ch->n_xf;) {
            channel_xfer *x = &ch->xf[i];
            if (x->on_air && x->t_pred <= t && ch->cfg.harq.enabled && !harq_decoded(ch, x, x->t_pred)) {
                i++;
                continue;
            }
            sim_time out = outage_at(ch, x);
            if (out <= t && out < x->t_pred) {
                report(ch, x, out, ch->block_varies ? CHANNEL_OUTAGE_TIMEOUT : CHANNEL_OUTAGE_PERMANENT);
                *x = ch->xf[--ch->n_xf];
                continue;
            }
            if (x->on_air && x->t_pred <= t) {
                channel_pending *p = &ch->done[ch->n_done++];
                p->seq = x->seq;
                p->done.tag = x->tag;
                p->done.device = x->device;
                p->done.dir = x->dir;
                p->done.t_start = x->t_start;
                p->done.t_air = x->t_first_air;
                p->done.t_end = x->t_pred;
                p->done.bytes = x->bytes;
                p->done.air_s = x->air_done_s + (double)(x->t_pred - x->t_air) * 1e-9;
                p->done.transmissions = ch->cfg.harq.enabled ? x->transmissions : 1;
                p->done.mean_rate_bps = p->done.air_s > 0 ? 8.0 * x->bytes / p->done.air_s : NAN;
                p->done.outage = CHANNEL_DELIVERED;
                ch->n_air[x->dir]--;
                air_site_add(ch, x->site, x->dir, -1, t);
                ch->n_active[x->dir]--;
                *x = ch->xf[--ch->n_xf];
                continue;
            }
            if (!x->on_air && x->t_air <= t) {
                x->on_air = 1;
                x->site = site_for(ch, x->device, t);
                ch->n_air[x->dir]++;
                air_site_add(ch, x->site, x->dir, +1, t);
                if (!x->aired)
                    x->t_first_air = x->t_air;
                x->aired = 1;
            }
            i++;
        }
        if (ch->ho && t % ch->ho_step_ns == 0)
            for (int i = 0; i < ch->n_xf; i++) {
                channel_xfer *x = &ch->xf[i];
                site_for(ch, x->device, t);
                if (ch->t_last_ho[x->device] == t && x->t_start < t)
                    handover_interrupt(ch, x, t);
            }
        refresh_rates(ch);
    }
    integrate(ch, now);
}

int channel_transfer_start(channel *ch, int device, link_dir dir, sim_time now, double bytes, uint64_t tag)
{
    assert(device >= 0 && device < ch->n_dev);
    assert(bytes >= 0 && now >= ch->t_cur);
    run_to(ch, now, 0);
    if (ch->n_xf == ch->cap_xf) {
        int cap = ch->cap_xf ? 2 * ch->cap_xf : 16;
        channel_xfer *xf = realloc(ch->xf, (size_t)cap * sizeof *xf);
        if (!xf)
            return -1;
        ch->xf = xf;
        /* Completions never outnumber transfers: reserving here means the
         * event loop itself never allocates. */
        channel_pending *done = realloc(ch->done, (size_t)cap * sizeof *done);
        if (!done)
            return -1;
        ch->done = done;
        ch->cap_xf = cap;
    }
    channel_xfer *x = &ch->xf[ch->n_xf++];
    x->tag = tag;
    x->seq = ch->next_seq++;
    x->device = device;
    x->dir = dir;
    x->on_air = 0;
    x->t_start = now;
    x->t_air = now + ch->access_ns;
    x->t_pred = SIM_TIME_NEVER;
    x->se_block = -1;
    x->bytes = bytes;
    x->bits_left = 8.0 * bytes;
    x->se = 0;
    x->rate_bps = -1;
    x->pending_tx = 1;
    x->cqi = 0;
    x->tx_in_round = x->transmissions = 0;
    x->combined_lin = 0;
    x->t_first_air = x->t_air;
    x->air_done_s = 0;
    x->aired = 0;
    x->site = 0;
    x->t_zero = SIM_TIME_NEVER;
    ch->n_active[dir]++;
    return 0;
}

int channel_transfer_cancel(channel *ch, sim_time now, uint64_t tag)
{
    assert(now >= ch->t_cur);
    run_to(ch, now, 0);
    int found = 0;
    for (int i = 0; i < ch->n_done; i++)
        if (ch->done[i].done.tag == tag) {
            ch->done[i] = ch->done[--ch->n_done];
            found = 1;
            i--;
        }
    for (int i = 0; i < ch->n_xf; i++) {
        channel_xfer *x = &ch->xf[i];
        if (x->tag != tag)
            continue;
        if (x->on_air) {
            ch->n_air[x->dir]--;
            air_site_add(ch, x->site, x->dir, -1, now);
        }
        ch->n_active[x->dir]--;
        *x = ch->xf[--ch->n_xf];
        found = 1;
        i--;
    }
    if (found)
        refresh_rates(ch); /* the others' share of the band grows now */
    return found;
}

sim_time channel_next_event(const channel *ch)
{
    return ch->n_done ? ch->t_cur : next_internal(ch);
}

static int pending_before(const channel_pending *a, const channel_pending *b)
{
    return a->done.t_end < b->done.t_end || (a->done.t_end == b->done.t_end && a->seq < b->seq);
}

void channel_advance(channel *ch, sim_time now, channel_done_fn *cb, void *ctx)
{
    assert(now >= ch->t_cur);
    run_to(ch, now, 1);
    /* Insertion sort by (t_end, start order): the buffer is short. */
    for (int i = 1; i < ch->n_done; i++) {
        channel_pending p = ch->done[i];
        int j = i;
        while (j > 0 && pending_before(&p, &ch->done[j - 1])) {
            ch->done[j] = ch->done[j - 1];
            j--;
        }
        ch->done[j] = p;
    }
    int n = ch->n_done;
    ch->n_done = 0;
    for (int i = 0; i < n; i++) {
        /* A copy: the callback may start transfers, which may move the buffer
         * (it cannot add completions: everything up to now is processed). */
        channel_done d = ch->done[i].done;
        if (cb)
            cb(ctx, &d);
    }
}
