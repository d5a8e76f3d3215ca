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
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "reading run_summary: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        an_data_free(d);
        return -1;
    }
    sqlite3_finalize(st);
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

double an_cell_mean(const an_data *d, int c, an_metric m)
{
    const an_cell *cell = &d->cells[c];
    double sum = 0;
    int n = 0;
    for (int i = 0; i < cell->n_runs; i++) {
        double v = d->runs[cell->first_run + i].m[m];
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

stats_ci an_cell_ci(const an_data *d, int c, an_metric m, double level)
{
    const an_cell *cell = &d->cells[c];
    double x[cell->n_runs > 0 ? cell->n_runs : 1];
    for (int i = 0; i < cell->n_runs; i++)
        x[i] = d->runs[cell->first_run + i].m[m];
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

an_pair an_paired(const an_data *d, int c, int base, an_metric m, double level)
{
    const an_cell *cell = &d->cells[c];
    double diff[cell->n_runs > 0 ? cell->n_runs : 1], rel[cell->n_runs > 0 ? cell->n_runs : 1];
    an_pair p = {0};
    for (int i = 0; i < cell->n_runs; i++) {
        const an_run *r = &d->runs[cell->first_run + i];
        const an_run *b = an_cell_run(d, base, r->seed, r->replication);
        if (!b || isnan(r->m[m]) || isnan(b->m[m]))
            continue;
        diff[p.n] = r->m[m] - b->m[m];
        rel[p.n] = b->m[m] != 0 ? r->m[m] / b->m[m] - 1 : NAN;
        p.wins += an_metric_table[m].better * diff[p.n] > 0;
        p.n++;
    }
    p.diff = stats_mean_ci(diff, (size_t)p.n, level);
    p.rel = stats_mean_ci(rel, (size_t)p.n, level);
    return p;
}
