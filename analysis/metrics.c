/* metrics.c -- `edgesim metrics`: RouteLLM's PGR / CPT / APGR with a latency
 * axis per policy family, Pareto frontiers, and "at equal quality"
 * comparisons against baseline families (analysis.h; docs/ANALYSIS.md). */
#include "analysis/analysis.h"
#include "analysis_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "analysis/stats.h"

static const char metrics_about[] =
    "Per group (docs/ANALYSIS.md, \"Run identity\"):\n"
    "  routing        RouteLLM's metrics with a latency axis for every policy\n"
    "                 family (a policy's parameter sets differing in one key,\n"
    "                 e.g. score-threshold over target_large_fraction): per point\n"
    "                 its large share, quality, PGR = (q - q_weak) / (q_strong -\n"
    "                 q_weak) against the group's always-small and always-large\n"
    "                 runs, mean and p95 latency; per family APGR (area under PGR\n"
    "                 vs large share from (0, 0) to (1, 1)) and CPT(50 %),\n"
    "                 CPT(80 %) (the smallest large share reaching that PGR).\n"
    "                 JSON: one object per group and family with family, param,\n"
    "                 points [{value, large_share, quality, pgr, mean_latency_s,\n"
    "                 p95_s}], apgr, cpt50, cpt80.  (default)\n"
    "  frontier       every policy's mean quality, latency and large share, and\n"
    "                 whether it is on the quality-latency and the quality-large-\n"
    "                 share Pareto frontier of its group\n"
    "  pairs          RouteLLM's PGR per pair of models (N models), from the view\n"
    "                 run_model_pairs: per policy and pair (weak, strong: the\n"
    "                 lower and higher mean quality over the run's queries) the\n"
    "                 strong model's share of the decided queries, the models'\n"
    "                 and the run's mean quality and PGR = (q - q_weak) /\n"
    "                 (q_strong - q_weak), means over replications with t\n"
    "                 intervals; per policy family and pair APGR and CPT(50 %),\n"
    "                 CPT(80 %) over the curve of PGR against the strong share\n"
    "                 from (0, 0) to (1, 1)\n"
    "  equal-quality  each policy against each baseline family of another policy\n"
    "                 (not the oracle; the family's points and\n"
    "                 the group's always-small and always-large runs) interpolated\n"
    "                 to the policy's quality, replication by replication: latency\n"
    "                 and large-share differences (absolute and relative) with t\n"
    "                 confidence intervals across replications\n";

typedef struct mctx {
    an_args a;
    an_data d;
    an_family *fam;
    int n_fam;
    struct sqlite3 *db; /* open until the tables are made */
} mctx;

/* ---- routing ---- */

static cJSON *routing_json(const mctx *m)
{
    cJSON *arr = cJSON_CreateArray();
    for (int f = 0; arr && f < m->n_fam; f++) {
        const an_family *fam = &m->fam[f];
        an_curve c;
        cJSON *o = cJSON_CreateObject(), *pts = cJSON_CreateArray();
        if (!o || !pts || an_family_curve(&m->d, fam, &c) != 0) {
            cJSON_Delete(o);
            cJSON_Delete(pts);
            cJSON_Delete(arr);
            return NULL;
        }
        const an_group *g = &m->d.groups[fam->group];
        cJSON_AddItemToArray(arr, o);
        cJSON_AddNumberToObject(o, "group", g->index);
        cJSON_AddStringToObject(o, "group_label", g->label);
        cJSON_AddStringToObject(o, "family", fam->label);
        cJSON_AddStringToObject(o, "policy", fam->policy);
        if (fam->param)
            cJSON_AddStringToObject(o, "param", fam->param);
        else
            cJSON_AddNullToObject(o, "param");
        cJSON_AddItemToObject(o, "points", pts);
        for (int i = 0; i < fam->n; i++) {
            const an_point *p = &c.points[i];
            cJSON *pt = cJSON_CreateObject();
            if (!pt)
                continue;
            cJSON_AddItemToArray(pts, pt);
            cJSON *v = cJSON_Parse(fam->value_text[i]);
            cJSON_AddItemToObject(pt, "value", v ? v : cJSON_CreateNull());
            cJSON_AddStringToObject(pt, "label", m->d.cells[fam->cells[i]].label);
            const double nums[] = {p->large_share, p->quality, p->pgr, p->mean_latency_s, p->p95_s};
            const char *keys[] = {"large_share", "quality", "pgr", "mean_latency_s", "p95_s"};
            for (int k = 0; k < 5; k++)
                cJSON_AddItemToObject(pt, keys[k], isnan(nums[k]) ? cJSON_CreateNull() : cJSON_CreateNumber(nums[k]));
        }
        const double nums[] = {c.apgr, c.cpt50, c.cpt80, c.q_weak, c.q_strong};
        const char *keys[] = {"apgr", "cpt50", "cpt80", "q_weak", "q_strong"};
        for (int k = 0; k < 5; k++)
            cJSON_AddItemToObject(o, keys[k], isnan(nums[k]) ? cJSON_CreateNull() : cJSON_CreateNumber(nums[k]));
        an_curve_free(&c);
    }
    return arr;
}

static an_table *routing_table(const mctx *m)
{
    static const char *const names[] = {"group", "group_label", "family", "param", "value", "label",
                                        "large_share", "quality", "pgr", "mean_latency_s", "p95_s",
                                        "apgr", "cpt50", "cpt80"};
    static const an_col_kind kinds[] = {AN_NUM, AN_META, AN_TEXT, AN_TEXT, AN_TEXT, AN_META, AN_NUM,
                                        AN_NUM, AN_NUM,  AN_NUM,  AN_NUM,  AN_NUM,  AN_NUM,  AN_NUM};
    an_table *t = an_table_create(14, names, kinds);
    int bad = !t;
    for (int f = 0; !bad && f < m->n_fam; f++) {
        const an_family *fam = &m->fam[f];
        an_curve c;
        if (an_family_curve(&m->d, fam, &c) != 0) {
            bad = 1;
            break;
        }
        for (int i = 0; !bad && i < fam->n; i++) {
            const an_point *p = &c.points[i];
            bad |= an_table_row(t);
            bad |= an_table_num(t, m->d.groups[fam->group].index);
            bad |= an_table_text(t, m->d.groups[fam->group].label);
            bad |= an_table_text(t, fam->label);
            bad |= an_table_text(t, fam->param ? fam->param : "-");
            bad |= an_table_text(t, fam->value_text[i]);
            bad |= an_table_text(t, m->d.cells[fam->cells[i]].label);
            bad |= an_table_num(t, p->large_share);
            bad |= an_table_num(t, p->quality);
            bad |= an_table_num(t, p->pgr);
            bad |= an_table_num(t, p->mean_latency_s);
            bad |= an_table_num(t, p->p95_s);
            bad |= an_table_num(t, c.apgr);
            bad |= an_table_num(t, c.cpt50);
            bad |= an_table_num(t, c.cpt80);
        }
        an_curve_free(&c);
    }
    if (bad) {
        an_table_destroy(t);
        return NULL;
    }
    return t;
}

/* ---- pairs ---- */

/* One row of run_model_pairs with the strong model's share of the run's
 * decided queries. */
typedef struct pair_row {
    int run, pair;  /* index in d->runs; pair: index in pctx.weak/strong */
    double weak_q, strong_q, quality, pgr, strong_share;
} pair_row;

typedef struct pctx {
    pair_row *rows;
    int n_rows;
    char **weak, **strong; /* the distinct (weak, strong) pairs, in order of first appearance */
    int n_pairs, cap_pairs;
} pctx;

static void pctx_free(pctx *p)
{
    for (int i = 0; i < p->n_pairs; i++) {
        free(p->weak[i]);
        free(p->strong[i]);
    }
    free(p->weak);
    free(p->strong);
    free(p->rows);
}

static int load_pairs(sqlite3 *db, const an_data *d, pctx *p, char *err, size_t errlen)
{
    static const char sql[] =
        "WITH decided AS (SELECT q.run_id, q.route, COUNT(*) AS n, SUM(COUNT(*)) OVER (PARTITION BY q.run_id) AS total"
        "                 FROM queries q JOIN run_unique u ON u.run_id = q.run_id WHERE q.route IS NOT NULL"
        "                 GROUP BY q.run_id, q.route)"
        " SELECT p.run_id, p.weak_model, p.strong_model, p.weak_mean_q, p.strong_mean_q, p.mean_quality, p.pgr,"
        "        COALESCE(d.n * 1.0 / d.total, CASE WHEN t.total > 0 THEN 0.0 END)"
        " FROM run_model_pairs p LEFT JOIN decided d ON d.run_id = p.run_id AND d.route = p.strong_model"
        " LEFT JOIN (SELECT run_id, MAX(total) AS total FROM decided GROUP BY run_id) t ON t.run_id = p.run_id"
        " ORDER BY p.run_id, p.weak_mean_q, p.strong_mean_q, p.weak_model, p.strong_model";
    sqlite3_stmt *st = NULL;
    int cap = 0, rc;
    memset(p, 0, sizeof *p);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "reading run_model_pairs: %s", sqlite3_errmsg(db));
        return -1;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int run = an_run_lookup(d, sqlite3_column_int64(st, 0));
        const char *w = (const char *)sqlite3_column_text(st, 1), *s = (const char *)sqlite3_column_text(st, 2);
        if (run < 0 || !w || !s)
            continue;
        if (p->n_rows == cap) {
            cap = cap ? 2 * cap : 64;
            pair_row *r = realloc(p->rows, (size_t)cap * sizeof *r);
            if (!r)
                goto oom;
            p->rows = r;
        }
        pair_row *r = &p->rows[p->n_rows++];
        r->run = run;
        if ((r->pair = an_strpair_index(&p->weak, &p->strong, &p->n_pairs, &p->cap_pairs, w, s, 1)) < 0)
            goto oom;
        double *v[] = {&r->weak_q, &r->strong_q, &r->quality, &r->pgr, &r->strong_share};
        for (int k = 0; k < 5; k++)
            *v[k] = sqlite3_column_type(st, 3 + k) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3 + k);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    snprintf(err, errlen, "reading run_model_pairs: %s", sqlite3_errmsg(db));
    pctx_free(p);
    return -1;
oom:
    sqlite3_finalize(st);
    pctx_free(p);
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* The means over cell c's runs of pair `pair`'s figures (v: weak_q,
 * strong_q, quality, strong_share; NAN without runs) and its PGR with the
 * t interval; returns the number of runs. */
static int pair_cell(const an_data *d, const pctx *p, int c, int pair, double level, double v[4], stats_ci *pgr)
{
    const an_cell *cell = &d->cells[c];
    double x[5][cell->n_runs > 0 ? cell->n_runs : 1];
    int n = 0;
    for (int i = 0; i < p->n_rows; i++) {
        const pair_row *r = &p->rows[i];
        if (r->pair != pair || r->run < cell->first_run || r->run >= cell->first_run + cell->n_runs)
            continue;
        x[0][n] = r->weak_q;
        x[1][n] = r->strong_q;
        x[2][n] = r->quality;
        x[3][n] = r->strong_share;
        x[4][n] = r->pgr;
        n++;
    }
    for (int k = 0; k < 4; k++)
        v[k] = stats_mean_ci(x[k], (size_t)n, level).mean;
    *pgr = stats_mean_ci(x[4], (size_t)n, level);
    return n;
}

/* APGR, CPT(50 %), CPT(80 %) of family f on pair `pair`: PGR against the
 * strong share, from (0, 0) through the family's points to (1, 1). */
static void pair_curve(const an_data *d, const pctx *p, const an_family *f, int pair, double level, double out[3])
{
    double s[f->n + 2], y[f->n + 2], key[f->n], ys[f->n];
    size_t idx[f->n > 0 ? f->n : 1];
    int n = 0;
    for (int i = 0; i < f->n; i++) {
        double v[4];
        stats_ci pgr;
        if (pair_cell(d, p, f->cells[i], pair, level, v, &pgr) == 0 || isnan(v[3]) || isnan(pgr.mean))
            continue;
        key[n] = v[3];
        ys[n] = pgr.mean;
        n++;
    }
    out[0] = out[1] = out[2] = NAN;
    if (n == 0)
        return;
    stats_sort_index(key, idx, (size_t)n);
    s[0] = 0, y[0] = 0;
    for (int i = 0; i < n; i++)
        s[i + 1] = key[idx[i]], y[i + 1] = ys[idx[i]];
    s[n + 1] = 1, y[n + 1] = 1;
    out[0] = stats_apgr(s, y, (size_t)n + 2);
    out[1] = stats_cpt(s, y, (size_t)n + 2, 0.5);
    out[2] = stats_cpt(s, y, (size_t)n + 2, 0.8);
}

an_table *an_pairs_table(struct sqlite3 *db, const an_data *d, const an_family *fam, int n_fam, int group, double level,
                         char *err, size_t errlen)
{
    static const char *const names[] = {"group",   "group_label", "label",        "weak",   "strong", "n",
                                        "weak_q",  "strong_q",    "strong_share", "quality", "pgr",   "pgr_ci",
                                        "family",  "apgr",        "cpt50",        "cpt80"};
    static const an_col_kind kinds[] = {AN_NUM, AN_META, AN_TEXT, AN_TEXT, AN_TEXT, AN_NUM, AN_NUM, AN_NUM,
                                        AN_NUM, AN_NUM,  AN_NUM,  AN_CI,   AN_META, AN_NUM, AN_NUM, AN_NUM};
    pctx p;
    if (load_pairs(db, d, &p, err, errlen) != 0)
        return NULL;
    an_table *t = an_table_create(16, names, kinds);
    int bad = !t;
    for (int g = 0; !bad && g < d->n_groups; g++) {
        if (group >= 0 && g != group)
            continue;
        const an_group *grp = &d->groups[g];
        for (int c = grp->first_cell; !bad && c < grp->first_cell + grp->n_cells; c++) {
            const an_family *cf = NULL;
            for (int f = 0; f < n_fam && !cf; f++)
                for (int i = 0; i < fam[f].n; i++)
                    if (fam[f].cells[i] == c)
                        cf = &fam[f];
            for (int pair = 0; !bad && pair < p.n_pairs; pair++) {
                double v[4], curve[3] = {NAN, NAN, NAN};
                stats_ci pgr;
                int n = pair_cell(d, &p, c, pair, level, v, &pgr);
                if (n == 0)
                    continue;
                if (cf)
                    pair_curve(d, &p, cf, pair, level, curve);
                bad |= an_table_row(t);
                bad |= an_table_num(t, grp->index);
                bad |= an_table_text(t, grp->label);
                bad |= an_table_text(t, d->cells[c].label);
                bad |= an_table_text(t, p.weak[pair]);
                bad |= an_table_text(t, p.strong[pair]);
                bad |= an_table_num(t, n);
                bad |= an_table_num(t, v[0]);
                bad |= an_table_num(t, v[1]);
                bad |= an_table_num(t, v[3]);
                bad |= an_table_num(t, v[2]);
                bad |= an_table_num(t, pgr.mean);
                bad |= an_table_num(t, pgr.half);
                bad |= an_table_text(t, cf ? cf->label : NULL);
                for (int k = 0; k < 3; k++)
                    bad |= an_table_num(t, curve[k]);
            }
        }
    }
    pctx_free(&p);
    if (bad) {
        snprintf(err, errlen, "out of memory");
        an_table_destroy(t);
        return NULL;
    }
    return t;
}

/* ---- frontier ---- */

static an_table *frontier_table(const mctx *m)
{
    static const char *const names[] = {"group", "group_label", "label", "quality", "mean_latency_s", "large_share",
                                        "latency_frontier", "share_frontier"};
    static const an_col_kind kinds[] = {AN_NUM, AN_META, AN_TEXT, AN_NUM, AN_NUM, AN_NUM, AN_NUM, AN_NUM};
    const an_data *d = &m->d;
    an_table *t = an_table_create(8, names, kinds);
    double *q = malloc((size_t)d->n_cells * sizeof *q), *lat = malloc((size_t)d->n_cells * sizeof *lat);
    double *share = malloc((size_t)d->n_cells * sizeof *share);
    int *on_lat = malloc((size_t)d->n_cells * sizeof *on_lat), *on_share = malloc((size_t)d->n_cells * sizeof *on_share);
    int bad = !t || !q || !lat || !share || !on_lat || !on_share;
    for (int g = 0; !bad && g < d->n_groups; g++) {
        const an_group *grp = &d->groups[g];
        int c0 = grp->first_cell, n = grp->n_cells;
        for (int i = 0; i < n; i++) {
            q[i] = an_cell_mean(d, c0 + i, AN_mean_quality);
            lat[i] = an_cell_mean(d, c0 + i, AN_mean_latency_s);
            share[i] = an_cell_mean(d, c0 + i, AN_large_fraction);
        }
        stats_pareto(lat, q, (size_t)n, on_lat);
        stats_pareto(share, q, (size_t)n, on_share);
        for (int i = 0; !bad && i < n; i++) {
            bad |= an_table_row(t);
            bad |= an_table_num(t, grp->index);
            bad |= an_table_text(t, grp->label);
            bad |= an_table_text(t, d->cells[c0 + i].label);
            bad |= an_table_num(t, q[i]);
            bad |= an_table_num(t, lat[i]);
            bad |= an_table_num(t, share[i]);
            bad |= an_table_num(t, on_lat[i]);
            bad |= an_table_num(t, on_share[i]);
        }
    }
    free(q);
    free(lat);
    free(share);
    free(on_lat);
    free(on_share);
    if (bad) {
        an_table_destroy(t);
        return NULL;
    }
    return t;
}

/* ---- equal quality ---- */

/* Policy cell p against family f in the replication (seed, rep) of run r:
 * the family's latency and large share interpolated at r's quality.  0, or
 * -1 when a point of the family has no run of that replication or r's
 * quality is outside the family's range. */
static int at_equal_quality(const an_data *d, const an_family *f, const an_run *r, double *lat, double *share)
{
    int n = 0, cap = f->n + 2;
    double *q = malloc((size_t)cap * sizeof *q), *l = malloc((size_t)cap * sizeof *l);
    double *s = malloc((size_t)cap * sizeof *s), *qs = malloc((size_t)cap * sizeof *qs);
    double *ls = malloc((size_t)cap * sizeof *ls), *ss = malloc((size_t)cap * sizeof *ss);
    size_t *idx = malloc((size_t)cap * sizeof *idx);
    int rc = q && l && s && qs && ls && ss && idx ? 0 : -1;
    for (int i = 0; rc == 0 && i < f->n + 2; i++) {
        int c = i < f->n ? f->cells[i] : an_reference_cell(d, f->group, i - f->n);
        if (c < 0)
            continue; /* a missing reference: the curve is the family alone */
        const an_run *b = an_cell_run(d, c, r->seed, r->replication);
        if (!b) {
            rc = -1;
            break;
        }
        q[n] = b->m[AN_mean_quality];
        l[n] = b->m[AN_mean_latency_s];
        s[n] = b->m[AN_large_fraction];
        n++;
    }
    if (rc == 0) {
        stats_sort_index(q, idx, (size_t)n);
        for (int i = 0; i < n; i++) {
            qs[i] = q[idx[i]];
            ls[i] = l[idx[i]];
            ss[i] = s[idx[i]];
        }
        *lat = stats_interp(qs, ls, (size_t)n, r->m[AN_mean_quality]);
        *share = stats_interp(qs, ss, (size_t)n, r->m[AN_mean_quality]);
        rc = isnan(*lat) || isnan(*share) ? -1 : 0;
    }
    free(q);
    free(l);
    free(s);
    free(qs);
    free(ls);
    free(ss);
    free(idx);
    return rc;
}

static int in_family(const an_family *f, int c)
{
    for (int i = 0; i < f->n; i++)
        if (f->cells[i] == c)
            return 1;
    return 0;
}

int an_eq_applies(const an_data *d, const an_family *f, int c)
{
    const an_cell *cell = &d->cells[c];
    return cell->group == f->group && strcmp(f->policy, "oracle") != 0 && !in_family(f, c) &&
           strcmp(cell->policy, f->policy) != 0 && !an_is_reference(cell->policy);
}

int an_equal_quality(const an_data *d, const an_family *f, int c, double level, an_eq *out)
{
    enum { QUAL, LAT, BLAT, DLAT, RLAT, SHARE, BSHARE, DSHARE, RSHARE, NV };
    const an_cell *cell = &d->cells[c];
    double *v[NV];
    int bad = 0, n = 0;
    for (int k = 0; k < NV; k++)
        bad |= !(v[k] = malloc((size_t)(cell->n_runs + 1) * sizeof *v[k]));
    for (int i = 0; !bad && i < cell->n_runs; i++) {
        const an_run *r = &d->runs[cell->first_run + i];
        double bl, bs;
        if (at_equal_quality(d, f, r, &bl, &bs) != 0)
            continue;
        v[QUAL][n] = r->m[AN_mean_quality];
        v[LAT][n] = r->m[AN_mean_latency_s];
        v[BLAT][n] = bl;
        v[DLAT][n] = r->m[AN_mean_latency_s] - bl;
        v[RLAT][n] = bl > 0 ? r->m[AN_mean_latency_s] / bl - 1 : NAN;
        v[SHARE][n] = r->m[AN_large_fraction];
        v[BSHARE][n] = bs;
        v[DSHARE][n] = r->m[AN_large_fraction] - bs;
        v[RSHARE][n] = bs > 0 ? r->m[AN_large_fraction] / bs - 1 : NAN;
        n++;
    }
    if (!bad) {
        out->n = n;
        stats_ci *dst[NV] = {&out->quality,    &out->latency, &out->base_latency, &out->latency_diff, &out->latency_rel,
                             &out->share,      &out->base_share, &out->share_diff, &out->share_rel};
        for (int k = 0; k < NV; k++)
            *dst[k] = stats_mean_ci(v[k], (size_t)n, level);
    }
    for (int k = 0; k < NV; k++)
        free(v[k]);
    return bad ? -1 : 0;
}

static an_table *equal_quality_table(const mctx *m)
{
    static const char *const names[] = {
        "group",          "group_label",    "label",          "baseline",          "n",
        "quality",        "quality_ci",     "latency_s",      "baseline_latency_s", "latency_diff_s",
        "latency_diff_ci", "latency_rel",   "latency_rel_ci", "large_share",       "baseline_large_share",
        "large_diff",     "large_diff_ci",  "large_rel",      "large_rel_ci"};
    static const an_col_kind kinds[] = {AN_NUM, AN_META, AN_TEXT, AN_TEXT, AN_NUM, AN_NUM, AN_CI,
                                        AN_NUM, AN_NUM,  AN_NUM,  AN_CI,   AN_NUM, AN_CI,  AN_NUM,
                                        AN_NUM, AN_NUM,  AN_CI,   AN_NUM,  AN_CI};
    const an_data *d = &m->d;
    an_table *t = an_table_create(19, names, kinds);
    int bad = !t;
    for (int f = 0; !bad && f < m->n_fam; f++) {
        const an_family *fam = &m->fam[f];
        const an_group *grp = &d->groups[fam->group];
        for (int c = grp->first_cell; !bad && c < grp->first_cell + grp->n_cells; c++) {
            an_eq eq;
            if (!an_eq_applies(d, fam, c))
                continue;
            if (an_equal_quality(d, fam, c, m->a.level, &eq) != 0) {
                bad = 1;
                break;
            }
            bad |= an_table_row(t);
            bad |= an_table_num(t, grp->index);
            bad |= an_table_text(t, grp->label);
            bad |= an_table_text(t, d->cells[c].label);
            bad |= an_table_text(t, fam->label);
            bad |= an_table_num(t, eq.n);
            bad |= an_table_num(t, eq.quality.mean);
            bad |= an_table_num(t, eq.quality.half);
            bad |= an_table_num(t, eq.latency.mean);
            bad |= an_table_num(t, eq.base_latency.mean);
            bad |= an_table_num(t, eq.latency_diff.mean);
            bad |= an_table_num(t, eq.latency_diff.half);
            bad |= an_table_num(t, eq.latency_rel.mean);
            bad |= an_table_num(t, eq.latency_rel.half);
            bad |= an_table_num(t, eq.share.mean);
            bad |= an_table_num(t, eq.base_share.mean);
            bad |= an_table_num(t, eq.share_diff.mean);
            bad |= an_table_num(t, eq.share_diff.half);
            bad |= an_table_num(t, eq.share_rel.mean);
            bad |= an_table_num(t, eq.share_rel.half);
        }
    }
    if (bad) {
        an_table_destroy(t);
        return NULL;
    }
    return t;
}

/* ---- the command ---- */

int analysis_metrics_main(int argc, char **argv)
{
    static const char *const allowed[] = {"--what", "--format", "--ci", NULL};
    mctx m = {0};
    char err[512];
    int rc = an_args_parse(&m.a, "metrics", argc, argv, allowed, "RESULTS.db [options]", metrics_about);
    if (rc != 0)
        return rc > 0 ? opts_check_output(stdout, "edgesim --help") : EXIT_USAGE;
    const char *what = m.a.what ? m.a.what : "routing";
    if (strcmp(what, "routing") != 0 && strcmp(what, "frontier") != 0 && strcmp(what, "equal-quality") != 0 &&
        strcmp(what, "pairs") != 0) {
        fprintf(stderr, "edgesim metrics: --what: expected routing, pairs, frontier or equal-quality, found \"%s\"\n",
                what);
        return EXIT_USAGE;
    }
    m.db = an_open_load(&m.a, &m.d);
    if (!m.db)
        return EXIT_INPUT;
    int status = EXIT_OUTPUT;
    if (an_families(&m.d, &m.fam, &m.n_fam, err, sizeof err) != 0) {
        fprintf(stderr, "edgesim metrics: %s: %s\n", m.a.db_path, err);
        an_data_free(&m.d);
        sqlite3_close(m.db);
        return EXIT_OUTPUT;
    }
    an_table *t = NULL;
    char *json = NULL;
    if (strcmp(what, "routing") == 0 && m.a.format == AN_JSON) {
        cJSON *arr = routing_json(&m);
        json = arr ? cJSON_Print(arr) : NULL;
        cJSON_Delete(arr);
    } else if (strcmp(what, "routing") == 0) {
        t = routing_table(&m);
    } else if (strcmp(what, "pairs") == 0) {
        t = an_pairs_table(m.db, &m.d, m.fam, m.n_fam, -1, m.a.level, err, sizeof err);
    } else if (strcmp(what, "frontier") == 0) {
        t = frontier_table(&m);
    } else {
        t = equal_quality_table(&m);
    }
    if (strcmp(what, "pairs") != 0)
        snprintf(err, sizeof err, "out of memory");
    sqlite3_close(m.db);
    FILE *out = t || json ? an_open_output(&m.a) : NULL;
    if (!t && !json) {
        fprintf(stderr, "edgesim metrics: %s: %s\n", m.a.db_path, err);
    } else if (out) {
        int werr = 0;
        if (json) {
            fputs(json, out);
            fputc('\n', out);
        } else {
            if (m.a.format == AN_TABLE) {
                fprintf(out, "# %s: %s (docs/ANALYSIS.md)\n", m.a.db_path, what);
                for (int g = 0; g < m.d.n_groups; g++)
                    fprintf(out, "# group %d: %s\n", m.d.groups[g].index, m.d.groups[g].label);
            }
            werr = an_table_write(t, m.a.format, out);
        }
        if (an_close_output(&m.a, out) == 0 && werr == 0)
            status = EXIT_OK;
    }
    free(json);
    an_table_destroy(t);
    an_families_free(m.fam, m.n_fam);
    an_data_free(&m.d);
    return status;
}
