/* fading.c -- Rayleigh block fading with Gauss-Markov correlation, generated
 * lazily as a pure function of (seed, replication, device, direction, block).
 *
 * Model (docs/CHANNEL.md, "Fading"): h_k = rho h_{k-1} + sqrt(1-rho^2) w_k,
 * w_k ~ CN(0,1), h_0 ~ CN(0,1), so |h_k|^2 ~ Exp(1) in every block; rho =
 * J0(2 pi f_D T) (Clarke 1968, Jakes 1974).  This file draws that process
 * exactly (same joint law) in a way that does not depend on which blocks are
 * read: checkpoints every L blocks by the exact L-step law, and the blocks in
 * between from the AR(1) bridge conditioned on the two checkpoints.
 */
#include "channel_int.h"

#include <assert.h>
#include <math.h>

static const double two_pi = 6.283185307179586476925286766559;

/* 1 - rho^(2m), accurate when rho is close to 1. */
static double one_minus_rho2m(double rho, int64_t m)
{
    if (rho == 0.0)
        return 1.0;
    return -expm1((double)m * log(rho * rho));
}

void fading_ctx_init(fading_ctx *f, fading_kind kind, double rho, uint64_t seed, uint32_t replication)
{
    assert(rho > -1.0 && rho <= 1.0);
    f->kind = kind;
    f->rho = rho;
    f->constant = kind == FADING_RAYLEIGH && rho == 1.0;
    f->seed = seed;
    f->replication = replication;
    if (f->constant || kind == FADING_NONE) {
        f->cp_a = 1.0;
        f->cp_s = 0.0;
        return;
    }
    const int L = FADING_SEGMENT;
    f->cp_a = pow(rho, L);
    f->cp_s = sqrt(one_minus_rho2m(rho, L));
    /* Bridge: given h_{j-1} and the checkpoint h_e, r = e - (j-1) >= 2 steps
     * ahead, h_j is complex Gaussian with (Gaussian conditioning of
     * h_j ~ CN(rho h_{j-1}, 1-rho^2) on h_e ~ CN(rho^(r-1) h_j, 1-rho^(2(r-1)))):
     *   mean = [rho (1-rho^(2(r-1))) h_{j-1} + rho^(r-1) (1-rho^2) h_e] / (1-rho^(2r))
     *   var  = (1-rho^2) (1-rho^(2(r-1))) / (1-rho^(2r)). */
    for (int r = 2; r <= L; r++) {
        double d = one_minus_rho2m(rho, r);
        double q = one_minus_rho2m(rho, r - 1);
        double p = one_minus_rho2m(rho, 1);
        f->br_a[r] = rho * q / d;
        f->br_b[r] = pow(rho, r - 1) * p / d;
        f->br_s[r] = sqrt(p * q / d);
    }
}

void fading_stream_init(fading_stream *s, rng_purpose purpose, uint64_t entity)
{
    s->purpose = purpose;
    s->entity = entity;
    s->cp_top = -1;
    s->cur_block = -1;
    s->slow_recomputes = 0;
}

/* The innovation of block k: CN(0,1) from the stream's hashed uniforms 2k,
 * 2k+1 (Box-Muller in polar form: |w|^2 = -ln U ~ Exp(1), phase uniform). */
static fading_cgain innovation(const fading_ctx *f, const fading_stream *s, int64_t k)
{
    uint64_t key = rng_stream_key(f->seed, f->replication, s->purpose, s->entity);
    double u1 = rng_key_uniform(key, 2 * (uint64_t)k);
    double u2 = rng_key_uniform(key, 2 * (uint64_t)k + 1);
    double mag = sqrt(-log1p(-u1)); /* u1 in [0,1): 1 - u1 in (0,1] */
    double phase = two_pi * u2;
    fading_cgain w = {mag * cos(phase), mag * sin(phase)};
    return w;
}

static fading_cgain cp_step(const fading_ctx *f, const fading_stream *s, fading_cgain prev, int64_t n)
{
    fading_cgain v = innovation(f, s, n * FADING_SEGMENT);
    fading_cgain c = {f->cp_a * prev.re + f->cp_s * v.re, f->cp_a * prev.im + f->cp_s * v.im};
    return c;
}

/* Checkpoint n (block n*L).  The ring holds checkpoints cp_top-RING+1 ..
 * cp_top.  A read older than that restarts the chain from checkpoint 0 by
 * the same operations (so the values are identical) and leaves the ring
 * ending at n, so that reading on from there is sequential again. */
static fading_cgain checkpoint(const fading_ctx *f, fading_stream *s, int64_t n)
{
    if (s->cp_top >= 0 && n <= s->cp_top - FADING_CP_RING) {
        s->slow_recomputes++;
        s->cp_top = -1;
    }
    if (s->cp_top < 0) {
        s->cp[0] = innovation(f, s, 0);
        s->cp_top = 0;
    }
    while (s->cp_top < n) {
        fading_cgain next = cp_step(f, s, s->cp[s->cp_top % FADING_CP_RING], s->cp_top + 1);
        s->cp_top++;
        s->cp[s->cp_top % FADING_CP_RING] = next;
    }
    return s->cp[n % FADING_CP_RING];
}

double fading_gain(const fading_ctx *f, fading_stream *s, int64_t block)
{
    assert(block >= 0);
    if (f->kind == FADING_NONE)
        return 1.0;
    if (f->constant)
        block = 0;
    if (block == s->cur_block)
        return s->cur.re * s->cur.re + s->cur.im * s->cur.im;

    const int64_t L = FADING_SEGMENT;
    int64_t n = block / L;
    fading_cgain end = checkpoint(f, s, n + 1); /* first: may advance the ring */
    fading_cgain h;
    int64_t j;
    if (s->cur_block >= n * L && s->cur_block < block) {
        h = s->cur;
        j = s->cur_block;
    } else {
        h = checkpoint(f, s, n);
        j = n * L;
    }
    for (j = j + 1; j <= block; j++) {
        int r = (int)((n + 1) * L - j + 1);
        fading_cgain w = innovation(f, s, j);
        fading_cgain next = {f->br_a[r] * h.re + f->br_b[r] * end.re + f->br_s[r] * w.re,
                             f->br_a[r] * h.im + f->br_b[r] * end.im + f->br_s[r] * w.im};
        h = next;
    }
    s->cur_block = block;
    s->cur = h;
    return h.re * h.re + h.im * h.im;
}
