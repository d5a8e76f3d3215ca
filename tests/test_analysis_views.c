/* test_analysis_views.c -- the SQL views of analysis/views.sql on hand-made
 * rows with known answers: nearest-rank percentiles, regret against the
 * oracle, confidence intervals from the t table, dialogue switches, PGR,
 * the latency breakdown; views installed as TEMP on a read-only file; and
 * merge_main renumbering runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_cdf.h>
#include <sqlite3.h>

#include "analysis/plot.h"
#include "sim/run/record.h"
#include "check.h"

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "SQL error: %s\n  in: %.200s\n", msg ? msg : "?", sql);
    CHECK(rc == SQLITE_OK);
    sqlite3_free(msg);
}

/* One number from a query (NAN for NULL or no row). */
static double num(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    double v = NAN;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "SQL error: %s\n  in: %s\n", sqlite3_errmsg(db), sql);
        CHECK(0);
        return v;
    }
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void text_is(sqlite3 *db, const char *sql, const char *want)
{
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
    const char *got = st && sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (!got || strcmp(got, want) != 0)
        fprintf(stderr, "%s\n  got \"%s\", want \"%s\"\n", sql, got ? got : "(none)", want);
    CHECK(got && strcmp(got, want) == 0);
    sqlite3_finalize(st);
}

static void add_run(sqlite3 *db, int id, const char *scenario, int rep, const char *point, const char *policy,
                    const char *params, const char *status)
{
    char sql[2048];
    snprintf(sql, sizeof sql,
             "INSERT INTO runs (run_id, scenario_name, scenario_json, sweep_index, sweep_point, seed, replication,"
             " policy, policy_params, version, started_at, status, point_key, group_key, config_hash, config_label)"
             " VALUES (%d, '%s', '{}', %d, '%s', 1, %d, '%s', '%s', 'test', '2025-01-01T00:00:00Z', '%s',"
             " '%s|%s', '%s|%s|%s', '%s|%s|%s|1|%d', '%s')",
             id, scenario, strcmp(point, "{}") == 0 ? 0 : 1, point, rep, policy, params, status, scenario, point,
             scenario, point, params, scenario, point, params, rep, policy);
    exec_ok(db, sql);
}

/* A query with route, qualities and times; the intermediate stamps are
 * spread so that the breakdown parts are known. */
static void add_query(sqlite3 *db, int run, int qid, int dialogue, int switched, const char *route, double q_small,
                      double q_large, double t_arr, double latency)
{
    char sql[2048], dlg[32], sw[32], ul[32];
    double quality = strcmp(route, "large") == 0 ? q_large : q_small;
    snprintf(dlg, sizeof dlg, dialogue < 0 ? "NULL" : "%d", dialogue);
    snprintf(sw, sizeof sw, switched < 0 ? "NULL" : "%d", switched);
    snprintf(ul, sizeof ul, strcmp(route, "large") == 0 ? "%.9g" : "NULL", t_arr + 0.15 * latency);
    snprintf(sql, sizeof sql,
             "INSERT INTO queries (run_id, query_id, dialogue_id, turn, device, in_tokens, out_tokens,"
             " context_tokens, cached_tokens, recomputed_tokens, route, q_small, q_large, quality, switched,"
             " t_arr, t_dec, t_ul_end, t_queue_end, t_prefill_end, t_first_token, t_decode_end, t_done, latency_s,"
             " ttft_s)"
             " VALUES (%d, %d, %s, NULL, 0, 10, 5, 0, 0, %d, '%s', %g, %g, %g, %s, %.9g, %.9g, %s, %.9g, %.9g,"
             " %.9g, %.9g, %.9g, %.9g, %.9g)",
             run, qid, dlg, qid, route, q_small, q_large, quality, sw, t_arr, t_arr + 0.1 * latency,
             ul, t_arr + 0.2 * latency, t_arr + 0.5 * latency,
             t_arr + 0.6 * latency, t_arr + 0.9 * latency, t_arr + latency, latency, 0.6 * latency);
    exec_ok(db, sql);
}

static sqlite3 *fresh_db(const char *path)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    exec_ok(db, analysis_schema_sql);
    char err[512];
    CHECK(analysis_install_views(db, 0, err, sizeof err) == 0);
    return db;
}

static void test_t_table(sqlite3 *db)
{
    /* Every entry equals GSL's inverse t CDF to the table's 3 decimals. */
    for (int df = 1; df <= 30; df++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT t FROM t_quantile_975 WHERE df = %d", df);
        CHECK_NEAR(num(db, sql), gsl_cdf_tdist_Pinv(0.975, df), 5e-4);
    }
    CHECK_INT((int)num(db, "SELECT COUNT(*) FROM t_quantile_975"), 30);
}

static void test_percentiles(sqlite3 *db)
{
    /* Run 1: latencies 1..20 s inserted in scrambled order.  Nearest rank:
     * p50 = value at rank ceil(10) = 10, p95 at rank 19, p99 at rank 20. */
    add_run(db, 1, "s", 0, "{}", "always-small", "{\"name\":\"always-small\"}", "complete");
    for (int i = 0; i < 20; i++)
        add_query(db, 1, i, -1, -1, "small", 0.5, 1.0, i, (double)((i * 7) % 20 + 1));
    CHECK_NEAR(num(db, "SELECT p50_latency_s FROM run_summary WHERE run_id = 1"), 10, 1e-12);
    CHECK_NEAR(num(db, "SELECT p95_latency_s FROM run_summary WHERE run_id = 1"), 19, 1e-12);
    CHECK_NEAR(num(db, "SELECT p99_latency_s FROM run_summary WHERE run_id = 1"), 20, 1e-12);
    CHECK_NEAR(num(db, "SELECT mean_latency_s FROM run_summary WHERE run_id = 1"), 10.5, 1e-12);
    /* Run 2: 7 values: ranks ceil(3.5) = 4, ceil(6.65) = 7, ceil(6.93) = 7. */
    add_run(db, 2, "s", 0, "{}", "always-large", "{\"name\":\"always-large\"}", "complete");
    const double lat[7] = {0.7, 0.1, 0.6, 0.2, 0.5, 0.3, 0.4};
    for (int i = 0; i < 7; i++)
        add_query(db, 2, i, -1, -1, "large", 0.5, 1.0, i, lat[i]);
    CHECK_NEAR(num(db, "SELECT p50_latency_s FROM run_summary WHERE run_id = 2"), 0.4, 1e-12);
    CHECK_NEAR(num(db, "SELECT p95_latency_s FROM run_summary WHERE run_id = 2"), 0.7, 1e-12);
    CHECK_NEAR(num(db, "SELECT large_fraction FROM run_summary WHERE run_id = 2"), 1.0, 1e-12);
    /* Quality left on the table against a per-query oracle: small answers
     * worth 0.5 where the large one was worth 1. */
    CHECK_NEAR(num(db, "SELECT oracle_quality_gap FROM run_summary WHERE run_id = 1"), 0.5, 1e-12);
    CHECK_NEAR(num(db, "SELECT oracle_quality_gap FROM run_summary WHERE run_id = 2"), 0.0, 1e-12);
    /* A run still 'running' (killed) is in no view. */
    add_run(db, 3, "s", 0, "{}", "oracle", "{\"name\":\"oracle\"}", "running");
    add_query(db, 3, 0, -1, -1, "large", 0.5, 1.0, 0, 1.0);
    CHECK_INT((int)num(db, "SELECT COUNT(*) FROM run_summary WHERE run_id = 3"), 0);
    CHECK_INT((int)num(db, "SELECT COUNT(*) FROM run_regret"), 0); /* its only oracle is not complete */
}

static void test_regret(sqlite3 *db)
{
    /* Scenario "r", replication 0: oracle (run 10) and a policy (run 11) on
     * the same 4 queries.  q = (small, large): (1,0) (0,1) (1,1) (0,0).
     * Oracle: small, large, small, small -> quality 1,1,1,0 = 0.75.
     * Policy: large everywhere -> 0,1,1,0 = 0.5; regret 0.25.
     * Routes agree on query 1 only -> agreement 0.25.  Latencies: oracle
     * 1 s each, policy 2 s each -> 1 s paid.  Replication 1 has no oracle. */
    const double qs[4] = {1, 0, 1, 0}, ql[4] = {0, 1, 1, 0};
    const char *oracle_route[4] = {"small", "large", "small", "small"};
    add_run(db, 10, "r", 0, "{}", "oracle", "{\"name\":\"oracle\"}", "complete");
    add_run(db, 11, "r", 0, "{}", "always-large", "{\"name\":\"always-large\"}", "complete");
    add_run(db, 12, "r", 1, "{}", "always-large", "{\"name\":\"always-large\"}", "complete");
    for (int i = 0; i < 4; i++) {
        add_query(db, 10, i, -1, -1, oracle_route[i], qs[i], ql[i], i, 1.0);
        add_query(db, 11, i, -1, -1, "large", qs[i], ql[i], i, 2.0);
        add_query(db, 12, i, -1, -1, "large", qs[i], ql[i], i, 2.0);
    }
    CHECK_NEAR(num(db, "SELECT quality_regret FROM run_regret WHERE run_id = 11"), 0.25, 1e-12);
    CHECK_NEAR(num(db, "SELECT latency_paid_s FROM run_regret WHERE run_id = 11"), 1.0, 1e-12);
    CHECK_NEAR(num(db, "SELECT route_agreement FROM run_regret WHERE run_id = 11"), 0.25, 1e-12);
    CHECK_NEAR(num(db, "SELECT extra_large_fraction FROM run_regret WHERE run_id = 11"), 0.75, 1e-12);
    CHECK_NEAR(num(db, "SELECT quality_regret FROM run_regret WHERE run_id = 10"), 0.0, 1e-12);
    CHECK_INT((int)num(db, "SELECT COUNT(*) FROM run_regret WHERE run_id = 12"), 0);

    /* RouteLLM PGR on run 11: q_small mean 0.5, q_large mean 0.5 -> the
     * denominator is 0 -> NULL.  Run 10 (oracle): large calls 25 %.  Run 11
     * sends 3 queries large that did not need it (q_large <= q_small). */
    CHECK(isnan(num(db, "SELECT pgr FROM run_routing WHERE run_id = 11")));
    CHECK_NEAR(num(db, "SELECT large_call_pct FROM run_routing WHERE run_id = 10"), 25.0, 1e-12);
    CHECK_NEAR(num(db, "SELECT q_oracle_mean FROM run_routing WHERE run_id = 10"), 0.75, 1e-12);
    CHECK_NEAR(num(db, "SELECT large_wasted_fraction FROM run_routing WHERE run_id = 11"), 0.75, 1e-12);
}

static void test_pgr(sqlite3 *db)
{
    /* Run 20: q_small = 0.2, q_large = 0.8 on all 4 queries; half go large:
     * quality 0.5, PGR = (0.5 - 0.2) / (0.8 - 0.2) = 0.5. */
    add_run(db, 20, "p", 0, "{}", "random", "{\"name\":\"random\",\"large_fraction\":0.5}", "complete");
    for (int i = 0; i < 4; i++)
        add_query(db, 20, i, -1, -1, i % 2 ? "large" : "small", 0.2, 0.8, i, 1.0);
    CHECK_NEAR(num(db, "SELECT pgr FROM run_routing WHERE run_id = 20"), 0.5, 1e-12);
    CHECK_NEAR(num(db, "SELECT large_missed_fraction FROM run_routing WHERE run_id = 20"), 0.5, 1e-12);
}

static void test_policy_summary(sqlite3 *db)
{
    /* Scenario "c": 3 replications of one policy with mean latencies 1, 2,
     * 3 s: mean 2, sd 1, CI half-width t(0.975, 2) / sqrt(3) = 4.303 / 1.732.
     * Qualities 0, 0.5, 1 (per-run means). */
    for (int rep = 0; rep < 3; rep++) {
        add_run(db, 30 + rep, "c", rep, "{\"x\":1}", "quality-latency",
                "{\"name\":\"quality-latency\",\"alpha\":0.1,\"theta\":0.5}", "complete");
        add_query(db, 30 + rep, 0, -1, -1, "small", rep * 0.5, 1.0, 0, rep + 0.5);
        add_query(db, 30 + rep, 1, -1, -1, "small", rep * 0.5, 1.0, 1, rep + 1.5);
    }
    /* A one-replication parameter set: CI NULL. */
    add_run(db, 33, "c", 0, "{\"x\":1}", "quality-latency",
            "{\"name\":\"quality-latency\",\"alpha\":0.2,\"theta\":0.5}", "complete");
    add_query(db, 33, 0, -1, -1, "large", 0, 1, 0, 1.0);
    const char *where = " FROM policy_summary WHERE scenario_name = 'c' AND policy_params LIKE '%0.1%'";
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT n_runs%s", where);
    CHECK_INT((int)num(db, sql), 3);
    snprintf(sql, sizeof sql, "SELECT mean_latency_s%s", where);
    CHECK_NEAR(num(db, sql), 2.0, 1e-12);
    snprintf(sql, sizeof sql, "SELECT ci95_latency_s%s", where);
    CHECK_NEAR(num(db, sql), 4.303 / sqrt(3.0), 1e-9);
    snprintf(sql, sizeof sql, "SELECT ci95_quality%s", where);
    CHECK_NEAR(num(db, sql), 4.303 * 0.5 / sqrt(3.0), 1e-9);
    CHECK(isnan(num(db, "SELECT ci95_latency_s FROM policy_summary WHERE scenario_name = 'c'"
                        " AND policy_params LIKE '%0.2%'")));
    /* Run identity: a configuration that differs only outside the columns
     * shown (another group_key, e.g. devices.count=50) is its own group,
     * never pooled with the first (issue: 40- and 50-device runs pooled). */
    exec_ok(db, "INSERT INTO runs (run_id, scenario_name, scenario_json, sweep_index, sweep_point, seed, replication,"
                " policy, policy_params, version, started_at, status, point_key, group_key, config_hash, config_label)"
                " VALUES (34, 'c', '{}', 1, '{\"x\":1}', 7, 0, 'quality-latency',"
                " '{\"name\":\"quality-latency\",\"alpha\":0.1,\"theta\":0.5}', 'test', '2025-01-01T00:00:00Z',"
                " 'complete', 'p50', 'g50', 'h50', 'quality-latency alpha=0.1; devices.count=50')");
    add_query(db, 34, 0, -1, -1, "small", 0, 1, 0, 100.0);
    snprintf(sql, sizeof sql, "SELECT n_runs%s AND config_label = 'quality-latency'", where);
    CHECK_INT((int)num(db, sql), 3);
    snprintf(sql, sizeof sql, "SELECT mean_latency_s%s AND config_label = 'quality-latency'", where);
    CHECK_NEAR(num(db, sql), 2.0, 1e-12);
    snprintf(sql, sizeof sql, "SELECT COUNT(*)%s", where);
    CHECK_INT((int)num(db, sql), 2);
    CHECK_NEAR(num(db, "SELECT mean_latency_s FROM policy_summary WHERE group_key = 'g50'"), 100.0, 1e-12);
    /* The same run (config_hash) cannot be complete twice: a second copy is
     * refused by the unique index, so it can never be counted twice. */
    CHECK(sqlite3_exec(db,
                       "INSERT INTO runs (run_id, scenario_name, scenario_json, sweep_index, sweep_point, seed,"
                       " replication, policy, policy_params, version, started_at, status, point_key, group_key,"
                       " config_hash, config_label) SELECT 35, scenario_name, scenario_json, sweep_index, sweep_point,"
                       " seed, replication, policy, policy_params, version, started_at, status, point_key, group_key,"
                       " config_hash, config_label FROM runs WHERE run_id = 34",
                       NULL, NULL, NULL) != SQLITE_OK);
    CHECK_INT((int)num(db, "SELECT n_runs FROM policy_summary WHERE group_key = 'g50'"), 1);
    /* Labels name the parameter that varies (alpha), not the fixed one. */
    text_is(db, "SELECT label FROM run_label WHERE run_id = 33", "quality-latency alpha=0.2");
    text_is(db, "SELECT label FROM run_label WHERE run_id = 1", "always-small");
}

static void test_dialogues(sqlite3 *db)
{
    /* Dialogue 7 of run 40: turns at t = 0, 10, 30 with latencies 1, 2, 3;
     * routes small, large, small -> switched NULL, 1, 1 (the first turn has
     * no previous model).  Dialogue latency = (30 + 3) - 0 = 33 s. */
    add_run(db, 40, "d", 0, "{}", "context-aware", "{\"name\":\"context-aware\"}", "complete");
    add_query(db, 40, 0, 7, 0, "small", 0.5, 0.9, 0, 1.0);
    add_query(db, 40, 1, 7, 1, "large", 0.5, 0.9, 10, 2.0);
    add_query(db, 40, 2, 7, 1, "small", 0.5, 0.9, 30, 3.0);
    add_query(db, 40, 3, 8, 0, "large", 0.5, 0.9, 5, 4.0);
    CHECK_INT((int)num(db, "SELECT turns FROM dialogue_summary WHERE run_id = 40 AND dialogue_id = 7"), 3);
    CHECK_INT((int)num(db, "SELECT switches FROM dialogue_summary WHERE run_id = 40 AND dialogue_id = 7"), 2);
    CHECK_NEAR(num(db, "SELECT dialogue_latency_s FROM dialogue_summary WHERE run_id = 40 AND dialogue_id = 7"),
               33.0, 1e-9);
    /* recomputed_tokens were set to the query id: 0 + 1 + 2. */
    CHECK_INT((int)num(db, "SELECT recomputed_tokens FROM dialogue_summary WHERE run_id = 40 AND dialogue_id = 7"),
              3);
    CHECK_INT((int)num(db, "SELECT COUNT(*) FROM dialogue_summary WHERE run_id = 40"), 2);
    CHECK_INT((int)num(db, "SELECT COUNT(*) FROM dialogue_summary WHERE run_id = 1"), 0);
}

static void test_breakdown(sqlite3 *db)
{
    /* A large query: arrive 0, decide 0.015, uplink done 0.03, prefill
     * starts 0.05, ends 0.1, first token at the user 0.12, last token
     * generated 0.45, done 0.5. */
    add_run(db, 50, "b", 0, "{}", "always-large", "{\"name\":\"always-large\"}", "complete");
    exec_ok(db, "INSERT INTO queries (run_id, query_id, device, in_tokens, out_tokens, context_tokens,"
                " cached_tokens, recomputed_tokens, route, t_arr, t_dec, t_ul_start, t_ul_end, t_queue_end,"
                " t_prefill_end, t_first_token, t_decode_end, t_done, latency_s)"
                " VALUES (50, 0, 0, 10, 5, 0, 0, 0, 'large', 0, 0.015, 0.015, 0.03, 0.05, 0.1, 0.12, 0.45, 0.5, 0.5)");
    CHECK_NEAR(num(db, "SELECT router_s FROM latency_breakdown WHERE run_id = 50"), 0.015, 1e-12);
    CHECK_NEAR(num(db, "SELECT uplink_s FROM latency_breakdown WHERE run_id = 50"), 0.015, 1e-12);
    CHECK_NEAR(num(db, "SELECT edge_queue_s FROM latency_breakdown WHERE run_id = 50"), 0.02, 1e-12);
    CHECK_NEAR(num(db, "SELECT device_queue_s FROM latency_breakdown WHERE run_id = 50"), 0.0, 1e-12);
    CHECK_NEAR(num(db, "SELECT prefill_s FROM latency_breakdown WHERE run_id = 50"), 0.05, 1e-12);
    CHECK_NEAR(num(db, "SELECT decode_s FROM latency_breakdown WHERE run_id = 50"), 0.35, 1e-12);
    CHECK_NEAR(num(db, "SELECT downlink_s FROM latency_breakdown WHERE run_id = 50"), 0.05, 1e-12);
    /* The parts sum to the latency for every query of the database. */
    CHECK_NEAR(num(db, "SELECT MAX(ABS(router_s + uplink_s + edge_queue_s + device_queue_s + prefill_s"
                       " + decode_s + downlink_s - latency_s)) FROM latency_breakdown"),
               0.0, 1e-9);
}

/* Views as TEMP on a read-only file holding only the tables; bad files. */
static void test_open(const char *dir)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/tables_only.db", dir);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    exec_ok(db, analysis_schema_sql);
    add_run(db, 1, "s", 0, "{}", "always-small", "{\"name\":\"always-small\"}", "complete");
    add_query(db, 1, 0, -1, -1, "small", 0.5, 1.0, 0, 2.0);
    sqlite3_close(db);

    db = analysis_open(path, err, sizeof err);
    CHECK(db != NULL);
    if (db) {
        CHECK_NEAR(num(db, "SELECT mean_latency_s FROM run_summary"), 2.0, 1e-12);
        CHECK_NEAR(num(db, "SELECT COUNT(*) FROM policy_summary"), 1, 0);
        /* Read-only: nothing can be written. */
        CHECK(sqlite3_exec(db, "DELETE FROM runs", NULL, NULL, NULL) != SQLITE_OK);
        sqlite3_close(db);
    }
    snprintf(path, sizeof path, "%s/missing.db", dir);
    CHECK(analysis_open(path, err, sizeof err) == NULL);
    CHECK(strstr(err, "missing.db") != NULL);
    snprintf(path, sizeof path, "%s/other.db", dir);
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    exec_ok(db, "CREATE TABLE t (x)");
    sqlite3_close(db);
    CHECK(analysis_open(path, err, sizeof err) == NULL);
    CHECK(strstr(err, "not an edgesim results database") != NULL);
}

/* merge: two inputs numbering their runs from 1 end up as 1..4, in one
 * transaction; the first input given twice is copied once. */
static void test_merge(const char *dir)
{
    char in1[512], in2[512], out[512], version[64];
    snprintf(in1, sizeof in1, "%s/in1.db", dir);
    snprintf(in2, sizeof in2, "%s/in2.db", dir);
    snprintf(out, sizeof out, "%s/out.db", dir);
    snprintf(version, sizeof version, "PRAGMA user_version = %d", EDGESIM_SCHEMA_VERSION);
    const char *ins[2] = {in1, in2};
    for (int k = 0; k < 2; k++) {
        sqlite3 *db = fresh_db(ins[k]);
        exec_ok(db, version);
        add_run(db, 1, "m", k, "{}", "always-small", "{\"name\":\"always-small\"}", "complete");
        add_run(db, 2, "m", k, "{}", "oracle", "{\"name\":\"oracle\"}", "complete");
        add_run(db, 3, "m", k, "{}", "random", "{\"name\":\"random\"}", "running"); /* not copied */
        for (int r = 1; r <= 3; r++)
            for (int i = 0; i < 3; i++)
                add_query(db, r, i, -1, -1, "small", 0.5, 1.0, i, 1.0 + k);
        sqlite3_close(db);
    }
    char *argv[] = {"merge", "-q", "-o", out, in1, in1, in2, NULL};
    CHECK_INT(merge_main(7, argv), 0);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(out, &db) == SQLITE_OK);
    CHECK_INT((int)num(db, "SELECT COUNT(*) FROM runs"), 4);
    CHECK_INT((int)num(db, "SELECT MAX(run_id) FROM runs"), 4);
    CHECK_INT((int)num(db, "SELECT COUNT(*) FROM queries"), 12);
    /* Runs 3 and 4 came from in2 (replication 1, latency 2 s). */
    CHECK_NEAR(num(db, "SELECT AVG(latency_s) FROM queries WHERE run_id IN (3, 4)"), 2.0, 1e-12);
    CHECK_INT((int)num(db, "SELECT replication FROM runs WHERE run_id = 4"), 1);
    CHECK_INT((int)num(db, "SELECT COUNT(*) FROM run_regret WHERE oracle_run_id = 4"), 2);
    sqlite3_close(db);
    remove(in1);
    remove(in2);
    remove(out);
}

int main(void)
{
    char dir[] = "edgesim_test_analysis_XXXXXX"; /* in the build tree */
    CHECK(mkdtemp(dir) != NULL);
    sqlite3 *db = fresh_db(":memory:");
    test_t_table(db);
    test_percentiles(db);
    test_regret(db);
    test_pgr(db);
    test_policy_summary(db);
    test_dialogues(db);
    test_breakdown(db);
    sqlite3_close(db);
    test_open(dir);
    test_merge(dir);
    char path[600];
    const char *left[] = {"tables_only.db", "other.db"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, left[i]);
        remove(path);
    }
    rmdir(dir);
    return check_done();
}
