/* bench_channel.c -- speed of the channel module (not a test).
 *
 *   bench_channel [devices] [seconds]
 *
 * Reports: sequential fading blocks per second; sparse reads (one block per
 * device every 2 s of simulated time, the router's pattern); and transfer
 * events per second for a Poisson stream of transfers from all devices over
 * correlated Rayleigh fading with processor sharing. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "models/channel/channel.h"

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static long completions;
static void on_done(void *ctx, const channel_done *d)
{
    (void)ctx;
    (void)d;
    completions++;
}

int main(int argc, char **argv)
{
    int devices = argc > 1 ? atoi(argv[1]) : 100;
    double seconds = argc > 2 ? atof(argv[2]) : 600;
    static channel_config cfg;
    static devices_config dev;
    keys_defaults(channel_keys, &cfg);
    keys_defaults(devices_keys, &dev);
    dev.count = devices;
    char err[256];
    channel *ch = channel_create(&cfg, &dev, 1, 0, err, sizeof err);
    if (!ch) {
        fprintf(stderr, "bench_channel: %s\n", err);
        return 1;
    }

    long blocks = (long)(seconds / cfg.fading.block_s);
    double sink = 0, t0 = wall_s();
    for (long k = 0; k < blocks; k++)
        sink += channel_fading_gain(ch, 0, LINK_UP, k);
    double seq = wall_s() - t0;
    printf("sequential: %ld blocks in %.3f s = %.1f M blocks/s\n", blocks, seq, blocks / seq / 1e6);

    t0 = wall_s();
    long reads = 0;
    for (sim_time t = 0; t < sim_time_from_s(seconds); t += 2 * SIM_NS_PER_S)
        for (int d = 0; d < devices; d++, reads++)
            sink += channel_snr_db(ch, d, LINK_DOWN, t + d * 1000003);
    double sparse = wall_s() - t0;
    printf("sparse (every 2 s per device): %ld reads in %.3f s = %.2f us/read\n", reads, sparse,
           1e6 * sparse / (double)reads);
    channel_destroy(ch);

    ch = channel_create(&cfg, &dev, 2, 0, err, sizeof err);
    uint64_t x = 88172645463325252ULL;
    sim_time t = 0, end = sim_time_from_s(seconds);
    long events = 0, starts = 0;
    t0 = wall_s();
    while (t < end) {
        sim_time next = channel_next_event(ch);
        if (t <= next) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            channel_transfer_start(ch, (int)(x % (uint64_t)devices), (x >> 8) & 1 ? LINK_DOWN : LINK_UP, t,
                                   300.0 + (double)((x >> 16) % 4000), (uint64_t)starts++);
            t += (sim_time)((x >> 40) % 100000000); /* mean 50 ms between transfers */
        } else {
            channel_advance(ch, next, on_done, NULL);
            events++;
        }
    }
    double xfer = wall_s() - t0;
    printf("transfers: %ld started, %ld done, %ld channel events in %.3f s = %.2f M events/s\n", starts, completions,
           events, xfer, events / xfer / 1e6);
    channel_destroy(ch);
    return sink < 0;
}
