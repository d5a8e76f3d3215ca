/* trace_arrival.c -- arrival processes: Poisson, two-state MMPP, diurnal.
 *
 * Poisson: exponential gaps.  MMPP (Fischer & Meier-Hellstern 1993, "The
 * Markov-modulated Poisson process (MMPP) cookbook"): a Poisson process whose
 * rate switches between rate_per_s (normal) and burst_rate_per_s (burst)
 * after exponential sojourns; the initial state is drawn from the stationary
 * law, so the long-run mean rate (r_n m_n + r_b m_b) / (m_n + m_b) holds from
 * t = 0.  Diurnal: a non-homogeneous Poisson process of rate
 * r (1 + a cos(2 pi (t - t_peak) / T)), drawn by thinning (Lewis & Shedler
 * 1979), mean rate r.  Per device: one process per device, merged through a
 * binary heap ordered by (time, device). */
#include "trace_int.h"

#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/rng.h"

typedef enum { PROC_POISSON, PROC_MMPP, PROC_DIURNAL } proc_kind;

typedef struct proc {
    gsl_rng *r;
    double t;                  /* last arrival, s */
    int burst;                 /* MMPP state */
    double state_end;          /* MMPP: end of the current sojourn, s */
    double next;               /* per device: the pending arrival */
} proc;

struct trace_arrival {
    proc_kind kind;
    double rate, burst_rate, mean_normal, mean_burst; /* per process */
    double amp, period, peak;
    int n, per_device;
    proc *procs;
    int *heap;                 /* per device: device indices by (next, device) */
};

static double draw(trace_arrival *a, proc *p)
{
    switch (a->kind) {
    case PROC_POISSON:
        p->t += gsl_ran_exponential(p->r, 1.0 / a->rate);
        return p->t;
    case PROC_MMPP:
        for (;;) {
            double dt = gsl_ran_exponential(p->r, 1.0 / (p->burst ? a->burst_rate : a->rate));
            if (p->t + dt < p->state_end) {
                p->t += dt;
                return p->t;
            }
            /* Memoryless: restart the gap at the switch. */
            p->t = p->state_end;
            p->burst = !p->burst;
            p->state_end = p->t + gsl_ran_exponential(p->r, p->burst ? a->mean_burst : a->mean_normal);
        }
    case PROC_DIURNAL: {
        double peak_rate = a->rate * (1 + a->amp);
        for (;;) {
            p->t += gsl_ran_exponential(p->r, 1.0 / peak_rate);
            double lam = a->rate * (1 + a->amp * cos(2 * M_PI * (p->t - a->peak) / a->period));
            if (gsl_rng_uniform(p->r) * peak_rate < lam)
                return p->t;
        }
    }
    }
    return p->t;
}

static int before(const trace_arrival *a, int x, int y)
{
    double tx = a->procs[x].next, ty = a->procs[y].next;
    return tx < ty || (tx == ty && x < y);
}

static void sift_down(trace_arrival *a, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i, tmp;
        if (l < a->n && before(a, a->heap[l], a->heap[m]))
            m = l;
        if (r < a->n && before(a, a->heap[r], a->heap[m]))
            m = r;
        if (m == i)
            return;
        tmp = a->heap[i];
        a->heap[i] = a->heap[m];
        a->heap[m] = tmp;
        i = m;
    }
}

double trace_arrival_mean_rate(const trace_config *cfg, int n_devices)
{
    const double k = cfg->arrival.per_device ? n_devices : 1;
    if (strcmp(cfg->arrival.process, "mmpp") == 0)
        return k * (cfg->arrival.rate_per_s * cfg->arrival.mean_normal_s +
                    cfg->arrival.burst_rate_per_s * cfg->arrival.mean_burst_s) /
               (cfg->arrival.mean_normal_s + cfg->arrival.mean_burst_s);
    return k * cfg->arrival.rate_per_s;
}

trace_arrival *trace_arrival_create(const trace_config *cfg, int n_devices, uint64_t seed, uint32_t replication,
                                    trace_error *err)
{
    trace_arrival *a = calloc(1, sizeof *a);
    const char *p = cfg->arrival.process;
    int i;
    if (!a) {
        trace__fail(err, "trace.arrival: out of memory");
        return NULL;
    }
    if (strcmp(p, "poisson") == 0)
        a->kind = PROC_POISSON;
    else if (strcmp(p, "mmpp") == 0)
        a->kind = PROC_MMPP;
    else if (strcmp(p, "diurnal") == 0)
        a->kind = PROC_DIURNAL;
    else {
        trace__fail(err, "trace.arrival.process: expected poisson, mmpp or diurnal for a drawn process, found \"%s\"", p);
        goto fail;
    }
    if (n_devices < 1) {
        trace__fail(err, "trace.arrival: expected at least 1 device, found %d", n_devices);
        goto fail;
    }
    if (!(cfg->arrival.rate_per_s > 0) || !(cfg->arrival.burst_rate_per_s > 0) || !(cfg->arrival.mean_normal_s > 0) ||
        !(cfg->arrival.mean_burst_s > 0) || !(cfg->arrival.diurnal_period_s > 0) ||
        !(cfg->arrival.diurnal_amplitude >= 0 && cfg->arrival.diurnal_amplitude <= 1)) {
        trace__fail(err, "trace.arrival: expected positive rates, sojourns and period and an amplitude in [0,1]");
        goto fail;
    }
    a->rate = cfg->arrival.rate_per_s;
    a->burst_rate = cfg->arrival.burst_rate_per_s;
    a->mean_normal = cfg->arrival.mean_normal_s;
    a->mean_burst = cfg->arrival.mean_burst_s;
    a->amp = cfg->arrival.diurnal_amplitude;
    a->period = cfg->arrival.diurnal_period_s;
    a->peak = cfg->arrival.diurnal_peak_s;
    a->per_device = cfg->arrival.per_device != 0;
    a->n = a->per_device ? n_devices : 1;
    a->procs = calloc((size_t)a->n, sizeof *a->procs);
    a->heap = calloc((size_t)a->n, sizeof *a->heap);
    if (!a->procs || !a->heap) {
        trace__fail(err, "trace.arrival: out of memory");
        goto fail;
    }
    for (i = 0; i < a->n; i++) {
        proc *pr = &a->procs[i];
        /* Entity 0: the aggregate process; 1 + d: device d's own process. */
        pr->r = rng_stream_create(seed, replication, RNG_ARRIVALS, a->per_device ? 1 + (uint64_t)i : 0);
        if (!pr->r) {
            trace__fail(err, "trace.arrival: out of memory");
            goto fail;
        }
        if (a->kind == PROC_MMPP) {
            pr->burst = gsl_rng_uniform(pr->r) < a->mean_burst / (a->mean_normal + a->mean_burst);
            pr->state_end = gsl_ran_exponential(pr->r, pr->burst ? a->mean_burst : a->mean_normal);
        }
    }
    if (a->per_device) {
        for (i = 0; i < a->n; i++) {
            a->procs[i].next = draw(a, &a->procs[i]);
            a->heap[i] = i;
        }
        for (i = a->n / 2 - 1; i >= 0; i--)
            sift_down(a, i);
    }
    return a;
fail:
    trace_arrival_destroy(a);
    return NULL;
}

double trace_arrival_next(trace_arrival *a, int *device)
{
    int d;
    double t;
    if (!a->per_device) {
        *device = -1;
        return draw(a, &a->procs[0]);
    }
    d = a->heap[0];
    t = a->procs[d].next;
    a->procs[d].next = draw(a, &a->procs[d]);
    sift_down(a, 0);
    *device = d;
    return t;
}

void trace_arrival_destroy(trace_arrival *a)
{
    int i;
    if (!a)
        return;
    for (i = 0; a->procs && i < a->n; i++)
        gsl_rng_free(a->procs[i].r);
    free(a->procs);
    free(a->heap);
    free(a);
}
