/* channel.h -- the radio part: placement, path loss, shadowing, block fading,
 * SNR-to-rate mapping and transfers that share the band (processor sharing).
 *
 * Model and every formula with its source: docs/CHANNEL.md (docs/MODEL.md
 * section 2).  Units are in the names (_db, _dbm, _hz, _bps, _s, _m, _bytes);
 * simulated time is sim_time (int64 ns).
 *
 * The channel is a passive state machine: it never schedules events.  The
 * run loop asks channel_next_event() when something will change (a transfer
 * finishes its access delay or its last bit, or a fading block ends while a
 * transfer is on air), schedules one engine event for that time, and calls
 * channel_advance() when it fires; finished transfers are reported through a
 * callback.  Fading of device d, direction dir, is a pure function of
 * (seed, replication, d, dir, block index): which blocks anybody reads, and in
 * which order, never changes the values (common random numbers across
 * policies).
 *
 * Ownership: channel_create copies the configurations; the caller keeps its
 * own.  The channel owns all its memory; channel_destroy frees it.  After the
 * arrays have grown to the run's high-water mark nothing is allocated.
 */
#ifndef EDGESIM_CHANNEL_H
#define EDGESIM_CHANNEL_H

#include <stdint.h>
#include <stdio.h>

#include "sim/base/keys.h"
#include "sim/base/simtime.h"

#define CHANNEL_MAX_CQI 15
#define DEVICES_MAX_EXPLICIT 4096

typedef struct channel_link_config {
    double bandwidth_hz;     /* B, shared by the transfers on air in this direction */
    double tx_power_dbm;     /* uplink: device; downlink: edge */
    double noise_figure_db;  /* of the receiver */
    double circuit_power_w;  /* device power while this direction is on air (energy) */
} channel_link_config;

typedef struct channel_config {
    struct {
        char model[24];        /* "3gpp-macro" | "free-space" | "log-distance" */
        double carrier_hz;     /* free-space; log-distance when ref_loss_db is null */
        double exponent;       /* log-distance */
        double ref_distance_m; /* log-distance */
        double ref_loss_db;    /* log-distance: loss at ref_distance_m; NAN = free space there */
    } pathloss;
    double shadowing_db;       /* log-normal shadowing sigma */
    double shadowing_corr_m;   /* Gudmundson correlation distance of moving devices */
    double shadowing_step_m;   /* path-length grid of the moving devices' shadowing */
    struct {
        char model[16];        /* "rayleigh" | "rayleigh-iid" | "none" */
        double block_s;
        double doppler_hz;     /* NAN: from the speed (moving) or 10 Hz (static) */
    } fading;
    struct {
        char model[16];        /* "shannon" | "cqi" */
        double gap_db;         /* Shannon SNR gap */
        double max_bps;        /* cap on the per-transfer rate, NAN = none */
        double cqi_snr_db[CHANNEL_MAX_CQI]; /* SNR thresholds of CQI 1..n_cqi */
        int n_cqi;
    } rate;
    struct {
        int enabled;           /* link adaptation with BLER and HARQ (rate model cqi only) */
        int max_tx;            /* HARQ transmissions per RLC round */
        double rtt_s;          /* end of a transmission to its retransmission */
        double rlc_delay_s;    /* residual error after max_tx: RLC retransmission delay */
        double csi_delay_s;    /* age of the SNR the base station picks the CQI from */
        double bler_sd_db;     /* spread of the BLER curve (Gaussian in dB) */
    } harq;
    struct {
        int enabled;           /* inter-cell interference (docs/CHANNEL.md, "Inter-cell interference") */
        double load;           /* every other site's downlink activity in [0, 1]; NAN: measured */
        double load_window_s;  /* measured load: time constant of its moving average */
        double uplink_iot_db;  /* uplink interference over thermal: noise rise at the site */
    } interference;
    channel_link_config uplink, downlink;
    double noise_dbm_hz;
    double access_s;           /* scheduling request + grant + core network */
    double outage_timeout_s;   /* an on-air transfer at rate 0 this long is given up; 0 = never */
    double header_bytes;
    double bytes_per_token;
} channel_config;

/* How devices move (devices.mobility; docs/CHANNEL.md, "Mobility").  The
 * model names are the registry in mobility.c. */
typedef struct mobility_config {
    char model[24];          /* "static" | "constant-velocity" | "random-waypoint" | "random-direction" |
                              * "gauss-markov" | "trace" */
    double speed_mps;        /* constant-velocity speed; gauss-markov mean speed */
    double heading_deg;      /* constant-velocity heading; gauss-markov mean heading; 0 = +x */
    double speed_min_mps, speed_max_mps; /* random-waypoint, random-direction: speed per leg */
    double pause_s;          /* random-waypoint, random-direction: pause at the end of a leg */
    double memory;           /* gauss-markov alpha in [0, 1] */
    double step_s;           /* gauss-markov update interval */
    double speed_sd_mps;     /* gauss-markov speed spread */
    double heading_sd_deg;   /* gauss-markov heading spread */
    double area_m[4];        /* x_min, y_min, x_max, y_max; none: square of half side r_max_m */
    int n_area;              /* 0 or 4 */
    char trace_path[1024];   /* trace: CSV with columns t,device,x_m,y_m */
} mobility_config;

typedef struct devices_config {
    int count;
    double r_min_m, r_max_m;   /* annulus for area-uniform placement */
    double distances_m[DEVICES_MAX_EXPLICIT];
    int n_distances;           /* 0: draw; else must equal count */
    mobility_config mobility;
} devices_config;

/* Edge sites (docs/CHANNEL.md, "Sites and handover").  Each site has its
 * own band in each direction (the configured bandwidth, shared only by the
 * transfers it serves) and its own edge servers. */
#define SITES_MAX 64

typedef struct site_config {
    double x_m, y_m;
    int servers;             /* edge servers of this site; 0: edge.servers */
} site_config;

typedef struct sites_config {
    site_config site[SITES_MAX];
    int n;
    struct {
        int hex_count;       /* > 0: that many sites on a hexagonal grid (replaces `sites`) */
        double isd_m;        /* inter-site distance of the grid */
        int servers;         /* edge servers per grid site; 0: edge.servers */
    } layout;
    struct {
        double hysteresis_db; /* A3 offset: neighbour mean SNR above serving + this */
        double ttt_s;         /* time to trigger: the condition holds this long */
        double interrupt_s;   /* transfers of the device stop this long, then go on */
        double step_s;        /* measurement period (rounded to whole fading blocks) */
        char dialogue_kv[8];  /* "drop" | "stay" | "migrate": a dialogue's edge KV after a handover */
        double backhaul_latency_s; /* one-way latency between two sites' edge servers */
        double backhaul_bps;  /* backhaul bandwidth between two sites, bit/s */
    } handover;
} sites_config;

/* What happens to a dialogue's edge KV when its device is served by another
 * site than the one holding it (docs/CHANNEL.md, "Dialogue KV across a
 * handover"); indexes handover_kv_names. */
typedef enum { HANDOVER_KV_DROP = 0, HANDOVER_KV_STAY = 1, HANDOVER_KV_MIGRATE = 2 } handover_kv;
extern const char *const handover_kv_names[]; /* "drop", "stay", "migrate", NULL */
handover_kv handover_kv_find(const char *name);
/* Time to send `bytes` over the backhaul: latency + 8 bytes / bandwidth, s. */
double sites_backhaul_s(const sites_config *sites, double bytes);

extern const key_spec site_keys[];          /* one element of `sites` (offsets in site_config) */
extern const key_spec site_layout_keys[];   /* `site_layout` (offsets in sites_config) */
extern const key_spec handover_keys[];      /* `handover` (offsets in sites_config) */

/* Apply the layout helper (site_layout.hex_count sites in hexagonal rings
 * around the origin: centre, then 6, 12, ... at isd_m) and check the sites.
 * Returns 0, or -1 with a message naming the key in err. */
int sites_resolve(sites_config *sites, char *err, size_t errlen);
/* The default: one site at the origin with edge.servers servers. */
void sites_default(sites_config *sites);

extern const key_spec channel_keys[];  /* the "channel" object (offsets in channel_config) */
extern const key_spec devices_keys[];  /* the "devices" object (offsets in devices_config) */

/* Cross-key checks the key tables cannot express (r_min_m < r_max_m, count
 * vs distances_m, increasing CQI thresholds, ...).  Returns 0, or -1 with a
 * message naming the keys ("devices.distances_m: ...") in err. */
int channel_config_check(const channel_config *cfg, const devices_config *devices, char *err, size_t errlen);

typedef enum { LINK_UP = 0, LINK_DOWN = 1 } link_dir;

typedef struct channel channel;

/* Checks the configuration, places the devices and draws their shadowing from
 * their own streams.  Returns NULL and writes a message to err on a bad
 * configuration or when memory runs out. */
channel *channel_create(const channel_config *cfg, const devices_config *devices, uint64_t seed,
                        uint32_t replication, char *err, size_t errlen);
/* The same with several sites (NULL: the default single site).  Each device
 * attaches to the site with the best mean downlink SNR at t = 0; moving
 * devices hand over by the A3 rule of sites->handover. */
channel *channel_create_sites(const channel_config *cfg, const devices_config *devices, const sites_config *sites,
                              uint64_t seed, uint32_t replication, char *err, size_t errlen);
/* Site serving the device at t, and its handovers in (0, t].  Evaluated
 * lazily on the measurement grid, the same whatever the order of the calls
 * (t should not go back by more than one handover). */
int channel_serving_site(channel *ch, int device, sim_time t);
int channel_handovers(channel *ch, int device, sim_time t);
/* Mean downlink SNR of the device at its position at t towards `site`
 * from the path loss alone, dB: what the A3 rule compares (a device's
 * shadowing is common to every site, so it cancels in the comparison). */
double channel_site_snr_db(channel *ch, int device, int site, sim_time t);
/* Transfers on air at one site in one direction. */
int channel_on_air_site(const channel *ch, int site, link_dir dir);
/* The downlink load of `site` at t (>= the channel's time for the measured
 * load): channel.interference.load if given, else the moving average of
 * "the site's downlink has a transfer on air" (docs/CHANNEL.md). */
double channel_site_load(const channel *ch, int site, sim_time t);
void channel_destroy(channel *ch);

int channel_device_count(const channel *ch);
/* Distance (to the serving site) and shadowing at the start (t = 0). */
double channel_distance_m(const channel *ch, int device);
double channel_shadowing_db(const channel *ch, int device);
/* Large-scale mean SNR at the start (path loss + shadowing, no fading), dB. */
double channel_snr_avg_db(const channel *ch, int device, link_dir dir);
/* The same in the fading block that contains t: for moving devices, at the
 * position at the start of that block (docs/CHANNEL.md, "Mobility"). */
double channel_distance_at_m(channel *ch, int device, sim_time t);
double channel_snr_avg_at_db(channel *ch, int device, link_dir dir, sim_time t);
/* Position of the device at t (exact, not on the block grid), m, and the
 * path length it has travelled since t = 0, m.  Static devices stand at
 * their placement ((d_i, 0), or the annulus draw). */
void channel_position(channel *ch, int device, sim_time t, double *x_m, double *y_m, double *path_m);
/* Maximum Doppler shift used for the device's fading, Hz. */
double channel_doppler_hz(const channel *ch, int device);
/* SNR in the fading block that contains t, dB; with
 * channel.interference.enabled the SINR: downlink against noise plus the
 * other sites' mean power weighted by their load, uplink less the
 * interference-over-thermal margin. */
double channel_snr_db(channel *ch, int device, link_dir dir, sim_time t);
/* Fading power gain |h_k|^2 of block k (1 with fading "none"). */
double channel_fading_gain(channel *ch, int device, link_dir dir, int64_t block);
/* Gauss-Markov coefficient rho = J0(2 pi doppler_hz block_s) (0 for
 * "rayleigh-iid", 1 for "none") of device 0 (all devices share it unless
 * their speeds differ: channel_fading_rho_of). */
double channel_fading_rho(const channel *ch);
/* Blocks per fading segment L (docs/CHANNEL.md "Fading"; 0 for "none",
 * "rayleigh-iid" and f_D = 0), and the innovations drawn so far over all
 * streams (a read costs at most log2(L) + 2): for tests and benchmarks. */
int64_t channel_fading_segment_blocks(const channel *ch);
uint64_t channel_fading_draws(const channel *ch);
double channel_fading_rho_of(const channel *ch, int device);
/* Block length, ns (block_s rounded to the nanosecond). */
sim_time channel_block_ns(const channel *ch);
/* Uplink SNR the router sees at t, dB: the block containing t - delay_s
 * (block 0 if that is before the start), plus error_db * N(0,1), the error
 * being a pure function of (seed, replication, device, that block) on the
 * RNG_CSI_ERROR stream.  delay_s >= 0, error_db >= 0. */
double channel_csi_snr_db(channel *ch, int device, sim_time t, double delay_s, double error_db);
/* Rate of one transfer in the block containing t if n_sharing transfers
 * (including it) share the band, bits/s. */
double channel_rate_bps(channel *ch, int device, link_dir dir, sim_time t, int n_sharing);
/* The same at a given SNR (what the router expects at the SNR it sees): the
 * configured rate model (Shannon with gap, or CQI with outage), the band
 * shared by n_sharing, the max_bps cap.  channel_rate_bps is this at the
 * true SNR. */
double channel_rate_at_snr_bps(const channel *ch, link_dir dir, double snr_db, int n_sharing);
/* Transfers in flight (including those in their access delay). */
int channel_active(const channel *ch, link_dir dir);
/* Transfers on air (past their access delay): the n of B_share = B / n. */
int channel_on_air(const channel *ch, link_dir dir);

/* Link-level pieces, usable without a channel (tests, `edgesim channel`). */
double channel_pathloss_db(const channel_config *cfg, double distance_m);  /* dB; NAN on unknown model */
/* Spectral efficiency of the configured rate model at snr_db, b/s/Hz
 * (before sharing and before max_bps). */
double channel_spectral_efficiency(const channel_config *cfg, double snr_db);
/* CQI index 0..n_cqi for snr_db: the largest q with snr_db >= threshold q
 * (0 = outage). */
int channel_cqi_index(const channel_config *cfg, double snr_db);
/* 3GPP TS 38.214 Table 5.2.2.1-2 spectral efficiency of CQI q (0..15), b/s/Hz. */
double channel_cqi_efficiency(int cqi);
/* AWGN block error probability of CQI q (1..n_cqi) at snr_db:
 * Q((snr_db - T_q) / bler_sd_db + Q^-1(0.1)), 0.1 at the threshold T_q
 * (docs/CHANNEL.md, "Link adaptation, BLER and HARQ"). */
double channel_bler(const channel_config *cfg, int cqi, double snr_db);
/* With HARQ on a constant channel at snr_db and CQI q: the expected number
 * of transmissions per RLC round, E[N] = sum_{j=0}^{M-1} prod_{i<=j}
 * BLER(snr + 10 log10 i), and the residual error after M = max_tx
 * transmissions with chase combining; returns the effective spectral
 * efficiency eff_q (1 - residual) / E[N], b/s/Hz. */
double channel_harq_efficiency(const channel_config *cfg, int cqi, double snr_db, double *mean_tx,
                               double *residual);

/* Payload sizes, bytes (docs/MODEL.md section 2). */
double channel_uplink_bytes(const channel_config *cfg, double tokens, double extra_payload_bytes);
double channel_downlink_first_bytes(const channel_config *cfg);
double channel_downlink_rest_bytes(const channel_config *cfg, double out_tokens);

/* How a transfer ended (docs/MODEL.md, "Outcomes"). */
typedef enum {
    CHANNEL_DELIVERED = 0,     /* its last bit is through */
    CHANNEL_OUTAGE_TIMEOUT,    /* on air at rate 0 for outage_timeout_s in a row */
    CHANNEL_OUTAGE_PERMANENT   /* on air at rate 0 on a channel that cannot change: it would never end */
} channel_outage;

typedef struct channel_done {
    uint64_t tag;           /* as given to channel_transfer_start */
    int device;
    link_dir dir;
    sim_time t_start;       /* request time */
    sim_time t_air;         /* end of the access delay: first bit on air */
    sim_time t_end;         /* last bit delivered */
    double bytes;
    double air_s;           /* time on air (t_end - t_air; with HARQ, every transmission) */
    int transmissions;      /* HARQ transmissions, all RLC rounds (1 without HARQ) */
    double mean_rate_bps;   /* 8*bytes / air_s (NAN when air_s is 0 or not delivered) */
    channel_outage outage;  /* delivered, or given up at t_end without its last bit */
} channel_done;

/* `done` is valid only during the call. */
typedef void channel_done_fn(void *ctx, const channel_done *done);

/* Start a transfer of `bytes` (>= 0) at `now` (>= the last time given to the
 * channel).  It waits access_s, then is on air.  Returns 0, or -1 on
 * allocation failure. */
int channel_transfer_start(channel *ch, int device, link_dir dir, sim_time now, double bytes, uint64_t tag);
/* Abandon the transfer(s) started with `tag` at `now`: they leave the band
 * (the others' shares grow at once) and are never reported.  Returns 1, or
 * 0 if none is in flight. */
int channel_transfer_cancel(channel *ch, sim_time now, uint64_t tag);
/* Earliest time at which channel_advance has work, or SIM_TIME_NEVER.  May be
 * the time last given to the channel (never earlier). */
sim_time channel_next_event(const channel *ch);
/* Bring every transfer to `now` and report those that finished, in order of
 * finishing time (ties: order of start).  The callback may start transfers. */
void channel_advance(channel *ch, sim_time now, channel_done_fn *cb, void *ctx);

/* The `edgesim channel` check: for every device and direction, samples
 * `blocks` fading blocks and prints the large-scale mean SNR, the empirical
 * vs closed-form mean SNR, outage probability P(snr < outage_threshold_db)
 * and ergodic single-user rate.  Returns 0, or -1 with err set on a bad
 * configuration or out of memory. */
int channel_check_report(const channel_config *cfg, const devices_config *devices, uint64_t seed,
                         uint32_t replication, long blocks, double outage_threshold_db, FILE *out,
                         char *err, size_t errlen);

/* ---- docs: the model registries as tables (channel_docs.c) ----
 * The path-loss, rate, fading and mobility registries as the Markdown
 * tables of docs/CHANNEL.md (`edgesim models NAME`, checked by
 * tests/cli/docs_tables.sh).  channel_registry_name(i): the name of the
 * i-th (0-based), NULL past the last.  channel_registry_print: 0, or -1 for
 * an unknown name. */
const char *channel_registry_name(int i);
int channel_registry_print(const char *registry, FILE *out);

#endif
