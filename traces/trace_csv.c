/* trace_csv.c -- streaming RFC-4180 / TSV tokenizer (see trace_int.h).
 *
 * A small state machine over a 64 KiB buffer: quoted fields may hold the
 * separator, doubled quotes and newlines (the RouteLLM CSVs in data/ do,
 * SOURCES.md "Notes for a C importer").  Every error names the input, the
 * line and the column where the offending byte is. */
#include "trace_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int trace__fail(trace_error *err, const char *fmt, ...)
{
    va_list ap;
    if (!err)
        return -1;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

void trace__describe(const char *text, size_t len, char *buf, size_t cap)
{
    size_t o = 0, i;
    if (len == 0) {
        snprintf(buf, cap, "an empty field");
        return;
    }
    if (cap < 16) {
        buf[0] = 0;
        return;
    }
    buf[o++] = '"';
    for (i = 0; i < len && i < 40 && o + 6 < cap; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '"' || ch == '\\')
            o += (size_t)snprintf(buf + o, cap - o, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", ch);
        else
            buf[o++] = (char)ch;
    }
    if (i < len && o + 4 < cap) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '"';
    buf[o] = 0;
}

static void reset(trace_csv *c, const char *name, char sep, int quoting)
{
    memset(c, 0, sizeof *c);
    c->sep = sep;
    c->quoting = quoting;
    c->cls[(unsigned char)sep] = 1;
    c->cls['\r'] = c->cls[0] = 2;
    if (quoting)
        c->cls['"'] = 2;
    c->line = 1;
    c->col = 1;
    c->size = -1;
    snprintf(c->name, sizeof c->name, "%s", name);
}

int trace__csv_open(trace_csv *c, const char *path, char sep, int quoting, trace_error *err)
{
    reset(c, path, sep, quoting);
    if (strcmp(path, "-") == 0) {
        c->fp = stdin;
        return 0;
    }
    /* Non-blocking open: a FIFO with no writer must not hang the run (it then
     * reads as empty); reads block again once it is open. */
    int fd = open(path, O_RDONLY | O_NONBLOCK), flags;
    struct stat st;
    if (fd < 0)
        return trace__fail(err, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || (flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        int e = errno;
        close(fd);
        return trace__fail(err, "%s: cannot open: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return trace__fail(err, "%s: cannot open: expected a file, found a directory", path);
    }
    c->fp = fdopen(fd, "rb");
    if (!c->fp) {
        int e = errno;
        close(fd);
        return trace__fail(err, "%s: cannot open: %s", path, strerror(e));
    }
    c->own_fp = 1;
    if (S_ISREG(st.st_mode))
        c->size = (int64_t)st.st_size;
    return 0;
}

void trace__csv_open_string(trace_csv *c, const char *text, const char *name, char sep, int quoting)
{
    reset(c, name, sep, quoting);
    c->mem = text;
    c->mem_len = strlen(text);
    c->size = (int64_t)c->mem_len;
}

double trace__csv_fraction(const trace_csv *c)
{
    if (c->size < 0)
        return NAN;
    if (c->size == 0)
        return 1;
    double read = (double)(c->taken - (c->buf_len - c->buf_pos));
    return read >= (double)c->size ? 1 : read / (double)c->size;
}

void trace__csv_close(trace_csv *c)
{
    if (c->own_fp && c->fp)
        fclose(c->fp);
    free(c->rec);
    free(c->off);
    free(c->len);
    free(c->fline);
    free(c->fcol);
    free(c->quoted);
    memset(c, 0, sizeof *c);
}

/* Next byte, or EOF; -2 on a read error. */
static int get(trace_csv *c)
{
    int ch;
    if (c->buf_pos == c->buf_len) {
        if (c->mem) {
            size_t n = c->mem_len - c->mem_pos;
            if (n > sizeof c->buf)
                n = sizeof c->buf;
            memcpy(c->buf, c->mem + c->mem_pos, n);
            c->mem_pos += n;
            c->buf_len = n;
            c->taken += n;
        } else {
            c->buf_len = fread(c->buf, 1, sizeof c->buf, c->fp);
            if (c->buf_len == 0 && ferror(c->fp))
                return -2;
            c->taken += c->buf_len;
            if (c->on_bytes && c->buf_len)
                c->on_bytes(c->on_bytes_ctx, c->buf, c->buf_len);
        }
        c->buf_pos = 0;
        if (c->buf_len == 0)
            return EOF;
    }
    ch = c->buf[c->buf_pos++];
    if (ch == '\n') {
        c->line++;
        c->col = 1;
    } else {
        c->col++;
    }
    return ch;
}

static int put(trace_csv *c, int ch, trace_error *err)
{
    if (c->rec_len + 1 >= c->rec_cap) {
        size_t cap = c->rec_cap ? c->rec_cap * 2 : 256;
        char *p;
        if (c->rec_len + 1 >= TRACE_MAX_RECORD_BYTES)
            return trace__fail(err, "%s:%ld: record longer than %d bytes (binary data or a missing quote?)",
                               c->name, c->rec_line, TRACE_MAX_RECORD_BYTES);
        if (cap > TRACE_MAX_RECORD_BYTES)
            cap = TRACE_MAX_RECORD_BYTES;
        p = realloc(c->rec, cap);
        if (!p)
            return trace__fail(err, "%s: out of memory", c->name);
        c->rec = p;
        c->rec_cap = cap;
    }
    c->rec[c->rec_len++] = (char)ch;
    return 0;
}

/* Room for `n` more bytes and the terminating NUL, as put would make it;
 * 0, or -1 when the record would reach TRACE_MAX_RECORD_BYTES (the caller
 * then goes on byte by byte, so the limit is reported where put reports it). */
static int reserve(trace_csv *c, size_t n)
{
    if (c->rec_len + n + 1 < c->rec_cap)
        return 0;
    if (c->rec_len + n + 1 >= TRACE_MAX_RECORD_BYTES)
        return -1;
    size_t cap = c->rec_cap ? c->rec_cap : 256;
    while (c->rec_len + n + 1 >= cap)
        cap *= 2;
    if (cap > TRACE_MAX_RECORD_BYTES)
        cap = TRACE_MAX_RECORD_BYTES;
    char *p = realloc(c->rec, cap);
    if (!p)
        return -1;
    c->rec = p;
    c->rec_cap = cap;
    return 0;
}

/* The ordinary bytes that follow in the buffer (not the separator, a line
 * end, a NUL or a quote), copied into the record at once: what the
 * byte-by-byte loop of an unquoted field would do with them. */
static void copy_plain_run(trace_csv *c)
{
    size_t p = c->buf_pos, e = c->buf_len;
    const unsigned char sep = (unsigned char)c->sep;
    while (p < e) {
        unsigned char b = c->buf[p];
        if (b == sep || b == '\n' || b == '\r' || b == 0 || b == '"')
            break;
        p++;
    }
    size_t n = p - c->buf_pos;
    if (n == 0 || reserve(c, n) != 0)
        return;
    memcpy(c->rec + c->rec_len, c->buf + c->buf_pos, n);
    c->rec_len += n;
    c->col += (long)n;
    c->buf_pos = p;
}

static int begin_field(trace_csv *c, long line, long col, int quoted, trace_error *err)
{
    if (c->nfields == c->fcap) {
        int cap = c->fcap ? c->fcap * 2 : 16;
        size_t *off = realloc(c->off, (size_t)cap * sizeof *off);
        size_t *len = off ? realloc(c->len, (size_t)cap * sizeof *len) : NULL;
        long *fl = len ? realloc(c->fline, (size_t)cap * sizeof *fl) : NULL;
        long *fc = fl ? realloc(c->fcol, (size_t)cap * sizeof *fc) : NULL;
        int *q = fc ? realloc(c->quoted, (size_t)cap * sizeof *q) : NULL;
        if (off) c->off = off;
        if (len) c->len = len;
        if (fl) c->fline = fl;
        if (fc) c->fcol = fc;
        if (!q)
            return trace__fail(err, "%s: out of memory", c->name);
        c->quoted = q;
        c->fcap = cap;
    }
    c->off[c->nfields] = c->rec_len;
    c->fline[c->nfields] = line;
    c->fcol[c->nfields] = col;
    c->quoted[c->nfields] = quoted;
    c->nfields++;
    return 0;
}

static int end_field(trace_csv *c, trace_error *err)
{
    int i = c->nfields - 1;
    c->len[i] = c->rec_len - c->off[i];
    return put(c, 0, err);
}

static int bad_byte(trace_csv *c, int ch, const char *expected, trace_error *err)
{
    if (ch == -2)
        return trace__fail(err, "%s:%ld: read error: %s", c->name, c->line, strerror(errno));
    if (ch == 0)
        return trace__fail(err, "%s:%ld:%ld: expected %s, found a NUL byte (binary data?)", c->name,
                           c->line, c->col - 1, expected);
    if (ch == EOF)
        return trace__fail(err, "%s:%ld:%ld: expected %s, found the end of the file", c->name, c->line,
                           c->col, expected);
    if (isprint(ch))
        return trace__fail(err, "%s:%ld:%ld: expected %s, found '%c'", c->name, c->line, c->col - 1,
                           expected, ch);
    return trace__fail(err, "%s:%ld:%ld: expected %s, found byte 0x%02x", c->name, c->line, c->col - 1,
                       expected, ch);
}

/* A record of unquoted fields whose line end is already in the buffer, with
 * no CR, NUL or (when quoting) quote before it: split in one pass, with the
 * fields, lengths, lines and columns the byte-by-byte path below gives.
 * 1 when done, 0 to leave the record to that path (the input position is
 * unchanged; the record buffers are scratch until a record is returned). */
static int fast_record(trace_csv *c)
{
    const unsigned char *p = c->buf + c->buf_pos;
    size_t avail = c->buf_len - c->buf_pos;
    const unsigned char *nl = avail ? memchr(p, '\n', avail) : NULL;
    if (!nl)
        return 0;
    size_t n = (size_t)(nl - p);
    c->rec_len = 0;
    c->nfields = 0;
    if (n + 1 >= TRACE_MAX_RECORD_BYTES || reserve(c, n) != 0)
        return 0;
    const unsigned char *cls = c->cls;
    const long line = c->line, col0 = c->col;
    char *out = c->rec;
    size_t start = 0;
    int f = 0;
    for (size_t i = 0; i <= n; i++) { /* the line end ends the last field */
        unsigned char b = i < n ? p[i] : (unsigned char)c->sep;
        if (cls[b] == 0) {
            out[i] = (char)b;
            continue;
        }
        if (cls[b] == 2)
            return 0;
        out[i] = 0;
        if (f == c->fcap) { /* room for one more field, as begin_field makes it */
            c->nfields = f;
            if (begin_field(c, 0, 0, 0, NULL) != 0)
                return 0;
        }
        c->off[f] = start;
        c->len[f] = i - start;
        c->fline[f] = line;
        /* A last field that is empty starts at the line end: column 1 there. */
        c->fcol[f] = start == n ? 1 : col0 + (long)start;
        c->quoted[f] = 0;
        f++;
        start = i + 1;
    }
    c->nfields = f;
    c->rec_len = n + 1;
    c->rec_line = line;
    c->line++;
    c->col = 1;
    c->buf_pos += n + 1;
    return 1;
}

/* Begin a record: empty it, read its first character and note its line. */
static int record_start(trace_csv *c)
{
    c->rec_len = 0;
    c->nfields = 0;
    int ch = get(c);
    if (ch != EOF)
        c->rec_line = c->line - (ch == '\n');
    return ch;
}

int trace__csv_next(trace_csv *c, trace_error *err)
{
    if (fast_record(c))
        return 1;
    int ch = record_start(c);
    if (ch == EOF)
        return 0;
    for (;;) {
        long line = c->line - (ch == '\n'), col = ch == '\n' ? 0 : c->col - 1;
        if (ch == '\n')
            col = 1; /* an empty field before the newline */
        if (c->quoting && ch == '"') {
            long qline = c->line, qcol = c->col - 1;
            if (begin_field(c, line, col, 1, err))
                return -1;
            for (;;) {
                ch = get(c);
                if (ch == EOF || ch == -2) {
                    if (ch == -2)
                        return bad_byte(c, ch, "", err);
                    return trace__fail(err, "%s:%ld:%ld: expected a closing quote for the field opened here, found the end of the file",
                                       c->name, qline, qcol);
                }
                if (ch == 0)
                    return bad_byte(c, ch, "text", err);
                if (ch == '"') {
                    ch = get(c);
                    if (ch != '"')
                        break;
                }
                if (put(c, ch, err))
                    return -1;
            }
            if (ch != c->sep && ch != '\n' && ch != '\r' && ch != EOF)
                return bad_byte(c, ch, c->sep == '\t' ? "a TAB or the end of the line after a closing quote"
                                                      : "',' or the end of the line after a closing quote", err);
        } else {
            if (begin_field(c, line, col, 0, err))
                return -1;
            while (ch != c->sep && ch != '\n' && ch != '\r' && ch != EOF) {
                if (ch == -2 || ch == 0)
                    return bad_byte(c, ch, "text", err);
                if (c->quoting && ch == '"')
                    return bad_byte(c, ch, "no quote inside an unquoted field (quote the whole field)", err);
                if (put(c, ch, err))
                    return -1;
                copy_plain_run(c);
                ch = get(c);
            }
        }
        if (ch == -2)
            return bad_byte(c, ch, "", err);
        if (end_field(c, err))
            return -1;
        if (ch == c->sep) {
            ch = get(c);
            continue;
        }
        if (ch == '\r') {
            ch = get(c);
            if (ch != '\n')
                return bad_byte(c, ch, "LF after CR", err);
        }
        return 1; /* '\n' or EOF */
    }
}

int trace__csv_line(trace_csv *c, trace_error *err)
{
    int ch = record_start(c);
    if (ch == EOF)
        return 0;
    while (ch != '\n' && ch != EOF) {
        if (ch == -2 || ch == 0)
            return bad_byte(c, ch, "text", err);
        if (put(c, ch, err))
            return -1;
        ch = get(c);
    }
    if (c->rec_len > 0 && c->rec[c->rec_len - 1] == '\r')
        c->rec_len--;
    if (put(c, 0, err))
        return -1;
    c->rec_len--;
    return 1;
}
