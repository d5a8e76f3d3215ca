/* plot.c -- `edgesim plot RESULTS.db [-o DIR] [--format png|svg|pdf]`.
 *
 * For one group (a configuration: docs/ANALYSIS.md, "Run identity") and,
 * for the sweep figure, the groups that differ from it only in the sweep
 * point: for each figure of the table below, write the data to
 * DIR/NAME.dat (tab-separated, header comments), the script DIR/NAME.gp
 * (terminal, the shared style analysis/style.gp, the series labels, then
 * the embedded analysis/NAME.gp), then run gnuplot on it.  Users re-plot
 * with `cd DIR && gnuplot NAME.gp`.  gnuplot is an external program:
 * $EDGESIM_GNUPLOT, else "gnuplot" on PATH.  The data writers are in
 * plot_figs.c.
 */
#include "analysis/plot.h"
#include "plot_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sqlite3.h>

#include "sim/base/exit_codes.h"
#include "sim/base/opts.h"

extern const char analysis_gp_style[], analysis_gp_latency_cdf[], analysis_gp_tradeoff[], analysis_gp_frontier[],
    analysis_gp_pgr[], analysis_gp_sweep[], analysis_gp_breakdown[], analysis_gp_models[];

static const char *const gp_latency_cdf = analysis_gp_latency_cdf;
static const char *const gp_tradeoff = analysis_gp_tradeoff;
static const char *const gp_frontier = analysis_gp_frontier;
static const char *const gp_pgr = analysis_gp_pgr;
static const char *const gp_sweep = analysis_gp_sweep;
static const char *const gp_breakdown = analysis_gp_breakdown;
static const char *const gp_models = analysis_gp_models;

const plot_figure plot__figures[] = {
    {"tradeoff",
     "Mean quality against mean latency: one line per policy family along its parameter (points labelled with the "
     "parameter's value), other policies as points; bars are 95 % t confidence intervals across replications.",
     &gp_tradeoff, 1150, 650, plot__tradeoff},
    {"pgr",
     "RouteLLM's performance gap recovered (PGR) against the share of queries sent to the edge LLM, per policy "
     "family, from always-small (0, 0) to always-large (1, 1); the dashed diagonal is the random router; APGR in "
     "the legend.",
     &gp_pgr, 1150, 650, plot__pgr},
    {"frontier",
     "Pareto frontiers: mean quality against mean latency and against the large-model share; the black step line "
     "joins the policies no other policy beats on both axes.",
     &gp_frontier, 1500, 600, plot__frontier},
    {"sweep",
     "Large-model share, mean latency (band: 95 % confidence interval) and mean quality against the swept value, "
     "one line per policy; one row of panels per value of any further sweep key.",
     &gp_sweep, 1900, 560, plot__sweep},
    {"latency_cdf", "Empirical latency CDF per policy (replications pooled), log time axis.", &gp_latency_cdf, 1100,
     650, plot__latency_cdf},
    {"breakdown",
     "Mean time per query spent in each step (router, uplink, edge or device queue, prefill, decode, answer "
     "downlink), stacked per policy; the bars' heights are the mean latencies.",
     &gp_breakdown, 1150, 650, plot__breakdown},
    {"models",
     "N models: each policy's share of the decided queries per model (stacked, the models in tier order, device "
     "to cloud) and its cost per 1,000 queries (black, right axis); means over replications.",
     &gp_models, 1150, 650, plot__models},
    {NULL, NULL, NULL, 0, 0, NULL},
};

static const char *const stale_ext[] = {"dat", "gp", "png", "svg", "pdf", NULL};

void plot__gp_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s == '\n' || *s == '\t' ? ' ' : *s, f);
    }
    fputc('"', f);
}

/* The sweep figure grows with its rows of panels; written into the script
 * as gp_height by the writer, so the terminal is set after it. */
static void write_terminal(FILE *f, const plot_ctx *c, const plot_figure *fig)
{
    fprintf(f, "if (!exists(\"gp_height\")) { gp_height = %d }\n", fig->height);
    if (strcmp(c->format, "png") == 0) {
        fprintf(f,
                "if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
                "    set terminal pngcairo size %d,gp_height noenhanced font \"Sans,11\"\n"
                "} else {\n"
                "    set terminal png size %d,gp_height noenhanced\n"
                "}\n",
                fig->width, fig->width);
    } else if (strcmp(c->format, "svg") == 0) {
        fprintf(f, "set terminal svg size %d,gp_height noenhanced font \"Sans,11\"\n", fig->width);
    } else {
        fprintf(f, "set terminal pdfcairo size %.2fin,(gp_height/100.0)*1in noenhanced font \"Sans,9\"\n",
                fig->width / 100.0);
    }
    fprintf(f, "set output \"%s.%s\"\n", fig->name, c->format);
}

static int path_in(char *buf, size_t len, const char *dir, const char *name, const char *ext)
{
    return snprintf(buf, len, "%s/%s.%s", dir, name, ext) < (int)len ? 0 : -1;
}

/* Remove every output an earlier `edgesim plot` may have left for this
 * figure, so a figure without data this time leaves nothing stale. */
static void remove_stale(const plot_ctx *c, const plot_figure *fig)
{
    char path[4096];
    for (int e = 0; stale_ext[e]; e++)
        if (path_in(path, sizeof path, c->dir, fig->name, stale_ext[e]) == 0)
            remove(path);
}

/* Write NAME.dat and NAME.gp.  Returns 1 written, 0 skipped (no data), -1. */
static int write_figure(plot_ctx *c, const plot_figure *fig)
{
    char data_path[4096], script_path[4096], body_path[4096];
    if (path_in(data_path, sizeof data_path, c->dir, fig->name, "dat") != 0 ||
        path_in(script_path, sizeof script_path, c->dir, fig->name, "gp") != 0 ||
        path_in(body_path, sizeof body_path, c->dir, fig->name, "gp.tmp") != 0) {
        snprintf(c->err, sizeof c->err, "%s: path too long", c->dir);
        return -1;
    }
    FILE *data = fopen(data_path, "w");
    FILE *body = data ? fopen(body_path, "w+") : NULL;
    if (!body) {
        snprintf(c->err, sizeof c->err, "%.900s: cannot write: %s", data ? body_path : data_path, strerror(errno));
        if (data)
            fclose(data);
        return -1;
    }
    fprintf(data, "# edgesim plot: %s\n# database %s, group %d: %s\n", fig->name, c->db_path,
            c->d.groups[c->g].index, c->d.groups[c->g].label);
    c->note[0] = 0;
    int rc = fig->write(c, data, body);
    int bad = ferror(data) | ferror(body);
    bad |= fclose(data) != 0;
    FILE *script = rc > 0 && !bad ? fopen(script_path, "w") : NULL;
    if (script) {
        /* the writer's settings (labels, gp_height) first, then terminal and style */
        fprintf(script, "# edgesim plot: %s\n# Re-plot: gnuplot %s.gp (in this folder).\n", fig->caption, fig->name);
        rewind(body);
        char buf[8192];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, body)) > 0)
            fwrite(buf, 1, n, script);
        write_terminal(script, c, fig);
        fputs("subtitle = ", script);
        plot__gp_string(script, c->subtitle);
        fprintf(script, "\n%s\n%s", analysis_gp_style, *fig->script);
        bad |= ferror(script);
        bad |= fclose(script) != 0;
    } else if (rc > 0) {
        bad = 1;
    }
    fclose(body);
    remove(body_path);
    if (rc > 0 && bad) {
        snprintf(c->err, sizeof c->err, "%s: write error (disk full?)", c->dir);
        rc = -1;
    }
    if (rc <= 0) {
        remove(data_path);
        remove(script_path);
    }
    return rc;
}

/* ---- gnuplot ---- */

static const char *gnuplot_program(void)
{
    const char *p = getenv("EDGESIM_GNUPLOT");
    return p && *p ? p : "gnuplot";
}

static int gnuplot_available(void)
{
    char cmd[1024], line[256] = "";
    snprintf(cmd, sizeof cmd, "%s --version 2>/dev/null", gnuplot_program());
    FILE *p = popen(cmd, "r");
    if (!p)
        return 0;
    int ok = fgets(line, sizeof line, p) != NULL && strncmp(line, "gnuplot", 7) == 0;
    pclose(p);
    return ok;
}

/* Run `cd DIR; load NAME.gp` in a fresh gnuplot; 0 when it exited 0 and
 * the output file is there and not empty. */
static int run_gnuplot(plot_ctx *c, const plot_figure *fig)
{
    FILE *p = popen(gnuplot_program(), "w");
    if (!p) {
        snprintf(c->err, sizeof c->err, "cannot start %s: %s", gnuplot_program(), strerror(errno));
        return -1;
    }
    fputs("cd '", p);
    for (const char *s = c->dir; *s; s++)
        fputs(*s == '\'' ? "''" : (char[]){*s, 0}, p);
    fprintf(p, "'\nload '%s.gp'\n", fig->name);
    int status = pclose(p);
    char out[4096];
    struct stat sb;
    snprintf(out, sizeof out, "%s/%s.%s", c->dir, fig->name, c->format);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(c->err, sizeof c->err, "gnuplot failed on %s/%s.gp (exit status %d; its messages are above)",
                 c->dir, fig->name, status == -1 ? -1 : WEXITSTATUS(status));
        return -1;
    }
    if (stat(out, &sb) != 0 || sb.st_size == 0) {
        snprintf(c->err, sizeof c->err, "gnuplot wrote no %.900s", out);
        return -1;
    }
    return 0;
}

/* ---- the command ---- */

static const char plot_about[] =
    "Draw the standard figures of one group of a results database (runs of one\n"
    "configuration apart from the policy; `edgesim summary` lists the groups)\n"
    "with gnuplot (an external program: $EDGESIM_GNUPLOT, else gnuplot on PATH):\n"
    "  tradeoff     mean quality vs mean latency, one line per policy family\n"
    "               along its parameter, 95 % CI bars\n"
    "  pgr          RouteLLM's PGR vs large-model share per policy family, with\n"
    "               the random router's diagonal\n"
    "  frontier     quality-latency and quality-large-share Pareto frontiers\n"
    "  sweep        large share, latency (CI band), quality vs the swept value\n"
    "               over the groups that differ only in the sweep point (log axis\n"
    "               for a geometric sweep; one panel row per further sweep key)\n"
    "  latency_cdf  latency CDF per policy (replications pooled)\n"
    "  breakdown    mean latency per step (router, uplink, queues, prefill,\n"
    "               decode, answer downlink), stacked, per policy\n"
    "  models       N models: each model's share of the decided queries,\n"
    "               stacked, and the cost per 1,000 queries, per policy (not\n"
    "               drawn with only small and large and no price)\n"
    "Each figure NAME leaves DIR/NAME.dat (tab-separated data with a header\n"
    "comment), DIR/NAME.gp (the gnuplot script: edit it and re-run\n"
    "`gnuplot NAME.gp` in DIR) and DIR/NAME.png (or .svg, .pdf); the files\n"
    "are listed on stdout; outputs of an earlier plot that this one does not\n"
    "draw are removed.  A database that cannot be read, or lacks complete runs\n"
    "of the scenario or the group, exits 3; DIR not writable or gnuplot\n"
    "missing or failing exits 4 (the data and scripts are still written).\n";

static int make_dir(const char *dir, char *err, size_t errlen)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
        snprintf(err, errlen, "%s: path too long", dir);
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "%.900s: cannot create: %s", buf, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%.900s: cannot create: %s", buf, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (stat(buf, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "%.900s: not a directory", buf);
        return -1;
    }
    return 0;
}

/* The group of (scenario, sweep_index): scenario NULL = that of the latest
 * complete run; sweep_index < 0 = its first.  Returns the group index, or
 * -1 with the reason in c->err. */
static int find_group(plot_ctx *c, const char *scenario, int sweep_index)
{
    sqlite3_stmt *st;
    const char *sql =
        "SELECT MIN(sg.group_index) FROM run_summary s JOIN scenario_group sg ON sg.scenario_key = s.scenario_key"
        " WHERE s.scenario_name = COALESCE(?1, (SELECT scenario_name FROM runs WHERE status = 'complete'"
        "                                       ORDER BY run_id DESC LIMIT 1))"
        "   AND (?2 < 0 OR s.sweep_index = ?2)";
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(c->err, sizeof c->err, "%s: %s", c->db_path, sqlite3_errmsg(c->db));
        return -1;
    }
    if (scenario)
        sqlite3_bind_text(st, 1, scenario, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, sweep_index);
    int g = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL ? sqlite3_column_int(st, 0)
                                                                                         : -1;
    sqlite3_finalize(st);
    if (g < 0) {
        if (sweep_index >= 0)
            snprintf(c->err, sizeof c->err, "%s: no complete run of scenario \"%s\" at sweep point %d", c->db_path,
                     scenario ? scenario : "(latest)", sweep_index);
        else
            snprintf(c->err, sizeof c->err, "%s: no complete run%s%s%s", c->db_path,
                     scenario ? " of scenario \"" : "", scenario ? scenario : "", scenario ? "\"" : "");
    }
    return g;
}

/* Select scenario_group.group_index (0: the first group). */
static int select_group(plot_ctx *c, int group_index)
{
    c->g = -1;
    for (int g = 0; g < c->d.n_groups; g++)
        if (c->d.groups[g].index == group_index || (group_index == 0 && g == 0))
            c->g = g;
    if (c->g < 0) {
        snprintf(c->err, sizeof c->err, "%s: no group %d (the database has %d; edgesim summary lists them)",
                 c->db_path, group_index, c->d.n_groups);
        return -1;
    }
    snprintf(c->subtitle, sizeof c->subtitle, "group %d: %s", c->d.groups[c->g].index, c->d.groups[c->g].label);
    return 0;
}

/* Open the database, load its runs and families. */
static int load(plot_ctx *c)
{
    char err[512];
    c->db = analysis_open(c->db_path, c->err, sizeof c->err);
    if (!c->db)
        return -1;
    if (an_data_load(c->db, &c->d, err, sizeof err) != 0 ||
        an_families(&c->d, &c->fam, &c->n_fam, err, sizeof err) != 0) {
        snprintf(c->err, sizeof c->err, "%s: %s", c->db_path, err);
        return -1;
    }
    if (c->d.n_groups == 0) {
        snprintf(c->err, sizeof c->err, "%s: no complete run", c->db_path);
        return -1;
    }
    return 0;
}

static void unload(plot_ctx *c)
{
    an_families_free(c->fam, c->n_fam);
    an_data_free(&c->d);
    sqlite3_close(c->db);
    c->db = NULL;
    c->fam = NULL;
}

/* Write and draw every figure with data; written[f] = 1 for those. */
static int draw(plot_ctx *c, unsigned skip, int *written, int quiet)
{
    if (make_dir(c->dir, c->err, sizeof c->err) != 0)
        return EXIT_OUTPUT;
    for (int f = 0; plot__figures[f].name; f++) {
        remove_stale(c, &plot__figures[f]);
        if (skip & (1u << f))
            continue;
        int rc = write_figure(c, &plot__figures[f]);
        if (rc < 0)
            return EXIT_OUTPUT;
        written[f] = rc;
        if (rc == 0 && c->note[0] && !quiet)
            fprintf(stderr, "edgesim plot: no %s figure: %s\n", plot__figures[f].name, c->note);
    }
    if (!gnuplot_available()) {
        snprintf(c->err, sizeof c->err,
                 "%s not found (install gnuplot, e.g. the gnuplot-nox package, or set EDGESIM_GNUPLOT); "
                 "the data and scripts are in %s",
                 gnuplot_program(), c->dir);
        return EXIT_OUTPUT;
    }
    for (int f = 0; plot__figures[f].name; f++)
        if (written[f] && run_gnuplot(c, &plot__figures[f]) != 0)
            return EXIT_OUTPUT;
    return EXIT_OK;
}

int plot__draw(const char *db_path, const char *dir, const char *format, int group_index, unsigned skip,
               int *written, char *err, size_t errlen)
{
    plot_ctx c = {0};
    c.db_path = db_path;
    c.dir = dir;
    c.format = format;
    int status = load(&c) == 0 && select_group(&c, group_index) == 0 ? draw(&c, skip, written, 1) : EXIT_INPUT;
    if (status != EXIT_OK)
        snprintf(err, errlen, "%s", c.err);
    unload(&c);
    return status;
}

int analysis_plot_main(int argc, char **argv)
{
    plot_ctx c = {0};
    const char *scenario = NULL;
    long sweep_index = -1, group = -1;
    int quiet = 0;
    c.dir = "plots";
    c.format = "png";
    const opt_def opts[] = {
        {"--output", 'o', OPT_OUTPUT, &c.dir, 0, 0, "DIR", "output folder, created if missing (default plots)", 0},
        {"--format", 0, OPT_STR, &c.format, 0, 0, "F", "png (default; pngcairo when gnuplot has it), svg, pdf", 0},
        {"--group", 0, OPT_INT, &group, 1, 100000000, "N",
         "the group to draw (edgesim summary lists them; default:\nthe first of the scenario and sweep point below)", 0},
        {"--scenario", 0, OPT_STR, &scenario, 0, 0, "NAME",
         "runs of this scenario_name (default: that of the\nlatest complete run)", 0},
        {"--sweep-index", 0, OPT_INT, &sweep_index, 0, 100000000, "I",
         "its sweep point (default: the first in the database)", 0},
        {"--quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "do not list the files written", 0},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, 0},
    };
    const opt_command cmd = {"edgesim plot", "RESULTS.db [options]", plot_about, opts, &c.db_path, 1, 1, NULL};
    int prc = opts_parse(&cmd, argc, argv);
    if (prc != OPTS_OK)
        return prc == OPTS_HELP ? opts_check_output(stdout, "edgesim plot --help") : EXIT_USAGE;
    if (strcmp(c.format, "png") != 0 && strcmp(c.format, "svg") != 0 && strcmp(c.format, "pdf") != 0) {
        fprintf(stderr, "edgesim plot: --format: expected png, svg or pdf, found \"%s\"\n", c.format);
        return EXIT_USAGE;
    }

    int status = EXIT_INPUT;
    int written[sizeof plot__figures / sizeof plot__figures[0]] = {0};
    if (load(&c) != 0 || (group < 0 && (group = find_group(&c, scenario, (int)sweep_index)) < 0) ||
        select_group(&c, (int)group) != 0)
        goto done;
    status = draw(&c, 0, written, quiet);
done:
    for (int f = 0; plot__figures[f].name; f++) {
        if (!written[f] || quiet)
            continue;
        printf("%s/%s.dat\n%s/%s.gp\n", c.dir, plot__figures[f].name, c.dir, plot__figures[f].name);
        if (status == EXIT_OK)
            printf("%s/%s.%s\n", c.dir, plot__figures[f].name, c.format);
    }
    if (status != EXIT_OK)
        fprintf(stderr, "edgesim plot: %s\n", c.err);
    unload(&c);
    if (status == EXIT_OK)
        status = opts_check_output(stdout, "edgesim plot");
    return status;
}
