/* fading.c -- Rayleigh block fading with Gauss-Markov correlation, generated
 * as a pure function of (seed, replication, device, direction, block) with
 * random access: any block in O(log L) work, whatever was read before.
 *
 * Model (docs/CHANNEL.md, "Fading"): h_k = rho h_{k-1} + sqrt(1-rho^2) w_k,
 * w_k ~ CN(0,1), h_0 ~ CN(0,1), so |h_k|^2 ~ Exp(1) in every block; rho =
 * J0(2 pi f_D T) (Clarke 1968, Jakes 1974).
 *
 * Construction: the blocks are cut into segments of L = 2^D blocks, with L
 * the smallest power of two for which |rho|^L is below double precision's
 * resolution (2^-53), so that segment end points h_{nL} are independent
 * CN(0,1) draws to within that resolution (no chain from block 0).  Inside a
 * segment, the midpoint of a dyadic interval [a, b] is drawn from the exact
 * Gauss-Markov bridge conditioned on h_a and h_b; a block is reached by at
 * most D midpoint draws.  Each block's draw uses that block's own hashed
 * uniforms, and the same arithmetic runs for block k whatever the read
 * order, so values agree to the bit across read patterns.
 */
#include "channel_int.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_bessel.h>
#include <string.h>

#include <assert.h>
#include <math.h>


/* 1 - rho^(2m), accurate when rho is close to 1. */
static double one_minus_rho2m(double rho, int64_t m)
{
    if (rho == 0.0)
        return 1.0;
    return -expm1((double)m * log(rho * rho));
}

void fading_ctx_init(fading_ctx *f, fading_kind kind, double rho, uint64_t seed, uint32_t replication,
                     const rng_ziggurat *zig)
{
    assert(rho > -1.0 && rho <= 1.0);
    f->kind = kind;
    f->rho = rho;
    f->constant = kind == FADING_RAYLEIGH && rho == 1.0;
    f->iid = kind == FADING_RAYLEIGH && rho == 0.0;
    f->seed = seed;
    f->replication = replication;
    f->depth = 0;
    f->zig = zig;
    if (f->constant || f->iid || kind == FADING_NONE)
        return;
    /* Smallest D >= 1 with |rho|^(2^D) <= 2^-53: D log 2 + log(-log|rho|)
     * >= log(53 log 2).  |rho| < 1 in double, so -log|rho| >= 2^-53 and
     * D <= 62. */
    double need = 53.0 * log(2.0) / -log(fabs(rho));
    int depth = 1;
    while (depth < FADING_MAX_DEPTH && ldexp(1.0, depth) < need)
        depth++;
    f->depth = depth;
    /* Level d halves an interval of 2^(D-d) blocks; with h = 2^(D-d-1) blocks
     * to either end, Gaussian conditioning of the midpoint on both ends gives
     *   mean = rho^h (h_a + h_b) / (1 + rho^(2h)),
     *   var  = (1 - rho^(2h)) / (1 + rho^(2h))
     * (the general bridge with d1 = d2 = h: mean = [rho^d1 (1-rho^(2 d2)) h_a
     * + rho^d2 (1-rho^(2 d1)) h_b] / (1-rho^(2(d1+d2))), var = (1-rho^(2 d1))
     * (1-rho^(2 d2)) / (1-rho^(2(d1+d2)))). */
    for (int d = 0; d < depth; d++) {
        int64_t h = (int64_t)1 << (depth - d - 1);
        double q = one_minus_rho2m(rho, h); /* 1 - rho^(2h) */
        double rho_h = pow(rho, (double)h); /* h = 1 keeps the sign of a negative rho */
        f->mid_a[d] = rho_h / (2.0 - q);
        f->mid_s[d] = sqrt(q / (2.0 - q));
    }
}

size_t fading_path_len(const fading_ctx *f)
{
    return (size_t)FADING_CURSORS * (size_t)(f->depth + 1);
}

void fading_stream_init(fading_stream *s, rng_purpose purpose, uint64_t entity, const fading_ctx *f,
                        fading_level *path)
{
    s->purpose = purpose;
    s->entity = entity;
    s->key = rng_stream_key(f->seed, f->replication, purpose, entity);
    for (int c = 0; c < FADING_CURSORS; c++) {
        s->cur[c].segment = -1;
        s->cur[c].levels = 0;
        s->cur[c].last_use = 0;
        s->cur[c].path = path ? path + (size_t)c * (size_t)(f->depth + 1) : NULL;
    }
    s->uses = 0;
    s->draws = 0;
}

/* The innovation of block k: CN(0,1), real and imaginary parts N(0, 1/2)
 * each, by GSL's ziggurat (Marsaglia and Tsang 2000) on the stream's
 * counter-based words of index k (rng_counter_start): usually one hashed
 * 64-bit word for both parts, more only when the ziggurat rejects
 * (rng_counter_gaussian_pair: GSL's values, inline in the common case). */
static fading_cgain innovation(const fading_ctx *f, const fading_stream *s, int64_t k)
{
    fading_cgain w;
    rng_counter_gaussian_pair(f->zig, s->key, (uint64_t)k, M_SQRT1_2, &w.re, &w.im);
    return w;
}

static double power(fading_cgain h) { return h.re * h.re + h.im * h.im; }

/* Levels of a cursor's path to reuse for offset `off` (> 0) of its segment:
 * level d's interval is off >> (D - d) (half-open), the same for both
 * offsets while d < D - (highest differing bit); and no deeper than the
 * level whose midpoint off is (D - 1 - its lowest set bit). */
static int shared_levels(const fading_ctx *f, const fading_cursor *c, int64_t segment, int64_t off)
{
    if (c->segment != segment)
        return 0;
    uint64_t x = (uint64_t)(off ^ c->off);
    int shared = x ? f->depth - (63 - __builtin_clzll(x)) : f->depth + 1;
    int own = f->depth - __builtin_ctzll((uint64_t)off);
    if (shared > own)
        shared = own;
    return shared < c->levels ? shared : c->levels;
}

/* h_k (the kind is not FADING_NONE). */
static fading_cgain fading_value(const fading_ctx *f, fading_stream *s, int64_t block)
{
    if (f->constant)
        block = 0;
    if (f->constant || f->iid) {
        s->draws++;
        return innovation(f, s, block);
    }

    const int D = f->depth;
    const int64_t L = (int64_t)1 << D;
    int64_t segment = block >> D, off = block & (L - 1);
    if (off == 0) { /* a segment end point: an independent CN(0,1) draw */
        s->draws++;
        return innovation(f, s, block);
    }
    /* The cursor sharing the most levels, or else the least recently used. */
    fading_cursor *c = &s->cur[0];
    int best = shared_levels(f, c, segment, off);
    for (int i = 1; i < FADING_CURSORS; i++) {
        int n = shared_levels(f, &s->cur[i], segment, off);
        if (n > best || (n == best && best == 0 && s->cur[i].last_use < c->last_use)) {
            best = n;
            c = &s->cur[i];
        }
    }
    c->last_use = ++s->uses;
    if (best > 0 && c->off == off)
        return c->value;
    int d = best;
    if (d == 0) {
        c->segment = segment;
        c->path[0].lo = innovation(f, s, segment << D);
        c->path[0].hi = innovation(f, s, (segment + 1) << D);
        s->draws += 2;
        d = 1;
    }
    /* Level d - 1 holds the deepest interval shared with the cursor's last
     * block; its midpoint is already known when d came from the cursor (the
     * cursor's own value, or an end of its next level); deeper ones are
     * drawn. */
    int lv = d - 1;
    fading_level *path = c->path;
    /* The interval's two ends, [0] = lo and [1] = hi: the side the read
     * goes to is a random bit per level, so it indexes instead of
     * branching. */
    fading_cgain ends[2] = {path[lv].lo, path[lv].hi};
    const uint64_t key = s->key, first_block = (uint64_t)segment << D;
    uint64_t drawn = 0;
    for (int known = best > 0;; lv++, known = 0) {
        int below = D - lv - 1;
        int64_t mid = ((off >> below) | 1) << below; /* the interval's start + 2^below */
        fading_cgain m;
        if (known) {
            m = c->levels - 1 == lv ? c->value : c->off < mid ? path[lv + 1].hi : path[lv + 1].lo;
        } else {
            fading_cgain w;
            rng_counter_gaussian_pair(f->zig, key, first_block + (uint64_t)mid, M_SQRT1_2, &w.re, &w.im);
            double a = f->mid_a[lv], sd = f->mid_s[lv];
            m = (fading_cgain){a * (ends[0].re + ends[1].re) + sd * w.re, a * (ends[0].im + ends[1].im) + sd * w.im};
            drawn++;
        }
        if (off == mid) {
            s->draws += drawn;
            c->off = off;
            c->levels = lv + 1;
            c->value = m;
            return m;
        }
        ends[off < mid] = m; /* left of mid: m is the new hi */
        path[lv + 1].lo = ends[0];
        path[lv + 1].hi = ends[1];
    }
}

double fading_gain(const fading_ctx *f, fading_stream *s, int64_t block)
{
    assert(block >= 0);
    if (f->kind == FADING_NONE)
        return 1.0;
    return power(fading_value(f, s, block));
}

double fading_real_part(const fading_ctx *f, fading_stream *s, int64_t block)
{
    assert(block >= 0 && f->kind != FADING_NONE);
    return fading_value(f, s, block).re;
}

/* ---- the fading models (channel.fading.model) ---- */

/* Gauss-Markov blocks with Jakes/Clarke correlation rho = J0(2 pi f_D T). */
static double rho_jakes(const channel_config *cfg, double doppler_hz)
{
    return gsl_sf_bessel_J0(6.283185307179586476925286766559 * doppler_hz * cfg->fading.block_s);
}

static double rho_iid(const channel_config *cfg, double doppler_hz)
{
    return 0.0;
}

static double rho_none(const channel_config *cfg, double doppler_hz)
{
    return 1.0;
}

static const channel_fading_model rayleigh = {"rayleigh", 1, rho_jakes,
                                              "Gauss-Markov Rayleigh blocks, rho = J0(2 pi f_D T) (Jakes)"};
static const channel_fading_model rayleigh_iid = {"rayleigh-iid", 1, rho_iid, "independent Rayleigh blocks (rho = 0)"};
static const channel_fading_model none = {"none", 0, rho_none, "no small-scale fading, abs(h)^2 = 1"};

const channel_fading_model *const channel_fading_models[] = {&rayleigh, &rayleigh_iid, &none, NULL};

const channel_fading_model *channel_fading_find(const char *name)
{
    for (const channel_fading_model *const *m = channel_fading_models; *m; m++)
        if (strcmp((*m)->name, name) == 0)
            return *m;
    return NULL;
}
