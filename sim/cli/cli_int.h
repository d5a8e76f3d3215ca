/* cli_int.h -- what the command files share (cli.c, cli_run.c). */
#ifndef EDGESIM_CLI_INT_H
#define EDGESIM_CLI_INT_H

#include <signal.h>
#include <stddef.h>

#include "models/policies/policies.h"
#include "sim/base/opts.h"
#include "sim/run/run.h"

#define MAX_SETS 256
#define MAX_PLUGINS 16

/* Set by SIGINT/SIGTERM; read by the run loop between slices of events.
 * The handler is installed when cli_main starts; until a command calls
 * cli__catch_signals (it polls the flag from then on) a signal ends the
 * process at once with EXIT_INTERRUPTED, as does a second signal. */
extern volatile sig_atomic_t cli__interrupted;
void cli__catch_signals(void);
/* In the child of the plug-in supervisor (cli_guard.c): SIGINT and SIGTERM
 * ignored (the supervisor gets them), SIGUSR1 counts as they would. */
void cli__signals_from_supervisor(void);
/* sigaction(sig) with `handler` (or SIG_IGN), no flags, nothing masked. */
void cli__handle_signal(int sig, void (*handler)(int));

/* `edgesim run --policy-plugin`: the supervising parent (cli_guard.c).
 * cli__guard_fork forks; in the child it returns -1 with *g set to the
 * shared table of `n_slots` watches (slot 0 the main thread, 1.. the -j
 * workers; never freed); in the parent it returns the command's exit code
 * once the child has ended (after naming a faulty plug-in call and removing
 * the child's unfinished runs from `output`).  timeout_s: how long one
 * plug-in call may last (0: no limit). */
typedef struct cli_guard cli_guard;
int cli__guard_fork(cli_guard **g, const char *output, double timeout_s, int n_slots);
/* Watch i of g; NULL when g is NULL (no supervisor) or i out of range. */
policy_watch *cli__guard_slot(cli_guard *g, int i);

/* The scenario options shared by run, slurm and channel: --set (bounded
 * list), --seed and --replications.  The two numbers take the range of their
 * scenario key (scenario_keys), so `--seed N` and `--set seed=N` accept the
 * same values; cli__sets_finish appends them after the --set values (they
 * win). */
typedef struct cli_sets {
    const char *items[MAX_SETS];
    opt_list list;
    long seed, replications; /* -1: not given */
    char owned[2][48];
} cli_sets;
void cli__sets_init(cli_sets *s);
/* The three option-table entries of `s` (ranges from the key table). */
opt_def cli__opt_set(cli_sets *s);
opt_def cli__opt_seed(cli_sets *s);
opt_def cli__opt_replications(cli_sets *s);
/* --plugin-timeout S for run and slurm (CLI_PLUGIN_TIMEOUT_S when not given). */
#define CLI_PLUGIN_TIMEOUT_S 10.0
opt_def cli__opt_plugin_timeout(double *seconds);
/* After opts_parse: the --set list with --seed/--replications appended. */
char *const *cli__sets_finish(cli_sets *s, int *n);
/* The built-in policies plus the plug-ins; NULL (message printed) on error. */
policy_registry *cli__registry_with_plugins(const char *const *plugins, int n);

/* `edgesim run` (cli_run.c). */
int cli__run(int argc, char **argv);

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
