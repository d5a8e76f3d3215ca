/* sink_sqlite.c -- records into an SQLite database, and the database's life
 * cycle (results_db.h).
 *
 * A run's row in `runs` is committed first with status 'running' and its
 * writer ("host:pid"); its query records are kept in memory and written in
 * short transactions of at most SINK_BATCH rows (or after SINK_FLUSH_S of
 * wall time), so no transaction stays open while the simulation runs; the
 * last batch and the status 'complete' are committed together.  A run that
 * fails or is interrupted is deleted (rows and run), so the file never holds
 * half a run that looks whole; a killed process (or a failed deletion, e.g.
 * on a full disk) leaves status 'running', which every view ignores and
 * `edgesim clean` removes.
 */
#include "sim/run/results_db.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "figures_int.h"
#include "models/channel/channel.h"
#include "sim/run/record.h"

#define SINK_BATCH 4096    /* records per write transaction */
#define SINK_FLUSH_S 2.0   /* or at most this much wall time between commits, s */
#define SCHEMA_VERSION EDGESIM_SCHEMA_VERSION

extern const char edgesim_schema_sql[];

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- the database ---- */

/* SQLite's message, plus the system's when an I/O call failed ("disk I/O
 * error (File too large)", "database or disk is full (No space left on
 * device)"). */
void results_db_error(sqlite3 *db, const char *msg, char *out, size_t len)
{
    int sys = sqlite3_system_errno(db);
    int code = sqlite3_errcode(db) & 0xff;
    if (sys != 0 && (code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_CANTOPEN))
        snprintf(out, len, "%.300s (%s)", msg, strerror(sys));
    else if (code == SQLITE_IOERR)
        snprintf(out, len, "%.300s (a full disk, a file size limit, or a failing device?)", msg);
    else
        snprintf(out, len, "%.300s", msg);
}

static int db_exec(sqlite3 *db, const char *path, const char *sql, const char *what, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        char why[400];
        results_db_error(db, msg ? msg : sqlite3_errmsg(db), why, sizeof why);
        snprintf(err, errlen, "%.400s: %s: %s", path, what, why);
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Runs `sql` (one integer result) into *out; -1 with err set. */
static int db_int(sqlite3 *db, const char *path, const char *sql, int *out, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
    if (ok)
        *out = sqlite3_column_int(st, 0);
    else
        snprintf(err, errlen, "%.400s: reading the database: %.300s", path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

/* Within BEGIN IMMEDIATE: check the schema, or install it in a new file. */
static int install_schema_locked(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    int version, ours, foreign, runs_table;
    if (db_int(db, path, "PRAGMA user_version", &version, err, errlen) != 0)
        return -1;
    if (version == SCHEMA_VERSION)
        return 0;
    if (db_int(db, path,
               "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('runs', 'queries')", &ours,
               err, errlen) != 0 ||
        db_int(db, path,
               "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT IN ('runs', 'queries')"
               " AND name NOT LIKE 'sqlite_%'",
               &foreign, err, errlen) != 0)
        return -1;
    runs_table = ours > 0;
    if (version != 0) {
        snprintf(err, errlen,
                 "%.400s: written with record schema version %d, this edgesim writes version %d: write to a new "
                 "file",
                 path, version, SCHEMA_VERSION);
        return -1;
    }
    if (foreign > 0) {
        snprintf(err, errlen, "%.400s: not an edgesim results database (it has tables of its own): write to a new "
                              "file", path);
        return -1;
    }
    if (runs_table) {
        /* Version 0 with our tables: a schema left half-made by an older
         * edgesim killed while creating it.  Without runs, start afresh. */
        int n_runs = 0;
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM runs", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            n_runs = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (n_runs > 0) {
            snprintf(err, errlen, "%.400s: holds %d runs but no record schema version: write to a new file", path,
                     n_runs);
            return -1;
        }
    }
    /* Drop whatever part of a schema is there (views first), then create. */
    sqlite3_stmt *st = NULL;
    char *drops = sqlite3_mprintf("%s", "");
    if (sqlite3_prepare_v2(db, "SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table')"
                               " AND name NOT LIKE 'sqlite_%' ORDER BY type = 'table'",
                           -1, &st, NULL) == SQLITE_OK) {
        while (drops && sqlite3_step(st) == SQLITE_ROW) {
            const char *type = (const char *)sqlite3_column_text(st, 0);
            char *more = sqlite3_mprintf("%sDROP %s IF EXISTS \"%w\";", drops, strcmp(type, "view") == 0 ? "VIEW" : "TABLE",
                                         (const char *)sqlite3_column_text(st, 1));
            sqlite3_free(drops);
            drops = more;
        }
    }
    sqlite3_finalize(st);
    if (!drops) {
        snprintf(err, errlen, "%.400s: out of memory", path);
        return -1;
    }
    char version_sql[64];
    snprintf(version_sql, sizeof version_sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
    int rc = db_exec(db, path, drops, "removing a partial schema", err, errlen) != 0 ||
                     db_exec(db, path, edgesim_schema_sql, "creating the schema", err, errlen) != 0 ||
                     db_exec(db, path, version_sql, "setting the version", err, errlen) != 0
                 ? -1
                 : 0;
    sqlite3_free(drops);
    return rc;
}

sqlite3 *results_db_open(const char *path, int create, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    /* One connection used by one thread: no SQLite mutexes (about 4% of a run). */
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%.400s: cannot open the database: %.300s", path,
                 db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, RESULTS_DB_BUSY_MS);
    sqlite3_extended_result_codes(db, 1);
    const char *max_pages = getenv("EDGESIM_TEST_DB_MAX_PAGES");
    if (max_pages) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA max_page_count = %d", atoi(max_pages));
        if (db_exec(db, path, sql, "setting the test page limit", err, errlen) != 0)
            goto fail;
    }
    if (db_exec(db, path, "PRAGMA synchronous = NORMAL", "configuring", err, errlen) != 0 ||
        db_exec(db, path, "BEGIN IMMEDIATE", "locking the file to check its schema", err, errlen) != 0)
        goto fail;
    if (install_schema_locked(db, path, err, errlen) != 0) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        goto fail;
    }
    if (db_exec(db, path, "COMMIT", "committing the schema", err, errlen) != 0) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        goto fail;
    }
    return db;
fail:
    sqlite3_close(db);
    return NULL;
}

int results_db_remove_run(sqlite3 *db, sqlite3_int64 run_id, long long *n_query_rows)
{
    static const char *const deletes[] = {"DELETE FROM queries WHERE run_id = ?1",
                                          "DELETE FROM run_figures WHERE run_id = ?1",
                                          "DELETE FROM runs WHERE run_id = ?1"};
    for (int i = 0; i < (int)(sizeof deletes / sizeof deletes[0]); i++) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, deletes[i], -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, run_id);
            rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return -1;
        if (i == 0 && n_query_rows)
            *n_query_rows += sqlite3_changes(db);
    }
    return 0;
}

void results_db_writer_id_of(char *buf, size_t len, long pid)
{
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "?");
    host[sizeof host - 1] = '\0';
    snprintf(buf, len, "%s:%ld", host, pid);
}

void results_db_writer_id(char *buf, size_t len)
{
    results_db_writer_id_of(buf, len, (long)getpid());
}

int results_db_writer_alive(const char *writer)
{
    char host[256];
    const char *colon = writer ? strrchr(writer, ':') : NULL;
    if (!colon || gethostname(host, sizeof host) != 0)
        return -1;
    host[sizeof host - 1] = '\0';
    if ((size_t)(colon - writer) != strlen(host) || strncmp(writer, host, strlen(host)) != 0)
        return -1;
    long pid = strtol(colon + 1, NULL, 10);
    if (pid <= 0)
        return 0;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM ? 1 : 0;
}

/* ---- the sink ---- */

typedef struct sqlite_sink {
    sink base;
    char path[1024];
    char writer[300];
    sqlite3 *db;
    sqlite3_stmt *insert, *insert_rows, *insert_model; /* one record, INSERT_ROWS records, a model row */
    sqlite3_int64 run_id;
    run_info info;           /* the current run's (only its models are read) */
    int models_rows;         /* write query_models: the models are not the default small (device), large (edge) */
    int in_run;              /* between begin_run and end_run */
    record *buf;             /* records not yet written */
    int n_buf;
    double last_flush;       /* wall clock, s */
    sink_records mode;
    run_figures fig;         /* SINK_RECORDS_RUNS: the current run's figures */
    long commits;            /* write transactions committed */
    long kill_after;         /* test hook: SIGKILL after this many commits (0: never) */
    char **unfinished;       /* resume: config_hash of each run left 'running' (load_unfinished) */
    int n_unfinished, unfinished_loaded;
} sqlite_sink;

const char *const sink_records_names[] = {"all", "runs", NULL};

static int db_fail(sqlite_sink *s, const char *what)
{
    char why[400];
    results_db_error(s->db, sqlite3_errmsg(s->db), why, sizeof why);
    snprintf(s->base.err, sizeof s->base.err, "%.400s: %s: %s", s->path, what, why);
    return -1;
}

static int exec(sqlite_sink *s, const char *sql, const char *what)
{
    return db_exec(s->db, s->path, sql, what, s->base.err, sizeof s->base.err);
}

/* After each committed write: the kill -9 test hook (results_db.h). */
static void committed(sqlite_sink *s)
{
    if (++s->commits == s->kill_after)
        raise(SIGKILL);
}

static const char insert_sql[] =
    "INSERT INTO queries (run_id, query_id, dialogue_id, turn, device, distance_m, benchmark,"
    " in_tokens, out_tokens, out_tokens_pred, context_tokens, cached_tokens, recomputed_tokens, route,"
    " p_large, q_small, q_large, quality, snr_db, snr_avg_db, rate_ul_bps, bytes_up, bytes_down,"
    " est_small_s, est_large_s, csw_small_s, csw_large_s, switched, t_arr, t_dec, t_ul_start, t_ul_end,"
    " t_queue_end, t_prefill_end, t_first_token, t_decode_end, t_done, latency_s, ttft_s, queue_wait_s, energy_j,"
    " edge_server, harq_tx_ul, harq_tx_dl, site, site_done, handovers, kv_action, backhaul_s, backhaul_bytes, status,"
    " tier, cost, wan_up_s, wan_down_s, load_s) VALUES ";
#define RECORD_PARAMS 56 /* the columns above; bind_record binds each */
/* Records per execution of the many-row insert: SQLite's per-statement work
 * (start, halt, statement journal) is shared by INSERT_ROWS rows; the rows
 * get the same rowids in the same order as one by one. */
#define INSERT_ROWS 16

/* insert_sql with `rows` tuples of RECORD_PARAMS anonymous parameters (row r,
 * column c is parameter r * RECORD_PARAMS + c + 1); sqlite3_free it. */
static char *insert_sql_rows(int rows)
{
    char *sql = sqlite3_mprintf("%s", insert_sql);
    for (int r = 0; sql && r < rows; r++) {
        char *more = sqlite3_mprintf("%s%s(?", sql, r ? "," : "");
        sqlite3_free(sql);
        sql = more;
        for (int c = 1; sql && c < RECORD_PARAMS; c++) {
            more = sqlite3_mprintf("%s,?", sql);
            sqlite3_free(sql);
            sql = more;
        }
        more = sql ? sqlite3_mprintf("%s)", sql) : NULL;
        sqlite3_free(sql);
        sql = more;
    }
    return sql;
}

static const char insert_model_sql[] =
    "INSERT INTO query_models (run_id, query_id, model, tier, est_s, csw_s, p, q) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)";

static void bind_real(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

static void bind_opt_int(sqlite3_stmt *st, int i, int64_t v)
{
    if (v < 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, v);
}

/* Bind record r as the row whose first parameter is o + 1. */
static void bind_record(sqlite3_stmt *st, int o, sqlite3_int64 run_id, const run_info *info, const record *r)
{
    sqlite3_bind_int64(st, o + 1, run_id);
    sqlite3_bind_int64(st, o + 2, r->query_id);
    bind_opt_int(st, o + 3, r->dialogue_id);
    bind_opt_int(st, o + 4, r->turn);
    sqlite3_bind_int(st, o + 5, r->device);
    bind_real(st, o + 6, r->distance_m);
    sqlite3_bind_text(st, o + 7, r->benchmark, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, o + 8, r->in_tokens);
    sqlite3_bind_int(st, o + 9, r->out_tokens);
    bind_opt_int(st, o + 10, r->out_tokens_pred);
    sqlite3_bind_int(st, o + 11, r->context_tokens);
    sqlite3_bind_int(st, o + 12, r->cached_tokens);
    sqlite3_bind_int(st, o + 13, r->recomputed_tokens);
    if (r->route < 0)
        sqlite3_bind_null(st, o + 14);
    else
        sqlite3_bind_text(st, o + 14, info->model_names[r->route], -1, SQLITE_STATIC);
    const double reals[] = {r->p_large, r->q_small, r->q_large, r->quality, r->snr_db, r->snr_avg_db,
                            r->rate_ul_bps, r->bytes_up, r->bytes_down, r->est_small_s, r->est_large_s,
                            r->csw_small_s, r->csw_large_s};
    for (int i = 0; i < (int)(sizeof reals / sizeof reals[0]); i++)
        bind_real(st, o + 15 + i, reals[i]);
    bind_opt_int(st, o + 28, r->switched);
    const double times[] = {r->t_arr, r->t_dec, r->t_ul_start, r->t_ul_end, r->t_queue_end, r->t_prefill_end,
                            r->t_first_token, r->t_decode_end, r->t_done, r->latency_s, r->ttft_s, r->queue_wait_s, r->energy_j};
    for (int i = 0; i < (int)(sizeof times / sizeof times[0]); i++)
        bind_real(st, o + 29 + i, times[i]);
    int radio = r->route >= 0 && strcmp(info->model_tiers[r->route], "device") != 0;
    bind_opt_int(st, o + 42, radio ? r->edge_server : -1);
    bind_opt_int(st, o + 43, radio ? r->harq_tx_ul : -1);
    bind_opt_int(st, o + 44, radio ? r->harq_tx_dl : -1);
    sqlite3_bind_int(st, o + 45, r->site);
    sqlite3_bind_int(st, o + 46, r->site_done);
    sqlite3_bind_int(st, o + 47, r->handovers);
    if (r->kv_action >= 0)
        sqlite3_bind_text(st, o + 48, handover_kv_names[r->kv_action], -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, o + 48);
    bind_real(st, o + 49, r->backhaul_s);
    bind_real(st, o + 50, r->backhaul_bytes);
    sqlite3_bind_text(st, o + 51, query_status_name(r->status), -1, SQLITE_STATIC);
    if (r->route < 0)
        sqlite3_bind_null(st, o + 52);
    else
        sqlite3_bind_text(st, o + 52, info->model_tiers[r->route], -1, SQLITE_STATIC);
    bind_real(st, o + 53, r->cost);
    bind_real(st, o + 54, r->wan_up_s);
    bind_real(st, o + 55, r->wan_down_s);
    bind_real(st, o + 56, r->load_s);
}

/* The query_models rows of a record (more than two models). */
static int insert_models(sqlite_sink *s, const record *r)
{
    for (int m = 0; m < s->info.n_models; m++) {
        sqlite3_stmt *st = s->insert_model;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, s->run_id);
        sqlite3_bind_int64(st, 2, r->query_id);
        sqlite3_bind_text(st, 3, s->info.model_names[m], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, s->info.model_tiers[m], -1, SQLITE_STATIC);
        bind_real(st, 5, r->model_est_s[m]);
        bind_real(st, 6, r->model_csw_s[m]);
        bind_real(st, 7, r->model_p[m]);
        bind_real(st, 8, r->model_q[m]);
        if (sqlite3_step(st) != SQLITE_DONE)
            return db_fail(s, "writing a query's model row");
    }
    return 0;
}

static double ratio(double sum, uint64_t n) { return n ? sum / (double)n : NAN; }

/* SINK_RECORDS_RUNS: the run's row of run_figures (inside the run's
 * transaction).  The same figures as the run_summary view would compute from
 * the rows. */
static int write_figures(sqlite_sink *s)
{
    const run_figures *f = &s->fig;
    if (f->n == 0)
        return 0; /* the view has no row for a run without queries either */
    sqlite3_stmt *st = NULL;
    const char *sql = "INSERT INTO run_figures (run_id, n, n_small, n_large, mean_latency_s, p50_latency_s,"
                      " p95_latency_s, p99_latency_s, mean_ttft_s, p50_ttft_s, p95_ttft_s, p99_ttft_s,"
                      " large_fraction, mean_quality, mean_energy_j, oracle_quality_gap, quantile_rel_error,"
                      " n_done, n_outage, n_rejected, n_deadline)"
                      " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21)";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, "preparing the run's figures");
    sqlite3_bind_int64(st, 1, s->run_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)f->n);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)f->n_small);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)f->n_large);
    _Static_assert(QUERY_N_STATUSES == 4, "run_figures has one n_<status> column per status, in order");
    const double v[] = {ratio(f->sum_latency, f->n_status[QUERY_DONE]),
                        figures_percentile(&f->latency, 50),
                        figures_percentile(&f->latency, 95),
                        figures_percentile(&f->latency, 99),
                        ratio(f->sum_ttft, f->n_ttft),
                        figures_percentile(&f->ttft, 50),
                        figures_percentile(&f->ttft, 95),
                        figures_percentile(&f->ttft, 99),
                        ratio((double)f->n_large, f->n_small + f->n_large),
                        ratio(f->sum_quality, f->n_quality),
                        ratio(f->sum_energy, f->n_energy),
                        ratio(f->sum_best, f->n_best) - ratio(f->sum_quality, f->n_quality),
                        FIGURES_REL_ERROR};
    for (int i = 0; i < (int)(sizeof v / sizeof v[0]); i++)
        bind_real(st, 5 + i, v[i]);
    for (int i = 0; i < QUERY_N_STATUSES; i++)
        sqlite3_bind_int64(st, 18 + i, (sqlite3_int64)f->n_status[i]);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, "writing the run's figures");
    /* per model: run_figure_models (the N-model figures of edgesim summary) */
    if (sqlite3_prepare_v2(s->db, "INSERT INTO run_figure_models (run_id, model, tier, n_routed, total_cost)"
                                  " VALUES (?1,?2,?3,?4,?5)", -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, "preparing the run's model figures");
    for (int m = 0; m < s->info.n_models && m < RECORD_MAX_MODELS && rc == SQLITE_DONE; m++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, s->run_id);
        sqlite3_bind_text(st, 2, s->info.model_names[m], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, s->info.model_tiers[m], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)f->n_model[m]);
        sqlite3_bind_double(st, 5, f->cost_model[m]);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_fail(s, "writing the run's model figures");
}

/* Write the buffered records inside the open transaction. */
static int insert_buffered(sqlite_sink *s)
{
    for (int i = 0; i < s->n_buf;) {
        int rows = s->n_buf - i >= INSERT_ROWS ? INSERT_ROWS : 1;
        sqlite3_stmt *st = rows > 1 ? s->insert_rows : s->insert;
        sqlite3_reset(st);
        for (int r = 0; r < rows; r++)
            bind_record(st, r * RECORD_PARAMS, s->run_id, &s->info, &s->buf[i + r]);
        if (sqlite3_step(st) != SQLITE_DONE)
            return db_fail(s, "writing a query record");
        for (int r = 0; r < rows && s->models_rows; r++)
            if (insert_models(s, &s->buf[i + r]) != 0)
                return -1;
        i += rows;
    }
    return 0;
}

/* The buffered records in one short transaction. */
static int flush(sqlite_sink *s)
{
    if (s->n_buf == 0)
        return 0;
    if (exec(s, "BEGIN IMMEDIATE", "starting a transaction") != 0)
        return -1;
    if (insert_buffered(s) != 0 || exec(s, "COMMIT", "committing records") != 0) {
        char keep[sizeof s->base.err];
        memcpy(keep, s->base.err, sizeof keep);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        memcpy(s->base.err, keep, sizeof keep);
        return -1;
    }
    committed(s);
    s->n_buf = 0;
    s->last_flush = wall_now();
    return 0;
}

/* Delete the current run (rows and run row) in one transaction.  If that
 * fails too (a full disk), the run stays 'running' for `edgesim clean`, and
 * err says so after what it held. */
static int remove_run(sqlite_sink *s)
{
    s->n_buf = 0;
    s->in_run = 0;
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK &&
        results_db_remove_run(s->db, s->run_id, NULL) == 0 &&
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    char why[400];
    results_db_error(s->db, sqlite3_errmsg(s->db), why, sizeof why);
    size_t len = strlen(s->base.err);
    snprintf(s->base.err + len, sizeof s->base.err - len,
             "%sthe unfinished run %lld could not be removed (%.200s): it is left as 'running', which no view "
             "counts; `edgesim clean %.300s` removes it",
             len ? "; " : "", (long long)s->run_id, why, s->path);
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

static int sqlite_begin_run(sink *base, const run_info *info)
{
    sqlite_sink *s = (sqlite_sink *)base;
    sqlite3_stmt *st = NULL;
    const char *sql =
        "INSERT INTO runs (scenario_name, scenario_json, sweep_index, sweep_point, seed, replication,"
        " policy, policy_params, policy_derived, version, started_at, config_hash, group_key, point_key,"
        " config_label, writer, status)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 'running')";
    if (!info->config_hash || !info->group_key || !info->point_key) {
        snprintf(s->base.err, sizeof s->base.err, "%.400s: a run without an identity (internal error)", s->path);
        return -1;
    }
    s->base.err[0] = '\0';
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, "preparing the run row");
    sqlite3_bind_text(st, 1, info->scenario_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, info->scenario_json, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, info->sweep_index);
    sqlite3_bind_text(st, 4, info->sweep_point, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)info->seed);
    sqlite3_bind_int(st, 6, info->replication);
    sqlite3_bind_text(st, 7, info->policy, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, info->policy_params, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 9, info->policy_derived ? info->policy_derived : "{}", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 10, info->version, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 11, info->started_at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 12, info->config_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 13, info->group_key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 14, info->point_key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 15, info->config_label ? info->config_label : info->policy, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 16, s->writer, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, "writing the run row");
    s->run_id = sqlite3_last_insert_rowid(s->db);
    s->base.run_id = s->run_id;
    s->info = *info;
    s->models_rows = !(info->n_models == 2 && strcmp(info->model_names[0], "small") == 0 &&
                       strcmp(info->model_names[1], "large") == 0 && strcmp(info->model_tiers[0], "device") == 0 &&
                       strcmp(info->model_tiers[1], "edge") == 0);
    s->in_run = 1;
    committed(s);
    s->n_buf = 0;
    s->last_flush = wall_now();
    if (s->mode == SINK_RECORDS_RUNS)
        figures_reset(&s->fig);
    return 0;
}

static int sqlite_write(sink *base, const record *r)
{
    sqlite_sink *s = (sqlite_sink *)base;
    if (s->mode == SINK_RECORDS_RUNS) {
        figures_add(&s->fig, &s->info, r);
        return 0;
    }
    s->buf[s->n_buf++] = *r;
    if (s->n_buf == SINK_BATCH || (s->n_buf % 256 == 0 && wall_now() - s->last_flush > SINK_FLUSH_S))
        return flush(s);
    return 0;
}

static int sqlite_end_run(sink *base, const run_stats *st, int ok)
{
    sqlite_sink *s = (sqlite_sink *)base;
    if (!ok) {
        s->base.err[0] = '\0'; /* the caller has reported why */
        return remove_run(s);
    }
    sqlite3_stmt *up = NULL;
    const char *sql = "UPDATE runs SET status = 'complete', wall_s = ?1, n_queries = ?2, n_unstarted = ?3,"
                      " sim_end_s = ?4, events = ?5, device_busy_frac = ?6, edge_busy_frac = ?7, writer = NULL"
                      " WHERE run_id = ?8 AND status = 'running'";
    if (exec(s, "BEGIN IMMEDIATE", "starting a transaction") != 0 || insert_buffered(s) != 0 ||
        (s->mode == SINK_RECORDS_RUNS && write_figures(s) != 0))
        goto fail;
    if (sqlite3_prepare_v2(s->db, sql, -1, &up, NULL) != SQLITE_OK) {
        db_fail(s, "completing the run row");
        goto fail;
    }
    sqlite3_bind_double(up, 1, st->wall_s);
    sqlite3_bind_int64(up, 2, st->n_queries);
    sqlite3_bind_int64(up, 3, st->n_unstarted);
    sqlite3_bind_double(up, 4, st->sim_end_s);
    sqlite3_bind_int64(up, 5, (sqlite3_int64)st->events);
    bind_real(up, 6, st->device_busy_frac);
    bind_real(up, 7, st->edge_busy_frac);
    sqlite3_bind_int64(up, 8, s->run_id);
    int rc = sqlite3_step(up);
    sqlite3_finalize(up);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        /* Another writer completed the same run (same config_hash) first:
         * keep theirs, so the file never counts it twice. */
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->base.duplicates++;
        return remove_run(s);
    }
    if (rc != SQLITE_DONE) {
        db_fail(s, "completing the run row");
        goto fail;
    }
    if (sqlite3_changes(s->db) != 1) {
        snprintf(s->base.err, sizeof s->base.err,
                 "%.400s: run %lld was removed from the file while it ran (by `edgesim clean`?)", s->path,
                 (long long)s->run_id);
        goto fail;
    }
    if (exec(s, "COMMIT", "committing the run") != 0)
        goto fail;
    s->in_run = 0;
    s->n_buf = 0;
    committed(s);
    return 0;
fail:
    remove_run(s);
    return -1;
}

/* Within BEGIN IMMEDIATE: remove the unfinished copies of config_hash whose
 * writer is gone (results_db_writer_alive, as `edgesim clean` decides). */
static int remove_leftovers_locked(sqlite_sink *s, const char *config_hash)
{
    sqlite3_stmt *st = NULL;
    sqlite3_int64 *dead = NULL;
    int n_dead = 0, cap = 0, rc;
    if (sqlite3_prepare_v2(s->db, "SELECT run_id, writer FROM runs WHERE config_hash = ?1 AND status = 'running'"
                                  " ORDER BY run_id", -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, "looking for unfinished runs");
    sqlite3_bind_text(st, 1, config_hash, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *writer = (const char *)sqlite3_column_text(st, 1);
        int alive = writer ? results_db_writer_alive(writer) : 0;
        if (alive < 0)
            s->base.kept_remote++;
        /* alive == 1: another process of this host runs it now; the first to
         * complete it is kept (sqlite_end_run). */
        if (alive != 0)
            continue;
        if (n_dead == cap) {
            cap = cap ? 2 * cap : 4;
            sqlite3_int64 *grown = realloc(dead, (size_t)cap * sizeof *grown);
            if (!grown) {
                sqlite3_finalize(st);
                free(dead);
                snprintf(s->base.err, sizeof s->base.err, "out of memory");
                return -1;
            }
            dead = grown;
        }
        dead[n_dead++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    int failed = rc != SQLITE_DONE ? db_fail(s, "looking for unfinished runs") : 0;
    for (int i = 0; !failed && i < n_dead; i++) {
        if (results_db_remove_run(s->db, dead[i], NULL) != 0)
            failed = db_fail(s, "removing an unfinished run");
        else
            s->base.replaced++;
    }
    free(dead);
    return failed;
}

/* The identities of the runs left 'running' when this sink first resumed
 * (a killed sweep leaves a few): read once, as `runs` has no index on
 * config_hash for unfinished runs. */
static int load_unfinished(sqlite_sink *s)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (sqlite3_prepare_v2(s->db, "SELECT DISTINCT config_hash FROM runs WHERE status = 'running'", -1, &st, NULL) !=
        SQLITE_OK)
        return db_fail(s, "looking for unfinished runs");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *hash = strdup((const char *)sqlite3_column_text(st, 0));
        char **grown = hash ? realloc(s->unfinished, (size_t)(s->n_unfinished + 1) * sizeof *grown) : NULL;
        if (!grown) {
            free(hash);
            sqlite3_finalize(st);
            snprintf(s->base.err, sizeof s->base.err, "out of memory");
            return -1;
        }
        s->unfinished = grown;
        s->unfinished[s->n_unfinished++] = hash;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, "looking for unfinished runs");
    s->unfinished_loaded = 1;
    return 0;
}

static int sqlite_resume(sink *base, const char *config_hash)
{
    sqlite_sink *s = (sqlite_sink *)base;
    sqlite3_stmt *st = NULL;
    int found = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM runs WHERE config_hash = ?1 AND status = 'complete'", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, config_hash, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(st);
        found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    if (found < 0)
        return db_fail(s, "looking for a complete run");
    if (found)
        return 1;
    if (!s->unfinished_loaded && load_unfinished(s) != 0)
        return -1;
    int leftover = 0;
    for (int i = 0; i < s->n_unfinished && !leftover; i++)
        leftover = strcmp(s->unfinished[i], config_hash) == 0;
    if (!leftover)
        return 0;
    /* Replace the unfinished copies of dead writers, under the write lock
     * (another writer may be deciding the same). */
    if (exec(s, "BEGIN IMMEDIATE", "starting a transaction") != 0)
        return -1;
    int kept = s->base.kept_remote, replaced = s->base.replaced;
    if (remove_leftovers_locked(s, config_hash) != 0 || exec(s, "COMMIT", "removing unfinished runs") != 0) {
        char keep[sizeof s->base.err];
        memcpy(keep, s->base.err, sizeof keep);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        memcpy(s->base.err, keep, sizeof keep);
        s->base.kept_remote = kept;
        s->base.replaced = replaced;
        return -1;
    }
    committed(s);
    return 0;
}

static void sqlite_close(sink *base)
{
    sqlite_sink *s = (sqlite_sink *)base;
    if (s->in_run)
        remove_run(s);
    sqlite3_finalize(s->insert);
    sqlite3_finalize(s->insert_rows);
    sqlite3_finalize(s->insert_model);
    sqlite3_close(s->db);
    figures_free(&s->fig);
    for (int i = 0; i < s->n_unfinished; i++)
        free(s->unfinished[i]);
    free(s->unfinished);
    free(s->buf);
    free(s);
}

static const sink_type sqlite_type;

int sink_sqlite__take_figures(sink *base, const run_figures *f)
{
    sqlite_sink *s = (sqlite_sink *)base;
    if (base->type != &sqlite_type || s->mode != SINK_RECORDS_RUNS) {
        snprintf(s->base.err, sizeof s->base.err, "internal: figures replayed into a sink that keeps records");
        return -1;
    }
    quantile_sketch lat = s->fig.latency, ttft = s->fig.ttft;
    memcpy(lat.count, f->latency.count, (size_t)lat.n_buckets * sizeof *lat.count);
    memcpy(ttft.count, f->ttft.count, (size_t)ttft.n_buckets * sizeof *ttft.count);
    lat.n = f->latency.n, lat.min = f->latency.min, lat.max = f->latency.max;
    ttft.n = f->ttft.n, ttft.min = f->ttft.min, ttft.max = f->ttft.max;
    s->fig = *f;
    s->fig.latency = lat;
    s->fig.ttft = ttft;
    return 0;
}

int sink_sqlite_set_records(sink *base, sink_records mode)
{
    sqlite_sink *s = (sqlite_sink *)base;
    if (mode == SINK_RECORDS_RUNS && !s->fig.latency.count && figures_init(&s->fig) != 0) {
        snprintf(s->base.err, sizeof s->base.err, "out of memory");
        return -1;
    }
    s->mode = mode;
    return 0;
}

static const sink_type sqlite_type = {"sqlite",     sqlite_begin_run, sqlite_write,       sqlite_end_run,
                                      sqlite_close, sqlite_resume};

sink *sink_sqlite_open(const char *path, char *err, size_t errlen)
{
    sqlite_sink *s = calloc(1, sizeof *s);
    record *buf = malloc(SINK_BATCH * sizeof *buf);
    if (!s || !buf) {
        free(s);
        free(buf);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base.type = &sqlite_type;
    s->buf = buf;
    snprintf(s->path, sizeof s->path, "%s", path);
    results_db_writer_id(s->writer, sizeof s->writer);
    const char *kill_after = getenv("EDGESIM_TEST_KILL_AFTER_COMMITS");
    s->kill_after = kill_after ? atol(kill_after) : 0;
    s->db = results_db_open(path, 1, err, errlen);
    if (!s->db)
        goto fail;
    /* The record insert without the schema's CHECK constraints: SQLite codes
     * kv_action's IN list of three names as a temporary table built again
     * for every row (about 40 % of the instructions of a run with
     * --records all).  The values this writer binds come from the name
     * tables (handover_kv_names, query_status_name), which the constraints
     * list; other connections (merge, the sqlite3 shell) still check them.
     * Set before the statements are prepared, which read it. */
    if (db_exec(s->db, path, "PRAGMA ignore_check_constraints = ON", "configuring", err, errlen) != 0)
        goto fail;
    char *one = insert_sql_rows(1), *many = insert_sql_rows(INSERT_ROWS);
    int prepared = one && many && sqlite3_prepare_v2(s->db, one, -1, &s->insert, NULL) == SQLITE_OK &&
                   sqlite3_prepare_v2(s->db, many, -1, &s->insert_rows, NULL) == SQLITE_OK;
    sqlite3_free(one);
    sqlite3_free(many);
    if (!prepared) {
        snprintf(err, errlen, "%.400s: preparing the record insert (is this an edgesim database?): %.300s", path,
                 sqlite3_errmsg(s->db));
        goto fail;
    }
    if (sqlite3_prepare_v2(s->db, insert_model_sql, -1, &s->insert_model, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%.400s: preparing the model-row insert: %.300s", path, sqlite3_errmsg(s->db));
        goto fail;
    }
    return &s->base;
fail:
    sqlite3_finalize(s->insert);
    sqlite3_finalize(s->insert_rows);
    sqlite3_finalize(s->insert_model);
    sqlite3_close(s->db);
    free(s->buf);
    free(s);
    return NULL;
}
