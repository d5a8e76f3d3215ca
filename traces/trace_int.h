/* trace_int.h -- private to traces/: the quoted-CSV/TSV tokenizer that
 * the trace reader and the importers share, and the row checks the reader and
 * the writer share.  Not part of the module's contract (trace.h). */
#ifndef EDGESIM_TRACE_INTERNAL_H
#define EDGESIM_TRACE_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "traces/trace.h"

/* Error text helper: printf into err->msg; returns -1. */
int trace__fail(trace_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Describe a found value for a message: "\"abc\"" (escaped, cut at 40 bytes)
 * or "an empty field". */
void trace__describe(const char *text, size_t len, char *buf, size_t cap);

/* A streaming tokenizer of RFC-4180 records (quoted fields may hold
 * separators, "" and newlines; CRLF or LF ends a record) or of plain
 * TAB-separated records (quoting off).  One record in memory at a time,
 * at most TRACE_MAX_RECORD_BYTES. */
typedef struct trace_csv {
    FILE *fp;                  /* owned when own_fp */
    int own_fp;
    const char *mem;           /* or an in-memory text */
    size_t mem_len, mem_pos;
    unsigned char buf[65536];
    size_t buf_len, buf_pos;
    char sep;
    int quoting;
    unsigned char cls[256];    /* fast_record's byte classes: 0 ordinary, 1 sep, 2 CR, NUL or a quote */
    char *rec;                 /* fields, each NUL-terminated */
    size_t rec_len, rec_cap;
    size_t *off;               /* field i starts at rec + off[i] */
    size_t *len;
    long *fline, *fcol;        /* where field i starts */
    int *quoted;
    int nfields, fcap;
    long line, col;            /* position of the next byte (1-based) */
    long rec_line;
    uint64_t taken;            /* bytes brought into buf so far */
    trace_bytes_fn on_bytes;   /* if set: given each piece read from fp */
    void *on_bytes_ctx;
    int64_t size;              /* of the input: a regular file's or the text's; -1 unknown */
    char name[256];
} trace_csv;

/* path "-" reads stdin.  Returns 0 or -1 (err set). */
int trace__csv_open(trace_csv *c, const char *path, char sep, int quoting, trace_error *err);
void trace__csv_open_string(trace_csv *c, const char *text, const char *name, char sep, int quoting);
/* 1: a record, 0: end of input, -1: error (err set, "name:line:col: ..."). */
int trace__csv_next(trace_csv *c, trace_error *err);
void trace__csv_close(trace_csv *c);
/* The part of the input read so far, in [0, 1]; NAN when its size is not
 * known (stdin, a pipe). */
double trace__csv_fraction(const trace_csv *c);
static inline const char *trace__csv_field(const trace_csv *c, int i) { return c->rec + c->off[i]; }

/* A line reader over the same byte source (JSONL): the line without its
 * LF/CRLF in c->rec, c->rec_len bytes.  1, 0 (end), -1 (error). */
int trace__csv_line(trace_csv *c, trace_error *err);

/* Check a row against the constraints of docs/TRACES.md (ranges only, not
 * the order across rows).  Returns NULL or the name of the bad column, with
 * `why` filled. */
const char *trace__row_invalid(const trace_row *row, char *why, size_t cap);

/* Is NAME (len bytes) a model name of the model columns q_NAME, p_NAME:
 * 1-31 characters of [A-Za-z0-9_-]?  (docs/TRACES.md "Model columns") */
int trace__model_name_ok(const char *name, size_t len);

/* ---- the formats' vtables (trace_format.c lists them) ---- */

/* A reader over r->in (already open): `start` reads what precedes the rows
 * (a header), `next` one row into a row holding the defaults: 1, 0 (end) or
 * -1 (err set).  Both in trace_read.c, where trace_reader is defined. */
struct trace__reader_ops {
    int (*start)(trace_reader *r, trace_error *err);
    int (*next)(trace_reader *r, trace_row *row, trace_error *err);
};
/* A writer's text: `header` once (the columns in the mask), then per row
 * `row_begin`, `cell` per column of the mask (`text` its checked value,
 * `empty` when it holds the default of an optional column, `first` until a
 * cell of the row was written; returns 1 if it wrote one), `model_cell`
 * per model column and `row_end`.
 * In trace_write.c. */
struct trace__writer_ops {
    void (*header)(FILE *fp, unsigned columns, const char (*models)[TRACE_MODEL_NAME_CAP], int n_models);
    void (*row_begin)(FILE *fp);
    int (*cell)(FILE *fp, int first, trace_column c, const char *text, int empty);
    void (*row_end)(FILE *fp);
    /* Model column `kind`_<model> (kind 'q' or 'p') after the fixed cells
     * (header: their names). */
    void (*model_cell)(FILE *fp, char kind, const char *model, const char *text, int empty);
};
extern const struct trace__reader_ops trace__csv_reader, trace__jsonl_reader;
extern const struct trace__writer_ops trace__csv_writer, trace__jsonl_writer;

/* ---- shared by the importers (trace_import.c, trace_import_raw.c) ---- */

/* A TSV or CSV table whose columns are found by header name. */
typedef struct trace__table {
    trace_csv in;
    int idx[12];                  /* field index of names[i] */
    int n, nheader;
} trace__table;

/* Open `path` and find each of the NULL-terminated `names` in its header
 * (at most 12).  0, or -1 with err set (close t->in either way). */
int trace__table_open(trace__table *t, const char *path, char sep, int quoting, const char *const *names,
                      trace_error *err);
/* Next row: 1, 0 (end), -1; a row must have as many fields as the header. */
int trace__table_next(trace__table *t, trace_error *err);
static inline const char *trace__table_field(const trace__table *t, int i) { return trace__csv_field(&t->in, t->idx[i]); }

/* Fail on column i of the current row: "name:line:col: <expected>, found
 * <the value, described>".  Returns -1. */
int trace__table_bad(const trace__table *t, int i, const char *expected, trace_error *err);

/* What one importer adds to the driver that all of them share.  The driver
 * (trace__import_run) checks the options, creates the synthetic router score
 * stream (no real router exists: RNG_GENERATOR entity 3 of (opt->seed, 0),
 * trace_router_score with the target --auc), opens the inputs, then, until
 * the end of input, clears a row, lets the kind fill it, sets p_large and
 * benchmark and writes it (a row needs at least 1 input and 1 output token);
 * it closes on every path.  `st` is the kind's state, zeroed by the caller.
 * `check` reads the kind's options into st before anything is created;
 * `check` and `open` return 0 or -1 with err set; `next` 1 (a row), 0 (end)
 * or -1, and skips the items it leaves out itself; `close` must accept a
 * state that was never or only partly opened. */
typedef struct trace__importer {
    const char *benchmark;        /* the rows' benchmark column */
    int (*check)(void *st, const trace_import_options *opt, trace_error *err);
    int (*open)(void *st, const trace_import_options *opt, trace_error *err);
    int (*next)(void *st, const trace_import_options *opt, trace_row *row, trace_error *err);
    void (*close)(void *st);
    /* The part of the input read so far, for the progress line (in [0, 1],
     * NAN if not known). */
    double (*fraction)(void *st);
} trace__importer;

/* What each kind->run calls with its importer and a zeroed state: 0 or -1
 * (err set); *rows counts the rows written. */
int trace__import_run(const trace__importer *imp, void *st, const trace_import_options *opt, trace_writer *w,
                      int64_t *rows, trace_error *err);

/* The index of opt->out_from in the NULL-terminated `choices`, or -1 with
 * err "--out-from: expected <expected>, found \"...\"". */
int trace__out_from(const trace_import_options *opt, const char *const *choices, const char *expected,
                    trace_error *err);

/* Words (runs of non-blanks, blanks as Python's str.isspace, so counts equal
 * reduce.py's len(text.split())) and characters (UTF-8 code points from the
 * first to the last non-blank) of a NUL-terminated text. */
void trace__text_measure(const char *text, long *words, long *chars);
/* Tokens of a text: round(words * tokens_per_word) if tokens_per_word > 0,
 * else round(chars / chars_per_token); at least 1 for a text with a word,
 * 0 for a blank text. */
int trace__tokens_from_text(const char *text, const trace_import_options *opt);

/* The importers of the raw benchmark files (trace_import_raw.c). */
extern const trace_import_kind trace__kind_gsm8k_raw;
extern const trace_import_kind trace__kind_mmlu_raw;

/* Does value v of an optional column stand for "absent" (its default, NAN
 * included)?  The writer leaves such a cell empty. */
static inline int trace__is_default(double v, double dflt)
{
    return v == dflt || (v != v && dflt != dflt);
}

#endif
