/* cli_int.h -- what the command files share (cli.c, cli_run.c). */
#ifndef EDGESIM_CLI_INT_H
#define EDGESIM_CLI_INT_H

#include <signal.h>
#include <stddef.h>

#include "models/policies/policies.h"
#include "sim/run/run.h"

#define MAX_SETS 256
#define MAX_PLUGINS 16

/* Set by SIGINT/SIGTERM once cli__catch_signals ran; read by the run loop
 * between slices of events.  The one piece of process-wide state. */
extern volatile sig_atomic_t cli__interrupted;
void cli__catch_signals(void);

/* Is --help or -h among the arguments? */
int cli__want_help(int argc, char **argv);
/* Parse an integer flag value in [lo, hi]; prints the error and returns -1. */
int cli__parse_int_arg(const char *flag, const char *text, long lo, long hi, long *out);
/* The built-in policies plus the plug-ins; NULL (message printed) on error. */
policy_registry *cli__registry_with_plugins(const char *const *plugins, int n);

/* `edgesim run` (cli_run.c). */
int cli__run(int argc, char **argv);
/* The exit code of a run's status (cli_run.c). */
int cli__exit_of_run(run_status s);

/* Job-array tasks (cli_slurm.c): task T is sweep point P's replications
 * [rep_lo, rep_hi), points in order, each split into blocks of `per_task`
 * replications (0: one task per point). */
struct scenario_file;
typedef struct cli_task {
    int point;
    int rep_lo, rep_hi;
} cli_task;
int cli__task_count(const struct scenario_file *sf, int per_task, long *n_tasks, char *err, size_t errlen);
int cli__task_locate(const struct scenario_file *sf, int per_task, long task, cli_task *out, char *err,
                     size_t errlen);

/* `edgesim slurm` (cli_slurm.c). */
int cli__slurm(int argc, char **argv);

#endif
