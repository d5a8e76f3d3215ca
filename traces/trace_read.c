/* trace_read.c -- the strict streaming trace readers (CSV and JSONL: the
 * reader vtables of the format registry, trace_format.c).
 *
 * Format and constraints: docs/TRACES.md.  One record in memory at a time;
 * duplicate ids and reappearing dialogues are found in constant memory
 * because ids (and dialogue ids) must increase through the file. */
#include "trace_int.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct column_spec {
    const char *name;
    trace_kind kind;
    double min, max;
    int optional;             /* an empty cell / JSON null / absent key gives the default */
    const char *expected;     /* for messages */
} column_spec;

/* Indexed by trace_column: from TRACE_COLUMNS (trace.h). */
static const column_spec columns[TRACE_N_COLUMNS] = {
#define COLUMN_SPEC(id, name, kind, field, lo, hi, required, dflt, unit, ddoc, cdoc, expected) \
    [id] = {name, kind, lo, hi, !(required), expected},
    TRACE_COLUMNS(COLUMN_SPEC)
#undef COLUMN_SPEC
};

const char *trace_column_name(trace_column c)
{
    return c >= 0 && c < TRACE_N_COLUMNS ? columns[c].name : "?";
}

void trace_row_init(trace_row *row)
{
    memset(row, 0, sizeof *row);
#define COLUMN_INIT_TRACE_KIND_INT64(field, dflt) row->field = (int64_t)(dflt);
#define COLUMN_INIT_TRACE_KIND_INT(field, dflt) row->field = (int)(dflt);
#define COLUMN_INIT_TRACE_KIND_NUM(field, dflt) row->field = (dflt);
#define COLUMN_INIT_TRACE_KIND_STR(field, dflt)
#define COLUMN_INIT(id, name, kind, field, lo, hi, required, dflt, ...) COLUMN_INIT_##kind(field, dflt)
    TRACE_COLUMNS(COLUMN_INIT)
#undef COLUMN_INIT
    for (int m = 0; m < TRACE_MAX_MODEL_COLS; m++)
        row->model_q[m] = row->model_p[m] = NAN;
}

static int column_find(const char *name, size_t len)
{
    int i;
    for (i = 0; i < TRACE_N_COLUMNS; i++)
        if (strlen(columns[i].name) == len && memcmp(columns[i].name, name, len) == 0)
            return i;
    return -1;
}

static void list_columns(char *buf, size_t cap)
{
    size_t o = 0;
    int i;
    buf[0] = 0;
    for (i = 0; i < TRACE_N_COLUMNS && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", columns[i].name);
}

static int benchmark_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           ch == '.' || ch == ':' || ch == '-';
}

/* Store a checked value into the row. */
static void store(trace_row *row, int col, double num, int64_t i64, const char *text, size_t len)
{
#define STORE_TRACE_KIND_INT64(field) row->field = i64;
#define STORE_TRACE_KIND_INT(field) row->field = (int)i64;
#define STORE_TRACE_KIND_NUM(field) row->field = num;
#define STORE_TRACE_KIND_STR(field)    \
    memcpy(row->field, text, len);      \
    row->field[len] = 0;
#define STORE(id, name, kind, field, ...) \
    case id:                              \
        STORE_##kind(field) break;
    switch ((trace_column)col) {
        TRACE_COLUMNS(STORE)
    case TRACE_N_COLUMNS:
        break;
    }
#undef STORE
}

/* Exact powers of ten: every 10^i, i <= 22, is a double (5^22 < 2^53). */
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 u128;

/* m / 10^n correctly rounded, for 2^53 < m < 2^64 and 1 <= n <= 22 (the 16
 * to 19 significant digits of a value printed with %.17g): 1 with *out
 * set, or 0 when undecided (strtod decides).  A candidate c = m / 10^n in
 * double arithmetic is within about one unit in the last place (ulp) of the
 * value x; c is the correctly rounded x exactly when x lies strictly
 * between the midpoints c -+ ulp/2, which compares integers: with
 * c = M 2^k (2^52 <= M < 2^53), x < (2M+1) 2^(k-1) is
 * m 2^(1-k-n) < (2M+1) 5^n (10^n = 5^n 2^n; a shift moves to whichever
 * side the power of two is positive on), all below 2^128.  A candidate
 * outside steps one ulp towards x; x on a midpoint, or M = 2^52 (whose
 * lower midpoint is a quarter ulp away), is left to strtod. */
static int long_decimal(uint64_t m, int n, double *out)
{
    static const uint64_t pow5[23] = {1ull,
                                      5ull,
                                      25ull,
                                      125ull,
                                      625ull,
                                      3125ull,
                                      15625ull,
                                      78125ull,
                                      390625ull,
                                      1953125ull,
                                      9765625ull,
                                      48828125ull,
                                      244140625ull,
                                      1220703125ull,
                                      6103515625ull,
                                      30517578125ull,
                                      152587890625ull,
                                      762939453125ull,
                                      3814697265625ull,
                                      19073486328125ull,
                                      95367431640625ull,
                                      476837158203125ull,
                                      2384185791015625ull};
    double c = (double)m / pow10_exact[n];
    for (int step = 0; step < 3; step++) {
        uint64_t bits;
        memcpy(&bits, &c, sizeof bits);
        uint64_t M = (bits & ((1ull << 52) - 1)) | (1ull << 52);
        int k = (int)((bits >> 52) & 0x7ff) - 1075;
        if (M == 1ull << 52)
            return 0;
        int t = 1 - k - n;
        if (t > 40 || t < -40)
            return 0; /* not near x: cannot happen for these m, n */
        u128 a = m, hi = (u128)(2 * M + 1) * pow5[n], lo = (u128)(2 * M - 1) * pow5[n];
        if (t >= 0) {
            a <<= t;
        } else {
            hi <<= -t;
            lo <<= -t;
        }
        if (a > lo && a < hi) {
            *out = c;
            return 1;
        }
        if (a == lo || a == hi)
            return 0;
        bits = a > hi ? bits + 1 : bits - 1;
        memcpy(&c, &bits, sizeof c);
    }
    return 0;
}
#else
static int long_decimal(uint64_t m, int n, double *out)
{
    (void)m, (void)n, (void)out;
    return 0;
}
#endif

/* The common plain decimal, -?digits[.digits][(e|E)[+|-]digits], in one
 * pass, for at most 19 significant digits and a decimal exponent within
 * +-22: the digits as an integer m < 10^19 < 2^64.  m <= 2^53: m * 10^e or
 * m / 10^-e, one correctly rounded operation on exact operands, which is
 * the correctly rounded value strtod returns (W. D. Clinger, "How to read
 * floating point numbers accurately", PLDI 1990, the fast path); a larger m
 * with e < 0: long_decimal.  1 with *out set, or 0 when the text is
 * anything else or undecided (strtod then decides).  test_trace_reader
 * compares it with strtod (test_number_spellings, test_decimal_vs_strtod). */
static int fast_decimal(const char *text, size_t len, double *out)
{
    size_t i = 0;
    int neg = 0, digits = 0, frac = 0, any = 0, exp = 0;
    uint64_t m = 0;
    if (i < len && text[i] == '-') {
        neg = 1;
        i++;
    }
    for (; i < len && text[i] >= '0' && text[i] <= '9'; i++, any = 1)
        if (m || text[i] != '0') {
            if (++digits > 19)
                return 0;
            m = m * 10 + (uint64_t)(text[i] - '0');
        }
    if (i < len && text[i] == '.')
        for (i++; i < len && text[i] >= '0' && text[i] <= '9'; i++, any = 1) {
            frac++;
            if (m || text[i] != '0') {
                if (++digits > 19)
                    return 0;
            }
            m = m * 10 + (uint64_t)(text[i] - '0');
        }
    if (!any)
        return 0;
    if (i < len && (text[i] == 'e' || text[i] == 'E')) {
        int eneg = 0, edigits = 0;
        i++;
        if (i < len && (text[i] == '+' || text[i] == '-'))
            eneg = text[i++] == '-';
        for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
            if (++edigits > 3)
                return 0;
            exp = exp * 10 + (text[i] - '0');
        }
        if (!edigits)
            return 0;
        if (eneg)
            exp = -exp;
    }
    if (i != len)
        return 0;
    exp -= frac;
    if (exp < -22 || exp > 22)
        return 0;
    double v;
    if (m <= 1ull << 53)
        v = exp >= 0 ? (double)m * pow10_exact[exp] : (double)m / pow10_exact[-exp];
    else if (exp >= 0 || !long_decimal(m, -exp, &v))
        return 0;
    *out = neg ? -v : v;
    return 1;
}

/* Parse a CSV cell.  0, or -1 with nothing stored (the caller reports). */
static int parse_text(int col, const char *text, size_t len, trace_row *row)
{
    const column_spec *s = &columns[col];
    char *end;
    size_t i;
    if (len == 0)
        return s->optional ? 0 : -1;
    if (s->kind == TRACE_KIND_STR) {
        if (len > (size_t)s->max)
            return -1;
        for (i = 0; i < len; i++)
            if (!benchmark_char_ok(text[i]))
                return -1;
        store(row, col, 0, 0, text, len);
        return 0;
    }
    if (s->kind == TRACE_KIND_NUM) {
        double v;
        if (fast_decimal(text, len, &v)) {
            if (v < s->min || v > s->max)
                return -1;
            store(row, col, v, 0, NULL, 0);
            return 0;
        }
        /* A plain decimal number: no "nan", "inf", hex, blanks or '+'. */
        for (i = 0; i < len; i++)
            if (!((text[i] >= '0' && text[i] <= '9') || text[i] == '.' || text[i] == 'e' || text[i] == 'E' ||
                  text[i] == '-' || (text[i] == '+' && i > 0)))
                return -1;
        errno = 0;
        v = strtod(text, &end);
        /* ERANGE on underflow (a subnormal such as 1e-320) is a value like any
         * other, as in the JSONL reader; only overflow is out of range. */
        if (end != text + len || (errno == ERANGE && fabs(v) > 1) || !isfinite(v) || v < s->min || v > s->max)
            return -1;
        store(row, col, v, 0, NULL, 0);
        return 0;
    }
    {
        long long v;
        if (len <= 18) { /* no overflow: fewer than 19 digits */
            size_t k = text[0] == '-';
            int64_t m = 0;
            for (i = k; i < len && text[i] >= '0' && text[i] <= '9'; i++)
                m = m * 10 + (text[i] - '0');
            if (i == len && len > k) {
                v = k ? -m : m;
                if (v < (long long)s->min || v > (long long)s->max)
                    return -1;
                store(row, col, (double)v, (int64_t)v, NULL, 0);
                return 0;
            }
        }
        for (i = 0; i < len; i++)
            if (!((text[i] >= '0' && text[i] <= '9') || (text[i] == '-' && i == 0)))
                return -1;
        errno = 0;
        v = strtoll(text, &end, 10);
        if (end != text + len || errno == ERANGE || v < (long long)s->min || v > (long long)s->max)
            return -1;
        store(row, col, (double)v, (int64_t)v, NULL, 0);
        return 0;
    }
}

/* Parse a JSON value. */
static int parse_json(int col, const cJSON *v, trace_row *row)
{
    const column_spec *s = &columns[col];
    if (cJSON_IsNull(v))
        return s->optional ? 0 : -1;
    if (s->kind == TRACE_KIND_STR) {
        const char *t = cJSON_IsString(v) ? v->valuestring : NULL;
        return t ? parse_text(col, t, strlen(t), row) : -1;
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < s->min || v->valuedouble > s->max)
        return -1;
    if (s->kind != TRACE_KIND_NUM && v->valuedouble != floor(v->valuedouble))
        return -1;
    store(row, col, v->valuedouble, (int64_t)v->valuedouble, NULL, 0);
    return 0;
}

const char *trace__row_invalid(const trace_row *row, char *why, size_t cap)
{
    int c;
    char text[64];
    trace_row probe;
    /* Re-check every numeric field through the reader's own rules. */
    for (c = 0; c < TRACE_N_COLUMNS; c++) {
        const column_spec *s = &columns[c];
        double v = 0;
        int is_default = 0;
        switch ((trace_column)c) {
#define CHECK_TRACE_KIND_INT64(field) v = (double)row->field;
#define CHECK_TRACE_KIND_INT(field) v = row->field;
#define CHECK_TRACE_KIND_NUM(field) v = row->field;
#define CHECK_TRACE_KIND_STR(field)                                                     \
    trace_row_init(&probe);                                                             \
    if (parse_text(c, row->field, strnlen(row->field, sizeof row->field), &probe)) {    \
        snprintf(why, cap, "expected %s", s->expected);                                 \
        return s->name;                                                                 \
    }                                                                                   \
    continue;
#define CHECK_COLUMN(id, name, kind, field, lo, hi, required, dflt, ...)               \
    case id:                                                                           \
        CHECK_##kind(field) is_default = !(required) && trace__is_default(v, dflt);    \
        break;
            TRACE_COLUMNS(CHECK_COLUMN)
#undef CHECK_COLUMN
        case TRACE_N_COLUMNS:
            break;
        }
        if (is_default)
            continue;
        if (!isfinite(v) || v < s->min || v > s->max) {
            snprintf(text, sizeof text, "%.17g", v);
            snprintf(why, cap, "expected %s, found %s", s->expected, text);
            return s->name;
        }
    }
    if ((row->dialogue_id < 0) != (row->turn == 0)) {
        snprintf(why, cap, "expected turn 0 with dialogue_id -1 and turn >= 1 otherwise, found dialogue_id %lld turn %d",
                 (long long)row->dialogue_id, row->turn);
        return "turn";
    }
    return NULL;
}

/* ---- the reader ---- */

struct trace_reader {
    trace_csv in;
    const trace_format *format;
    int ncols;                    /* CSV: header fields */
    int map[TRACE_N_COLUMNS * 2 + 2 * TRACE_MAX_MODEL_COLS]; /* CSV: field index -> column, or
                                   * TRACE_N_COLUMNS + 2*model + (0 for q_, 1 for p_) */
    char models[TRACE_MAX_MODEL_COLS][TRACE_MODEL_NAME_CAP];
    int n_models;
    int jsonl_pending;            /* JSONL: line 1, read by the start to learn the models, not yet returned */
    unsigned jsonl_has_q;         /* JSONL: bit m: line 1 has q_<model m>, so every line must */
    int64_t rows;
    int64_t last_id;
    long last_id_line;
    double last_t;
    int64_t dialogue, last_dialogue; /* current dialogue, and the largest seen */
    int last_turn;
};

/* Is `name` (len bytes, not a fixed column) a model column q_NAME or
 * p_NAME (NAME: 1-31 of [A-Za-z0-9_-])?  Both readers use it. */
static int model_key(const char *name, size_t len)
{
    if (len < 3 || (name[0] != 'q' && name[0] != 'p') || name[1] != '_')
        return 0;
    return trace__model_name_ok(name + 2, len - 2);
}

int trace__model_name_ok(const char *name, size_t len)
{
    if (len < 1 || len >= TRACE_MODEL_NAME_CAP)
        return 0;
    for (size_t k = 0; k < len; k++)
        if (!benchmark_char_ok(name[k]) || name[k] == '.' || name[k] == ':')
            return 0;
    return 1;
}

/* The index of model NAME (len bytes) among the reader's models, or -1. */
static int model_index(const trace_reader *r, const char *name, size_t len)
{
    for (int m = 0; m < r->n_models; m++)
        if (strlen(r->models[m]) == len && memcmp(r->models[m], name, len) == 0)
            return m;
    return -1;
}

/* Add model NAME (len bytes) to the reader's models: its index, or -1 when
 * there are TRACE_MAX_MODEL_COLS already. */
static int model_add(trace_reader *r, const char *name, size_t len)
{
    if (r->n_models == TRACE_MAX_MODEL_COLS)
        return -1;
    memcpy(r->models[r->n_models], name, len);
    r->models[r->n_models][len] = 0;
    return r->n_models++;
}

/* A CSV model column: its map entry, adding NAME to the reader's models.
 * 0, or -1 if `name` is not one (or a duplicate, or one model too many). */
static int model_column(trace_reader *r, const char *name, size_t len, int *map)
{
    if (!model_key(name, len))
        return -1;
    int m = model_index(r, name + 2, len - 2);
    int code = TRACE_N_COLUMNS + 2 * (m < 0 ? r->n_models : m) + (name[0] == 'p');
    for (int i = 0; i < r->ncols && r->map[i] >= 0; i++)
        if (r->map[i] == code)
            return -1;
    if (m < 0 && model_add(r, name + 2, len - 2) < 0)
        return -1;
    *map = code;
    return 0;
}

const char *trace_model_name(const trace_reader *r, int i)
{
    return i >= 0 && i < r->n_models ? r->models[i] : NULL;
}

static int read_header(trace_reader *r, trace_error *err)
{
    unsigned seen = 0;
    int i, rc = trace__csv_next(&r->in, err);
    char list[400], found[96];
    if (rc < 0)
        return -1;
    if (rc == 0)
        return trace__fail(err, "%s:1:1: expected a header line naming the columns, found an empty file", r->in.name);
    if (r->in.nfields > (int)(sizeof r->map / sizeof r->map[0]))
        return trace__fail(err, "%s:%ld:1: expected at most %d header fields, found %d", r->in.name,
                           r->in.rec_line, (int)(sizeof r->map / sizeof r->map[0]), r->in.nfields);
    r->ncols = r->in.nfields;
    for (i = 0; i < r->in.nfields; i++)
        r->map[i] = -1;
    for (i = 0; i < r->in.nfields; i++) {
        const char *name = trace__csv_field(&r->in, i);
        size_t len = r->in.len[i];
        int col = column_find(name, len);
        /* A UTF-8 byte-order mark before the first name is not accepted silently either. */
        trace__describe(name, len, found, sizeof found);
        if (col < 0 && model_column(r, name, len, &r->map[i]) == 0)
            continue;
        if (col < 0) {
            list_columns(list, sizeof list);
            return trace__fail(err, "%s:%ld:%ld: expected a column name (%s, or q_MODEL, p_MODEL), found %s",
                               r->in.name, r->in.fline[i], r->in.fcol[i], list, found);
        }
        if (seen & (1u << col))
            return trace__fail(err, "%s:%ld:%ld: expected each column once, found %s twice", r->in.name,
                               r->in.fline[i], r->in.fcol[i], found);
        seen |= 1u << col;
        r->map[i] = col;
    }
    for (i = 0; i < TRACE_N_COLUMNS; i++)
        if ((TRACE_COLS_REQUIRED & (1u << i)) && !(seen & (1u << i)))
            return trace__fail(err, "%s:%ld:1: expected a column '%s' in the header, found none", r->in.name,
                               r->in.rec_line, columns[i].name);
    return 0;
}

static trace_reader *reader_new(const trace_format *format, const char *found, const char *name,
                                trace_error *err)
{
    trace_reader *r;
    char list[128];
    if (!format) {
        trace_format_extensions(list, sizeof list);
        trace__fail(err, "%s: expected %s trace, found format '%s'", name, list, found);
        return NULL;
    }
    r = calloc(1, sizeof *r);
    if (!r) {
        trace__fail(err, "%s: out of memory", name);
        return NULL;
    }
    r->format = format;
    r->last_id = -1;
    r->last_t = -INFINITY;
    r->dialogue = -1;
    r->last_dialogue = -1;
    return r;
}

trace_reader *trace_open(const char *path, trace_error *err)
{
    return trace_open_observed(path, NULL, NULL, err);
}

trace_reader *trace_open_observed(const char *path, trace_bytes_fn fn, void *ctx, trace_error *err)
{
    const char *dot = strrchr(path, '.');
    trace_reader *r = reader_new(trace_format_of_path(path), dot ? dot + 1 : "", path, err);
    if (!r)
        return NULL;
    if (trace__csv_open(&r->in, path, ',', 1, err))
        goto fail;
    r->in.on_bytes = fn;
    r->in.on_bytes_ctx = ctx;
    if (r->format->reader->start(r, err))
        goto fail;
    return r;
fail:
    trace_close(r);
    return NULL;
}

trace_reader *trace_open_string(const char *text, const char *format, const char *name, trace_error *err)
{
    trace_reader *r = reader_new(trace_format_find(format), format, name, err);
    if (!r)
        return NULL;
    trace__csv_open_string(&r->in, text, name, ',', 1);
    if (r->format->reader->start(r, err)) {
        trace_close(r);
        return NULL;
    }
    return r;
}

long trace_line(const trace_reader *r)
{
    return r->in.rec_line;
}

void trace_close(trace_reader *r)
{
    if (!r)
        return;
    trace__csv_close(&r->in);
    free(r);
}

static int cell_error(trace_reader *r, long line, long col, int c, const char *text, size_t len, trace_error *err)
{
    char found[96];
    trace__describe(text, len, found, sizeof found);
    return trace__fail(err, "%s:%ld:%ld: column '%s': expected %s, found %s", r->in.name, line, col,
                       columns[c].name, columns[c].expected, found);
}

/* A model cell (code = 2*model + is_p): a number in [0, 1]; empty only for
 * p_ (NAN).  0, or -1 with nothing stored. */
static int parse_model_cell(int code, const char *text, size_t len, trace_row *row)
{
    char buf[64], *end;
    int m = code / 2, is_p = code % 2;
    if (len == 0) {
        if (!is_p)
            return -1;
        row->model_p[m] = NAN;
        return 0;
    }
    if (len >= sizeof buf)
        return -1;
    double v;
    if (!fast_decimal(text, len, &v)) {
        memcpy(buf, text, len);
        buf[len] = 0;
        v = strtod(buf, &end);
        if (end != buf + len)
            return -1;
    }
    if (!(v >= 0 && v <= 1))
        return -1;
    if (is_p)
        row->model_p[m] = v;
    else
        row->model_q[m] = v;
    return 0;
}

static int read_csv_row(trace_reader *r, trace_row *row, trace_error *err)
{
    int i, rc = trace__csv_next(&r->in, err);
    if (rc <= 0)
        return rc;
    if (r->in.nfields == 1 && r->in.len[0] == 0 && !r->in.quoted[0])
        return trace__fail(err, "%s:%ld:1: expected a row of %d fields, found an empty line", r->in.name,
                           r->in.rec_line, r->ncols);
    if (r->in.nfields != r->ncols)
        return trace__fail(err, "%s:%ld:%ld: expected %d fields as in the header, found %d", r->in.name,
                           r->in.rec_line, r->in.fcol[r->in.nfields - 1], r->ncols, r->in.nfields);
    for (i = 0; i < r->ncols; i++) {
        const char *text = trace__csv_field(&r->in, i);
        if (r->map[i] >= TRACE_N_COLUMNS) {
            if (parse_model_cell(r->map[i] - TRACE_N_COLUMNS, text, r->in.len[i], row) != 0) {
                char found[96];
                int m = (r->map[i] - TRACE_N_COLUMNS) / 2, is_p = (r->map[i] - TRACE_N_COLUMNS) % 2;
                trace__describe(text, r->in.len[i], found, sizeof found);
                return trace__fail(err, "%s:%ld:%ld: column '%c_%s': expected a number in [0, 1]%s, found %s",
                                   r->in.name, r->in.fline[i], r->in.fcol[i], is_p ? 'p' : 'q', r->models[m],
                                   is_p ? " or an empty field" : "", found);
            }
            continue;
        }
        if (parse_text(r->map[i], text, r->in.len[i], row))
            return cell_error(r, r->in.fline[i], r->in.fcol[i], r->map[i], text, r->in.len[i], err);
    }
    return 1;
}

/* Column of a key in a JSONL line (1-based), for messages. */
static long json_key_col(const char *line, const char *key)
{
    char pat[48];
    const char *p;
    snprintf(pat, sizeof pat, "\"%s\"", key);
    p = strstr(line, pat);
    return p ? (long)(p - line) + 1 : 1;
}

/* A model key q_NAME / p_NAME of a JSONL line (`mseen`: bit 2m + is_p of
 * the model keys seen on the line): its value stored into the row.  The
 * models are line 1's; q_NAME only where line 1 has it; a number in [0, 1],
 * p_NAME also null (no score).  0, or -1 with err naming file:line:column
 * and the key. */
static int jsonl_model_key(trace_reader *r, const cJSON *v, const char *line, long ln, unsigned *mseen,
                           trace_row *row, trace_error *err)
{
    const char *key = v->string;
    int is_p = key[0] == 'p', m = model_index(r, key + 2, strlen(key + 2));
    long col = json_key_col(line, key);
    char found[96], list[400];
    if (m < 0 || (!is_p && !(r->jsonl_has_q & (1u << m)))) {
        size_t o = 0;
        list[0] = 0;
        for (int k = 0; k < r->n_models && o < sizeof list; k++) {
            int q = (r->jsonl_has_q >> k) & 1;
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%s%s%sp_%s", k ? ", " : "", q ? "q_" : "",
                                  q ? r->models[k] : "", q ? ", " : "", r->models[k]);
        }
        if (m < 0 && r->n_models == TRACE_MAX_MODEL_COLS && r->rows == 0)
            return trace__fail(err, "%s:%ld:%ld: key '%s': expected at most %d models, found a model past them (%s)",
                               r->in.name, ln, col, key, TRACE_MAX_MODEL_COLS, list);
        return trace__fail(err, "%s:%ld:%ld: key '%s': expected the model keys of line 1 (%s), found one it does "
                           "not have", r->in.name, ln, col, key, r->n_models ? list : "none");
    }
    unsigned bit = 1u << (2 * m + is_p);
    if (*mseen & bit)
        return trace__fail(err, "%s:%ld:%ld: expected each field once, found '%s' twice", r->in.name, ln, col, key);
    *mseen |= bit;
    if (is_p && cJSON_IsNull(v)) {
        row->model_p[m] = NAN;
        return 0;
    }
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 1)) {
        char *printed = cJSON_PrintUnformatted(v);
        trace__describe(printed ? printed : "?", printed ? strlen(printed) : 1, found, sizeof found);
        cJSON_free(printed);
        return trace__fail(err, "%s:%ld:%ld: field '%s': expected a number in [0, 1]%s, found %s", r->in.name, ln,
                           col, key, is_p ? " or null" : "", cJSON_IsNull(v) ? "null" : found);
    }
    if (is_p)
        row->model_p[m] = v->valuedouble;
    else
        row->model_q[m] = v->valuedouble;
    return 0;
}

static int read_jsonl_row(trace_reader *r, trace_row *row, trace_error *err)
{
    const char *line, *end = NULL;
    cJSON *obj, *v;
    unsigned seen = 0, mseen = 0;
    char found[96], list[400];
    int i, rc = r->jsonl_pending ? 1 : trace__csv_line(&r->in, err);
    long ln = r->in.rec_line;
    r->jsonl_pending = 0;
    if (rc <= 0)
        return rc;
    line = r->in.rec;
    if (r->in.rec_len == 0)
        return trace__fail(err, "%s:%ld:1: expected a JSON object, found an empty line", r->in.name, ln);
    obj = cJSON_ParseWithOpts(line, &end, 1);
    if (!obj) {
        long col = end ? (long)(end - line) + 1 : 1;
        trace__describe(end ? end : line, strlen(end ? end : line), found, sizeof found);
        return trace__fail(err, "%s:%ld:%ld: expected a JSON object on one line, found invalid JSON at %s",
                           r->in.name, ln, col, found);
    }
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return trace__fail(err, "%s:%ld:1: expected a JSON object, found another JSON value", r->in.name, ln);
    }
    for (v = obj->child; v; v = v->next) {
        int col = column_find(v->string, strlen(v->string));
        if (col < 0 && model_key(v->string, strlen(v->string))) {
            if (jsonl_model_key(r, v, line, ln, &mseen, row, err)) {
                rc = -1;
                goto done;
            }
            continue;
        }
        if (col < 0) {
            list_columns(list, sizeof list);
            trace__describe(v->string, strlen(v->string), found, sizeof found);
            rc = trace__fail(err, "%s:%ld:%ld: expected a field name (%s, or q_MODEL, p_MODEL), found %s",
                             r->in.name, ln, json_key_col(line, v->string), list, found);
            goto done;
        }
        if (seen & (1u << col)) {
            rc = trace__fail(err, "%s:%ld:%ld: expected each field once, found '%s' twice", r->in.name, ln,
                             json_key_col(line, v->string), v->string);
            goto done;
        }
        seen |= 1u << col;
        if (parse_json(col, v, row)) {
            char *printed = cJSON_PrintUnformatted(v);
            trace__describe(printed ? printed : "?", printed ? strlen(printed) : 1, found, sizeof found);
            rc = trace__fail(err, "%s:%ld:%ld: field '%s': expected %s, found %s", r->in.name, ln,
                             json_key_col(line, v->string), v->string, columns[col].expected,
                             cJSON_IsNull(v) ? "null" : found);
            cJSON_free(printed);
            goto done;
        }
    }
    for (i = 0; i < TRACE_N_COLUMNS; i++)
        if ((TRACE_COLS_REQUIRED & (1u << i)) && !(seen & (1u << i))) {
            rc = trace__fail(err, "%s:%ld:1: expected a field '%s', found none", r->in.name, ln, columns[i].name);
            goto done;
        }
    for (i = 0; i < r->n_models; i++)
        if ((r->jsonl_has_q & (1u << i)) && !(mseen & (1u << 2 * i))) {
            rc = trace__fail(err, "%s:%ld:1: expected a field 'q_%s' (a model of line 1), found none", r->in.name, ln,
                             r->models[i]);
            goto done;
        }
    rc = 1;
done:
    cJSON_Delete(obj);
    return rc;
}

/* JSONL has no header: the model keys (q_NAME, p_NAME) of line 1 name the
 * models, as a CSV header does, so that trace_model_name answers before the
 * first row.  Line 1 is kept for the first read_jsonl_row, which checks it
 * (nothing is reported here but a line that cannot be read). */
static int jsonl_start(trace_reader *r, trace_error *err)
{
    int rc = trace__csv_line(&r->in, err);
    if (rc <= 0)
        return rc;
    r->jsonl_pending = 1;
    cJSON *obj = cJSON_ParseWithOpts(r->in.rec, NULL, 1);
    for (const cJSON *v = cJSON_IsObject(obj) ? obj->child : NULL; v; v = v->next) {
        size_t len = strlen(v->string);
        if (column_find(v->string, len) >= 0 || !model_key(v->string, len))
            continue;
        int m = model_index(r, v->string + 2, len - 2);
        if (m < 0)
            m = model_add(r, v->string + 2, len - 2);
        if (m >= 0 && v->string[0] == 'q')
            r->jsonl_has_q |= 1u << m;
    }
    cJSON_Delete(obj);
    return 0;
}

const struct trace__reader_ops trace__csv_reader = {read_header, read_csv_row};
const struct trace__reader_ops trace__jsonl_reader = {jsonl_start, read_jsonl_row};

/* The constraints across rows (docs/TRACES.md "Order"). */
static int check_order(trace_reader *r, const trace_row *row, trace_error *err)
{
    long ln = r->in.rec_line;
    const char *n = r->in.name;
    if (row->id == r->last_id)
        return trace__fail(err, "%s:%ld: expected a new id, found duplicate id %lld (also on line %ld)", n, ln,
                           (long long)row->id, r->last_id_line);
    if (row->id < r->last_id)
        return trace__fail(err, "%s:%ld: expected ids to increase through the file, found id %lld after %lld", n,
                           ln, (long long)row->id, (long long)r->last_id);
    if ((row->dialogue_id < 0) != (row->turn == 0))
        return trace__fail(err, "%s:%ld: expected turn 0 with dialogue_id -1 and turn >= 1 with a dialogue, found dialogue_id %lld turn %d",
                           n, ln, (long long)row->dialogue_id, row->turn);
    if (row->dialogue_id >= 0) {
        if (row->dialogue_id == r->dialogue) {
            if (row->turn != r->last_turn + 1)
                return trace__fail(err, "%s:%ld: dialogue %lld: expected turn %d, found turn %d", n, ln,
                                   (long long)row->dialogue_id, r->last_turn + 1, row->turn);
        } else {
            if (row->dialogue_id <= r->last_dialogue)
                return trace__fail(err, "%s:%ld: expected a dialogue's turns to be contiguous and dialogue ids to increase, found dialogue %lld after dialogue %lld",
                                   n, ln, (long long)row->dialogue_id, (long long)r->last_dialogue);
            if (row->turn != 1)
                return trace__fail(err, "%s:%ld: dialogue %lld: expected turn 1 first, found turn %d", n, ln,
                                   (long long)row->dialogue_id, row->turn);
            r->dialogue = r->last_dialogue = row->dialogue_id;
        }
        r->last_turn = row->turn;
        if (row->turn > 1 && !isnan(row->t_arr_s))
            return trace__fail(err, "%s:%ld: dialogue %lld turn %d: expected no t_arr_s (later turns arrive think_s after the previous answer), found %.17g",
                               n, ln, (long long)row->dialogue_id, row->turn, row->t_arr_s);
    } else {
        r->dialogue = -1;
    }
    if (!isnan(row->t_arr_s)) {
        if (row->t_arr_s < r->last_t)
            return trace__fail(err, "%s:%ld: expected t_arr_s to be non-decreasing, found %.17g after %.17g", n, ln,
                               row->t_arr_s, r->last_t);
        r->last_t = row->t_arr_s;
    }
    r->last_id = row->id;
    r->last_id_line = ln;
    return 0;
}

int trace_next(trace_reader *r, trace_row *row, trace_error *err)
{
    int rc;
    trace_row_init(row);
    rc = r->format->reader->next(r, row, err);
    if (rc <= 0)
        return rc;
    if (check_order(r, row, err))
        return -1;
    r->rows++;
    return 1;
}
