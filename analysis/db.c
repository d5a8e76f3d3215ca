/* db.c -- open a results database for analysis, install the views. */
#include "analysis/plot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

static const char persistent_prefix[] = "CREATE VIEW IF NOT EXISTS";
static const char temp_prefix[] = "CREATE TEMP VIEW IF NOT EXISTS";

/* views.sql with every "CREATE VIEW IF NOT EXISTS" made TEMP; caller frees. */
static char *temp_views_sql(void)
{
    size_t n = 0, len = strlen(analysis_views_sql);
    for (const char *p = analysis_views_sql; (p = strstr(p, persistent_prefix)); p += sizeof persistent_prefix - 1)
        n++;
    char *out = malloc(len + n * (sizeof temp_prefix - sizeof persistent_prefix) + 1);
    if (!out)
        return NULL;
    char *w = out;
    const char *r = analysis_views_sql, *hit;
    while ((hit = strstr(r, persistent_prefix))) {
        memcpy(w, r, (size_t)(hit - r));
        w += hit - r;
        memcpy(w, temp_prefix, sizeof temp_prefix - 1);
        w += sizeof temp_prefix - 1;
        r = hit + sizeof persistent_prefix - 1;
    }
    strcpy(w, r);
    return out;
}

int analysis_install_views(sqlite3 *db, int temp, char *err, size_t errlen)
{
    char *sql = temp ? temp_views_sql() : NULL;
    char *msg = NULL;
    if (temp && !sql) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = sqlite3_exec(db, temp ? sql : analysis_views_sql, NULL, NULL, &msg);
    free(sql);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "installing the views (analysis/views.sql): %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

sqlite3 *analysis_open(const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char why[512];
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open the database: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(db, 30000); /* a run may be appending to it */
    /* Reading the tables' columns proves this is an edgesim database. */
    if (sqlite3_prepare_v2(db, "SELECT run_id, status, sweep_point FROM runs LIMIT 0", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_finalize(st) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT run_id, latency_s, t_done FROM queries LIMIT 0", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: not an edgesim results database (%s)", path, sqlite3_errmsg(db));
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    /* The views group runs by the identity stored with each run (record
     * schema 5 on); an older file cannot be grouped safely. */
    if (sqlite3_prepare_v2(db, "SELECT point_key, group_key, config_hash FROM runs LIMIT 0", -1, &st, NULL) !=
        SQLITE_OK) {
        int version = -1;
        sqlite3_finalize(st);
        st = NULL;
        if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            version = sqlite3_column_int(st, 0);
        snprintf(err, errlen,
                 "%s: written by an older edgesim (record schema %d) without run identity; the analysis needs "
                 "schema 5 or later to group runs safely: run the scenario again into a new database",
                 path, version);
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (analysis_install_views(db, 1, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        goto fail;
    }
    return db;
fail:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return NULL;
}
