/* channel_int.h -- private to models/channel: registries and fading streams.
 * Not part of the module's contract; tests of this module may include it. */
#ifndef EDGESIM_CHANNEL_INT_H
#define EDGESIM_CHANNEL_INT_H

#include <stdint.h>

#include "models/channel/channel.h"
#include "sim/base/rng.h"

/* A path-loss model: loss in dB at distance_m. */
typedef struct channel_pathloss_model {
    const char *name;
    double (*loss_db)(const channel_config *cfg, double distance_m);
    const char *source;   /* citation, for docs and `edgesim channel` */
} channel_pathloss_model;

/* A rate model: spectral efficiency in b/s/Hz at snr_db. */
typedef struct channel_rate_model {
    const char *name;
    double (*efficiency)(const channel_config *cfg, double snr_db);
} channel_rate_model;

extern const channel_pathloss_model *const channel_pathloss_models[]; /* NULL-terminated */
extern const channel_rate_model *const channel_rate_models[];         /* NULL-terminated */
extern const char *const channel_fading_names[];                      /* NULL-terminated */

const channel_pathloss_model *channel_pathloss_find(const char *name);
const channel_rate_model *channel_rate_find(const char *name);

/* ---- Fading: exact Gauss-Markov blocks as a pure function of the index ----
 *
 * Checkpoints every FADING_SEGMENT blocks follow the exact L-step law
 * c_{n+1} = rho^L c_n + sqrt(1 - rho^(2L)) v_{n+1}; the blocks between two
 * checkpoints are drawn sequentially from the exact Gauss-Markov bridge
 * conditioned on both ends.  Block k's innovation uses the hashed uniforms
 * (2k, 2k+1) of the stream.  Values depend on the index only: the same
 * operations run in the same order whatever the read pattern.  See
 * docs/CHANNEL.md, "Fading". */
#define FADING_SEGMENT 32  /* blocks per segment (L) */
#define FADING_CP_RING 16  /* checkpoints kept per stream (older: recomputed from 0) */

typedef struct fading_cgain {
    double re, im;
} fading_cgain;

typedef enum { FADING_NONE = 0, FADING_RAYLEIGH = 1 } fading_kind;

typedef struct fading_ctx {
    fading_kind kind;
    double rho;
    int constant;                    /* rho == 1: h_k = h_0 */
    uint64_t seed;
    uint32_t replication;
    double cp_a, cp_s;               /* rho^L, sqrt(1 - rho^(2L)) */
    double br_a[FADING_SEGMENT + 1]; /* bridge step with r blocks to the end: */
    double br_b[FADING_SEGMENT + 1]; /*   h = a_r h_prev + b_r h_end + s_r w   */
    double br_s[FADING_SEGMENT + 1];
} fading_ctx;

typedef struct fading_stream {
    rng_purpose purpose;             /* RNG_FADING_UL or RNG_FADING_DL */
    uint64_t entity;                 /* device */
    int64_t cp_top;                  /* newest checkpoint held, -1: none */
    fading_cgain cp[FADING_CP_RING]; /* checkpoint n at cp[n % RING] */
    int64_t cur_block;               /* bridge cursor, -1: none */
    fading_cgain cur;
    uint64_t slow_recomputes;        /* reads older than the ring (diagnostics) */
} fading_stream;

void fading_ctx_init(fading_ctx *f, fading_kind kind, double rho, uint64_t seed, uint32_t replication);
void fading_stream_init(fading_stream *s, rng_purpose purpose, uint64_t entity);
/* |h_k|^2 for block k >= 0. */
double fading_gain(const fading_ctx *f, fading_stream *s, int64_t block);

#endif
