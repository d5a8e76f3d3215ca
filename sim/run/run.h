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
#include "sim/run/record.h"
#include "sim/run/scenario.h"

typedef struct run_options {
    int quiet;                          /* no progress lines */
    const char *label;                  /* progress prefix, e.g. "run 2/6 always-large" */
    volatile sig_atomic_t *interrupted; /* set by a signal handler; may be NULL */
    FILE *progress;                     /* where progress goes (stderr) */
} run_options;

/* How a run ended: the run loop's own status (the CLI maps it to an exit
 * code, cli__exit_of_run).  RUN_OK is 0. */
typedef enum run_status {
    RUN_OK = 0,
    RUN_CONFIG,      /* a model or the policy rejected the configuration */
    RUN_INPUT,       /* bad input data (the trace) */
    RUN_OUTPUT,      /* the sink failed */
    RUN_INTERRUPTED, /* the interrupt flag was set */
    RUN_INTERNAL     /* a bug (a model lost a query, an invalid route) or out of memory */
} run_status;

/* Run `sc` with policy `pi`, writing records to `out` between begin_run and
 * end_run.  Returns RUN_OK or the first failure, with err saying what and
 * where.  On anything but RUN_OK the sink has removed the run. */
run_status run_one(const scenario *sc, policy_instance *pi, sink *out, const run_info *info, const run_options *opt,
                   run_stats *stats, char *err, size_t errlen);

#endif
