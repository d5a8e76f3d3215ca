/* merge.c -- `edgesim merge OUT.db IN.db...`: append the complete runs of
 * several results databases (e.g. one per job-array task) to one, with new
 * run ids.  Each input is appended in one transaction: all of it or none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "analysis/plot.h"
#include "sim/base/opts.h"
#include "sim/run/record.h"
#include "sim/base/exit_codes.h"
#include "analysis/summary.h"

static int is_results_db(sqlite3 *db, const char *schema)
{
    char sql[160];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*) FROM %s.sqlite_master WHERE type = 'table' AND name IN ('runs', 'queries')", schema);
    int n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n == 2;
}

static int count_complete(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int n = -1;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM src.runs WHERE status = 'complete'", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Append one input; returns a cli_exit code. */
static int merge_one(sqlite3 *db, const char *out_path, const char *in_path)
{
    /* ATTACH would create a missing file: check first. */
    FILE *probe = fopen(in_path, "rb");
    if (!probe) {
        fprintf(stderr, "edgesim: %s: cannot open\n", in_path);
        return EXIT_INPUT;
    }
    fclose(probe);
    char in_real[4096], out_real[4096];
    if (realpath(in_path, in_real) && realpath(out_path, out_real) && strcmp(in_real, out_real) == 0) {
        fprintf(stderr, "edgesim: %s is the output database\n", in_path);
        return EXIT_USAGE;
    }
    char *msg = NULL;
    char *attach = sqlite3_mprintf("ATTACH DATABASE %Q AS src", in_path);
    int status = EXIT_OK;
    if (!attach || sqlite3_exec(db, attach, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "edgesim: %s: %s\n", in_path, msg ? msg : "out of memory");
        sqlite3_free(msg);
        sqlite3_free(attach);
        return EXIT_INPUT;
    }
    sqlite3_free(attach);
    int n = is_results_db(db, "src") ? count_complete(db) : -1;
    int version = -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA src.user_version", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (n >= 0 && version != EDGESIM_SCHEMA_VERSION) {
        fprintf(stderr, "edgesim: %s: record schema version %d, expected %d (written by another edgesim)\n", in_path,
                version, EDGESIM_SCHEMA_VERSION);
        status = EXIT_INPUT;
    } else if (n < 0) {
        fprintf(stderr, "edgesim: %s: not an edgesim results database (no runs and queries tables)\n", in_path);
        status = EXIT_INPUT;
    } else if (sqlite3_exec(db, "BEGIN", NULL, NULL, &msg) != SQLITE_OK ||
               sqlite3_exec(db, analysis_merge_sql, NULL, NULL, &msg) != SQLITE_OK ||
               sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "edgesim: merging %s into %s: %s\n", in_path, out_path, msg ? msg : "?");
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        status = EXIT_OUTPUT;
    } else {
        /* merge.sql's map holds the runs it copied; the rest were there. */
        int copied = n;
        if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM temp.merge_map", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            copied = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        st = NULL;
        if (copied < n)
            fprintf(stderr, "edgesim: merged %d complete runs from %s; %d already in %s (same run identity) skipped\n",
                    copied, in_path, n - copied, out_path);
        else
            fprintf(stderr, "edgesim: merged %d complete runs from %s\n", n, in_path);
    }
    sqlite3_free(msg);
    sqlite3_exec(db, "DETACH DATABASE src", NULL, NULL, NULL);
    return status;
}

int merge_main(int argc, char **argv)
{
    const char *out_path = NULL;
    int quiet = 0, n_in = 0;
    const char **in = malloc((size_t)(argc > 0 ? argc : 1) * sizeof *in);
    if (!in) {
        fprintf(stderr, "edgesim merge: out of memory\n");
        return EXIT_INTERNAL;
    }
    const opt_def opts[] = {
        {"--output", 'o', OPT_OUTPUT, &out_path, 0, 0, "OUT.db", "database to append to (created if missing)", 0},
        {"--quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "no warnings", 0},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, 0},
    };
    const opt_command cmd = {"edgesim merge", "-o OUT.db IN.db...",
                             "Append the complete runs of each IN.db to OUT.db (created if missing),\n"
                             "renumbering run_id.  Runs left 'running' by killed jobs are skipped, and\n"
                             "so are runs OUT.db already holds (same run identity; their number is said).\n"
                             "For job arrays: edgesim run S.json --sweep-index $SLURM_ARRAY_TASK_ID -o out/$ID.db,\n"
                             "then edgesim merge -o all.db out/*.db.  The older form `edgesim merge OUT.db\n"
                             "IN.db...` (output first) still works, with a warning.\n",
                             opts, in, 1, argc, &n_in};
    int prc = opts_parse(&cmd, argc, argv);
    if (prc != OPTS_OK) {
        free(in);
        return prc == OPTS_HELP ? opts_check_output(stdout, "edgesim merge --help") : EXIT_USAGE;
    }
    int first = 0;
    if (!out_path) {
        /* Deprecated: the output as the first positional argument. */
        out_path = in[0];
        first = 1;
        if (!quiet)
            fprintf(stderr, "edgesim merge: warning: the output as first argument is deprecated; use -o %s\n",
                    out_path);
        if (!*out_path || strcmp(out_path, ":memory:") == 0 || out_path[0] == '-') {
            fprintf(stderr, "edgesim merge: expected an output file name, found \"%s\"\n", out_path);
            free(in);
            return EXIT_USAGE;
        }
    }
    if (n_in - first < 1) {
        fprintf(stderr, "edgesim merge: no input database (usage: edgesim merge -o OUT.db IN.db...)\n");
        free(in);
        return EXIT_USAGE;
    }
    char err[1024];
    /* Opening as a sink creates the schema and views when the file is new. */
    sink *s = sink_sqlite_open(out_path, err, sizeof err);
    if (!s) {
        fprintf(stderr, "edgesim: %s\n", err);
        free(in);
        return EXIT_OUTPUT;
    }
    sink_close(s);

    sqlite3 *db = NULL;
    if (sqlite3_open_v2(out_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fprintf(stderr, "edgesim: %s: %s\n", out_path, sqlite3_errmsg(db));
        sqlite3_close(db);
        free(in);
        return EXIT_OUTPUT;
    }
    sqlite3_busy_timeout(db, 30000);
    int status = EXIT_OK;
    for (int i = first; i < n_in && status == EXIT_OK; i++)
        status = merge_one(db, out_path, in[i]);
    sqlite3_close(db);
    free(in);
    return status;
}
