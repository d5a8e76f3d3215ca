/* test_trace_fuzz.c -- mutation fuzzing of the trace readers (CSV and JSONL).
 *
 * Seeds: the trace fixtures (tests/fixtures/traces, CSV) and the shipped
 * traces (the CSVs of traces/data, cut to their first lines), plus the same rows as
 * JSONL.  Each case applies 1-4 random mutations (byte flips, insertions,
 * deletions, truncation, duplicated fields and lines, huge and odd numbers,
 * NUL bytes, CR/LF mixes, splices of two seeds) and reads the result, from
 * memory (trace_open_string) or, for texts with NUL bytes and every 8th case,
 * from a file (trace_open).  What must hold:
 *   - no crash, no hang (ASan/UBSan builds run this too);
 *   - a failed read names the input, then ':' and a line number;
 *   - every row a read yields is valid: in/out tokens in [1, 1e7], p_large,
 *     q_small, q_large in [0,1], ids increasing, turn 0 exactly for single
 *     queries, times finite and non-decreasing, a benchmark name;
 *   - a CSV that reads cleanly reads back identically as JSONL.
 * Deterministic: one RNG_GENERATOR stream of a fixed seed.  To explore
 * further, EDGESIM_FUZZ_SEED and EDGESIM_FUZZ_CASES override the seed and the
 * cases per format (ctest uses the defaults). */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/base/rng.h"
#include "check.h"
#include "fuzz_buf.h"
#include "traces/trace.h"

#define FUZZ_SEED 20240611u
#define SEED_LINES 40     /* lines of a shipped trace kept as a seed */
#define MAX_SEEDS 16
#define MAX_ROWS 4096


/* ---- seeds ---- */

typedef struct seed {
    char name[64];
    char *csv, *jsonl;
} seed;

static seed seeds[MAX_SEEDS];
static int n_seeds;
static int cases_per_format = 2500;


static void num_json(buf *b, const char *key, double v, int is_default)
{
    char tmp[80];
    int n = is_default ? snprintf(tmp, sizeof tmp, ",\"%s\":null", key)
                       : snprintf(tmp, sizeof tmp, ",\"%s\":%.17g", key, v);
    buf_insert(b, b->len, tmp, (size_t)n);
}

/* One row as a JSONL line (every field, null for the defaults). */
static void row_jsonl(buf *b, const trace_row *r)
{
    char tmp[160];
    int n = snprintf(tmp, sizeof tmp, "{\"id\":%lld,\"dialogue_id\":%lld,\"turn\":%d,\"benchmark\":\"%s\"",
                     (long long)r->id, (long long)r->dialogue_id, r->turn, r->benchmark);
    buf_insert(b, b->len, tmp, (size_t)n);
    num_json(b, "in_tokens", r->in_tokens, 0);
    num_json(b, "out_tokens", r->out_tokens, 0);
    num_json(b, "out_tokens_pred", r->out_tokens_pred, r->out_tokens_pred == -1);
    num_json(b, "device", r->device, r->device == -1);
    num_json(b, "t_arr_s", r->t_arr_s, isnan(r->t_arr_s));
    num_json(b, "think_s", r->think_s, isnan(r->think_s));
    num_json(b, "p_large", r->p_large, 0);
    num_json(b, "q_small", r->q_small, 0);
    num_json(b, "q_large", r->q_large, 0);
    num_json(b, "extra_payload_bytes", r->extra_payload_bytes, 0);
    buf_insert(b, b->len, "}\n", 2);
}

/* All rows of a text, or -1 (err set). */
static long read_rows(const char *text, const char *format, const char *name, trace_row *rows, long max,
                      trace_error *err)
{
    long n = 0;
    int rc;
    trace_row row;
    trace_reader *r = trace_open_string(text, format, name, err);
    if (!r)
        return -1;
    while ((rc = trace_next(r, &row, err)) == 1) {
        if (n < max)
            rows[n] = row;
        n++;
    }
    trace_close(r);
    return rc < 0 ? -1 : n;
}

static trace_row rows_a[MAX_ROWS], rows_b[MAX_ROWS];

static void add_seed(const char *label, char *csv)
{
    trace_error err;
    buf j = {0};
    long n, i;
    if (!csv || n_seeds == MAX_SEEDS) {
        free(csv);
        return;
    }
    n = read_rows(csv, "csv", label, rows_a, MAX_ROWS, &err);
    CHECK(n > 0);
    if (n <= 0) {
        fprintf(stderr, "seed %s does not read: %s\n", label, err.msg);
        free(csv);
        return;
    }
    buf_reserve(&j, 0);
    j.p[0] = 0;
    for (i = 0; i < n && i < MAX_ROWS; i++)
        row_jsonl(&j, &rows_a[i]);
    snprintf(seeds[n_seeds].name, sizeof seeds[n_seeds].name, "%s", label);
    seeds[n_seeds].csv = csv;
    seeds[n_seeds].jsonl = j.p;
    n_seeds++;
}

static void load_seeds(const char *src)
{
    static const char *const fixtures[] = {"small.csv", "dup_ids.csv", NULL};
    char path[1024];
    DIR *d;
    struct dirent *e;
    for (int i = 0; fixtures[i]; i++) {
        snprintf(path, sizeof path, "%s/tests/fixtures/traces/%s", src, fixtures[i]);
        /* dup_ids.csv is a bad trace on purpose: keep the rows before the fault. */
        char *text = read_text(path, strcmp(fixtures[i], "dup_ids.csv") == 0 ? 2 : 1000);
        add_seed(fixtures[i], text);
    }
    snprintf(path, sizeof path, "%s/traces/data", src);
    d = opendir(path);
    CHECK(d != NULL);
    while (d && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".csv") != 0)
            continue;
        snprintf(path, sizeof path, "%s/traces/data/%s", src, e->d_name);
        add_seed(e->d_name, read_text(path, SEED_LINES));
    }
    if (d)
        closedir(d);
}

/* ---- mutations ---- */

static const char *const odd_numbers[] = {
    "1e308", "-1e308", "1e309", "1e-320", "-0", "-0.0", "0x10", "NaN", "nan", "inf", "-inf", "+1",
    "9007199254740993", "9223372036854775808", "-9223372036854775809", "2147483648", "4294967297",
    "99999999999999999999999999999", "1.", ".5", "1e", "--1", "1-", "1e+", "0.5.5", " 1", "1 ", "",
    "\"1\"", "true", "null", "1e5", "10000001", "1000001", "-1", "0",
};

static const char interesting_bytes[] = ",\"\n\r\t\\{}[]:-.e+0123456789 \x7f\x80\xff\xef\xbb\xbfnul";


/* Start and length of the run of number characters around `at`. */
static void number_span(const buf *b, size_t at, size_t *s, size_t *n)
{
    size_t a = at, z = at;
    while (a > 0 && strchr("0123456789.-eE+", b->p[a - 1]) && b->p[a - 1])
        a--;
    while (z < b->len && b->p[z] && strchr("0123456789.-eE+", b->p[z]))
        z++;
    *s = a;
    *n = z - a;
}

/* Bounds [s, e) of the line holding `at`, with its newline. */
static void line_span(const buf *b, size_t at, size_t *s, size_t *e)
{
    size_t a = at, z = at;
    while (a > 0 && b->p[a - 1] != '\n')
        a--;
    while (z < b->len && b->p[z] != '\n')
        z++;
    *s = a;
    *e = z < b->len ? z + 1 : z;
}

/* Apply one mutation; returns 1 if it inserted a NUL byte. */
static int mutate(gsl_rng *r, buf *b, const seed *other, int jsonl)
{
    size_t at = pick(r, b->len + 1), s, n, e;
    char ch;
    switch (pick(r, 12)) {
    case 0: /* flip one bit */
        if (b->len)
            b->p[pick(r, b->len)] ^= (char)(1u << pick(r, 8));
        break;
    case 1: /* insert an interesting byte (never NUL here) */
        ch = interesting_bytes[pick(r, sizeof interesting_bytes - 1)];
        buf_insert(b, at, &ch, 1);
        break;
    case 2: /* delete a span */
        n = 1 + pick(r, 8);
        if (at + n <= b->len)
            buf_delete(b, at, n);
        break;
    case 3: /* truncate */
        b->len = at;
        b->p[b->len] = 0;
        break;
    case 4: /* duplicate a field: the text between two separators */
        if (b->len) {
            const char *seps = jsonl ? ",}" : ",\n";
            s = at < b->len ? at : b->len - 1;
            while (s > 0 && !strchr(seps, b->p[s - 1]))
                s--;
            e = s;
            while (e < b->len && !strchr(seps, b->p[e]))
                e++;
            if (e < b->len)
                e++;
            {
                char *copy = malloc(e - s + 1);
                memcpy(copy, b->p + s, e - s);
                buf_insert(b, s, copy, e - s);
                free(copy);
            }
        }
        break;
    case 5: /* replace a number by an odd one */
        if (b->len) {
            const char *num = odd_numbers[pick(r, sizeof odd_numbers / sizeof *odd_numbers)];
            number_span(b, pick(r, b->len), &s, &n);
            buf_delete(b, s, n);
            buf_insert(b, s, num, strlen(num));
        }
        break;
    case 6: /* a NUL byte */
        ch = 0;
        buf_insert(b, at, &ch, 1);
        return 1;
    case 7: /* CR/LF mixes */
        if (b->len) {
            line_span(b, pick(r, b->len), &s, &e);
            if (e > s && b->p[e - 1] == '\n') {
                static const char *const ends[] = {"\r\n", "\r", "\n\r", "\r\r\n", "\n\n", ""};
                const char *end = ends[pick(r, 6)];
                buf_delete(b, e - 1, 1);
                buf_insert(b, e - 1, end, strlen(end));
            }
        }
        break;
    case 8: /* duplicate or drop a whole line */
        if (b->len) {
            line_span(b, pick(r, b->len), &s, &e);
            if (pick(r, 2)) {
                char *copy = malloc(e - s + 1);
                memcpy(copy, b->p + s, e - s);
                buf_insert(b, e, copy, e - s);
                free(copy);
            } else {
                buf_delete(b, s, e - s);
            }
        }
        break;
    case 9: /* splice: the head of this text and the tail of another seed */
        {
            const char *o = jsonl ? other->jsonl : other->csv;
            size_t olen = strlen(o), from = pick(r, olen + 1);
            b->len = at;
            buf_insert(b, b->len, o + from, olen - from);
        }
        break;
    case 10: /* a long run of one byte (long fields, long lines) */
        {
            size_t len = 1 + pick(r, 3000);
            char *run = malloc(len);
            memset(run, "9a,\"x "[pick(r, 6)], len);
            buf_insert(b, at, run, len);
            free(run);
        }
        break;
    default: /* swap two bytes */
        if (b->len > 1) {
            size_t i = pick(r, b->len), j = pick(r, b->len);
            ch = b->p[i];
            b->p[i] = b->p[j];
            b->p[j] = ch;
        }
        break;
    }
    return 0;
}

/* ---- the oracle ---- */

static int message_ok(const char *msg, const char *name)
{
    size_t n = strlen(name);
    if (msg[0] == 0 || strncmp(msg, name, n) != 0 || msg[n] != ':')
        return 0;
    msg += n + 1;
    if (*msg < '0' || *msg > '9')
        return 0;
    while (*msg >= '0' && *msg <= '9')
        msg++;
    return *msg == ':';
}

static int benchmark_ok(const char *s)
{
    size_t n = strnlen(s, 32);
    if (n == 0 || n > 31)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-", s[i]))
            return 0;
    return 1;
}

static int row_ok(const trace_row *w, const trace_row *prev)
{
    if (w->in_tokens < 1 || w->in_tokens > TRACE_MAX_TOKENS || w->out_tokens < 1 ||
        w->out_tokens > TRACE_MAX_TOKENS)
        return 0;
    if (w->out_tokens_pred != -1 && (w->out_tokens_pred < 1 || w->out_tokens_pred > TRACE_MAX_TOKENS))
        return 0;
    if (!(w->p_large >= 0 && w->p_large <= 1 && w->q_small >= 0 && w->q_small <= 1 && w->q_large >= 0 &&
          w->q_large <= 1))
        return 0;
    if (w->id < 0 || (prev && w->id <= prev->id))
        return 0;
    if ((w->dialogue_id == -1) != (w->turn == 0) || w->dialogue_id < -1 || w->turn < 0)
        return 0;
    if (!isnan(w->t_arr_s) && !(w->t_arr_s >= 0 && w->t_arr_s <= TRACE_MAX_TIME_S))
        return 0;
    if (!isnan(w->think_s) && !(w->think_s >= 0 && w->think_s <= TRACE_MAX_TIME_S))
        return 0;
    if (!(w->extra_payload_bytes >= 0 && w->extra_payload_bytes <= TRACE_MAX_PAYLOAD_BYTES))
        return 0;
    if (w->device < -1)
        return 0;
    return benchmark_ok(w->benchmark);
}

static int same_num(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static int same_row(const trace_row *a, const trace_row *b)
{
    return a->id == b->id && same_num(a->t_arr_s, b->t_arr_s) && a->device == b->device &&
           a->dialogue_id == b->dialogue_id && a->turn == b->turn && a->in_tokens == b->in_tokens &&
           a->out_tokens == b->out_tokens && a->out_tokens_pred == b->out_tokens_pred && a->p_large == b->p_large &&
           a->q_small == b->q_small && a->q_large == b->q_large && strcmp(a->benchmark, b->benchmark) == 0 &&
           a->extra_payload_bytes == b->extra_payload_bytes && same_num(a->think_s, b->think_s);
}

static struct {
    long cases, accepted, rows, from_file, bad_messages, bad_rows, mismatches;
} tally;

/* Read every row of `text` (len bytes, may hold NULs); check the oracle. */
static void read_case(const char *text, size_t len, const char *format, int via_file, const char *dir)
{
    char name[1100];
    trace_error err;
    trace_row row, prev;
    trace_reader *r;
    long n = 0;
    int rc = -1;
    memset(&err, 0, sizeof err);
    if (via_file) {
        snprintf(name, sizeof name, "%s/fuzz.%s", dir, format);
        FILE *f = fopen(name, "wb");
        CHECK(f != NULL);
        if (!f)
            return;
        CHECK(fwrite(text, 1, len, f) == len);
        fclose(f);
        r = trace_open(name, &err);
        tally.from_file++;
    } else {
        snprintf(name, sizeof name, "fuzz.%s", format);
        r = trace_open_string(text, format, name, &err);
    }
    tally.cases++;
    if (r) {
        while ((rc = trace_next(r, &row, &err)) == 1) {
            if (!row_ok(&row, n ? &prev : NULL)) {
                if (tally.bad_rows++ < 5)
                    fprintf(stderr, "invalid row %ld accepted from:\n%.*s\n", n + 1, (int)(len < 600 ? len : 600),
                            text);
            }
            if (!via_file && n < MAX_ROWS)
                rows_a[n] = row;
            prev = row;
            n++;
        }
        trace_close(r);
    }
    if (rc < 0) {
        if (!message_ok(err.msg, name) && tally.bad_messages++ < 5)
            fprintf(stderr, "message without '%s:LINE:': '%s'\n", name, err.msg);
        return;
    }
    tally.accepted++;
    tally.rows += n;
    /* A clean CSV reads back the same as JSONL. */
    if (!via_file && strcmp(format, "csv") == 0 && n <= MAX_ROWS) {
        buf j = {0};
        long m;
        buf_reserve(&j, 0);
        j.p[0] = 0;
        for (long i = 0; i < n; i++)
            row_jsonl(&j, &rows_a[i]);
        m = read_rows(j.p, "jsonl", "back.jsonl", rows_b, MAX_ROWS, &err);
        int same = m == n;
        for (long i = 0; same && i < n; i++)
            same = same_row(&rows_a[i], &rows_b[i]);
        if (!same && tally.mismatches++ < 5)
            fprintf(stderr, "CSV and JSONL disagree (%ld vs %ld rows: %s) on:\n%.600s\n", n, m,
                    m < 0 ? err.msg : "", text);
        free(j.p);
    }
}

static void fuzz_format(gsl_rng *r, const char *format, const char *dir)
{
    int jsonl = strcmp(format, "jsonl") == 0;
    buf b = {0};
    memset(&tally, 0, sizeof tally);
    for (int c = 0; c < cases_per_format; c++) {
        const seed *s = &seeds[pick(r, (size_t)n_seeds)], *other = &seeds[pick(r, (size_t)n_seeds)];
        const char *text = jsonl ? s->jsonl : s->csv;
        int has_nul = 0, muts = 1 + (int)pick(r, 4);
        buf_set(&b, text, strlen(text));
        for (int m = 0; m < muts; m++)
            has_nul |= mutate(r, &b, other, jsonl);
        if (has_nul || c % 8 == 0) {
            read_case(b.p, b.len, format, 1, dir);
        } else {
            read_case(b.p, b.len, format, 0, dir);
        }
    }
    free(b.p);
    printf("%s: %ld cases (%ld from files), %ld read cleanly (%ld rows)\n", format, tally.cases, tally.from_file,
           tally.accepted, tally.rows);
    CHECK_INT(tally.bad_messages, 0);
    CHECK_INT(tally.bad_rows, 0);
    CHECK_INT(tally.mismatches, 0);
    /* The mutations must leave some texts valid and break most. */
    CHECK(tally.accepted > cases_per_format / 50);
    CHECK(tally.accepted < cases_per_format / 2);
}

/* Hand-picked edge cases: each reads without crashing, and what is accepted
 * is valid (the oracle above); a few have a known answer. */
static void test_edges(const char *dir)
{
    static const char *const hdr = "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark";
    static const char *const rows[] = {
        "1,-1,0,10,5,1e-320,1,0,x",     /* a denormal probability */
        "1,-1,0,10,5,-0,1,0,x",         /* negative zero */
        "1,-1,0,-0,5,0.5,1,0,x",        /* -0 tokens */
        "9007199254740993,-1,0,10,5,0.5,1,0,x",
        "1,-1,0,10,5,0.5,1,0,xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", /* 32 characters */
        "1,-1,0,10,5,0.5,1,0,\"\"",
        "1,-1,0,10,5,0.5,1,0,x,",
        "1,-1,0,10,5,0.5,1,0,\"x\"\"\"",
        "1,-1,0,10,5,0.5,1,0,\"x\ny\"",
        "1,-1,0,10,5,0.5,1,0,\"x",
        "1,-1,0,10,5,0.5,1e0,0,x",
        "1,-1,0,1e1,5,0.5,1,0,x",
        "\xef\xbb\xbf",
        "",
        "\r",
        ",,,,,,,,",
    };
    char text[512];
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        int n = snprintf(text, sizeof text, "%s\n%s\n", hdr, rows[i]);
        read_case(text, (size_t)n, "csv", 0, dir);
        read_case(text, (size_t)n, "csv", 1, dir);
    }
    CHECK_INT(tally.bad_messages, 0);
    CHECK_INT(tally.bad_rows, 0);
    CHECK_INT(tally.mismatches, 0);
}

/* Known answers among the edge cases. */
static void test_known_edges(void)
{
    static const char hdr[] = "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n";
    char text[512];
    trace_error err;
    long n;
    /* A subnormal score is a number in [0, 1] for both readers (strtod's
     * ERANGE on underflow is not an overflow). */
    snprintf(text, sizeof text, "%s1,-1,0,10,5,1e-320,1,0,x\n", hdr);
    n = read_rows(text, "csv", "sub.csv", rows_a, MAX_ROWS, &err);
    CHECK_INT(n, 1);
    CHECK(n == 1 && rows_a[0].p_large > 0 && rows_a[0].p_large < 1e-300);
    n = read_rows("{\"id\":1,\"dialogue_id\":-1,\"turn\":0,\"in_tokens\":10,\"out_tokens\":5,\"p_large\":1e-320,"
                  "\"q_small\":1,\"q_large\":0,\"benchmark\":\"x\"}\n",
                  "jsonl", "sub.jsonl", rows_b, MAX_ROWS, &err);
    CHECK_INT(n, 1);
    CHECK(n == 1 && rows_b[0].p_large == rows_a[0].p_large);
    /* Overflow is still an error. */
    snprintf(text, sizeof text, "%s1,-1,0,10,5,1e-320,1e400,0,x\n", hdr);
    CHECK_INT(read_rows(text, "csv", "over.csv", rows_a, MAX_ROWS, &err), -1);
    CHECK(strstr(err.msg, "over.csv:2:") && strstr(err.msg, "q_small"));
}

/* A directory, a FIFO without a writer and an empty file as the trace path:
 * a clear error naming the path, never a hang. */
static void test_special_files(const char *dir)
{
    char path[1100];
    trace_error err;
    trace_row row;
    trace_reader *r;
    snprintf(path, sizeof path, "%s/adir.csv", dir);
    CHECK(mkdir(path, 0700) == 0);
    memset(&err, 0, sizeof err);
    CHECK(trace_open(path, &err) == NULL);
    CHECK(strncmp(err.msg, path, strlen(path)) == 0 && strstr(err.msg, "directory"));
    rmdir(path);

    snprintf(path, sizeof path, "%s/fifo.csv", dir);
    CHECK(mkfifo(path, 0600) == 0);
    memset(&err, 0, sizeof err);
    r = trace_open(path, &err); /* no writer: reads as empty, does not block */
    CHECK(r == NULL && message_ok(err.msg, path) && strstr(err.msg, "empty file"));
    trace_close(r);
    unlink(path);

    snprintf(path, sizeof path, "%s/fifo.jsonl", dir);
    CHECK(mkfifo(path, 0600) == 0);
    r = trace_open(path, &err);
    CHECK(r != NULL);
    if (r) {
        CHECK_INT(trace_next(r, &row, &err), 0); /* like an empty JSONL file: no rows */
        trace_close(r);
    }
    unlink(path);

    snprintf(path, sizeof path, "%s/empty.csv", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    memset(&err, 0, sizeof err);
    CHECK(trace_open(path, &err) == NULL);
    CHECK(message_ok(err.msg, path) && strstr(err.msg, "empty file"));
    unlink(path);
}

int main(void)
{
    const char *src = getenv("EDGESIM_SOURCE_DIR");
    char dir[] = "/tmp/edgesim-trace-fuzz-XXXXXX";
    char path[1100];
    const char *seed_env = getenv("EDGESIM_FUZZ_SEED"), *cases_env = getenv("EDGESIM_FUZZ_CASES");
    gsl_rng *r = rng_stream_create(seed_env ? strtoull(seed_env, NULL, 10) : FUZZ_SEED, 0, RNG_GENERATOR, 0);
    if (cases_env && atoi(cases_env) > 0)
        cases_per_format = atoi(cases_env);
    CHECK(src != NULL && r != NULL && mkdtemp(dir) != NULL);
    if (!src || !r)
        return check_done();
    load_seeds(src);
    CHECK(n_seeds >= 4);
    if (n_seeds > 0) {
        fuzz_format(r, "csv", dir);
        fuzz_format(r, "jsonl", dir);
    }
    memset(&tally, 0, sizeof tally);
    test_edges(dir);
    test_known_edges();
    test_special_files(dir);
    for (int i = 0; i < n_seeds; i++) {
        free(seeds[i].csv);
        free(seeds[i].jsonl);
    }
    snprintf(path, sizeof path, "%s/fuzz.csv", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/fuzz.jsonl", dir);
    unlink(path);
    rmdir(dir);
    gsl_rng_free(r);
    return check_done();
}
