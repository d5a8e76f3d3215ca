/* test_channel_rate.c -- outage probability and ergodic Shannon rate against
 * the Rayleigh closed forms, the CQI table and its threshold edges, the rate
 * cap, and the `edgesim channel` report. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_expint.h>

#include "models/channel/channel.h"
#include "check.h"

static channel_config cfg;
static devices_config dev;

static void setup(const char *fading, const char *rate)
{
    keys_defaults(channel_keys, &cfg);
    keys_defaults(devices_keys, &dev);
    snprintf(cfg.fading.model, sizeof cfg.fading.model, "%s", fading);
    snprintf(cfg.rate.model, sizeof cfg.rate.model, "%s", rate);
    cfg.shadowing_db = 0;
    /* Mean uplink SNRs from about 40 dB down to about 0 dB. */
    static const double d[] = {30, 100, 200, 400, 700};
    dev.count = 5;
    dev.n_distances = 5;
    memcpy(dev.distances_m, d, sizeof d);
}

static channel *make(uint64_t seed)
{
    char err[256] = "";
    channel *ch = channel_create(&cfg, &dev, seed, 0, err, sizeof err);
    if (!ch)
        fprintf(stderr, "channel_create: %s\n", err);
    return ch;
}

/* P(snr < g0) = 1 - exp(-g0/gbar), within 1% absolute, at several g0. */
static void test_outage(void)
{
    enum { N = 100000 };
    setup("rayleigh-iid", "shannon");
    channel *ch = make(17);
    sim_time block = channel_block_ns(ch);
    for (int d = 0; d < dev.count; d++) {
        double gbar_db = channel_snr_avg_db(ch, d, LINK_UP);
        for (double off = -10; off <= 5; off += 5) {
            double g0_db = gbar_db + off;
            long below = 0;
            for (int k = 0; k < N; k++)
                below += channel_snr_db(ch, d, LINK_UP, (sim_time)k * block) < g0_db;
            double p = (double)below / N, p_cf = -expm1(-pow(10.0, off / 10.0));
            CHECK_NEAR(p, p_cf, 0.01);
        }
    }
    channel_destroy(ch);
}

/* E[B log2(1 + snr/G)] = B e^(1/a) E1(1/a) / ln 2 with a = gbar/G, within 1%. */
static void test_ergodic_shannon(void)
{
    enum { N = 100000 };
    for (int gap = 0; gap <= 1; gap++) {
        setup("rayleigh-iid", "shannon");
        cfg.rate.gap_db = gap ? 3.0 : 0.0;
        channel *ch = make(23);
        sim_time block = channel_block_ns(ch);
        for (int d = 0; d < dev.count; d++) {
            for (int dir = LINK_UP; dir <= LINK_DOWN; dir++) {
                double sum = 0;
                for (int k = 0; k < N; k++)
                    sum += channel_rate_bps(ch, d, (link_dir)dir, (sim_time)k * block, 1);
                double a = pow(10.0, (channel_snr_avg_db(ch, d, (link_dir)dir) - cfg.rate.gap_db) / 10.0);
                double cf = 20e6 * exp(1.0 / a) * gsl_sf_expint_E1(1.0 / a) / M_LN2;
                CHECK_NEAR(sum / N / cf, 1.0, 0.01);
            }
        }
        channel_destroy(ch);
    }
}

/* TS 38.214 Table 5.2.2.1-2: efficiency = Qm * R / 1024, to 4 decimals. */
static void test_cqi_table(void)
{
    static const int qm[] = {0, 2, 2, 2, 2, 2, 2, 4, 4, 4, 6, 6, 6, 6, 6, 6};
    static const int r1024[] = {0, 78, 120, 193, 308, 449, 602, 378, 490, 616, 466, 567, 666, 772, 873, 948};
    for (int q = 0; q <= CHANNEL_MAX_CQI; q++)
        CHECK_NEAR(channel_cqi_efficiency(q), qm[q] * r1024[q] / 1024.0, 5e-5);
    CHECK_NEAR(channel_cqi_efficiency(1), 0.1523, 0);
    CHECK_NEAR(channel_cqi_efficiency(15), 5.5547, 0);
    CHECK(isnan(channel_cqi_efficiency(16)));
}

/* At each threshold the CQI steps up; just below it, it does not. */
static void test_cqi_edges(void)
{
    setup("none", "cqi");
    CHECK_INT(cfg.rate.n_cqi, 15);
    for (int q = 1; q <= 15; q++) {
        double t = cfg.rate.cqi_snr_db[q - 1];
        CHECK_INT(channel_cqi_index(&cfg, t), q);
        CHECK_INT(channel_cqi_index(&cfg, nextafter(t, -INFINITY)), q - 1);
        CHECK_NEAR(channel_spectral_efficiency(&cfg, t), channel_cqi_efficiency(q), 0);
        CHECK_NEAR(channel_spectral_efficiency(&cfg, nextafter(t, -INFINITY)), channel_cqi_efficiency(q - 1), 0);
    }
    CHECK_INT(channel_cqi_index(&cfg, -100), 0);
    CHECK_NEAR(channel_spectral_efficiency(&cfg, -6.71), 0.0, 0); /* outage */
    CHECK_INT(channel_cqi_index(&cfg, 100), 15);
    /* A shorter table: thresholds for CQI 1..3 only. */
    cfg.rate.n_cqi = 3;
    CHECK_INT(channel_cqi_index(&cfg, 100), 3);

    /* Through a channel: a device whose SNR sits exactly on a threshold. */
    setup("none", "cqi");
    dev.count = 1;
    dev.n_distances = 1;
    dev.distances_m[0] = 100;
    channel *ch = make(1);
    double snr = channel_snr_avg_db(ch, 0, LINK_UP);
    int q = channel_cqi_index(&cfg, snr);
    CHECK_NEAR(channel_rate_bps(ch, 0, LINK_UP, 0, 1), 20e6 * channel_cqi_efficiency(q), 1e-6);
    CHECK_NEAR(channel_rate_bps(ch, 0, LINK_UP, 0, 4), 5e6 * channel_cqi_efficiency(q), 1e-6);
    channel_destroy(ch);
}

static void test_cap(void)
{
    setup("none", "shannon");
    cfg.rate.max_bps = 1e6;
    channel *ch = make(1);
    CHECK_NEAR(channel_rate_bps(ch, 0, LINK_UP, 0, 1), 1e6, 0);
    /* 700 m uplink: about 0 dB, B log2(2) ~ 20 Mb/s shared by 100 -> below the cap */
    double se = channel_spectral_efficiency(&cfg, channel_snr_avg_db(ch, 4, LINK_UP));
    CHECK_NEAR(channel_rate_bps(ch, 4, LINK_UP, 0, 100), 20e6 * se / 100, 1e-6);
    channel_destroy(ch);
}

/* The report's worst deviation line, parsed back. */
static int report(double *worst_outage, double *worst_rate, long blocks)
{
    char *buf = NULL, err[256] = "";
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc = channel_check_report(&cfg, &dev, 8, 0, blocks, 5.0, f, err, sizeof err);
    fclose(f);
    const char *w = buf ? strstr(buf, "# worst |outage - outage_cf| = ") : NULL;
    if (rc != 0 || !w || sscanf(w, "# worst |outage - outage_cf| = %lf, worst |rate / rate_cf - 1| = %lf",
                                worst_outage, worst_rate) != 2) {
        fprintf(stderr, "report failed: %s\n%s\n", err, buf ? buf : "");
        rc = -1;
    }
    free(buf);
    return rc;
}

static void test_check_report(void)
{
    double wo, wr;
    static const char *const rates[] = {"shannon", "cqi"};
    for (int r = 0; r < 2; r++)
        for (int capped = 0; capped <= 1; capped++) {
            setup("rayleigh-iid", rates[r]);
            if (capped)
                cfg.rate.max_bps = 30e6;
            CHECK_INT(report(&wo, &wr, 100000), 0);
            CHECK(wo < 0.01);
            CHECK(wr < 0.01);
            printf("report %s%s: worst outage error %.4f, worst rate error %.4f\n", rates[r], capped ? " capped" : "",
                   wo, wr);
        }
    /* Without fading the report matches exactly. */
    setup("none", "shannon");
    CHECK_INT(report(&wo, &wr, 100), 0);
    CHECK_NEAR(wo, 0, 0);
    CHECK_NEAR(wr, 0, 1e-12);
    /* Correlated fading: the same closed forms, with more blocks. */
    setup("rayleigh", "shannon");
    CHECK_INT(report(&wo, &wr, 400000), 0);
    CHECK(wo < 0.01);
    CHECK(wr < 0.01);
    /* A bad configuration is reported, not printed. */
    setup("rayleigh", "shannon");
    dev.n_distances = 2;
    char err[256] = "";
    FILE *f = fopen("/dev/null", "w");
    CHECK_INT(channel_check_report(&cfg, &dev, 1, 0, 10, 0, f, err, sizeof err), -1);
    CHECK(strstr(err, "devices.distances_m") != NULL);
    CHECK_INT(channel_check_report(&cfg, &dev, 1, 0, 0, 0, f, err, sizeof err), -1);
    fclose(f);
}

int main(void)
{
    test_outage();
    test_ergodic_shannon();
    test_cqi_table();
    test_cqi_edges();
    test_cap();
    test_check_report();
    return check_done();
}
