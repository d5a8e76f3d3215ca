/* data.c -- load the per-run metrics of a results database into groups,
 * cells and runs (analysis_int.h).  Grouping comes from the views
 * run_identity / run_unique / scenario_group (analysis/views.sql) and
 * nowhere else. */
#include "analysis_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

const an_metric_info an_metric_table[AN_METRIC_COUNT] = {
#define AN_INFO(col, what, unit, better) {#col, what, unit, better},
    AN_METRICS(AN_INFO)
#undef AN_INFO
};

#define AN_COL(col, what, unit, better) ", s." #col
#define AN_STATUS_COL(id, name) ", s.n_" name
static const char load_sql[] =
    "SELECT sg.group_index, sg.group_label, sg.scenario_name, sg.scenario_key, s.group_key, s.policy,"
    "       s.policy_params, l.label, s.run_id, s.seed, s.replication, s.sweep_point, i.settings" AN_METRICS(AN_COL)
    QUERY_STATUSES(AN_STATUS_COL)
    " FROM run_summary s JOIN scenario_group sg ON sg.scenario_key = s.scenario_key"
    " JOIN run_label l ON l.run_id = s.run_id JOIN run_identity i ON i.run_id = s.run_id"
    " ORDER BY sg.group_index, l.label, s.group_key, s.seed, s.replication";
#undef AN_COL
#undef AN_STATUS_COL
enum { COL_METRICS = 13, COL_STATUS = COL_METRICS + AN_METRIC_COUNT };

static char *dup_text(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return strdup(s ? s : "");
}

static int grow(void **v, int n, int *cap, size_t size)
{
    if (n < *cap)
        return 0;
    int c = *cap ? 2 * *cap : 64;
    void *p = realloc(*v, (size_t)c * size);
    if (!p)
        return -1;
    *v = p;
    *cap = c;
    return 0;
}

/* ---- the N-model figures (analysis_int.h) ---- */

static const char *const tier_order[] = {"device", "edge", "cloud"};

static int tier_rank(const char *t)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(t, tier_order[i]) == 0)
            return i;
    return 3;
}

typedef struct model_row {
    long long run_id, n;
    double cost, share;
    int model, run_index;
} model_row;

typedef struct an_run_pos {
    long long run_id;
    int index;
} run_pos;

static int cmp_run_pos(const void *a, const void *b)
{
    long long x = ((const run_pos *)a)->run_id, y = ((const run_pos *)b)->run_id;
    return (x > y) - (x < y);
}

int an_strpair_index(char ***a, char ***b, int *n, int *cap, const char *x, const char *y, int both)
{
    for (int i = 0; i < *n; i++)
        if (strcmp((*a)[i], x) == 0 && (!both || strcmp((*b)[i], y) == 0))
            return i;
    if (*n == *cap) {
        int c = *cap ? 2 * *cap : 8;
        char **p = realloc(*a, (size_t)c * sizeof *p);
        if (p)
            *a = p;
        char **q = p ? realloc(*b, (size_t)c * sizeof *q) : NULL;
        if (!q)
            return -1;
        *b = q;
        *cap = c;
    }
    (*a)[*n] = strdup(x);
    (*b)[*n] = strdup(y);
    if (!(*a)[*n] || !(*b)[*n]) {
        free((*a)[*n]);
        free((*b)[*n]);
        return -1;
    }
    return (*n)++;
}

static int add_x(an_data *d, const char *column, const char *what, const char *unit, int better)
{
    int k = d->n_x++;
    d->x_text[2 * k] = strdup(column);
    d->x_text[2 * k + 1] = strdup(what);
    if (!d->x_text[2 * k] || !d->x_text[2 * k + 1])
        return -1;
    d->x_info[k] = (an_metric_info){d->x_text[2 * k], d->x_text[2 * k + 1], unit, better};
    return 0;
}

/* The routes and costs of every unique run: from the queries table, and for
 * runs written with --records runs from run_figure_models (record schema 13
 * on). */
static int load_models(sqlite3 *db, an_data *d, char *err, size_t errlen)
{
    static const char sql_queries[] =
        "SELECT q.run_id, q.route, MIN(q.tier), COUNT(*), TOTAL(q.cost) FROM queries q"
        " JOIN run_unique u ON u.run_id = q.run_id WHERE q.route IS NOT NULL GROUP BY q.run_id, q.route";
    static const char sql_figures[] =
        " UNION ALL SELECT f.run_id, f.model, f.tier, f.n_routed, f.total_cost FROM run_figure_models f"
        " JOIN run_unique u ON u.run_id = f.run_id";
    char sql[sizeof sql_queries + sizeof sql_figures];
    sqlite3_stmt *st = NULL;
    int figures = sqlite3_prepare_v2(db, "SELECT run_id FROM run_figure_models LIMIT 0", -1, &st, NULL) == SQLITE_OK;
    sqlite3_finalize(st);
    st = NULL;
    snprintf(sql, sizeof sql, "%s%s", sql_queries, figures ? sql_figures : "");
    model_row *rows = NULL;
    int n_rows = 0, cap_rows = 0, cap_models = 0, rc, status = -1, any_cost = 0, other = 0;
    int *perm = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "reading the routes: %s", sqlite3_errmsg(db));
        return -1;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 1), *tier = (const char *)sqlite3_column_text(st, 2);
        if (grow((void **)&rows, n_rows, &cap_rows, sizeof *rows) != 0)
            goto oom;
        model_row *r = &rows[n_rows++];
        r->run_id = sqlite3_column_int64(st, 0);
        r->n = sqlite3_column_int64(st, 3);
        r->cost = sqlite3_column_double(st, 4);
        if ((r->model = an_strpair_index(&d->models, &d->model_tiers, &d->n_models, &cap_models, name ? name : "",
                                         tier ? tier : "", 0)) < 0)
            goto oom;
        any_cost |= r->cost > 0;
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "reading the routes: %s", sqlite3_errmsg(db));
        goto done;
    }
    for (int i = 0; i < d->n_models; i++)
        other |= strcmp(d->models[i], "small") != 0 && strcmp(d->models[i], "large") != 0;
    if (!other && !any_cost) { /* two models, no price: the two-model outputs */
        status = 0;
        goto done;
    }
    /* models by tier, then name (insertion sort, perm[new] = old) */
    perm = malloc((size_t)d->n_models * sizeof *perm);
    int *inv = perm ? malloc((size_t)d->n_models * sizeof *inv) : NULL;
    char **names = inv ? malloc((size_t)d->n_models * sizeof *names) : NULL;
    char **tiers = names ? malloc((size_t)d->n_models * sizeof *tiers) : NULL;
    if (!tiers) {
        free(inv);
        free(names);
        goto oom;
    }
    for (int i = 0; i < d->n_models; i++) {
        perm[i] = i;
        for (int j = i; j > 0; j--) {
            int a = perm[j - 1], b = perm[j];
            int c = tier_rank(d->model_tiers[a]) - tier_rank(d->model_tiers[b]);
            if (c < 0 || (c == 0 && strcmp(d->models[a], d->models[b]) <= 0))
                break;
            perm[j - 1] = b;
            perm[j] = a;
        }
    }
    for (int i = 0; i < d->n_models; i++) {
        inv[perm[i]] = i;
        names[i] = d->models[perm[i]];
        tiers[i] = d->model_tiers[perm[i]];
    }
    free(d->models);
    free(d->model_tiers);
    d->models = names;
    d->model_tiers = tiers;
    for (int i = 0; i < n_rows; i++)
        rows[i].model = inv[rows[i].model];
    free(inv);
    /* the tiers that hold more than one model */
    int tier_models[4] = {0};
    for (int i = 0; i < d->n_models; i++)
        tier_models[tier_rank(d->model_tiers[i])]++;
    int n_x = AN_X_SHARES + d->n_models;
    for (int t = 0; t < 3; t++)
        n_x += tier_models[t] > 1;
    d->x_info = calloc((size_t)n_x, sizeof *d->x_info);
    d->x_text = calloc((size_t)(2 * n_x), sizeof *d->x_text);
    d->x = malloc((size_t)(n_x * (d->n_runs > 0 ? d->n_runs : 1)) * sizeof *d->x);
    if (!d->x_info || !d->x_text || !d->x)
        goto oom;
    int bad = add_x(d, "mean_cost", "mean cost", "per query", -1) ||
              add_x(d, "cost_per_1k", "cost", "per 1,000 queries", -1);
    for (int i = 0; !bad && i < d->n_models; i++) {
        char col[300], what[300];
        snprintf(col, sizeof col, "share_%s", d->models[i]);
        snprintf(what, sizeof what, "%s share", d->models[i]);
        bad = add_x(d, col, what, "fraction of decided queries", 0);
    }
    for (int t = 0; !bad && t < 3; t++) {
        if (tier_models[t] < 2)
            continue;
        char col[64], what[64];
        snprintf(col, sizeof col, "tier_%s", tier_order[t]);
        snprintf(what, sizeof what, "%s tier share", tier_order[t]);
        bad = add_x(d, col, what, "fraction of decided queries", 0);
    }
    if (bad)
        goto oom;
    /* per run: NAN for a run with neither query rows nor run_figure_models rows */
    for (int i = 0; i < d->n_runs * n_x; i++)
        d->x[i] = NAN;
    /* rows to runs; per run its decided queries and cost first, then shares */
    for (int i = 0; i < n_rows; i++) {
        rows[i].run_index = an_run_lookup(d, rows[i].run_id); /* -1: a run without a run_summary row */
        if (rows[i].run_index < 0)
            continue;
        double *x = &d->x[(size_t)rows[i].run_index * (size_t)n_x];
        if (isnan(x[AN_X_MEAN_COST])) {
            for (int k = 0; k < n_x; k++)
                x[k] = 0;
        }
        x[AN_X_MEAN_COST] += rows[i].cost;    /* summed here, divided below */
        x[AN_X_COST_PER_1K] += (double)rows[i].n; /* decided queries, replaced below */
    }
    for (int i = 0; i < n_rows; i++) {
        if (rows[i].run_index < 0)
            continue;
        const double *x = &d->x[(size_t)rows[i].run_index * (size_t)n_x];
        double share = (double)rows[i].n / x[AN_X_COST_PER_1K];
        rows[i].share = share;
    }
    for (int i = 0; i < n_rows; i++) {
        if (rows[i].run_index < 0)
            continue;
        double *x = &d->x[(size_t)rows[i].run_index * (size_t)n_x];
        x[AN_X_SHARES + rows[i].model] = rows[i].share;
    }
    for (int i = 0; i < d->n_runs; i++) {
        double *x = &d->x[(size_t)i * (size_t)n_x];
        if (isnan(x[AN_X_MEAN_COST]))
            continue;
        long long n = 0;
        for (int k = 0; k < QUERY_N_STATUSES; k++)
            n += d->runs[i].n_status[k];
        x[AN_X_MEAN_COST] = n > 0 ? x[AN_X_MEAN_COST] / (double)n : NAN;
        x[AN_X_COST_PER_1K] = 1000 * x[AN_X_MEAN_COST];
        for (int m = 0, k = AN_X_SHARES + d->n_models; m < d->n_models; m++) /* tier shares */
            for (int t = 0, kt = k; t < 3; t++)
                if (tier_models[t] > 1) {
                    if (tier_rank(d->model_tiers[m]) == t)
                        x[kt] += x[AN_X_SHARES + m];
                    kt++;
                }
    }
    status = 0;
    goto done;
oom:
    snprintf(err, errlen, "out of memory");
done:
    sqlite3_finalize(st);
    free(rows);
    free(perm);
    return status;
}

int an_data_load(sqlite3 *db, an_data *d, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int cap_g = 0, cap_c = 0, cap_r = 0, rc;
    char *prev_key = NULL;
    memset(d, 0, sizeof *d);
    if (sqlite3_prepare_v2(db, load_sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "reading run_summary: %s", sqlite3_errmsg(db));
        return -1;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int gi = sqlite3_column_int(st, 0);
        const char *key = (const char *)sqlite3_column_text(st, 4);
        if (d->n_groups == 0 || d->groups[d->n_groups - 1].index != gi) {
            if (grow((void **)&d->groups, d->n_groups, &cap_g, sizeof *d->groups) != 0)
                goto oom;
            an_group *g = &d->groups[d->n_groups++];
            memset(g, 0, sizeof *g);
            g->index = gi;
            g->first_cell = d->n_cells;
            g->label = dup_text(st, 1);
            g->scenario_name = dup_text(st, 2);
            g->scenario_key = dup_text(st, 3);
            g->sweep_point = dup_text(st, 11);
            g->settings = dup_text(st, 12);
            if (!g->label || !g->scenario_name || !g->scenario_key || !g->sweep_point || !g->settings)
                goto oom;
            free(prev_key);
            prev_key = NULL;
        }
        if (!prev_key || strcmp(prev_key, key ? key : "") != 0) {
            if (grow((void **)&d->cells, d->n_cells, &cap_c, sizeof *d->cells) != 0)
                goto oom;
            an_cell *c = &d->cells[d->n_cells++];
            memset(c, 0, sizeof *c);
            c->group = d->n_groups - 1;
            c->first_run = d->n_runs;
            c->policy = dup_text(st, 5);
            c->params = dup_text(st, 6);
            c->label = dup_text(st, 7);
            free(prev_key);
            prev_key = dup_text(st, 4);
            if (!c->policy || !c->params || !c->label || !prev_key)
                goto oom;
            d->groups[d->n_groups - 1].n_cells++;
        }
        if (grow((void **)&d->runs, d->n_runs, &cap_r, sizeof *d->runs) != 0)
            goto oom;
        an_run *r = &d->runs[d->n_runs++];
        r->cell = d->n_cells - 1;
        r->run_id = sqlite3_column_int64(st, 8);
        r->seed = sqlite3_column_int64(st, 9);
        r->replication = sqlite3_column_int(st, 10);
        for (int m = 0; m < AN_METRIC_COUNT; m++)
            r->m[m] = sqlite3_column_type(st, COL_METRICS + m) == SQLITE_NULL
                          ? NAN
                          : sqlite3_column_double(st, COL_METRICS + m);
        for (int k = 0; k < QUERY_N_STATUSES; k++)
            r->n_status[k] = sqlite3_column_int64(st, COL_STATUS + k);
        d->cells[d->n_cells - 1].n_runs++;
    }
    free(prev_key);
    prev_key = NULL;
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "reading run_summary: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        an_data_free(d);
        return -1;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (!(d->by_id = malloc((size_t)(d->n_runs > 0 ? d->n_runs : 1) * sizeof *d->by_id)))
        goto oom;
    for (int i = 0; i < d->n_runs; i++)
        d->by_id[i] = (run_pos){d->runs[i].run_id, i};
    qsort(d->by_id, (size_t)d->n_runs, sizeof *d->by_id, cmp_run_pos);
    if (load_models(db, d, err, errlen) != 0) {
        an_data_free(d);
        return -1;
    }
    return 0;
oom:
    free(prev_key);
    sqlite3_finalize(st);
    an_data_free(d);
    snprintf(err, errlen, "out of memory");
    return -1;
}

void an_data_free(an_data *d)
{
    for (int g = 0; g < d->n_groups; g++) {
        free(d->groups[g].label);
        free(d->groups[g].scenario_name);
        free(d->groups[g].scenario_key);
        free(d->groups[g].sweep_point);
        free(d->groups[g].settings);
    }
    for (int c = 0; c < d->n_cells; c++) {
        free(d->cells[c].policy);
        free(d->cells[c].params);
        free(d->cells[c].label);
    }
    for (int i = 0; i < d->n_models; i++) {
        free(d->models[i]);
        free(d->model_tiers[i]);
    }
    for (int i = 0; d->x_text && i < 2 * d->n_x; i++)
        free(d->x_text[i]);
    free(d->models);
    free(d->model_tiers);
    free(d->x_info);
    free(d->x_text);
    free(d->x);
    free(d->by_id);
    free(d->groups);
    free(d->cells);
    free(d->runs);
    memset(d, 0, sizeof *d);
}

const an_run *an_cell_run(const an_data *d, int c, long long seed, int replication)
{
    const an_cell *cell = &d->cells[c];
    for (int i = 0; i < cell->n_runs; i++) {
        const an_run *r = &d->runs[cell->first_run + i];
        if (r->seed == seed && r->replication == replication)
            return r;
    }
    return NULL;
}

int an_run_lookup(const an_data *d, long long run_id)
{
    run_pos key = {run_id, 0}, *hit = bsearch(&key, d->by_id, (size_t)d->n_runs, sizeof *hit, cmp_run_pos);
    return hit ? hit->index : -1;
}

int an_n_metrics(const an_data *d) { return AN_METRIC_COUNT + d->n_x; }

an_metric_info an_info(const an_data *d, int m)
{
    return m < AN_METRIC_COUNT ? an_metric_table[m] : d->x_info[m - AN_METRIC_COUNT];
}

double an_run_value(const an_data *d, const an_run *r, int m)
{
    if (m < AN_METRIC_COUNT)
        return r->m[m];
    return d->x[(size_t)(r - d->runs) * (size_t)d->n_x + (size_t)(m - AN_METRIC_COUNT)];
}

double an_cell_mean(const an_data *d, int c, int m)
{
    const an_cell *cell = &d->cells[c];
    double sum = 0;
    int n = 0;
    for (int i = 0; i < cell->n_runs; i++) {
        double v = an_run_value(d, &d->runs[cell->first_run + i], m);
        if (!isnan(v)) {
            sum += v;
            n++;
        }
    }
    return n ? sum / n : NAN;
}

int an_policy_cell(const an_data *d, int g, const char *policy)
{
    const an_group *grp = &d->groups[g];
    for (int c = grp->first_cell; c < grp->first_cell + grp->n_cells; c++)
        if (strcmp(d->cells[c].policy, policy) == 0)
            return c;
    return -1;
}

int an_reference_cell(const an_data *d, int g, int strong)
{
    int c = an_policy_cell(d, g, strong ? "always-large" : "always-small");
    if (c >= 0)
        return c;
    const an_group *grp = &d->groups[g];
    for (c = grp->first_cell; c < grp->first_cell + grp->n_cells; c++)
        if (strcmp(d->cells[c].label, strong ? "always large" : "always small") == 0)
            return c;
    return -1;
}

int an_is_reference(const char *policy)
{
    return strcmp(policy, "always-small") == 0 || strcmp(policy, "always-large") == 0 || strcmp(policy, "always") == 0;
}

stats_ci an_cell_ci(const an_data *d, int c, int m, double level)
{
    const an_cell *cell = &d->cells[c];
    double x[cell->n_runs > 0 ? cell->n_runs : 1];
    for (int i = 0; i < cell->n_runs; i++)
        x[i] = an_run_value(d, &d->runs[cell->first_run + i], m);
    return stats_mean_ci(x, (size_t)cell->n_runs, level);
}

int an_find_cell(const an_data *d, int g, const char *name)
{
    const an_group *grp = &d->groups[g];
    int found = -1;
    for (int c = grp->first_cell; c < grp->first_cell + grp->n_cells; c++)
        if (strcmp(d->cells[c].label, name) == 0)
            return c;
    for (int c = grp->first_cell; c < grp->first_cell + grp->n_cells; c++)
        if (strcmp(d->cells[c].policy, name) == 0)
            found = found == -1 ? c : -2;
    return found;
}

an_pair an_paired(const an_data *d, int c, int base, int m, double level)
{
    const an_cell *cell = &d->cells[c];
    double diff[cell->n_runs > 0 ? cell->n_runs : 1], rel[cell->n_runs > 0 ? cell->n_runs : 1];
    an_pair p = {0};
    for (int i = 0; i < cell->n_runs; i++) {
        const an_run *r = &d->runs[cell->first_run + i];
        const an_run *b = an_cell_run(d, base, r->seed, r->replication);
        double x = b ? an_run_value(d, r, m) : NAN, y = b ? an_run_value(d, b, m) : NAN;
        if (isnan(x) || isnan(y))
            continue;
        diff[p.n] = x - y;
        rel[p.n] = y != 0 ? x / y - 1 : NAN;
        p.wins += an_info(d, m).better * diff[p.n] > 0;
        p.n++;
    }
    p.diff = stats_mean_ci(diff, (size_t)p.n, level);
    p.rel = stats_mean_ci(rel, (size_t)p.n, level);
    return p;
}
