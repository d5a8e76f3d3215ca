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
    const char *source;   /* formula and citation, for docs and `edgesim channel` */
} channel_pathloss_model;

/* A rate model: spectral efficiency in b/s/Hz at snr_db. */
typedef struct channel_rate_model {
    const char *name;
    double (*efficiency)(const channel_config *cfg, double snr_db);
    const char *source;   /* formula and citation, for docs */
} channel_rate_model;

/* A fading model (fading.c): its kind and correlation rho between blocks
 * for a Doppler shift; `rayleigh` says whether the closed forms of
 * `edgesim channel` are those of Rayleigh fading. */
typedef struct channel_fading_model {
    const char *name;
    int rayleigh;
    double (*rho)(const channel_config *cfg, double doppler_hz);
    const char *source;
} channel_fading_model;

/* The registries: NULL-terminated, each the single list of its names (the
 * scenario keys take their choices from them: KEY_STR_REG).  Adding a model
 * is one struct and one line in its registry. */
extern const channel_pathloss_model *const channel_pathloss_models[];
extern const channel_rate_model *const channel_rate_models[];
extern const channel_fading_model *const channel_fading_models[];

const channel_pathloss_model *channel_pathloss_find(const char *name);
const channel_rate_model *channel_rate_find(const char *name);
const channel_fading_model *channel_fading_find(const char *name);

/* ---- Fading: exact Gauss-Markov blocks as a pure function of the index ----
 *
 * Segments of L = 2^depth blocks, L the smallest power of two with |rho|^L
 * below 2^-53: segment end points h_{nL} are independent CN(0,1) draws (the
 * innovation of block nL).  Inside a segment, a dyadic bridge: the midpoint
 * of an interval is drawn from the exact Gauss-Markov law conditioned on its
 * two ends, with the innovation of the midpoint block.  Block k's innovation
 * uses the stream's counter-based words of index k (GSL's ziggurat).  A read costs at most
 * depth draws; each stream keeps FADING_CURSORS paths (the intervals of its
 * last reads), so reading on from a recent block costs about one draw.
 * Values depend on the index only.  See docs/CHANNEL.md, "Fading". */
#define FADING_MAX_DEPTH 62 /* L <= 2^62 blocks: enough for any rho < 1 in double */
#define FADING_CURSORS 2    /* paths kept per stream (e.g. transfers and stale CSI) */

typedef struct fading_cgain {
    double re, im;
} fading_cgain;

typedef enum { FADING_NONE = 0, FADING_RAYLEIGH = 1 } fading_kind;

typedef struct fading_ctx {
    fading_kind kind;
    double rho;
    int constant;                    /* rho == 1: h_k = h_0 */
    int iid;                         /* rho == 0: h_k = w_k */
    uint64_t seed;
    uint32_t replication;
    int depth;                       /* D: segments of 2^D blocks (0 if constant, iid or none) */
    double mid_a[FADING_MAX_DEPTH];  /* level d midpoint: a_d (h_lo + h_hi) + s_d w */
    double mid_s[FADING_MAX_DEPTH];
    const rng_ziggurat *zig;         /* GSL's ziggurat tables (the channel's), for the innovations */
} fading_ctx;

/* The interval of one level of a path: the values at its two ends. */
typedef struct fading_level {
    fading_cgain lo, hi;
} fading_level;

typedef struct fading_cursor {
    int64_t segment;                 /* -1: empty */
    int64_t off;                     /* last block read, offset in the segment */
    int levels;                      /* path[0 .. levels-1] hold the intervals containing off */
    fading_cgain value;              /* h at that block */
    uint64_t last_use;
    fading_level *path;              /* depth + 1 levels, owned by the caller */
} fading_cursor;

typedef struct fading_stream {
    rng_purpose purpose;             /* RNG_FADING_UL or RNG_FADING_DL */
    uint64_t entity;                 /* device */
    uint64_t key;                    /* rng_stream_key of (seed, replication, purpose, entity) */
    fading_cursor cur[FADING_CURSORS];
    uint64_t uses;
    uint64_t draws;                  /* innovations drawn (diagnostics, bench) */
} fading_stream;

/* zig: initialised by rng_ziggurat_init, owned by the caller, living as
 * long as f (one per channel: its set-up is about 0.6 M instructions). */
void fading_ctx_init(fading_ctx *f, fading_kind kind, double rho, uint64_t seed, uint32_t replication,
                     const rng_ziggurat *zig);
/* fading_level entries one stream needs for its cursors. */
size_t fading_path_len(const fading_ctx *f);
/* path: fading_path_len(f) entries owned by the caller (unused, may be NULL,
 * when f->depth is 0). */
void fading_stream_init(fading_stream *s, rng_purpose purpose, uint64_t entity, const fading_ctx *f,
                        fading_level *path);
/* |h_k|^2 for block k >= 0. */
double fading_gain(const fading_ctx *f, fading_stream *s, int64_t block);
/* Re h_k for block k >= 0: a real Gauss-Markov (AR(1)) process with
 * coefficient rho and variance 1/2 (the shadowing of moving devices). */
double fading_real_part(const fading_ctx *f, fading_stream *s, int64_t block);

/* ---- Mobility (mobility.c; docs/CHANNEL.md, "Mobility") ----
 *
 * A mobility model gives each device's position at any time as a pure
 * function of (seed, replication, device, t): models with random legs draw
 * leg k from the hashed uniforms of stream (RNG_MOBILITY, device), and a
 * cursor per device makes reading forward in time cost O(1) per leg. */
typedef struct mobility mobility;

typedef struct mobility_model {
    const char *name;
    const char *summary;      /* one line, for docs */
    int moves;                /* 0: static (positions never change) */
} mobility_model;

extern const mobility_model *const mobility_models[]; /* NULL-terminated */
extern const char *const mobility_names[];            /* NULL-terminated, same order */
const mobility_model *mobility_find(const char *name);

/* start_x/start_y: each device's position at t = 0 (ignored by "trace").
 * NULL with err on a bad trace file or out of memory. */
mobility *mobility_create(const mobility_config *cfg, const devices_config *dev, const double *start_x,
                          const double *start_y, uint64_t seed, uint32_t replication, char *err, size_t errlen);
void mobility_destroy(mobility *m);
/* Position at t_s >= 0, m, and path length travelled since 0, m. */
void mobility_position(mobility *m, int device, double t_s, double *x_m, double *y_m, double *path_m);
/* The device's nominal speed for its Doppler shift, m/s. */
double mobility_nominal_speed_mps(const mobility *m, int device);
/* The movement area [x_min, y_min, x_max, y_max] of cfg for devices dev. */
void mobility_area(const mobility_config *cfg, const devices_config *dev, double area[4]);

#endif
