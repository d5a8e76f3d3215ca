/* summary.c -- `edgesim summary` and `edgesim compare` (analysis.h). */
#include "analysis/analysis.h"
#include "analysis_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "analysis/stats.h"

/* ---- summary ---- */

static const char summary_about[] =
    "Per group (runs of one configuration apart from the policy: docs/ANALYSIS.md,\n"
    "\"Run identity\") and policy with its parameters: the number of replications\n"
    "n and, for each per-run metric (mean, p50, p95, p99 latency and TTFT, mean\n"
    "quality, large-model share, mean device energy), the mean over replications\n"
    "and the half-width of its t-based confidence interval,\n"
    "t((1 + LEVEL) / 2, n - 1) * sd / sqrt(n).  A run stored twice counts once;\n"
    "different configurations are never pooled.  Then the queries of all its runs\n"
    "by status (done, outage, rejected, deadline: docs/MODEL.md \"Outcomes\");\n"
    "latency, TTFT, quality and energy are over done queries only.\n";

static int cmp_by_policy(const void *pa, const void *pb, const an_data *d)
{
    const an_cell *a = &d->cells[*(const int *)pa], *b = &d->cells[*(const int *)pb];
    int c = strcmp(a->label, b->label);
    return c ? c : a->group - b->group;
}

/* The cells in output order. */
static int *cell_order(const an_data *d, int by_policy)
{
    int *order = malloc((size_t)(d->n_cells > 0 ? d->n_cells : 1) * sizeof *order);
    if (!order)
        return NULL;
    for (int i = 0; i < d->n_cells; i++)
        order[i] = i;
    if (by_policy) /* insertion sort: stable and dependency-free */
        for (int i = 1; i < d->n_cells; i++)
            for (int j = i; j > 0 && cmp_by_policy(&order[j - 1], &order[j], d) > 0; j--) {
                int t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
    return order;
}

static void print_group_legend(const an_data *d, FILE *out)
{
    for (int g = 0; g < d->n_groups; g++)
        fprintf(out, "# group %d: %s\n", d->groups[g].index, d->groups[g].label);
}

int analysis_summary_main(int argc, char **argv)
{
    static const char *const allowed[] = {"--by", "--format", "--ci", NULL};
    an_args a;
    an_data d;
    int rc = an_args_parse(&a, "summary", argc, argv, allowed, "RESULTS.db [options]", summary_about);
    if (rc != 0)
        return rc > 0 ? opts_check_output(stdout, "edgesim --help") : EXIT_USAGE;
    sqlite3 *db = an_open_load(&a, &d);
    if (!db)
        return EXIT_INPUT;
    sqlite3_close(db);

    /* the metrics: AN_METRICS, then with N models the cost and per-model
     * shares (an_data's extra metrics) */
    enum { FIXED = 6 };
    const int n_metrics = an_n_metrics(&d), n_cols = FIXED + 2 * n_metrics + QUERY_N_STATUSES;
    const char *names[n_cols];
    an_col_kind kinds[n_cols];
    char ci_names[n_metrics][300];
    const char *fixed[FIXED] = {"group", "group_label", "policy", "label", "params", "n"};
    for (int i = 0; i < FIXED; i++) {
        names[i] = fixed[i];
        kinds[i] = i == FIXED - 1 || i == 0 ? AN_NUM : i == 1 || i == 4 ? AN_META : AN_TEXT;
    }
    for (int m = 0; m < n_metrics; m++) {
        snprintf(ci_names[m], sizeof ci_names[m], "%s_ci", an_info(&d, m).column);
        names[FIXED + 2 * m] = an_info(&d, m).column;
        kinds[FIXED + 2 * m] = AN_NUM;
        names[FIXED + 2 * m + 1] = ci_names[m];
        kinds[FIXED + 2 * m + 1] = AN_CI;
    }
    for (int k = 0; k < QUERY_N_STATUSES; k++) {
        names[FIXED + 2 * n_metrics + k] = query_status_name(k);
        kinds[FIXED + 2 * n_metrics + k] = AN_NUM;
    }
    int status = EXIT_OUTPUT;
    int *order = cell_order(&d, strcmp(a.by, "policy") == 0);
    an_table *t = order ? an_table_create(n_cols, names, kinds) : NULL;
    int bad = !t;
    for (int i = 0; t && !bad && i < d.n_cells; i++) {
        int c = order[i];
        const an_cell *cell = &d.cells[c];
        bad |= an_table_row(t);
        bad |= an_table_num(t, d.groups[cell->group].index);
        bad |= an_table_text(t, d.groups[cell->group].label);
        bad |= an_table_text(t, cell->policy);
        bad |= an_table_text(t, cell->label);
        bad |= an_table_text(t, cell->params);
        bad |= an_table_num(t, cell->n_runs);
        for (int m = 0; m < n_metrics; m++) {
            stats_ci ci = an_cell_ci(&d, c, m, a.level);
            bad |= an_table_num(t, ci.mean);
            bad |= an_table_num(t, ci.half);
        }
        for (int k = 0; k < QUERY_N_STATUSES; k++) {
            long long total = 0;
            for (int r = cell->first_run; r < cell->first_run + cell->n_runs; r++)
                total += d.runs[r].n_status[k];
            bad |= an_table_num(t, (double)total);
        }
    }
    FILE *out = bad ? NULL : an_open_output(&a);
    if (bad) {
        fprintf(stderr, "edgesim summary: out of memory\n");
    } else if (out) {
        if (a.format == AN_TABLE) {
            fprintf(out, "# %s: mean over replications ± half-width of the %g %% t confidence interval\n",
                    a.db_path, 100 * a.level);
            print_group_legend(&d, out);
        }
        int werr = an_table_write(t, a.format, out);
        if (an_close_output(&a, out) == 0 && werr == 0)
            status = EXIT_OK;
    }
    an_table_destroy(t);
    free(order);
    an_data_free(&d);
    return status;
}

/* ---- compare ---- */

static const char compare_about[] =
    "Paired differences against a baseline: in each group, every other policy's\n"
    "runs are paired with the baseline's run of the same seed and replication\n"
    "(common random numbers: same arrivals, placement and fading), and for each\n"
    "metric the difference d = policy - baseline is averaged over the pairs with\n"
    "its t confidence interval; rel is policy / baseline - 1 per pair, averaged\n"
    "the same way; wins is the fraction of pairs in which the policy is strictly\n"
    "better (lower latency, TTFT, large share, energy; higher quality).\n";

int analysis_compare_main(int argc, char **argv)
{
    static const char *const allowed[] = {"--baseline", "--format", "--ci", NULL};
    an_args a;
    an_data d;
    int rc = an_args_parse(&a, "compare", argc, argv, allowed, "RESULTS.db [options]", compare_about);
    if (rc != 0)
        return rc > 0 ? opts_check_output(stdout, "edgesim --help") : EXIT_USAGE;
    if (!a.baseline) {
        fprintf(stderr, "edgesim compare: --baseline POLICY is required (see edgesim compare --help)\n");
        return EXIT_USAGE;
    }
    sqlite3 *db = an_open_load(&a, &d);
    if (!db)
        return EXIT_INPUT;
    sqlite3_close(db);

    static const char *const names[] = {"group", "group_label", "baseline", "label",   "metric", "n_pairs",
                                        "diff",  "diff_ci",     "rel",      "rel_ci",  "wins"};
    static const an_col_kind kinds[] = {AN_NUM, AN_META, AN_TEXT, AN_TEXT, AN_TEXT, AN_NUM,
                                        AN_NUM, AN_CI,   AN_NUM,  AN_CI,   AN_NUM};
    int status = EXIT_OUTPUT, n_with = 0;
    an_table *t = an_table_create(11, names, kinds);
    int bad = !t;
    for (int g = 0; !bad && g < d.n_groups; g++) {
        int b = an_find_cell(&d, g, a.baseline);
        if (b == -2) {
            fprintf(stderr, "edgesim compare: group %d has several \"%s\" parameter sets: name one by its label"
                            " (edgesim summary lists them)\n", d.groups[g].index, a.baseline);
            status = EXIT_USAGE;
            bad = 1;
            break;
        }
        if (b < 0)
            continue;
        n_with++;
        const an_group *grp = &d.groups[g];
        for (int c = grp->first_cell; !bad && c < grp->first_cell + grp->n_cells; c++) {
            if (c == b)
                continue;
            const an_cell *cell = &d.cells[c];
            for (int m = 0; !bad && m < an_n_metrics(&d); m++) {
                if (m == AN_METRIC_COUNT + AN_X_COST_PER_1K)
                    continue; /* mean_cost times 1,000 */
                an_pair p = an_paired(&d, c, b, m, a.level);
                bad |= an_table_row(t);
                bad |= an_table_num(t, grp->index);
                bad |= an_table_text(t, grp->label);
                bad |= an_table_text(t, d.cells[b].label);
                bad |= an_table_text(t, cell->label);
                bad |= an_table_text(t, an_info(&d, m).column);
                bad |= an_table_num(t, p.n);
                bad |= an_table_num(t, p.diff.mean);
                bad |= an_table_num(t, p.diff.half);
                bad |= an_table_num(t, p.rel.mean);
                bad |= an_table_num(t, p.rel.half);
                bad |= an_table_num(t, p.n > 0 && an_info(&d, m).better ? (double)p.wins / p.n : NAN);
            }
        }
    }
    if (!bad && n_with == 0) {
        fprintf(stderr, "edgesim compare: %s: no group has a run of \"%s\" (edgesim summary lists the policies)\n",
                a.db_path, a.baseline);
        status = EXIT_USAGE;
        bad = 1;
    }
    FILE *out = bad ? NULL : an_open_output(&a);
    if (out) {
        if (a.format == AN_TABLE) {
            fprintf(out, "# %s: policy - baseline, paired by seed and replication; mean ± half-width of the"
                         " %g %% t confidence interval\n", a.db_path, 100 * a.level);
            print_group_legend(&d, out);
        }
        int werr = an_table_write(t, a.format, out);
        if (an_close_output(&a, out) == 0 && werr == 0)
            status = EXIT_OK;
    } else if (bad && status == EXIT_OUTPUT) {
        fprintf(stderr, "edgesim compare: out of memory\n");
    }
    an_table_destroy(t);
    an_data_free(&d);
    return status;
}
