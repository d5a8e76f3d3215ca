/* channel.h -- the radio part: placement, path loss, shadowing, block fading,
 * SNR-to-rate mapping and transfers that share the band (processor sharing).
 *
 * Model: docs/MODEL.md section 2.  Units are in the names (_db, _dbm, _hz,
 * _bps, _s, _m, _bytes); simulated time is sim_time (int64 ns).
 *
 * The channel is a passive state machine: it never schedules events.  The
 * run loop asks channel_next_event() when something will change (a transfer
 * finishes its access delay or its last bit, or a fading block ends while a
 * transfer is in flight), schedules one engine event for that time, and calls
 * channel_advance() when it fires; finished transfers are reported through a
 * callback.  Fading of device d, direction dir, is a pure function of
 * (seed, replication, d, dir, block index): which blocks anybody reads never
 * changes the values (common random numbers across policies).
 */
#ifndef EDGESIM_CHANNEL_H
#define EDGESIM_CHANNEL_H

#include <stdint.h>
#include <stdio.h>

#include "sim/keys.h"
#include "sim/simtime.h"

#define CHANNEL_MAX_CQI 15
#define DEVICES_MAX_EXPLICIT 4096

typedef struct channel_link_config {
    double bandwidth_hz;     /* B, shared by the transfers in flight in this direction */
    double tx_power_dbm;     /* uplink: device; downlink: edge */
    double noise_figure_db;  /* of the receiver */
    double circuit_power_w;  /* device power while this direction is on air (energy) */
} channel_link_config;

typedef struct channel_config {
    struct {
        char model[24];        /* "3gpp-macro" | "free-space" | "log-distance" */
        double carrier_hz;     /* free-space */
        double exponent;       /* log-distance */
        double ref_distance_m; /* log-distance */
        double ref_loss_db;    /* log-distance: loss at ref_distance_m */
    } pathloss;
    double shadowing_db;       /* log-normal shadowing sigma */
    struct {
        char model[16];        /* "rayleigh" | "none" */
        double block_s;
        double doppler_hz;
    } fading;
    struct {
        char model[16];        /* "shannon" | "cqi" */
        double gap_db;         /* Shannon SNR gap */
        double max_bps;        /* cap on the per-transfer rate, NAN = none */
        double cqi_snr_db[CHANNEL_MAX_CQI]; /* SNR thresholds of CQI 1..15 */
        int n_cqi;
    } rate;
    channel_link_config uplink, downlink;
    double noise_dbm_hz;
    double access_s;           /* scheduling request + grant + core network */
    double header_bytes;
    double bytes_per_token;
} channel_config;

typedef struct devices_config {
    int count;
    double r_min_m, r_max_m;   /* annulus for area-uniform placement */
    double distances_m[DEVICES_MAX_EXPLICIT];
    int n_distances;           /* 0: draw; else must equal count */
} devices_config;

extern const key_spec channel_keys[];  /* the "channel" object */
extern const key_spec devices_keys[];  /* the "devices" object */

typedef enum { LINK_UP = 0, LINK_DOWN = 1 } link_dir;

typedef struct channel channel;

/* Places the devices and draws their shadowing from their own streams.
 * Returns NULL and writes a message to err on a bad configuration. */
channel *channel_create(const channel_config *cfg, const devices_config *devices, uint64_t seed,
                        uint32_t replication, char *err, size_t errlen);
void channel_destroy(channel *ch);

int channel_device_count(const channel *ch);
double channel_distance_m(const channel *ch, int device);
/* Large-scale mean SNR (path loss + shadowing, no fading), dB. */
double channel_snr_avg_db(const channel *ch, int device, link_dir dir);
/* SNR in the fading block that contains t, dB. */
double channel_snr_db(channel *ch, int device, link_dir dir, sim_time t);
/* Rate of one transfer in the block containing t if n_sharing transfers
 * (including it) share the band, bits/s. */
double channel_rate_bps(channel *ch, int device, link_dir dir, sim_time t, int n_sharing);
/* Transfers in flight (including those in their access delay). */
int channel_active(const channel *ch, link_dir dir);

/* Payload sizes, bytes (docs/MODEL.md section 2). */
double channel_uplink_bytes(const channel_config *cfg, double tokens, double extra_payload_bytes);
double channel_downlink_first_bytes(const channel_config *cfg);
double channel_downlink_rest_bytes(const channel_config *cfg, double out_tokens);

typedef struct channel_done {
    uint64_t tag;           /* as given to channel_transfer_start */
    int device;
    link_dir dir;
    sim_time t_start;       /* request time */
    sim_time t_end;         /* last bit delivered */
    double bytes;
    double air_s;           /* time on air (t_end - t_start - access) */
    double mean_rate_bps;   /* 8*bytes / air_s */
} channel_done;

typedef void channel_done_fn(void *ctx, const channel_done *done);

/* Start a transfer of `bytes` at `now`.  Returns 0, or -1 on allocation failure. */
int channel_transfer_start(channel *ch, int device, link_dir dir, sim_time now, double bytes, uint64_t tag);
/* Earliest time at which channel_advance has work, or SIM_TIME_NEVER. */
sim_time channel_next_event(const channel *ch);
/* Bring every transfer to `now` and report those that finished, in order of
 * finishing time (ties: order of start). */
void channel_advance(channel *ch, sim_time now, channel_done_fn *cb, void *ctx);

#endif
