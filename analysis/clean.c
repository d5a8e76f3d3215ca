/* clean.c -- `edgesim clean DB`: remove the runs left 'running' (a killed
 * process, or a deletion that failed on a full disk) and their query rows,
 * in one transaction.  A run whose writer is alive on this host is kept; so
 * is one written from another host, unless --force (edgesim cannot tell
 * whether that process still runs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "analysis/plot.h"
#include "sim/base/exit_codes.h"
#include "sim/base/opts.h"
#include "sim/run/results_db.h"

/* Decide and delete inside the open transaction; counts in n[]:
 * removed runs, removed query rows, kept live, kept remote.  With `only`,
 * the runs of that writer alone, whoever it is (the caller knows it is gone). */
static int clean_locked(sqlite3 *db, int force, const char *only, long long n[4])
{
    sqlite3_stmt *sel = NULL;
    if (sqlite3_prepare_v2(db, "SELECT run_id, writer FROM runs WHERE status = 'running' ORDER BY run_id", -1, &sel,
                           NULL) != SQLITE_OK)
        return -1;
    int step;
    /* Collect first, delete after: plainer than deleting while stepping. */
    long long *ids = NULL;
    size_t n_ids = 0, cap = 0;
    while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
        const char *writer = (const char *)sqlite3_column_text(sel, 1);
        if (only && (!writer || strcmp(writer, only) != 0))
            continue;
        int alive = writer && !only ? results_db_writer_alive(writer) : 0;
        if (alive == 1 || (alive < 0 && !force)) {
            n[alive == 1 ? 2 : 3]++;
            fprintf(stderr, "edgesim: clean: run %lld kept: its writer %s %s\n",
                    (long long)sqlite3_column_int64(sel, 0), writer,
                    alive == 1 ? "is still running" : "is on another host (--force removes it)");
            continue;
        }
        if (n_ids == cap) {
            cap = cap ? 2 * cap : 64;
            long long *grown = realloc(ids, cap * sizeof *grown);
            if (!grown) {
                step = SQLITE_NOMEM;
                break;
            }
            ids = grown;
        }
        ids[n_ids++] = sqlite3_column_int64(sel, 0);
    }
    sqlite3_finalize(sel);
    for (size_t i = 0; step == SQLITE_DONE && i < n_ids; i++) {
        if (results_db_remove_run(db, ids[i], &n[1]) != 0)
            step = SQLITE_ERROR;
        n[0]++;
    }
    free(ids);
    return step == SQLITE_DONE ? 0 : -1;
}

/* clean_locked in one BEGIN IMMEDIATE transaction; -1 with SQLite's
 * message in err (rolled back). */
static int clean_transaction(sqlite3 *db, int force, const char *only, long long n[4], char *err, size_t errlen)
{
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK && clean_locked(db, force, only, n) == 0 &&
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int clean_main(int argc, char **argv)
{
    int force = 0, quiet = 0, n_pos = 0;
    const char *pos[1];
    const opt_def opts[] = {
        {"--force", 0, OPT_FLAG, &force, 0, 0, NULL,
         "also remove unfinished runs written from another host (make sure no\nedgesim there still writes the file)", 0},
        {"--quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "no report of what was removed", 0},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, 0},
    };
    const opt_command c = {"edgesim clean", "RESULTS.db [options]",
                           "Remove the runs left 'running' in a results database (by a killed process, or\n"
                           "a failed run that could not be deleted, e.g. on a full disk) and their query\n"
                           "rows, in one transaction.  No view counts such runs, but they take space\n"
                           "(`edgesim run` into the file replaces only those of the runs it runs).  A run\n"
                           "whose writer is still alive on this host is kept.\n",
                           opts, pos, 1, 1, &n_pos};
    int prc = opts_parse(&c, argc, argv);
    if (prc == OPTS_HELP)
        return opts_check_output(stdout, c.name);
    if (prc != OPTS_OK)
        return EXIT_USAGE;
    const char *path = pos[0];
    char err[1024];
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        fprintf(stderr, "edgesim: %s: cannot open\n", path);
        return EXIT_INPUT;
    }
    fclose(probe);
    sqlite3 *db = results_db_open(path, 0, err, sizeof err);
    if (!db) {
        fprintf(stderr, "edgesim: %s\n", err);
        return EXIT_INPUT;
    }
    long long n[4] = {0, 0, 0, 0};
    int status = EXIT_OK;
    if (clean_transaction(db, force, NULL, n, err, sizeof err) != 0) {
        fprintf(stderr, "edgesim: %s: cleaning: %s (nothing removed)\n", path, err);
        status = EXIT_OUTPUT;
    } else if (!quiet) {
        printf("%s: removed %lld unfinished runs and %lld query rows", path, n[0], n[1]);
        if (n[2] + n[3] > 0)
            printf("; kept %lld still running here, %lld from other hosts", n[2], n[3]);
        printf("\n");
        status = opts_check_output(stdout, c.name);
    }
    sqlite3_close(db);
    return status;
}

int clean_writer_runs(const char *path, const char *writer, long long *runs, char *err, size_t errlen)
{
    long long n[4] = {0, 0, 0, 0};
    char why[512];
    sqlite3 *db = results_db_open(path, 0, err, errlen);
    if (!db)
        return -1;
    int rc = clean_transaction(db, 0, writer, n, why, sizeof why);
    if (rc != 0)
        snprintf(err, errlen, "%s: removing the unfinished runs of %s: %s", path, writer, why);
    sqlite3_close(db);
    *runs = n[0];
    return rc;
}
