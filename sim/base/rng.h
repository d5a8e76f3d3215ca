/* rng.h -- independent random streams per purpose and entity.
 *
 * Every random purpose (placement, shadowing, fading of one device's uplink,
 * arrivals, ...) draws from its own GSL generator, seeded from a hash of
 * (seed, replication, purpose, entity).  Runs of different policies with the
 * same seed therefore see the same devices, arrivals and fading: common
 * random numbers, so policy differences are paired.
 *
 * Generator: GSL's taus2 (Tausworthe, period 2^88, L'Ecuyer 1999), chosen for
 * its small state (one stream per device and direction).  GSL seeds are 32
 * bits, so the 64-bit hash is folded to 32 bits: two of n streams collide with
 * probability about n^2 / 2^33 (1e-4 for 1,000 streams); see docs/MODEL.md.
 */
#ifndef EDGESIM_RNG_H
#define EDGESIM_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

/* X-macro: purpose name and number.  Numbers are part of the reproducibility
 * contract: never renumber, only append. */
#define RNG_PURPOSES(X)          \
    X(RNG_PLACEMENT, 1)          \
    X(RNG_SHADOWING, 2)          \
    X(RNG_FADING_UL, 3)          \
    X(RNG_FADING_DL, 4)          \
    X(RNG_ARRIVALS, 5)           \
    X(RNG_DEVICE_PICK, 6)        \
    X(RNG_GENERATOR, 7)          \
    X(RNG_POLICY, 8)             \
    X(RNG_CSI_ERROR, 9)          \
    X(RNG_THINK, 10)             \
    X(RNG_LENGTH_PRED, 11)       \
    X(RNG_MOBILITY, 12)          \
    X(RNG_SHADOW_PATH, 13)       \
    X(RNG_HARQ, 14)

typedef enum {
#define RNG_ENUM(name, num) name = num,
    RNG_PURPOSES(RNG_ENUM)
#undef RNG_ENUM
} rng_purpose;

/* The 64-bit key of a stream: splitmix64-style mixing of the four fields. */
uint64_t rng_stream_key(uint64_t seed, uint32_t replication, rng_purpose purpose, uint64_t entity);

/* A new generator for the stream; the caller frees it with gsl_rng_free.
 * Returns NULL on allocation failure. */
gsl_rng *rng_stream_create(uint64_t seed, uint32_t replication, rng_purpose purpose, uint64_t entity);

/* Re-seed an existing generator to the start of a stream (no allocation). */
void rng_stream_reset(gsl_rng *r, uint64_t seed, uint32_t replication, rng_purpose purpose, uint64_t entity);

/* A uniform double in [0,1) that is a pure function of its arguments: used
 * where one draw per (stream, index) is wanted without keeping a generator
 * (e.g. the coin of the `random` policy for query i). */
double rng_hash_uniform(uint64_t seed, uint32_t replication, rng_purpose purpose, uint64_t entity,
                        uint64_t index);

/* The same, from a stream key computed once by rng_stream_key:
 * rng_key_uniform(rng_stream_key(s, r, p, e), i) == rng_hash_uniform(s, r, p, e, i). */
double rng_key_uniform(uint64_t stream_key, uint64_t index);

/* A counter-based gsl_rng: the words of (stream key, index) for GSL's
 * samplers (e.g. gsl_ran_gaussian_ziggurat), so a draw that consumes an
 * unknown number of words is still a pure function of (key, index).  Word 0
 * is the hashed word behind rng_key_uniform(key, index); word i >= 1 is a
 * further hash of it and i.  gsl_rng_get returns them as 32-bit halves (high
 * half first; max 2^32 - 1), gsl_rng_uniform a whole word's 53 bits.
 * Nothing is allocated: rng_counter_start points `r` at `st`, both owned by
 * the caller (typically on the stack), valid while `st` lives. */
typedef struct rng_counter {
    uint64_t word0;    /* the index's first word */
    uint64_t next;     /* the next word's number */
    uint64_t buf;      /* the word whose low half gsl_rng_get returns next */
    int have_low;
} rng_counter;
void rng_counter_start(gsl_rng *r, rng_counter *st, uint64_t stream_key, uint64_t index);

const char *rng_purpose_name(rng_purpose p);

#endif
