/* test_channel_harq.c -- link adaptation with BLER and HARQ (rate model
 * cqi): the BLER curve passes through 10 % at every CQI threshold, the
 * effective efficiency at that point is eff_q * 0.9 without retransmissions
 * and eff_q (1 - residual) / E[N] with HARQ, and transfers on a constant
 * channel take access + N * 8S/R + (N - rounds) * rtt + (rounds - 1) *
 * rlc_delay with N transmissions in `rounds` RLC rounds, N distributed as
 * the chase-combining closed form. */
#include <math.h>
#include <string.h>

#include "models/channel/channel.h"
#include "check.h"

static channel_config cfg;
static devices_config dev;

static void defaults(void)
{
    keys_defaults(channel_keys, &cfg);
    keys_defaults(devices_keys, &dev);
    strcpy(cfg.rate.model, "cqi");
    cfg.harq.enabled = 1;
}

static void test_bler_curve(void)
{
    defaults();
    for (int q = 1; q <= cfg.rate.n_cqi; q++) {
        double t = cfg.rate.cqi_snr_db[q - 1];
        CHECK_NEAR(channel_bler(&cfg, q, t), 0.1, 1e-12);
        CHECK(channel_bler(&cfg, q, t - 1) > 0.1 && channel_bler(&cfg, q, t + 1) < 0.1);
        CHECK(channel_bler(&cfg, q, t + 3) < 1e-4);
        /* One transmission: the table's efficiency times 0.9 at the 10 % point. */
        cfg.harq.max_tx = 1;
        double n, res;
        CHECK_NEAR(channel_harq_efficiency(&cfg, q, t, &n, &res), 0.9 * channel_cqi_efficiency(q), 1e-12);
        CHECK_NEAR(n, 1, 0);
        CHECK_NEAR(res, 0.1, 1e-12);
        /* HARQ: E[N] = 1 + 0.1 + 0.1 BLER(t + 3.01 dB) + ... */
        cfg.harq.max_tx = 4;
        double b2 = channel_bler(&cfg, q, t + 10 * log10(2.0)), b3 = channel_bler(&cfg, q, t + 10 * log10(3.0));
        double eff = channel_harq_efficiency(&cfg, q, t, &n, &res);
        CHECK_NEAR(n, 1 + 0.1 + 0.1 * b2 + 0.1 * b2 * b3, 1e-12);
        CHECK_NEAR(eff, channel_cqi_efficiency(q) * (1 - res) / n, 1e-12);
        CHECK(fabs(eff / channel_cqi_efficiency(q) - 1 / 1.1) < 0.005);
    }
    printf("CQI 7 at its 10%% BLER point (%.1f dB): table %.4f, one transmission %.4f, HARQ %.4f b/s/Hz\n",
           cfg.rate.cqi_snr_db[6], channel_cqi_efficiency(7), 0.9 * channel_cqi_efficiency(7),
           channel_harq_efficiency(&cfg, 7, cfg.rate.cqi_snr_db[6], NULL, NULL));
}

typedef struct log {
    int n;
    double dur[20000];
    int tx[20000];
} log_t;

static void on_done(void *ctx, const channel_done *d)
{
    log_t *l = ctx;
    l->dur[l->n] = sim_time_to_s(d->t_end - d->t_start);
    l->tx[l->n++] = d->transmissions;
}

/* One device on a constant channel whose SNR sits exactly at CQI 7's
 * threshold: transfers one after another. */
static void test_transfers(void)
{
    defaults();
    dev.count = 1;
    dev.n_distances = 1;
    dev.distances_m[0] = 200;
    cfg.shadowing_db = 0;
    strcpy(cfg.fading.model, "none");
    cfg.harq.max_tx = 2;
    char err[256];
    channel *ch = channel_create(&cfg, &dev, 5, 0, err, sizeof err);
    double snr = channel_snr_avg_db(ch, 0, LINK_UP);
    channel_destroy(ch);
    cfg.rate.cqi_snr_db[6] = snr; /* keep the thresholds increasing around it */
    for (int q = 5; q >= 0; q--)
        cfg.rate.cqi_snr_db[q] = fmin(cfg.rate.cqi_snr_db[q], snr - (7 - q));
    for (int q = 7; q < cfg.rate.n_cqi; q++)
        cfg.rate.cqi_snr_db[q] = fmax(cfg.rate.cqi_snr_db[q], snr + (q - 5));
    ch = channel_create(&cfg, &dev, 5, 0, err, sizeof err);
    CHECK(ch != NULL);
    if (!ch)
        return;
    static log_t l;
    const double bytes = 2000, air = 8 * bytes / (channel_cqi_efficiency(7) * 20e6);
    sim_time t = 0;
    for (int i = 0; i < 20000; i++) {
        channel_transfer_start(ch, 0, LINK_UP, t, bytes, (uint64_t)i);
        while (l.n == i) {
            sim_time next = channel_next_event(ch);
            channel_advance(ch, next, on_done, &l);
            t = next;
        }
    }
    double worst = 0, mean_tx = 0;
    int first_ok = 0;
    for (int i = 0; i < l.n; i++) {
        int n = l.tx[i], rounds = (n + 1) / 2;
        double want = 0.005 + n * air + (n - rounds) * 0.008 + (rounds - 1) * 0.04;
        worst = fmax(worst, fabs(l.dur[i] - want));
        mean_tx += (double)n / l.n;
        first_ok += n == 1;
    }
    double e_n, res;
    channel_harq_efficiency(&cfg, 7, snr, &e_n, &res);
    double want_tx = e_n / (1 - res); /* RLC rounds until decoded */
    printf("HARQ transfers at the 10%% point: %.4f decoded first time (0.9), mean transmissions %.4f (closed form "
           "%.4f), worst delay error %.2g s\n",
           (double)first_ok / l.n, mean_tx, want_tx, worst);
    CHECK(worst < 1e-8);
    CHECK_NEAR((double)first_ok / l.n, 0.9, 0.01);
    CHECK_NEAR(mean_tx, want_tx, 0.01);
    channel_destroy(ch);
}

static void test_config(void)
{
    char err[256];
    defaults();
    strcpy(cfg.rate.model, "shannon");
    CHECK_INT(channel_config_check(&cfg, &dev, err, sizeof err), -1);
    CHECK(strstr(err, "channel.harq.enabled: HARQ needs channel.rate.model cqi") != NULL);
}

int main(void)
{
    test_bler_curve();
    test_transfers();
    test_config();
    return check_done();
}
