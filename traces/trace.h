/* trace.h -- trace rows, streaming readers, generators and arrival processes.
 *
 * Format: docs/TRACES.md (CSV with a header, or JSONL, same fields).  Readers
 * stream: one row in memory at a time.  They are strict: a bad value stops the
 * read with file:line:column, what was expected and what was found.
 * Model: docs/MODEL.md section 6.
 */
#ifndef EDGESIM_TRACE_H
#define EDGESIM_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <gsl/gsl_rng.h>

#include "sim/base/keys.h"

/* Model columns (docs/TRACES.md "Model columns"): besides the fixed
 * q_small, q_large and p_large, a trace (CSV or JSONL) may carry q_<model>
 * (quality, 0..1) and p_<model> (router score, 0..1, may be empty) for other
 * models; the reader lists their names (trace_model_name; a CSV's from its
 * header, a JSONL's from line 1's keys) and a row holds their values at the
 * same index. */
#define TRACE_MAX_MODEL_COLS 8
#define TRACE_MODEL_NAME_CAP 32   /* bytes of a model name, NUL included */

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
    double deadline_s;            /* NAN: trace.deadline_s (none if that is null too) */
    double model_q[TRACE_MAX_MODEL_COLS]; /* q_<model> of the reader's model columns; NAN: no column */
    double model_p[TRACE_MAX_MODEL_COLS]; /* p_<model>; NAN: no column or an empty cell */
} trace_row;

typedef struct trace_error {
    char msg[512];                /* "file:line:column: expected ..., found ..." */
} trace_error;

typedef struct trace_reader trace_reader;
typedef struct trace_writer trace_writer;

/* ---- formats: one registry (trace_format.c) ----
 *
 * A format is a name, the file extensions that select it, a one-line
 * summary, and its reader and writer (private vtables, trace_int.h).  The
 * readers' and writers' choice by extension, their messages, `--output`
 * help and the table in docs/TRACES.md (`edgesim trace formats`, checked by
 * tests/cli/docs_tables.sh) come from the registry; adding a format is one
 * reader, one writer and one registry line. */
struct trace__reader_ops;
struct trace__writer_ops;
typedef struct trace_format {
    const char *name;             /* "csv": trace_open_string's `format` */
    const char *const *extensions; /* NULL-terminated, with the dot: ".csv" */
    const char *summary;          /* one line, for help and docs */
    const struct trace__reader_ops *reader;
    const struct trace__writer_ops *writer;
} trace_format;

/* NULL-terminated; the first is the format of standard output ("-"). */
extern const trace_format *const trace_formats[];
const trace_format *trace_format_find(const char *name);       /* NULL if unknown */
const trace_format *trace_format_of_path(const char *path);    /* by extension; NULL if none fits */
/* "a .csv or .jsonl" style list of every extension, for messages and help. */
void trace_format_extensions(char *buf, size_t cap);

/* Open a trace file; the format comes from the extension (trace_formats).
 * Returns NULL with err set. */
trace_reader *trace_open(const char *path, trace_error *err);
/* A function given the file's bytes as the reader takes them in: every byte
 * once, in order, up to the end of the file once the reader has reported
 * the end of the trace (0 from trace_next).  The preflight check digests a
 * trace file (the run identity) in the read that checks it. */
typedef void (*trace_bytes_fn)(void *ctx, const void *bytes, size_t n);
/* trace_open, with `fn` (if not NULL) given the bytes read, header included. */
trace_reader *trace_open_observed(const char *path, trace_bytes_fn fn, void *ctx, trace_error *err);
/* Read from memory (tests); `format` a registry name, `name` stands for the
 * file in messages. */
trace_reader *trace_open_string(const char *text, const char *format, const char *name, trace_error *err);
/* 1: a row was read, 0: end of trace, -1: error (err set). */
int trace_next(trace_reader *r, trace_row *row, trace_error *err);
/* The line (1-based) where the last row read starts, for messages. */
long trace_line(const trace_reader *r);
void trace_close(trace_reader *r);
/* Name of model column i (0-based) of the file, e.g. "gpt4" for q_gpt4 or
 * p_gpt4; NULL past the last. */
const char *trace_model_name(const trace_reader *r, int i);

/* ---- configuration of the "trace" scenario object ---- */

typedef struct trace_config {
    char path[512];               /* a trace file; "" = generate */
    struct {
        char benchmark[24];       /* mmlu | gsm8k | mtbench101 | mix */
        int queries;              /* single queries to generate */
        int dialogues;            /* dialogues to generate */
        double auc;               /* target ROC AUC of p_large */
        double out_pred_error;    /* relative sd of the output-length prediction */
        int mmlu_answer_tokens;   /* out_tokens of an MMLU answer (RouteLLM: 1) */
        int seed;                 /* 0: streams of the run's (seed, replication);
                                     else this seed, replication 0 (same trace in every run) */
        char models[128];         /* "a,b,c": the models, weakest first (trace_gen_create);
                                     "": small,large */
    } generate;
    struct {
        char process[16];         /* poisson | mmpp | diurnal | trace */
        double rate_per_s;        /* aggregate over all devices (per device if per_device) */
        double burst_rate_per_s;  /* mmpp: rate in the burst state */
        double mean_normal_s;     /* mmpp: mean sojourn in the normal state */
        double mean_burst_s;      /* mmpp: mean sojourn in the burst state */
        double diurnal_amplitude; /* diurnal: relative amplitude in [0,1] */
        double diurnal_period_s;  /* diurnal: period, s */
        double diurnal_peak_s;    /* diurnal: time of the peak within the period, s */
        int per_device;           /* 1: one process per device (rates per device) */
    } arrival;
    double think_s;               /* mean think time between turns (exponential) */
    double deadline_s;            /* abandon a query this long after its arrival; NAN = never */
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
/* The same, a trace file's bytes given to `fn` as they are read
 * (trace_open_observed); `fn` is not called for a generated trace. */
trace_source *trace_source_create_observed(const trace_config *cfg, int n_devices, uint64_t seed,
                                           uint32_t replication, trace_bytes_fn fn, void *ctx, trace_error *err);
/* 1, 0 (end), -1.  A row the run cannot take (a device index out of range,
 * times on some arrivals only) is an error naming the file's line. */
int trace_source_next(trace_source *s, trace_row *row, trace_error *err);
/* 1 if the trace gives the arrival times (known after the first arrival;
 * always 1 with arrival.process "trace"), 0 if they are drawn. */
int trace_source_times_given(const trace_source *s);
/* The model columns of a trace file (trace_model_name) or of the
 * generator (trace_gen_model_columns). */
const char *trace_source_model_name(const trace_source *s, int i);
void trace_source_destroy(trace_source *s);

/* ---- everything below is used by the tools and tests (edgesim trace ...) ---- */

/* Limits every reader enforces (docs/TRACES.md, "Format"). */
#define TRACE_MAX_TOKENS 10000000      /* in_tokens, out_tokens, out_tokens_pred */
#define TRACE_MAX_TIME_S 9.0e9         /* t_arr_s, think_s: below sim_time's +-9.2e9 s */
#define TRACE_MAX_PAYLOAD_BYTES 1e15   /* extra_payload_bytes */
#define TRACE_MAX_RECORD_BYTES 1048576 /* one CSV record or JSONL line */

/* A row with every optional field at its default and the rest zero. */
void trace_row_init(trace_row *row);

/* Columns, in file order: the one table of the trace format.  The reader
 * (names, kinds, ranges, messages, defaults), the writer, the required mask,
 * trace_row_init and the table in docs/TRACES.md (`edgesim trace columns`,
 * checked by tests/test_trace_reader.c) are generated from it.
 *   X(ID, name, kind, field, min, max, required, default, unit, default_doc, constraint_doc, expected)
 * kind: TRACE_KIND_INT64, _INT, _NUM, _STR (field of trace_row of that type);
 * an optional column (required 0) may be empty (CSV) or absent/null (JSONL)
 * and then holds `default`; the writer leaves it empty when it holds it.
 * `expected` completes reader messages "expected ...". */
#define TRACE_MAX_ID 9007199254740992.0 /* 2^53: exact in a double and in JSON */
#define TRACE_COLUMNS(X)                                                                                              \
    X(TRACE_COL_ID, "id", TRACE_KIND_INT64, id, 0, TRACE_MAX_ID, 1, 0, "", "",                                       \
      "0..2^53; strictly increasing through the file", "an integer in [0, 2^53]")                                    \
    X(TRACE_COL_T_ARR, "t_arr_s", TRACE_KIND_NUM, t_arr_s, 0, TRACE_MAX_TIME_S, 0, NAN, "s",                         \
      "drawn by the arrival process", "0..9e9; non-decreasing; only on single queries and turn 1",                  \
      "a time in s in [0, 9e9] or an empty field")                                                                   \
    X(TRACE_COL_DEVICE, "device", TRACE_KIND_INT, device, 0, 2147483646.0, 0, -1, "",                                \
      "drawn uniformly (RNG_DEVICE_PICK)", ">= 0 and < number of devices", "a device index >= 0 or an empty field")  \
    X(TRACE_COL_DIALOGUE, "dialogue_id", TRACE_KIND_INT64, dialogue_id, -1, TRACE_MAX_ID, 1, -1, "", "",            \
      "-1 = single query, else 0..2^53; a dialogue's turns are contiguous; dialogue ids increase",                   \
      "-1 (single query) or a dialogue id in [0, 2^53]")                                                             \
    X(TRACE_COL_TURN, "turn", TRACE_KIND_INT, turn, 0, 1000000, 1, 0, "", "",                                        \
      "0 for single queries; 1, 2, ... within a dialogue", "0 (single query) or a turn number >= 1")                 \
    X(TRACE_COL_IN, "in_tokens", TRACE_KIND_INT, in_tokens, 1, TRACE_MAX_TOKENS, 1, 0, "", "",                       \
      "1..10,000,000: new user tokens of this query/turn", "an integer in [1, 10000000]")                           \
    X(TRACE_COL_OUT, "out_tokens", TRACE_KIND_INT, out_tokens, 1, TRACE_MAX_TOKENS, 1, 0, "", "",                    \
      "1..10,000,000: tokens of the answer", "an integer in [1, 10000000]")                                          \
    X(TRACE_COL_OUT_PRED, "out_tokens_pred", TRACE_KIND_INT, out_tokens_pred, 1, TRACE_MAX_TOKENS, 0, -1, "",        \
      "= out_tokens", "1..10,000,000: the length a scheduler may know in advance",                                   \
      "an integer in [1, 10000000] or an empty field")                                                               \
    X(TRACE_COL_P_LARGE, "p_large", TRACE_KIND_NUM, p_large, 0, 1, 1, 0, "", "",                                     \
      "0..1: router score (\"large model needed\")", "a number in [0, 1]")                                           \
    X(TRACE_COL_Q_SMALL, "q_small", TRACE_KIND_NUM, q_small, 0, 1, 1, 0, "", "",                                     \
      "0..1: quality of the small model's answer (1 right, 0 wrong, or judge score / 10)", "a number in [0, 1]")    \
    X(TRACE_COL_Q_LARGE, "q_large", TRACE_KIND_NUM, q_large, 0, 1, 1, 0, "", "",                                     \
      "0..1: quality of the large model's answer (1 right, 0 wrong, or judge score / 10)", "a number in [0, 1]")    \
    X(TRACE_COL_BENCHMARK, "benchmark", TRACE_KIND_STR, benchmark, 1, 31, 1, 0, "", "",                              \
      "1-31 characters of `[A-Za-z0-9_.:-]`", "a name of 1-31 characters from [A-Za-z0-9_.:-]")                      \
    X(TRACE_COL_PAYLOAD, "extra_payload_bytes", TRACE_KIND_NUM, extra_payload_bytes, 0, TRACE_MAX_PAYLOAD_BYTES, 0,  \
      0, "bytes", "0", "0..1e15 (e.g. an image)", "a size in bytes in [0, 1e15] or an empty field")                  \
    X(TRACE_COL_THINK, "think_s", TRACE_KIND_NUM, think_s, 0, TRACE_MAX_TIME_S, 0, NAN, "s",                         \
      "Exp(mean `trace.think_s`)", "0..9e9: think time before this turn", "a time in s in [0, 9e9] or an empty field") \
    X(TRACE_COL_DEADLINE, "deadline_s", TRACE_KIND_NUM, deadline_s, 0, TRACE_MAX_TIME_S, 0, NAN, "s",                \
      "`trace.deadline_s`", "0..9e9: the query is abandoned this long after its arrival (status deadline)",          \
      "a time in s in [0, 9e9] or an empty field")

typedef enum { TRACE_KIND_INT64, TRACE_KIND_INT, TRACE_KIND_NUM, TRACE_KIND_STR } trace_kind;

typedef enum trace_column {
#define TRACE_COL_ENUM(id, ...) id,
    TRACE_COLUMNS(TRACE_COL_ENUM)
#undef TRACE_COL_ENUM
    TRACE_N_COLUMNS
} trace_column;

/* The columns a file must have (required 1 above). */
#define TRACE_COL_REQUIRED_BIT(id, name, kind, field, lo, hi, required, ...) | ((unsigned)(required) << (id))
#define TRACE_COLS_REQUIRED (0u TRACE_COLUMNS(TRACE_COL_REQUIRED_BIT))
#define TRACE_COLS_ALL ((1u << TRACE_N_COLUMNS) - 1)

const char *trace_column_name(trace_column c);

/* Writer: the format by extension (trace_formats), or stdout when path is
 * "-" (the first format).
 * `columns` is a mask of TRACE_COL_* bits; the required ones are always
 * written.  Rows are checked as a reader would check them (a writer never
 * produces a file its reader rejects).  A regular file is written to a
 * temporary file in the same folder (".NAME.PID.N.tmp") and appears under
 * `path` only when trace_writer_close succeeds; a pipe or device given as
 * `path` is written directly. */
trace_writer *trace_writer_create(const char *path, unsigned columns, trace_error *err);
/* The same, with model columns q_<name>, p_<name> for the n names (1-31
 * characters of [A-Za-z0-9_-], distinct, not small or large: those have the
 * fixed columns); rows give their values in model_q, model_p at the same
 * index. */
trace_writer *trace_writer_create_models(const char *path, unsigned columns, const char *const *models, int n,
                                         trace_error *err);
int trace_writer_put(trace_writer *w, const trace_row *row, trace_error *err); /* 0 or -1 */
/* Flushes, closes and renames the file into place; frees w.  Returns 0, or -1
 * if anything failed to be written (the temporary file is then removed and
 * `path` is left as it was). */
int trace_writer_close(trace_writer *w, trace_error *err);
/* Gives up: closes and removes the temporary file, leaving `path` as it was;
 * frees w.  Returns -1 (err set) if a write had already failed (so a caller
 * can tell "cannot write" from "bad input"), else 0.  NULL is a no-op. */
int trace_writer_abort(trace_writer *w, trace_error *err);

/* ---- generators (trace_gen.c), calibrated from data/SOURCES.md ---- */

/* The law of one benchmark: the real 2x2 split of (small right, large right)
 * and the word-length quantiles (p10, median, p90, min, max) that the
 * log-normal length fits reproduce (docs/TRACES.md).  out p50 = 0: the
 * answer is generate.mmlu_answer_tokens tokens. */
typedef struct trace_benchmark_law {
    const char *name;
    double both, only_small, only_large, neither; /* shares of items, sum 1 */
    double in_p10, in_p50, in_p90, in_min, in_max;      /* words */
    double out_p10, out_p50, out_p90, out_min, out_max; /* words */
    const char *source;                          /* where the figures come from */
} trace_benchmark_law;

/* sigma of ln(words) of the log-normal with the law's p10 and p90:
 * (ln p90 - ln p10) / (2 Phi^-1(0.9)). */
double trace_lognormal_sigma(double p10, double p90);

/* NULL-terminated registry of laws (mmlu, gsm8k, mtbench101); NULL if unknown. */
extern const trace_benchmark_law *const trace_benchmark_laws[];
const trace_benchmark_law *trace_benchmark_find(const char *name);

/* MT-Bench-101 turns-per-dialogue histogram (2..7 turns), SOURCES.md. */
extern const int trace_mtbench101_turns_hist[8];
/* Expected rows of a generated trace: queries + dialogues x the histogram's
 * mean number of turns (for progress; the drawn count varies). */
double trace_gen_expected_rows(const trace_config *cfg);

/* d' of the bi-normal router score for a target AUC: sqrt(2) * Phi^-1(AUC). */
double trace_binormal_dprime(double auc);

/* The joint law of N models' correctness on one benchmark: counts[k]
 * questions had outcome k, where bit n_models-1-i of k is set when model i
 * (weakest first) was right.  The tables are generated from the benchmark
 * data by traces/joint_tables.sh (traces/trace_joint_int.h, checked
 * against a fresh run by tests/cli/trace_models.sh). */
typedef struct trace_joint_law {
    const char *benchmark;
    int n_models;
    const char *const *models;    /* the measured models, weakest first */
    const double *counts;         /* [1 << n_models] */
    const char *source;
} trace_joint_law;

/* NULL-terminated; trace_joint_find: NULL if there is no table for
 * (benchmark, n_models). */
extern const trace_joint_law *const trace_joint_laws[];
const trace_joint_law *trace_joint_find(const char *benchmark, int n_models);

/* Most models a generator draws (small and large plus the model columns). */
#define TRACE_GEN_MAX_MODELS TRACE_MAX_MODEL_COLS

typedef struct trace_gen trace_gen;
/* Generates cfg->generate.queries single queries, then .dialogues dialogues,
 * ids 1, 2, ...; t_arr_s NAN, device -1.  Streams RNG_GENERATOR (entities
 * 0-4) and RNG_LENGTH_PRED of (seed, replication).
 * Models (cfg->generate.models, weakest first; "" = "small,large"): with
 * two, each row's correctness is the benchmark law's 2x2 cell; with N > 2,
 * the outcome of the joint law of (benchmark, N) (single queries only).  A
 * model named small (first if named) is written to q_small, one named large
 * (not first) to q_large and p_large; without them q_small is the weakest
 * model's and q_large, p_large the strongest's.  Every other model has the
 * columns q_<name>, p_<name> (trace_gen_model_columns). */
trace_gen *trace_gen_create(const trace_config *cfg, uint64_t seed, uint32_t replication,
                            trace_error *err);
int trace_gen_next(trace_gen *g, trace_row *row, trace_error *err); /* 1, 0 (end), -1 */
/* The model columns of the generated rows (model_q, model_p at the same
 * index): their count, and *names (owned by g) for the writer. */
int trace_gen_model_columns(const trace_gen *g, const char *const **names);
void trace_gen_destroy(trace_gen *g);

/* A router score for a row with the given qualities: "large needed" (q_large
 * > q_small) scores are N(d', 1), the others N(0, 1), mapped to (0,1) by
 * p = Phi(x - d'/2), rounded to 6 decimals.  Used by the generator and by
 * the importers; with N models, model i's score is this with the weakest
 * model as small and model i as large. */
double trace_router_score(gsl_rng *r, double dprime, double q_small, double q_large);

/* ---- arrival processes (trace_arrival.c) ---- */

typedef struct trace_arrival trace_arrival;
/* cfg->arrival.process must be poisson, mmpp or diurnal.  Aggregate: one
 * process (RNG_ARRIVALS entity 0), devices drawn by the caller.  Per device:
 * one process per device (entity 1 + device), merged in time order. */
trace_arrival *trace_arrival_create(const trace_config *cfg, int n_devices, uint64_t seed,
                                    uint32_t replication, trace_error *err);
/* The next arrival time, s (non-decreasing); *device = the device of a
 * per-device process, else -1. */
double trace_arrival_next(trace_arrival *a, int *device);
void trace_arrival_destroy(trace_arrival *a);
/* Long-run mean aggregate rate, 1/s (closed form; MMPP: stationary mix). */
double trace_arrival_mean_rate(const trace_config *cfg, int n_devices);

/* ---- statistics (trace_stats.c) ---- */

typedef struct trace_stats trace_stats;
trace_stats *trace_stats_create(void);
/* 0, or -1 on allocation failure. */
int trace_stats_add(trace_stats *st, const trace_row *row);
void trace_stats_destroy(trace_stats *st);

typedef struct trace_summary {
    int64_t rows, queries, dialogues, turns;
    double acc_small, acc_large;                  /* mean q */
    double acc_model[TRACE_MAX_MODEL_COLS];       /* mean q_<model> of model column m; NAN: none */
    double both, only_small, only_large, neither; /* shares with q >= 0.5 as "right" */
    double auc;                                   /* of p_large for q_large > q_small; NAN if undefined */
    double in_q[5], out_q[5];                     /* p10, p50, p90, p99, max */
    double in_mean, out_mean;
} trace_summary;
void trace_stats_summary(trace_stats *st, trace_summary *out);

/* ---- importers (trace_import.c) ---- */

typedef struct trace_import_options {
    const char *inputs[4];        /* kind-specific input paths (see trace_import_kinds) */
    double tokens_per_word;       /* words * this; 0: use chars_per_token */
    double chars_per_token;       /* chars / this when tokens_per_word is 0 (needs text) */
    double auc;                   /* target AUC of the synthetic p_large */
    uint64_t seed;                /* RNG_GENERATOR stream of p_large */
    char weak[16];                /* mmlu: mixtral | llama2 | three (small Llama-2-7B, large Mixtral,
                                     model column gpt4) */
    char out_from[16];            /* gsm8k, gsm8k-raw: small | large | reference; mtbench: small | large */
    int mmlu_answer_tokens;       /* out_tokens of an MMLU answer */
    int skip_contaminated;        /* 1: drop RouteLLM-contaminated items (counted) */
    /* Called after each row written with the rows so far and the part of
     * the input read (in [0, 1]; NAN if not known); may be NULL. */
    void (*on_row)(void *ctx, int64_t rows, double fraction);
    void *row_ctx;
} trace_import_options;

typedef struct trace_import_kind {
    const char *name;             /* gsm8k | gsm8k-raw | mmlu | mmlu-raw | mtbench | mtbench101 */
    int n_inputs;
    const char *usage;            /* the input arguments */
    int (*run)(const trace_import_options *opt, trace_writer *w, int64_t *rows, trace_error *err);
} trace_import_kind;

extern const trace_import_kind *const trace_import_kinds[];
const trace_import_kind *trace_import_find(const char *name);
void trace_import_defaults(trace_import_options *opt);
/* The model columns (q_<name>, p_<name>) an import of `kind` with `opt`
 * writes besides small and large; returns their count (0..TRACE_MAX_MODEL_COLS). */
int trace_import_model_columns(const trace_import_kind *kind, const trace_import_options *opt,
                               const char *const **names);

/* `edgesim trace ...`; argv[0] = "trace".  Exit codes 0 ok, 2 usage, 3 bad
 * input data, 4 cannot write output. */
int trace_cli_main(int argc, char **argv);

#endif
