/* cmd.c -- option parsing and input/output shared by the analysis commands
 * (analysis_int.h). */
#include "analysis_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "analysis/plot.h"

static int allowed_has(const char *const *allowed, const char *opt)
{
    for (; *allowed; allowed++)
        if (strcmp(*allowed, opt) == 0)
            return 1;
    return 0;
}

int an_args_parse(an_args *a, const char *cmd, int argc, char **argv, const char *const *allowed,
                  const char *help)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->format = AN_TABLE;
    a->level = 0.95;
    a->by = "group";
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            fputs(help, stdout);
            return 1;
        }
        if (opt[0] != '-') {
            if (a->db_path) {
                fprintf(stderr, "edgesim %s: unexpected argument %s (one database)\n", cmd, opt);
                return -1;
            }
            a->db_path = opt;
            continue;
        }
        if (strcmp(opt, "-o") == 0)
            opt = "--output";
        if (strcmp(opt, "--output") != 0 && !allowed_has(allowed, opt)) {
            fprintf(stderr, "edgesim %s: unknown option %s (see edgesim %s --help)\n", cmd, argv[i], cmd);
            return -1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "edgesim %s: %s needs a value\n", cmd, argv[i]);
            return -1;
        }
        const char *val = argv[++i];
        if (strcmp(opt, "--output") == 0) {
            if (!*val) {
                fprintf(stderr, "edgesim %s: -o: empty file name\n", cmd);
                return -1;
            }
            a->output = val;
        } else if (strcmp(opt, "--format") == 0) {
            if (an_format_parse(val, &a->format) != 0) {
                fprintf(stderr, "edgesim %s: --format: expected table, csv or json, found \"%s\"\n", cmd, val);
                return -1;
            }
        } else if (strcmp(opt, "--ci") == 0) {
            char *end;
            double v = strtod(val, &end);
            if (!*val || *end || !(v > 0 && v < 1)) {
                fprintf(stderr, "edgesim %s: --ci: expected a confidence level in (0, 1) such as 0.95, found \"%s\"\n",
                        cmd, val);
                return -1;
            }
            a->level = v;
        } else if (strcmp(opt, "--by") == 0) {
            if (strcmp(val, "group") != 0 && strcmp(val, "policy") != 0) {
                fprintf(stderr, "edgesim %s: --by: expected group or policy, found \"%s\"\n", cmd, val);
                return -1;
            }
            a->by = val;
        } else if (strcmp(opt, "--baseline") == 0) {
            a->baseline = val;
        } else if (strcmp(opt, "--what") == 0) {
            a->what = val;
        }
    }
    if (!a->db_path) {
        fprintf(stderr, "edgesim %s: missing RESULTS.db (see edgesim %s --help)\n", cmd, cmd);
        return -1;
    }
    return 0;
}

sqlite3 *an_open_load(const an_args *a, an_data *d)
{
    char err[1024];
    memset(d, 0, sizeof *d);
    sqlite3 *db = analysis_open(a->db_path, err, sizeof err);
    if (!db) {
        fprintf(stderr, "edgesim %s: %s\n", a->cmd, err);
        return NULL;
    }
    if (an_data_load(db, d, err, sizeof err) != 0) {
        fprintf(stderr, "edgesim %s: %s: %s\n", a->cmd, a->db_path, err);
        sqlite3_close(db);
        return NULL;
    }
    if (d->n_runs == 0) {
        fprintf(stderr, "edgesim %s: %s: no complete run\n", a->cmd, a->db_path);
        an_data_free(d);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

FILE *an_open_output(const an_args *a)
{
    if (!a->output)
        return stdout;
    FILE *f = fopen(a->output, "w");
    if (!f)
        fprintf(stderr, "edgesim %s: %s: cannot write: %s\n", a->cmd, a->output, strerror(errno));
    return f;
}

int an_close_output(const an_args *a, FILE *out)
{
    int bad = fflush(out) != 0 || ferror(out);
    if (out != stdout)
        bad |= fclose(out) != 0;
    if (bad)
        fprintf(stderr, "edgesim %s: %s: write error (disk full?)\n", a->cmd, a->output ? a->output : "stdout");
    return bad ? -1 : 0;
}
