/* cmd.c -- option parsing and input/output shared by the analysis commands
 * (analysis_int.h). */
#include "analysis_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "analysis/plot.h"
#include "sim/base/opts.h"

static int allowed_has(const char *const *allowed, const char *opt)
{
    for (; *allowed; allowed++)
        if (strcmp(*allowed, opt) == 0)
            return 1;
    return 0;
}

int an_args_parse(an_args *a, const char *cmd, int argc, char **argv, const char *const *allowed,
                  const char *usage, const char *about)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->format = AN_TABLE;
    a->level = 0.95;
    a->by = "group";
    const char *format = NULL, *by = NULL;
    /* Every option of the analysis commands; each command allows some. */
    const opt_def all[] = {
        {"--what", 0, OPT_STR, &a->what, 0, 0, "SECTION", "which table (see above)", 0},
        {"--by", 0, OPT_STR, &by, 0, 0, "group|policy",
         "order rows by group then policy (default) or by\npolicy then group (rows are the same cells)", 0},
        {"--baseline", 0, OPT_STR, &a->baseline, 0, 0, "POLICY",
         "a policy label as summary prints it (\"quality-latency\n"
         "alpha=0.1\") or a policy name with one parameter set\nin the group (\"always-large\")", 0},
        {"--format", 0, OPT_STR, &format, 0, 0, "F", "table (default), csv, json", 0},
        {"--ci", 0, OPT_NUM, &a->level, 1e-9, 1 - 1e-9, "LEVEL", "confidence level in (0, 1), default 0.95", 0},
        {"--max-groups", 0, OPT_INT, &a->max_groups, 1, 1000000, "N", "figures for the first N groups (default 6)", 0},
        {"--output", 'o', OPT_OUTPUT, &a->output, 0, 0, "FILE", "write to FILE instead of stdout", OPT_STDOUT},
    };
    opt_def opts[sizeof all / sizeof all[0] + 1];
    size_t n = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(all[i].name, "--output") == 0 || allowed_has(allowed, all[i].name))
            opts[n++] = all[i];
    opts[n] = (opt_def){NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, 0};
    char name[64];
    snprintf(name, sizeof name, "edgesim %s", cmd);
    const opt_command c = {name, usage, about, opts, &a->db_path, 1, 1, NULL};
    int rc = opts_parse(&c, argc, argv);
    if (rc != OPTS_OK)
        return rc;
    if (a->output && strcmp(a->output, "-") == 0)
        a->output = NULL;
    if (format && an_format_parse(format, &a->format) != 0) {
        fprintf(stderr, "edgesim %s: --format: expected table, csv or json, found \"%s\"\n", cmd, format);
        return -1;
    }
    if (by) {
        if (strcmp(by, "group") != 0 && strcmp(by, "policy") != 0) {
            fprintf(stderr, "edgesim %s: --by: expected group or policy, found \"%s\"\n", cmd, by);
            return -1;
        }
        a->by = by;
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
