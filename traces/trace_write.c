/* trace_write.c -- the trace writer (CSV or JSONL), the reader's twin.
 *
 * A regular output file is written under a temporary name in the same folder
 * and renamed into place by trace_writer_close only when everything was
 * written, so a failed import or gen never leaves a partial trace (rename(2)
 * within one file system is atomic).  Special files (stdout, pipes, devices)
 * are written directly. */
#include "trace_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct trace_writer {
    FILE *fp;
    int own_fp;
    const trace_format *format;
    unsigned columns;
    char path[512];
    char tmp[600];                /* "" when writing path directly */
    int64_t rows;
    char models[TRACE_MAX_MODEL_COLS][TRACE_MODEL_NAME_CAP]; /* model columns q_, p_ */
    int n_models;
};

/* Open "<dir>/.<base>.<pid>.<n>.tmp" exclusively, mode 0666 less the umask
 * (the final file gets ordinary permissions).  Returns the stream or NULL. */
static FILE *open_temp(trace_writer *w, trace_error *err)
{
    const char *slash = strrchr(w->path, '/');
    int dir_len = slash ? (int)(slash - w->path) + 1 : 0;
    const char *base = w->path + dir_len;
    unsigned n;
    for (n = 0; n < 100; n++) {
        int fd;
        FILE *fp;
        if ((size_t)snprintf(w->tmp, sizeof w->tmp, "%.*s.%s.%ld.%u.tmp", dir_len, w->path, base, (long)getpid(), n) >=
            sizeof w->tmp) {
            trace__fail(err, "%s: path too long for a temporary file next to it", w->path);
            break;
        }
        fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0) {
            trace__fail(err, "%s: cannot write: %s", w->path, strerror(errno));
            break;
        }
        fp = fdopen(fd, "wb");
        if (!fp) {
            trace__fail(err, "%s: cannot write: %s", w->path, strerror(errno));
            close(fd);
            remove(w->tmp);
            break;
        }
        return fp;
    }
    if (n == 100)
        trace__fail(err, "%s: cannot create a temporary file next to it", w->path);
    w->tmp[0] = 0;
    return NULL;
}

trace_writer *trace_writer_create(const char *path, unsigned columns, trace_error *err)
{
    return trace_writer_create_models(path, columns, NULL, 0, err);
}

trace_writer *trace_writer_create_models(const char *path, unsigned columns, const char *const *models, int n,
                                         trace_error *err)
{
    trace_writer *w = calloc(1, sizeof *w);
    char list[128];
    if (!w) {
        trace__fail(err, "%s: out of memory", path);
        return NULL;
    }
    snprintf(w->path, sizeof w->path, "%s", path);
    w->columns = (columns & TRACE_COLS_ALL) | TRACE_COLS_REQUIRED;
    if (n > TRACE_MAX_MODEL_COLS) {
        trace__fail(err, "%s: at most %d model columns, found %d", path, TRACE_MAX_MODEL_COLS, n);
        free(w);
        return NULL;
    }
    for (int m = 0; m < n; m++) {
        /* small and large have the fixed columns q_small, q_large, p_large. */
        int taken = strcmp(models[m], "small") == 0 || strcmp(models[m], "large") == 0;
        for (int k = 0; k < m; k++)
            taken |= strcmp(models[k], models[m]) == 0;
        if (!trace__model_name_ok(models[m], strlen(models[m])) || taken) {
            trace__fail(err, "%s: model column %d: expected a new name of 1-%d characters of [A-Za-z0-9_-] other "
                        "than small and large, found \"%.40s\"", path, m + 1, TRACE_MODEL_NAME_CAP - 1, models[m]);
            free(w);
            return NULL;
        }
        snprintf(w->models[m], sizeof w->models[m], "%s", models[m]);
    }
    w->n_models = n;
    if (strcmp(path, "-") == 0) {
        w->fp = stdout;
        w->format = trace_formats[0];
    } else {
        w->format = trace_format_of_path(path);
        if (!w->format) {
            trace_format_extensions(list, sizeof list);
            trace__fail(err, "%s: expected an output file ending in %s", path, list + 2);
            free(w);
            return NULL;
        }
        struct stat st;
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) { /* a pipe or device: no rename */
            w->fp = fopen(path, "wb");
            if (!w->fp)
                trace__fail(err, "%s: cannot write: %s", path, strerror(errno));
        } else {
            w->fp = open_temp(w, err);
        }
        if (!w->fp) {
            free(w);
            return NULL;
        }
        w->own_fp = 1;
    }
    w->format->writer->header(w->fp, w->columns, w->models, w->n_models);
    return w;
}

/* Shortest text that reads back to the same double (%.17g at worst). */
static void fmt_num(char *buf, size_t cap, double v)
{
    static const int precs[] = {6, 9, 12, 15, 17};
    size_t i;
    for (i = 0; i < sizeof precs / sizeof precs[0]; i++) {
        snprintf(buf, cap, "%.*g", precs[i], v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static const trace_kind columns_kind[TRACE_N_COLUMNS] = {
#define COLUMN_KIND(id, name, kind, ...) [id] = kind,
    TRACE_COLUMNS(COLUMN_KIND)
#undef COLUMN_KIND
};

/* ---- CSV: a header naming the columns, empty cells for defaults ---- */

static void csv_header(FILE *fp, unsigned columns, const char (*models)[TRACE_MODEL_NAME_CAP], int n_models)
{
    int c, first = 1;
    for (c = 0; c < TRACE_N_COLUMNS; c++)
        if (columns & (1u << c)) {
            fprintf(fp, "%s%s", first ? "" : ",", trace_column_name((trace_column)c));
            first = 0;
        }
    for (int m = 0; m < n_models; m++)
        fprintf(fp, ",q_%s,p_%s", models[m], models[m]);
    fputc('\n', fp);
}

/* A model column's cell, after the fixed ones (required id is first). */
static void csv_model_cell(FILE *fp, char kind, const char *model, const char *text, int empty)
{
    (void)kind;
    (void)model;
    fprintf(fp, ",%s", empty ? "" : text);
}

static void csv_row_begin(FILE *fp)
{
    (void)fp;
}

static int csv_cell(FILE *fp, int first, trace_column c, const char *text, int empty)
{
    (void)c;
    fprintf(fp, "%s%s", first ? "" : ",", empty ? "" : text);
    return 1;
}

static void row_end_line(FILE *fp)
{
    fputc('\n', fp);
}

const struct trace__writer_ops trace__csv_writer = {csv_header, csv_row_begin, csv_cell, row_end_line, csv_model_cell};

/* ---- JSONL: one object per line, defaults left out ---- */

static void jsonl_header(FILE *fp, unsigned columns, const char (*models)[TRACE_MODEL_NAME_CAP], int n_models)
{
    (void)fp;
    (void)columns;
    (void)models;
    (void)n_models;
}

static void jsonl_row_begin(FILE *fp)
{
    fputc('{', fp);
}

static int jsonl_cell(FILE *fp, int first, trace_column c, const char *text, int empty)
{
    if (empty) /* a default is left out */
        return 0;
    if (columns_kind[c] == TRACE_KIND_STR) /* checked: no quotes or escapes to write */
        fprintf(fp, "%s\"%s\":\"%s\"", first ? "" : ",", trace_column_name(c), text);
    else
        fprintf(fp, "%s\"%s\":%s", first ? "" : ",", trace_column_name(c), text);
    return 1;
}

static void jsonl_row_end(FILE *fp)
{
    fputs("}\n", fp);
}

/* A model key after the fixed ones (required id is first); an empty p_
 * (no score) is left out like a default: the reader takes the models from
 * line 1's keys, and q_ is on every line. */
static void jsonl_model_cell(FILE *fp, char kind, const char *model, const char *text, int empty)
{
    if (!empty)
        fprintf(fp, ",\"%c_%s\":%s", kind, model, text);
}

const struct trace__writer_ops trace__jsonl_writer = {jsonl_header, jsonl_row_begin, jsonl_cell, jsonl_row_end,
                                                      jsonl_model_cell};

int trace_writer_put(trace_writer *w, const trace_row *row, trace_error *err)
{
    char why[256], num[40];
    const char *bad = trace__row_invalid(row, why, sizeof why);
    int c, first = 1;
    if (bad)
        return trace__fail(err, "%s: row %lld (id %lld): column '%s': %s", w->path, (long long)w->rows + 1,
                           (long long)row->id, bad, why);
    w->format->writer->row_begin(w->fp);
    for (c = 0; c < TRACE_N_COLUMNS; c++) {
        int empty = 0;
        if (!(w->columns & (1u << c)))
            continue;
        switch ((trace_column)c) {
#define WRITE_TRACE_KIND_INT64(field) snprintf(num, sizeof num, "%lld", (long long)row->field);
#define WRITE_TRACE_KIND_INT(field) snprintf(num, sizeof num, "%d", row->field);
#define WRITE_TRACE_KIND_NUM(field) fmt_num(num, sizeof num, row->field);
#define WRITE_TRACE_KIND_STR(field) snprintf(num, sizeof num, "%s", row->field);
#define WRITE_EMPTY_TRACE_KIND_INT64(field, dflt) trace__is_default((double)row->field, dflt)
#define WRITE_EMPTY_TRACE_KIND_INT(field, dflt) trace__is_default(row->field, dflt)
#define WRITE_EMPTY_TRACE_KIND_NUM(field, dflt) trace__is_default(row->field, dflt)
#define WRITE_EMPTY_TRACE_KIND_STR(field, dflt) 0
#define WRITE_COLUMN(id, name, kind, field, lo, hi, required, dflt, ...)         \
    case id:                                                                     \
        empty = !(required) && WRITE_EMPTY_##kind(field, dflt);                  \
        WRITE_##kind(field) break;
            TRACE_COLUMNS(WRITE_COLUMN)
#undef WRITE_COLUMN
        case TRACE_N_COLUMNS:
            break;
        }
        if (w->format->writer->cell(w->fp, first, (trace_column)c, num, empty))
            first = 0;
    }
    for (int m = 0; m < w->n_models; m++) {
        if (!(row->model_q[m] >= 0 && row->model_q[m] <= 1) ||
            !(isnan(row->model_p[m]) || (row->model_p[m] >= 0 && row->model_p[m] <= 1)))
            return trace__fail(err, "%s: row %lld (id %lld): model %s: expected q and p in [0, 1]", w->path,
                               (long long)w->rows + 1, (long long)row->id, w->models[m]);
        fmt_num(num, sizeof num, row->model_q[m]);
        w->format->writer->model_cell(w->fp, 'q', w->models[m], num, 0);
        fmt_num(num, sizeof num, row->model_p[m]);
        w->format->writer->model_cell(w->fp, 'p', w->models[m], num, isnan(row->model_p[m]));
    }
    w->format->writer->row_end(w->fp);
    w->rows++;
    if (ferror(w->fp))
        return trace__fail(err, "%s: write error: %s", w->path, strerror(errno));
    return 0;
}

/* Flush and close the stream; 0, or -1 with err set. */
static int finish(trace_writer *w, trace_error *err)
{
    int bad = fflush(w->fp) != 0 || ferror(w->fp);
    if (w->own_fp && fclose(w->fp) != 0)
        bad = 1;
    w->fp = NULL;
    if (bad)
        trace__fail(err, "%s: write error: %s", w->path, strerror(errno));
    return bad ? -1 : 0;
}

int trace_writer_close(trace_writer *w, trace_error *err)
{
    int rc;
    if (!w)
        return 0;
    rc = finish(w, err);
    if (w->tmp[0]) {
        if (rc == 0 && rename(w->tmp, w->path) != 0)
            rc = trace__fail(err, "%s: cannot rename the finished trace into place: %s", w->path, strerror(errno));
        if (rc != 0)
            remove(w->tmp);
    }
    free(w);
    return rc;
}

int trace_writer_abort(trace_writer *w, trace_error *err)
{
    int rc;
    if (!w)
        return 0;
    rc = finish(w, err);
    if (w->tmp[0])
        remove(w->tmp);
    free(w);
    return rc;
}
