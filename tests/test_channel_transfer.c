/* test_channel_transfer.c -- transfers: access delay then bits block by
 * block; processor sharing of the band among transfers on air; completion
 * order; transfers across fades checked against an independent walk. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/channel/channel.h"
#include "check.h"

static channel_config cfg;
static devices_config dev;

enum { MAX_DONE = 4096 };
static channel_done done[MAX_DONE];
static int n_done;

static void on_done(void *ctx, const channel_done *d)
{
    (void)ctx;
    if (n_done < MAX_DONE)
        done[n_done++] = *d;
}

/* Equal-distance devices, no shadowing: every device has the same SNR. */
static void setup(const char *fading, int count, double distance_m)
{
    keys_defaults(channel_keys, &cfg);
    keys_defaults(devices_keys, &dev);
    snprintf(cfg.fading.model, sizeof cfg.fading.model, "%s", fading);
    cfg.shadowing_db = 0;
    dev.count = count;
    dev.n_distances = count;
    for (int i = 0; i < count; i++)
        dev.distances_m[i] = distance_m;
    n_done = 0;
}

static channel *make(uint64_t seed)
{
    char err[256] = "";
    channel *ch = channel_create(&cfg, &dev, seed, 0, err, sizeof err);
    if (!ch)
        fprintf(stderr, "channel_create: %s\n", err);
    return ch;
}

/* The run loop's part: fire channel events until `until` (or none left). */
static void run_until(channel *ch, sim_time until)
{
    for (;;) {
        sim_time t = channel_next_event(ch);
        if (t == SIM_TIME_NEVER || t > until)
            break;
        channel_advance(ch, t, on_done, NULL);
    }
}

/* Single-user rate without fading: B log2(1 + snr/G). */
static double constant_rate(channel *ch, int d, link_dir dir)
{
    double snr = pow(10.0, (channel_snr_avg_db(ch, d, dir) - cfg.rate.gap_db) / 10.0);
    return (dir == LINK_UP ? cfg.uplink.bandwidth_hz : cfg.downlink.bandwidth_hz) * log2(1.0 + snr);
}

/* Constant channel: t_end - t_start = access + 8 bytes / rate to 1e-9 s. */
static void test_constant_channel_exact(void)
{
    static const double sizes[] = {0, 1, 256, 1000, 4096 + 256, 123457, 5e6};
    for (int gap = 0; gap <= 1; gap++) {
        setup("none", 1, 180);
        cfg.rate.gap_db = gap ? 4.5 : 0;
        channel *ch = make(1);
        double rate = constant_rate(ch, 0, LINK_UP);
        sim_time t0 = 1234567891;
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            n_done = 0;
            CHECK_INT(channel_transfer_start(ch, 0, LINK_UP, t0, sizes[i], 100 + i), 0);
            CHECK_INT(channel_active(ch, LINK_UP), 1);
            CHECK_INT(channel_on_air(ch, LINK_UP), 0);
            run_until(ch, SIM_TIME_NEVER);
            CHECK_INT(n_done, 1);
            CHECK_INT(done[0].tag, 100 + i);
            double want = cfg.access_s + 8.0 * sizes[i] / rate;
            CHECK_NEAR(sim_time_to_s(done[0].t_end - done[0].t_start), want, 1e-9);
            CHECK_INT(done[0].t_start, t0);
            CHECK_INT(done[0].t_air, t0 + 5000000);
            CHECK_NEAR(done[0].air_s, 8.0 * sizes[i] / rate, 1e-9);
            if (sizes[i] > 1000)
                CHECK_NEAR(done[0].mean_rate_bps / rate, 1.0, 1e-6);
            CHECK_INT(channel_active(ch, LINK_UP), 0);
            t0 = done[0].t_end + 777;
        }
        CHECK(channel_next_event(ch) == SIM_TIME_NEVER);
        channel_destroy(ch);
    }
}

/* n equal transfers started together each take n times as long on air. */
static void test_equal_sharing(void)
{
    static const int counts[] = {2, 7, 50};
    for (size_t c = 0; c < 3; c++) {
        int n = counts[c];
        setup("none", n, 120);
        channel *ch = make(1);
        double rate = constant_rate(ch, 0, LINK_UP), bytes = 20000;
        for (int i = 0; i < n; i++)
            CHECK_INT(channel_transfer_start(ch, i, LINK_UP, 0, bytes, (uint64_t)i), 0);
        /* The downlink does not share the uplink band. */
        CHECK_INT(channel_transfer_start(ch, 0, LINK_DOWN, 0, bytes, 999), 0);
        run_until(ch, SIM_TIME_NEVER);
        CHECK_INT(n_done, n + 1);
        double alone = cfg.access_s + 8.0 * bytes / rate, shared = cfg.access_s + n * 8.0 * bytes / rate;
        int ok = 1, order = 1;
        int k = 0;
        for (int i = 0; i < n_done; i++) {
            if (done[i].tag == 999) {
                CHECK_NEAR(sim_time_to_s(done[i].t_end), cfg.access_s + 8.0 * bytes / constant_rate(ch, 0, LINK_DOWN),
                           1e-9);
                continue;
            }
            ok &= fabs(sim_time_to_s(done[i].t_end) - shared) <= 1e-9;
            order &= done[i].tag == (uint64_t)k++; /* ties: order of start */
        }
        CHECK(ok);
        CHECK(order);
        if (n == 2)
            CHECK_NEAR((shared - cfg.access_s) / (alone - cfg.access_s), 2.0, 1e-12);
        channel_destroy(ch);
    }
}

/* Unequal sizes started together (processor sharing): with sizes sorted
 * s_1 <= ... <= s_n, T_i = T_{i-1} + 8 (s_i - s_{i-1}) (n - i + 1) / R. */
static void test_unequal_sharing(void)
{
    static const double sizes[] = {9000, 1000, 50000, 3000, 3000};
    enum { N = 5 };
    setup("none", N, 90);
    channel *ch = make(1);
    double rate = constant_rate(ch, 0, LINK_UP);
    for (int i = 0; i < N; i++)
        channel_transfer_start(ch, i, LINK_UP, 0, sizes[i], (uint64_t)i);
    run_until(ch, SIM_TIME_NEVER);
    CHECK_INT(n_done, N);
    static const double sorted[] = {1000, 3000, 3000, 9000, 50000};
    static const int tag_order[] = {1, 3, 4, 0, 2};
    double t = cfg.access_s, prev = 0;
    for (int i = 0; i < N; i++) {
        t += 8.0 * (sorted[i] - prev) * (N - i) / rate;
        prev = sorted[i];
        CHECK_NEAR(sim_time_to_s(done[i].t_end), t, 2e-9);
        CHECK_INT(done[i].tag, tag_order[i]);
    }
    channel_destroy(ch);
}

/* A second transfer shares the band only once its access delay is over. */
static void test_staggered_start(void)
{
    setup("none", 2, 150);
    channel *ch = make(1);
    double rate = constant_rate(ch, 0, LINK_UP), a = 1e6, b = 20000;
    double access = cfg.access_s, t1 = 0.010;
    channel_transfer_start(ch, 0, LINK_UP, 0, a, 0);
    run_until(ch, sim_time_from_s(t1));
    CHECK_INT(channel_on_air(ch, LINK_UP), 1);
    channel_transfer_start(ch, 1, LINK_UP, sim_time_from_s(t1), b, 1);
    CHECK_INT(channel_active(ch, LINK_UP), 2);
    CHECK_INT(channel_on_air(ch, LINK_UP), 1);
    run_until(ch, SIM_TIME_NEVER);
    CHECK_INT(n_done, 2);
    /* A alone on [access, t1 + access), then both at R/2: B needs 2*8b/R. */
    double a_left = 8 * a - rate * t1;
    double b_end = t1 + access + 2 * 8 * b / rate;
    double a_end = b_end + (a_left - 8 * b) / rate;
    CHECK_INT(done[0].tag, 1);
    CHECK_NEAR(sim_time_to_s(done[0].t_end), b_end, 2e-9);
    CHECK_NEAR(sim_time_to_s(done[1].t_end), a_end, 2e-9);
    channel_destroy(ch);
}

/* Independent walk over the blocks: the time at which `bits` are through
 * for a lone transfer on air from t_air (same arithmetic in seconds). */
static double walk_end_s(channel *ch, int d, link_dir dir, sim_time t_air, double bits)
{
    sim_time block = channel_block_ns(ch);
    sim_time t = t_air;
    for (;;) {
        double rate = channel_rate_bps(ch, d, dir, t, 1);
        sim_time next = (t / block + 1) * block;
        double cap = rate * sim_time_to_s(next - t);
        if (cap >= bits)
            return sim_time_to_s(t) + bits / rate;
        bits -= cap;
        t = next;
    }
}

/* Transfers spanning many blocks and deep fades (including CQI outage
 * blocks, which deliver nothing) end when the bits are through. */
static void test_across_fades(void)
{
    static const char *const rates[] = {"shannon", "cqi"};
    for (int r = 0; r < 2; r++) {
        setup("rayleigh", 1, 700); /* about 0 dB uplink: frequent deep fades */
        snprintf(cfg.rate.model, sizeof cfg.rate.model, "%s", rates[r]);
        channel *ch = make(77);
        int spans = 0, outage_blocks = 0;
        sim_time t0 = 3 * SIM_NS_PER_S + 1234567;
        for (int i = 0; i < 40; i++) {
            double bytes = 2000.0 * (i + 1) * (i + 1);
            n_done = 0;
            channel_transfer_start(ch, 0, LINK_UP, t0, bytes, (uint64_t)i);
            run_until(ch, SIM_TIME_NEVER);
            CHECK_INT(n_done, 1);
            double want = walk_end_s(ch, 0, LINK_UP, done[0].t_air, 8 * bytes);
            CHECK_NEAR(sim_time_to_s(done[0].t_end), want, 2e-9);
            spans += (done[0].t_end - done[0].t_air) > 10 * channel_block_ns(ch);
            for (sim_time t = done[0].t_air; t < done[0].t_end; t += channel_block_ns(ch))
                outage_blocks += channel_rate_bps(ch, 0, LINK_UP, t, 1) == 0;
            t0 = done[0].t_end + 333333;
        }
        CHECK(spans > 10);
        if (r == 1)
            CHECK(outage_blocks > 0);
        printf("%s: %d transfers span > 10 blocks, %d outage blocks crossed\n", rates[r], spans, outage_blocks);
        channel_destroy(ch);
    }
}

/* Many overlapping transfers from many devices under fading: every one is
 * reported exactly once, in order of finishing, and the run is repeatable. */
static void test_many(void)
{
    enum { N = 2000 };
    sim_time ends[2][N];
    for (int rep = 0; rep < 2; rep++) {
        setup("rayleigh", 20, 100);
        dev.n_distances = 0; /* area-uniform */
        cfg.shadowing_db = 8;
        channel *ch = make(5);
        int started = 0;
        sim_time t = 0;
        uint64_t x = 88172645463325252ULL;
        int monotone = 1;
        sim_time last = 0;
        while (started < N || channel_next_event(ch) != SIM_TIME_NEVER) {
            sim_time next = channel_next_event(ch);
            if (started < N && t <= next) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64: test input only */
                int d = (int)(x % 20);
                link_dir dir = (x >> 8) & 1 ? LINK_DOWN : LINK_UP;
                double bytes = 100.0 + (double)((x >> 16) % 200000);
                CHECK_INT(channel_transfer_start(ch, d, dir, t, bytes, (uint64_t)started), 0);
                started++;
                t += (sim_time)((x >> 40) % 20000000);
                continue;
            }
            int before = n_done;
            channel_advance(ch, next, on_done, NULL);
            for (int i = before; i < n_done; i++) {
                monotone &= done[i].t_end >= last;
                last = done[i].t_end;
            }
            if (n_done >= MAX_DONE - 10)
                break;
        }
        CHECK(monotone);
        CHECK_INT(n_done, N);
        int seen_all = 1;
        static char seen[N];
        memset(seen, 0, sizeof seen);
        for (int i = 0; i < n_done; i++) {
            seen_all &= !seen[done[i].tag];
            seen[done[i].tag] = 1;
            ends[rep][done[i].tag] = done[i].t_end;
        }
        CHECK(seen_all);
        CHECK_INT(channel_active(ch, LINK_UP) + channel_active(ch, LINK_DOWN), 0);
        channel_destroy(ch);
        n_done = 0;
    }
    CHECK(memcmp(ends[0], ends[1], sizeof ends[0]) == 0);
}

/* The next event while a transfer is on air under fading is at most the
 * next block boundary; with `none` there is no block event. */
static void test_next_event(void)
{
    setup("rayleigh", 1, 100);
    channel *ch = make(3);
    CHECK(channel_next_event(ch) == SIM_TIME_NEVER);
    channel_transfer_start(ch, 0, LINK_UP, 1000, 1e7, 0);
    CHECK_INT(channel_next_event(ch), 1000 + 5000000);
    channel_advance(ch, 1000 + 5000000, on_done, NULL);
    CHECK_INT(channel_next_event(ch), 10000000); /* block boundary at 0.01 s */
    channel_destroy(ch);

    setup("none", 1, 100);
    ch = make(3);
    channel_transfer_start(ch, 0, LINK_UP, 0, 1e7, 0);
    channel_advance(ch, 5000000, on_done, NULL);
    double want = 0.005 + 8e7 / constant_rate(ch, 0, LINK_UP);
    CHECK_INT(channel_next_event(ch), sim_time_from_s(want));
    channel_destroy(ch);
}

/* A callback may start the next transfer at the time it is told of. */
static channel *chain_ch;
static int chain_left;
static void on_done_chain(void *ctx, const channel_done *d)
{
    on_done(ctx, d);
    if (chain_left-- > 0)
        channel_transfer_start(chain_ch, d->device, d->dir, d->t_end, d->bytes, d->tag + 1);
}

static void test_callback_restart(void)
{
    setup("none", 1, 100);
    chain_ch = make(3);
    chain_left = 3;
    channel_transfer_start(chain_ch, 0, LINK_DOWN, 0, 5000, 0);
    for (;;) {
        sim_time t = channel_next_event(chain_ch);
        if (t == SIM_TIME_NEVER)
            break;
        channel_advance(chain_ch, t, on_done_chain, NULL);
    }
    CHECK_INT(n_done, 4);
    double one = 0.005 + 8 * 5000 / constant_rate(chain_ch, 0, LINK_DOWN);
    CHECK_NEAR(sim_time_to_s(done[3].t_end), 4 * one, 4e-9);
    CHECK_INT(done[3].tag, 3);
    channel_destroy(chain_ch);
}

/* Cancel (a query abandoned, docs/MODEL.md "Outcomes"): two equal
 * transfers of S bytes share the band from t_air; one cancelled at t_c
 * leaves it, and the other, with 8S - R (t_c - t_air) / 2 bits left, gets
 * the whole rate R: t_end = t_c + (8S - R (t_c - t_air) / 2) / R.  The
 * cancelled one is never reported. */
static void test_cancel(void)
{
    setup("none", 2, 120);
    channel *ch = make(1);
    double rate = constant_rate(ch, 0, LINK_UP), bytes = 200000;
    CHECK_INT(channel_transfer_start(ch, 0, LINK_UP, 0, bytes, 1), 0);
    CHECK_INT(channel_transfer_start(ch, 1, LINK_UP, 0, bytes, 2), 0);
    double t_air = cfg.access_s, t_c = t_air + 0.5 * 8.0 * bytes / rate;
    run_until(ch, sim_time_from_s(t_c));
    CHECK_INT(n_done, 0);
    CHECK_INT(channel_transfer_cancel(ch, sim_time_from_s(t_c), 2), 1);
    CHECK_INT(channel_transfer_cancel(ch, sim_time_from_s(t_c), 2), 0);
    CHECK_INT(channel_active(ch, LINK_UP), 1);
    CHECK_INT(channel_on_air(ch, LINK_UP), 1);
    run_until(ch, SIM_TIME_NEVER);
    CHECK_INT(n_done, 1);
    CHECK_INT(done[0].tag, 1);
    CHECK_INT(done[0].outage, CHANNEL_DELIVERED);
    CHECK_NEAR(sim_time_to_s(done[0].t_end), t_c + (8.0 * bytes - rate * (t_c - t_air) / 2) / rate, 1e-8);
    channel_destroy(ch);
}

/* Outage (docs/MODEL.md "Outcomes"): with the CQI rate model below CQI 1,
 * a transfer on a channel that cannot change (fading none, static) is
 * reported at once when it goes on air (CHANNEL_OUTAGE_PERMANENT, t_end =
 * t_air); with Rayleigh fading far below the threshold it is reported
 * outage_timeout_s after it went on air (CHANNEL_OUTAGE_TIMEOUT).  Either
 * way it leaves the band: the other transfer's time is the single-user
 * closed form. */
static void test_outage(void)
{
    setup("none", 2, 120);
    dev.distances_m[0] = 1500;
    snprintf(cfg.rate.model, sizeof cfg.rate.model, "cqi");
    cfg.uplink.bandwidth_hz = 5e6;
    channel *ch = make(1);
    CHECK(channel_snr_avg_db(ch, 0, LINK_UP) < cfg.rate.cqi_snr_db[0]);
    CHECK_INT(channel_transfer_start(ch, 0, LINK_UP, 1000, 300, 7), 0);
    run_until(ch, SIM_TIME_NEVER);
    CHECK_INT(n_done, 1);
    CHECK(done[0].tag == 7 && done[0].outage == CHANNEL_OUTAGE_PERMANENT);
    CHECK_INT(done[0].t_end, 1000 + 5000000);
    CHECK_INT(channel_active(ch, LINK_UP), 0);
    channel_destroy(ch);

    setup("rayleigh", 2, 120);
    dev.distances_m[0] = 5000;
    snprintf(cfg.rate.model, sizeof cfg.rate.model, "cqi");
    cfg.outage_timeout_s = 2;
    ch = make(1);
    CHECK(channel_snr_avg_db(ch, 0, LINK_UP) < cfg.rate.cqi_snr_db[0] - 25);
    CHECK_INT(channel_transfer_start(ch, 0, LINK_UP, 0, 300, 7), 0);
    run_until(ch, SIM_TIME_NEVER);
    CHECK_INT(n_done, 1);
    CHECK(done[0].tag == 7 && done[0].outage == CHANNEL_OUTAGE_TIMEOUT);
    CHECK_INT(done[0].t_end, 5000000 + 2000000000);
    channel_destroy(ch);
}

int main(void)
{
    test_constant_channel_exact();
    test_equal_sharing();
    test_unequal_sharing();
    test_staggered_start();
    test_across_fades();
    test_many();
    test_next_event();
    test_callback_restart();
    test_cancel();
    test_outage();
    return check_done();
}
