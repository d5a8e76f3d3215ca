/* opts.c -- the table-driven option parser (opts.h). */
#include "sim/base/opts.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/exit_codes.h"

static const opt_def *find_long(const opt_def *o, const char *name, size_t len)
{
    for (; o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static const opt_def *find_letter(const opt_def *o, char letter)
{
    for (; o->name; o++)
        if (o->letter && o->letter == letter)
            return o;
    return NULL;
}

static void opt_label(const opt_def *o, char *buf, size_t len)
{
    if (o->letter)
        snprintf(buf, len, "-%c/%s", o->letter, o->name);
    else
        snprintf(buf, len, "%s", o->name);
}

/* Store value `v` of option `o`; 0, or -1 with a message. */
static int store(const opt_command *c, const opt_def *o, const char *v)
{
    char label[80];
    opt_label(o, label, sizeof label);
    const char *what = o->arg ? o->arg : "a value";
    switch (o->kind) {
    case OPT_FLAG:
        *(int *)o->target = 1;
        return 0;
    case OPT_STR:
        if (!*v) {
            fprintf(stderr, "%s: %s: expected %s, found an empty string\n", c->name, label, what);
            return -1;
        }
        *(const char **)o->target = v;
        return 0;
    case OPT_OUTPUT:
        if (!*v || strcmp(v, ":memory:") == 0 || (v[0] == '-' && (v[1] || !(o->flags & OPT_STDOUT)))) {
            fprintf(stderr, "%s: %s: expected an output file name, found \"%s\"%s\n", c->name, label, v,
                    strcmp(v, ":memory:") == 0 ? " (an in-memory database keeps nothing)"
                    : !*v                      ? " (nothing would be kept)"
                                               : "");
            return -1;
        }
        *(const char **)o->target = v;
        return 0;
    case OPT_INT: {
        char *end;
        errno = 0;
        long x = strtol(v, &end, 10);
        if (!*v || *end || errno == ERANGE || (double)x < o->lo || (double)x > o->hi) {
            fprintf(stderr, "%s: %s: expected an integer in [%.0f, %.0f], found \"%s\"\n", c->name, label, o->lo,
                    o->hi, v);
            return -1;
        }
        *(long *)o->target = x;
        return 0;
    }
    case OPT_NUM: {
        char *end;
        errno = 0;
        double x = strtod(v, &end);
        if (!*v || *end || errno == ERANGE || !isfinite(x) || x < o->lo || x > o->hi) {
            fprintf(stderr, "%s: %s: expected a number in [%g, %g], found \"%s\"\n", c->name, label, o->lo, o->hi, v);
            return -1;
        }
        *(double *)o->target = x;
        return 0;
    }
    case OPT_LIST: {
        opt_list *l = o->target;
        if (!*v) {
            fprintf(stderr, "%s: %s: expected %s, found an empty string\n", c->name, label, what);
            return -1;
        }
        if (l->n >= l->cap) {
            fprintf(stderr, "%s: %s given more than %d times\n", c->name, label, l->cap);
            return -1;
        }
        l->items[l->n++] = v;
        return 0;
    }
    }
    return -1;
}

int opts_parse(const opt_command *c, int argc, char **argv)
{
    int npos = 0, only_pos = 0;
    if (c->n_pos)
        *c->n_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            opts_print_help(c, stdout);
            return OPTS_HELP;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const opt_def *o = NULL;
        const char *inline_val = NULL;
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] == '-') {
            const char *eq = strchr(a, '=');
            o = find_long(c->opts, a, eq ? (size_t)(eq - a) : strlen(a));
            inline_val = eq ? eq + 1 : NULL;
        } else if (!only_pos && a[0] == '-' && a[1] && !a[2]) {
            o = find_letter(c->opts, a[1]);
        } else if (!only_pos && a[0] == '-' && a[1]) {
            o = NULL;
        } else {
            if (npos >= c->max_pos) {
                if (c->max_pos == 0)
                    fprintf(stderr, "%s: unexpected argument \"%s\" (this command takes none; see --help)\n", c->name,
                            a);
                else
                    fprintf(stderr, "%s: unexpected argument \"%s\" (expected at most %d: %s)\n", c->name, a,
                            c->max_pos, c->usage);
                return OPTS_ERROR;
            }
            c->pos[npos++] = a;
            continue;
        }
        if (!o) {
            fprintf(stderr, "%s: unknown option %s (see %s --help)\n", c->name, a, c->name);
            return OPTS_ERROR;
        }
        if (o->kind == OPT_FLAG) {
            if (inline_val) {
                fprintf(stderr, "%s: %s takes no value\n", c->name, o->name);
                return OPTS_ERROR;
            }
            *(int *)o->target = 1;
            continue;
        }
        if (!inline_val) {
            if (i + 1 >= argc) {
                char label[80];
                opt_label(o, label, sizeof label);
                fprintf(stderr, "%s: %s: missing value (%s)\n", c->name, label, o->arg ? o->arg : "a value");
                return OPTS_ERROR;
            }
            inline_val = argv[++i];
        }
        if (store(c, o, inline_val) != 0)
            return OPTS_ERROR;
    }
    if (c->n_pos)
        *c->n_pos = npos;
    if (npos < c->min_pos) {
        fprintf(stderr, "%s: missing argument (usage: %s %s)\n", c->name, c->name, c->usage);
        return OPTS_ERROR;
    }
    return OPTS_OK;
}

void opts_print_help(const opt_command *c, FILE *out)
{
    fprintf(out, "usage: %s %s\n", c->name, c->usage);
    if (c->about && *c->about)
        fprintf(out, "\n%s", c->about);
    fprintf(out, "\nOptions:\n");
    for (const opt_def *o = c->opts; o && o->name; o++) {
        char left[80];
        int n = o->letter ? snprintf(left, sizeof left, "-%c, %s", o->letter, o->name)
                          : snprintf(left, sizeof left, "%s", o->name);
        if (o->kind != OPT_FLAG && n >= 0 && (size_t)n < sizeof left)
            snprintf(left + n, sizeof left - (size_t)n, " %s", o->arg ? o->arg : "VALUE");
        fprintf(out, "  %-24s ", left);
        for (const char *h = o->help; *h; h++) {
            fputc(*h, out);
            if (*h == '\n')
                fprintf(out, "  %-24s ", "");
        }
        if (o->kind == OPT_INT && o->hi > o->lo)
            fprintf(out, " [%.0f..%.0f]", o->lo, o->hi);
        fputc('\n', out);
    }
    fprintf(out, "  %-24s %s\n\n", "-h, --help", "this help");
    exit_codes_print(out);
}

int opts_check_output(FILE *out, const char *what)
{
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(stderr, "%s: cannot write the output: %s\n", what, strerror(errno ? errno : EIO));
        return EXIT_OUTPUT;
    }
    return EXIT_OK;
}
