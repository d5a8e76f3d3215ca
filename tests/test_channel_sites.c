/* test_channel_sites.c -- several edge sites: the hexagonal layout helper,
 * attachment to the best mean SNR, the A3 handover of a device at constant
 * velocity between two sites at exactly the hysteresis point plus the
 * time to trigger (and not when it leaves the region before the time to
 * trigger), the interruption of its transfers, each site's own band, and
 * the SINR with inter-cell interference (fixed and measured load). */
#include <math.h>
#include <string.h>

#include "models/channel/channel.h"
#include "check.h"

static channel_config cfg;
static devices_config dev;
static sites_config sites;

static void defaults(int count)
{
    keys_defaults(channel_keys, &cfg);
    keys_defaults(devices_keys, &dev);
    sites_default(&sites);
    dev.count = count;
    cfg.shadowing_db = 0;
    strcpy(cfg.fading.model, "none");
}

static void two_sites(double distance_m)
{
    sites.n = 2;
    sites.site[1].x_m = distance_m;
}

/* One device at constant velocity v along +x from (x0, 0) between sites at
 * 0 and D, in an area too large to reflect it. */
static void driving(double D, double v, double x0)
{
    defaults(1);
    two_sites(D);
    strcpy(dev.mobility.model, "constant-velocity");
    dev.mobility.speed_mps = v;
    dev.n_distances = 1;
    dev.distances_m[0] = x0;
    dev.mobility.n_area = 4;
    dev.mobility.area_m[0] = -1e4, dev.mobility.area_m[1] = -1e4;
    dev.mobility.area_m[2] = 1e4, dev.mobility.area_m[3] = 1e4;
}

/* Rings of 6 k sites at k isd (corners) or between; every site of a
 * 7-site layout is isd from the centre, and neighbours on the ring are isd
 * apart. */
static void test_hex_layout(void)
{
    char err[256];
    sites_default(&sites);
    sites.layout.hex_count = 19;
    sites.layout.isd_m = 500;
    CHECK(sites_resolve(&sites, err, sizeof err) == 0);
    CHECK_INT(sites.n, 19);
    CHECK_NEAR(sites.site[0].x_m, 0, 0);
    for (int i = 1; i < 7; i++) {
        CHECK_NEAR(hypot(sites.site[i].x_m, sites.site[i].y_m), 500, 1e-9);
        int j = i == 6 ? 1 : i + 1;
        CHECK_NEAR(hypot(sites.site[i].x_m - sites.site[j].x_m, sites.site[i].y_m - sites.site[j].y_m), 500, 1e-9);
    }
    int corners = 0, edges = 0;
    for (int i = 7; i < 19; i++) {
        double r = hypot(sites.site[i].x_m, sites.site[i].y_m);
        corners += fabs(r - 1000) < 1e-9;
        edges += fabs(r - 500 * sqrt(3.0)) < 1e-9;
    }
    CHECK_INT(corners, 6);
    CHECK_INT(edges, 6);
    /* Resolving a resolved layout again is accepted; other sites are not. */
    CHECK(sites_resolve(&sites, err, sizeof err) == 0);
    sites.site[3].x_m += 1;
    CHECK(sites_resolve(&sites, err, sizeof err) != 0);
    CHECK(strstr(err, "site_layout.hex_count") != NULL);
    sites_default(&sites);
    sites.n = 2;
    CHECK(sites_resolve(&sites, err, sizeof err) != 0);
    CHECK(strstr(err, "sites.1") != NULL);
}

/* Position x* on the segment between the sites where site 1's mean SNR
 * exceeds site 0's by exactly h dB: PL(x) - PL(D - x) = h, by bisection. */
static double hysteresis_point(double D, double h)
{
    double lo = D / 2, hi = D - 1;
    for (int i = 0; i < 200; i++) {
        double mid = (lo + hi) / 2;
        if (channel_pathloss_db(&cfg, mid) - channel_pathloss_db(&cfg, D - mid) > h)
            hi = mid;
        else
            lo = mid;
    }
    return (lo + hi) / 2;
}

/* Static devices attach to the nearer site and take its distance. */
static void test_static_attach(void)
{
    defaults(2);
    two_sites(1000);
    dev.n_distances = 2;
    dev.distances_m[0] = 400;
    dev.distances_m[1] = 700;
    char err[256];
    channel *ch = channel_create_sites(&cfg, &dev, &sites, 1, 0, err, sizeof err);
    CHECK(ch != NULL);
    if (!ch)
        return;
    CHECK_INT(channel_serving_site(ch, 0, 0), 0);
    CHECK_INT(channel_serving_site(ch, 1, 0), 1);
    CHECK_NEAR(channel_distance_m(ch, 0), 400, 1e-9);
    CHECK_NEAR(channel_distance_m(ch, 1), 300, 1e-9);
    CHECK_INT(channel_handovers(ch, 1, sim_time_from_s(100)), 0);
    channel_destroy(ch);
}

/* A device at 10 m/s from x = 100 m towards site 1 at 1000 m: the A3
 * condition first holds at the first measurement past x*, and the handover
 * happens ttt later, on the measurement grid; never before. */
static void test_handover_point(void)
{
    const double D = 1000, v = 10, x0 = 100;
    driving(D, v, x0);
    sites.handover.hysteresis_db = 3;
    sites.handover.ttt_s = 0.16;
    sites.handover.step_s = cfg.fading.block_s; /* 10 ms */
    char err[256];
    channel *ch = channel_create_sites(&cfg, &dev, &sites, 1, 0, err, sizeof err);
    CHECK(ch != NULL);
    if (!ch)
        return;
    double x_star = hysteresis_point(D, 3);
    double t_star = (x_star - x0) / v;
    sim_time step = sim_time_from_s(0.01);
    sim_time t_enter = (sim_time_from_s(t_star) / step + 1) * step; /* first measurement past x* */
    sim_time t_ho = t_enter + sim_time_from_s(0.16);
    /* The equal-SNR midpoint is passed long before: no handover there. */
    CHECK(x_star > D / 2 + 10);
    CHECK_INT(channel_serving_site(ch, 0, sim_time_from_s((D / 2 - x0) / v + 1)), 0);
    CHECK_INT(channel_serving_site(ch, 0, t_enter), 0);
    CHECK_INT(channel_serving_site(ch, 0, t_ho - 1), 0);
    CHECK_INT(channel_handovers(ch, 0, t_ho - 1), 0);
    CHECK_INT(channel_serving_site(ch, 0, t_ho), 1);
    CHECK_INT(channel_handovers(ch, 0, t_ho), 1);
    /* At the hysteresis point site 1 is h dB better; the distance is now
     * to site 1. */
    CHECK_NEAR(channel_site_snr_db(ch, 0, 1, sim_time_from_s(t_star)) -
                   channel_site_snr_db(ch, 0, 0, sim_time_from_s(t_star)),
               3, 1e-6);
    double x = x0 + v * sim_time_to_s(t_ho);
    CHECK_NEAR(channel_distance_at_m(ch, 0, t_ho), D - x, 1e-6);
    CHECK_INT(channel_handovers(ch, 0, sim_time_from_s(80)), 1);
    channel_destroy(ch);

    /* Reflected at the area border ttt/4 past x*: the condition holds for
     * only ttt/2 each time, so the device never hands over. */
    dev.mobility.area_m[2] = x_star + v * 0.16 / 4;
    dev.mobility.area_m[0] = x0 - 1;
    ch = channel_create_sites(&cfg, &dev, &sites, 1, 0, err, sizeof err);
    CHECK(ch != NULL);
    if (!ch)
        return;
    CHECK_INT(channel_handovers(ch, 0, sim_time_from_s(300)), 0);
    CHECK_INT(channel_serving_site(ch, 0, sim_time_from_s(300)), 0);
    channel_destroy(ch);

    /* With no time to trigger, at the first measurement past x*. */
    dev.mobility.area_m[0] = -1e4, dev.mobility.area_m[2] = 1e4;
    sites.handover.ttt_s = 0;
    ch = channel_create_sites(&cfg, &dev, &sites, 1, 0, err, sizeof err);
    CHECK(ch != NULL);
    if (!ch)
        return;
    CHECK_INT(channel_serving_site(ch, 0, t_enter - 1), 0);
    CHECK_INT(channel_serving_site(ch, 0, t_enter), 1);
    channel_destroy(ch);
}

static sim_time done_at;
static void on_done(void *ctx, const channel_done *d)
{
    (void)ctx;
    done_at = d->t_end;
}

static sim_time run_transfer(channel *ch, int device, sim_time t0, double bytes)
{
    done_at = -1;
    CHECK(channel_transfer_start(ch, device, LINK_UP, t0, bytes, 1) == 0);
    for (int i = 0; i < 1000000 && done_at < 0; i++) {
        sim_time t = channel_next_event(ch);
        if (t == SIM_TIME_NEVER)
            break;
        channel_advance(ch, t, on_done, NULL);
    }
    return done_at;
}

/* A transfer on air across the handover ends interrupt_s later than it
 * would without: rate capped (constant) on both sites. */
static void test_handover_interrupts_transfer(void)
{
    const double D = 1000, v = 10, x0 = 100, cap = 1e6, bytes = 1e6;
    driving(D, v, x0);
    cfg.rate.max_bps = cap;
    sites.handover.ttt_s = 0;
    sites.handover.interrupt_s = 0.05;
    sites.handover.step_s = 0.01;
    char err[256];
    channel *ch = channel_create_sites(&cfg, &dev, &sites, 1, 0, err, sizeof err);
    CHECK(ch != NULL);
    if (!ch)
        return;
    sim_time t_ho = -1;
    for (sim_time t = 0; t < sim_time_from_s(100); t += sim_time_from_s(0.01))
        if (channel_serving_site(ch, 0, t) == 1) {
            t_ho = t;
            break;
        }
    CHECK(t_ho > 0);
    /* Start 3 s before: 8 s of air time spans the handover. */
    sim_time t0 = t_ho - sim_time_from_s(3);
    sim_time want = t0 + sim_time_from_s(cfg.access_s) + sim_time_from_s(8 * bytes / cap) + sim_time_from_s(0.05);
    sim_time got = run_transfer(ch, 0, t0, bytes);
    CHECK(llabs(got - want) <= 2);
    /* After the handover, no interruption. */
    sim_time t1 = got + sim_time_from_s(1);
    got = run_transfer(ch, 0, t1, bytes);
    CHECK(llabs(got - (t1 + sim_time_from_s(cfg.access_s) + sim_time_from_s(8 * bytes / cap))) <= 2);
    channel_destroy(ch);
}

/* Each site has its own band: two devices at the same distance from two
 * different sites finish together as fast as one alone; at one site they
 * share the band and take twice the air time. */
static void test_own_bands(void)
{
    const double bytes = 1e6;
    char err[256];
    sim_time t_air[2];
    for (int k = 0; k < 2; k++) {
        defaults(2);
        two_sites(k == 0 ? 1000 : 5000);
        dev.n_distances = 2;
        dev.distances_m[0] = 100;
        dev.distances_m[1] = k == 0 ? 900 : 100.0000001;
        channel *ch = channel_create_sites(&cfg, &dev, &sites, 1, 0, err, sizeof err);
        CHECK(ch != NULL);
        if (!ch)
            return;
        CHECK(channel_transfer_start(ch, 0, LINK_UP, 0, bytes, 1) == 0);
        CHECK(channel_transfer_start(ch, 1, LINK_UP, 0, bytes, 2) == 0);
        sim_time last = -1;
        for (;;) {
            sim_time t = channel_next_event(ch);
            if (t == SIM_TIME_NEVER)
                break;
            done_at = -1;
            channel_advance(ch, t, on_done, NULL);
            if (done_at > last)
                last = done_at;
        }
        t_air[k] = last - sim_time_from_s(cfg.access_s);
        channel_destroy(ch);
    }
    defaults(1);
    double se = log2(1 + pow(10, (cfg.uplink.tx_power_dbm - channel_pathloss_db(&cfg, 100) -
                                  (cfg.noise_dbm_hz + 10 * log10(cfg.uplink.bandwidth_hz) + cfg.uplink.noise_figure_db) -
                                  cfg.rate.gap_db) / 10));
    double alone_s = 8 * bytes / (se * cfg.uplink.bandwidth_hz);
    CHECK_NEAR(sim_time_to_s(t_air[0]), alone_s, 1e-6);
    CHECK_NEAR(sim_time_to_s(t_air[1]), 2 * alone_s, 1e-6);
}

/* `sites` is a list of objects: each element from its defaults, errors
 * naming the element's key path, the resolved list emitted back. */
typedef struct holder {
    sites_config sites;
} holder;
static const key_spec holder_keys[] = {
    KEY_LISTV(holder, sites.site, sites.n, "sites", "[{}]", site_keys, "edge sites"),
    KEY_TABLE_END,
};

static void test_sites_keys(void)
{
    holder h;
    key_error kerr;
    CHECK(keys_defaults(holder_keys, &h) == 0);
    CHECK_INT(h.sites.n, 1);
    cJSON *j = cJSON_Parse("{\"sites\": [{}, {\"x_m\": 500, \"servers\": 2}, {\"y_m\": 9}]}");
    CHECK(keys_parse(holder_keys, &h, j, "", &kerr) == 0);
    CHECK_INT(h.sites.n, 3);
    CHECK_NEAR(h.sites.site[1].x_m, 500, 0);
    CHECK_INT(h.sites.site[1].servers, 2);
    CHECK_NEAR(h.sites.site[2].x_m, 0, 0);
    CHECK_NEAR(h.sites.site[2].y_m, 9, 0);
    cJSON *out = cJSON_CreateObject();
    CHECK(keys_emit(holder_keys, &h, out) == 0);
    char *text = cJSON_PrintUnformatted(out);
    CHECK(strstr(text, "{\"x_m\":500,\"y_m\":0,\"servers\":2}") != NULL);
    cJSON_free(text);
    cJSON_Delete(out);
    cJSON_Delete(j);
    j = cJSON_Parse("{\"sites\": [{}, {}, {\"x_m\": \"far\"}]}");
    CHECK(keys_parse(holder_keys, &h, j, "", &kerr) != 0);
    CHECK(strstr(kerr.msg, "sites.2.x_m: expected a number") != NULL);
    cJSON_Delete(j);
    j = cJSON_Parse("{\"sites\": [{}, 3]}");
    CHECK(keys_parse(holder_keys, &h, j, "", &kerr) != 0);
    CHECK(strstr(kerr.msg, "sites.1: expected an object") != NULL);
    cJSON_Delete(j);
    j = cJSON_Parse("{\"sites\": [{\"z_m\": 1}]}");
    CHECK(keys_parse(holder_keys, &h, j, "", &kerr) != 0);
    CHECK(strstr(kerr.msg, "sites.0.z_m: unknown key") != NULL);
    cJSON_Delete(j);
}

/* Inter-cell interference, two sites 1000 m apart, no fading or shadowing,
 * static devices at x = 300 m (served by site 0) and x = 900 m (site 1).
 * With the downlink SNR from site j, snr_j = P - PL(d_j) - N (dB), the
 * SINR of device 0 is snr_0 - 10 log10(1 + L_1 10^(snr_1 / 10)):
 * - fixed load L_1 = 0.5: exactly that, and the uplink SNR less
 *   uplink_iot_db;
 * - measured load (window tau): a downlink transfer of device 1 on air from
 *   t_a = access_s makes L_1(t) = 1 - exp(-(t - t_a) / tau), read at the
 *   block's start; before it, L_1 = 0 and the SINR is the SNR;
 * - interference off: the SNR, as without sites. */
static void test_interference(void)
{
    char err[256];
    double P = 33, N = -174 + 10 * log10(20e6) + 9;
    double snr0 = P - (128.1 + 37.6 * log10(0.3)) - N, snr1 = P - (128.1 + 37.6 * log10(0.7)) - N;
    double ul0 = 23 - (128.1 + 37.6 * log10(0.3)) - (-174 + 10 * log10(20e6) + 5);
    for (int mode = 0; mode < 3; mode++) {
        defaults(2);
        two_sites(1000);
        dev.n_distances = 2;
        dev.distances_m[0] = 300;
        dev.distances_m[1] = 900;
        cfg.interference.enabled = mode > 0;
        cfg.interference.load = mode == 1 ? 0.5 : NAN;
        cfg.interference.load_window_s = 0.2;
        cfg.interference.uplink_iot_db = 4;
        channel *ch = channel_create_sites(&cfg, &dev, &sites, 1, 0, err, sizeof err);
        CHECK(ch != NULL);
        CHECK_INT(channel_serving_site(ch, 0, 0), 0);
        CHECK_INT(channel_serving_site(ch, 1, 0), 1);
        if (mode == 0) {
            CHECK_NEAR(channel_snr_db(ch, 0, LINK_DOWN, 0), snr0, 1e-9);
            CHECK_NEAR(channel_snr_db(ch, 0, LINK_UP, 0), ul0, 1e-9);
        } else if (mode == 1) {
            double want = snr0 - 10 * log10(1 + 0.5 * pow(10, snr1 / 10));
            CHECK_NEAR(channel_snr_db(ch, 0, LINK_DOWN, sim_time_from_s(3)), want, 1e-9);
            CHECK_NEAR(channel_snr_db(ch, 0, LINK_UP, 0), ul0 - 4, 1e-9);
            CHECK_NEAR(channel_site_load(ch, 1, 0), 0.5, 0);
            printf("interference, load 0.5: SNR %.3f dB, SINR %.3f dB (INR %.3f dB)\n", snr0, want, snr1);
        } else {
            CHECK_NEAR(channel_snr_db(ch, 0, LINK_DOWN, 0), snr0, 1e-9);
            CHECK(channel_transfer_start(ch, 1, LINK_DOWN, 0, 1e9, 1) == 0);
            double worst = 0;
            for (int k = 1; k <= 60; k++) {
                sim_time t = sim_time_from_s(0.0137 * k);
                channel_advance(ch, t, NULL, NULL);
                int64_t block = t / channel_block_ns(ch);
                double t_blk = (double)(block * channel_block_ns(ch)) * 1e-9, t_a = cfg.access_s;
                double load = t_blk > t_a ? 1 - exp(-(t_blk - t_a) / 0.2) : 0;
                double want = snr0 - 10 * log10(1 + load * pow(10, snr1 / 10));
                double got = channel_snr_db(ch, 0, LINK_DOWN, t);
                CHECK_NEAR(got, want, 1e-9);
                CHECK_NEAR(channel_site_load(ch, 1, t), 1 - exp(-(0.0137 * k - t_a) / 0.2), 1e-9);
                worst = fmax(worst, fabs(got - want));
            }
            printf("interference, measured load: SINR within %.2g dB of the closed form over 0.82 s\n", worst);
        }
        channel_destroy(ch);
    }
}

int main(void)
{
    test_sites_keys();
    test_hex_layout();
    test_static_attach();
    test_handover_point();
    test_handover_interrupts_transfer();
    test_own_bands();
    test_interference();
    return check_done();
}
