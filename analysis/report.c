/* report.c -- `edgesim report RESULTS.db -o report.html`: one self-contained
 * HTML file (inline CSS and SVG, no script, no external URL) with the
 * scenarios and what distinguishes their groups, the summary and paired
 * comparison tables with confidence intervals, RouteLLM metrics, "at equal
 * quality" comparisons and every figure of `edgesim plot` with a caption
 * (analysis.h; docs/ANALYSIS.md). */
#include "analysis/analysis.h"
#include "analysis_int.h"
#include "plot_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "analysis/stats.h"
#include "sim/base/opts.h"
#include "sim/base/version.h"

static const char report_about[] =
    "Write one self-contained HTML page (default report.html): the scenarios and\n"
    "what distinguishes their groups, per group the summary table (mean ± t\n"
    "confidence half-width over replications), the paired comparison against the\n"
    "baseline (default always-large, else `always` on large), RouteLLM's APGR /\n"
    "CPT per policy family,\n"
    "the \"at equal quality\" comparisons, and the figures of `edgesim plot`\n"
    "(SVG, inline) with captions.  Nothing is loaded from elsewhere and no\n"
    "script runs: the page reads offline.  gnuplot draws the figures\n"
    "($EDGESIM_GNUPLOT, else gnuplot on PATH); without it the page says so and\n"
    "has the tables only.\n";

static const char css[] =
    "body{font-family:sans-serif;max-width:1400px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.4}"
    "h1{font-size:1.6em}h2{font-size:1.3em;border-bottom:1px solid #ccc;margin-top:2em}h3{font-size:1.1em}"
    "table{border-collapse:collapse;margin:0.6em 0 1.2em;font-size:0.85em}"
    "th,td{border:1px solid #ccc;padding:0.25em 0.5em;text-align:right;vertical-align:top}td{white-space:nowrap}"
    "td.t{white-space:normal}caption{text-align:left;font-weight:bold;padding:0.3em 0}"
    "th{background:#f0f0f0}td.t,th.t{text-align:left}"
    "figure{margin:1.2em 0;border:1px solid #ddd;padding:0.5em}"
    "figure svg{max-width:100%;height:auto;display:block}"
    "figcaption{font-size:0.9em;color:#333;margin-top:0.4em}"
    "p.note{color:#555;font-size:0.9em}code{background:#f6f6f6;padding:0 0.2em}";

static void esc(FILE *f, const char *s) { an_html_text(s, f); }

/* A table cell "mean ± half" (3 significant digits), "–" for no value. */
static void td_ci(FILE *f, double mean, double half, double scale)
{
    if (isnan(mean)) {
        fputs("<td>&ndash;</td>", f);
        return;
    }
    fprintf(f, "<td>%.3g", mean * scale);
    if (!isnan(half))
        fprintf(f, " &plusmn; %.2g", half * scale);
    fputs("</td>", f);
}

static void td_num(FILE *f, double v, const char *fmt)
{
    if (isnan(v))
        fputs("<td>&ndash;</td>", f);
    else {
        fputs("<td>", f);
        fprintf(f, fmt, v);
        fputs("</td>", f);
    }
}

/* ---- sections ---- */

static void scenarios_section(FILE *f, sqlite3 *db, const an_data *d)
{
    fputs("<h2 id=\"scenarios\">Scenarios and groups</h2>\n"
          "<p>A group is the runs of one configuration apart from the policy (same resolved scenario, sweep "
          "point and version; docs/ANALYSIS.md, &ldquo;Run identity&rdquo;). Its label names the scenario and "
          "every scenario key whose value differs between the groups of this database. Nothing below is "
          "averaged across groups, and a run stored twice counts once.</p>\n"
          "<table><tr><th>group</th><th class=\"t\">what distinguishes it</th><th class=\"t\">scenario</th>"
          "<th>policies</th><th>runs</th><th class=\"t\">description</th></tr>\n",
          f);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "SELECT json_extract(scenario_json, '$.description') FROM runs WHERE run_id = ?1", -1,
                       &st, NULL);
    for (int g = 0; g < d->n_groups; g++) {
        const an_group *grp = &d->groups[g];
        int runs = 0;
        for (int c = grp->first_cell; c < grp->first_cell + grp->n_cells; c++)
            runs += d->cells[c].n_runs;
        const char *desc = NULL;
        if (st) {
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 1, d->runs[d->cells[grp->first_cell].first_run].run_id);
            if (sqlite3_step(st) == SQLITE_ROW)
                desc = (const char *)sqlite3_column_text(st, 0);
        }
        fprintf(f, "<tr><td>%d</td><td class=\"t\">", grp->index);
        esc(f, grp->label);
        fputs("</td><td class=\"t\">", f);
        esc(f, grp->scenario_name);
        fprintf(f, "</td><td>%d</td><td>%d</td><td class=\"t\">", grp->n_cells, runs);
        esc(f, desc ? desc : "");
        fputs("</td></tr>\n", f);
    }
    sqlite3_finalize(st);
    fputs("</table>\n", f);
}

/* The summary's columns: the fixed ones, then with N models the cost per
 * 1,000 queries and the model (and tier) shares.  Returns their number. */
static int summary_cols(const an_data *d, int *cols)
{
    static const an_metric fixed[] = {AN_mean_latency_s, AN_p95_latency_s, AN_p99_latency_s, AN_mean_ttft_s,
                                      AN_mean_quality,   AN_large_fraction, AN_mean_energy_j};
    int n = 0;
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
        cols[n++] = fixed[k];
    for (int m = AN_METRIC_COUNT + AN_X_COST_PER_1K; d->n_x > 0 && m < an_n_metrics(d); m++)
        cols[n++] = m;
    return n;
}

static void summary_table(FILE *f, const an_data *d, int g, double level)
{
    int cols[AN_METRIC_COUNT + (d->n_x > 0 ? d->n_x : 1)];
    const int n_cols = summary_cols(d, cols);
    const an_group *grp = &d->groups[g];
    fprintf(f, "<table><caption>Group %d (", grp->index);
    esc(f, grp->label);
    fprintf(f, "): mean over replications &plusmn; half-width of the %g %% t confidence interval</caption>\n"
               "<tr><th class=\"t\">policy</th><th>n</th>",
            100 * level);
    for (int k = 0; k < n_cols; k++) {
        fputs("<th>", f);
        esc(f, an_info(d, cols[k]).what);
        fputs(" (", f);
        esc(f, an_info(d, cols[k]).unit);
        fputs(")</th>", f);
    }
    fputs("</tr>\n", f);
    for (int c = grp->first_cell; c < grp->first_cell + grp->n_cells; c++) {
        fputs("<tr><td class=\"t\">", f);
        esc(f, d->cells[c].label);
        fprintf(f, "</td><td>%d</td>", d->cells[c].n_runs);
        for (int k = 0; k < n_cols; k++) {
            stats_ci ci = an_cell_ci(d, c, cols[k], level);
            td_ci(f, ci.mean, ci.half, 1);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void compare_table(FILE *f, const an_data *d, int g, const char *baseline, double level)
{
    const int cols[] = {AN_mean_latency_s, AN_p95_latency_s, AN_mean_quality, AN_large_fraction,
                        AN_METRIC_COUNT + AN_X_COST_PER_1K}; /* the last with N models only */
    const size_t n_cols = sizeof cols / sizeof cols[0] - (d->n_x > 0 ? 0 : 1);
    int b = an_find_cell(d, g, baseline);
    if (b == -1 && strcmp(baseline, "always-large") == 0) /* the default: "always large" will do */
        b = an_reference_cell(d, g, 1);
    if (b < 0) {
        fputs("<p class=\"note\">No paired comparison: the group has no (single) run set of the baseline ", f);
        esc(f, baseline);
        fputs(".</p>\n", f);
        return;
    }
    const an_group *grp = &d->groups[g];
    fprintf(f, "<table><caption>Group %d: paired differences policy &minus; ", grp->index);
    esc(f, d->cells[b].label);
    fprintf(f, " (same seed and replication), mean &plusmn; %g %% t half-width; relative difference in %%; wins = "
               "share of replications where the policy is better</caption>\n<tr><th class=\"t\">policy</th>"
               "<th>pairs</th>",
            100 * level);
    for (size_t k = 0; k < n_cols; k++) {
        fputs("<th>&Delta; ", f);
        esc(f, an_info(d, cols[k]).what);
        fputs("</th><th>rel. %</th>", f);
    }
    fputs("<th>wins on mean latency</th></tr>\n", f);
    for (int c = grp->first_cell; c < grp->first_cell + grp->n_cells; c++) {
        if (c == b)
            continue;
        const an_cell *cell = &d->cells[c];
        fputs("<tr><td class=\"t\">", f);
        esc(f, cell->label);
        fputs("</td>", f);
        an_pair first = an_paired(d, c, b, cols[0], level);
        fprintf(f, "<td>%d</td>", first.n);
        for (size_t k = 0; k < n_cols; k++) {
            an_pair p = an_paired(d, c, b, cols[k], level);
            td_ci(f, p.diff.mean, p.diff.half, 1);
            td_ci(f, p.rel.mean, p.rel.half, 100);
        }
        td_num(f, first.n ? (double)first.wins / first.n : NAN, "%.2f");
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static int routing_tables(FILE *f, sqlite3 *db, const an_data *d, const an_family *fam, int n_fam, int g, double level)
{
    int any = 0;
    for (int i = 0; i < n_fam; i++)
        any |= fam[i].group == g;
    if (!any)
        return 0;
    fprintf(f, "<table><caption>Group %d: RouteLLM metrics per policy family (PGR against always-small and "
               "always-large; CPT as a large-model share)</caption>\n<tr><th class=\"t\">family</th>"
               "<th class=\"t\">parameter</th><th>points</th><th>APGR</th><th>CPT(50 %%)</th><th>CPT(80 %%)</th>"
               "<th class=\"t\">points: value (large share, PGR, mean latency s)</th></tr>\n",
            d->groups[g].index);
    for (int i = 0; i < n_fam; i++) {
        if (fam[i].group != g)
            continue;
        an_curve cv;
        if (an_family_curve(d, &fam[i], &cv) != 0)
            return -1;
        fputs("<tr><td class=\"t\">", f);
        esc(f, fam[i].label);
        fputs("</td><td class=\"t\">", f);
        if (fam[i].param)
            esc(f, fam[i].param);
        else
            fputs("&ndash;", f);
        fprintf(f, "</td><td>%d</td>", fam[i].n);
        td_num(f, cv.apgr, "%.3f");
        td_num(f, cv.cpt50, "%.3f");
        td_num(f, cv.cpt80, "%.3f");
        fputs("<td class=\"t\">", f);
        for (int p = 0; p < fam[i].n; p++) {
            esc(f, fam[i].value_text[p]);
            fprintf(f, " (%.3f, %.3f, %.3g)%s", cv.points[p].large_share, cv.points[p].pgr,
                    cv.points[p].mean_latency_s, p + 1 < fam[i].n ? "; " : "");
        }
        fputs("</td></tr>\n", f);
        an_curve_free(&cv);
    }
    fputs("</table>\n", f);

    fprintf(f, "<table><caption>Group %d: at equal quality &mdash; each policy against each baseline family "
               "interpolated to the policy's quality, replication by replication; mean &plusmn; %g %% t "
               "half-width</caption>\n<tr><th class=\"t\">policy</th><th class=\"t\">baseline family</th>"
               "<th>n</th><th>quality</th><th>&Delta; mean latency (s)</th><th>rel. %%</th>"
               "<th>&Delta; large share</th><th>rel. %%</th></tr>\n",
            d->groups[g].index, 100 * level);
    const an_group *grp = &d->groups[g];
    for (int i = 0; i < n_fam; i++) {
        if (fam[i].group != g)
            continue;
        for (int c = grp->first_cell; c < grp->first_cell + grp->n_cells; c++) {
            if (!an_eq_applies(d, &fam[i], c))
                continue;
            an_eq eq;
            if (an_equal_quality(d, &fam[i], c, level, &eq) != 0)
                return -1;
            fputs("<tr><td class=\"t\">", f);
            esc(f, d->cells[c].label);
            fputs("</td><td class=\"t\">", f);
            esc(f, fam[i].label);
            fprintf(f, "</td><td>%d</td>", eq.n);
            td_ci(f, eq.quality.mean, eq.quality.half, 1);
            td_ci(f, eq.latency_diff.mean, eq.latency_diff.half, 1);
            td_ci(f, eq.latency_rel.mean, eq.latency_rel.half, 100);
            td_ci(f, eq.share_diff.mean, eq.share_diff.half, 1);
            td_ci(f, eq.share_rel.mean, eq.share_rel.half, 100);
            fputs("</tr>\n", f);
        }
    }
    fputs("</table>\n", f);
    if (d->n_x > 0) { /* N models: PGR per pair of models (metrics --what pairs) */
        char err[256], caption[512];
        an_table *t = an_pairs_table(db, d, fam, n_fam, g, level, err, sizeof err);
        if (!t)
            return -1;
        snprintf(caption, sizeof caption, "Group %d: RouteLLM's PGR per pair of models (weak, strong: by mean quality "
                 "over the run's queries), mean ± %g %% t half-width; APGR and CPT of each family's curve of PGR "
                 "against the strong model's share", d->groups[g].index, 100 * level);
        an_table_write_html(t, caption, f);
        an_table_destroy(t);
    }
    return 1;
}

/* Copy an SVG file inline: from its <svg element on, ids prefixed with
 * `prefix` so several figures can share the page. */
static int inline_svg(FILE *f, const char *path, const char *prefix)
{
    FILE *in = fopen(path, "r");
    if (!in)
        return -1;
    fseek(in, 0, SEEK_END);
    long len = ftell(in);
    rewind(in);
    char *s = len > 0 ? malloc((size_t)len + 1) : NULL;
    if (!s || fread(s, 1, (size_t)len, in) != (size_t)len) {
        free(s);
        fclose(in);
        return -1;
    }
    fclose(in);
    s[len] = 0;
    const char *p = strstr(s, "<svg");
    if (!p) {
        free(s);
        return -1;
    }
    static const char *const refs[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#", NULL};
    while (*p) {
        int hit = -1;
        for (int r = 0; refs[r] && hit < 0; r++)
            if (strncmp(p, refs[r], strlen(refs[r])) == 0)
                hit = r;
        if (hit >= 0) {
            fputs(refs[hit], f);
            fputs(prefix, f);
            p += strlen(refs[hit]);
        } else if (strncmp(p, "<script", 7) == 0) { /* never in gnuplot's svg without "mouse"; kept out */
            const char *end = strstr(p, "</script>");
            p = end ? end + 9 : p + strlen(p);
        } else {
            fputc(*p++, f);
        }
    }
    free(s);
    return 0;
}

static void figures_section(FILE *f, const an_data *d, const char *db_path, int max_groups, int *fig_no)
{
    const char *tmpdir = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/edgesim-report-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(f, "<p class=\"note\">No figures: cannot make a temporary folder (%s).</p>\n", strerror(errno));
        return;
    }
    int nfig = 0;
    while (plot__figures[nfig].name)
        nfig++;
    char sweep_drawn[64][256];
    int n_sweeps = 0;
    int sweep_fig = 0;
    while (plot__figures[sweep_fig].name && strcmp(plot__figures[sweep_fig].name, "sweep") != 0)
        sweep_fig++;
    for (int g = 0; g < d->n_groups && g < max_groups; g++) {
        int written[64] = {0};
        char err[1024];
        int sweep_seen = 0; /* one sweep figure per scenario: it spans the scenario's groups */
        for (int s = 0; s < n_sweeps && !sweep_seen; s++)
            sweep_seen = strcmp(sweep_drawn[s], d->groups[g].scenario_name) == 0;
        if (plot__draw(db_path, dir, "svg", d->groups[g].index, sweep_seen ? 1u << sweep_fig : 0, written, err,
                       sizeof err) != EXIT_OK) {
            fputs("<p class=\"note\">No figures for this group: ", f);
            esc(f, err);
            fputs("</p>\n", f);
            continue;
        }
        fprintf(f, "<h3>Figures of group %d: ", d->groups[g].index);
        esc(f, d->groups[g].label);
        fputs("</h3>\n", f);
        for (int k = 0; k < nfig; k++) {
            if (!written[k])
                continue;
            if (k == sweep_fig && n_sweeps < 64)
                snprintf(sweep_drawn[n_sweeps++], sizeof sweep_drawn[0], "%s", d->groups[g].scenario_name);
            char path[4200], prefix[32];
            snprintf(path, sizeof path, "%s/%s.svg", dir, plot__figures[k].name);
            snprintf(prefix, sizeof prefix, "f%d_", *fig_no + 1);
            fprintf(f, "<figure id=\"figure-%d\">\n", *fig_no + 1);
            if (inline_svg(f, path, prefix) != 0)
                fputs("<p class=\"note\">(the SVG could not be read)</p>", f);
            fprintf(f, "\n<figcaption>Figure %d (%s, group %d). ", *fig_no + 1, plot__figures[k].name,
                    d->groups[g].index);
            esc(f, plot__figures[k].caption);
            fputs("</figcaption>\n</figure>\n", f);
            (*fig_no)++;
        }
    }
    if (d->n_groups > max_groups)
        fprintf(f, "<p class=\"note\">Figures of %d more groups are left out (--max-groups; edgesim plot "
                   "--group N draws them).</p>\n",
                d->n_groups - max_groups);
    for (int k = 0; k < nfig; k++) {
        const char *ext[] = {"dat", "gp", "svg"};
        for (int e = 0; e < 3; e++) {
            char path[4200];
            snprintf(path, sizeof path, "%s/%s.%s", dir, plot__figures[k].name, ext[e]);
            remove(path);
        }
    }
    rmdir(dir);
}

int analysis_report_main(int argc, char **argv)
{
    static const char *const allowed[] = {"--baseline", "--ci", "--max-groups", NULL};
    an_args a;
    an_data d;
    an_family *fam = NULL;
    int n_fam = 0;
    char err[512];
    int rc = an_args_parse(&a, "report", argc, argv, allowed, "RESULTS.db [options]", report_about);
    if (rc != 0)
        return rc > 0 ? opts_check_output(stdout, "edgesim report --help") : EXIT_USAGE;
    if (!a.output)
        a.output = "report.html";
    long max_groups = a.max_groups > 0 ? a.max_groups : 6;
    const char *baseline = a.baseline ? a.baseline : "always-large";
    sqlite3 *db = an_open_load(&a, &d);
    if (!db)
        return EXIT_INPUT;
    if (an_families(&d, &fam, &n_fam, err, sizeof err) != 0) {
        fprintf(stderr, "edgesim report: %s: %s\n", a.db_path, err);
        an_data_free(&d);
        sqlite3_close(db);
        return EXIT_INPUT;
    }
    /* write next to the target, rename at the end: never a half-written page */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", a.output);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "edgesim report: %s: cannot write: %s\n", tmp, strerror(errno));
        an_families_free(fam, n_fam);
        an_data_free(&d);
        sqlite3_close(db);
        return EXIT_OUTPUT;
    }
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>edgesim report: ");
    esc(f, a.db_path);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>edgesim report</h1>\n<p>Database <code>", css);
    esc(f, a.db_path);
    fprintf(f, "</code>: %d unique runs in %d groups; edgesim %s. Confidence intervals are t-based across "
               "replications at %g %%; definitions in docs/ANALYSIS.md.</p>\n",
            d.n_runs, d.n_groups, edgesim_version(), 100 * a.level);
    fputs("<p><a href=\"#scenarios\">Scenarios</a> &middot; <a href=\"#summary\">Summary</a> &middot; "
          "<a href=\"#compare\">Paired comparison</a> &middot; <a href=\"#routing\">RouteLLM metrics</a> "
          "&middot; <a href=\"#figures\">Figures</a></p>\n",
          f);
    scenarios_section(f, db, &d);
    fputs("<h2 id=\"summary\">Summary</h2>\n", f);
    for (int g = 0; g < d.n_groups; g++)
        summary_table(f, &d, g, a.level);
    fputs("<h2 id=\"compare\">Paired comparison</h2>\n", f);
    for (int g = 0; g < d.n_groups; g++)
        compare_table(f, &d, g, baseline, a.level);
    fputs("<h2 id=\"routing\">RouteLLM metrics with a latency axis</h2>\n", f);
    int status = EXIT_OK, any = 0;
    for (int g = 0; g < d.n_groups && status == EXIT_OK; g++) {
        int r = routing_tables(f, db, &d, fam, n_fam, g, a.level);
        if (r < 0)
            status = EXIT_INTERNAL;
        any |= r > 0;
    }
    if (!any)
        fputs("<p class=\"note\">No policy besides always-small and always-large: no routing metrics.</p>\n", f);
    fputs("<h2 id=\"figures\">Figures</h2>\n", f);
    int fig_no = 0;
    sqlite3_close(db);
    db = NULL;
    figures_section(f, &d, a.db_path, (int)max_groups, &fig_no);
    fputs("</body>\n</html>\n", f);
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (status == EXIT_OK && bad) {
        fprintf(stderr, "edgesim report: %s: write error (disk full?)\n", tmp);
        status = EXIT_OUTPUT;
    }
    if (status == EXIT_OK && rename(tmp, a.output) != 0) {
        fprintf(stderr, "edgesim report: %s: cannot write: %s\n", a.output, strerror(errno));
        status = EXIT_OUTPUT;
    }
    if (status != EXIT_OK)
        remove(tmp);
    else
        printf("%s (%d figures)\n", a.output, fig_no);
    an_families_free(fam, n_fam);
    an_data_free(&d);
    return status;
}
