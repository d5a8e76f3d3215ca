/* test_trace_reader.c -- the strict streaming readers and the writer:
 * every column type error, header faults, order faults, huge values,
 * NaN/inf, empty file, CRLF, quoted fields, JSONL, and junk that must fail
 * cleanly (never crash or hang). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "check.h"
#include "traces/trace.h"

#define HDR "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n"

/* Read all of `text`; return the number of rows, or -1 with err set. */
static long read_all(const char *text, const char *format, trace_error *err)
{
    trace_row row;
    long n = 0;
    int rc;
    trace_reader *r = trace_open_string(text, format, "t", err);
    if (!r)
        return -1;
    while ((rc = trace_next(r, &row, err)) == 1)
        n++;
    trace_close(r);
    return rc < 0 ? -1 : n;
}

/* The text fails and the message contains every one of the needles. */
static int fails_with(const char *text, const char *format, const char *n1, const char *n2)
{
    trace_error err;
    memset(&err, 0, sizeof err);
    if (read_all(text, format, &err) != -1) {
        fprintf(stderr, "accepted: %.80s\n", text);
        return 0;
    }
    if ((n1 && !strstr(err.msg, n1)) || (n2 && !strstr(err.msg, n2))) {
        fprintf(stderr, "message '%s' lacks '%s' / '%s'\n", err.msg, n1 ? n1 : "", n2 ? n2 : "");
        return 0;
    }
    return 1;
}

static void test_good_csv(void)
{
    trace_error err;
    trace_row row;
    /* Columns in any order, optional ones present, CRLF line ends, quoted fields. */
    const char *text =
        "benchmark,id,turn,dialogue_id,in_tokens,out_tokens,p_large,q_small,q_large,t_arr_s,device,think_s\r\n"
        "\"mmlu\",1,0,-1,12,1,0.25,1,0,0.5,3,\r\n"
        "gsm8k,2,1,7,30,40,1,0.5,1,1.5,,2.5\r\n"
        "\"gsm8k\",5,2,7,3,4,0,0,0,,,\r\n";
    trace_reader *r = trace_open_string(text, "csv", "good", &err);
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK_INT(trace_next(r, &row, &err), 1);
    CHECK_INT(row.id, 1);
    CHECK_INT(row.dialogue_id, -1);
    CHECK_INT(row.device, 3);
    CHECK_NEAR(row.t_arr_s, 0.5, 0);
    CHECK_NEAR(row.p_large, 0.25, 0);
    CHECK(strcmp(row.benchmark, "mmlu") == 0);
    CHECK(isnan(row.think_s));
    CHECK_INT(row.out_tokens_pred, -1);
    CHECK_NEAR(row.extra_payload_bytes, 0, 0);
    CHECK_INT(trace_next(r, &row, &err), 1);
    CHECK_INT(row.device, -1);
    CHECK_NEAR(row.think_s, 2.5, 0);
    CHECK_INT(row.turn, 1);
    CHECK_INT(trace_next(r, &row, &err), 1);
    CHECK_INT(row.id, 5);
    CHECK_INT(row.turn, 2);
    CHECK(isnan(row.t_arr_s));
    CHECK_INT(trace_next(r, &row, &err), 0);
    trace_close(r);

    /* A quoted field holding a comma, a doubled quote and a newline is one
     * field: here it is not a valid benchmark name, and the error is on the
     * line where the field starts. */
    CHECK(fails_with(HDR "1,-1,0,5,5,0.5,1,1,\"a,b\"\"c\nd\"\n", "csv", "t:2:", "benchmark"));
    /* Header only: a valid empty trace. */
    CHECK_INT(read_all(HDR, "csv", &err), 0);
    /* No newline at the end of the last row. */
    CHECK_INT(read_all(HDR "1,-1,0,5,5,0.5,1,1,mmlu", "csv", &err), 1);
}

static void test_column_errors(void)
{
    /* Each column, a value of the wrong type or out of range; the message
     * names the file, line, column, the column name and what was found. */
    CHECK(fails_with(HDR "x,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "t:2:1: column 'id'", "found \"x\""));
    CHECK(fails_with(HDR "1.5,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "column 'id'", "\"1.5\""));
    CHECK(fails_with(HDR "-3,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "column 'id'", "\"-3\""));
    CHECK(fails_with(HDR "1,-2,0,5,5,0.5,1,1,mmlu\n", "csv", "column 'dialogue_id'", NULL));
    CHECK(fails_with(HDR "1,-1,a,5,5,0.5,1,1,mmlu\n", "csv", "t:2:6: column 'turn'", NULL));
    CHECK(fails_with(HDR "1,-1,0,0,5,0.5,1,1,mmlu\n", "csv", "column 'in_tokens'", "found \"0\""));
    CHECK(fails_with(HDR "1,-1,0,5,,0.5,1,1,mmlu\n", "csv", "column 'out_tokens'", "an empty field"));
    CHECK(fails_with(HDR "1,-1,0,5,5,1.01,1,1,mmlu\n", "csv", "column 'p_large'", "1.01"));
    CHECK(fails_with(HDR "1,-1,0,5,5,0.5,-0.1,1,mmlu\n", "csv", "column 'q_small'", NULL));
    CHECK(fails_with(HDR "1,-1,0,5,5,0.5,1,2,mmlu\n", "csv", "column 'q_large'", NULL));
    CHECK(fails_with(HDR "1,-1,0,5,5,0.5,1,1,\n", "csv", "column 'benchmark'", "an empty field"));
    CHECK(fails_with(HDR "1,-1,0,5,5,0.5,1,1,a b\n", "csv", "column 'benchmark'", NULL));
    CHECK(fails_with(HDR "1,-1,0,5,5,0.5,1,1,abcdefghijabcdefghijabcdefghij12\n", "csv", "benchmark", NULL));
    /* Optional columns: wrong values fail too. */
    CHECK(fails_with("t_arr_s," HDR "-1,1,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "column 't_arr_s'", NULL));
    CHECK(fails_with("device," HDR "-1,1,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "column 'device'", NULL));
    CHECK(fails_with("out_tokens_pred," HDR "0,1,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "out_tokens_pred", NULL));
    CHECK(fails_with("extra_payload_bytes," HDR "-5,1,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "extra_payload_bytes", NULL));
    CHECK(fails_with("think_s," HDR "x,1,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "think_s", NULL));
    /* Blanks, signs and hex are not numbers here. */
    CHECK(fails_with(HDR "1,-1,0, 5,5,0.5,1,1,mmlu\n", "csv", "in_tokens", NULL));
    CHECK(fails_with(HDR "1,-1,0,+5,5,0.5,1,1,mmlu\n", "csv", "in_tokens", NULL));
    CHECK(fails_with(HDR "1,-1,0,5,5,0x0.8p0,1,1,mmlu\n", "csv", "p_large", NULL));
}

static void test_nan_inf_huge(void)
{
    CHECK(fails_with(HDR "1,-1,0,5,5,nan,1,1,mmlu\n", "csv", "p_large", "\"nan\""));
    CHECK(fails_with(HDR "1,-1,0,5,5,NaN,1,1,mmlu\n", "csv", "p_large", NULL));
    CHECK(fails_with(HDR "1,-1,0,5,5,inf,1,1,mmlu\n", "csv", "p_large", NULL));
    CHECK(fails_with("t_arr_s," HDR "1e999,1,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "t_arr_s", NULL));
    CHECK(fails_with("t_arr_s," HDR "1e10,1,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "t_arr_s", NULL));
    CHECK(fails_with(HDR "99999999999999999999,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "column 'id'", NULL));
    CHECK(fails_with(HDR "9007199254740993,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "column 'id'", NULL));
    CHECK(fails_with(HDR "1,-1,0,10000001,5,0.5,1,1,mmlu\n", "csv", "in_tokens", NULL));
    CHECK(fails_with(HDR "1,-1,0,5,4294967297,0.5,1,1,mmlu\n", "csv", "out_tokens", NULL));
    CHECK(fails_with("{\"id\":1,\"dialogue_id\":-1,\"turn\":0,\"in_tokens\":5,\"out_tokens\":5,\"p_large\":1e400,"
                     "\"q_small\":1,\"q_large\":1,\"benchmark\":\"m\"}\n", "jsonl", "p_large", NULL));
}

static void test_header_and_order(void)
{
    trace_error err;
    CHECK(fails_with("", "csv", "t:1:1", "empty file"));
    CHECK(fails_with("id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large\n", "csv",
                     "expected a column 'benchmark'", NULL));
    CHECK(fails_with("id,id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n", "csv", "twice",
                     NULL));
    CHECK(fails_with("colour," HDR, "csv", "\"colour\"", "expected a column name"));
    CHECK(fails_with(HDR "1,-1,0,5,5,0.5,1,1\n", "csv", "t:2:", "expected 9 fields"));
    CHECK(fails_with(HDR "1,-1,0,5,5,0.5,1,1,mmlu,x\n", "csv", "expected 9 fields", "found 10"));
    CHECK(fails_with(HDR "1,-1,0,5,5,0.5,1,1,mmlu\n\n2,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "t:3:", "empty line"));
    CHECK(fails_with(HDR "1,-1,0,5,5,0.5,1,1,mmlu\n1,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "t:3:", "duplicate id 1"));
    CHECK(fails_with(HDR "4,-1,0,5,5,0.5,1,1,mmlu\n2,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "ids to increase", NULL));
    CHECK(fails_with("t_arr_s," HDR "2,1,-1,0,5,5,0.5,1,1,mmlu\n1,2,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "t:3:",
                     "non-decreasing"));
    /* Equal times are fine (non-decreasing). */
    CHECK_INT(read_all("t_arr_s," HDR "2,1,-1,0,5,5,0.5,1,1,m\n2,2,-1,0,5,5,0.5,1,1,m\n", "csv", &err), 2);
    /* Dialogue structure: turn 1 first, consecutive, contiguous, no times on later turns. */
    CHECK(fails_with(HDR "1,3,2,5,5,0.5,1,1,m\n", "csv", "expected turn 1 first", NULL));
    CHECK(fails_with(HDR "1,3,1,5,5,0.5,1,1,m\n2,3,3,5,5,0.5,1,1,m\n", "csv", "expected turn 2", NULL));
    CHECK(fails_with(HDR "1,3,1,5,5,0.5,1,1,m\n2,-1,0,5,5,0.5,1,1,m\n3,3,2,5,5,0.5,1,1,m\n", "csv", "contiguous", NULL));
    CHECK(fails_with(HDR "1,-1,1,5,5,0.5,1,1,m\n", "csv", "turn 0", NULL));
    CHECK(fails_with(HDR "1,4,0,5,5,0.5,1,1,m\n", "csv", "turn", NULL));
    CHECK(fails_with("t_arr_s," HDR "0,1,3,1,5,5,0.5,1,1,m\n1,2,3,2,5,5,0.5,1,1,m\n", "csv", "expected no t_arr_s", NULL));
}

static void test_quoting_faults(void)
{
    CHECK(fails_with(HDR "1,-1,0,5,5,0.5,1,1,\"mmlu\n", "csv", "closing quote", "t:2:"));
    CHECK(fails_with(HDR "1,-1,0,5,5,0.5,1,1,\"mm\"lu\n", "csv", "after a closing quote", NULL));
    CHECK(fails_with(HDR "1,-1,0,5,5,0.5,1,1,mm\"lu\n", "csv", "quote", NULL));
    CHECK(fails_with(HDR "1,-1,0,5,5,0.5,1,1,mmlu\r2,-1,0,5,5,0.5,1,1,mmlu\n", "csv", "LF after CR", NULL));
}

static void test_jsonl(void)
{
    trace_error err;
    trace_row row;
    const char *good = "{\"id\":1,\"dialogue_id\":-1,\"turn\":0,\"in_tokens\":5,\"out_tokens\":7,\"p_large\":0.5,"
                       "\"q_small\":1,\"q_large\":0,\"benchmark\":\"gsm8k\",\"t_arr_s\":null}\r\n"
                       "{\"benchmark\":\"gsm8k\",\"id\":2,\"dialogue_id\":-1,\"turn\":0,\"in_tokens\":5,\"out_tokens\":7,"
                       "\"p_large\":0.5,\"q_small\":1,\"q_large\":0,\"device\":2}\n";
    trace_reader *r = trace_open_string(good, "jsonl", "j", &err);
    CHECK(r != NULL);
    if (r) {
        CHECK_INT(trace_next(r, &row, &err), 1);
        CHECK_INT(row.out_tokens, 7);
        CHECK(isnan(row.t_arr_s));
        CHECK_INT(trace_next(r, &row, &err), 1);
        CHECK_INT(row.device, 2);
        CHECK_INT(trace_next(r, &row, &err), 0);
        trace_close(r);
    }
    CHECK(fails_with("{\"id\":1}\n", "jsonl", "t:1:1", "expected a field 'dialogue_id'"));
    CHECK(fails_with("{\"id\":\"1\",\"dialogue_id\":-1}\n", "jsonl", "t:1:2: field 'id'", NULL));
    CHECK(fails_with("{\"id\":1.5}\n", "jsonl", "field 'id'", NULL));
    CHECK(fails_with("{\"id\":1,\"colour\":2}\n", "jsonl", "t:1:9", "colour"));
    CHECK(fails_with("{\"id\":1, \"id\":2}\n", "jsonl", "twice", NULL));
    CHECK(fails_with("[1,2]\n", "jsonl", "expected a JSON object", NULL));
    CHECK(fails_with("{\"id\":1,\n", "jsonl", "t:1:", "invalid JSON"));
    CHECK(fails_with("\n", "jsonl", "empty line", NULL));
    CHECK(fails_with("{\"id\":1,\"dialogue_id\":-1,\"turn\":0,\"in_tokens\":5,\"out_tokens\":7,\"p_large\":null,"
                     "\"q_small\":1,\"q_large\":0,\"benchmark\":\"g\"}\n", "jsonl", "p_large", "null"));
    CHECK_INT(read_all("", "jsonl", &err), 0);
    CHECK(trace_open_string("x", "xml", "t", &err) == NULL);
}

/* Junk must fail cleanly: truncated rows, giant fields, binary bytes. */
static void test_junk(void)
{
    size_t big = 3u << 20, i;
    char *text = malloc(big + 200);
    trace_error err;
    unsigned s = 12345;
    int k;
    CHECK(text != NULL);
    if (!text)
        return;
    /* A 3 MiB unquoted field: stopped at the record limit. */
    strcpy(text, HDR "1,-1,0,5,5,0.5,1,1,");
    for (i = strlen(text); i < big; i++)
        text[i] = 'a';
    text[big] = 0;
    CHECK(fails_with(text, "csv", "longer than", NULL));
    /* The same inside an unterminated quote. */
    text[strlen(HDR "1,-1,0,5,5,0.5,1,1,")] = '"';
    CHECK(fails_with(text, "csv", "longer than", NULL));
    CHECK(fails_with(text + strlen(HDR), "jsonl", NULL, NULL));
    /* Every prefix of a good two-row trace: accepted only at row boundaries. */
    {
        const char *good = HDR "1,-1,0,5,5,0.5,1,1,mmlu\n2,-1,0,5,5,0.5,1,1,mmlu\n";
        size_t n = strlen(good), ok = 0;
        for (i = 0; i <= n; i++) {
            long rows;
            memcpy(text, good, i);
            text[i] = 0;
            rows = read_all(text, "csv", &err);
            ok += rows >= 0;
        }
        /* Valid prefixes: header (with or without newline), first row with
         * or without newline, and the whole file with or without newline.
         * A row cut inside its last field can still be valid ("mml"),
         * so count a lower bound and that nothing crashed. */
        CHECK(ok >= 6);
    }
    /* Random bytes after a good header: fails or reads, never crashes. */
    for (k = 0; k < 200; k++) {
        size_t n = strlen(HDR), len = 1 + (size_t)(k * 37 % 400);
        memcpy(text, HDR, n);
        for (i = 0; i < len; i++) {
            s = s * 1103515245u + 12345u;
            text[n + i] = (char)(1 + (s >> 16) % 255); /* no NUL: strings end there */
        }
        text[n + len] = 0;
        (void)read_all(text, "csv", &err);
        (void)read_all(text, "jsonl", &err);
    }
    CHECK(1);
    free(text);
}

static void test_file_nul_and_missing(void)
{
    const char *path = "test_trace_reader_nul.csv";
    trace_error err;
    trace_row row;
    trace_reader *r;
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(HDR "1,-1,0,5,5,0.5,1,1,mm", f);
    fputc(0, f);
    fputs("lu\n", f);
    fclose(f);
    r = trace_open(path, &err);
    CHECK(r != NULL);
    if (r) {
        CHECK_INT(trace_next(r, &row, &err), -1);
        CHECK(strstr(err.msg, "NUL byte") != NULL);
        CHECK(strstr(err.msg, "test_trace_reader_nul.csv:2:") != NULL);
        trace_close(r);
    }
    remove(path);
    CHECK(trace_open("no/such/file.csv", &err) == NULL);
    CHECK(strstr(err.msg, "cannot open") != NULL);
    CHECK(trace_open("trace.txt", &err) == NULL);
}

/* The writer writes what the reader reads back, bit for bit, and refuses a
 * row the reader would reject. */
static void test_writer_roundtrip(void)
{
    char paths[TRACE_N_COLUMNS][64];
    int p, n = 0;
    /* Every extension of every format in the registry. */
    for (const trace_format *const *f = trace_formats; *f; f++)
        for (const char *const *e = (*f)->extensions; *e && n < TRACE_N_COLUMNS; e++)
            snprintf(paths[n++], sizeof paths[0], "test_trace_rt%s", *e);
    CHECK(n >= 2);
    for (p = 0; p < n; p++) {
        trace_error err;
        trace_row row, back;
        trace_writer *w = trace_writer_create(paths[p], TRACE_COLS_ALL, &err);
        trace_reader *r;
        CHECK(w != NULL);
        if (!w)
            return;
        trace_row_init(&row);
        row.id = 7;
        row.t_arr_s = 0.1 + 0.2;
        row.device = 4;
        row.dialogue_id = 9;
        row.turn = 1;
        row.in_tokens = 13;
        row.out_tokens = 250;
        row.out_tokens_pred = 300;
        row.p_large = 1.0 / 3.0;
        row.q_small = 0.85;
        row.q_large = 1;
        snprintf(row.benchmark, sizeof row.benchmark, "mtbench101");
        row.extra_payload_bytes = 123456.5;
        CHECK_INT(trace_writer_put(w, &row, &err), 0);
        row.id = 8;
        row.turn = 2;
        row.t_arr_s = NAN;
        row.think_s = 3.25;
        CHECK_INT(trace_writer_put(w, &row, &err), 0);
        row.id = 9;
        row.p_large = 1.5; /* invalid: refused */
        CHECK_INT(trace_writer_put(w, &row, &err), -1);
        CHECK(strstr(err.msg, "p_large") != NULL);
        CHECK_INT(trace_writer_close(w, &err), 0);
        r = trace_open(paths[p], &err);
        CHECK(r != NULL);
        if (!r)
            return;
        CHECK_INT(trace_next(r, &back, &err), 1);
        CHECK(back.t_arr_s == 0.1 + 0.2);
        CHECK(back.p_large == 1.0 / 3.0);
        CHECK_INT(back.out_tokens_pred, 300);
        CHECK_INT(back.device, 4);
        CHECK(back.extra_payload_bytes == 123456.5);
        CHECK(isnan(back.think_s));
        CHECK_INT(trace_next(r, &back, &err), 1);
        CHECK(back.think_s == 3.25);
        CHECK(isnan(back.t_arr_s));
        CHECK_INT(trace_next(r, &back, &err), 0);
        trace_close(r);
        remove(paths[p]);
    }
}

/* Two rows equal field by field (NAN equal to NAN), model columns included. */
static int rows_equal(const trace_row *a, const trace_row *b)
{
#define SAME(x, y) ((x) == (y) || ((x) != (x) && (y) != (y)))
    int ok = a->id == b->id && SAME(a->t_arr_s, b->t_arr_s) && a->device == b->device &&
             a->dialogue_id == b->dialogue_id && a->turn == b->turn && a->in_tokens == b->in_tokens &&
             a->out_tokens == b->out_tokens && a->out_tokens_pred == b->out_tokens_pred && SAME(a->p_large, b->p_large) &&
             SAME(a->q_small, b->q_small) && SAME(a->q_large, b->q_large) && strcmp(a->benchmark, b->benchmark) == 0 &&
             SAME(a->extra_payload_bytes, b->extra_payload_bytes) && SAME(a->think_s, b->think_s) &&
             SAME(a->deadline_s, b->deadline_s);
    for (int m = 0; m < TRACE_MAX_MODEL_COLS; m++)
        ok &= SAME(a->model_q[m], b->model_q[m]) && SAME(a->model_p[m], b->model_p[m]);
    return ok;
#undef SAME
}

/* Model columns q_<model>, p_<model>: a trace written in every format reads
 * back to the same models (same order) and the same rows; JSONL takes the
 * models from line 1's keys, and its errors name file:line:column and the
 * key. */
static void test_model_columns(void)
{
    static const char *const models[] = {"edge", "cloud-api"};
    trace_row rows[3];
    trace_error err;
    char paths[8][64];
    int n = 0;
    for (const trace_format *const *f = trace_formats; *f; f++)
        for (const char *const *e = (*f)->extensions; *e && n < 8; e++)
            snprintf(paths[n++], sizeof paths[0], "test_trace_models%s", *e);
    for (int i = 0; i < 3; i++) {
        trace_row_init(&rows[i]);
        rows[i].id = i + 1;
        rows[i].in_tokens = 10 + i;
        rows[i].out_tokens = 1;
        rows[i].p_large = 0.25 * i;
        rows[i].q_small = i % 2;
        rows[i].q_large = 1;
        snprintf(rows[i].benchmark, sizeof rows[i].benchmark, "mmlu");
        rows[i].model_q[0] = i == 1 ? 0 : 1;
        rows[i].model_p[0] = 1.0 / (3 + i);
        rows[i].model_q[1] = 0.1 * i;
        rows[i].model_p[1] = i == 0 ? NAN : 0.5; /* line 1 without p_cloud-api */
    }
    for (int p = 0; p < n; p++) {
        trace_writer *w = trace_writer_create_models(paths[p], TRACE_COLS_REQUIRED, models, 2, &err);
        CHECK(w != NULL);
        if (!w)
            return;
        for (int i = 0; i < 3; i++)
            CHECK_INT(trace_writer_put(w, &rows[i], &err), 0);
        CHECK_INT(trace_writer_close(w, &err), 0);
        trace_reader *r = trace_open(paths[p], &err);
        CHECK(r != NULL);
        if (!r)
            return;
        /* Known before the first row, as the run maps its models at set-up. */
        CHECK(trace_model_name(r, 0) && strcmp(trace_model_name(r, 0), "edge") == 0);
        CHECK(trace_model_name(r, 1) && strcmp(trace_model_name(r, 1), "cloud-api") == 0);
        CHECK(trace_model_name(r, 2) == NULL);
        for (int i = 0; i < 3; i++) {
            trace_row back;
            CHECK_INT(trace_next(r, &back, &err), 1);
            CHECK(rows_equal(&back, &rows[i]));
        }
        trace_row end;
        CHECK_INT(trace_next(r, &end, &err), 0);
        trace_close(r);
        remove(paths[p]);
    }
    /* The writer refuses names the reader would not read back. */
    static const char *const bad_names[][2] = {{"large", "x"}, {"a.b", "x"}, {"x", "x"}, {"", "x"}};
    for (int b = 0; b < 4; b++) {
        CHECK(trace_writer_create_models("test_trace_models_bad.jsonl", 0, bad_names[b], 2, &err) == NULL);
        CHECK(strstr(err.msg, "model column") != NULL);
    }
#define J1 "{\"id\":1,\"dialogue_id\":-1,\"turn\":0,\"in_tokens\":5,\"out_tokens\":7,\"p_large\":0.5,\"q_small\":1,\"q_large\":0,\"benchmark\":\"g\""
#define J2 "{\"id\":2,\"dialogue_id\":-1,\"turn\":0,\"in_tokens\":5,\"out_tokens\":7,\"p_large\":0.5,\"q_small\":1,\"q_large\":0,\"benchmark\":\"g\""
    /* p_ may be null or absent; q_ of a model of line 1 may not. */
    CHECK_INT(read_all(J1 ",\"q_e\":1,\"p_e\":null}\n" J2 ",\"q_e\":0}\n", "jsonl", &err), 2);
    CHECK_INT(read_all(J1 ",\"p_e\":0.5}\n" J2 "}\n", "jsonl", &err), 2);
    CHECK(fails_with(J1 ",\"q_e\":1}\n" J2 "}\n", "jsonl", "t:2:1: expected a field 'q_e'", NULL));
    CHECK(fails_with(J1 ",\"q_e\":1.5}\n", "jsonl", "t:1:118: field 'q_e'", "expected a number in [0, 1], found \"1.5\""));
    CHECK(fails_with(J1 ",\"q_e\":null}\n", "jsonl", "t:1:118: field 'q_e'", "found null"));
    CHECK(fails_with(J1 ",\"q_e\":1,\"p_e\":\"0.5\"}\n", "jsonl", "field 'p_e'", "or null, found \"\\\"0.5\\\"\""));
    CHECK(fails_with(J1 ",\"q_e\":1}\n" J2 ",\"q_e\":1,\"q_f\":1}\n", "jsonl", "t:2:126: key 'q_f'",
                     "model keys of line 1 (q_e, p_e)"));
    CHECK(fails_with(J1 ",\"p_e\":1}\n" J2 ",\"q_e\":1}\n", "jsonl", "t:2:118: key 'q_e'", "(p_e)"));
    CHECK(fails_with(J1 ",\"q_e\":1,\"q_e\":1}\n", "jsonl", "t:1:118", "'q_e' twice"));
    CHECK(fails_with(J1 ",\"q_\":1}\n", "jsonl", "t:1:118", "or q_MODEL, p_MODEL"));
    CHECK(fails_with(J1 ",\"q_1\":1,\"q_2\":1,\"q_3\":1,\"q_4\":1,\"q_5\":1,\"q_6\":1,\"q_7\":1,\"q_8\":1,\"q_9\":1}\n",
                     "jsonl", "key 'q_9'", "at most 8 models"));
#undef J1
#undef J2
}

/* Numbers read as strtod reads them, bit for bit: the reader's one-pass
 * path for short decimals and strtod for the rest must agree on every
 * spelling (digits, fractions, exponents, leading zeros, -0). */
static void test_number_spellings(void)
{
    static const char *const fixed[] = {"0", "-0", "0.0", "007", "1.", ".5", "0.1", "0.30000000000000004",
                                        "123456789.012345", "1234567.890123456", "9e9", "1e-22", "1.5e3",
                                        "1E+2", "2.5e-7", "0.000001", "9e9", "8999999999.999999"};
    char cell[40];
    trace_error err;
    unsigned seed = 99;
    int n = 0;
    const char *cells[64];
    static char store_cells[64][40];
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        cells[n++] = fixed[i];
    while (n < 64) {
        seed = seed * 1103515245u + 12345u;
        double v = (double)(seed >> 8) / 16777216.0 * 1e4 / (1 + (seed & 7) * 1000.0);
        snprintf(store_cells[n], sizeof store_cells[n], "%.*g", 1 + (int)(seed % 17), v);
        cells[n] = store_cells[n];
        n++;
    }
    /* One text per value (t_arr_s must not decrease through a file). */
    for (int i = 0; i < n; i++) {
        char one[256];
        snprintf(one, sizeof one, "id,dialogue_id,turn,in_tokens,out_tokens,t_arr_s,p_large,q_small,q_large,benchmark\n"
                                  "1,-1,0,1,1,%s,0.5,1,0,b\n", cells[i]);
        trace_reader *r = trace_open_string(one, "csv", "n", &err);
        trace_row row;
        CHECK(r && trace_next(r, &row, &err) == 1);
        if (r) {
            double want = strtod(cells[i], NULL);
            snprintf(cell, sizeof cell, "%s", cells[i]);
            if (memcmp(&row.t_arr_s, &want, sizeof want) != 0)
                fprintf(stderr, "t_arr_s %s: read %.17g, strtod %.17g\n", cell, row.t_arr_s, want);
            CHECK(memcmp(&row.t_arr_s, &want, sizeof want) == 0);
            trace_close(r);
        }
    }
}

/* One value's text and strtod's double, for test_decimal_vs_strtod. */
typedef struct spelled {
    char text[40];
    double v;
} spelled;

static int by_value(const void *a, const void *b)
{
    double x = ((const spelled *)a)->v, y = ((const spelled *)b)->v;
    return (x > y) - (x < y);
}

static unsigned long long lcg_next(unsigned long long *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 11; /* 53 bits */
}

/* Add the spelling `text` if strtod reads all of it as a value t_arr_s takes. */
static void add_spelling(spelled *v, int *n, int cap, const char *text)
{
    char *end;
    if (*n >= cap || strlen(text) >= sizeof v[0].text)
        return;
    double x = strtod(text, &end);
    if (*end || end == text || !(x >= 0 && x <= 9.0e9) || signbit(x))
        return;
    snprintf(v[*n].text, sizeof v[*n].text, "%s", text);
    v[*n].v = x;
    (*n)++;
}

/* The reader's one-pass decimal parser (trace_read.c fast_decimal: Clinger's
 * fast path, and up to 19 digits by an exact integer comparison) against
 * strtod, bit for bit, in t_arr_s (numbers) and in a model column (q_m, p_m):
 * random doubles over 15 decades printed with 1 to 19 significant digits,
 * values a few units from a midpoint between two doubles (where a wrong
 * rounding would show), spellings with exponents, trailing zeros and 19
 * digits, and every cell of the trace corpus of tests/fuzz. */
static void test_decimal_vs_strtod(void)
{
    enum { CAP = 120000 };
    spelled *v = malloc(CAP * sizeof *v);
    CHECK(v != NULL);
    if (!v)
        return;
    int n = 0;
    char text[64];
    unsigned long long seed = 2026;
    while (n < 60000) {
        double mant = (double)lcg_next(&seed) / 9007199254740992.0; /* [0, 1) */
        int decade = (int)(lcg_next(&seed) % 15) - 7;
        double x = mant * pow(10, decade);
        snprintf(text, sizeof text, "%.*g", 1 + (int)(lcg_next(&seed) % 19), x);
        add_spelling(v, &n, CAP, text);
    }
    while (n < 100000) {
        /* Near the midpoint between x and the next double: 16 to 19 digits
         * of x + ulp/2 (long double holds it; any spelling will do). */
        double x = (double)lcg_next(&seed) / 9007199254740992.0 * pow(10, (int)(lcg_next(&seed) % 13) - 6);
        long double mid = ((long double)x + (long double)nextafter(x, INFINITY)) / 2;
        snprintf(text, sizeof text, "%.*Lg", 16 + (int)(lcg_next(&seed) % 4), mid);
        add_spelling(v, &n, CAP, text);
        snprintf(text, sizeof text, "%.17g", x);
        add_spelling(v, &n, CAP, text);
    }
    static const char *const fixed[] = {"9007199254740993", "9007199254740992.5", "0.9007199254740993",
                                        "18446744073709551615e-12", "9999999999999999999e-10", "1.000000000000000000",
                                        "0.1000000000000000055511151231257827", "123.45600000000000000",
                                        "4.9406564584124654e-324", "2.2250738585072014e-308", "1e22", "1e23",
                                        "0.0000000000000000000000001", "12345678901234567e-22", "8999999999.999999999",
                                        "1234567890123456789e-22", "5e-1", "1.7976931348623157e308"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        add_spelling(v, &n, CAP, fixed[i]);
    const char *src = getenv("EDGESIM_SOURCE_DIR");
    static const char *const corpus[] = {"csv_crlf_quote", "csv_dialogue", "csv_p_large_out_of_range",
                                         "csv_two_rows", "jsonl_bad_values", "jsonl_two_rows"};
    for (size_t i = 0; src && i < sizeof corpus / sizeof corpus[0]; i++) {
        char path[1024], cell[64];
        snprintf(path, sizeof path, "%s/tests/fuzz/corpus/trace/%s", src, corpus[i]);
        FILE *f = fopen(path, "r");
        CHECK(f != NULL);
        int ch, len = 0;
        while (f && (ch = fgetc(f)) != EOF) {
            if (strchr(",:{}[]\"\n\r", ch)) {
                cell[len] = 0;
                add_spelling(v, &n, CAP, cell);
                len = 0;
            } else if (len + 1 < (int)sizeof cell) {
                cell[len++] = (char)ch;
            }
        }
        if (f)
            fclose(f);
    }
    qsort(v, (size_t)n, sizeof *v, by_value); /* t_arr_s must not decrease */
    size_t cap = (size_t)n * 128 + 256, o = 0;
    char *csv = malloc(cap);
    CHECK(csv != NULL);
    if (!csv) {
        free(v);
        return;
    }
    o += (size_t)snprintf(csv, cap, "id,dialogue_id,turn,in_tokens,out_tokens,t_arr_s,p_large,q_small,q_large,"
                                    "benchmark,q_m,p_m\n");
    for (int i = 0; i < n; i++) {
        const char *unit = v[(i * 7919) % n].v <= 1 ? v[(i * 7919) % n].text : "0.5"; /* a [0, 1] spelling */
        o += (size_t)snprintf(csv + o, cap - o, "%d,-1,0,1,1,%s,0.5,1,0,b,%s,%s\n", i + 1, v[i].text, unit, unit);
    }
    trace_error err;
    trace_reader *r = trace_open_string(csv, "csv", "spellings", &err);
    CHECK(r != NULL);
    int bad = 0, rows = 0;
    trace_row row;
    while (r && trace_next(r, &row, &err) == 1) {
        const spelled *u = &v[(rows * 7919) % n];
        double unit = u->v <= 1 ? u->v : 0.5;
        if (memcmp(&row.t_arr_s, &v[rows].v, sizeof row.t_arr_s) != 0 ||
            memcmp(&row.model_q[0], &unit, sizeof unit) != 0 || memcmp(&row.model_p[0], &unit, sizeof unit) != 0) {
            if (bad++ < 5)
                fprintf(stderr, "%s: read %.17g, strtod %.17g\n", v[rows].text, row.t_arr_s, v[rows].v);
        }
        rows++;
    }
    CHECK(rows == n);
    CHECK(bad == 0);
    CHECK(n > 99000);
    trace_close(r);
    free(csv);
    free(v);
}

/* The format registry: each format is found by name and by each of its
 * extensions, reads from memory under its name, and the messages for an
 * unknown format list every extension. */
static void test_format_registry(void)
{
    trace_error err;
    char list[128];
    int n = 0;
    trace_format_extensions(list, sizeof list);
    for (const trace_format *const *f = trace_formats; *f; f++, n++) {
        char path[64];
        CHECK(trace_format_find((*f)->name) == *f);
        CHECK((*f)->reader && (*f)->writer && (*f)->summary && (*f)->extensions[0]);
        for (const char *const *e = (*f)->extensions; *e; e++) {
            snprintf(path, sizeof path, "dir.x/trace%s", *e);
            CHECK(trace_format_of_path(path) == *f);
            CHECK(strstr(list, *e) != NULL);
        }
        /* A header and one row in the format, written by its own writer's
         * layout: the same row read through trace_open_string. */
        trace_reader *r = trace_open_string(
            strcmp((*f)->name, "csv") == 0
                ? "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n1,-1,0,5,7,0.5,1,0,g\n"
                : "{\"id\":1,\"dialogue_id\":-1,\"turn\":0,\"in_tokens\":5,\"out_tokens\":7,\"p_large\":0.5,"
                  "\"q_small\":1,\"q_large\":0,\"benchmark\":\"g\"}\n",
            (*f)->name, "t", &err);
        CHECK(r != NULL);
        if (r) {
            trace_row row;
            CHECK_INT(trace_next(r, &row, &err), 1);
            CHECK_INT(row.out_tokens, 7);
            CHECK_INT(trace_next(r, &row, &err), 0);
            trace_close(r);
        }
    }
    CHECK_INT(n, 2); /* csv and jsonl: a new format needs its rows above */
    CHECK(trace_format_find("xml") == NULL);
    CHECK(trace_format_of_path("trace.xml") == NULL);
    CHECK(trace_format_of_path("dir.csv/trace") == NULL);
    CHECK(trace_open("trace.xml", &err) == NULL);
    CHECK(strstr(err.msg, list) != NULL);
    CHECK(trace_writer_create("out.xml", TRACE_COLS_ALL, &err) == NULL);
    CHECK(strstr(err.msg, list + 2) != NULL);
}

/* A full disk: the writer reports the failure at close at the latest. */
static void test_writer_full_disk(void)
{
    trace_error err;
    trace_row row;
    trace_writer *w;
    FILE *probe = fopen("/dev/full", "wb");
    int i, failed = 0;
    if (!probe) {
        printf("skipped: /dev/full not available\n");
        return;
    }
    fclose(probe);
    /* The writer picks the format from the extension; /dev/full has none, so
     * go through a symlink named like a trace. */
    remove("test_trace_full.csv");
    if (symlink("/dev/full", "test_trace_full.csv") != 0) {
        printf("skipped: cannot symlink /dev/full\n");
        return;
    }
    w = trace_writer_create("test_trace_full.csv", 0, &err);
    CHECK(w != NULL);
    if (w) {
        trace_row_init(&row);
        row.in_tokens = row.out_tokens = 1;
        snprintf(row.benchmark, sizeof row.benchmark, "m");
        for (i = 0; i < 20000 && !failed; i++) {
            row.id = i;
            failed = trace_writer_put(w, &row, &err) != 0;
        }
        failed |= trace_writer_close(w, &err) != 0;
        CHECK(failed);
        CHECK(strstr(err.msg, "write error") != NULL);
    }
    remove("test_trace_full.csv");
}

/* The output appears only when the writer closes successfully; abort leaves
 * nothing (and an existing file untouched). */
static void test_writer_atomic(void)
{
    trace_error err;
    trace_row row;
    trace_writer *w;
    struct stat sb;
    FILE *f;
    char text[256] = "";
    trace_row_init(&row);
    row.id = 1;
    row.in_tokens = row.out_tokens = 1;
    snprintf(row.benchmark, sizeof row.benchmark, "m");
    remove("test_trace_atomic.csv");
    w = trace_writer_create("test_trace_atomic.csv", 0, &err);
    CHECK(w != NULL);
    if (!w)
        return;
    CHECK_INT(trace_writer_put(w, &row, &err), 0);
    CHECK(stat("test_trace_atomic.csv", &sb) != 0); /* not there before close */
    CHECK_INT(trace_writer_close(w, &err), 0);
    CHECK(stat("test_trace_atomic.csv", &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0);
    w = trace_writer_create("test_trace_atomic.csv", 0, &err);
    CHECK(w != NULL);
    if (!w)
        return;
    row.id = 2;
    CHECK_INT(trace_writer_put(w, &row, &err), 0);
    CHECK_INT(trace_writer_abort(w, &err), 0);
    f = fopen("test_trace_atomic.csv", "rb"); /* still the first trace: header + id 1 */
    CHECK(f != NULL);
    if (f) {
        CHECK(fgets(text, sizeof text, f) != NULL && fgets(text, sizeof text, f) != NULL);
        fclose(f);
    }
    CHECK(strncmp(text, "1,", 2) == 0);
    CHECK_INT(trace_writer_abort(NULL, &err), 0);
    remove("test_trace_atomic.csv");
}

/* The required flag of TRACE_COLUMNS is what the reader enforces: a CSV
 * without column c is refused (naming it) exactly when c is required, and an
 * empty optional cell reads as the row_init default. */
static void test_required_columns(void)
{
    trace_row def;
    trace_row_init(&def);
    for (int c = 0; c < TRACE_N_COLUMNS; c++) {
        static const char *const values[TRACE_N_COLUMNS] = {"7", "", "", "-1", "0", "5", "6", "", "0.5", "1", "0",
                                                            "b", "", "", ""};
        char text[1024] = "", row[512] = "";
        for (int k = 0; k < TRACE_N_COLUMNS; k++) {
            if (k == c)
                continue;
            snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s", text[0] ? "," : "",
                     trace_column_name((trace_column)k));
            snprintf(row + strlen(row), sizeof row - strlen(row), "%s%s", row[0] || k > (c == 0) ? "," : "",
                     values[k]);
        }
        snprintf(text + strlen(text), sizeof text - strlen(text), "\n%s\n", row);
        trace_error err;
        trace_reader *r = trace_open_string(text, "csv", "cols.csv", &err);
        int required = (TRACE_COLS_REQUIRED >> c) & 1;
        if (required) {
            CHECK(r == NULL);
            CHECK(r == NULL && strstr(err.msg, trace_column_name((trace_column)c)) != NULL);
        } else {
            CHECK(r != NULL);
            trace_row got;
            if (r && trace_next(r, &got, &err) == 1) {
                CHECK(got.device == def.device && got.out_tokens_pred == def.out_tokens_pred);
                CHECK(isnan(got.t_arr_s) && isnan(got.think_s) && got.extra_payload_bytes == 0);
            } else {
                CHECK(0);
                fprintf(stderr, "column %s: %s\n", trace_column_name((trace_column)c), err.msg);
            }
        }
        trace_close(r);
    }
}

int main(void)
{
    test_required_columns();
    test_good_csv();
    test_column_errors();
    test_nan_inf_huge();
    test_header_and_order();
    test_quoting_faults();
    test_jsonl();
    test_junk();
    test_file_nul_and_missing();
    test_format_registry();
    test_number_spellings();
    test_decimal_vs_strtod();
    test_writer_roundtrip();
    test_model_columns();
    test_writer_full_disk();
    test_writer_atomic();
    return check_done();
}
