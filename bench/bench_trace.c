/* bench_trace.c -- a 10^7-row trace streams in constant memory.
 *
 * Usage: bench_trace ROWS FILE.  Generates ROWS MMLU-calibrated queries (with
 * Poisson times) into FILE, reads FILE back with the strict reader, and
 * prints rows/s and the peak resident set (getrusage ru_maxrss, KiB) after
 * each phase.  Target (issue 8): 10^7 rows under 64 MiB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "traces/trace.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long peak_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    trace_config cfg;
    trace_error err;
    trace_row row;
    trace_gen *g;
    trace_arrival *a;
    trace_writer *w;
    trace_reader *r;
    long long n = 0;
    int dev, rc;
    double t0;
    if (argc != 3) {
        fprintf(stderr, "usage: bench_trace ROWS FILE.csv\n");
        return 2;
    }
    keys_defaults(trace_keys, &cfg);
    cfg.generate.queries = atoi(argv[1]);
    g = trace_gen_create(&cfg, 1, 0, &err);
    a = g ? trace_arrival_create(&cfg, 1, 1, 0, &err) : NULL;
    w = a ? trace_writer_create(argv[2], 1u << TRACE_COL_T_ARR, &err) : NULL;
    if (!w) {
        fprintf(stderr, "bench_trace: %s\n", err.msg);
        return 1;
    }
    t0 = now_s();
    while (trace_gen_next(g, &row, &err) == 1) {
        row.t_arr_s = trace_arrival_next(a, &dev);
        if (trace_writer_put(w, &row, &err))
            break;
    }
    trace_gen_destroy(g);
    trace_arrival_destroy(a);
    if (trace_writer_close(w, &err)) {
        fprintf(stderr, "bench_trace: %s\n", err.msg);
        return 4;
    }
    printf("write %d rows: %.2f s, peak RSS %ld KiB\n", cfg.generate.queries, now_s() - t0, peak_kib());
    t0 = now_s();
    r = trace_open(argv[2], &err);
    if (!r) {
        fprintf(stderr, "bench_trace: %s\n", err.msg);
        return 3;
    }
    while ((rc = trace_next(r, &row, &err)) == 1)
        n++;
    trace_close(r);
    if (rc < 0) {
        fprintf(stderr, "bench_trace: %s\n", err.msg);
        return 3;
    }
    printf("read %lld rows: %.2f s (%.0f rows/s), peak RSS %ld KiB (%.1f MiB)\n", n, now_s() - t0,
           n / (now_s() - t0), peak_kib(), peak_kib() / 1024.0);
    return peak_kib() < 64 * 1024 ? 0 : 1;
}
