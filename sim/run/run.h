/* run.h -- one simulation run: a resolved scenario, one policy, one sink.
 *
 * The run loop wires the models together (docs/ARCHITECTURE.md): trace
 * source -> arrival -> router overhead -> policy -> device server, or uplink ->
 * edge server -> downlink -> record.  It owns every model object of the run;
 * nothing is global, so runs may proceed side by side in one process.
 */
#ifndef EDGESIM_RUN_H
#define EDGESIM_RUN_H

#include <signal.h>
#include <stdio.h>

#include "models/policies/policies.h"
#include "sim/base/exit_codes.h"
#include "sim/run/record.h"
#include "sim/run/scenario.h"

typedef struct run_options {
    int quiet;                          /* no warning */
    const char *label;                  /* names the run in a warning, e.g. "run 2/6 always-large" */
    volatile sig_atomic_t *interrupted; /* set by a signal handler; may be NULL */
    FILE *progress;                     /* where a warning goes (stderr) */
    /* Called between slices of events (about every 65,536) with the
     * queries finished so far, from the thread of run_one; may be NULL. */
    void (*on_progress)(void *ctx, int64_t queries_done);
    void *progress_ctx;
} run_options;

/* How a run ended: the run loop's own status, one table.
 *   X(status, exit code of the command that ran it, meaning)
 * The exit codes are those of sim/base/exit_codes.h; commands map a status
 * through this table (run_status_exit_code; tests/test_run_status_exit.c).
 * RUN_OK is 0. */
#define RUN_STATUSES(X)                                                                               \
    X(RUN_OK, EXIT_OK, "the run completed")                                                           \
    X(RUN_CONFIG, EXIT_USAGE, "a model or the policy rejected the configuration")                     \
    X(RUN_INPUT, EXIT_INPUT, "bad input data (the trace)")                                            \
    X(RUN_OUTPUT, EXIT_OUTPUT, "the sink failed")                                                     \
    X(RUN_INTERRUPTED, EXIT_INTERRUPTED, "the interrupt flag was set")                                \
    X(RUN_INTERNAL, EXIT_INTERNAL, "a bug (a model lost a query, an invalid route) or out of memory")

typedef enum run_status {
#define RUN_STATUS_ENUM_(status, exit_code, meaning) status,
    RUN_STATUSES(RUN_STATUS_ENUM_)
#undef RUN_STATUS_ENUM_
    RUN_N_STATUSES
} run_status;

/* The exit code of a status (RUN_STATUSES); EXIT_INTERNAL outside the table. */
int run_status_exit_code(run_status s);

/* Run `sc` with policy `pi`, writing records to `out` between begin_run and
 * end_run.  Returns RUN_OK or the first failure, with err saying what and
 * where.  On anything but RUN_OK the sink has removed the run. */
run_status run_one(const scenario *sc, policy_instance *pi, sink *out, const run_info *info, const run_options *opt,
                   run_stats *stats, char *err, size_t errlen);

/* ---- Checks before any run (run_check.c) ----
 *
 * Everything run_one resolves before its first event, checked without
 * running: the latency profiles and the channel (the same resolution as
 * run_one's set-up), the arrival process, and the trace read to the end by
 * the run's own trace source (every row's range, order and device index; a
 * file with no row is an error).  A trace is read once per distinct source
 * (file, devices.count, arrival mode) whatever the number of points that use
 * it.  `edgesim run --check` and `edgesim run` (before it writes anything)
 * call run_check_scenario for each sweep point they would run. */
typedef struct run_check run_check;

/* `interrupted` (may be NULL) is polled while a trace is read.  NULL when
 * memory runs out. */
run_check *run_check_create(volatile sig_atomic_t *interrupted);
void run_check_destroy(run_check *c);
/* Digest each regular trace file in the read that checks it (the run
 * identity's SHA-256 of its bytes, identity.h) and record it in `digests`
 * (not owned), so a run reads its trace twice at most: once here, once to
 * run it.  A file whose digest `digests` holds already is not hashed again. */
struct identity_cache;
void run_check_set_digests(run_check *c, struct identity_cache *digests);

/* Returns RUN_OK, or RUN_CONFIG (a key: the message names it), RUN_INPUT
 * (the trace: file:line), RUN_INTERRUPTED or RUN_INTERNAL with err set.
 * *expected_queries receives the trace's rows (a generated trace: their
 * expected number; -1 if unknown: a pipe), for progress.
 * `warn` receives "" or a warning: a mean query's transfer at the best
 * device's mean SNR, or its batch-1 service on a model, takes longer than
 * the arrival horizon (the last arrival, or arrivals / mean rate, capped by
 * duration_s), naming the keys that set it. */
run_status run_check_scenario(run_check *c, const scenario *sc, double *expected_queries, char *warn, size_t wlen,
                              char *err, size_t errlen);

#endif
