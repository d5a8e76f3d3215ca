/* trace.h -- trace rows, streaming readers, generators and arrival processes.
 *
 * Format: docs/TRACES.md (CSV with a header, or JSONL, same fields).  Readers
 * stream: one row in memory at a time.  They are strict: a bad value stops the
 * read with file:line:column, what was expected and what was found.
 * Model: docs/MODEL.md section 6.
 */
#ifndef EDGESIM_TRACE_H
#define EDGESIM_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "sim/keys.h"

typedef struct trace_row {
    int64_t id;
    double t_arr_s;               /* NAN: from the arrival process */
    int device;                   /* -1: drawn */
    int64_t dialogue_id;          /* -1: single query */
    int turn;                     /* 1-based within a dialogue; 0 outside */
    int in_tokens;                /* new user tokens of this query/turn */
    int out_tokens;               /* tokens the answer has */
    int out_tokens_pred;          /* -1: equal to out_tokens */
    double p_large;               /* router score in [0,1] */
    double q_small, q_large;      /* quality of each model's answer in [0,1] */
    char benchmark[32];
    double extra_payload_bytes;   /* e.g. an image; 0 if absent */
    double think_s;               /* NAN: drawn (dialogue turns > 1) */
} trace_row;

typedef struct trace_error {
    char msg[512];                /* "file:line:column: expected ..., found ..." */
} trace_error;

typedef struct trace_reader trace_reader;

/* Open a trace file; the format comes from the extension (.csv, .jsonl).
 * Returns NULL with err set. */
trace_reader *trace_open(const char *path, trace_error *err);
/* Read from memory (tests); `name` stands for the file in messages. */
trace_reader *trace_open_string(const char *text, const char *format, const char *name, trace_error *err);
/* 1: a row was read, 0: end of trace, -1: error (err set). */
int trace_next(trace_reader *r, trace_row *row, trace_error *err);
void trace_close(trace_reader *r);

/* ---- configuration of the "trace" scenario object ---- */

typedef struct trace_config {
    char path[512];               /* a trace file; "" = generate */
    struct {
        char benchmark[24];       /* mmlu | gsm8k | mtbench101 | mix */
        int queries;              /* single queries to generate */
        int dialogues;            /* dialogues to generate */
        double auc;               /* target ROC AUC of p_large */
        double out_pred_error;    /* relative sd of the output-length prediction */
    } generate;
    struct {
        char process[16];         /* poisson | mmpp | trace */
        double rate_per_s;        /* aggregate over all devices */
        double burst_rate_per_s;  /* mmpp: rate in the burst state */
        double mean_normal_s;     /* mmpp: mean sojourn in the normal state */
        double mean_burst_s;      /* mmpp: mean sojourn in the burst state */
    } arrival;
    double think_s;               /* mean think time between turns (exponential) */
    double tokens_per_word;       /* importers and generators: token estimate */
} trace_config;

extern const key_spec trace_keys[];

/* ---- the run loop's view: rows with arrival time and device filled in ----
 *
 * A source wraps a trace file or a generator.  Single queries and the first
 * turn of each dialogue leave it with t_arr_s set (from the trace, or from
 * the arrival process of cfg->arrival, drawn from RNG_ARRIVALS) and device
 * set (from the trace, or drawn uniformly from RNG_DEVICE_PICK).  Later turns
 * of a dialogue come with t_arr_s = NAN: the run loop releases them think_s
 * after the previous turn's answer (closed loop).  Rows come in order of
 * t_arr_s for those that have one; a dialogue's turns are contiguous and in
 * turn order. */
typedef struct trace_source trace_source;

trace_source *trace_source_create(const trace_config *cfg, int n_devices, uint64_t seed,
                                  uint32_t replication, trace_error *err);
int trace_source_next(trace_source *s, trace_row *row, trace_error *err); /* 1, 0 (end), -1 */
void trace_source_destroy(trace_source *s);

#endif
