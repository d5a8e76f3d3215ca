/* plot_figs.c -- the data and series labels behind each figure of
 * `edgesim plot` (plot_int.h).  Each writer fills NAME.dat and writes the
 * gnuplot variables its script (analysis/NAME.gp) reads: nseries, label[i],
 * and figure-specific settings. */
#include "plot_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "analysis/stats.h"
#include "sim/run/scenario.h"

#define CI_LEVEL 0.95

/* ---- helpers ---- */

typedef struct labels {
    char **v;
    int n, cap;
} labels;

static int labels_add(labels *l, const char *s)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        char **v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = strdup(s ? s : "");
    return l->v[l->n] ? (l->n++, 0) : -1;
}

static void labels_free(labels *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static void write_labels(FILE *script, const labels *l)
{
    fprintf(script, "nseries = %d\narray label[%d]\n", l->n, l->n > 0 ? l->n : 1);
    for (int i = 0; i < l->n; i++) {
        fprintf(script, "label[%d] = ", i + 1);
        plot__gp_string(script, l->v[i]);
        fputc('\n', script);
    }
}

/* Text in a tab-separated field: no tabs or newlines; empty as "-" is
 * wrong for labels, so a single space. */
static void tsv_text(FILE *f, const char *s)
{
    if (!s || !*s) {
        fputc(' ', f);
        return;
    }
    for (; *s; s++)
        fputc(*s == '\t' || *s == '\n' ? ' ' : *s, f);
}

static void num(FILE *f, double v)
{
    if (isnan(v) || isinf(v))
        fputs("NaN", f);
    else
        fprintf(f, "%.9g", v);
}

/* Mean of a cell's metric with its CI clipped to [lo_min, hi_max]. */
typedef struct band {
    double mean, lo, hi;
} band;

static band cell_band(const an_data *d, int c, an_metric m, double lo_min, double hi_max)
{
    stats_ci ci = an_cell_ci(d, c, m, CI_LEVEL);
    band b = {ci.mean, ci.mean, ci.mean};
    if (!isnan(ci.half)) {
        b.lo = ci.mean - ci.half;
        b.hi = ci.mean + ci.half;
    }
    if (b.lo < lo_min)
        b.lo = lo_min;
    if (b.hi > hi_max)
        b.hi = hi_max;
    return b;
}

static void write_band(FILE *f, band b)
{
    num(f, b.mean);
    fputc('\t', f);
    num(f, b.lo);
    fputc('\t', f);
    num(f, b.hi);
}

/* "alpha=0.1" for a point of a swept family, "" otherwise. */
static void point_label(const an_family *f, int i, char *buf, size_t len)
{
    if (f->param && f->n > 1)
        snprintf(buf, len, "%s=%s", f->param, f->value_text[i]);
    else
        buf[0] = 0;
}

/* ---- latency CDF ---- */

static const char cdf_sql[] =
    "WITH sel AS (SELECT s.run_id, l.label FROM run_summary s JOIN run_label l ON l.run_id = s.run_id"
    "             WHERE s.scenario_key = ?1),"
    " ranked AS (SELECT s.label, q.latency_s,"
    "            ROW_NUMBER() OVER (PARTITION BY s.label ORDER BY q.latency_s) AS rk,"
    "            COUNT(*) OVER (PARTITION BY s.label) AS n"
    "            FROM queries q JOIN sel s ON s.run_id = q.run_id WHERE q.status = 'done')"
    " SELECT label, latency_s, CAST(rk AS REAL) / n FROM ranked"
    " WHERE rk = 1 OR rk = n OR (rk * 1000) / n > ((rk - 1) * 1000) / n"
    " ORDER BY label, rk";

int plot__latency_cdf(plot_ctx *c, FILE *data, FILE *script)
{
    sqlite3_stmt *st;
    labels l = {0};
    int rc;
    if (sqlite3_prepare_v2(c->db, cdf_sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(c->err, sizeof c->err, "%s: %s", c->db_path, sqlite3_errmsg(c->db));
        return -1;
    }
    sqlite3_bind_text(st, 1, c->d.groups[c->g].scenario_key, -1, SQLITE_STATIC);
    fputs("# latency_s\tcdf (nearest rank; at most ~1000 points per series)\n", data);
    char prev[1024] = "";
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *series = (const char *)sqlite3_column_text(st, 0);
        series = series ? series : "";
        if (l.n == 0 || strcmp(prev, series) != 0) {
            if (l.n > 0)
                fputs("\n\n", data);
            if (labels_add(&l, series) != 0)
                break;
            fprintf(data, "# series %d: ", l.n);
            tsv_text(data, series);
            fputc('\n', data);
            snprintf(prev, sizeof prev, "%s", series);
        }
        num(data, sqlite3_column_double(st, 1));
        fputc('\t', data);
        num(data, sqlite3_column_double(st, 2));
        fputc('\n', data);
    }
    if (rc != SQLITE_DONE) {
        snprintf(c->err, sizeof c->err, "%s: %s", c->db_path, rc == SQLITE_ROW ? "out of memory" : sqlite3_errmsg(c->db));
        sqlite3_finalize(st);
        labels_free(&l);
        return -1;
    }
    sqlite3_finalize(st);
    int n = l.n;
    if (n > 0)
        write_labels(script, &l);
    else
        snprintf(c->note, sizeof c->note, "the runs hold no query rows (edgesim run --records runs)");
    labels_free(&l);
    return n > 0;
}

/* ---- quality vs latency, one line per family ---- */

int plot__tradeoff(plot_ctx *c, FILE *data, FILE *script)
{
    const an_data *d = &c->d;
    const an_group *grp = &d->groups[c->g];
    labels l = {0};
    char pl[256];
    fputs("# mean_latency_s\tlo\thi\tmean_quality\tlo\thi\tpoint label (95 % t intervals, clipped)\n", data);
    for (int f = 0; f < c->n_fam; f++) {
        const an_family *fam = &c->fam[f];
        if (fam->group != c->g)
            continue;
        char title[1024];
        if (fam->param && fam->n > 1)
            snprintf(title, sizeof title, "%s (over %s)", fam->label, fam->param);
        else
            snprintf(title, sizeof title, "%s", fam->label);
        if (l.n > 0)
            fputs("\n\n", data);
        if (labels_add(&l, title) != 0)
            goto oom;
        fprintf(data, "# series %d: %s\n", l.n, title);
        for (int i = 0; i < fam->n; i++) {
            write_band(data, cell_band(d, fam->cells[i], AN_mean_latency_s, 0, INFINITY));
            fputc('\t', data);
            write_band(data, cell_band(d, fam->cells[i], AN_mean_quality, 0, 1));
            fputc('\t', data);
            point_label(fam, i, pl, sizeof pl);
            tsv_text(data, pl);
            fputc('\n', data);
        }
    }
    for (int cidx = grp->first_cell; cidx < grp->first_cell + grp->n_cells; cidx++) {
        if (!an_is_reference(d->cells[cidx].policy))
            continue;
        if (l.n > 0)
            fputs("\n\n", data);
        if (labels_add(&l, d->cells[cidx].label) != 0)
            goto oom;
        fprintf(data, "# series %d: %s\n", l.n, d->cells[cidx].label);
        write_band(data, cell_band(d, cidx, AN_mean_latency_s, 0, INFINITY));
        fputc('\t', data);
        write_band(data, cell_band(d, cidx, AN_mean_quality, 0, 1));
        fputs("\t \n", data);
    }
    int n = l.n;
    if (n > 0)
        write_labels(script, &l);
    labels_free(&l);
    return n > 0;
oom:
    labels_free(&l);
    snprintf(c->err, sizeof c->err, "out of memory");
    return -1;
}

/* ---- Pareto frontiers ---- */

/* The frontier points of (cost, quality), sorted by cost, as a block. */
static void frontier_block(FILE *data, const double *cost, const double *q, int n)
{
    int on[n > 0 ? n : 1];
    size_t idx[n > 0 ? n : 1];
    stats_pareto(cost, q, (size_t)n, on);
    stats_sort_index(cost, idx, (size_t)n);
    for (int i = 0; i < n; i++) {
        if (!on[idx[i]])
            continue;
        num(data, cost[idx[i]]);
        fputc('\t', data);
        num(data, q[idx[i]]);
        fputc('\n', data);
    }
}

int plot__frontier(plot_ctx *c, FILE *data, FILE *script)
{
    const an_data *d = &c->d;
    const an_group *grp = &d->groups[c->g];
    int n = grp->n_cells;
    if (n < 2) {
        snprintf(c->note, sizeof c->note, "fewer than two policies in the group");
        return 0;
    }
    double lat[n], q[n], share[n];
    labels l = {0};
    fputs("# mean_latency_s\tmean_quality\tlarge_share (one block per policy, then the two frontiers)\n", data);
    for (int i = 0; i < n; i++) {
        int cidx = grp->first_cell + i;
        lat[i] = an_cell_mean(d, cidx, AN_mean_latency_s);
        q[i] = an_cell_mean(d, cidx, AN_mean_quality);
        share[i] = an_cell_mean(d, cidx, AN_large_fraction);
        if (labels_add(&l, d->cells[cidx].label) != 0) {
            labels_free(&l);
            snprintf(c->err, sizeof c->err, "out of memory");
            return -1;
        }
        fprintf(data, "%s# series %d: %s\n", i ? "\n\n" : "", i + 1, d->cells[cidx].label);
        num(data, lat[i]);
        fputc('\t', data);
        num(data, q[i]);
        fputc('\t', data);
        num(data, share[i]);
        fputc('\n', data);
    }
    fputs("\n\n# quality-latency frontier\n", data);
    frontier_block(data, lat, q, n);
    fputs("\n\n# quality-large-share frontier\n", data);
    frontier_block(data, share, q, n);
    write_labels(script, &l);
    labels_free(&l);
    return 1;
}

/* ---- PGR vs large share ---- */

int plot__pgr(plot_ctx *c, FILE *data, FILE *script)
{
    labels l = {0};
    char title[1024], pl[256];
    fputs("# large_share\tpgr\tpoint label (curve from (0, 0) to (1, 1))\n", data);
    for (int f = 0; f < c->n_fam; f++) {
        const an_family *fam = &c->fam[f];
        an_curve cv;
        if (fam->group != c->g)
            continue;
        if (an_family_curve(&c->d, fam, &cv) != 0)
            goto oom;
        if (isnan(cv.q_weak) || isnan(cv.q_strong) || cv.q_weak == cv.q_strong) {
            an_curve_free(&cv);
            snprintf(c->note, sizeof c->note, "the group has no always-small and always-large runs to measure PGR");
            break;
        }
        size_t idx[fam->n];
        double share[fam->n];
        for (int i = 0; i < fam->n; i++)
            share[i] = cv.points[i].large_share;
        stats_sort_index(share, idx, (size_t)fam->n);
        snprintf(title, sizeof title, "%s%s%s (APGR %.3f)", fam->label, fam->param && fam->n > 1 ? " over " : "",
                 fam->param && fam->n > 1 ? fam->param : "", cv.apgr);
        if (l.n > 0)
            fputs("\n\n", data);
        if (labels_add(&l, title) != 0) {
            an_curve_free(&cv);
            goto oom;
        }
        fprintf(data, "# series %d: %s\n0\t0\t \n", l.n, title);
        for (int i = 0; i < fam->n; i++) {
            const an_point *p = &cv.points[idx[i]];
            num(data, p->large_share);
            fputc('\t', data);
            num(data, p->pgr);
            fputc('\t', data);
            point_label(fam, (int)idx[i], pl, sizeof pl);
            tsv_text(data, pl);
            fputc('\n', data);
        }
        fputs("1\t1\t \n", data);
        an_curve_free(&cv);
    }
    int n = l.n;
    if (n > 0)
        write_labels(script, &l);
    else if (!c->note[0])
        snprintf(c->note, sizeof c->note, "no policy besides always-small and always-large");
    labels_free(&l);
    return n > 0;
oom:
    labels_free(&l);
    snprintf(c->err, sizeof c->err, "out of memory");
    return -1;
}

/* ---- the sweep ---- */

/* The key's documentation line from the scenario key table: "device
 * transmit power, dBm" for channel.uplink.tx_power_dbm (the help up to its
 * first parenthesis or semicolon), or NULL for an unknown key. */
static const char *key_help(const key_spec *spec, const char *path, char *buf, size_t len)
{
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    for (; spec && spec->name; spec++) {
        if (strlen(spec->name) != n || strncmp(spec->name, path, n) != 0)
            continue;
        if (dot)
            return spec->type == KEY_OBJECT ? key_help(spec->sub, dot + 1, buf, len) : NULL;
        snprintf(buf, len, "%s", spec->help ? spec->help : "");
        buf[strcspn(buf, ";")] = 0;
        char *paren = strstr(buf, " (");
        if (paren)
            *paren = 0;
        return buf;
    }
    return NULL;
}

/* A JSON path "a.b.c" removed from a cJSON tree. */
static void remove_path(cJSON *root, const char *path)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    cJSON *node = root;
    char *save = NULL, *part = strtok_r(buf, ".", &save);
    while (part && node) {
        char *next = strtok_r(NULL, ".", &save);
        if (!next) {
            cJSON_DeleteItemFromObjectCaseSensitive(node, part);
            return;
        }
        node = cJSON_GetObjectItemCaseSensitive(node, part);
        part = next;
    }
}

/* The groups of the sweep: those whose settings (the scenario JSON of
 * run_identity), without the swept keys, equal the drawn group's. */
typedef struct sweep {
    int n_keys, xk;       /* swept keys; the one on the x axis */
    char keys[8][256];
    int n_groups;
    int *group;           /* indices into d.groups */
    double *x;            /* the x key's value per matched group */
    char (*panel)[512];   /* the other keys' values per matched group */
} sweep;

static char *base_key(const char *settings, const cJSON *point)
{
    cJSON *root = cJSON_Parse(settings);
    if (!root)
        return NULL;
    for (const cJSON *k = point->child; k; k = k->next)
        remove_path(root, k->string);
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return s;
}

static int is_geometric(const double *x, int n)
{
    double v[n];
    int m = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < m; j++)
            seen |= v[j] == x[i];
        if (!seen)
            v[m++] = x[i];
    }
    if (m < 3)
        return 0;
    size_t idx[m];
    stats_sort_index(v, idx, (size_t)m);
    if (v[idx[0]] <= 0)
        return 0;
    double r = v[idx[1]] / v[idx[0]];
    for (int i = 2; i < m; i++)
        if (fabs(v[idx[i]] / v[idx[i - 1]] - r) > 1e-6 * r)
            return 0;
    return r > 1;
}

static void sweep_free(sweep *s)
{
    free(s->group);
    free(s->x);
    free(s->panel);
}

/* 1 found, 0 no sweep (c->note), -1 error. */
static int find_sweep(plot_ctx *c, sweep *s)
{
    const an_data *d = &c->d;
    memset(s, 0, sizeof *s);
    cJSON *mine = cJSON_Parse(d->groups[c->g].sweep_point);
    char *my_base = NULL;
    int rc = 0;
    if (!cJSON_IsObject(mine) || !mine->child) {
        snprintf(c->note, sizeof c->note, "the group is no point of a sweep");
        goto done;
    }
    for (const cJSON *k = mine->child; k && s->n_keys < 8; k = k->next)
        snprintf(s->keys[s->n_keys++], sizeof s->keys[0], "%s", k->string);
    my_base = base_key(d->groups[c->g].settings, mine);
    s->group = malloc((size_t)d->n_groups * sizeof *s->group);
    s->x = malloc((size_t)d->n_groups * sizeof *s->x);
    s->panel = malloc((size_t)d->n_groups * sizeof *s->panel);
    double *vals = malloc((size_t)d->n_groups * s->n_keys * sizeof *vals);
    if (!my_base || !s->group || !s->x || !s->panel || !vals) {
        free(vals);
        rc = -1;
        snprintf(c->err, sizeof c->err, "out of memory");
        goto done;
    }
    for (int g = 0; g < d->n_groups; g++) {
        cJSON *pt = cJSON_Parse(d->groups[g].sweep_point);
        int same = cJSON_IsObject(pt) && cJSON_GetArraySize(pt) == s->n_keys;
        for (int k = 0; same && k < s->n_keys; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(pt, s->keys[k]);
            same = cJSON_IsNumber(v);
            if (same)
                vals[s->n_groups * s->n_keys + k] = v->valuedouble;
        }
        char *b = same ? base_key(d->groups[g].settings, pt) : NULL;
        if (b && strcmp(b, my_base) == 0)
            s->group[s->n_groups++] = g;
        free(b);
        cJSON_Delete(pt);
    }
    if (s->n_groups < 2) {
        snprintf(c->note, sizeof c->note, "fewer than two sweep points with numeric values");
        free(vals);
        goto done;
    }
    /* x: the key with the most distinct values */
    int best = -1;
    for (int k = 0; k < s->n_keys; k++) {
        int distinct = 0;
        for (int i = 0; i < s->n_groups; i++) {
            int seen = 0;
            for (int j = 0; j < i && !seen; j++)
                seen = vals[j * s->n_keys + k] == vals[i * s->n_keys + k];
            distinct += !seen;
        }
        if (distinct > best) {
            best = distinct;
            s->xk = k;
        }
    }
    for (int i = 0; i < s->n_groups; i++) {
        s->x[i] = vals[i * s->n_keys + s->xk];
        s->panel[i][0] = 0;
        for (int k = 0; k < s->n_keys; k++) {
            if (k == s->xk)
                continue;
            size_t len = strlen(s->panel[i]);
            snprintf(s->panel[i] + len, sizeof s->panel[i] - len, ", %s=%g", s->keys[k], vals[i * s->n_keys + k]);
        }
    }
    free(vals);
    rc = 1;
done:
    free(my_base);
    cJSON_Delete(mine);
    return rc;
}

int plot__sweep(plot_ctx *c, FILE *data, FILE *script)
{
    const an_data *d = &c->d;
    sweep s;
    int rc = find_sweep(c, &s);
    if (rc <= 0) {
        sweep_free(&s);
        return rc;
    }
    labels series = {0}, panels = {0};
    int bad = 0;
    for (int i = 0; i < s.n_groups && !bad; i++) {
        const an_group *g = &d->groups[s.group[i]];
        int seen = 0;
        for (int p = 0; p < panels.n && !seen; p++)
            seen = strcmp(panels.v[p], s.panel[i]) == 0;
        if (!seen)
            bad |= labels_add(&panels, s.panel[i]);
        for (int cidx = g->first_cell; cidx < g->first_cell + g->n_cells && !bad; cidx++) {
            seen = 0;
            for (int k = 0; k < series.n && !seen; k++)
                seen = strcmp(series.v[k], d->cells[cidx].label) == 0;
            if (!seen)
                bad |= labels_add(&series, d->cells[cidx].label);
        }
    }
    size_t order[s.n_groups];
    stats_sort_index(s.x, order, (size_t)s.n_groups);
    fputs("# x\tlarge_share\tlo\thi\tmean_latency_s\tlo\thi\tmean_quality\tlo\thi (95 % t intervals, clipped)\n", data);
    for (int p = 0; p < panels.n && !bad; p++) {
        for (int k = 0; k < series.n; k++) {
            fprintf(data, "%s# panel %d%s, series %d: %s\n", p || k ? "\n\n" : "", p + 1, panels.v[p], k + 1,
                    series.v[k]);
            int rows = 0;
            for (int j = 0; j < s.n_groups; j++) {
                int i = (int)order[j];
                if (strcmp(s.panel[i], panels.v[p]) != 0)
                    continue;
                const an_group *g = &d->groups[s.group[i]];
                for (int cidx = g->first_cell; cidx < g->first_cell + g->n_cells; cidx++) {
                    if (strcmp(d->cells[cidx].label, series.v[k]) != 0)
                        continue;
                    num(data, s.x[i]);
                    fputc('\t', data);
                    write_band(data, cell_band(d, cidx, AN_large_fraction, 0, 1));
                    fputc('\t', data);
                    write_band(data, cell_band(d, cidx, AN_mean_latency_s, 0, INFINITY));
                    fputc('\t', data);
                    write_band(data, cell_band(d, cidx, AN_mean_quality, 0, 1));
                    fputc('\n', data);
                    rows++;
                }
            }
            if (!rows) /* keeps the block numbering; gnuplot skips it */
                fputs("NaN\tNaN\tNaN\tNaN\tNaN\tNaN\tNaN\tNaN\tNaN\tNaN\n", data);
        }
    }
    if (bad) {
        labels_free(&series);
        labels_free(&panels);
        sweep_free(&s);
        snprintf(c->err, sizeof c->err, "out of memory");
        return -1;
    }
    char help[512], xlabel[1024];
    const char *h = key_help(scenario_keys, s.keys[s.xk], help, sizeof help);
    int xlog = is_geometric(s.x, s.n_groups);
    snprintf(xlabel, sizeof xlabel, "%s%s[%s]%s", h ? h : "", h ? "  " : "", s.keys[s.xk],
             xlog ? ", log scale" : "");
    write_labels(script, &series);
    fprintf(script, "npanels = %d\narray panel[%d]\n", panels.n, panels.n);
    for (int p = 0; p < panels.n; p++) {
        fprintf(script, "panel[%d] = ", p + 1);
        plot__gp_string(script, panels.v[p][0] ? panels.v[p] + 1 : "");
        fputc('\n', script);
    }
    char title[1024];
    snprintf(title, sizeof title, "scenario %s, %d sweep points", d->groups[c->g].scenario_name, s.n_groups);
    fputs("sweep_title = ", script);
    plot__gp_string(script, title);
    fputs("\nxkey = ", script);
    plot__gp_string(script, s.keys[s.xk]);
    fputs("\nxlabel_text = ", script);
    plot__gp_string(script, xlabel);
    fprintf(script, "\nxlog = %d\ngp_height = %d\n", xlog, 120 + 440 * panels.n);
    fprintf(data, "\n# x = %s%s\n", s.keys[s.xk], xlog ? " (geometric: log axis)" : "");
    labels_free(&series);
    labels_free(&panels);
    sweep_free(&s);
    return 1;
}

/* ---- per-step latency breakdown ---- */

static const char breakdown_sql[] =
    "SELECT l.label, AVG(b.router_s), AVG(b.uplink_s), AVG(b.edge_queue_s), AVG(b.device_queue_s),"
    "       AVG(b.prefill_s), AVG(b.decode_s), AVG(b.downlink_s), AVG(b.latency_s)"
    " FROM latency_breakdown b JOIN run_summary s ON s.run_id = b.run_id JOIN run_label l ON l.run_id = b.run_id"
    " WHERE s.scenario_key = ?1"
    " GROUP BY l.label ORDER BY AVG(b.latency_s)";

int plot__breakdown(plot_ctx *c, FILE *data, FILE *script)
{
    sqlite3_stmt *st;
    int rc, rows = 0;
    if (sqlite3_prepare_v2(c->db, breakdown_sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(c->err, sizeof c->err, "%s: %s", c->db_path, sqlite3_errmsg(c->db));
        return -1;
    }
    sqlite3_bind_text(st, 1, c->d.groups[c->g].scenario_key, -1, SQLITE_STATIC);
    fputs("# mean seconds per query:\n# series\trouter\tuplink\tedge_queue\tdevice_queue\tprefill"
          "\tdecode\tdownlink\tlatency\n",
          data);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        tsv_text(data, (const char *)sqlite3_column_text(st, 0));
        for (int i = 1; i <= 8; i++) {
            fputc('\t', data);
            num(data, sqlite3_column_type(st, i) == SQLITE_NULL ? 0.0 : sqlite3_column_double(st, i));
        }
        fputc('\n', data);
        rows++;
    }
    if (rc != SQLITE_DONE) {
        snprintf(c->err, sizeof c->err, "%s: %s", c->db_path, sqlite3_errmsg(c->db));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    fprintf(script, "nseries = %d\n", rows);
    if (rows == 0)
        snprintf(c->note, sizeof c->note, "the runs hold no query rows (edgesim run --records runs)");
    return rows > 0;
}

/* ---- N models: shares and cost ---- */

int plot__models(plot_ctx *c, FILE *data, FILE *script)
{
    const an_data *d = &c->d;
    const an_group *grp = &d->groups[c->g];
    if (d->n_x == 0)
        return 0; /* two models, no price: the large share is in the other figures */
    fputs("# series", data);
    for (int i = 0; i < d->n_models; i++) {
        fputc('\t', data);
        tsv_text(data, d->models[i]);
    }
    fputs("\tcost_per_1k (shares of decided queries; means over replications)\n", data);
    int rows = 0;
    for (int cell = grp->first_cell; cell < grp->first_cell + grp->n_cells; cell++) {
        double cost = an_cell_mean(d, cell, AN_METRIC_COUNT + AN_X_COST_PER_1K);
        if (isnan(cost))
            continue; /* no query rows (--records runs) */
        tsv_text(data, d->cells[cell].label);
        for (int i = 0; i < d->n_models; i++) {
            fputc('\t', data);
            num(data, an_cell_mean(d, cell, an_share_metric(i)));
        }
        fputc('\t', data);
        num(data, cost);
        fputc('\n', data);
        rows++;
    }
    fprintf(script, "nmodels = %d\narray model[%d]\n", d->n_models, d->n_models);
    for (int i = 0; i < d->n_models; i++) {
        fprintf(script, "model[%d] = ", i + 1);
        plot__gp_string(script, d->models[i]);
        fputc('\n', script);
    }
    if (rows == 0)
        snprintf(c->note, sizeof c->note, "the runs hold no query rows (edgesim run --records runs)");
    return rows > 0;
}
