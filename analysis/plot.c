/* plot.c -- `edgesim plot RESULTS.db [-o DIR] [--format png|svg|pdf]`.
 *
 * For each figure of the table below: run its SQL, write the rows to
 * DIR/NAME.dat (tab-separated, header comments), write DIR/NAME.gp (terminal
 * settings and the series labels, then the embedded script analysis/NAME.gp),
 * then run gnuplot on it.  Users re-plot with `cd DIR && gnuplot NAME.gp`.
 * gnuplot is an external program: $EDGESIM_GNUPLOT, else "gnuplot" on PATH.
 */
#include "analysis/plot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sqlite3.h>

#include "sim/base/exit_codes.h"
#include "sim/base/opts.h"

extern const char analysis_gp_latency_cdf[], analysis_gp_tradeoff[], analysis_gp_sweep[], analysis_gp_breakdown[];

typedef struct plot_ctx {
    sqlite3 *db;
    const char *db_path;
    const char *dir;
    const char *format;      /* png | svg | pdf */
    char scenario[256];      /* runs plotted: this scenario_name */
    int sweep_index;         /* the sweep point of the CDF and the breakdown */
    int n_points;            /* distinct sweep points of the scenario */
    char subtitle[512];
    char err[1024];
} plot_ctx;

/* A growing list of series labels (gnuplot legend entries). */
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
}

/* A gnuplot double-quoted string literal. */
static void gp_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s == '\n' || *s == '\t' ? ' ' : *s, f);
    }
    fputc('"', f);
}

/* Text in a tab-separated field: no tabs or newlines. */
static void tsv_text(FILE *f, const char *s)
{
    for (; s && *s; s++)
        fputc(*s == '\t' || *s == '\n' ? ' ' : *s, f);
}

static void write_labels(FILE *script, const labels *l)
{
    fprintf(script, "nseries = %d\narray label[%d]\n", l->n, l->n > 0 ? l->n : 1);
    for (int i = 0; i < l->n; i++) {
        fprintf(script, "label[%d] = ", i + 1);
        gp_string(script, l->v[i]);
        fputc('\n', script);
    }
}

static int prepare(plot_ctx *c, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK) {
        snprintf(c->err, sizeof c->err, "%s: %s", c->db_path, sqlite3_errmsg(c->db));
        return -1;
    }
    /* ?1 is the scenario and ?2 the sweep point wherever a query uses them. */
    if (sqlite3_bind_parameter_count(*st) >= 1)
        sqlite3_bind_text(*st, 1, c->scenario, -1, SQLITE_STATIC);
    if (sqlite3_bind_parameter_count(*st) >= 2)
        sqlite3_bind_int(*st, 2, c->sweep_index);
    return 0;
}

static int step_fail(plot_ctx *c, sqlite3_stmt *st)
{
    snprintf(c->err, sizeof c->err, "%s: %s", c->db_path, sqlite3_errmsg(c->db));
    sqlite3_finalize(st);
    return -1;
}

static double col_or_zero(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? 0.0 : sqlite3_column_double(st, i);
}

/* Rows of (series, x...) ordered by series: a gnuplot block per series.
 * Columns 1..ncols of the statement are written as numbers. */
static int write_blocks(plot_ctx *c, sqlite3_stmt *st, int ncols, FILE *data, labels *l)
{
    int rc;
    const char *prev = NULL;
    char prev_buf[512] = "";
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *series = (const char *)sqlite3_column_text(st, 0);
        series = series ? series : "";
        if (!prev || strcmp(prev, series) != 0) {
            if (prev)
                fputs("\n\n", data);
            if (labels_add(l, series) != 0) {
                snprintf(c->err, sizeof c->err, "out of memory");
                sqlite3_finalize(st);
                return -1;
            }
            fprintf(data, "# series %d: ", l->n);
            tsv_text(data, series);
            fputc('\n', data);
            snprintf(prev_buf, sizeof prev_buf, "%s", series);
            prev = prev_buf;
        }
        for (int i = 1; i <= ncols; i++) {
            if (sqlite3_column_type(st, i) == SQLITE_TEXT) {
                tsv_text(data, (const char *)sqlite3_column_text(st, i));
            } else {
                fprintf(data, "%.9g", col_or_zero(st, i));
            }
            fputc(i == ncols ? '\n' : '\t', data);
        }
    }
    if (rc != SQLITE_DONE)
        return step_fail(c, st);
    sqlite3_finalize(st);
    return l->n > 0;
}

/* ---- (a) latency CDF per policy, one sweep point, replications pooled ---- */

static const char cdf_sql[] =
    "WITH sel AS (SELECT r.run_id, l.label FROM runs r JOIN run_label l ON l.run_id = r.run_id"
    "             WHERE r.status = 'complete' AND r.scenario_name = ?1 AND r.sweep_index = ?2),"
    " ranked AS (SELECT s.label, q.latency_s,"
    "            ROW_NUMBER() OVER (PARTITION BY s.label ORDER BY q.latency_s) AS rk,"
    "            COUNT(*) OVER (PARTITION BY s.label) AS n"
    "            FROM queries q JOIN sel s ON s.run_id = q.run_id)"
    " SELECT label, latency_s, CAST(rk AS REAL) / n FROM ranked"
    " WHERE rk = 1 OR rk = n OR (rk * 1000) / n > ((rk - 1) * 1000) / n"
    " ORDER BY label, rk";

static int fig_latency_cdf(plot_ctx *c, FILE *data, FILE *script)
{
    sqlite3_stmt *st;
    labels l = {0};
    if (prepare(c, &st, cdf_sql) != 0)
        return -1;
    fputs("# latency_s\tcdf (nearest rank; at most ~1000 points per series)\n", data);
    int rc = write_blocks(c, st, 2, data, &l);
    if (rc > 0)
        write_labels(script, &l);
    labels_free(&l);
    return rc;
}

/* ---- (b) quality vs mean latency, per policy (a curve over its parameters) ---- */

static const char tradeoff_sql[] =
    "WITH lab AS (SELECT r.policy, r.policy_params, MIN(l.label) AS label"
    "             FROM runs r JOIN run_label l ON l.run_id = r.run_id GROUP BY r.policy, r.policy_params)"
    " SELECT p.policy, p.mean_latency_s, p.ci95_latency_s, p.mean_quality, p.ci95_quality,"
    "        lab.label || CASE WHEN p.sweep_point <> '{}' THEN ' ' || p.sweep_point ELSE '' END"
    " FROM policy_summary p JOIN lab ON lab.policy = p.policy AND lab.policy_params = p.policy_params"
    " WHERE p.scenario_name = ?1"
    " ORDER BY p.policy, p.sweep_index, p.mean_latency_s";

static int fig_tradeoff(plot_ctx *c, FILE *data, FILE *script)
{
    sqlite3_stmt *st;
    labels l = {0};
    if (prepare(c, &st, tradeoff_sql) != 0)
        return -1;
    fputs("# mean_latency_s\tci95_latency_s\tmean_quality\tci95_quality\tpoint (policy parameters, sweep point)\n",
          data);
    int rc = write_blocks(c, st, 5, data, &l);
    if (rc > 0)
        write_labels(script, &l);
    labels_free(&l);
    return rc;
}

/* ---- (c) large-call fraction, latency, quality vs the swept value ---- */

/* The swept key when the scenario sweeps exactly one key over numbers. */
static const char sweep_key_sql[] =
    "SELECT COUNT(DISTINCT j.key), MIN(j.key), MIN(j.type IN ('integer', 'real'))"
    " FROM runs r, json_each(r.sweep_point) j"
    " WHERE r.status = 'complete' AND r.scenario_name = ?1 AND json_valid(r.sweep_point)";

static const char sweep_sql[] =
    "WITH lab AS (SELECT r.policy, r.policy_params, MIN(l.label) AS label"
    "             FROM runs r JOIN run_label l ON l.run_id = r.run_id GROUP BY r.policy, r.policy_params)"
    " SELECT lab.label,"
    "        CASE WHEN ?2 THEN (SELECT j.value FROM json_each(p.sweep_point) j) ELSE p.sweep_index END AS x,"
    "        p.large_fraction, p.ci95_large_fraction, p.mean_latency_s, p.ci95_latency_s,"
    "        p.mean_quality, p.ci95_quality"
    " FROM policy_summary p JOIN lab ON lab.policy = p.policy AND lab.policy_params = p.policy_params"
    " WHERE p.scenario_name = ?1"
    " ORDER BY lab.label, x";

static int fig_sweep(plot_ctx *c, FILE *data, FILE *script)
{
    if (c->n_points < 2)
        return 0;
    sqlite3_stmt *st;
    char key[256] = "sweep point index";
    int by_value = 0;
    if (prepare(c, &st, sweep_key_sql) != 0)
        return -1;
    if (sqlite3_step(st) != SQLITE_ROW)
        return step_fail(c, st);
    if (sqlite3_column_int(st, 0) == 1 && sqlite3_column_int(st, 2) == 1) {
        snprintf(key, sizeof key, "%s", (const char *)sqlite3_column_text(st, 1));
        by_value = 1;
    }
    sqlite3_finalize(st);

    labels l = {0};
    if (sqlite3_prepare_v2(c->db, sweep_sql, -1, &st, NULL) != SQLITE_OK)
        return step_fail(c, NULL);
    sqlite3_bind_text(st, 1, c->scenario, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, by_value);
    fprintf(data, "# x = %s\n# x\tlarge_fraction\tci95\tmean_latency_s\tci95\tmean_quality\tci95\n", key);
    int rc = write_blocks(c, st, 7, data, &l);
    if (rc > 0) {
        write_labels(script, &l);
        fputs("xlabel_text = ", script);
        gp_string(script, key);
        fputc('\n', script);
    }
    labels_free(&l);
    return rc;
}

/* ---- (d) per-step latency breakdown, stacked bars per policy ---- */

static const char breakdown_sql[] =
    "SELECT l.label, AVG(b.router_s), AVG(b.uplink_s), AVG(b.edge_queue_s), AVG(b.device_queue_s),"
    "       AVG(b.prefill_s), AVG(b.decode_s), AVG(b.downlink_s), AVG(b.latency_s)"
    " FROM latency_breakdown b JOIN runs r ON r.run_id = b.run_id JOIN run_label l ON l.run_id = b.run_id"
    " WHERE r.scenario_name = ?1 AND r.sweep_index = ?2"
    " GROUP BY l.label ORDER BY AVG(b.latency_s)";

static int fig_breakdown(plot_ctx *c, FILE *data, FILE *script)
{
    sqlite3_stmt *st;
    int rc, rows = 0;
    if (prepare(c, &st, breakdown_sql) != 0)
        return -1;
    fputs("# mean seconds per query:\n# series\trouter\tuplink\tedge_queue\tdevice_queue\tprefill"
          "\tdecode\tdownlink\tlatency\n",
          data);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        tsv_text(data, (const char *)sqlite3_column_text(st, 0));
        for (int i = 1; i <= 8; i++)
            fprintf(data, "\t%.9g", col_or_zero(st, i));
        fputc('\n', data);
        rows++;
    }
    if (rc != SQLITE_DONE)
        return step_fail(c, st);
    sqlite3_finalize(st);
    return rows > 0;
}

/* ---- the figure table ---- */

typedef struct figure {
    const char *name;          /* NAME.dat, NAME.gp, NAME.<format> */
    const char *what;
    const char *const *script; /* embedded analysis/NAME.gp */
    int width, height;         /* pixels (png, svg) */
    int (*write)(plot_ctx *c, FILE *data, FILE *script); /* 1 written, 0 no data, -1 error */
} figure;

static const char *const gp_latency_cdf = analysis_gp_latency_cdf;
static const char *const gp_tradeoff = analysis_gp_tradeoff;
static const char *const gp_sweep = analysis_gp_sweep;
static const char *const gp_breakdown = analysis_gp_breakdown;

static const figure figures[] = {
    {"latency_cdf", "latency CDF per policy", &gp_latency_cdf, 1000, 650, fig_latency_cdf},
    {"tradeoff", "quality vs mean latency", &gp_tradeoff, 1100, 650, fig_tradeoff},
    {"sweep", "large-call fraction, latency, quality vs sweep value", &gp_sweep, 1800, 600, fig_sweep},
    {"breakdown", "per-step latency breakdown", &gp_breakdown, 1100, 650, fig_breakdown},
    {NULL, NULL, NULL, 0, 0, NULL},
};

static void write_terminal(FILE *f, const plot_ctx *c, const figure *fig)
{
    if (strcmp(c->format, "png") == 0) {
        fprintf(f,
                "if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
                "    set terminal pngcairo size %d,%d noenhanced font \"Sans,11\"\n"
                "} else {\n"
                "    set terminal png size %d,%d noenhanced\n"
                "}\n",
                fig->width, fig->height, fig->width, fig->height);
    } else if (strcmp(c->format, "svg") == 0) {
        fprintf(f, "set terminal svg size %d,%d noenhanced font \"Sans,11\"\n", fig->width, fig->height);
    } else {
        fprintf(f, "set terminal pdfcairo size %.2fin,%.2fin noenhanced font \"Sans,9\"\n", fig->width / 100.0,
                fig->height / 100.0);
    }
    fprintf(f, "set output \"%s.%s\"\n", fig->name, c->format);
}

static int path_in(char *buf, size_t len, const char *dir, const char *name, const char *ext)
{
    return snprintf(buf, len, "%s/%s.%s", dir, name, ext) < (int)len ? 0 : -1;
}

/* Write NAME.dat and NAME.gp.  Returns 1 written, 0 skipped (no data), -1. */
static int write_figure(plot_ctx *c, const figure *fig)
{
    char data_path[4096], script_path[4096];
    if (path_in(data_path, sizeof data_path, c->dir, fig->name, "dat") != 0 ||
        path_in(script_path, sizeof script_path, c->dir, fig->name, "gp") != 0) {
        snprintf(c->err, sizeof c->err, "%s: path too long", c->dir);
        return -1;
    }
    FILE *data = fopen(data_path, "w");
    FILE *script = data ? fopen(script_path, "w") : NULL;
    if (!script) {
        snprintf(c->err, sizeof c->err, "%.900s: cannot write: %s", data ? script_path : data_path, strerror(errno));
        if (data)
            fclose(data);
        return -1;
    }
    fprintf(data, "# edgesim plot: %s\n# database %s, scenario \"%s\"\n", fig->what, c->db_path, c->scenario);
    fprintf(script, "# edgesim plot: %s.  Re-plot: gnuplot %s.gp (in this folder).\n", fig->what, fig->name);
    write_terminal(script, c, fig);
    fputs("subtitle = ", script);
    gp_string(script, c->subtitle);
    fputc('\n', script);
    int rc = fig->write(c, data, script);
    if (rc > 0)
        fprintf(script, "\n%s", *fig->script);
    int bad = ferror(data) | ferror(script);
    bad |= fclose(data) != 0;
    bad |= fclose(script) != 0;
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
static int run_gnuplot(plot_ctx *c, const figure *fig)
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
    "Draw the standard figures of a results database with gnuplot (run as an\n"
    "external program: $EDGESIM_GNUPLOT, else gnuplot on PATH):\n"
    "  latency_cdf  latency CDF per policy (one sweep point, replications pooled)\n"
    "  tradeoff     mean quality vs mean latency per policy and parameter set\n"
    "  sweep        large-call fraction, latency, quality vs the swept value\n"
    "               (only when the scenario has several sweep points)\n"
    "  breakdown    mean latency per step (router, uplink, queues, prefill,\n"
    "               decode, answer downlink), stacked, per policy\n"
    "Each figure NAME leaves DIR/NAME.dat (tab-separated data with a header\n"
    "comment), DIR/NAME.gp (the gnuplot script: edit it and re-run\n"
    "`gnuplot NAME.gp` in DIR) and DIR/NAME.png (or .svg, .pdf); the files\n"
    "are listed on stdout.  A database that cannot be read, or lacks complete\n"
    "runs of the scenario, exits 3; DIR not writable or gnuplot missing or\n"
    "failing exits 4 (the data and scripts are still written).\n";

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

/* Pick the scenario and sweep point; fill the subtitle.  0, or -1 when the
 * database holds no complete run of the scenario. */
static int choose_runs(plot_ctx *c, const char *scenario, int sweep_index)
{
    sqlite3_stmt *st;
    const char *pick = "SELECT scenario_name FROM runs WHERE status = 'complete'"
                       " AND (?1 IS NULL OR scenario_name = ?1) ORDER BY run_id DESC LIMIT 1";
    if (sqlite3_prepare_v2(c->db, pick, -1, &st, NULL) != SQLITE_OK)
        return step_fail(c, NULL);
    if (scenario)
        sqlite3_bind_text(st, 1, scenario, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        if (rc != SQLITE_DONE)
            return step_fail(c, st);
        snprintf(c->err, sizeof c->err, "%s: no complete run%s%s%s", c->db_path, scenario ? " of scenario \"" : "",
                 scenario ? scenario : "", scenario ? "\"" : "");
        sqlite3_finalize(st);
        return -1;
    }
    snprintf(c->scenario, sizeof c->scenario, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);

    const char *points = "SELECT COUNT(DISTINCT sweep_index), MIN(sweep_index),"
                         " SUM(sweep_index = ?2), MIN(CASE WHEN sweep_index = ?2 THEN sweep_point END)"
                         " FROM runs WHERE status = 'complete' AND scenario_name = ?1";
    if (sqlite3_prepare_v2(c->db, points, -1, &st, NULL) != SQLITE_OK)
        return step_fail(c, NULL);
    sqlite3_bind_text(st, 1, c->scenario, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, sweep_index);
    if (sqlite3_step(st) != SQLITE_ROW)
        return step_fail(c, st);
    c->n_points = sqlite3_column_int(st, 0);
    if (sweep_index < 0) {
        c->sweep_index = sqlite3_column_int(st, 1);
        sqlite3_finalize(st);
        return choose_runs(c, c->scenario, c->sweep_index);
    }
    if (sqlite3_column_int(st, 2) == 0) {
        snprintf(c->err, sizeof c->err, "%s: scenario \"%s\" has no complete run at sweep point %d", c->db_path,
                 c->scenario, sweep_index);
        sqlite3_finalize(st);
        return -1;
    }
    c->sweep_index = sweep_index;
    const char *point = (const char *)sqlite3_column_text(st, 3);
    if (c->n_points > 1)
        snprintf(c->subtitle, sizeof c->subtitle, "scenario %s, sweep point %d %s (latency, breakdown)", c->scenario,
                 c->sweep_index, point ? point : "");
    else
        snprintf(c->subtitle, sizeof c->subtitle, "scenario %s", c->scenario);
    sqlite3_finalize(st);
    return 0;
}

int analysis_plot_main(int argc, char **argv)
{
    plot_ctx c = {0};
    const char *scenario = NULL;
    long sweep_index = -1;
    int quiet = 0;
    c.dir = "plots";
    c.format = "png";
    const opt_def opts[] = {
        {"--output", 'o', OPT_OUTPUT, &c.dir, 0, 0, "DIR", "output folder, created if missing (default plots)", 0},
        {"--format", 0, OPT_STR, &c.format, 0, 0, "F", "png (default; pngcairo when gnuplot has it), svg, pdf", 0},
        {"--scenario", 0, OPT_STR, &scenario, 0, 0, "NAME",
         "runs of this scenario_name (default: that of the\nlatest complete run)", 0},
        {"--sweep-index", 0, OPT_INT, &sweep_index, 0, 100000000, "I",
         "sweep point of the CDF and the breakdown (default:\nthe first in the database)", 0},
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
    int written[sizeof figures / sizeof figures[0]] = {0};
    c.db = analysis_open(c.db_path, c.err, sizeof c.err);
    if (!c.db || choose_runs(&c, scenario, (int)sweep_index) != 0)
        goto done;
    status = EXIT_OUTPUT;
    if (make_dir(c.dir, c.err, sizeof c.err) != 0)
        goto done;
    for (int f = 0; figures[f].name; f++) {
        int rc = write_figure(&c, &figures[f]);
        if (rc < 0)
            goto done;
        written[f] = rc;
    }
    if (!gnuplot_available()) {
        snprintf(c.err, sizeof c.err,
                 "%s not found (install gnuplot, e.g. the gnuplot-nox package, or set EDGESIM_GNUPLOT); "
                 "the data and scripts are in %s",
                 gnuplot_program(), c.dir);
        goto done;
    }
    for (int f = 0; figures[f].name; f++)
        if (written[f] && run_gnuplot(&c, &figures[f]) != 0)
            goto done;
    status = EXIT_OK;
done:
    for (int f = 0; figures[f].name; f++) {
        if (!written[f] || quiet)
            continue;
        printf("%s/%s.dat\n%s/%s.gp\n", c.dir, figures[f].name, c.dir, figures[f].name);
        if (status == EXIT_OK)
            printf("%s/%s.%s\n", c.dir, figures[f].name, c.format);
    }
    if (status != EXIT_OK)
        fprintf(stderr, "edgesim plot: %s\n", c.err);
    sqlite3_close(c.db);
    if (status == EXIT_OK)
        status = opts_check_output(stdout, "edgesim plot");
    return status;
}
