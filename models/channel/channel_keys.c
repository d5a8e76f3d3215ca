/* channel_keys.c -- the "channel" and "devices" scenario objects, and the
 * cross-key checks.  Every default cites its source in docs/CHANNEL.md. */
#include "channel_int.h"

#include <math.h>
#include <stddef.h>
#include <string.h>


/* The sub-objects' offsets are relative to channel_config (the KEY_OBJECT
 * with offset 0 trick of traces/trace_keys.c). */
static const key_spec pathloss_keys[] = {
    KEY_STR_REG(channel_config, pathloss.model, "model", "\"3gpp-macro\"", channel_pathloss_models,
            "path-loss model (3gpp-macro: 3GPP TR 36.814 Table A.2.1.1.2-3)"),
    KEY_NUM(channel_config, pathloss.carrier_hz, "carrier_hz", "3.5e9", 1e6, 1e12,
            "carrier frequency for free-space and log-distance, Hz"),
    KEY_NUM(channel_config, pathloss.exponent, "exponent", "3.76", 1, 8,
            "log-distance path-loss exponent n (3.76 = the 3GPP macro slope)"),
    KEY_NUM(channel_config, pathloss.ref_distance_m, "ref_distance_m", "1", 1e-3, 1e6,
            "log-distance reference distance d0, m"),
    KEY_NUM(channel_config, pathloss.ref_loss_db, "ref_loss_db", NULL, -100, 300,
            "log-distance loss at d0, dB (null: free space at d0 and carrier_hz)"),
    KEY_TABLE_END,
};

static const key_spec fading_keys[] = {
    KEY_STR_REG(channel_config, fading.model, "model", "\"rayleigh\"", channel_fading_models,
            "small-scale fading: Gauss-Markov Rayleigh, i.i.d. Rayleigh, or none (|h|^2 = 1)"),
    KEY_NUM(channel_config, fading.block_s, "block_s", "0.01", 1e-6, 10,
            "fading block (coherence time) length, s"),
    KEY_NUM(channel_config, fading.doppler_hz, "doppler_hz", NULL, 0, 1e5,
            "maximum Doppler shift f_D, Hz; rho = J0(2 pi f_D block_s) (Jakes); null: v carrier_hz / c for "
            "moving devices, 10 Hz for static ones"),
    KEY_TABLE_END,
};

static const key_spec rate_keys[] = {
    KEY_STR_REG(channel_config, rate.model, "model", "\"shannon\"", channel_rate_models,
            "SNR-to-rate map: Shannon with gap, or the TS 38.214 CQI table"),
    KEY_NUM(channel_config, rate.gap_db, "gap_db", "0", 0, 30, "Shannon SNR gap Gamma, dB"),
    KEY_NUM(channel_config, rate.max_bps, "max_bps", NULL, 1, 1e15,
            "cap on one transfer's rate, bit/s (null: none)"),
    KEY_NUMS(channel_config, rate.cqi_snr_db, rate.n_cqi, "cqi_snr_db",
             "[-6.7,-4.7,-2.3,0.2,2.4,4.3,5.9,8.1,10.3,11.7,14.1,16.3,18.7,21.0,22.7]", -50, 60,
             "lowest SNR of CQI 1..15 (10% BLER, AWGN), dB; below CQI 1: outage"),
    KEY_TABLE_END,
};

static const key_spec harq_keys[] = {
    KEY_BOOLV(channel_config, harq.enabled, "enabled", "false",
              "rate model cqi: CQI from delayed SNR, block errors, HARQ and RLC retransmissions"),
    KEY_INTV(channel_config, harq.max_tx, "max_tx", "4", 1, 32,
             "HARQ transmissions per RLC round (chase combining)"),
    KEY_NUM(channel_config, harq.rtt_s, "rtt_s", "0.008", 0, 10,
            "HARQ round trip: end of a transmission to its retransmission, s (LTE FDD: 8 ms)"),
    KEY_NUM(channel_config, harq.rlc_delay_s, "rlc_delay_s", "0.04", 0, 100,
            "residual HARQ error: delay before the RLC retransmission starts a new round, s"),
    KEY_NUM(channel_config, harq.csi_delay_s, "csi_delay_s", "0.005", 0, 100,
            "age of the SNR the base station picks the CQI from, s"),
    KEY_NUM(channel_config, harq.bler_sd_db, "bler_sd_db", "0.5", 0.01, 10,
            "spread of the AWGN BLER curve of each CQI (Gaussian in dB), dB"),
    KEY_TABLE_END,
};

static const key_spec interference_keys[] = {
    KEY_BOOLV(channel_config, interference.enabled, "enabled", "false",
              "inter-cell interference: downlink SINR against the other sites weighted by their load, uplink "
              "less uplink_iot_db (off: every site's SNR is against thermal noise alone)"),
    KEY_NUM(channel_config, interference.load, "load", NULL, 0, 1,
            "downlink activity of every other site in [0, 1] (1: full buffer); null: measured, the moving average "
            "of the time each site's downlink has a transfer on air"),
    KEY_NUM(channel_config, interference.load_window_s, "load_window_s", "1", 1e-6, 1e6,
            "measured load: time constant of the exponential moving average, s"),
    KEY_NUM(channel_config, interference.uplink_iot_db, "uplink_iot_db", "3", 0, 40,
            "uplink interference over thermal: the noise rise at the receiving site, dB"),
    KEY_TABLE_END,
};

static const key_spec uplink_keys[] = {
    KEY_NUM(channel_link_config, bandwidth_hz, "bandwidth_hz", "20e6", 1, 1e12,
            "uplink band, shared by the uplink transfers on air, Hz"),
    KEY_NUM(channel_link_config, tx_power_dbm, "tx_power_dbm", "23", -50, 80,
            "device transmit power, dBm (3GPP power class 3)"),
    KEY_NUM(channel_link_config, noise_figure_db, "noise_figure_db", "5", 0, 30,
            "edge (base station) receiver noise figure, dB"),
    KEY_NUM(channel_link_config, circuit_power_w, "circuit_power_w", "2", 0, 1e3,
            "device power while transmitting, W (energy)"),
    KEY_TABLE_END,
};

static const key_spec downlink_keys[] = {
    KEY_NUM(channel_link_config, bandwidth_hz, "bandwidth_hz", "20e6", 1, 1e12,
            "downlink band, shared by the downlink transfers on air, Hz"),
    KEY_NUM(channel_link_config, tx_power_dbm, "tx_power_dbm", "33", -50, 80,
            "edge transmit power in this band, dBm"),
    KEY_NUM(channel_link_config, noise_figure_db, "noise_figure_db", "9", 0, 30,
            "device receiver noise figure, dB"),
    KEY_NUM(channel_link_config, circuit_power_w, "circuit_power_w", "1", 0, 1e3,
            "device power while receiving, W (energy)"),
    KEY_TABLE_END,
};

const key_spec channel_keys[] = {
    KEY_SUB("pathloss", pathloss_keys, "large-scale path loss"),
    KEY_NUM(channel_config, shadowing_db, "shadowing_db", "8", 0, 30,
            "log-normal shadowing standard deviation per device, dB"),
    KEY_NUM(channel_config, shadowing_corr_m, "shadowing_corr_m", "50", 0.01, 1e6,
            "moving devices: shadowing correlation distance d_corr (Gudmundson exp(-d/d_corr); 3GPP TR 38.901 "
            "Table 7.5-6 UMa NLOS), m"),
    KEY_NUM(channel_config, shadowing_step_m, "shadowing_step_m", "0.1", 1e-3, 1e3,
            "moving devices: path-length grid of the shadowing, m"),
    KEY_SUB("fading", fading_keys, "small-scale block fading"),
    KEY_SUB("rate", rate_keys, "SNR-to-rate mapping"),
    KEY_SUB("harq", harq_keys, "link adaptation with BLER and HARQ (rate model cqi)"),
    KEY_SUB("interference", interference_keys, "inter-cell interference between sites"),
    KEY_OBJ(channel_config, uplink, "uplink", uplink_keys, "device to edge"),
    KEY_OBJ(channel_config, downlink, "downlink", downlink_keys, "edge to device"),
    KEY_NUM(channel_config, noise_dbm_hz, "noise_dbm_hz", "-174", -220, -100,
            "thermal noise density, dBm/Hz (kT at 290 K)"),
    KEY_NUM(channel_config, access_s, "access_s", "0.005", 0, 10,
            "delay before a transfer is on air (scheduling request, grant, core network), s"),
    KEY_NUM(channel_config, outage_timeout_s, "outage_timeout_s", "10", 0, 1e9,
            "a transfer on air at rate 0 this long in a row is given up: the query's status is outage; "
            "0: wait for ever (docs/MODEL.md, Outcomes), s"),
    KEY_NUM(channel_config, header_bytes, "header_bytes", "256", 0, 1e9,
            "protocol header per message, bytes"),
    KEY_NUM(channel_config, bytes_per_token, "bytes_per_token", "4", 0, 1e6,
            "bytes sent per token of text, bytes"),
    KEY_TABLE_END,
};

static const key_spec mobility_keys[] = {
    KEY_STR(mobility_config, model, "model", "\"static\"", mobility_names,
            "how devices move (docs/CHANNEL.md, Mobility)"),
    KEY_NUM(mobility_config, speed_mps, "speed_mps", "1", 0, 1e3,
            "constant-velocity speed, gauss-markov mean speed, m/s"),
    KEY_NUM(mobility_config, heading_deg, "heading_deg", "0", -360, 360,
            "constant-velocity heading, gauss-markov mean heading, degrees (0 = +x, 90 = +y)"),
    KEY_NUM(mobility_config, speed_min_mps, "speed_min_mps", "0.5", 1e-3, 1e3,
            "random-waypoint, random-direction: lowest speed of a leg, m/s"),
    KEY_NUM(mobility_config, speed_max_mps, "speed_max_mps", "1.5", 1e-3, 1e3,
            "random-waypoint, random-direction: highest speed of a leg, m/s"),
    KEY_NUM(mobility_config, pause_s, "pause_s", "0", 0, 1e6,
            "random-waypoint, random-direction: pause at the end of a leg, s"),
    KEY_NUM(mobility_config, memory, "memory", "0.75", 0, 1,
            "gauss-markov memory alpha (0: memoryless, 1: constant velocity)"),
    KEY_NUM(mobility_config, step_s, "step_s", "1", 1e-3, 1e6, "gauss-markov update interval, s"),
    KEY_NUM(mobility_config, speed_sd_mps, "speed_sd_mps", "0.3", 0, 1e3,
            "gauss-markov standard deviation of the speed, m/s"),
    KEY_NUM(mobility_config, heading_sd_deg, "heading_sd_deg", "30", 0, 360,
            "gauss-markov standard deviation of the heading, degrees"),
    KEY_NUMS(mobility_config, area_m, n_area, "area_m", "[]", -1e7, 1e7,
             "movement area [x_min, y_min, x_max, y_max], m (empty: the square of half side r_max_m around "
             "the origin); devices reflect at its border"),
    KEY_STR(mobility_config, trace_path, "trace_path", "\"\"", NULL,
            "trace: CSV with header t,device,x_m,y_m (s, index, m, m), interpolated linearly; relative: in the "
            "scenario's folder (--set: working directory)"),
    KEY_TABLE_END,
};

const key_spec devices_keys[] = {
    KEY_INTV(devices_config, count, "count", "10", 1, 100000, "number of devices"),
    KEY_NUM(devices_config, r_min_m, "r_min_m", "10", 0.01, 1e6,
            "inner radius of the placement annulus, m"),
    KEY_NUM(devices_config, r_max_m, "r_max_m", "250", 0.01, 1e6,
            "outer radius of the placement annulus, m"),
    KEY_NUMS(devices_config, distances_m, n_distances, "distances_m", "[]", 0.01, 1e6,
             "explicit distance of each device, m (empty: area-uniform in the annulus); a moving device i "
             "starts at (d_i, 0)"),
    KEY_OBJ(devices_config, mobility, "mobility", mobility_keys, "how devices move"),
    KEY_TABLE_END,
};


/* The mobility keys' cross checks: the area, the speed range, and starting
 * positions inside the area. */
static int mobility_config_check(const mobility_config *mob, const devices_config *dev, char *err, size_t errlen)
{
    const mobility_model *model = mobility_find(mob->model);
    if (!model)
        return keys_errorf(err, errlen, "devices.mobility.model: unknown model \"%s\"", mob->model);
    if (mob->n_area != 0 && mob->n_area != 4)
        return keys_errorf(err, errlen, "devices.mobility.area_m: expected [x_min, y_min, x_max, y_max], found %d numbers",
                          mob->n_area);
    double area[4];
    mobility_area(mob, dev, area);
    if (!(area[0] < area[2]) || !(area[1] < area[3]))
        return keys_errorf(err, errlen, "devices.mobility.area_m: expected x_min < x_max and y_min < y_max, found "
                          "[%g, %g, %g, %g]", area[0], area[1], area[2], area[3]);
    if (mob->speed_min_mps > mob->speed_max_mps)
        return keys_errorf(err, errlen, "devices.mobility.speed_min_mps: expected at most speed_max_mps (%g), found %g",
                          mob->speed_max_mps, mob->speed_min_mps);
    if (!model->moves || strcmp(mob->model, "trace") == 0)
        return 0;
    /* Devices start at (d_i, 0), or in the annulus [r_min, r_max]: inside
     * the area?  (An annulus start is checked against its outer circle.) */
    for (int d = 0; d < (dev->n_distances ? dev->count : 0); d++)
        if (dev->distances_m[d] < area[0] || dev->distances_m[d] > area[2] || 0 < area[1] || 0 > area[3])
            return keys_errorf(err, errlen, "devices.distances_m[%d]: device starts at (%g, 0), outside "
                              "devices.mobility.area_m [%g, %g, %g, %g]", d, dev->distances_m[d], area[0], area[1],
                              area[2], area[3]);
    if (!dev->n_distances && (-dev->r_max_m < area[0] || dev->r_max_m > area[2] || -dev->r_max_m < area[1] ||
                              dev->r_max_m > area[3]))
        return keys_errorf(err, errlen, "devices.mobility.area_m: expected the placement disc of radius r_max_m "
                          "(%g m) inside [%g, %g, %g, %g]", dev->r_max_m, area[0], area[1], area[2], area[3]);
    return 0;
}


int channel_config_check(const channel_config *cfg, const devices_config *dev, char *err, size_t errlen)
{
    if (!channel_pathloss_find(cfg->pathloss.model))
        return keys_errorf(err, errlen, "channel.pathloss.model: unknown model \"%s\"", cfg->pathloss.model);
    if (!channel_rate_find(cfg->rate.model))
        return keys_errorf(err, errlen, "channel.rate.model: unknown model \"%s\"", cfg->rate.model);
    if (!channel_fading_find(cfg->fading.model))
        return keys_errorf(err, errlen, "channel.fading.model: unknown model \"%s\"", cfg->fading.model);
    if (strcmp(cfg->rate.model, "cqi") == 0 && cfg->rate.n_cqi < 1)
        return keys_errorf(err, errlen, "channel.rate.cqi_snr_db: expected 1 to %d thresholds for rate model cqi, found none",
                          CHANNEL_MAX_CQI);
    for (int q = 1; q < cfg->rate.n_cqi; q++)
        if (!(cfg->rate.cqi_snr_db[q] > cfg->rate.cqi_snr_db[q - 1]))
            return keys_errorf(err, errlen,
                              "channel.rate.cqi_snr_db[%d]: expected increasing thresholds, found %g after %g", q,
                              cfg->rate.cqi_snr_db[q], cfg->rate.cqi_snr_db[q - 1]);
    if (cfg->harq.enabled && strcmp(cfg->rate.model, "cqi") != 0)
        return keys_errorf(err, errlen, "channel.harq.enabled: HARQ needs channel.rate.model cqi, found \"%s\"",
                          cfg->rate.model);
    if (sim_time_from_s(cfg->fading.block_s) < 1)
        return keys_errorf(err, errlen, "channel.fading.block_s: expected at least 1 ns, found %g", cfg->fading.block_s);
    if (dev->r_min_m > dev->r_max_m && dev->n_distances == 0)
        return keys_errorf(err, errlen, "devices.r_min_m: expected at most devices.r_max_m (%g), found %g",
                          dev->r_max_m, dev->r_min_m);
    if (dev->n_distances != 0 && dev->n_distances != dev->count)
        return keys_errorf(err, errlen, "devices.distances_m: expected %d distances (devices.count), found %d",
                          dev->count, dev->n_distances);
    return mobility_config_check(&dev->mobility, dev, err, errlen);
}
