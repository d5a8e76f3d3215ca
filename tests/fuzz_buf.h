/* fuzz_buf.h -- what the mutation fuzz tests share: a growable text buffer,
 * uniform picks from a GSL stream, and reading a seed file. */
#ifndef EDGESIM_FUZZ_BUF_H
#define EDGESIM_FUZZ_BUF_H

#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static inline void buf_reserve(buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->p = realloc(b->p, cap);
    if (!b->p)
        abort();
    b->cap = cap;
}

static inline void buf_insert(buf *b, size_t at, const char *s, size_t n)
{
    buf_reserve(b, n);
    memmove(b->p + at + n, b->p + at, b->len - at);
    memcpy(b->p + at, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static inline void buf_delete(buf *b, size_t at, size_t n)
{
    memmove(b->p + at, b->p + at + n, b->len - at - n);
    b->len -= n;
    b->p[b->len] = 0;
}

static inline void buf_set(buf *b, const char *s, size_t n)
{
    b->len = 0;
    buf_insert(b, 0, s, n);
}

static inline size_t pick(gsl_rng *r, size_t n)
{
    return n ? (size_t)gsl_rng_uniform_int(r, (unsigned long)n) : 0;
}

/* The text of a file (NUL-terminated, caller frees), at most max_lines lines
 * when max_lines > 0; NULL if it cannot be opened. */
static inline char *read_text(const char *path, int max_lines)
{
    FILE *f = fopen(path, "rb");
    buf b = {0};
    int ch, lines = 0;
    if (!f)
        return NULL;
    buf_reserve(&b, 0);
    b.p[0] = 0;
    while ((ch = fgetc(f)) != EOF && (max_lines <= 0 || lines < max_lines)) {
        char c = (char)ch;
        buf_insert(&b, b.len, &c, 1);
        lines += ch == '\n';
    }
    fclose(f);
    return b.p;
}

#endif
