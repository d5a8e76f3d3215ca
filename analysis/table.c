/* table.c -- an output table written as aligned text, CSV or JSON
 * (analysis_int.h). */
#include "analysis_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

typedef struct an_value {
    int set;
    double num;
    char *text;
} an_value;

struct an_table {
    int ncols, nrows, cap, next; /* next: the column the next set fills */
    char **names;
    an_col_kind *kinds;
    an_value *v;                 /* nrows * ncols */
};

an_table *an_table_create(int ncols, const char *const *names, const an_col_kind *kinds)
{
    an_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ncols = ncols;
    t->names = calloc((size_t)ncols, sizeof *t->names);
    t->kinds = calloc((size_t)ncols, sizeof *t->kinds);
    if (!t->names || !t->kinds)
        goto fail;
    for (int i = 0; i < ncols; i++) {
        t->kinds[i] = kinds[i];
        if (!(t->names[i] = strdup(names[i])))
            goto fail;
    }
    return t;
fail:
    an_table_destroy(t);
    return NULL;
}

void an_table_destroy(an_table *t)
{
    if (!t)
        return;
    for (int i = 0; t->v && i < t->nrows * t->ncols; i++)
        free(t->v[i].text);
    for (int i = 0; t->names && i < t->ncols; i++)
        free(t->names[i]);
    free(t->names);
    free(t->kinds);
    free(t->v);
    free(t);
}

int an_table_row(an_table *t)
{
    if (t->nrows == t->cap) {
        int cap = t->cap ? 2 * t->cap : 32;
        an_value *v = realloc(t->v, (size_t)cap * (size_t)t->ncols * sizeof *v);
        if (!v)
            return -1;
        t->v = v;
        t->cap = cap;
    }
    memset(&t->v[t->nrows * t->ncols], 0, (size_t)t->ncols * sizeof *t->v);
    t->nrows++;
    t->next = 0;
    return 0;
}

static an_value *next_cell(an_table *t)
{
    if (t->nrows == 0 || t->next >= t->ncols)
        return NULL;
    return &t->v[(t->nrows - 1) * t->ncols + t->next++];
}

int an_table_text(an_table *t, const char *s)
{
    an_value *v = next_cell(t);
    if (!v)
        return -1;
    v->set = s != NULL;
    return s && !(v->text = strdup(s)) ? -1 : 0;
}

int an_table_num(an_table *t, double x)
{
    an_value *v = next_cell(t);
    if (!v)
        return -1;
    v->set = !isnan(x) && !isinf(x);
    v->num = x;
    return 0;
}

int an_format_parse(const char *s, an_format *f)
{
    static const char *const names[] = {"table", "csv", "json"};
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *f = (an_format)i;
            return 0;
        }
    return -1;
}

/* The text of a cell in the aligned table: numbers to 4 significant
 * digits, a number followed by its CI column as "x ± h". */
static void cell_text(const an_table *t, int row, int col, char *buf, size_t len)
{
    const an_value *v = &t->v[row * t->ncols + col];
    buf[0] = 0;
    if (!v->set) {
        snprintf(buf, len, "-");
    } else if (t->kinds[col] == AN_TEXT || t->kinds[col] == AN_META) {
        snprintf(buf, len, "%s", v->text);
    } else {
        snprintf(buf, len, "%.4g", v->num);
    }
    if (col + 1 < t->ncols && t->kinds[col + 1] == AN_CI) {
        const an_value *h = &t->v[row * t->ncols + col + 1];
        if (h->set && v->set) {
            size_t n = strlen(buf);
            snprintf(buf + n, len - n, " ± %.2g", h->num);
        }
    }
}

/* Display width of UTF-8 text (counts code points). */
static int text_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void write_aligned(const an_table *t, FILE *out)
{
    int *width = calloc((size_t)t->ncols, sizeof *width);
    char buf[1024];
    if (!width)
        return;
    for (int c = 0; c < t->ncols; c++) {
        if (t->kinds[c] == AN_CI || t->kinds[c] == AN_META)
            continue;
        width[c] = text_width(t->names[c]);
        for (int r = 0; r < t->nrows; r++) {
            cell_text(t, r, c, buf, sizeof buf);
            int w = text_width(buf);
            width[c] = w > width[c] ? w : width[c];
        }
    }
    for (int r = -1; r < t->nrows; r++) {
        int first = 1;
        for (int c = 0; c < t->ncols; c++) {
            if (t->kinds[c] == AN_CI || t->kinds[c] == AN_META)
                continue;
            if (r < 0)
                snprintf(buf, sizeof buf, "%s", t->names[c]);
            else
                cell_text(t, r, c, buf, sizeof buf);
            int pad = width[c] - text_width(buf);
            int last = c == t->ncols - 1 || (c == t->ncols - 2 && t->kinds[c + 1] == AN_CI);
            if (!first)
                fputs("  ", out);
            first = 0;
            if (t->kinds[c] == AN_TEXT) {
                fputs(buf, out);
                if (!last)
                    fprintf(out, "%*s", pad, "");
            } else {
                fprintf(out, "%*s%s", pad, "", buf);
            }
        }
        fputc('\n', out);
    }
    free(width);
}

void an_html_text(const char *s, FILE *out)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out);
        }
    }
}

void an_table_write_html(const an_table *t, const char *caption, FILE *out)
{
    char buf[1024];
    fputs("<table><caption>", out);
    an_html_text(caption, out);
    fputs("</caption>\n<tr>", out);
    for (int c = 0; c < t->ncols; c++) {
        if (t->kinds[c] == AN_CI || t->kinds[c] == AN_META)
            continue;
        fputs(t->kinds[c] == AN_TEXT ? "<th class=\"t\">" : "<th>", out);
        an_html_text(t->names[c], out);
        fputs("</th>", out);
    }
    fputs("</tr>\n", out);
    for (int r = 0; r < t->nrows; r++) {
        fputs("<tr>", out);
        for (int c = 0; c < t->ncols; c++) {
            if (t->kinds[c] == AN_CI || t->kinds[c] == AN_META)
                continue;
            cell_text(t, r, c, buf, sizeof buf);
            fputs(t->kinds[c] == AN_TEXT ? "<td class=\"t\">" : "<td>", out);
            an_html_text(strcmp(buf, "-") == 0 ? "\u2013" : buf, out);
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);
}

static void csv_field(const char *s, FILE *out)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void write_csv(const an_table *t, FILE *out)
{
    for (int c = 0; c < t->ncols; c++) {
        if (c)
            fputc(',', out);
        csv_field(t->names[c], out);
    }
    fputc('\n', out);
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const an_value *v = &t->v[r * t->ncols + c];
            if (c)
                fputc(',', out);
            if (!v->set)
                continue;
            if (t->kinds[c] == AN_TEXT || t->kinds[c] == AN_META)
                csv_field(v->text, out);
            else
                fprintf(out, "%.10g", v->num);
        }
        fputc('\n', out);
    }
}

static int write_json(const an_table *t, FILE *out)
{
    cJSON *arr = cJSON_CreateArray();
    int ok = arr != NULL;
    for (int r = 0; ok && r < t->nrows; r++) {
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(arr, o);
        for (int c = 0; ok && c < t->ncols; c++) {
            const an_value *v = &t->v[r * t->ncols + c];
            cJSON *item = !v->set                   ? cJSON_CreateNull()
                          : t->kinds[c] == AN_TEXT || t->kinds[c] == AN_META ? cJSON_CreateString(v->text)
                                                    : cJSON_CreateNumber(v->num);
            ok = item && cJSON_AddItemToObject(o, t->names[c], item);
        }
    }
    char *s = ok ? cJSON_Print(arr) : NULL;
    cJSON_Delete(arr);
    if (!s)
        return -1;
    fputs(s, out);
    fputc('\n', out);
    free(s);
    return 0;
}

int an_table_write(const an_table *t, an_format f, FILE *out)
{
    if (f == AN_CSV)
        write_csv(t, out);
    else if (f == AN_JSON && write_json(t, out) != 0)
        return -1;
    else if (f == AN_TABLE)
        write_aligned(t, out);
    return fflush(out) != 0 || ferror(out) ? -1 : 0;
}
