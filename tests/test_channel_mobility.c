/* test_channel_mobility.c -- the mobility models and what follows the
 * position: constant velocity (straight line, reflection), random waypoint,
 * random direction and Gauss-Markov (inside the area, speed limits, a pure
 * function of time), traces (interpolation, errors naming file and line),
 * the large-scale gain on the block grid, Gudmundson shadowing along the
 * path (standard deviation and correlation exp(-d/d_corr)), and the Doppler
 * shift v f_c / c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_sf_bessel.h>
#include <gsl/gsl_statistics_double.h>

#include "models/channel/channel.h"
#include "check.h"

static channel_config cfg;
static devices_config dev;

static void defaults(int count)
{
    keys_defaults(channel_keys, &cfg);
    keys_defaults(devices_keys, &dev);
    dev.count = count;
}

static void set_area(double x0, double y0, double x1, double y1)
{
    dev.mobility.n_area = 4;
    dev.mobility.area_m[0] = x0, dev.mobility.area_m[1] = y0;
    dev.mobility.area_m[2] = x1, dev.mobility.area_m[3] = y1;
}

static double noise_dbm(const channel_link_config *l)
{
    return cfg.noise_dbm_hz + 10 * log10(l->bandwidth_hz) + l->noise_figure_db;
}

/* A device at constant velocity straight away from the site: at each block
 * its distance is d0 + v t_block and its mean SNR the budget at that
 * distance; between block starts the exact position moves on. */
static void test_constant_velocity_away(void)
{
    defaults(1);
    strcpy(dev.mobility.model, "constant-velocity");
    dev.mobility.speed_mps = 10;
    dev.n_distances = 1;
    dev.distances_m[0] = 50;
    set_area(-1e5, -1e5, 1e5, 1e5);
    cfg.shadowing_db = 0;
    strcpy(cfg.fading.model, "none");
    char err[256];
    channel *ch = channel_create(&cfg, &dev, 1, 0, err, sizeof err);
    CHECK(ch != NULL);
    if (!ch)
        return;
    double worst = 0;
    for (int i = 0; i < 1000; i++) {
        sim_time t = (sim_time)i * 123456789; /* 0.123 s steps, not on the block grid */
        sim_time t_block = t / channel_block_ns(ch) * channel_block_ns(ch);
        double d = channel_distance_at_m(ch, 0, t);
        CHECK_NEAR(d, 50 + 10 * sim_time_to_s(t_block), 1e-9);
        double want_ul = cfg.uplink.tx_power_dbm - channel_pathloss_db(&cfg, d) - noise_dbm(&cfg.uplink);
        double want_dl = cfg.downlink.tx_power_dbm - channel_pathloss_db(&cfg, d) - noise_dbm(&cfg.downlink);
        CHECK_NEAR(channel_snr_avg_at_db(ch, 0, LINK_UP, t), want_ul, 1e-9);
        CHECK_NEAR(channel_snr_avg_at_db(ch, 0, LINK_DOWN, t), want_dl, 1e-9);
        CHECK_NEAR(channel_snr_db(ch, 0, LINK_UP, t), want_ul, 1e-9); /* fading none */
        double x, y, s;
        channel_position(ch, 0, t, &x, &y, &s);
        CHECK_NEAR(x, 50 + 10 * sim_time_to_s(t), 1e-9);
        CHECK_NEAR(y, 0, 1e-9);
        CHECK_NEAR(s, 10 * sim_time_to_s(t), 1e-9);
        /* The block grid's error against the exact position: at most
         * 10 n / ln 10 * v T / d dB (docs/CHANNEL.md). */
        double exact = cfg.uplink.tx_power_dbm - channel_pathloss_db(&cfg, x) - noise_dbm(&cfg.uplink);
        double err_db = fabs(exact - channel_snr_avg_at_db(ch, 0, LINK_UP, t));
        CHECK(err_db <= 10 * 3.76 / log(10) * 10 * cfg.fading.block_s / (x - 0.1) + 1e-12);
        if (err_db > worst)
            worst = err_db;
    }
    printf("constant velocity away: worst block-grid error %.4f dB (bound at 50 m: %.4f dB)\n", worst,
           10 * 3.76 / log(10) * 10 * 0.01 / 50);
    channel_destroy(ch);
}

/* Reflection at the border: in [0, 100] x [-50, 50], from (50, 0) at 10 m/s
 * along +x the device reaches 100 at 5 s and is back at 50 at 10 s. */
static void test_reflection(void)
{
    defaults(1);
    strcpy(dev.mobility.model, "constant-velocity");
    dev.mobility.speed_mps = 10;
    dev.n_distances = 1;
    dev.distances_m[0] = 50;
    set_area(0, -50, 100, 50);
    char err[256];
    channel *ch = channel_create(&cfg, &dev, 1, 0, err, sizeof err);
    CHECK(ch != NULL);
    if (!ch)
        return;
    static const double t_s[] = {0, 3, 5, 7, 10, 12, 15, 20, 25};
    static const double want_x[] = {50, 80, 100, 80, 50, 30, 0, 50, 100};
    for (size_t i = 0; i < sizeof t_s / sizeof *t_s; i++) {
        double x, y, s;
        channel_position(ch, 0, sim_time_from_s(t_s[i]), &x, &y, &s);
        CHECK_NEAR(x, want_x[i], 1e-9);
        CHECK_NEAR(s, 10 * t_s[i], 1e-9);
    }
    /* Heading 90 degrees: along +y, reflected at 50 and -50. */
    dev.mobility.heading_deg = 90;
    channel_destroy(ch);
    ch = channel_create(&cfg, &dev, 1, 0, err, sizeof err);
    double x, y, s;
    channel_position(ch, 0, sim_time_from_s(7), &x, &y, &s);
    CHECK_NEAR(x, 50, 1e-9);
    CHECK_NEAR(y, 30, 1e-9); /* 70 folded at 50 */
    channel_destroy(ch);
}

/* Random legs: positions stay in the area, no faster than speed_max, and are
 * a pure function of time (reading backwards gives the same values). */
static void check_random_model(const char *model, double speed_max, double *mean_speed)
{
    defaults(20);
    strcpy(dev.mobility.model, model);
    dev.mobility.speed_min_mps = 1;
    dev.mobility.speed_max_mps = speed_max;
    dev.mobility.pause_s = 2;
    dev.mobility.speed_mps = 3;
    set_area(-300, -200, 300, 200);
    dev.r_max_m = 200;
    char err[256];
    channel *ch = channel_create(&cfg, &dev, 7, 3, err, sizeof err);
    CHECK(ch != NULL);
    if (!ch)
        return;
    enum { N = 3000 };
    static double xs[N], ys[N], ss[N];
    int inside = 1, slow_enough = 1, same = 1, path_ok = 1;
    double dist_sum = 0, t_sum = 0;
    for (int d = 0; d < 20; d++) {
        for (int i = 0; i < N; i++) {
            channel_position(ch, d, sim_time_from_s(0.5 * i), &xs[i], &ys[i], &ss[i]);
            if (xs[i] < -300 || xs[i] > 300 || ys[i] < -200 || ys[i] > 200)
                inside = 0;
            if (i > 0) {
                double step = hypot(xs[i] - xs[i - 1], ys[i] - ys[i - 1]);
                if (step > 0.5 * speed_max + 1e-9)
                    slow_enough = 0;
                /* The straight-line step never exceeds the path travelled. */
                if (step > ss[i] - ss[i - 1] + 1e-9)
                    path_ok = 0;
                dist_sum += ss[i] - ss[i - 1];
                t_sum += 0.5;
            }
        }
        for (int i = N - 1; i >= 0; i -= 7) {
            double x, y, s;
            channel_position(ch, d, sim_time_from_s(0.5 * i), &x, &y, &s);
            if (x != xs[i] || y != ys[i] || s != ss[i])
                same = 0;
        }
    }
    /* A second channel read as the router's stale CSI reads it: now, then
     * 30 s ago (kept legs), now and then 600 s ago (replayed legs).  Every
     * read equals a third channel's forward-only read. */
    channel *stale = channel_create(&cfg, &dev, 7, 3, err, sizeof err);
    channel *fwd = channel_create(&cfg, &dev, 7, 3, err, sizeof err);
    CHECK(stale != NULL && fwd != NULL);
    for (int d = 0; stale && fwd && d < 20; d += 3) {
        for (int i = 0; i < N; i++)
            channel_position(fwd, d, sim_time_from_s(0.5 * i), &xs[i], &ys[i], &ss[i]);
        for (int i = 1200; i < N; i++) {
            double x, y, s;
            int back = i % 50 == 0 ? 1200 : 60;
            channel_position(stale, d, sim_time_from_s(0.5 * i), &x, &y, &s);
            if (x != xs[i] || y != ys[i] || s != ss[i])
                same = 0;
            channel_position(stale, d, sim_time_from_s(0.5 * (i - back)), &x, &y, &s);
            if (x != xs[i - back] || y != ys[i - back] || s != ss[i - back])
                same = 0;
        }
    }
    channel_destroy(fwd);
    channel_destroy(stale);
    CHECK(inside);
    CHECK(slow_enough);
    CHECK(path_ok);
    CHECK(same);
    *mean_speed = dist_sum / t_sum;
    printf("%s: mean speed over time %.3f m/s\n", model, *mean_speed);
    channel_destroy(ch);
}

static void test_random_models(void)
{
    double v;
    check_random_model("random-waypoint", 5, &v);
    CHECK(v > 0.5 && v < 5);
    check_random_model("random-direction", 5, &v);
    CHECK(v > 0.5 && v < 5);
    check_random_model("gauss-markov", 1e3, &v);
    CHECK_NEAR(v, 3, 0.6); /* mean speed 3 m/s (negative draws stand still) */
}

/* Gauss-Markov with memory 1 keeps its initial speed and heading: the
 * constant-velocity path. */
static void test_gauss_markov_memory_one(void)
{
    defaults(1);
    strcpy(dev.mobility.model, "gauss-markov");
    dev.mobility.memory = 1;
    dev.mobility.speed_mps = 4;
    dev.mobility.heading_deg = 30;
    dev.mobility.step_s = 0.7;
    dev.n_distances = 1;
    dev.distances_m[0] = 20;
    set_area(-100, -100, 100, 100);
    char err[256];
    channel *ch = channel_create(&cfg, &dev, 1, 0, err, sizeof err);
    strcpy(dev.mobility.model, "constant-velocity");
    channel *cv = channel_create(&cfg, &dev, 1, 0, err, sizeof err);
    CHECK(ch && cv);
    if (!ch || !cv)
        return;
    double worst = 0;
    for (int i = 0; i < 500; i++) {
        double x1, y1, s1, x2, y2, s2;
        channel_position(ch, 0, sim_time_from_s(0.37 * i), &x1, &y1, &s1);
        channel_position(cv, 0, sim_time_from_s(0.37 * i), &x2, &y2, &s2);
        worst = fmax(worst, fmax(fabs(x1 - x2), fmax(fabs(y1 - y2), fabs(s1 - s2))));
    }
    CHECK(worst < 1e-9);
    channel_destroy(ch);
    channel_destroy(cv);
}

static const char *tmp_path(const char *name)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "mobility-%d-%s", (int)getpid(), name);
    return buf;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_trace(void)
{
    char path[256], err[512];
    snprintf(path, sizeof path, "%s", tmp_path("trace.csv"));
    write_text(path, "t,device,x_m,y_m\n0,0,100,0\n1,1,0,50\n10,0,200,0\n20,0,200,100\n");
    defaults(2);
    strcpy(dev.mobility.model, "trace");
    snprintf(dev.mobility.trace_path, sizeof dev.mobility.trace_path, "%s", path);
    channel *ch = channel_create(&cfg, &dev, 1, 0, err, sizeof err);
    CHECK(ch != NULL);
    if (ch) {
        double x, y, s;
        channel_position(ch, 0, sim_time_from_s(5), &x, &y, &s);
        CHECK_NEAR(x, 150, 1e-9);
        CHECK_NEAR(y, 0, 1e-9);
        CHECK_NEAR(s, 50, 1e-9);
        channel_position(ch, 0, sim_time_from_s(15), &x, &y, &s);
        CHECK_NEAR(x, 200, 1e-9);
        CHECK_NEAR(y, 50, 1e-9);
        CHECK_NEAR(s, 150, 1e-9);
        channel_position(ch, 0, sim_time_from_s(99), &x, &y, &s); /* held after the last sample */
        CHECK_NEAR(y, 100, 1e-9);
        channel_position(ch, 0, sim_time_from_s(2), &x, &y, &s); /* backwards again */
        CHECK_NEAR(x, 120, 1e-9);
        channel_position(ch, 1, sim_time_from_s(0), &x, &y, &s); /* held before the first */
        CHECK_NEAR(y, 50, 1e-9);
        CHECK_NEAR(channel_distance_at_m(ch, 0, sim_time_from_s(5)), 150, 1e-9);
        /* Doppler from the mean speed over the trace: 200 m in 20 s. */
        CHECK_NEAR(channel_doppler_hz(ch, 0), 10 * cfg.pathloss.carrier_hz / 299792458.0, 1e-9);
        CHECK_NEAR(channel_doppler_hz(ch, 1), 0, 0);
        channel_destroy(ch);
    }
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"time,device,x,y\n0,0,1,1\n", ":1: expected the header t,device,x_m,y_m"},
        {"t,device,x_m,y_m\n0,0,1,1\n0,1,1\n", ":3: expected 4 fields"},
        {"t,device,x_m,y_m\n0,0,1,1\n0,1,1,abc\n", ":3: y_m: expected a number, found \"abc\""},
        {"t,device,x_m,y_m\n0,0,1,1\n0,2,1,1\n", ":3: device: expected an integer in [0, 1]"},
        {"t,device,x_m,y_m\n0,0,1,1\n5,0,1,1\n5,0,2,2\n0,1,0,0\n", ":4: t: expected times of device 0 to increase"},
        {"t,device,x_m,y_m\n0,0,1,1\n", "no position for device 1"},
        {"t,device,x_m,y_m\n-1,0,1,1\n", ":2: t: expected a time >= 0"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_text(path, bad[i].text);
        err[0] = '\0';
        ch = channel_create(&cfg, &dev, 1, 0, err, sizeof err);
        CHECK(ch == NULL);
        CHECK(strstr(err, path) != NULL);
        CHECK(strstr(err, bad[i].want) != NULL);
        if (!strstr(err, bad[i].want))
            fprintf(stderr, "  got: %s\n", err);
        channel_destroy(ch);
    }
    remove(path);
    snprintf(dev.mobility.trace_path, sizeof dev.mobility.trace_path, "%s", tmp_path("missing.csv"));
    CHECK(channel_create(&cfg, &dev, 1, 0, err, sizeof err) == NULL);
    CHECK(strstr(err, "devices.mobility.trace_path:") != NULL && strstr(err, "cannot open") != NULL);
}

static void test_config_errors(void)
{
    char err[256];
    defaults(2);
    strcpy(dev.mobility.model, "constant-velocity");
    dev.mobility.n_area = 3;
    CHECK_INT(channel_config_check(&cfg, &dev, err, sizeof err), -1);
    CHECK(strstr(err, "devices.mobility.area_m: expected [x_min, y_min, x_max, y_max]") != NULL);
    set_area(0, 0, -1, 10);
    CHECK_INT(channel_config_check(&cfg, &dev, err, sizeof err), -1);
    CHECK(strstr(err, "x_min < x_max") != NULL);
    set_area(-100, -100, 100, 100);
    CHECK_INT(channel_config_check(&cfg, &dev, err, sizeof err), -1); /* r_max 250 > 100 */
    CHECK(strstr(err, "placement disc") != NULL);
    dev.n_distances = 2;
    dev.distances_m[0] = 50;
    dev.distances_m[1] = 150;
    CHECK_INT(channel_config_check(&cfg, &dev, err, sizeof err), -1);
    CHECK(strstr(err, "devices.distances_m[1]: device starts at (150, 0), outside") != NULL);
    dev.distances_m[1] = 90;
    CHECK_INT(channel_config_check(&cfg, &dev, err, sizeof err), 0);
    dev.mobility.speed_min_mps = 3;
    dev.mobility.speed_max_mps = 2;
    CHECK_INT(channel_config_check(&cfg, &dev, err, sizeof err), -1);
    CHECK(strstr(err, "devices.mobility.speed_min_mps") != NULL);
    /* Static devices ignore the area. */
    defaults(2);
    set_area(-1, -1, 1, 1);
    CHECK_INT(channel_config_check(&cfg, &dev, err, sizeof err), 0);
}

/* Doppler follows the speed: f_D = v f_c / c and rho = J0(2 pi f_D T);
 * doppler_hz overrides it; static devices keep 10 Hz.  The lag-1
 * autocorrelation of |h|^2 is rho^2. */
static void test_doppler(void)
{
    char err[256];
    static const double speeds[] = {0.8, 3, 10, 30};
    for (size_t i = 0; i < sizeof speeds / sizeof *speeds; i++) {
        defaults(4);
        strcpy(dev.mobility.model, "constant-velocity");
        dev.mobility.speed_mps = speeds[i];
        set_area(-1e6, -1e6, 1e6, 1e6);
        channel *ch = channel_create(&cfg, &dev, 3, 0, err, sizeof err);
        CHECK(ch != NULL);
        if (!ch)
            continue;
        double f_d = speeds[i] * 3.5e9 / 299792458.0;
        double rho = gsl_sf_bessel_J0(2 * M_PI * f_d * 0.01);
        CHECK_NEAR(channel_doppler_hz(ch, 2), f_d, 1e-9);
        CHECK_NEAR(channel_fading_rho_of(ch, 2), rho, 1e-12);
        /* Empirical lag-1 correlation of |h|^2 over 4 devices x 50,000 blocks. */
        enum { K = 50000 };
        static double g[K];
        double corr = 0;
        for (int d = 0; d < 4; d++) {
            for (int k = 0; k < K; k++)
                g[k] = channel_fading_gain(ch, d, LINK_DOWN, k);
            corr += gsl_stats_lag1_autocorrelation(g, 1, K) / 4;
        }
        printf("doppler at %.1f m/s: f_D %.2f Hz, rho %.4f, lag-1 corr of |h|^2 %.4f (rho^2 %.4f)\n", speeds[i], f_d,
               rho, corr, rho * rho);
        CHECK_NEAR(corr, rho * rho, 0.03);
        channel_destroy(ch);
    }
    defaults(2);
    strcpy(dev.mobility.model, "constant-velocity");
    dev.mobility.speed_mps = 30;
    set_area(-1e6, -1e6, 1e6, 1e6);
    cfg.fading.doppler_hz = 25;
    channel *ch = channel_create(&cfg, &dev, 3, 0, err, sizeof err);
    CHECK_NEAR(channel_doppler_hz(ch, 1), 25, 0);
    channel_destroy(ch);
    defaults(2);
    ch = channel_create(&cfg, &dev, 3, 0, err, sizeof err);
    CHECK_NEAR(channel_doppler_hz(ch, 1), 10, 0);
    CHECK_NEAR(channel_fading_rho(ch), 0.903713, 1e-6);
    channel_destroy(ch);
}

/* Gudmundson shadowing along the path: sd sigma and correlation
 * exp(-d/d_corr) at path-length lag d.  Read back from the mean SNR with
 * fading off: S = P - PL(distance) - noise - snr_avg. */
static void test_gudmundson(void)
{
    enum { DEV = 8, N = 4000 };
    defaults(DEV);
    strcpy(dev.mobility.model, "constant-velocity");
    dev.mobility.speed_mps = 10;
    set_area(-1e6, -1e6, 1e6, 1e6);
    strcpy(cfg.fading.model, "none");
    char err[256];
    channel *ch = channel_create(&cfg, &dev, 11, 0, err, sizeof err);
    CHECK(ch != NULL);
    if (!ch)
        return;
    static double s[DEV][N];
    double all[DEV * N];
    for (int d = 0; d < DEV; d++)
        for (int i = 0; i < N; i++) {
            sim_time t = sim_time_from_s(0.5 * i); /* 5 m of path apart */
            double dist = channel_distance_at_m(ch, d, t);
            s[d][i] = cfg.uplink.tx_power_dbm - channel_pathloss_db(&cfg, dist) - noise_dbm(&cfg.uplink) -
                      channel_snr_avg_at_db(ch, d, LINK_UP, t);
            all[d * N + i] = s[d][i];
        }
    double sd = gsl_stats_sd(all, 1, DEV * N);
    printf("gudmundson: sd %.3f dB (sigma 8)", sd);
    CHECK_NEAR(sd, 8, 0.5);
    static const int lags[] = {1, 4, 10, 20};
    for (size_t j = 0; j < sizeof lags / sizeof *lags; j++) {
        double num = 0, den = 0;
        for (int d = 0; d < DEV; d++)
            for (int i = 0; i + lags[j] < N; i++) {
                num += s[d][i] * s[d][i + lags[j]];
                den += s[d][i] * s[d][i];
            }
        double want = exp(-5.0 * lags[j] / 50.0);
        printf(", lag %g m: %.3f (exp %.3f)", 5.0 * lags[j], num / den, want);
        CHECK_NEAR(num / den, want, 0.06);
    }
    printf("\n");
    channel_destroy(ch);
}

int main(void)
{
    test_constant_velocity_away();
    test_reflection();
    test_random_models();
    test_gauss_markov_memory_one();
    test_trace();
    test_config_errors();
    test_doppler();
    test_gudmundson();
    return check_done();
}
