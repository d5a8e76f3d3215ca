/* progress.c -- the progress line (progress.h). */
#include "sim/base/progress.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Default periods between lines, s: a terminal line is cheap to rewrite;
 * a log file should not grow by a line a second. */
#define PROGRESS_TTY_PERIOD_S 0.5
#define PROGRESS_LOG_PERIOD_S 10.0

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void progress_init(progress *p, FILE *out)
{
    p->out = out;
    p->tty = out && isatty(fileno(out));
    p->period_s = p->tty ? PROGRESS_TTY_PERIOD_S : PROGRESS_LOG_PERIOD_S;
    const char *env = getenv("EDGESIM_PROGRESS_PERIOD_S");
    if (env && *env) {
        char *end;
        double v = strtod(env, &end);
        if (*end == '\0' && v >= 0 && isfinite(v))
            p->period_s = v;
    }
    p->start_s = p->last_s = wall_s();
    p->open = 0;
}

int progress_due(const progress *p)
{
    return p->out && wall_s() - p->last_s >= p->period_s;
}

double progress_elapsed_s(const progress *p)
{
    return wall_s() - p->start_s;
}

/* "h:mm:ss" of a non-negative time, s. */
static void hms(double s, char *buf, size_t cap)
{
    if (!isfinite(s) || s > 99 * 3600.0) {
        snprintf(buf, cap, ">99 h");
        return;
    }
    long t = lround(s);
    snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

void progress_show(progress *p, const char *prefix, double done, double total, const char *unit)
{
    if (!p->out)
        return;
    double now = wall_s();
    p->last_s = now;
    double elapsed = now - p->start_s;
    double rate = elapsed > 0 ? done / elapsed : 0;
    char rate_text[32], eta[32];
    snprintf(rate_text, sizeof rate_text, rate >= 100 ? "%.0f" : "%.3g", rate);
    fprintf(p->out, "%s%s%s%.0f", p->tty ? "\r" : "", prefix, prefix[0] ? " " : "", done);
    if (total > 0) {
        double left = total > done ? total - done : 0;
        hms(rate > 0 ? left / rate : INFINITY, eta, sizeof eta);
        fprintf(p->out, "/%.0f %s (%.1f%%), %s %s/s, ETA %s", total, unit, 100 * (done < total ? done : total) / total,
                rate_text, unit, eta);
    } else {
        fprintf(p->out, " %s, %s %s/s", unit, rate_text, unit);
    }
    fputs(p->tty ? "\033[K" : "\n", p->out);
    fflush(p->out);
    p->open = p->tty;
}

void progress_print(progress *p, const char *fmt, ...)
{
    if (!p->out)
        return;
    if (p->open)
        fputs("\r\033[K", p->out);
    p->open = 0;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->out, fmt, ap);
    va_end(ap);
    fflush(p->out);
}

void progress_end(progress *p)
{
    if (p->out && p->open) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
    }
    p->open = 0;
}
