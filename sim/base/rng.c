/* rng.c -- stream derivation.  See rng.h. */
#include "sim/base/rng.h"

#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <string.h>

uint64_t rng_stream_key(uint64_t seed, uint32_t replication, rng_purpose purpose, uint64_t entity)
{
    uint64_t k = rng_mix64(seed);
    k = rng_mix64(k ^ replication);
    k = rng_mix64(k ^ (uint64_t)purpose);
    return rng_mix64(k ^ entity);
}

static unsigned long fold_seed(uint64_t key)
{
    unsigned long s = (unsigned long)((key ^ (key >> 32)) & 0xffffffffUL);
    return s ? s : 1; /* taus2 maps 0 to 1 anyway; keep it explicit */
}

gsl_rng *rng_stream_create(uint64_t seed, uint32_t replication, rng_purpose purpose, uint64_t entity)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    if (r)
        rng_stream_reset(r, seed, replication, purpose, entity);
    return r;
}

void rng_stream_reset(gsl_rng *r, uint64_t seed, uint32_t replication, rng_purpose purpose, uint64_t entity)
{
    gsl_rng_set(r, fold_seed(rng_stream_key(seed, replication, purpose, entity)));
}

double rng_key_uniform(uint64_t stream_key, uint64_t index)
{
    uint64_t k = rng_mix64(stream_key ^ rng_mix64(index));
    return (double)(k >> 11) * 0x1.0p-53; /* 53 random bits */
}

double rng_hash_uniform(uint64_t seed, uint32_t replication, rng_purpose purpose, uint64_t entity,
                        uint64_t index)
{
    return rng_key_uniform(rng_stream_key(seed, replication, purpose, entity), index);
}

/* ---- the counter-based gsl_rng (rng.h) ---- */

static uint64_t counter_word(rng_counter *c)
{
    uint64_t i = c->next++;
    return i == 0 ? c->word0 : rng_mix64(c->word0 ^ rng_mix64(i));
}

static unsigned long counter_get(void *state)
{
    rng_counter *c = state;
    if (c->have_low) {
        c->have_low = 0;
        return (unsigned long)(c->buf & 0xffffffffu);
    }
    c->buf = counter_word(c);
    c->have_low = 1;
    return (unsigned long)(c->buf >> 32);
}

static double counter_get_double(void *state)
{
    return (double)(counter_word(state) >> 11) * 0x1.0p-53;
}

static void counter_set(void *state, unsigned long seed)
{
    rng_counter *c = state;
    c->word0 = rng_mix64((uint64_t)seed);
    c->next = 0;
    c->have_low = 0;
}

static const gsl_rng_type counter_type = {"edgesim-counter", 0xffffffffUL, 0, sizeof(rng_counter), counter_set,
                                          counter_get, counter_get_double};

void rng_counter_start(gsl_rng *r, rng_counter *st, uint64_t stream_key, uint64_t index)
{
    st->word0 = rng_mix64(stream_key ^ rng_mix64(index));
    st->next = 0;
    st->have_low = 0;
    r->type = &counter_type;
    r->state = st;
}

void rng_counter_gaussian_pair_gsl(uint64_t word, int first_known, double sigma, double *first, double *second)
{
    /* The counter stream's state after rng_counter_start (word 0 = word),
     * or after the first draw took word 0's high half. */
    rng_counter st = {.word0 = word, .next = first_known ? 1 : 0, .buf = word, .have_low = first_known};
    gsl_rng r = {&counter_type, &st};
    if (!first_known)
        *first = gsl_ran_gaussian_ziggurat(&r, sigma);
    *second = gsl_ran_gaussian_ziggurat(&r, sigma);
}

/* ---- GSL's ziggurat tables, read off GSL (rng.h) ----
 *
 * A probe gsl_rng serves one chosen 32-bit word first, then words with j = 0
 * (accepted at once by any strip with ktab > 0; the strips in turn), and
 * counts the calls: the draw returned at once iff the probe word was the
 * only call.  That is monotone in j (j < ktab[i]), so a bisection over j
 * finds ktab[i]; with j = 1 and sigma = 1 the draw is wtab[i] itself.  About
 * 0.6 M instructions in all, with the check. */
typedef struct zig_probe {
    uint32_t word;
    int calls;
} zig_probe;

static unsigned long zig_probe_get(void *state)
{
    zig_probe *p = state;
    int n = p->calls++;
    return n == 0 ? p->word : 0x80u | ((uint32_t)n & 0x7fu);
}

static double zig_probe_get_double(void *state)
{
    zig_probe *p = state;
    p->calls++;
    return 0.5;
}

static void zig_probe_set(void *state, unsigned long seed)
{
    zig_probe *p = state;
    p->word = (uint32_t)seed;
    p->calls = 0;
}

static const gsl_rng_type zig_probe_type = {"edgesim-ziggurat-probe", 0xffffffffUL, 0, sizeof(zig_probe),
                                            zig_probe_set, zig_probe_get, zig_probe_get_double};

/* GSL's draw on the probe word (strip i with the sign bit set, j); *at_once:
 * returned on that word alone. */
static double zig_probe_draw(uint32_t i, uint32_t j, int *at_once)
{
    zig_probe p = {(j << 8) | 0x80u | i, 0};
    gsl_rng r = {&zig_probe_type, &p};
    double x = gsl_ran_gaussian_ziggurat(&r, 1.0);
    *at_once = p.calls == 1;
    return x;
}

void rng_ziggurat_init(rng_ziggurat *z)
{
    z->exact = 0;
    for (uint32_t i = 0; i < RNG_ZIGGURAT_STRIPS; i++) {
        uint32_t lo = 0, hi = 1u << 24; /* first j not at once is in [lo, hi] */
        int at_once;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            zig_probe_draw(i, mid, &at_once);
            if (at_once)
                lo = mid + 1;
            else
                hi = mid;
        }
        z->k[i] = lo;
        z->w[i] = lo > 1 ? zig_probe_draw(i, 1, &at_once) : 0.0;
    }
    /* The check: the inline path against GSL on 1024 counter streams' words. */
    z->exact = 1;
    for (uint64_t n = 0; n < 1024 && z->exact; n++) {
        double a, b, ga, gb;
        rng_counter st;
        gsl_rng r;
        rng_counter_gaussian_pair(z, 0x243f6a8885a308d3ULL, n, M_SQRT1_2, &a, &b);
        rng_counter_start(&r, &st, 0x243f6a8885a308d3ULL, n);
        ga = gsl_ran_gaussian_ziggurat(&r, M_SQRT1_2);
        gb = gsl_ran_gaussian_ziggurat(&r, M_SQRT1_2);
        z->exact = memcmp(&a, &ga, sizeof a) == 0 && memcmp(&b, &gb, sizeof b) == 0;
    }
}

const char *rng_purpose_name(rng_purpose p)
{
    switch (p) {
#define RNG_NAME(name, num) case name: return #name;
        RNG_PURPOSES(RNG_NAME)
#undef RNG_NAME
    }
    return "?";
}
