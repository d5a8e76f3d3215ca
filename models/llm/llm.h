/* llm.h -- LLM latency profiles and serving models (device and edge).
 *
 * Model: docs/MODEL.md section 3; formulas, presets, sources and policies in
 * docs/PROFILES.md.  A profile gives the time of a prefill of n new tokens on
 * c cached ones, T_pre(n, c) = p0 + p1*n + p2*n*(c + n/2), and of one decode
 * iteration of b sequences whose contexts sum to C tokens,
 * T_step(b, C) = d0 + d1*b + d2*C (seconds), or, with a measured table,
 * T_step(b, C) = table(b) + d2*(C - b*c_ref).  Profiles come from
 * coefficients, from a named preset, from a roofline of architecture and
 * hardware, or from a measured table.
 *
 * A server is a passive state machine like the channel: llm_server_submit()
 * queues a request, llm_server_next_event() says when the next change of the
 * batch happens (a prefill ends, a sequence completes, queued work can be
 * admitted), llm_server_advance() runs iterations up to `now` and reports
 * what happened through a callback.  Decode iterations between two such
 * changes are advanced in closed form, not one by one.  The device server has max_batch 1 (FCFS); the
 * edge server batches continuously (vLLM-style iterations).  KV of a
 * dialogue's processed prefix is retained after its request ends, evicted LRU
 * when capacity is needed, so a later turn may reuse or recompute it.
 *
 * Ownership: llm_server_create copies the profile; the caller owns the server
 * and frees it with llm_server_destroy.  Nothing returned points into it.
 */
#ifndef EDGESIM_LLM_H
#define EDGESIM_LLM_H

#include <stdint.h>
#include <stdio.h>

#include "sim/base/keys.h"
#include "sim/base/simtime.h"

#define LLM_MAX_TABLE 32          /* points of a measured decode table */

/* Architecture and hardware of the roofline form (every number: NAN = unset). */
typedef struct llm_roofline_config {
    double params;                /* N, parameters; the roofline is used iff given */
    double layers;                /* transformer layers */
    double d_model;               /* hidden size */
    double kv_heads;              /* key/value heads (GQA) */
    double head_dim;              /* dimension of one head */
    double weight_bits;           /* bits per weight (16 fp16, 4 int4) */
    double kv_bytes;              /* bytes per KV element (2 fp16) */
    double peak_flops;            /* F, dense peak FLOP/s of all GPUs used */
    double mem_bw_bytes_per_s;    /* BW, memory bandwidth of all GPUs used, B/s */
    double eta_compute;           /* achieved fraction of F */
    double eta_memory;            /* achieved fraction of BW */
} llm_roofline_config;

/* Where a model runs (docs/MODEL.md "Tiers"): on every device, on every
 * site's edge servers, or in a cloud reached from the edge site over a WAN. */
#define LLM_TIERS(X) X(LLM_TIER_DEVICE, "device") X(LLM_TIER_EDGE, "edge") X(LLM_TIER_CLOUD, "cloud")
typedef enum llm_tier {
#define LLM_TIER_ENUM(id, name) id,
    LLM_TIERS(LLM_TIER_ENUM)
#undef LLM_TIER_ENUM
    LLM_N_TIERS
} llm_tier;
extern const char *const llm_tier_names[]; /* indexed by llm_tier, NULL-terminated */
/* The tier of a name ("device", ...), or -1. */
int llm_tier_find(const char *name);

#define LLM_MAX_MODELS 8          /* models of one scenario */

/* The WAN from an edge site to a cloud model: a request of B bytes reaches
 * the cloud rtt_s/2 + 8*B/bandwidth_bps after it reaches the site, and an
 * answer chunk the site as long after the cloud produced it (no queueing on
 * the WAN). */
typedef struct llm_wan_config {
    double rtt_s;                 /* round-trip time, s */
    double bandwidth_bps;         /* bit/s each way */
} llm_wan_config;

/* One WAN leg of `bytes`, s. */
double llm_wan_leg_s(const llm_wan_config *wan, double bytes);

typedef struct llm_config {
    char name[32];                /* the model's key in "models" (KEY_MAP element name) */
    char tier[8];                 /* device | edge | cloud */
    llm_wan_config wan;           /* cloud tier only */
    double price_in_per_mtok;     /* money per million input tokens (context and new input) */
    double price_out_per_mtok;    /* money per million output tokens */
    int replicas;                 /* cloud tier: copies behind the API, each its own server (1 elsewhere) */
    double load_s;                /* device tier, device.memory "one": time to load it into memory, s */
    char preset[48];              /* "none" = no preset; a preset fills what is not given */
    double prefill_s[3];          /* [p0 s, p1 s/token, p2 s/token^2] */
    int n_prefill;
    double decode_step_s[3];      /* [d0 s, d1 s/sequence, d2 s/context token] */
    int n_decode;
    int max_batch;                /* sequences per iteration; 0 = the preset's */
    double kv_capacity_bytes;     /* KV memory for all sequences and retained dialogues */
    double kv_bytes_per_token;
    double power_w;               /* device compute power while serving (energy) */
    /* additions (docs/PROFILES.md) */
    llm_roofline_config roofline;
    double decode_step_table_s[2 * LLM_MAX_TABLE]; /* flat [b1, s1, b2, s2, ...], b increasing */
    int n_decode_table;           /* count of numbers (2 per point) */
    double decode_table_context_tokens; /* c_ref: per-sequence context of the table, tokens */
    double prefill_tokens_per_s;  /* table form of prefill: p1 = 1/rate */
    double prefill_floor_s;       /* table form: TTFT floor p0, s */
    int kv_retain_dialogues;      /* idle dialogues whose KV is kept; 0 = only capacity limits */
} llm_config;

/* What each device's memory holds of its device-tier models (docs/MODEL.md
 * "Tiers", "Several models on a device"): all of them, each serving its own
 * queue as if alone, or one at a time, swapped in for a query that needs
 * another (paying that model's load_s). */
#define LLM_DEVICE_MEMORY(X) X(LLM_DEVICE_MEMORY_ALL, "all") X(LLM_DEVICE_MEMORY_ONE, "one")
typedef enum llm_device_memory {
#define LLM_DEVICE_MEMORY_ENUM(id, name) id,
    LLM_DEVICE_MEMORY(LLM_DEVICE_MEMORY_ENUM)
#undef LLM_DEVICE_MEMORY_ENUM
    LLM_N_DEVICE_MEMORY
} llm_device_memory;
extern const char *const llm_device_memory_names[]; /* indexed by llm_device_memory, NULL-terminated */

typedef struct llm_device_config {
    char memory[8];               /* "all" | "one" */
} llm_device_config;
extern const key_spec llm_device_keys[]; /* the "device" object (offsets in llm_device_config) */
/* LLM_DEVICE_MEMORY_ALL or _ONE from the configuration (resolved: a valid name). */
llm_device_memory llm_device_memory_of(const llm_device_config *cfg);

/* One element of the "models" map (offsets in llm_config); its defaults are
 * the edge model's.  LLM_MODELS_DEFAULT is the map's default: "small" on
 * the device and "large" on the edge. */
extern const key_spec llm_model_keys[];
extern const char llm_models_default[];

/* Monetary cost of one query on a model: (input tokens * price_in +
 * output tokens * price_out) / 1e6. */
double llm_query_cost(const llm_config *cfg, double input_tokens, double output_tokens);

/* A resolved profile: what the simulation uses. */
typedef struct llm_profile {
    char name[48];                /* preset name, or "custom" */
    double p[3];                  /* prefill coefficients */
    double d[3];                  /* decode-step coefficients (d0, d1 unused with a table) */
    int max_batch;
    double kv_capacity_bytes;
    double kv_bytes_per_token;
    double power_w;
    /* additions */
    double params;                /* parameters (0 if unknown), for listings */
    int n_table;                  /* measured decode table points (0: coefficients) */
    double table_batch[LLM_MAX_TABLE];
    double table_step_s[LLM_MAX_TABLE];
    double table_context_tokens;  /* c_ref */
    int kv_retain_dialogues;      /* 0 = unlimited */
} llm_profile;

/* Resolve a configuration into a profile.  Precedence, per component:
 * explicit coefficients > roofline > measured table/rate > preset.  `path`
 * names the configuration object ("models.large") in messages.
 * Returns 0, or -1 with a message naming the key in err. */
int llm_profile_resolve(const llm_config *cfg, const char *path, llm_profile *out, char *err, size_t errlen);

/* The roofline of MODEL.md section 3: fills p, d and kv_bytes_per_token.
 * Every field of rc must be set (finite, positive). */
void llm_roofline_coefficients(const llm_roofline_config *rc, double p[3], double d[3],
                               double *kv_bytes_per_token);

double llm_prefill_s(const llm_profile *p, double new_tokens, double cached_tokens);
double llm_decode_step_s(const llm_profile *p, int batch, double context_sum_tokens);
/* Sum of `steps` decode steps of a batch of b sequences whose context sum is
 * C at the first step and grows by b per step:
 * sum_{i=0}^{steps-1} T_step(b, C + b i), in closed form. */
double llm_decode_run_s(const llm_profile *p, int batch, double context_sum_tokens, double steps);
/* Batch-1 service: T_pre(n, c) + sum_{j=1}^{o-1} T_step(1, c + n + j). */
double llm_batch1_service_s(const llm_profile *p, double new_tokens, double cached_tokens, double out_tokens);

/* Device energy of one query, J: compute_s*power_w + ul_air_s*ul_w + dl_air_s*dl_w
 * (MODEL.md section 3, defaults 5 W, 2 W, 1 W). */
double llm_device_energy_j(double compute_s, double power_w, double ul_air_s, double ul_w, double dl_air_s,
                           double dl_w);

/* ---- presets ---- */

/* A figure a preset is built from or checked against, at its measured
 * setting.  For measured presets these ARE the inputs (one source); for
 * derived presets (roofline) they are the independent figures the derivation
 * is checked against.  tests/test_llm_profile.c recomputes each from the
 * preset's profile and compares within `tolerance`. */
typedef struct llm_preset_cited {
    double decode_tokens_per_s;   /* batch-1 decode rate (1/TPOT) */
    double decode_context_tokens; /* context per sequence at which it was measured */
    double prefill_tokens;        /* prompt length of the prefill figure */
    double prefill_tokens_per_s;  /* prefill_tokens / TTFT at that length */
    double kv_capacity_bytes;     /* KV memory (the arithmetic is written next to it) */
    double tolerance;             /* relative: |profile - cited| <= tolerance * cited */
} llm_preset_cited;

typedef struct llm_preset {
    const char *name;             /* "qwen2.5-1.5b-int4-phone" */
    const char *model;            /* model and precision */
    const char *hardware;         /* device, memory and count ("1x A100 40GB") */
    const char *runtime;          /* serving runtime every measured figure was taken on */
    int derived;                  /* 1: roofline (figures derived, not measured) */
    int api;                      /* 1: a hosted API, seen from outside: a TTFT floor and an output
                                     rate (cited.prefill_*, cited.decode_*), no batch or KV limit */
    /* architecture (Hugging Face config.json) */
    double params, layers, d_model, kv_heads, head_dim, weight_bits, kv_bytes;
    double active_params;         /* mixture of experts: parameters one token runs through (roofline
                                     FLOPs and weight reads); 0: dense (= params).  params sizes memory. */
    /* hardware: KV = gpus*memory_bytes*memory_util - weights, unless
     * kv_budget_bytes > 0 (phones: an assumed budget) */
    int gpus;
    double memory_bytes;          /* per GPU */
    double memory_util;           /* fraction for weights + KV (vLLM gpu_memory_utilization) */
    double kv_budget_bytes;
    /* measured form (derived == 0): cited.prefill_* and cited.decode_* are
     * the first points; an optional second TTFT point and TPOT point */
    double ttft2_tokens, ttft2_s; /* second (prompt, TTFT) point, 0: none (p0 = 0) */
    double tpot_batch, tpot_s;    /* TPOT at a second batch size, 0: none (d1 = p1) */
    /* roofline form (derived == 1) */
    double peak_flops, mem_bw_bytes_per_s, eta_compute, eta_memory; /* sums over GPUs */
    int max_batch;
    double power_w;
    int kv_retain_dialogues;
    llm_preset_cited cited;
    const char *source;           /* citations, one line for `edgesim profiles` */
} llm_preset;

extern const llm_preset llm_presets[];      /* terminated by an entry with name NULL */

/* NULL if unknown. */
const llm_preset *llm_preset_find(const char *name);
/* The preset's profile (coefficients derived as in docs/PROFILES.md). */
void llm_preset_profile(const llm_preset *ps, llm_profile *out);
/* KV capacity from the preset's memory fields, bytes. */
double llm_preset_kv_capacity(const llm_preset *ps);

/* `edgesim profiles`: one line per preset with its rates and sources. */
void llm_presets_print(FILE *out);

/* ---- serving ---- */

typedef struct llm_request {
    uint64_t tag;                 /* the caller's id, echoed in events */
    int64_t dialogue;             /* -1: not part of a dialogue (nothing retained) */
    int history_tokens;           /* dialogue history before this turn (reusable prefix) */
    int new_tokens;               /* this turn's input */
    int out_tokens;               /* tokens to generate (>= 1) */
    int out_tokens_est;           /* addition: what the router may know (backlog); 0 = out_tokens */
} llm_request;

typedef enum {
    LLM_EV_ADMIT = 1,             /* request left the queue: its prefill starts */
    LLM_EV_FIRST_TOKEN,           /* prefill done; first output token exists */
    LLM_EV_DONE                   /* last token generated */
} llm_event_kind;

typedef struct llm_event {
    uint64_t tag;
    llm_event_kind kind;
    sim_time t;
    int cached_tokens;            /* ADMIT: history reused from retained KV */
    int recomputed_tokens;        /* ADMIT: history that had to be prefilled again */
} llm_event;

typedef void llm_event_fn(void *ctx, const llm_event *ev);

typedef struct llm_server llm_server;

/* Returns NULL on allocation failure. */
llm_server *llm_server_create(const llm_profile *profile);
void llm_server_destroy(llm_server *s);

/* 1 if the request's whole KV (history + new + out tokens) fits in the
 * server's KV capacity, 0 if it never can (docs/MODEL.md, "Outcomes"). */
int llm_server_fits(const llm_server *s, const llm_request *req);
/* Queue a request at `now` (now >= every earlier call's time).  Requests
 * submitted at the same instant before llm_server_advance() share one prefill
 * iteration.  Returns 0; 1 when the request does not fit the KV capacity
 * (llm_server_fits: refused, nothing queued); -1 on allocation failure. */
int llm_server_submit(llm_server *s, sim_time now, const llm_request *req);
/* Abandon the request `tag` at `now` (docs/MODEL.md, "Outcomes"): a queued
 * one leaves the queue at once; a running one leaves the batch, and frees its
 * batch slot and KV (its dialogue's KV is not retained), at the end of the
 * iteration under way, and no further event is reported for it.  Returns 1,
 * or 0 if the server does not hold it. */
int llm_server_cancel(llm_server *s, sim_time now, uint64_t tag);
/* The next change of the batch: the end of the current prefill, the end of
 * the decode iteration at which a sequence completes or a queued request can
 * be admitted, the time the next iteration starts when the server is idle
 * with work queued, or SIM_TIME_NEVER when idle. */
sim_time llm_server_next_event(const llm_server *s);
/* Complete every iteration ending at or before `now`, start the next ones,
 * and report events in time order. */
void llm_server_advance(llm_server *s, sim_time now, llm_event_fn *cb, void *ctx);

int llm_server_waiting(const llm_server *s);      /* queued, not admitted */
int llm_server_running(const llm_server *s);      /* admitted, not done */
double llm_server_kv_used_bytes(const llm_server *s);
/* Retained KV tokens of a dialogue (0 if none). */
int llm_server_cached_tokens(const llm_server *s, int64_t dialogue);
/* A dialogue's KV of `tokens` tokens arrives from another server (a
 * migration): it is retained idle, as if a turn had just finished here
 * (other idle dialogues evicted LRU to make room; what cannot fit is not
 * kept; nothing if the dialogue runs here or already holds as much).
 * Returns 0, or -1 on allocation failure. */
int llm_server_import_kv(llm_server *s, int64_t dialogue, int tokens);
/* Forget a dialogue's retained KV (it migrated away); nothing if none. */
void llm_server_release_kv(llm_server *s, int64_t dialogue);
/* Forget every idle dialogue's retained KV (the model left memory). */
void llm_server_release_idle_kv(llm_server *s);
/* Estimated wait before a request submitted now would be admitted, s
 * (estimator in docs/PROFILES.md). */
double llm_server_backlog_s(const llm_server *s, sim_time now);
/* Time spent in iterations so far, s (utilisation = busy / elapsed). */
double llm_server_busy_s(const llm_server *s, sim_time now);
/* Tokens generated so far (first tokens included), for throughput. */
uint64_t llm_server_tokens_out(const llm_server *s);

#endif
