/* llm.h -- LLM latency profiles and serving models (device and edge).
 *
 * Model: docs/MODEL.md section 3.  A profile gives the time of a prefill of
 * n new tokens on c cached ones, T_pre(n, c) = p0 + p1*n + p2*n*(c + n/2), and
 * of one decode iteration of b sequences whose contexts sum to C tokens,
 * T_step(b, C) = d0 + d1*b + d2*C (seconds).  Profiles come from coefficients,
 * from a named preset, or from a roofline of architecture and hardware.
 *
 * A server is a passive state machine like the channel: llm_server_submit()
 * queues a request, llm_server_next_event() says when the current iteration
 * ends, llm_server_advance() runs iterations up to `now` and reports what
 * happened through a callback.  The device server has max_batch 1 (FCFS); the
 * edge server batches continuously (vLLM-style iterations).  KV of a
 * dialogue's processed prefix is retained after its request ends, evicted LRU
 * when capacity is needed, so a later turn may reuse or recompute it.
 */
#ifndef EDGESIM_LLM_H
#define EDGESIM_LLM_H

#include <stdint.h>
#include <stdio.h>

#include "sim/keys.h"
#include "sim/simtime.h"

#define LLM_MAX_TABLE 32

typedef struct llm_config {
    char preset[48];              /* "" = none; a preset fills the keys below not given */
    double prefill_s[3];          /* [p0 s, p1 s/token, p2 s/token^2] */
    int n_prefill;
    double decode_step_s[3];      /* [d0 s, d1 s/sequence, d2 s/context token] */
    int n_decode;
    int max_batch;                /* sequences per iteration (device: 1) */
    double kv_capacity_bytes;     /* KV memory for all sequences and retained dialogues */
    double kv_bytes_per_token;
    double power_w;               /* device compute power while serving (energy) */
} llm_config;

extern const key_spec llm_small_keys[]; /* "models.small" */
extern const key_spec llm_large_keys[]; /* "models.large" */

/* A resolved profile: what the simulation uses. */
typedef struct llm_profile {
    char name[48];
    double p[3];                  /* prefill coefficients */
    double d[3];                  /* decode-step coefficients */
    int max_batch;
    double kv_capacity_bytes;
    double kv_bytes_per_token;
    double power_w;
} llm_profile;

/* Resolve a configuration (preset, coefficients, roofline) into a profile.
 * Returns 0, or -1 with a message naming the key in err. */
int llm_profile_resolve(const llm_config *cfg, const char *path, llm_profile *out, char *err, size_t errlen);

double llm_prefill_s(const llm_profile *p, double new_tokens, double cached_tokens);
double llm_decode_step_s(const llm_profile *p, int batch, double context_sum_tokens);
/* Batch-1 service: T_pre(n, c) + sum_{j=1}^{o-1} T_step(1, c + n + j). */
double llm_batch1_service_s(const llm_profile *p, double new_tokens, double cached_tokens, double out_tokens);

/* ---- serving ---- */

typedef struct llm_request {
    uint64_t tag;                 /* the caller's id, echoed in events */
    int64_t dialogue;             /* -1: not part of a dialogue (nothing retained) */
    int history_tokens;           /* dialogue history before this turn (reusable prefix) */
    int new_tokens;               /* this turn's input */
    int out_tokens;               /* tokens to generate (>= 1) */
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

llm_server *llm_server_create(const llm_profile *profile);
void llm_server_destroy(llm_server *s);

/* Queue a request at `now`.  Returns 0, or -1 on allocation failure. */
int llm_server_submit(llm_server *s, sim_time now, const llm_request *req);
/* End of the current iteration, or SIM_TIME_NEVER when idle. */
sim_time llm_server_next_event(const llm_server *s);
/* Complete every iteration ending at or before `now`, start the next ones,
 * and report events in time order. */
void llm_server_advance(llm_server *s, sim_time now, llm_event_fn *cb, void *ctx);

int llm_server_waiting(const llm_server *s);      /* queued, not admitted */
int llm_server_running(const llm_server *s);      /* admitted, not done */
double llm_server_kv_used_bytes(const llm_server *s);
/* Retained KV tokens of a dialogue (0 if none). */
int llm_server_cached_tokens(const llm_server *s, int64_t dialogue);
/* Estimated wait before a request submitted now would be admitted, s. */
double llm_server_backlog_s(const llm_server *s, sim_time now);
/* Time spent in iterations so far, s (utilisation = busy / elapsed). */
double llm_server_busy_s(const llm_server *s, sim_time now);

/* `edgesim profiles`: one line per preset with its rates and sources. */
void llm_presets_print(FILE *out);

#endif
