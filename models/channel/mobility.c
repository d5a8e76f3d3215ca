/* mobility.c -- how devices move: static, constant velocity, random
 * waypoint, random direction, Gauss-Markov, and a trace of positions.
 * Models and sources: docs/CHANNEL.md, "Mobility".
 *
 * Every model gives the position as a pure function of (seed, replication,
 * device, t).  Models made of legs (a straight move at constant velocity,
 * then a pause) draw leg k from the hashed uniforms MOB_UNIFORMS_PER_LEG k +
 * j of stream (RNG_MOBILITY, device); a cursor per device holds the current
 * leg, so reading forward costs O(1) per leg.  The last MOB_HISTORY legs of
 * each device are kept, so a read somewhat in the past (the router's stale
 * CSI, a fading block read late) costs O(MOB_HISTORY) at most; only a read
 * further back replays the legs from 0 (the same values: a leg is a pure
 * function of the legs before it).  Positions are kept unfolded
 * and folded back into the area on output, which is a reflection at its
 * border. */
#include "channel_int.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double two_pi = 6.283185307179586476925286766559;
static const double deg = 0.017453292519943295769236907684886; /* pi / 180 */

#define MOB_UNIFORMS_PER_LEG 4
#define MOB_HISTORY 64          /* legs kept per device for reads in the past */

/* The registry: (identifier, name, moves, summary).  Key choices, the
 * registry table and the docs come from this one list. */
#define MOBILITY_MODELS(X)                                                                                       \
    X(static_model, "static", 0,                                                                                 \
      "devices stay where they are placed (the default; records are the same as before the mobility models)")   \
    X(constant_velocity, "constant-velocity", 1, "`speed_mps` along `heading_deg`, reflected at the area border") \
    X(random_waypoint, "random-waypoint", 1,                                                                     \
      "to a uniform point of the area at a speed uniform in [`speed_min_mps`, `speed_max_mps`], pause "          \
      "`pause_s`, again (D. B. Johnson, D. A. Maltz, \"Dynamic source routing in ad hoc wireless networks\", "   \
      "1996; C. Bettstetter et al., IEEE Trans. Mobile Comput. 3(1), 2004)")                                    \
    X(random_direction, "random-direction", 1,                                                                   \
      "a uniform direction and speed, straight to the border, pause, again; on the border an outward "           \
      "direction is mirrored inwards (E. M. Royer, P. M. Melliar-Smith, L. E. Moser, IEEE ICC 2001)")           \
    X(gauss_markov, "gauss-markov", 1,                                                                           \
      "every `step_s`: `s_k = a s_(k-1) + (1-a) s_mean + sqrt(1-a^2) sd_s w`, the same for the heading, a = "    \
      "`memory` (B. Liang, Z. Haas, IEEE INFOCOM 1999; T. Camp, J. Boleng, V. Davies, WCMC 2(5), 2002); a "    \
      "negative speed stands still; reflected at the border")                                                    \
    X(trace_model, "trace", 1,                                                                                   \
      "positions from a CSV with the header `t,device,x_m,y_m`, times increasing per device, every device "      \
      "listed; linear in between, held before the first and after the last sample")

#define MOB_DEFINE(id, nm, mv, sm) static const mobility_model id = {nm, sm, mv};
MOBILITY_MODELS(MOB_DEFINE)
#undef MOB_DEFINE

const mobility_model *const mobility_models[] = {
#define MOB_ENTRY(id, nm, mv, sm) &id,
    MOBILITY_MODELS(MOB_ENTRY)
#undef MOB_ENTRY
    NULL};

const char *const mobility_names[] = {
#define MOB_NAME(id, nm, mv, sm) nm,
    MOBILITY_MODELS(MOB_NAME)
#undef MOB_NAME
    NULL};

const mobility_model *mobility_find(const char *name)
{
    for (const mobility_model *const *m = mobility_models; *m; m++)
        if (strcmp((*m)->name, name) == 0)
            return *m;
    return NULL;
}

/* One leg: from (x0, y0) (unfolded) at t0, velocity (vx, vy) until t1, then
 * still until t2.  s0 is the path length at t0. */
typedef struct mob_leg {
    int64_t index;           /* -1: none */
    double t0, t1, t2;
    double x0, y0, vx, vy, speed;
    double s0;
    double gm_speed, gm_heading; /* gauss-markov state of this leg */
} mob_leg;

typedef struct mob_sample {
    double t, x, y, s;       /* s: path length at this sample */
} mob_sample;

/* The models' indices in the registry: MOB_static_model, ... */
enum {
#define MOB_KIND(id, nm, mv, sm) MOB_##id,
    MOBILITY_MODELS(MOB_KIND)
#undef MOB_KIND
};

struct mobility {
    mobility_config cfg;
    int kind;
    int n_dev;
    uint64_t seed;
    uint32_t replication;
    double area[4];
    double *start_x, *start_y;
    mob_leg *leg;            /* cursor per device */
    mob_leg *history;        /* leg k of device d at history[d * MOB_HISTORY + k % MOB_HISTORY] */
    uint64_t replays;        /* reads before every kept leg (diagnostics) */
    mob_sample *samples;     /* trace: every device's samples, by device then time */
    size_t *first;           /* trace: samples of device d are first[d] .. first[d+1]-1 */
    size_t *cursor;          /* trace: last segment used per device */
};

void mobility_area(const mobility_config *cfg, const devices_config *dev, double area[4])
{
    if (cfg->n_area == 4) {
        memcpy(area, cfg->area_m, 4 * sizeof *area);
        return;
    }
    area[0] = area[1] = -dev->r_max_m;
    area[2] = area[3] = dev->r_max_m;
}

/* Fold an unfolded coordinate u back into [lo, hi] (mirror at both ends). */
static double fold(double u, double lo, double hi)
{
    double w = hi - lo;
    if (!(w > 0))
        return lo;
    double m = fmod(u - lo, 2 * w);
    if (m < 0)
        m += 2 * w;
    return lo + (m <= w ? m : 2 * w - m);
}

static double leg_uniform(const mobility *m, int device, int64_t leg, int j)
{
    return rng_hash_uniform(m->seed, m->replication, RNG_MOBILITY, (uint64_t)device,
                            (uint64_t)leg * MOB_UNIFORMS_PER_LEG + (uint64_t)j);
}

/* N(0,1) from the leg's uniforms j and j+1 (Box-Muller). */
static double leg_normal(const mobility *m, int device, int64_t leg, int j)
{
    double u1 = leg_uniform(m, device, leg, j), u2 = leg_uniform(m, device, leg, j + 1);
    return sqrt(-2.0 * log1p(-u1)) * cos(two_pi * u2);
}

/* Position at the end of a leg (folded), m. */
static void leg_end(const mobility *m, const mob_leg *l, double *x, double *y)
{
    *x = fold(l->x0 + l->vx * (l->t1 - l->t0), m->area[0], m->area[2]);
    *y = fold(l->y0 + l->vy * (l->t1 - l->t0), m->area[1], m->area[3]);
}

static double uniform_speed(const mobility *m, int device, int64_t k, int j)
{
    const mobility_config *c = &m->cfg;
    return c->speed_min_mps + leg_uniform(m, device, k, j) * (c->speed_max_mps - c->speed_min_mps);
}

/* Time to the area border from (x, y) along (vx, vy), s. */
static double time_to_border(const mobility *m, double x, double y, double vx, double vy)
{
    double t = INFINITY;
    if (vx > 0)
        t = fmin(t, (m->area[2] - x) / vx);
    else if (vx < 0)
        t = fmin(t, (m->area[0] - x) / vx);
    if (vy > 0)
        t = fmin(t, (m->area[3] - y) / vy);
    else if (vy < 0)
        t = fmin(t, (m->area[1] - y) / vy);
    return t > 0 ? t : 0;
}

/* Leg k of device d, following leg `prev` (NULL for k = 0). */
static void make_leg(const mobility *m, int d, int64_t k, const mob_leg *prev, mob_leg *l)
{
    const mobility_config *c = &m->cfg;
    double x, y;
    if (prev) {
        leg_end(m, prev, &x, &y);
        l->t0 = prev->t2;
        l->s0 = prev->s0 + prev->speed * (prev->t1 - prev->t0);
    } else {
        x = m->start_x[d];
        y = m->start_y[d];
        l->t0 = 0;
        l->s0 = 0;
    }
    l->index = k;
    l->x0 = x;
    l->y0 = y;
    switch (m->kind) {
    case MOB_random_waypoint: {
        /* Random waypoint (Johnson & Maltz 1996; Bettstetter et al. 2004):
         * a uniform destination in the area, a uniform speed, then a pause. */
        double dx = m->area[0] + leg_uniform(m, d, k, 0) * (m->area[2] - m->area[0]) - x;
        double dy = m->area[1] + leg_uniform(m, d, k, 1) * (m->area[3] - m->area[1]) - y;
        double dist = hypot(dx, dy);
        l->speed = uniform_speed(m, d, k, 2);
        double travel = dist / l->speed;
        l->vx = travel > 0 ? dx / travel : 0;
        l->vy = travel > 0 ? dy / travel : 0;
        l->t1 = l->t0 + travel;
        l->t2 = l->t1 + c->pause_s;
        break;
    }
    case MOB_random_direction: {
        /* Random direction (Royer, Melliar-Smith, Moser 2001): a uniform
         * direction and speed, straight to the border, pause, again.  On the
         * border a direction pointing out is mirrored inwards. */
        double theta = two_pi * leg_uniform(m, d, k, 0);
        l->speed = uniform_speed(m, d, k, 1);
        l->vx = l->speed * cos(theta);
        l->vy = l->speed * sin(theta);
        if ((x <= m->area[0] && l->vx < 0) || (x >= m->area[2] && l->vx > 0))
            l->vx = -l->vx;
        if ((y <= m->area[1] && l->vy < 0) || (y >= m->area[3] && l->vy > 0))
            l->vy = -l->vy;
        l->t1 = l->t0 + time_to_border(m, x, y, l->vx, l->vy);
        l->t2 = l->t1 + c->pause_s;
        break;
    }
    case MOB_gauss_markov: {
        /* Gauss-Markov (Liang & Haas 1999; Camp, Boleng, Davies 2002):
         * s_k = a s_{k-1} + (1-a) s_mean + sqrt(1-a^2) sd_s w,
         * h_k = a h_{k-1} + (1-a) h_mean + sqrt(1-a^2) sd_h w'. */
        double a = c->memory, b = sqrt(1 - a * a);
        if (prev) {
            l->gm_speed = a * prev->gm_speed + (1 - a) * c->speed_mps + b * c->speed_sd_mps * leg_normal(m, d, k, 0);
            l->gm_heading = a * prev->gm_heading + (1 - a) * c->heading_deg * deg +
                            b * c->heading_sd_deg * deg * leg_normal(m, d, k, 2);
            /* Keep the unfolded coordinates: the previous leg's end. */
            l->x0 = prev->x0 + prev->vx * (prev->t1 - prev->t0);
            l->y0 = prev->y0 + prev->vy * (prev->t1 - prev->t0);
        } else {
            l->gm_speed = c->speed_mps;
            l->gm_heading = c->heading_deg * deg;
        }
        l->speed = l->gm_speed > 0 ? l->gm_speed : 0; /* a negative draw stands still */
        l->vx = l->speed * cos(l->gm_heading);
        l->vy = l->speed * sin(l->gm_heading);
        l->t1 = l->t2 = l->t0 + c->step_s;
        break;
    }
    default:
        assert(0);
    }
}

static void keep_leg(mobility *m, int d, const mob_leg *l)
{
    m->history[(size_t)d * MOB_HISTORY + (size_t)(l->index % MOB_HISTORY)] = *l;
}

/* The leg of device d that contains t. */
static const mob_leg *leg_at(mobility *m, int d, double t)
{
    mob_leg *l = &m->leg[d];
    if (l->index >= 0 && t < l->t0) {
        /* In the past: one of the kept legs, newest first. */
        const mob_leg *h = m->history + (size_t)d * MOB_HISTORY;
        for (int64_t k = l->index - 1; k >= 0 && k > l->index - MOB_HISTORY; k--) {
            const mob_leg *old = &h[k % MOB_HISTORY];
            if (old->index != k)
                break;
            if (t >= old->t0)
                return old;
        }
        m->replays++;
    }
    if (l->index < 0 || t < l->t0) {
        make_leg(m, d, 0, NULL, l);
        keep_leg(m, d, l);
    }
    while (t >= l->t2) {
        mob_leg next;
        int64_t k = l->index + 1;
        make_leg(m, d, k, l, &next);
        if (!(next.t2 > next.t0)) /* a zero-length leg (probability 0): skip on */
            next.t2 = nextafter(next.t0, INFINITY);
        *l = next;
        keep_leg(m, d, l);
    }
    return l;
}

/* Trace: linear interpolation between the device's samples, held before
 * the first and after the last. */
static void trace_position(mobility *m, int d, double t, double *x, double *y, double *s)
{
    const mob_sample *a = m->samples + m->first[d];
    size_t n = m->first[d + 1] - m->first[d];
    if (t <= a[0].t || n == 1) {
        *x = a[0].x, *y = a[0].y, *s = 0;
        return;
    }
    if (t >= a[n - 1].t) {
        *x = a[n - 1].x, *y = a[n - 1].y, *s = a[n - 1].s;
        return;
    }
    size_t i = m->cursor[d];
    if (i >= n - 1 || t < a[i].t) {
        /* Before the cursor: the last sample at or before t, by bisection
         * (a[0].t < t < a[n-1].t here). */
        size_t lo = 0, hi = n - 1;
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (a[mid].t <= t)
                lo = mid;
            else
                hi = mid;
        }
        i = lo;
    }
    while (t >= a[i + 1].t)
        i++;
    m->cursor[d] = i;
    double f = (t - a[i].t) / (a[i + 1].t - a[i].t);
    *x = a[i].x + f * (a[i + 1].x - a[i].x);
    *y = a[i].y + f * (a[i + 1].y - a[i].y);
    *s = a[i].s + f * (a[i + 1].s - a[i].s);
}

void mobility_position(mobility *m, int d, double t, double *x, double *y, double *s)
{
    assert(d >= 0 && d < m->n_dev && t >= 0);
    switch (m->kind) {
    case MOB_static_model:
        *x = m->start_x[d], *y = m->start_y[d], *s = 0;
        return;
    case MOB_constant_velocity: {
        double v = m->cfg.speed_mps, h = m->cfg.heading_deg * deg;
        *x = fold(m->start_x[d] + v * cos(h) * t, m->area[0], m->area[2]);
        *y = fold(m->start_y[d] + v * sin(h) * t, m->area[1], m->area[3]);
        *s = v * t;
        return;
    }
    case MOB_trace_model:
        trace_position(m, d, t, x, y, s);
        return;
    default: {
        const mob_leg *l = leg_at(m, d, t);
        double dt = (t < l->t1 ? t : l->t1) - l->t0;
        *x = fold(l->x0 + l->vx * dt, m->area[0], m->area[2]);
        *y = fold(l->y0 + l->vy * dt, m->area[1], m->area[3]);
        *s = l->s0 + l->speed * dt;
        return;
    }
    }
}

double mobility_nominal_speed_mps(const mobility *m, int d)
{
    const mobility_config *c = &m->cfg;
    switch (m->kind) {
    case MOB_static_model:
        return 0;
    case MOB_random_waypoint:
    case MOB_random_direction:
        return (c->speed_min_mps + c->speed_max_mps) / 2;
    case MOB_trace_model: {
        /* Mean speed over the trace: path length / duration. */
        const mob_sample *a = m->samples + m->first[d];
        size_t n = m->first[d + 1] - m->first[d];
        return n > 1 ? a[n - 1].s / (a[n - 1].t - a[0].t) : 0;
    }
    default:
        return c->speed_mps;
    }
}

/* ---- the trace file ---- */

static int parse_number(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Split a CSV line of plain fields (no quotes) into exactly 4 fields. */
static int split4(char *line, char *field[4])
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == 4)
            return -1;
        field[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return n == 4 ? 0 : -1;
}

static int load_trace(mobility *m, char *err, size_t errlen)
{
    const char *path = m->cfg.trace_path;
    if (!*path)
        return keys_errorf(err, errlen, "devices.mobility.trace_path: expected a CSV file for mobility model trace, found none");
    FILE *f = fopen(path, "r");
    if (!f)
        return keys_errorf(err, errlen, "devices.mobility.trace_path: %s: cannot open: %s", path, strerror(errno));
    char line[512];
    size_t cap = 0, n = 0;
    long lineno = 0;
    int rc = -1;
    mob_sample *rows = NULL;
    int *dev_of = NULL;
    double *last_t = calloc((size_t)m->n_dev, sizeof *last_t);
    size_t *count = calloc((size_t)m->n_dev + 1, sizeof *count);
    if (!last_t || !count) {
        keys_errorf(err, errlen, "out of memory");
        goto done;
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            keys_errorf(err, errlen, "%s:%ld: line longer than %zu bytes", path, lineno, sizeof line - 2);
            goto done;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (lineno == 1) {
            if (strcmp(line, "t,device,x_m,y_m") != 0) {
                keys_errorf(err, errlen, "%s:1: expected the header t,device,x_m,y_m, found \"%.60s\"", path, line);
                goto done;
            }
            continue;
        }
        if (len == 0)
            continue;
        char *field[4];
        double v[4];
        static const char *const names[4] = {"t", "device", "x_m", "y_m"};
        if (split4(line, field) != 0) {
            keys_errorf(err, errlen, "%s:%ld: expected 4 fields (t,device,x_m,y_m)", path, lineno);
            goto done;
        }
        for (int j = 0; j < 4; j++)
            if (parse_number(field[j], &v[j]) != 0) {
                keys_errorf(err, errlen, "%s:%ld: %s: expected a number, found \"%.40s\"", path, lineno, names[j],
                            field[j]);
                goto done;
            }
        if (v[0] < 0) {
            keys_errorf(err, errlen, "%s:%ld: t: expected a time >= 0, found %g", path, lineno, v[0]);
            goto done;
        }
        if (v[1] != floor(v[1]) || v[1] < 0 || v[1] >= m->n_dev) {
            keys_errorf(err, errlen, "%s:%ld: device: expected an integer in [0, %d] (devices.count - 1), found %g",
                        path, lineno, m->n_dev - 1, v[1]);
            goto done;
        }
        int d = (int)v[1];
        if (count[d] > 0 && !(v[0] > last_t[d])) {
            keys_errorf(err, errlen, "%s:%ld: t: expected times of device %d to increase, found %g after %g", path,
                        lineno, d, v[0], last_t[d]);
            goto done;
        }
        if (n == cap) {
            size_t grown_cap = cap ? 2 * cap : 256;
            mob_sample *grown = realloc(rows, grown_cap * sizeof *grown);
            int *grown_dev = realloc(dev_of, grown_cap * sizeof *grown_dev);
            if (grown)
                rows = grown;
            if (grown_dev)
                dev_of = grown_dev;
            if (!grown || !grown_dev) {
                keys_errorf(err, errlen, "out of memory");
                goto done;
            }
            cap = grown_cap;
        }
        rows[n].t = v[0], rows[n].x = v[2], rows[n].y = v[3], rows[n].s = 0;
        dev_of[n++] = d;
        last_t[d] = v[0];
        count[d]++;
    }
    if (ferror(f)) {
        keys_errorf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto done;
    }
    for (int d = 0; d < m->n_dev; d++)
        if (count[d] == 0) {
            keys_errorf(err, errlen, "%s: no position for device %d (every device 0 .. %d needs one)", path, d,
                        m->n_dev - 1);
            goto done;
        }
    /* Counting sort by device (stable: each device's rows stay in time order). */
    m->first = malloc(((size_t)m->n_dev + 1) * sizeof *m->first);
    m->cursor = calloc((size_t)m->n_dev, sizeof *m->cursor);
    m->samples = malloc(n * sizeof *m->samples);
    if (!m->first || !m->cursor || !m->samples) {
        keys_errorf(err, errlen, "out of memory");
        goto done;
    }
    m->first[0] = 0;
    for (int d = 0; d < m->n_dev; d++)
        m->first[d + 1] = m->first[d] + count[d];
    for (int d = 0; d < m->n_dev; d++)
        count[d] = m->first[d];
    for (size_t i = 0; i < n; i++)
        m->samples[count[dev_of[i]]++] = rows[i];
    for (int d = 0; d < m->n_dev; d++)
        for (size_t i = m->first[d] + 1; i < m->first[d + 1]; i++) {
            mob_sample *a = &m->samples[i - 1], *b = &m->samples[i];
            b->s = a->s + hypot(b->x - a->x, b->y - a->y);
        }
    rc = 0;
done:
    fclose(f);
    free(rows);
    free(dev_of);
    free(last_t);
    free(count);
    return rc;
}

mobility *mobility_create(const mobility_config *cfg, const devices_config *dev, const double *start_x,
                          const double *start_y, uint64_t seed, uint32_t replication, char *err, size_t errlen)
{
    mobility *m = calloc(1, sizeof *m);
    if (!m) {
        keys_errorf(err, errlen, "out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    m->n_dev = dev->count;
    m->seed = seed;
    m->replication = replication;
    const mobility_model *model = mobility_find(cfg->model);
    assert(model);
    while (mobility_models[m->kind] != model)
        m->kind++;
    mobility_area(cfg, dev, m->area);
    size_t n = (size_t)dev->count;
    m->start_x = malloc(n * sizeof *m->start_x);
    m->start_y = malloc(n * sizeof *m->start_y);
    m->leg = malloc(n * sizeof *m->leg);
    int legs = m->kind != MOB_static_model && m->kind != MOB_constant_velocity && m->kind != MOB_trace_model;
    m->history = legs ? malloc(n * MOB_HISTORY * sizeof *m->history) : NULL;
    if (!m->start_x || !m->start_y || !m->leg || (legs && !m->history)) {
        keys_errorf(err, errlen, "out of memory");
        mobility_destroy(m);
        return NULL;
    }
    memcpy(m->start_x, start_x, n * sizeof *m->start_x);
    memcpy(m->start_y, start_y, n * sizeof *m->start_y);
    for (size_t d = 0; d < n; d++)
        m->leg[d].index = -1;
    for (size_t i = 0; legs && i < n * MOB_HISTORY; i++)
        m->history[i].index = -1;
    if (m->kind == MOB_trace_model && load_trace(m, err, errlen) != 0) {
        mobility_destroy(m);
        return NULL;
    }
    return m;
}

void mobility_destroy(mobility *m)
{
    if (!m)
        return;
    free(m->start_x);
    free(m->start_y);
    free(m->leg);
    free(m->history);
    free(m->samples);
    free(m->first);
    free(m->cursor);
    free(m);
}
