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

const char *rng_purpose_name(rng_purpose p)
{
    switch (p) {
#define RNG_NAME(name, num) case name: return #name;
        RNG_PURPOSES(RNG_NAME)
#undef RNG_NAME
    }
    return "?";
}
