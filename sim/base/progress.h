/* progress.h -- a progress line for long commands (docs/CLI.md, "Progress").
 *
 * On a terminal: one line rewritten in place ("\r" ... erase to the end of
 * the line) at most every period.  Otherwise: a plain line every period.
 * The line says "done/total UNIT (P%), R UNIT/s, ETA h:mm:ss" after a
 * caller's prefix; with an unknown total (<= 0) only the count and rate.
 *
 * The period is EDGESIM_PROGRESS_PERIOD_S seconds if that is set (0: a line
 * at every progress_due call, which tests use so that their output does not
 * depend on the wall clock), else 0.5 s on a terminal and 10 s otherwise.
 * Wall-clock time here only paces output; no model reads it.  One progress
 * is used by one thread.
 */
#ifndef EDGESIM_PROGRESS_H
#define EDGESIM_PROGRESS_H

#include <stdio.h>

typedef struct progress {
    FILE *out;        /* NULL: silent (-q) */
    int tty;          /* out is a terminal */
    double period_s;
    double start_s;   /* wall clock (monotonic) at progress_init */
    double last_s;    /* of the last line */
    int open;         /* a terminal line is shown and not ended */
} progress;

/* Silent when out is NULL. */
void progress_init(progress *p, FILE *out);
/* 1 when a line is due (the period has passed since the last one). */
int progress_due(const progress *p);
/* Seconds since progress_init. */
double progress_elapsed_s(const progress *p);
/* Show "PREFIX done/total UNIT (P%), R UNIT/s, ETA h:mm:ss" now: the rate
 * and ETA from `done` over the time since progress_init.  PREFIX may be
 * "" and UNIT e.g. "queries". */
void progress_show(progress *p, const char *prefix, double done, double total, const char *unit);
/* Print a whole line (a run's result, a warning) without mixing it with a
 * terminal progress line: the shown line is cleared first. */
void progress_print(progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Clear a terminal line that is shown (before the command's own output). */
void progress_end(progress *p);

#endif
