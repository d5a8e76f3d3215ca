/* families.c -- policy families swept over one parameter and their
 * RouteLLM curves (analysis_int.h; definitions in docs/ANALYSIS.md). */
#include "analysis_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "analysis/stats.h"

/* The parameter `key` of a cell as JSON text ("null" when absent); caller
 * frees. */
static char *param_text(const cJSON *params, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, key);
    return v ? cJSON_PrintUnformatted(v) : strdup("null");
}

/* Parsed parameters of the cells of one group and policy. */
typedef struct members {
    int n;
    int *cells;
    cJSON **params;
    char **keys;  /* keys (not "name") whose values differ among the cells */
    int n_keys;
} members;

static void members_free(members *m)
{
    for (int i = 0; i < m->n; i++)
        cJSON_Delete(m->params[i]);
    for (int i = 0; i < m->n_keys; i++)
        free(m->keys[i]);
    free(m->cells);
    free(m->params);
    free(m->keys);
}

/* Does some key other than `skip` differ between cells a and b? */
static int others_differ(const members *m, int a, int b, int skip)
{
    for (int k = 0; k < m->n_keys; k++) {
        if (k == skip)
            continue;
        char *x = param_text(m->params[a], m->keys[k]), *y = param_text(m->params[b], m->keys[k]);
        int differ = !x || !y || strcmp(x, y) != 0;
        free(x);
        free(y);
        if (differ)
            return 1;
    }
    return 0;
}

static int add_family(an_family **out, int *n, int *cap, const an_data *d, const members *m, const int *which,
                      int count, int key)
{
    if (*n == *cap) {
        int c = *cap ? 2 * *cap : 16;
        an_family *p = realloc(*out, (size_t)c * sizeof *p);
        if (!p)
            return -1;
        *out = p;
        *cap = c;
    }
    an_family *f = &(*out)[(*n)++];
    memset(f, 0, sizeof *f);
    const an_cell *first = &d->cells[m->cells[which[0]]];
    f->group = first->group;
    f->n = count;
    f->policy = strdup(first->policy);
    f->param = key >= 0 ? strdup(m->keys[key]) : NULL;
    f->cells = malloc((size_t)count * sizeof *f->cells);
    f->value = malloc((size_t)count * sizeof *f->value);
    f->value_text = calloc((size_t)count, sizeof *f->value_text);
    if (!f->policy || (key >= 0 && !f->param) || !f->cells || !f->value || !f->value_text)
        return -1;
    /* label: the policy and the fixed values of the other varying keys */
    char label[1024];
    if (key < 0) {
        snprintf(label, sizeof label, "%s", first->label);
    } else {
        snprintf(label, sizeof label, "%s", first->policy);
        for (int k = 0; k < m->n_keys; k++) {
            if (k == key)
                continue;
            char *v = param_text(m->params[which[0]], m->keys[k]);
            size_t len = strlen(label);
            snprintf(label + len, sizeof label - len, " %s=%s", m->keys[k], v ? v : "?");
            free(v);
        }
    }
    if (!(f->label = strdup(label)))
        return -1;
    /* points sorted by the parameter's value */
    double *v = malloc((size_t)count * sizeof *v);
    size_t *idx = malloc((size_t)count * sizeof *idx);
    if (!v || !idx) {
        free(v);
        free(idx);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        const cJSON *item = key >= 0 ? cJSON_GetObjectItemCaseSensitive(m->params[which[i]], m->keys[key]) : NULL;
        v[i] = cJSON_IsNumber(item) ? item->valuedouble : NAN;
    }
    stats_sort_index(v, idx, (size_t)count);
    int bad = 0;
    for (int i = 0; i < count; i++) {
        int w = which[idx[i]];
        f->cells[i] = m->cells[w];
        f->value[i] = v[idx[i]];
        f->value_text[i] = key >= 0 ? param_text(m->params[w], m->keys[key]) : strdup("null");
        bad |= !f->value_text[i];
    }
    free(v);
    free(idx);
    return bad ? -1 : 0;
}

/* The keys whose values differ among the members. */
static int varying_keys(members *m)
{
    m->keys = NULL;
    m->n_keys = 0;
    int cap = 0;
    for (int i = 0; i < m->n; i++) {
        for (const cJSON *it = m->params[i] ? m->params[i]->child : NULL; it; it = it->next) {
            if (!it->string || strcmp(it->string, "name") == 0)
                continue;
            int seen = 0;
            for (int k = 0; k < m->n_keys && !seen; k++)
                seen = strcmp(m->keys[k], it->string) == 0;
            if (seen)
                continue;
            char *v0 = param_text(m->params[0], it->string);
            int differs = 0;
            for (int j = 1; j < m->n && !differs && v0; j++) {
                char *vj = param_text(m->params[j], it->string);
                differs = !vj || strcmp(v0, vj) != 0;
                free(vj);
            }
            free(v0);
            if (!differs)
                continue;
            if (m->n_keys == cap) {
                cap = cap ? 2 * cap : 8;
                char **p = realloc(m->keys, (size_t)cap * sizeof *p);
                if (!p)
                    return -1;
                m->keys = p;
            }
            if (!(m->keys[m->n_keys] = strdup(it->string)))
                return -1;
            m->n_keys++;
        }
    }
    return 0;
}

/* The families of one group and policy. */
static int policy_families(const an_data *d, members *m, an_family **out, int *n, int *cap)
{
    size_t n_members = m->n > 0 ? (size_t)m->n : 1; /* m->n >= 1; said so for the compiler */
    int *covered = calloc(n_members, sizeof *covered);
    int *which = malloc(n_members * sizeof *which);
    int *taken = calloc(n_members, sizeof *taken);
    int rc = covered && which && taken ? 0 : -1;
    for (int k = 0; rc == 0 && k < m->n_keys; k++) {
        memset(taken, 0, (size_t)m->n * sizeof *taken);
        for (int i = 0; rc == 0 && i < m->n; i++) {
            if (taken[i])
                continue;
            int count = 0;
            for (int j = i; j < m->n; j++)
                if (!taken[j] && !others_differ(m, i, j, k)) {
                    which[count++] = j;
                    taken[j] = 1;
                }
            if (count < 2)
                continue;
            for (int j = 0; j < count; j++)
                covered[which[j]] = 1;
            rc = add_family(out, n, cap, d, m, which, count, k);
        }
    }
    for (int i = 0; rc == 0 && i < m->n; i++)
        if (!covered[i]) {
            which[0] = i;
            rc = add_family(out, n, cap, d, m, which, 1, -1);
        }
    free(covered);
    free(which);
    free(taken);
    return rc;
}

int an_families(const an_data *d, an_family **out, int *n, char *err, size_t errlen)
{
    int cap = 0;
    *out = NULL;
    *n = 0;
    char *done = calloc((size_t)(d->n_cells > 0 ? d->n_cells : 1), 1);
    members m = {0};
    if (!done)
        goto oom;
    for (int g = 0; g < d->n_groups; g++) {
        const an_group *grp = &d->groups[g];
        for (int c = grp->first_cell; c < grp->first_cell + grp->n_cells; c++) {
            if (done[c] || an_is_reference(d->cells[c].policy))
                continue;
            memset(&m, 0, sizeof m);
            m.cells = malloc((size_t)grp->n_cells * sizeof *m.cells);
            m.params = calloc((size_t)grp->n_cells, sizeof *m.params);
            if (!m.cells || !m.params)
                goto oom;
            for (int o = c; o < grp->first_cell + grp->n_cells; o++) {
                if (strcmp(d->cells[o].policy, d->cells[c].policy) != 0)
                    continue;
                done[o] = 1;
                m.cells[m.n] = o;
                m.params[m.n] = cJSON_Parse(d->cells[o].params);
                if (!cJSON_IsObject(m.params[m.n])) {
                    snprintf(err, errlen, "run %lld: policy_params is not a JSON object: %.200s",
                             d->runs[d->cells[o].first_run].run_id, d->cells[o].params);
                    m.n++;
                    members_free(&m);
                    free(done);
                    an_families_free(*out, *n);
                    *out = NULL;
                    *n = 0;
                    return -1;
                }
                m.n++;
            }
            if (varying_keys(&m) != 0 || policy_families(d, &m, out, n, &cap) != 0)
                goto oom;
            members_free(&m);
        }
    }
    free(done);
    return 0;
oom:
    members_free(&m);
    free(done);
    an_families_free(*out, *n);
    *out = NULL;
    *n = 0;
    snprintf(err, errlen, "out of memory");
    return -1;
}

void an_families_free(an_family *f, int n)
{
    for (int i = 0; i < n; i++) {
        for (int j = 0; f[i].value_text && j < f[i].n; j++)
            free(f[i].value_text[j]);
        free(f[i].value_text);
        free(f[i].label);
        free(f[i].policy);
        free(f[i].param);
        free(f[i].cells);
        free(f[i].value);
    }
    free(f);
}

int an_family_curve(const an_data *d, const an_family *f, an_curve *c)
{
    memset(c, 0, sizeof *c);
    int weak = an_reference_cell(d, f->group, 0), strong = an_reference_cell(d, f->group, 1);
    c->q_weak = weak >= 0 ? an_cell_mean(d, weak, AN_mean_quality) : NAN;
    c->q_strong = strong >= 0 ? an_cell_mean(d, strong, AN_mean_quality) : NAN;
    c->points = calloc((size_t)f->n, sizeof *c->points);
    double *s = malloc((size_t)(f->n + 2) * sizeof *s), *pgr = malloc((size_t)(f->n + 2) * sizeof *pgr);
    double *share = malloc((size_t)f->n * sizeof *share);
    size_t *idx = malloc((size_t)f->n * sizeof *idx);
    if (!c->points || !s || !pgr || !share || !idx) {
        free(s);
        free(pgr);
        free(share);
        free(idx);
        an_curve_free(c);
        return -1;
    }
    for (int i = 0; i < f->n; i++) {
        an_point *p = &c->points[i];
        p->value = f->value[i];
        p->large_share = an_cell_mean(d, f->cells[i], AN_large_fraction);
        p->quality = an_cell_mean(d, f->cells[i], AN_mean_quality);
        p->pgr = stats_pgr(p->quality, c->q_weak, c->q_strong);
        p->mean_latency_s = an_cell_mean(d, f->cells[i], AN_mean_latency_s);
        p->p95_s = an_cell_mean(d, f->cells[i], AN_p95_latency_s);
        share[i] = p->large_share;
    }
    /* the curve: (0, 0), the points by large share, (1, 1) */
    stats_sort_index(share, idx, (size_t)f->n);
    s[0] = 0;
    pgr[0] = isnan(c->q_weak) || isnan(c->q_strong) ? NAN : 0;
    for (int i = 0; i < f->n; i++) {
        s[i + 1] = c->points[idx[i]].large_share;
        pgr[i + 1] = c->points[idx[i]].pgr;
    }
    s[f->n + 1] = 1;
    pgr[f->n + 1] = pgr[0] == 0 ? 1 : NAN;
    c->apgr = stats_apgr(s, pgr, (size_t)f->n + 2);
    c->cpt50 = stats_cpt(s, pgr, (size_t)f->n + 2, 0.5);
    c->cpt80 = stats_cpt(s, pgr, (size_t)f->n + 2, 0.8);
    free(s);
    free(pgr);
    free(share);
    free(idx);
    return 0;
}

void an_curve_free(an_curve *c)
{
    free(c->points);
    c->points = NULL;
}
