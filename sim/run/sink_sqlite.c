/* sink_sqlite.c -- records into an SQLite database.
 *
 * A run's row in `runs` is committed first with status 'running'; its query
 * records follow in transactions of SINK_BATCH rows through one prepared
 * statement; the end marks it 'complete'.  A run that fails or is
 * interrupted is deleted (rows and run), so the file never holds half a run
 * that looks whole; a killed process leaves status 'running', which every
 * view ignores.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "figures_int.h"
#include "sim/run/record.h"

#define SINK_BATCH 20000
#define SCHEMA_VERSION EDGESIM_SCHEMA_VERSION

extern const char edgesim_schema_sql[];

typedef struct sqlite_sink {
    sink base;
    char path[1024];
    sqlite3 *db;
    sqlite3_stmt *insert;
    sqlite3_int64 run_id;
    int in_txn;
    int batch;
    sink_records mode;
    run_figures fig;            /* SINK_RECORDS_RUNS: the current run's figures */
} sqlite_sink;

const char *const sink_records_names[] = {"all", "runs", NULL};

static int db_fail(sqlite_sink *s, const char *what)
{
    snprintf(s->base.err, sizeof s->base.err, "%.400s: %s: %.300s", s->path, what,
             s->db ? sqlite3_errmsg(s->db) : "cannot open");
    return -1;
}

static int exec(sqlite_sink *s, const char *sql, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(s->base.err, sizeof s->base.err, "%.400s: %s: %.300s", s->path, what, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int query_int(sqlite_sink *s, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
    if (rc)
        *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc ? 0 : db_fail(s, "reading the database");
}

/* Create the schema in a new file; refuse a file of another schema version. */
static int install_schema(sqlite_sink *s)
{
    int tables, version;
    if (query_int(s, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('runs', 'queries')",
                  &tables) != 0 ||
        query_int(s, "PRAGMA user_version", &version) != 0)
        return -1;
    if (tables > 0 && version != SCHEMA_VERSION) {
        snprintf(s->base.err, sizeof s->base.err,
                 "%.400s: written with record schema version %d, this edgesim writes version %d: "
                 "write to a new file",
                 s->path, version, SCHEMA_VERSION);
        return -1;
    }
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
    return exec(s, edgesim_schema_sql, "creating the schema") != 0 || exec(s, sql, "setting the version") != 0 ? -1
                                                                                                               : 0;
}

static const char insert_sql[] =
    "INSERT INTO queries (run_id, query_id, dialogue_id, turn, device, distance_m, benchmark,"
    " in_tokens, out_tokens, out_tokens_pred, context_tokens, cached_tokens, recomputed_tokens, route,"
    " p_large, q_small, q_large, quality, snr_db, snr_avg_db, rate_ul_bps, bytes_up, bytes_down,"
    " est_small_s, est_large_s, csw_small_s, csw_large_s, switched, t_arr, t_dec, t_ul_start, t_ul_end,"
    " t_queue_end, t_prefill_end, t_first_token, t_decode_end, t_done, latency_s, ttft_s, queue_wait_s, energy_j,"
    " edge_server, harq_tx_ul, harq_tx_dl, site, site_done, handovers)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,"
    "?26,?27,?28,?29,?30,?31,?32,?33,?34,?35,?36,?37,?38,?39,?40,?41,?42,?43,?44,?45,?46,?47)";

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

static int sqlite_begin_run(sink *base, const run_info *info)
{
    sqlite_sink *s = (sqlite_sink *)base;
    sqlite3_stmt *st = NULL;
    const char *sql =
        "INSERT INTO runs (scenario_name, scenario_json, sweep_index, sweep_point, seed, replication,"
        " policy, policy_params, policy_derived, version, started_at, config_hash, group_key, point_key,"
        " config_label, status)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 'running')";
    if (!info->config_hash || !info->group_key || !info->point_key) {
        snprintf(s->base.err, sizeof s->base.err, "%.400s: a run without an identity (internal error)", s->path);
        return -1;
    }
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
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, "writing the run row");
    s->run_id = sqlite3_last_insert_rowid(s->db);
    if (exec(s, "BEGIN", "starting a transaction") != 0)
        return -1;
    s->in_txn = 1;
    s->batch = 0;
    if (s->mode == SINK_RECORDS_RUNS)
        figures_reset(&s->fig);
    return 0;
}

static int sqlite_write(sink *base, const record *r)
{
    sqlite_sink *s = (sqlite_sink *)base;
    if (s->mode == SINK_RECORDS_RUNS) {
        figures_add(&s->fig, r);
        return 0;
    }
    sqlite3_stmt *st = s->insert;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, s->run_id);
    sqlite3_bind_int64(st, 2, r->query_id);
    bind_opt_int(st, 3, r->dialogue_id);
    bind_opt_int(st, 4, r->turn);
    sqlite3_bind_int(st, 5, r->device);
    bind_real(st, 6, r->distance_m);
    sqlite3_bind_text(st, 7, r->benchmark, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 8, r->in_tokens);
    sqlite3_bind_int(st, 9, r->out_tokens);
    bind_opt_int(st, 10, r->out_tokens_pred);
    sqlite3_bind_int(st, 11, r->context_tokens);
    sqlite3_bind_int(st, 12, r->cached_tokens);
    sqlite3_bind_int(st, 13, r->recomputed_tokens);
    sqlite3_bind_text(st, 14, r->route ? "large" : "small", -1, SQLITE_STATIC);
    const double reals[] = {r->p_large, r->q_small, r->q_large, r->quality, r->snr_db, r->snr_avg_db,
                            r->rate_ul_bps, r->bytes_up, r->bytes_down, r->est_small_s, r->est_large_s,
                            r->csw_small_s, r->csw_large_s};
    for (int i = 0; i < (int)(sizeof reals / sizeof reals[0]); i++)
        bind_real(st, 15 + i, reals[i]);
    bind_opt_int(st, 28, r->switched);
    const double times[] = {r->t_arr, r->t_dec, r->t_ul_start, r->t_ul_end, r->t_queue_end, r->t_prefill_end,
                            r->t_first_token, r->t_decode_end, r->t_done, r->latency_s, r->ttft_s, r->queue_wait_s, r->energy_j};
    for (int i = 0; i < (int)(sizeof times / sizeof times[0]); i++)
        bind_real(st, 29 + i, times[i]);
    bind_opt_int(st, 42, r->route ? r->edge_server : -1);
    bind_opt_int(st, 43, r->route ? r->harq_tx_ul : -1);
    bind_opt_int(st, 44, r->route ? r->harq_tx_dl : -1);
    sqlite3_bind_int(st, 45, r->site);
    sqlite3_bind_int(st, 46, r->site_done);
    sqlite3_bind_int(st, 47, r->handovers);
    if (sqlite3_step(st) != SQLITE_DONE)
        return db_fail(s, "writing a query record");
    if (++s->batch >= SINK_BATCH) {
        if (exec(s, "COMMIT; BEGIN", "committing records") != 0)
            return -1;
        s->batch = 0;
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
                      " large_fraction, mean_quality, mean_energy_j, oracle_quality_gap, quantile_rel_error)"
                      " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, "preparing the run's figures");
    sqlite3_bind_int64(st, 1, s->run_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)f->n);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)f->n_small);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)f->n_large);
    const double v[] = {ratio(f->sum_latency, f->n),
                        figures_percentile(&f->latency, 50),
                        figures_percentile(&f->latency, 95),
                        figures_percentile(&f->latency, 99),
                        ratio(f->sum_ttft, f->n_ttft),
                        figures_percentile(&f->ttft, 50),
                        figures_percentile(&f->ttft, 95),
                        figures_percentile(&f->ttft, 99),
                        ratio((double)f->n_large, f->n),
                        ratio(f->sum_quality, f->n_quality),
                        ratio(f->sum_energy, f->n_energy),
                        ratio(f->sum_best, f->n_best) - ratio(f->sum_quality, f->n_quality),
                        FIGURES_REL_ERROR};
    for (int i = 0; i < (int)(sizeof v / sizeof v[0]); i++)
        bind_real(st, 5 + i, v[i]);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_fail(s, "writing the run's figures");
}

static int remove_run(sqlite_sink *s)
{
    char sql[160];
    if (s->in_txn && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_txn = 0;
    snprintf(sql, sizeof sql,
             "DELETE FROM queries WHERE run_id = %lld; DELETE FROM run_figures WHERE run_id = %lld;"
             " DELETE FROM runs WHERE run_id = %lld;",
             (long long)s->run_id, (long long)s->run_id, (long long)s->run_id);
    return exec(s, sql, "removing the unfinished run");
}

static int sqlite_end_run(sink *base, const run_stats *st, int ok)
{
    sqlite_sink *s = (sqlite_sink *)base;
    if (!ok)
        return remove_run(s);
    sqlite3_stmt *up = NULL;
    if (s->mode == SINK_RECORDS_RUNS && write_figures(s) != 0)
        goto fail;
    const char *sql = "UPDATE runs SET status = 'complete', wall_s = ?1, n_queries = ?2, n_unstarted = ?3,"
                      " sim_end_s = ?4, events = ?5, device_busy_frac = ?6, edge_busy_frac = ?7"
                      " WHERE run_id = ?8";
    if (sqlite3_prepare_v2(s->db, sql, -1, &up, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_double(up, 1, st->wall_s);
    sqlite3_bind_int64(up, 2, st->n_queries);
    sqlite3_bind_int64(up, 3, st->n_unstarted);
    sqlite3_bind_double(up, 4, st->sim_end_s);
    sqlite3_bind_int64(up, 5, (sqlite3_int64)st->events);
    bind_real(up, 6, st->device_busy_frac);
    bind_real(up, 7, st->edge_busy_frac);
    sqlite3_bind_int64(up, 8, s->run_id);
    int rc = sqlite3_step(up);
    if (rc == SQLITE_CONSTRAINT && sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE) {
        /* Another writer completed the same run (same config_hash) first:
         * keep theirs, so the file never counts it twice. */
        sqlite3_finalize(up);
        s->base.duplicates++;
        return remove_run(s);
    }
    if (rc != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(up);
    if (exec(s, "COMMIT", "committing the run") != 0) {
        remove_run(s);
        return -1;
    }
    s->in_txn = 0;
    return 0;
fail:
    db_fail(s, "completing the run row");
    sqlite3_finalize(up);
    {
        char keep[sizeof s->base.err];
        memcpy(keep, s->base.err, sizeof keep);
        remove_run(s);
        memcpy(s->base.err, keep, sizeof keep);
    }
    return -1;
}

static void sqlite_close(sink *base)
{
    sqlite_sink *s = (sqlite_sink *)base;
    if (s->in_txn)
        remove_run(s);
    sqlite3_finalize(s->insert);
    sqlite3_close(s->db);
    figures_free(&s->fig);
    free(s);
}

static int sqlite_has_complete(sink *base, const char *config_hash)
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
    return found < 0 ? db_fail(s, "looking for a complete run") : found;
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
                                      sqlite_close, sqlite_has_complete};

sink *sink_sqlite_open(const char *path, char *err, size_t errlen)
{
    sqlite_sink *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base.type = &sqlite_type;
    snprintf(s->path, sizeof s->path, "%s", path);
    /* One connection used by one thread: no SQLite mutexes (about 4% of a run). */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        db_fail(s, "cannot open the database");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 30000); /* parallel runs appending to one file */
    /* Fault injection for tests: cap the file size to provoke "disk full". */
    const char *max_pages = getenv("EDGESIM_TEST_DB_MAX_PAGES");
    if (max_pages) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA max_page_count = %d", atoi(max_pages));
        if (exec(s, sql, "setting the test page limit") != 0)
            goto fail;
    }
    if (exec(s, "PRAGMA synchronous = NORMAL", "configuring") != 0 || install_schema(s) != 0)
        goto fail;
    if (sqlite3_prepare_v2(s->db, insert_sql, -1, &s->insert, NULL) != SQLITE_OK) {
        db_fail(s, "preparing the record insert (is this an edgesim database?)");
        goto fail;
    }
    return &s->base;
fail:
    snprintf(err, errlen, "%s", s->base.err);
    sqlite3_finalize(s->insert);
    sqlite3_close(s->db);
    free(s);
    return NULL;
}
