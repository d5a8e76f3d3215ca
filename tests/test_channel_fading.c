/* test_channel_fading.c -- Rayleigh block fading: |h|^2 ~ Exp(1) (KS test),
 * Gauss-Markov correlation rho = J0(2 pi f_D T), read-pattern independence,
 * independence of directions and devices, the `none` and constant cases. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "models/channel/channel.h"
#include "check.h"

static channel_config cfg;
static devices_config dev;

static void setup(const char *fading, int count)
{
    keys_defaults(channel_keys, &cfg);
    keys_defaults(devices_keys, &dev);
    snprintf(cfg.fading.model, sizeof cfg.fading.model, "%s", fading);
    dev.count = count;
}

static channel *make(uint64_t seed, uint32_t rep)
{
    char err[256] = "";
    channel *ch = channel_create(&cfg, &dev, seed, rep, err, sizeof err);
    if (!ch)
        fprintf(stderr, "channel_create: %s\n", err);
    return ch;
}

/* Kolmogorov-Smirnov statistic of x[0..n) against Exp(1); sorts x. */
static double ks_exp1(double *x, size_t n)
{
    gsl_sort(x, 1, n);
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        double f = -expm1(-x[i]);
        double lo = f - (double)i / (double)n, hi = (double)(i + 1) / (double)n - f;
        if (lo > d)
            d = lo;
        if (hi > d)
            d = hi;
    }
    return d;
}

/* KS critical value at alpha = 0.001 for large n: 1.949 / sqrt(n). */
static double ks_critical(size_t n) { return 1.949 / sqrt((double)n); }

static double autocorr(const double *x, size_t n, size_t lag)
{
    return gsl_stats_correlation(x, 1, x + lag, 1, n - lag);
}

static void test_iid_exponential(void)
{
    enum { N = 100000 };
    setup("rayleigh-iid", 1);
    channel *ch = make(42, 0);
    CHECK(ch != NULL);
    CHECK_NEAR(channel_fading_rho(ch), 0.0, 0.0);
    double *g = malloc(N * sizeof *g);
    for (int k = 0; k < N; k++)
        g[k] = channel_fading_gain(ch, 0, LINK_UP, k);
    CHECK_NEAR(gsl_stats_mean(g, 1, N), 1.0, 0.015); /* sd of the mean: 1/sqrt(N) = 0.003 */
    CHECK_NEAR(autocorr(g, N, 1), 0.0, 0.01);
    double d = ks_exp1(g, N);
    CHECK(d < ks_critical(N));
    printf("iid: KS D = %.5f (critical %.5f)\n", d, ks_critical(N));
    free(g);
    channel_destroy(ch);
}

static void test_gauss_markov_correlation(void)
{
    enum { N = 1000000 };
    setup("rayleigh", 1); /* defaults: doppler 10 Hz, block 0.01 s */
    channel *ch = make(7, 0);
    /* J0(0.2 pi) = 1 - x^2/4 + x^4/64 - x^6/2304 at x = 0.6283: 0.903712 */
    double rho = channel_fading_rho(ch);
    CHECK_NEAR(rho, 0.903712, 2e-6);
    double *g = malloc(N * sizeof *g);
    for (int k = 0; k < N; k++)
        g[k] = channel_fading_gain(ch, 0, LINK_UP, k);
    CHECK_NEAR(gsl_stats_mean(g, 1, N), 1.0, 0.02);
    /* Corr(|h_k|^2, |h_{k+m}|^2) = rho^(2m) for a complex Gaussian AR(1). */
    double r1 = autocorr(g, N, 1), r5 = autocorr(g, N, 5), r64 = autocorr(g, N, 64);
    printf("rho = %.6f: lag-1 autocorrelation %.4f (rho^2 %.4f), lag 5 %.4f (%.4f), lag 64 %.4f (%.4f)\n", rho, r1,
           rho * rho, r5, pow(rho, 10), r64, pow(rho, 128));
    CHECK_NEAR(r1, rho * rho, 0.01);
    CHECK_NEAR(r5, pow(rho, 10), 0.01);
    CHECK_NEAR(r64, pow(rho, 128), 0.01);
    free(g);
    channel_destroy(ch);
}

/* Sparse reads (gaps of 200 blocks, rho^400 ~ 0) give independent samples:
 * the marginal must be Exp(1), and the bridge must give the right lag-1 and
 * lag-7 correlation when pairs are read after a jump. */
static void test_sparse_reads(void)
{
    enum { N = 100000 };
    setup("rayleigh", 1);
    channel *ch = make(11, 3);
    double rho = channel_fading_rho(ch);
    double *g = malloc(N * sizeof *g), *g1 = malloc(N * sizeof *g1), *g7 = malloc(N * sizeof *g7);
    for (int i = 0; i < N; i++) {
        int64_t k = (int64_t)i * 200 + (i * 37) % 64; /* every offset within a segment */
        g[i] = channel_fading_gain(ch, 0, LINK_DOWN, k);
        g1[i] = channel_fading_gain(ch, 0, LINK_DOWN, k + 1);
        g7[i] = channel_fading_gain(ch, 0, LINK_DOWN, k + 7);
    }
    double c1 = gsl_stats_correlation(g, 1, g1, 1, N), c7 = gsl_stats_correlation(g, 1, g7, 1, N);
    CHECK_NEAR(c1, rho * rho, 0.01);
    CHECK_NEAR(c7, pow(rho, 14), 0.01);
    double d = ks_exp1(g, N);
    printf("sparse: KS D = %.5f (critical %.5f), pair corr lag 1 %.4f lag 7 %.4f\n", d, ks_critical(N), c1, c7);
    CHECK(d < ks_critical(N));
    free(g);
    free(g1);
    free(g7);
    channel_destroy(ch);
}

/* The value of block k does not depend on which blocks were read before, or
 * in which order: bit-identical across read patterns. */
static void test_read_pattern_independence(void)
{
    enum { N = 20000 };
    setup("rayleigh", 2);
    channel *a = make(99, 1), *b = make(99, 1);
    double *ref = malloc(N * sizeof *ref);
    for (int k = 0; k < N; k++)
        ref[k] = channel_fading_gain(a, 1, LINK_UP, k);
    int same = 1;
    /* b: far ahead first, then old blocks beyond the checkpoint ring, then
     * backwards, then a stride pattern. */
    same &= channel_fading_gain(b, 1, LINK_UP, N - 1) == ref[N - 1];
    same &= channel_fading_gain(b, 1, LINK_UP, 5) == ref[5];
    same &= channel_fading_gain(b, 1, LINK_UP, 64) == ref[64];
    for (int k = N - 1; k >= N - 300; k--)
        same &= channel_fading_gain(b, 1, LINK_UP, k) == ref[k];
    for (int k = 0; k < N; k += 13)
        same &= channel_fading_gain(b, 1, LINK_UP, k) == ref[k];
    for (int k = 0; k < N; k++)
        same &= channel_fading_gain(b, 1, LINK_UP, (k * 7919) % N) == ref[(k * 7919) % N];
    CHECK(same);
    /* Reading device 0 or the downlink does not disturb device 1's uplink. */
    channel *c = make(99, 1);
    for (int k = 0; k < 1000; k++) {
        channel_fading_gain(c, 0, LINK_UP, k);
        channel_fading_gain(c, 1, LINK_DOWN, 3 * k);
    }
    same = 1;
    for (int k = 0; k < N; k += 3)
        same &= channel_fading_gain(c, 1, LINK_UP, k) == ref[k];
    CHECK(same);
    /* Another replication is another channel. */
    channel *r = make(99, 2);
    int differ = 0;
    for (int k = 0; k < 100; k++)
        differ += channel_fading_gain(r, 1, LINK_UP, k) != ref[k];
    CHECK_INT(differ, 100);
    free(ref);
    channel_destroy(a);
    channel_destroy(b);
    channel_destroy(c);
    channel_destroy(r);
}

/* Reading the same blocks forward, backward, in random order, or in the
 * stale-CSI pattern (block k and block k - delay interleaved) gives the same
 * values; also with 1 us blocks (segments of 2^36 blocks, deep bridges). */
static void test_read_orders(void)
{
    enum { N = 20000 };
    static const double block_s[] = {0.01, 1e-6};
    for (int b = 0; b < 2; b++) {
        setup("rayleigh", 1);
        cfg.fading.block_s = block_s[b];
        channel *fwd = make(5, 2), *bwd = make(5, 2), *rnd = make(5, 2), *csi = make(5, 2);
        int64_t stride = b == 0 ? 1 : 9973; /* 1 us blocks: spread the reads over many seconds */
        double *ref = malloc(N * sizeof *ref);
        for (int k = 0; k < N; k++)
            ref[k] = channel_fading_gain(fwd, 0, LINK_UP, k * stride);
        int same = 1;
        for (int k = N - 1; k >= 0; k--)
            same &= channel_fading_gain(bwd, 0, LINK_UP, k * stride) == ref[k];
        uint64_t x = 88172645463325252ULL;
        for (int i = 0; i < N; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int k = (int)(x % N);
            same &= channel_fading_gain(rnd, 0, LINK_UP, k * stride) == ref[k];
        }
        for (int k = 1000; k < N; k++) { /* a decision 1000 blocks stale, then the transfer */
            same &= channel_fading_gain(csi, 0, LINK_UP, (k - 1000) * stride) == ref[k - 1000];
            same &= channel_fading_gain(csi, 0, LINK_UP, k * stride) == ref[k];
        }
        CHECK(same);
        free(ref);
        channel_destroy(fwd);
        channel_destroy(bwd);
        channel_destroy(rnd);
        channel_destroy(csi);
    }
}

/* Random access costs O(log L): any block, however far, takes at most
 * log2(L) + 2 innovations (two segment ends and one midpoint per level). */
static void test_random_access_cost(void)
{
    static const double block_s[] = {0.01, 1e-6};
    for (int b = 0; b < 2; b++) {
        setup("rayleigh", 1);
        cfg.fading.block_s = block_s[b];
        channel *ch = make(3, 0);
        double rho = channel_fading_rho(ch);
        int64_t L = channel_fading_segment_blocks(ch);
        int depth = 0;
        while (((int64_t)1 << depth) < L)
            depth++;
        CHECK(L >= 2 && L == (int64_t)1 << depth);
        CHECK(pow(fabs(rho), (double)L) <= 0x1p-53);     /* end points independent */
        CHECK(pow(fabs(rho), (double)L / 2) > 0x1p-53);  /* L the smallest such */
        uint64_t worst = 0, y = 12345;
        for (int i = 0; i < 1000; i++) {
            y ^= y << 13, y ^= y >> 7, y ^= y << 17;
            uint64_t before = channel_fading_draws(ch);
            channel_fading_gain(ch, 0, LINK_UP, (int64_t)(y >> 4)); /* up to 2^60 */
            if (channel_fading_draws(ch) - before > worst)
                worst = channel_fading_draws(ch) - before;
        }
        printf("block %g s: rho %.12f, segments of 2^%d blocks, at most %llu draws per random read\n", block_s[b],
               rho, depth, (unsigned long long)worst);
        CHECK(worst <= (uint64_t)depth + 2);
        channel_destroy(ch);
    }
}

/* The lag-m correlation of |h|^2 is rho^(2m) also for pairs that straddle a
 * segment boundary (their values come from different bridges sharing the
 * end point). */
static void test_correlation_across_segments(void)
{
    enum { N = 60000 };
    setup("rayleigh", 1);
    channel *ch = make(31, 4);
    int64_t L = channel_fading_segment_blocks(ch);
    double rho = channel_fading_rho(ch);
    static const int lags[] = {1, 3, 8};
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    for (int li = 0; li < 3; li++) {
        int m = lags[li];
        for (int i = 0; i < N; i++) {
            int64_t end = (int64_t)(i + 1) * L;       /* a segment boundary */
            int64_t k = end - 1 - (i % m);             /* k < end <= k + m */
            a[i] = channel_fading_gain(ch, 0, LINK_DOWN, k);
            b[i] = channel_fading_gain(ch, 0, LINK_DOWN, k + m);
        }
        double c = gsl_stats_correlation(a, 1, b, 1, N);
        printf("across segment ends (L = %lld): lag %d correlation %.4f (rho^%d = %.4f)\n", (long long)L, m, c,
               2 * m, pow(rho, 2 * m));
        CHECK_NEAR(c, pow(rho, 2 * m), 0.015); /* sd about 1/sqrt(N) = 0.004 */
    }
    free(a);
    free(b);
    channel_destroy(ch);
}

static void test_independent_links(void)
{
    enum { N = 100000 };
    setup("rayleigh-iid", 2);
    channel *ch = make(5, 0);
    double *up = malloc(N * sizeof *up), *down = malloc(N * sizeof *down), *other = malloc(N * sizeof *other);
    for (int k = 0; k < N; k++) {
        up[k] = channel_fading_gain(ch, 0, LINK_UP, k);
        down[k] = channel_fading_gain(ch, 0, LINK_DOWN, k);
        other[k] = channel_fading_gain(ch, 1, LINK_UP, k);
    }
    /* sd of a sample correlation of independent pairs: 1/sqrt(N) = 0.003 */
    CHECK_NEAR(gsl_stats_correlation(up, 1, down, 1, N), 0.0, 0.015);
    CHECK_NEAR(gsl_stats_correlation(up, 1, other, 1, N), 0.0, 0.015);
    free(up);
    free(down);
    free(other);
    channel_destroy(ch);
}

static void test_none_and_constant(void)
{
    setup("none", 3);
    channel *ch = make(1, 0);
    int ones = 0;
    for (int k = 0; k < 1000; k++)
        ones += channel_fading_gain(ch, k % 3, (link_dir)(k % 2), k * 17) == 1.0;
    CHECK_INT(ones, 1000);
    CHECK_NEAR(channel_snr_db(ch, 2, LINK_UP, 123456789), channel_snr_avg_db(ch, 2, LINK_UP), 0.0);
    channel_destroy(ch);

    /* doppler 0: rho = J0(0) = 1, one draw per device held for the run. */
    setup("rayleigh", 1);
    cfg.fading.doppler_hz = 0;
    ch = make(1, 0);
    CHECK_NEAR(channel_fading_rho(ch), 1.0, 0.0);
    double g0 = channel_fading_gain(ch, 0, LINK_UP, 0);
    int same = 1;
    for (int k = 0; k < 5000; k += 7)
        same &= channel_fading_gain(ch, 0, LINK_UP, k) == g0;
    CHECK(same);
    channel_destroy(ch);

    /* A high Doppler makes rho negative (J0 < 0 past 2.405): still Exp(1). */
    setup("rayleigh", 1);
    cfg.fading.doppler_hz = 50; /* x = pi: J0 = -0.3042 */
    ch = make(3, 0);
    CHECK_NEAR(channel_fading_rho(ch), -0.304242, 1e-5);
    enum { N = 100000 };
    double *g = malloc(N * sizeof *g);
    for (int k = 0; k < N; k++)
        g[k] = channel_fading_gain(ch, 0, LINK_UP, k);
    CHECK_NEAR(autocorr(g, N, 1), 0.304242 * 0.304242, 0.01);
    CHECK_NEAR(gsl_stats_mean(g, 1, N), 1.0, 0.015);
    free(g);
    channel_destroy(ch);
}

/* "Done when": snr_db - snr_avg_db read at query times through the public
 * API is distributed as 10 log10 of an Exp(1) variable. */
static void test_snr_minus_mean_is_exp(void)
{
    enum { DEV = 10, PER = 10000, N = DEV * PER };
    setup("rayleigh", DEV);
    channel *ch = make(2024, 0);
    double *x = malloc(N * sizeof *x);
    size_t n = 0;
    for (int i = 0; i < PER; i++)
        for (int d = 0; d < DEV; d++) {
            sim_time t = (sim_time)i * 2 * SIM_NS_PER_S + (sim_time)d * 3700001; /* 2 s apart */
            x[n++] = pow(10.0, (channel_snr_db(ch, d, LINK_UP, t) - channel_snr_avg_db(ch, d, LINK_UP)) / 10.0);
        }
    double d = ks_exp1(x, n);
    printf("snr_db - snr_avg_db: KS D = %.5f (critical %.5f)\n", d, ks_critical(n));
    CHECK(d < ks_critical(n));
    free(x);
    channel_destroy(ch);
}

int main(void)
{
    test_iid_exponential();
    test_gauss_markov_correlation();
    test_sparse_reads();
    test_read_pattern_independence();
    test_read_orders();
    test_random_access_cost();
    test_correlation_across_segments();
    test_independent_links();
    test_none_and_constant();
    test_snr_minus_mean_is_exp();
    return check_done();
}
