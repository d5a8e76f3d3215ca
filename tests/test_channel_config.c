/* test_channel_config.c -- keys and defaults, parse errors naming the key,
 * cross-key checks, path-loss known values, placement and shadowing
 * statistics, mean SNR budget, CSI delay and error, payload sizes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "models/channel/channel.h"
#include "check.h"

static channel_config cfg;
static devices_config dev;

static void defaults(void)
{
    CHECK_INT(keys_defaults(channel_keys, &cfg), 0);
    CHECK_INT(keys_defaults(devices_keys, &dev), 0);
}

static void test_defaults(void)
{
    defaults();
    CHECK(strcmp(cfg.pathloss.model, "3gpp-macro") == 0);
    CHECK(strcmp(cfg.fading.model, "rayleigh") == 0);
    CHECK(strcmp(cfg.rate.model, "shannon") == 0);
    CHECK_NEAR(cfg.uplink.tx_power_dbm, 23, 0);
    CHECK_NEAR(cfg.uplink.noise_figure_db, 5, 0);
    CHECK_NEAR(cfg.uplink.bandwidth_hz, 20e6, 0);
    CHECK_NEAR(cfg.uplink.circuit_power_w, 2, 0);
    CHECK_NEAR(cfg.downlink.tx_power_dbm, 33, 0);
    CHECK_NEAR(cfg.downlink.noise_figure_db, 9, 0);
    CHECK_NEAR(cfg.downlink.bandwidth_hz, 20e6, 0);
    CHECK_NEAR(cfg.downlink.circuit_power_w, 1, 0);
    CHECK_NEAR(cfg.noise_dbm_hz, -174, 0);
    CHECK_NEAR(cfg.access_s, 0.005, 0);
    CHECK_NEAR(cfg.header_bytes, 256, 0);
    CHECK_NEAR(cfg.bytes_per_token, 4, 0);
    CHECK_NEAR(cfg.shadowing_db, 8, 0);
    CHECK_NEAR(cfg.fading.block_s, 0.01, 0);
    CHECK(isnan(cfg.fading.doppler_hz)); /* from the speed; 10 Hz for static devices */
    CHECK_NEAR(cfg.rate.gap_db, 0, 0);
    CHECK(isnan(cfg.rate.max_bps));
    CHECK(isnan(cfg.pathloss.ref_loss_db));
    CHECK_INT(cfg.rate.n_cqi, 15);
    CHECK_NEAR(cfg.rate.cqi_snr_db[0], -6.7, 0);
    CHECK_NEAR(cfg.rate.cqi_snr_db[14], 22.7, 0);
    CHECK_INT(dev.count, 10);
    CHECK_NEAR(dev.r_min_m, 10, 0);
    CHECK_NEAR(dev.r_max_m, 250, 0);
    CHECK_INT(dev.n_distances, 0);
    char err[256];
    CHECK_INT(channel_config_check(&cfg, &dev, err, sizeof err), 0);

    /* Emit, then parse back: the same configuration. */
    cJSON *obj = cJSON_CreateObject();
    CHECK_INT(keys_emit(channel_keys, &cfg, obj), 0);
    channel_config again;
    key_error kerr;
    keys_defaults(channel_keys, &again);
    again.access_s = 99;
    CHECK_INT(keys_parse(channel_keys, &again, obj, "channel", &kerr), 0);
    CHECK_NEAR(again.access_s, 0.005, 0);
    CHECK_INT(again.rate.n_cqi, 15);
    cJSON_Delete(obj);
}

/* Parse `json` into a fresh default config; return the error message. */
static int parse(const key_spec *spec, void *out, const char *json, const char *path, char *msg, size_t len)
{
    cJSON *obj = cJSON_Parse(json);
    key_error kerr = {{0}};
    int rc = keys_parse(spec, out, obj, path, &kerr);
    snprintf(msg, len, "%s", kerr.msg);
    cJSON_Delete(obj);
    return rc;
}

static void test_parse_errors(void)
{
    char msg[512];
    defaults();
    CHECK_INT(parse(channel_keys, &cfg, "{\"fading\": {\"modle\": \"none\"}}", "channel", msg, sizeof msg), -1);
    CHECK(strstr(msg, "channel.fading.modle: unknown key") != NULL);
    CHECK(strstr(msg, "model") != NULL); /* lists the valid keys */
    CHECK_INT(parse(channel_keys, &cfg, "{\"uplink\": {\"bandwidth_hz\": -5}}", "channel", msg, sizeof msg), -1);
    CHECK(strstr(msg, "channel.uplink.bandwidth_hz: expected a value in [1, 1e+12], found the number -5") != NULL);
    CHECK_INT(parse(channel_keys, &cfg, "{\"rate\": {\"model\": \"turbo\"}}", "channel", msg, sizeof msg), -1);
    CHECK(strstr(msg, "channel.rate.model: expected one of shannon|cqi") != NULL);
    CHECK_INT(parse(channel_keys, &cfg, "{\"pathloss\": {\"model\": \"hata\"}}", "channel", msg, sizeof msg), -1);
    CHECK(strstr(msg, "3gpp-macro|free-space|log-distance") != NULL);
    CHECK_INT(parse(channel_keys, &cfg, "{\"rate\": {\"cqi_snr_db\": [1, 2, \"x\"]}}", "channel", msg, sizeof msg),
              -1);
    CHECK(strstr(msg, "channel.rate.cqi_snr_db[2]") != NULL);
    CHECK_INT(parse(channel_keys, &cfg, "{\"shadowing_db\": 31}", "channel", msg, sizeof msg), -1);
    CHECK(strstr(msg, "channel.shadowing_db") != NULL);
    CHECK_INT(parse(devices_keys, &dev, "{\"count\": 0}", "devices", msg, sizeof msg), -1);
    CHECK(strstr(msg, "devices.count: expected a value in [1, 100000], found the number 0") != NULL);
    CHECK_INT(parse(devices_keys, &dev, "{\"count\": 2.5}", "devices", msg, sizeof msg), -1);
    CHECK(strstr(msg, "devices.count: expected an integer") != NULL);

    /* A good override goes through. */
    CHECK_INT(parse(channel_keys, &cfg,
                    "{\"fading\": {\"model\": \"none\"}, \"rate\": {\"max_bps\": 5e6}, \"downlink\": "
                    "{\"tx_power_dbm\": 40}}",
                    "channel", msg, sizeof msg),
              0);
    CHECK(strcmp(cfg.fading.model, "none") == 0);
    CHECK_NEAR(cfg.rate.max_bps, 5e6, 0);
    CHECK_NEAR(cfg.downlink.tx_power_dbm, 40, 0);
    CHECK_NEAR(cfg.uplink.tx_power_dbm, 23, 0);
}

static void test_cross_checks(void)
{
    char err[256];
    defaults();
    dev.n_distances = 3;
    CHECK_INT(channel_config_check(&cfg, &dev, err, sizeof err), -1);
    CHECK(strstr(err, "devices.distances_m: expected 10 distances (devices.count), found 3") != NULL);
    CHECK(channel_create(&cfg, &dev, 1, 0, err, sizeof err) == NULL);
    CHECK(strstr(err, "devices.distances_m") != NULL);

    defaults();
    dev.r_min_m = 300;
    CHECK_INT(channel_config_check(&cfg, &dev, err, sizeof err), -1);
    CHECK(strstr(err, "devices.r_min_m") != NULL);

    defaults();
    cfg.rate.cqi_snr_db[5] = cfg.rate.cqi_snr_db[4];
    CHECK_INT(channel_config_check(&cfg, &dev, err, sizeof err), -1);
    CHECK(strstr(err, "channel.rate.cqi_snr_db[5]: expected increasing thresholds") != NULL);

    defaults();
    snprintf(cfg.rate.model, sizeof cfg.rate.model, "cqi");
    cfg.rate.n_cqi = 0;
    CHECK_INT(channel_config_check(&cfg, &dev, err, sizeof err), -1);
    CHECK(strstr(err, "channel.rate.cqi_snr_db") != NULL);

    defaults();
    snprintf(cfg.pathloss.model, sizeof cfg.pathloss.model, "hata");
    CHECK_INT(channel_config_check(&cfg, &dev, err, sizeof err), -1);
    CHECK(strstr(err, "channel.pathloss.model: unknown model \"hata\"") != NULL);
}

static void test_pathloss(void)
{
    defaults();
    /* TR 36.814 macro: 128.1 dB at 1 km, 37.6 dB per decade. */
    CHECK_NEAR(channel_pathloss_db(&cfg, 1000), 128.1, 1e-12);
    CHECK_NEAR(channel_pathloss_db(&cfg, 100), 90.5, 1e-12);
    CHECK_NEAR(channel_pathloss_db(&cfg, 10000), 165.7, 1e-12);
    /* Free space: 20 log10(d/km) + 20 log10(f/MHz) + 32.45 dB: 98.47 dB at
     * 1 km and 2 GHz. */
    snprintf(cfg.pathloss.model, sizeof cfg.pathloss.model, "free-space");
    cfg.pathloss.carrier_hz = 2e9;
    CHECK_NEAR(channel_pathloss_db(&cfg, 1000), 20 * log10(2000.0) + 32.4478, 1e-3);
    CHECK_NEAR(channel_pathloss_db(&cfg, 2000) - channel_pathloss_db(&cfg, 1000), 20 * log10(2.0), 1e-12);
    /* Log-distance with n = 2 and the reference loss from free space is free
     * space; with an explicit reference loss: L(d0) + 10 n log10(d/d0). */
    double fs = channel_pathloss_db(&cfg, 1234);
    snprintf(cfg.pathloss.model, sizeof cfg.pathloss.model, "log-distance");
    cfg.pathloss.exponent = 2;
    CHECK_NEAR(channel_pathloss_db(&cfg, 1234), fs, 1e-9);
    cfg.pathloss.exponent = 3;
    cfg.pathloss.ref_loss_db = 40;
    cfg.pathloss.ref_distance_m = 1;
    CHECK_NEAR(channel_pathloss_db(&cfg, 10), 70, 1e-12);
    CHECK_NEAR(channel_pathloss_db(&cfg, 100), 100, 1e-12);
    snprintf(cfg.pathloss.model, sizeof cfg.pathloss.model, "nope");
    CHECK(isnan(channel_pathloss_db(&cfg, 100)));
}

/* SNR budget: P_tx - PL - S - (N0 + 10 log10 B + NF). */
static void test_snr_budget(void)
{
    char err[256];
    defaults();
    cfg.shadowing_db = 0;
    dev.count = 2;
    dev.n_distances = 2;
    dev.distances_m[0] = 100;
    dev.distances_m[1] = 1000;
    channel *ch = channel_create(&cfg, &dev, 1, 0, err, sizeof err);
    CHECK(ch != NULL);
    double noise_ul = -174 + 10 * log10(20e6) + 5, noise_dl = -174 + 10 * log10(20e6) + 9;
    CHECK_NEAR(channel_snr_avg_db(ch, 0, LINK_UP), 23 - 90.5 - noise_ul, 1e-9);
    CHECK_NEAR(channel_snr_avg_db(ch, 0, LINK_UP), 28.4897, 1e-4);
    CHECK_NEAR(channel_snr_avg_db(ch, 0, LINK_DOWN), 33 - 90.5 - noise_dl, 1e-9);
    CHECK_NEAR(channel_snr_avg_db(ch, 1, LINK_UP), 23 - 128.1 - noise_ul, 1e-9);
    CHECK_NEAR(channel_distance_m(ch, 1), 1000, 0);
    CHECK_NEAR(channel_shadowing_db(ch, 1), 0, 0);
    channel_destroy(ch);
}

/* Area-uniform in the annulus: E[r] = 2/3 (r1^3 - r0^3) / (r1^2 - r0^2),
 * P(r <= x) = (x^2 - r0^2) / (r1^2 - r0^2); shadowing ~ N(0, sigma^2). */
static void test_placement(void)
{
    enum { N = 20000 };
    char err[256];
    defaults();
    dev.count = N;
    channel *ch = channel_create(&cfg, &dev, 31, 0, err, sizeof err);
    CHECK(ch != NULL);
    static double r[N], s[N];
    int inside = 1;
    long below_mid = 0;
    double r0 = 10, r1 = 250, mid = 150;
    for (int i = 0; i < N; i++) {
        r[i] = channel_distance_m(ch, i);
        s[i] = channel_shadowing_db(ch, i);
        inside &= r[i] >= r0 && r[i] <= r1;
        below_mid += r[i] <= mid;
    }
    CHECK(inside);
    double mean_cf = 2.0 / 3.0 * (r1 * r1 * r1 - r0 * r0 * r0) / (r1 * r1 - r0 * r0);
    double sd_cf = sqrt((r1 * r1 + r0 * r0) / 2.0 - mean_cf * mean_cf); /* E[r^2] = (r1^2 + r0^2)/2 */
    CHECK_NEAR(gsl_stats_mean(r, 1, N), mean_cf, 4 * sd_cf / sqrt(N));
    CHECK_NEAR((double)below_mid / N, (mid * mid - r0 * r0) / (r1 * r1 - r0 * r0), 0.015);
    CHECK_NEAR(gsl_stats_mean(s, 1, N), 0, 4 * 8 / sqrt(N));
    CHECK_NEAR(gsl_stats_sd(s, 1, N), 8, 0.15);
    printf("placement: mean distance %.2f m (closed form %.2f), shadowing sd %.3f dB\n", gsl_stats_mean(r, 1, N),
           mean_cf, gsl_stats_sd(s, 1, N));
    /* Device i's place does not depend on how many devices there are. */
    dev.count = 5;
    channel *small = channel_create(&cfg, &dev, 31, 0, err, sizeof err);
    CHECK_NEAR(channel_distance_m(small, 4), r[4], 0);
    CHECK_NEAR(channel_shadowing_db(small, 4), s[4], 0);
    channel_destroy(small);
    channel_destroy(ch);
}

static void test_csi(void)
{
    enum { N = 50000 };
    char err[256];
    defaults();
    dev.count = 2;
    channel *ch = channel_create(&cfg, &dev, 4, 0, err, sizeof err);
    sim_time t = 7 * SIM_NS_PER_S + 3;
    CHECK_NEAR(channel_csi_snr_db(ch, 1, t, 0, 0), channel_snr_db(ch, 1, LINK_UP, t), 0);
    CHECK_NEAR(channel_csi_snr_db(ch, 1, t, 0.05, 0), channel_snr_db(ch, 1, LINK_UP, t - 50000000), 0);
    CHECK_NEAR(channel_csi_snr_db(ch, 1, 1000, 0.05, 0), channel_snr_db(ch, 1, LINK_UP, 0), 0); /* before 0 */
    /* Error: N(0, error_db^2), fixed per (device, block). */
    static double e[N];
    for (int k = 0; k < N; k++) {
        sim_time tk = (sim_time)k * channel_block_ns(ch);
        e[k] = channel_csi_snr_db(ch, 0, tk, 0, 2.0) - channel_snr_db(ch, 0, LINK_UP, tk);
    }
    CHECK_NEAR(gsl_stats_mean(e, 1, N), 0, 4 * 2.0 / sqrt(N));
    CHECK_NEAR(gsl_stats_sd(e, 1, N), 2.0, 0.04);
    CHECK_NEAR(channel_csi_snr_db(ch, 0, 5 * channel_block_ns(ch) + 1, 0, 2.0) - channel_snr_db(ch, 0, LINK_UP, 0),
               e[5] + channel_snr_db(ch, 0, LINK_UP, 5 * channel_block_ns(ch)) - channel_snr_db(ch, 0, LINK_UP, 0),
               1e-12);
    channel_destroy(ch);
}

static void test_payload(void)
{
    defaults();
    CHECK_NEAR(channel_uplink_bytes(&cfg, 100, 0), 256 + 400, 0);
    CHECK_NEAR(channel_uplink_bytes(&cfg, 100, 50000), 256 + 400 + 50000, 0);
    CHECK_NEAR(channel_downlink_first_bytes(&cfg), 260, 0);
    CHECK_NEAR(channel_downlink_rest_bytes(&cfg, 11), 256 + 40, 0);
}

int main(void)
{
    test_defaults();
    test_parse_errors();
    test_cross_checks();
    test_pathloss();
    test_snr_budget();
    test_placement();
    test_csi();
    test_payload();
    return check_done();
}
