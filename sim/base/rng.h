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

/* splitmix64's finaliser (Steele, Lea, Flood 2014), a bijective 64-bit mixer:
 * the hash behind every stream key and counter word. */
static inline uint64_t rng_mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Two gsl_ran_gaussian_ziggurat(r, sigma) draws in a row on the counter
 * stream (key, index), to the bit, without the gsl_rng calls in the common
 * case.  GSL's ziggurat (randist/gausszig.c: 128 strips, Marsaglia and Tsang
 * 2000) takes one 32-bit word per try (low byte: strip and sign; the next 24
 * bits: j) and returns at once when j < ktab[strip], with sign * sigma * j *
 * wtab[strip]; both halves of word 0 usually do.  rng_ziggurat holds GSL's
 * ktab and wtab, read off the linked GSL itself by rng_ziggurat_init (GSL
 * does not export them): a draw that would not return at once, or any draw
 * when the tables failed their check against GSL (exact == 0), goes to GSL
 * on the same counter stream. */
#define RNG_ZIGGURAT_STRIPS 128
typedef struct rng_ziggurat {
    double w[RNG_ZIGGURAT_STRIPS];   /* GSL's wtab: 2^-24 x_i */
    uint32_t k[RNG_ZIGGURAT_STRIPS]; /* GSL's ktab: 2^24 x_{i-1} / x_i (0: never at once) */
    int exact;                       /* the tables reproduce GSL on a check set */
} rng_ziggurat;

void rng_ziggurat_init(rng_ziggurat *z);

/* The slow path of rng_counter_gaussian_pair: GSL's draws on the counter
 * stream whose word 0 is `word`; the first is *first already when
 * first_known (it returned at once on the high half). */
void rng_counter_gaussian_pair_gsl(uint64_t word, int first_known, double sigma, double *first, double *second);

static inline void rng_counter_gaussian_pair(const rng_ziggurat *z, uint64_t stream_key, uint64_t index,
                                             double sigma, double *first, double *second)
{
    uint64_t word = rng_mix64(stream_key ^ rng_mix64(index)); /* word 0 (rng_counter_start) */
    uint32_t hi = (uint32_t)(word >> 32), lo = (uint32_t)word;
    uint32_t jh = hi >> 8, jl = lo >> 8, ih = hi & 0x7f, il = lo & 0x7f;
    /* GSL's sign * sigma, picked by the sign bit without a branch on it. */
    const double signed_sigma[2] = {-sigma, sigma};
    int first_known = z->exact && jh < z->k[ih];
    if (first_known)
        *first = signed_sigma[(hi >> 7) & 1] * ((double)jh * z->w[ih]);
    if (first_known && jl < z->k[il]) {
        *second = signed_sigma[(lo >> 7) & 1] * ((double)jl * z->w[il]);
        return;
    }
    rng_counter_gaussian_pair_gsl(word, first_known, sigma, first, second);
}

const char *rng_purpose_name(rng_purpose p);

#endif
