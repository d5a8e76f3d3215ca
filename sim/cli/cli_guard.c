/* cli_guard.c -- `edgesim run` with policy plug-ins: a supervising parent.
 *
 * A plug-in is code edgesim does not control: it may crash (SIGSEGV, SIGBUS,
 * SIGFPE, abort), loop, or exit.  None of that can be handled safely inside
 * the process it happens in (no SQLite from a SIGSEGV handler, no way to
 * cancel a call that does not return), so with --policy-plugin the command
 * forks: the child does everything `edgesim run` does; this process only
 * waits, forwards signals and watches a small shared-memory table with one
 * policy_watch per thread of the child (models/policies/policies.h: which
 * plug-in, which callback, which query, which run, and a sequence number
 * that is odd while a call is under way).  When the child ends abnormally --
 * killed by a signal, killed here because a call outlived --plugin-timeout or
 * ignored an interrupt, or exiting from inside a plug-in call -- this process
 * names the plug-in and the call, removes the child's unfinished runs (status
 * 'running', writer "host:CHILD-PID") with the `edgesim clean` logic, in a
 * clean address space, and exits with one code per cause
 * (docs/POLICIES.md "Faulty plug-ins"):
 *   a plug-in crashed, looped, or exited     EXIT_USAGE (2)
 *   interrupted (SIGINT/SIGTERM)             EXIT_INTERRUPTED (130)
 *   the child died outside any plug-in call  EXIT_INTERNAL (1)
 * Otherwise the child's own exit code is the command's.
 *
 * Signals: SIGINT and SIGTERM go to this process (the child ignores them, so
 * a terminal's Ctrl-C, sent to the whole process group, counts once); the
 * first is passed on as SIGUSR1, which the child's run loop polls like a
 * SIGINT; if a plug-in call under way at that moment has not returned
 * GRACE_S later, the child is killed.  A second signal kills the child at
 * once (its unfinished run is left to `edgesim clean` or a rerun).  Without
 * plug-ins nothing of this runs: built-in policies are the project's code
 * and its tests. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "cli_int.h"
#include "analysis/plot.h"
#include "sim/base/exit_codes.h"
#include "sim/run/results_db.h"

#define POLL_S 0.01  /* how often the supervisor looks, s */
#define GRACE_S 0.1  /* how long an interrupted plug-in call may go on, s (issue 13: 100 ms) */

struct cli_guard {
    int n_slots;
    policy_watch slot[]; /* 0: the main thread; 1..: run -j workers */
};

/* The supervisor's own signal count (a handler can only set a flag). */
static volatile sig_atomic_t guard_signals;
static volatile sig_atomic_t guard_last_signal;

static void on_guard_signal(int sig)
{
    guard_last_signal = sig;
    guard_signals++;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

policy_watch *cli__guard_slot(cli_guard *g, int i)
{
    return g && i >= 0 && i < g->n_slots ? &g->slot[i] : NULL;
}

/* Why the child ended, as the supervisor saw it. */
typedef enum { END_NORMAL, END_TIMEOUT, END_STUCK, END_AT_ONCE } guard_end;

/* The slot whose call is under way, or -1. */
static int busy_slot(const cli_guard *g)
{
    for (int i = 0; i < g->n_slots; i++)
        if (atomic_load_explicit(&g->slot[i].seq, memory_order_acquire) & 1u)
            return i;
    return -1;
}

/* "policy plug-in PATH (policy NAME): CALLBACK on query Q (LABEL)" */
static void describe_call(const policy_watch *w, char *buf, size_t len)
{
    char query[48] = "";
    if (w->call == POLICY_CALL_DECIDE)
        snprintf(query, sizeof query, " on query %lld", (long long)w->query_id);
    snprintf(buf, len, "policy plug-in %s (policy %s): %s%s%s%s%s", w->plugin, w->policy, policy_call_name(w->call),
             query, w->label[0] ? " (" : "", w->label, w->label[0] ? ")" : "");
}

/* Remove the child's unfinished runs; says what it did. */
static void remove_unfinished(const char *output, pid_t child)
{
    struct stat st;
    if (stat(output, &st) != 0)
        return; /* never created: nothing to remove */
    char writer[300], err[1024];
    long long runs = 0;
    results_db_writer_id_of(writer, sizeof writer, (long)child);
    if (clean_writer_runs(output, writer, &runs, err, sizeof err) != 0)
        fprintf(stderr, "edgesim: %s; `edgesim clean %s` removes the unfinished run later\n", err, output);
    else if (runs > 0)
        fprintf(stderr, "edgesim: removed %lld unfinished run%s from %s\n", runs, runs == 1 ? "" : "s", output);
}

/* The parent's side: watch the child until it ends; returns the exit code. */
static int supervise(cli_guard *g, pid_t child, const char *output, double timeout_s)
{
    unsigned *seen = calloc((size_t)g->n_slots, sizeof *seen);
    double *since = calloc((size_t)g->n_slots, sizeof *since);
    unsigned *at_signal = calloc((size_t)g->n_slots, sizeof *at_signal);
    int status = 0, forwarded = 0, culprit = -1;
    double interrupted_at = -1;
    guard_end end = END_NORMAL;
    if (!seen || !since || !at_signal) {
        /* Cannot watch: let the child run unwatched. */
        fprintf(stderr, "edgesim: out of memory (plug-in supervisor); running without a watchdog\n");
        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
            ;
        free(seen);
        free(since);
        free(at_signal);
        return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_INTERNAL;
    }
    for (;;) {
        pid_t r = waitpid(child, &status, WNOHANG);
        if (r == child || (r < 0 && errno != EINTR))
            break;
        double now = mono_s();
        int sigs = guard_signals;
        if (sigs > forwarded && end == END_NORMAL) {
            if (sigs >= 2) {
                end = END_AT_ONCE;
                kill(child, SIGKILL);
            } else {
                kill(child, SIGUSR1);
                interrupted_at = now;
                for (int i = 0; i < g->n_slots; i++)
                    at_signal[i] = atomic_load_explicit(&g->slot[i].seq, memory_order_acquire);
            }
            forwarded = sigs;
        }
        for (int i = 0; i < g->n_slots && end == END_NORMAL; i++) {
            unsigned seq = atomic_load_explicit(&g->slot[i].seq, memory_order_acquire);
            if (!(seq & 1u)) {
                seen[i] = seq;
                continue;
            }
            if (seq != seen[i]) {
                seen[i] = seq;
                since[i] = now;
            } else if (timeout_s > 0 && now - since[i] > timeout_s) {
                end = END_TIMEOUT;
            }
            if (end == END_NORMAL && interrupted_at >= 0 && seq == at_signal[i] && now - interrupted_at > GRACE_S)
                end = END_STUCK;
            if (end != END_NORMAL) {
                culprit = i;
                kill(child, SIGKILL);
            }
        }
        struct timespec ts = {0, (long)(POLL_S * 1e9)};
        nanosleep(&ts, NULL);
    }
    free(seen);
    free(since);
    free(at_signal);

    char call[700];
    int code;
    if (end == END_AT_ONCE) {
        fprintf(stderr, "edgesim: interrupted again: stopped at once; `edgesim clean %s` removes the unfinished run\n",
                output);
        return EXIT_INTERRUPTED;
    }
    if (culprit < 0 && (WIFSIGNALED(status) || (WIFEXITED(status) && busy_slot(g) >= 0)))
        culprit = busy_slot(g);
    if (culprit >= 0)
        describe_call(&g->slot[culprit], call, sizeof call);
    if (end == END_TIMEOUT) {
        fprintf(stderr, "edgesim: %s did not return within %g s (--plugin-timeout): stopped\n", call, timeout_s);
        code = EXIT_USAGE;
    } else if (end == END_STUCK) {
        fprintf(stderr, "edgesim: interrupted; %s did not return: stopped\n", call);
        code = EXIT_INTERRUPTED;
    } else if (WIFSIGNALED(status) && culprit >= 0) {
        fprintf(stderr, "edgesim: %s crashed (%s)\n", call, strsignal(WTERMSIG(status)));
        code = EXIT_USAGE;
    } else if (WIFSIGNALED(status)) {
        fprintf(stderr, "edgesim: run stopped by a signal outside any plug-in call (%s): a bug, or a plug-in that "
                        "damaged memory earlier\n",
                strsignal(WTERMSIG(status)));
        code = EXIT_INTERNAL;
    } else if (culprit >= 0) {
        fprintf(stderr, "edgesim: %s ended the process (exit status %d)\n", call, WEXITSTATUS(status));
        code = EXIT_USAGE;
    } else {
        return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_INTERNAL; /* the child's own answer */
    }
    remove_unfinished(output, child);
    return code;
}

int cli__guard_fork(cli_guard **out, const char *output, double timeout_s, int n_slots)
{
    size_t size = sizeof(cli_guard) + (size_t)n_slots * sizeof(policy_watch);
    cli_guard *g = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (g == MAP_FAILED) {
        fprintf(stderr, "edgesim: cannot map the plug-in supervisor's memory: %s\n", strerror(errno));
        return EXIT_INTERNAL;
    }
    g->n_slots = n_slots; /* the mapping is zero-filled: every seq is 0 (no call) */
    for (int i = 0; i < n_slots; i++)
        atomic_init(&g->slot[i].seq, 0u);
    cli__handle_signal(SIGINT, on_guard_signal);
    cli__handle_signal(SIGTERM, on_guard_signal);
    /* SIGUSR1 held until the child has its handler (its default would kill). */
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &old);
    fflush(NULL);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child != 0)
        sigprocmask(SIG_SETMASK, &old, NULL);
    if (child < 0) {
        fprintf(stderr, "edgesim: cannot fork the plug-in supervisor: %s\n", strerror(errno));
        munmap(g, size);
        return EXIT_INTERNAL;
    }
    if (child == 0) {
#ifdef __linux__
        /* kill -9 of the command ends the run too, as without plug-ins. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
        if (getppid() != parent)
            _exit(EXIT_INTERRUPTED);
        cli__signals_from_supervisor();
        sigprocmask(SIG_SETMASK, &old, NULL);
        *out = g;
        return -1;
    }
    int code = supervise(g, child, output, timeout_s);
    munmap(g, size);
    return code;
}
