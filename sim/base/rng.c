/* rng.c -- stream derivation.  See rng.h. */
#include "sim/base/rng.h"

/* splitmix64 finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mixer. */
static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t rng_stream_key(uint64_t seed, uint32_t replication, rng_purpose purpose, uint64_t entity)
{
    uint64_t k = mix64(seed);
    k = mix64(k ^ replication);
    k = mix64(k ^ (uint64_t)purpose);
    return mix64(k ^ entity);
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
    uint64_t k = mix64(stream_key ^ mix64(index));
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
    return i == 0 ? c->word0 : mix64(c->word0 ^ mix64(i));
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
    c->word0 = mix64((uint64_t)seed);
    c->next = 0;
    c->have_low = 0;
}

static const gsl_rng_type counter_type = {"edgesim-counter", 0xffffffffUL, 0, sizeof(rng_counter), counter_set,
                                          counter_get, counter_get_double};

void rng_counter_start(gsl_rng *r, rng_counter *st, uint64_t stream_key, uint64_t index)
{
    st->word0 = mix64(stream_key ^ mix64(index));
    st->next = 0;
    st->have_low = 0;
    r->type = &counter_type;
    r->state = st;
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
