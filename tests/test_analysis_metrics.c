/* test_analysis_metrics.c -- analysis/stats.c and `edgesim metrics`,
 * `summary`, `compare` on hand-made records whose answers are worked out by
 * hand below (RouteLLM PGR / CPT / APGR, frontiers, equal-quality
 * interpolation with t intervals), plus run identity: a second
 * configuration is a separate group and a run stored twice counts once. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <gsl/gsl_cdf.h>
#include <sqlite3.h>

#include "analysis/analysis.h"
#include "analysis/plot.h"
#include "analysis/stats.h"
#include "check.h"

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "SQL error: %s\n  in: %.300s\n", msg ? msg : "?", sql);
    CHECK(rc == SQLITE_OK);
    sqlite3_free(msg);
}

static void test_stats(void)
{
    /* mean 2, sd 1, n 3: half = t(0.975, 2) / sqrt(3) */
    const double x[] = {1, NAN, 2, 3};
    stats_ci ci = stats_mean_ci(x, 4, 0.95);
    CHECK_INT(ci.n, 3);
    CHECK_NEAR(ci.mean, 2, 1e-12);
    CHECK_NEAR(ci.half, 4.302652729749464 / sqrt(3), 1e-9);
    ci = stats_mean_ci(x, 1, 0.95);
    CHECK(isnan(ci.half) && ci.mean == 1);
    /* interpolation: inside, at a knot, outside */
    const double xs[] = {0, 1, 3}, ys[] = {10, 20, 0};
    CHECK_NEAR(stats_interp(xs, ys, 3, 0.5), 15, 1e-12);
    CHECK_NEAR(stats_interp(xs, ys, 3, 2), 10, 1e-12);
    CHECK_NEAR(stats_interp(xs, ys, 3, 1), 20, 1e-12);
    CHECK(isnan(stats_interp(xs, ys, 3, 3.5)));
    CHECK(isnan(stats_interp(xs, ys, 3, -0.1)));
    /* PGR */
    CHECK_NEAR(stats_pgr(0.6, 0.5, 0.7), 0.5, 1e-12);
    CHECK(isnan(stats_pgr(0.6, 0.5, 0.5)));
    /* random router: the diagonal, APGR 1/2, CPT(x) = x */
    const double s[] = {0, 0.5, 1}, p[] = {0, 0.5, 1};
    CHECK_NEAR(stats_apgr(s, p, 3), 0.5, 1e-12);
    CHECK_NEAR(stats_cpt(s, p, 3, 0.8), 0.8, 1e-12);
    /* a non-monotone curve: CPT is the first crossing */
    const double s2[] = {0, 0.2, 0.4, 0.6, 1}, p2[] = {0, 0.9, 0.3, 0.95, 1};
    CHECK_NEAR(stats_cpt(s2, p2, 5, 0.45), 0.1, 1e-12);
    CHECK_NEAR(stats_cpt(s2, p2, 5, 0.92), 0.4 + 0.2 * (0.92 - 0.3) / 0.65, 1e-12);
    /* Pareto: (cost, quality) */
    const double cost[] = {1, 2, 2, 3, NAN}, qual[] = {0.5, 0.6, 0.4, 0.6, 0.9};
    int on[5];
    CHECK_INT(stats_pareto(cost, qual, 5, on), 2);
    CHECK(on[0] && on[1] && !on[2] && !on[3] && !on[4]);
}

/* Records.  Every run has the same 4 queries with q_small = 0.5 and
 * q_large = 0.9, 0.7, 0.7, 0.5; a small answer takes 2 s (+0.1 s in
 * replication 1), a large one 1 s (+0.1 s).  A run is given by which
 * queries go large (a 4-character mask, 'L' = large). */
static const double q_large[4] = {0.9, 0.7, 0.7, 0.5};

static void add_run(sqlite3 *db, int id, const char *scenario_json, int rep, const char *params, const char *mask)
{
    char sql[4096];
    cJSON *pj = cJSON_Parse(params);
    const char *policy = cJSON_GetObjectItem(pj, "name")->valuestring;
    snprintf(sql, sizeof sql,
             "INSERT INTO runs (run_id, scenario_name, scenario_json, sweep_index, sweep_point, seed, replication,"
             " policy, policy_params, version, started_at, status, point_key, group_key, config_hash, config_label)"
             " VALUES (%d, 'm', '%s', 0, '{}', 5, %d, '%s', '%s', 'test', '2025-01-01T00:00:00Z', 'complete',"
             " '%s', '%s %s', '%s %s %d', '%s')",
             id, scenario_json, rep, policy, params, scenario_json, scenario_json, params, scenario_json, params,
             rep, policy);
    cJSON_Delete(pj);
    exec_ok(db, sql);
    for (int i = 0; i < 4; i++) {
        int large = mask[i] == 'L';
        double lat = (large ? 1.0 : 2.0) + 0.1 * rep;
        snprintf(sql, sizeof sql,
                 "INSERT INTO queries (run_id, query_id, device, in_tokens, out_tokens, context_tokens,"
                 " cached_tokens, recomputed_tokens, route, q_small, q_large, quality, t_arr, t_done, latency_s,"
                 " ttft_s, energy_j) VALUES (%d, %d, 0, 10, 5, 0, 0, 0, '%s', 0.5, %g, %g, %d, %g, %g, %g, 1)",
                 id, i, large ? "large" : "small", q_large[i], large ? q_large[i] : 0.5, i, i + lat, lat, lat / 2);
        exec_ok(db, sql);
    }
}

static const char *G1 = "{\"name\":\"m\",\"devices\":{\"count\":40}}";
static const char *G2 = "{\"name\":\"m\",\"devices\":{\"count\":50}}";

static void make_db(const char *path)
{
    sqlite3 *db = NULL;
    remove(path);
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    exec_ok(db, analysis_schema_sql);
    int id = 1;
    for (int rep = 0; rep < 2; rep++) {
        add_run(db, id++, G1, rep, "{\"name\":\"always-small\"}", "SSSS");
        add_run(db, id++, G1, rep, "{\"name\":\"always-large\"}", "LLLL");
        add_run(db, id++, G1, rep, "{\"name\":\"score-threshold\",\"target_large_fraction\":0.25}", "LSSS");
        add_run(db, id++, G1, rep, "{\"name\":\"score-threshold\",\"target_large_fraction\":0.5}", "LLSS");
        add_run(db, id++, G1, rep, "{\"name\":\"quality-latency\",\"alpha\":0.1,\"theta\":0.5}", "LSSL");
        add_run(db, id++, G1, rep, "{\"name\":\"quality-latency\",\"alpha\":1,\"theta\":0.5}", "SLSS");
        /* another configuration: must stay a group of its own */
        add_run(db, id++, G2, rep, "{\"name\":\"always-small\"}", "SSSS");
        add_run(db, id++, G2, rep, "{\"name\":\"always-large\"}", "SSSS");
    }
    /* the same run as run 2 (always-large, G1, seed 5, replication 0) stored
     * again, here with different records: were it counted, q_strong and
     * every PGR would change.  The file refuses it (one complete run per
     * config_hash). */
    CHECK(sqlite3_exec(db,
                       "INSERT INTO runs (run_id, scenario_name, scenario_json, sweep_index, sweep_point, seed,"
                       " replication, policy, policy_params, version, started_at, status, point_key, group_key,"
                       " config_hash, config_label) SELECT 100, scenario_name, scenario_json, sweep_index,"
                       " sweep_point, seed, replication, policy, policy_params, version, started_at, status,"
                       " point_key, group_key, config_hash, config_label FROM runs WHERE run_id = 2",
                       NULL, NULL, NULL) == SQLITE_CONSTRAINT);
    sqlite3_close(db);
}

/* Run a command with argv, parse its JSON output file. */
static cJSON *run_json(int (*main_fn)(int, char **), char **argv, int argc, const char *out)
{
    CHECK_INT(main_fn(argc, argv), 0);
    FILE *f = fopen(out, "r");
    CHECK(f != NULL);
    if (!f)
        return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    cJSON *j = cJSON_Parse(buf);
    CHECK(j != NULL);
    return j;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static const cJSON *find(const cJSON *arr, const char *k1, const char *v1, const char *k2, const char *v2)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, arr)
    {
        if (strcmp(str(o, k1), v1) == 0 && (!k2 || strcmp(str(o, k2), v2) == 0) && num(o, "group") == 1)
            return o;
    }
    fprintf(stderr, "no row %s=%s %s=%s\n", k1, v1, k2 ? k2 : "", v2 ? v2 : "");
    CHECK(0);
    return NULL;
}

static void test_routing(const char *db, const char *out)
{
    char *argv[] = {"metrics", (char *)db, "--format", "json", "-o", (char *)out};
    cJSON *j = run_json(analysis_metrics_main, argv, 6, out);
    if (!j)
        return;
    /* q_weak = 0.5; q_strong = (0.9 + 0.7 + 0.7 + 0.5) / 4 = 0.7 (the
     * duplicate of run 2 would make it 0.6).
     * score-threshold: 0.25 -> quality 0.6, PGR 0.5; 0.5 -> 0.65, PGR 0.75.
     * Curve (0,0) (0.25,0.5) (0.5,0.75) (1,1):
     *   APGR = 0.25*0.5/2 + 0.25*1.25/2 + 0.5*1.75/2 = 0.65625
     *   CPT50 = 0.25; CPT80 = 0.5 + 0.5 * 0.05 / 0.25 = 0.6.
     * Mean latency = mean over replications of (2 - share) and (2.1 - share)
     * = 2.05 - share; p95 (rank 4 of 4) = the slowest query, 2.05. */
    const cJSON *st = find(j, "family", "score-threshold", NULL, NULL);
    if (st) {
        CHECK(strcmp(str(st, "param"), "target_large_fraction") == 0);
        CHECK_NEAR(num(st, "q_weak"), 0.5, 1e-12);
        CHECK_NEAR(num(st, "q_strong"), 0.7, 1e-12);
        CHECK_NEAR(num(st, "apgr"), 0.65625, 1e-12);
        CHECK_NEAR(num(st, "cpt50"), 0.25, 1e-12);
        CHECK_NEAR(num(st, "cpt80"), 0.6, 1e-12);
        const cJSON *pts = cJSON_GetObjectItem(st, "points");
        CHECK_INT(cJSON_GetArraySize(pts), 2);
        const cJSON *p0 = cJSON_GetArrayItem(pts, 0), *p1 = cJSON_GetArrayItem(pts, 1);
        CHECK_NEAR(num(p0, "value"), 0.25, 1e-12);
        CHECK_NEAR(num(p0, "large_share"), 0.25, 1e-12);
        CHECK_NEAR(num(p0, "quality"), 0.6, 1e-12);
        CHECK_NEAR(num(p0, "pgr"), 0.5, 1e-12);
        CHECK_NEAR(num(p0, "mean_latency_s"), 1.8, 1e-12);
        CHECK_NEAR(num(p0, "p95_s"), 2.05, 1e-12);
        CHECK_NEAR(num(p1, "value"), 0.5, 1e-12);
        CHECK_NEAR(num(p1, "pgr"), 0.75, 1e-12);
        CHECK_NEAR(num(p1, "mean_latency_s"), 1.55, 1e-12);
    }
    /* quality-latency over alpha (theta fixed): alpha 0.1 -> share 0.5,
     * quality 0.6, PGR 0.5; alpha 1 -> share 0.25, quality 0.55, PGR 0.25.
     * Curve (0,0) (0.25,0.25) (0.5,0.5) (1,1): APGR = 0.03125 + 0.09375 +
     * 0.375 = 0.5; CPT50 = 0.5; CPT80 = 0.5 + 0.5 * 0.3 / 0.5 = 0.8.  Points
     * in the order of alpha. */
    const cJSON *ql = find(j, "family", "quality-latency", NULL, NULL);
    if (ql) {
        CHECK(strcmp(str(ql, "param"), "alpha") == 0);
        CHECK_NEAR(num(ql, "apgr"), 0.5, 1e-12);
        CHECK_NEAR(num(ql, "cpt50"), 0.5, 1e-12);
        CHECK_NEAR(num(ql, "cpt80"), 0.8, 1e-12);
        CHECK_NEAR(num(cJSON_GetArrayItem(cJSON_GetObjectItem(ql, "points"), 0), "value"), 0.1, 1e-12);
        CHECK_NEAR(num(cJSON_GetArrayItem(cJSON_GetObjectItem(ql, "points"), 0), "pgr"), 0.5, 1e-12);
        CHECK_NEAR(num(cJSON_GetArrayItem(cJSON_GetObjectItem(ql, "points"), 1), "pgr"), 0.25, 1e-12);
    }
    /* Group 2 has only its references: no family. */
    const cJSON *o;
    int in_group2 = 0;
    cJSON_ArrayForEach(o, j) in_group2 += num(o, "group") == 2;
    CHECK_INT(in_group2, 0);
    CHECK_INT(cJSON_GetArraySize(j), 2);
    cJSON_Delete(j);
}

static void test_frontier(const char *db, const char *out)
{
    char *argv[] = {"metrics", (char *)db, "--what", "frontier", "--format", "json", "-o", (char *)out};
    cJSON *j = run_json(analysis_metrics_main, argv, 8, out);
    if (!j)
        return;
    /* (quality, latency, share): small (0.5, 2.05, 0), large (0.7, 1.05, 1),
     * st0.25 (0.6, 1.8, 0.25), st0.5 (0.65, 1.55, 0.5), ql0.1 (0.6, 1.55,
     * 0.5), ql1 (0.55, 1.8, 0.25).  Latency: always-large dominates all.
     * Share: small, st0.25, st0.5, large; ql0.1 and ql1 are dominated. */
    const char *labels[] = {"always-small", "always-large", "score-threshold target_large_fraction=0.25",
                            "score-threshold target_large_fraction=0.5", "quality-latency alpha=0.1",
                            "quality-latency alpha=1"};
    const int lat[] = {0, 1, 0, 0, 0, 0}, share[] = {1, 1, 1, 1, 0, 0};
    for (int i = 0; i < 6; i++) {
        const cJSON *row = find(j, "label", labels[i], NULL, NULL);
        if (!row)
            continue;
        CHECK_INT((int)num(row, "latency_frontier"), lat[i]);
        CHECK_INT((int)num(row, "share_frontier"), share[i]);
    }
    cJSON_Delete(j);
}

static void test_equal_quality(const char *db, const char *out)
{
    char *argv[] = {"metrics", (char *)db, "--what", "equal-quality", "--format", "json", "-o", (char *)out};
    cJSON *j = run_json(analysis_metrics_main, argv, 8, out);
    if (!j)
        return;
    /* quality-latency alpha=0.1 (quality 0.6, share 0.5, latency 1.5 / 1.6)
     * against score-threshold, whose curve by quality is small (0.5, 2, 0),
     * st0.25 (0.6, 1.75, 0.25), st0.5 (0.65, 1.5, 0.5), large (0.7, 1, 1)
     * in replication 0 (+0.1 s in replication 1): at quality 0.6 the
     * baseline is st0.25 itself: latency diff -0.25 s in both replications
     * (CI half-width 0), relative 1.5/1.75 - 1 and 1.6/1.85 - 1; large
     * share 0.5 against 0.25: +0.25, relative +100 %. */
    const cJSON *r = find(j, "label", "quality-latency alpha=0.1", "baseline", "score-threshold");
    if (r) {
        double a = 1.5 / 1.75 - 1, b = 1.6 / 1.85 - 1;
        CHECK_INT((int)num(r, "n"), 2);
        CHECK_NEAR(num(r, "latency_diff_s"), -0.25, 1e-12);
        CHECK_NEAR(num(r, "latency_diff_ci"), 0, 1e-12);
        CHECK_NEAR(num(r, "latency_rel"), (a + b) / 2, 1e-12);
        CHECK_NEAR(num(r, "latency_rel_ci"), gsl_cdf_tdist_Pinv(0.975, 1) * fabs(a - b) / 2, 1e-9);
        CHECK_NEAR(num(r, "large_diff"), 0.25, 1e-12);
        CHECK_NEAR(num(r, "large_rel"), 1.0, 1e-12);
        CHECK_NEAR(num(r, "baseline_latency_s"), 1.8, 1e-12);
    }
    /* quality-latency alpha=1 (quality 0.55, share 0.25, latency 1.75 /
     * 1.85): halfway between always-small and st0.25: baseline latency
     * (2 + 1.75) / 2 = 1.875 (1.975), share 0.125: diffs -0.125 s, +0.125. */
    r = find(j, "label", "quality-latency alpha=1", "baseline", "score-threshold");
    if (r) {
        CHECK_NEAR(num(r, "latency_diff_s"), -0.125, 1e-12);
        CHECK_NEAR(num(r, "large_diff"), 0.125, 1e-12);
        CHECK_NEAR(num(r, "baseline_large_share"), 0.125, 1e-12);
    }
    /* score-threshold 0.5 (quality 0.65, latency 1.5) against the
     * quality-latency family (small 0.5, ql1 0.55, ql0.1 0.6, large 0.7):
     * between ql0.1 (1.5, 0.5) and large (1.0, 1): latency 1.25, share 0.75;
     * diff +0.25 s, share -0.25. */
    r = find(j, "label", "score-threshold target_large_fraction=0.5", "baseline", "quality-latency");
    if (r) {
        CHECK_NEAR(num(r, "latency_diff_s"), 0.25, 1e-12);
        CHECK_NEAR(num(r, "large_diff"), -0.25, 1e-12);
    }
    cJSON_Delete(j);
}

static void test_summary_compare(const char *db, const char *out)
{
    char *argv[] = {"summary", (char *)db, "--format", "json", "-o", (char *)out};
    cJSON *j = run_json(analysis_summary_main, argv, 6, out);
    if (j) {
        /* 6 cells in group 1, 2 in group 2; always-large of group 1 has 2
         * replications (the duplicate is not a third), quality 0.7 in both:
         * CI 0; mean latency (1 + 1.1) / 2. */
        CHECK_INT(cJSON_GetArraySize(j), 8);
        const cJSON *r = find(j, "label", "always-large", NULL, NULL);
        if (r) {
            CHECK_INT((int)num(r, "n"), 2);
            CHECK_NEAR(num(r, "mean_quality"), 0.7, 1e-12);
            CHECK_NEAR(num(r, "mean_quality_ci"), 0, 1e-12);
            CHECK_NEAR(num(r, "mean_latency_s"), 1.05, 1e-12);
            CHECK_NEAR(num(r, "mean_latency_s_ci"), gsl_cdf_tdist_Pinv(0.975, 1) * 0.05, 1e-9);
            CHECK_NEAR(num(r, "p99_ttft_s"), 0.525, 1e-12);
            CHECK(strcmp(str(r, "group_label"), "m devices.count=40") == 0);
        }
        cJSON_Delete(j);
    }
    char *argv2[] = {"compare", (char *)db, "--baseline", "always-large", "--format", "json", "-o", (char *)out};
    j = run_json(analysis_compare_main, argv2, 8, out);
    if (j) {
        /* always-small - always-large latency: 1 s in each replication;
         * relative +100 % (2/1) and 2.1/1.1 - 1; never wins on latency. */
        const cJSON *o, *r = NULL;
        cJSON_ArrayForEach(o, j) if (num(o, "group") == 1 && strcmp(str(o, "label"), "always-small") == 0 &&
                                     strcmp(str(o, "metric"), "mean_latency_s") == 0) r = o;
        CHECK(r != NULL);
        if (r) {
            CHECK_INT((int)num(r, "n_pairs"), 2);
            CHECK_NEAR(num(r, "diff"), 1.0, 1e-12);
            CHECK_NEAR(num(r, "diff_ci"), 0, 1e-12);
            CHECK_NEAR(num(r, "rel"), (1.0 + (2.1 / 1.1 - 1)) / 2, 1e-12);
            CHECK_NEAR(num(r, "wins"), 0, 1e-12);
        }
        cJSON_Delete(j);
    }
}

int main(void)
{
    char dir[] = "edgesim_test_metrics_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char db[256], out[256];
    snprintf(db, sizeof db, "%s/m.db", dir);
    snprintf(out, sizeof out, "%s/out.json", dir);
    test_stats();
    make_db(db);
    test_routing(db, out);
    test_frontier(db, out);
    test_equal_quality(db, out);
    test_summary_compare(db, out);
    remove(db);
    remove(out);
    rmdir(dir);
    return check_done();
}
