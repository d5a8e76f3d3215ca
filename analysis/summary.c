/* summary.c -- print run_summary from a results database. */
#include "analysis/summary.h"

#include <sqlite3.h>

#include "analysis/plot.h"
#include "sim/base/exit_codes.h"

int summary_print(const char *db_path, const long long *run_ids, int n, FILE *out)
{
    char err[1024];
    sqlite3_stmt *st = NULL;
    /* The ids as a JSON array: one statement whatever their number. */
    const char *sql = "SELECT run_id, policy, replication, sweep_point, n, mean_latency_s, p50_latency_s,"
                      " p95_latency_s, p99_latency_s, mean_ttft_s, large_fraction, mean_quality, mean_energy_j,"
                      " n - n_done FROM run_summary WHERE run_id IN (SELECT value FROM json_each(?1)) ORDER BY run_id";
    sqlite3 *db = analysis_open(db_path, err, sizeof err); /* read-only, with a busy timeout */
    if (!db) {
        fprintf(stderr, "edgesim: %s\n", err);
        return EXIT_OUTPUT;
    }
    char *ids = sqlite3_mprintf("[");
    for (int i = 0; ids && i < n; i++) {
        char *more = sqlite3_mprintf("%s%s%lld", ids, i ? "," : "", run_ids[i]);
        sqlite3_free(ids);
        ids = more;
    }
    char *list = ids ? sqlite3_mprintf("%s]", ids) : NULL;
    sqlite3_free(ids);
    if (!list || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "edgesim: %s: cannot read run_summary: %s\n", db_path, list ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_free(list);
        sqlite3_close(db);
        return EXIT_OUTPUT;
    }
    sqlite3_bind_text(st, 1, list, -1, sqlite3_free);
    fprintf(out, "%5s  %-18s %4s %7s %7s %9s %9s %9s %9s %9s %7s %7s %8s  %s\n", "run", "policy", "rep", "queries",
            "undone", "mean_s", "p50_s", "p95_s", "p99_s", "ttft_s", "large", "quality", "energy_J", "sweep point");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fprintf(out, "%5lld  %-18s %4d %7lld %7lld %9.4f %9.4f %9.4f %9.4f %9.4f %7.3f %7.4f %8.3f  %s\n",
                (long long)sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                sqlite3_column_int(st, 2), (long long)sqlite3_column_int64(st, 4),
                (long long)sqlite3_column_int64(st, 13), sqlite3_column_double(st, 5),
                sqlite3_column_double(st, 6), sqlite3_column_double(st, 7), sqlite3_column_double(st, 8),
                sqlite3_column_double(st, 9), sqlite3_column_double(st, 10), sqlite3_column_double(st, 11),
                sqlite3_column_double(st, 12), (const char *)sqlite3_column_text(st, 3));
    }
    int status = rc == SQLITE_DONE ? EXIT_OK : EXIT_OUTPUT;
    if (status != EXIT_OK)
        fprintf(stderr, "edgesim: %s: %s\n", db_path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return status;
}
