/* analysis_int.h -- what the analysis commands share: the per-run metrics
 * loaded from a results database (data.c) and the output tables written as
 * an aligned table, CSV or JSON (table.c). */
#ifndef EDGESIM_ANALYSIS_INT_H
#define EDGESIM_ANALYSIS_INT_H

#include <stdio.h>

#include "analysis/stats.h"
#include "sim/base/exit_codes.h"
#include "sim/base/opts.h"

#include "sim/run/record.h"

struct sqlite3;

/* The per-run metrics: run_summary column, what it is, unit, and which way
 * is better (+1 higher, -1 lower).  The one list summary, compare and the
 * report walk. */
#define AN_METRICS(X)                                                  \
    X(mean_latency_s, "mean latency", "s", -1)                         \
    X(p50_latency_s, "p50 latency", "s", -1)                           \
    X(p95_latency_s, "p95 latency", "s", -1)                           \
    X(p99_latency_s, "p99 latency", "s", -1)                           \
    X(mean_ttft_s, "mean TTFT", "s", -1)                               \
    X(p50_ttft_s, "p50 TTFT", "s", -1)                                 \
    X(p95_ttft_s, "p95 TTFT", "s", -1)                                 \
    X(p99_ttft_s, "p99 TTFT", "s", -1)                                 \
    X(mean_quality, "mean quality", "0-1", +1)                         \
    X(large_fraction, "large-model share", "fraction of queries", -1)  \
    X(mean_energy_j, "mean device energy", "J per query", -1)

typedef enum an_metric {
#define AN_ENUM(col, what, unit, better) AN_##col,
    AN_METRICS(AN_ENUM)
#undef AN_ENUM
    AN_METRIC_COUNT
} an_metric;

typedef struct an_metric_info {
    const char *column, *what, *unit;
    int better;
} an_metric_info;
extern const an_metric_info an_metric_table[AN_METRIC_COUNT];

/* One run (unique by run identity: run_unique). */
typedef struct an_run {
    long long run_id, seed;
    int replication;
    int cell;                       /* index into an_data.cells */
    double m[AN_METRIC_COUNT];      /* NAN when the run has no value */
    long long n_status[QUERY_N_STATUSES]; /* its queries per status (run_summary n_done, ...) */
} an_run;

/* The replications of one configuration (group_key): a group's policy with
 * one parameter set.  Its runs are runs[first_run .. first_run + n_runs). */
typedef struct an_cell {
    int group;                      /* index into an_data.groups */
    char *policy, *params, *label;  /* params: JSON; label: run_label */
    int first_run, n_runs;
} an_cell;

/* A group: one scenario_key (scenario_group), its cells contiguous. */
typedef struct an_group {
    int index;                      /* scenario_group.group_index */
    char *label, *scenario_name, *scenario_key;
    char *sweep_point;              /* JSON of the sweep's overrides, {} without */
    char *settings;                 /* run_identity.settings: the scenario as JSON */
    int first_cell, n_cells;
} an_group;

/* The N-model figures (docs/ANALYSIS.md, "N models"): the models the
 * database's runs routed to (ordered by tier, device, edge, cloud, then
 * name) and, per run, extra metrics after the AN_METRICS ones: mean_cost
 * (currency per query: the run's summed `cost` over its records),
 * cost_per_1k (the same per 1,000 queries), share_<model> per model (its
 * routes over the queries the router decided), and tier_<tier> per tier
 * when some tier holds more than one model.  None (n_x = 0) when every
 * route is small or large and no query has a cost > 0, so two-model
 * outputs stay as they were. */
typedef struct an_data {
    an_group *groups;
    an_cell *cells;
    an_run *runs;
    int n_groups, n_cells, n_runs;
    int n_models;
    char **models, **model_tiers;
    int n_x;                /* extra metrics, numbered AN_METRIC_COUNT .. AN_METRIC_COUNT + n_x - 1 */
    an_metric_info *x_info; /* [n_x] */
    char **x_text;          /* the strings x_info points to */
    double *x;              /* [n_runs * n_x]: run r's extra metric k at r * n_x + k; NAN: no value */
    struct an_run_pos *by_id; /* [n_runs] sorted by run_id (an_run_lookup) */
} an_data;

/* Find (x, y) in the parallel string lists *a, *b of *n entries (y
 * compared only when `both`), else append copies of both (growing *cap):
 * its index, or -1 when out of memory. */
int an_strpair_index(char ***a, char ***b, int *n, int *cap, const char *x, const char *y, int both);

/* The index in d->runs of the run with this run_id, or -1. */
int an_run_lookup(const an_data *d, long long run_id);

enum { AN_X_MEAN_COST, AN_X_COST_PER_1K, AN_X_SHARES }; /* extra metric k: cost, cost per 1,000, then shares */

/* Every metric of a database: AN_METRICS then the extra ones. */
int an_n_metrics(const an_data *d);
an_metric_info an_info(const an_data *d, int m);
/* Run r's value of metric m (NAN: no value). */
double an_run_value(const an_data *d, const an_run *r, int m);
/* The extra metric of model i's share. */
static inline int an_share_metric(int i) { return AN_METRIC_COUNT + AN_X_SHARES + i; }

/* Load every unique complete run of `db` (opened by analysis_open).
 * Returns 0, or -1 with a message in err.  Free with an_data_free. */
int an_data_load(struct sqlite3 *db, an_data *d, char *err, size_t errlen);
void an_data_free(an_data *d);

/* The run of cell c with this seed and replication, or NULL. */
const an_run *an_cell_run(const an_data *d, int c, long long seed, int replication);

/* Mean of metric m over a cell's runs with its t confidence interval at
 * `level` (stats_mean_ci). */
stats_ci an_cell_ci(const an_data *d, int c, int m, double level);

/* The cell of group g named `name`: a label as run_label prints it, else a
 * policy name with one parameter set in the group.  -1 none, -2 ambiguous. */
int an_find_cell(const an_data *d, int g, const char *name);

/* Paired differences of cell c against cell base (same group) on metric m:
 * runs paired by seed and replication; diff = c - base and rel = c / base
 * - 1 per pair, each averaged with its t interval; wins = pairs in which c
 * is strictly better (an_metric_table's direction). */
typedef struct an_pair {
    int n, wins;
    stats_ci diff, rel;
} an_pair;
an_pair an_paired(const an_data *d, int c, int base, int m, double level);

/* Mean over a cell's runs of metric m (NAN values skipped; NAN if none). */
double an_cell_mean(const an_data *d, int c, int m);

/* The cell of group g running `policy` (by name; the first if several), or
 * -1. */
int an_policy_cell(const an_data *d, int g, const char *policy);

/* The RouteLLM references of group g: the weak (strong = 0) is the cell of
 * policy always-small, else the cell labelled "always small" (policy
 * `always` with model small); the strong likewise with large.  -1 none. */
int an_reference_cell(const an_data *d, int g, int strong);

/* Is a policy a reference (always-small, always-large, always): a fixed
 * route, never a policy family. */
int an_is_reference(const char *policy);

/* ---- policy families (metrics.c) ---- */

/* A policy family: the cells of one group and policy whose parameters
 * differ in exactly one key, `param` (score-threshold over
 * target_large_fraction, quality-latency over alpha at a fixed theta), or a
 * single cell (param NULL).  The references always-small / always-large are
 * no family.  Cells are sorted by the parameter's value. */
typedef struct an_family {
    int group;
    char *label;       /* policy plus the fixed parameters that vary elsewhere */
    char *policy;
    char *param;       /* NULL for a single point */
    int n;
    int *cells;
    double *value;     /* numeric parameter values (NAN if not a number) */
    char **value_text; /* the values as JSON text */
} an_family;

/* The families of every group, in group order.  0, or -1 (out of memory or
 * unparsable parameters, message in err). */
int an_families(const an_data *d, an_family **out, int *n, char *err, size_t errlen);
void an_families_free(an_family *f, int n);

/* A family's RouteLLM curve: per point the means over replications; PGR
 * against the group's always-small / always-large runs; APGR and CPT over
 * the curve (0, 0), the points by large share, (1, 1) (docs/ANALYSIS.md). */
typedef struct an_point {
    double value, large_share, quality, pgr, mean_latency_s, p95_s;
} an_point;
typedef struct an_curve {
    double q_weak, q_strong, apgr, cpt50, cpt80;
    an_point *points; /* f->n, in the family's order */
} an_curve;
int an_family_curve(const an_data *d, const an_family *f, an_curve *c);
void an_curve_free(an_curve *c);

/* "At equal quality" (docs/ANALYSIS.md): cell c against baseline family f,
 * replication by replication (metrics.c).  an_eq_applies says whether the
 * pair is compared at all (not the references, not the oracle as a
 * baseline, not a family of c's own policy). */
typedef struct an_eq {
    int n; /* replications compared */
    stats_ci quality, latency, base_latency, latency_diff, latency_rel, share, base_share, share_diff, share_rel;
} an_eq;
int an_eq_applies(const an_data *d, const an_family *f, int c);
/* 0, or -1 when out of memory. */
int an_equal_quality(const an_data *d, const an_family *f, int c, double level, an_eq *out);

/* ---- output tables ---- */

typedef struct an_table an_table;

/* metrics --what pairs (metrics.c): RouteLLM's PGR per cell and pair of
 * models from run_model_pairs, of group `group` (-1: every group).  NULL
 * with a message in err. */
an_table *an_pairs_table(struct sqlite3 *db, const an_data *d, const an_family *fam, int n_fam, int group, double level,
                         char *err, size_t errlen);

typedef enum an_format { AN_TABLE, AN_CSV, AN_JSON } an_format;
/* "table", "csv", "json" -> 0 and *f; else -1. */
int an_format_parse(const char *s, an_format *f);

typedef enum an_col_kind {
    AN_TEXT,   /* a string */
    AN_META,   /* a string left out of the aligned table (CSV, JSON only) */
    AN_NUM,    /* a number (NAN printed as empty / null) */
    AN_CI      /* a number: the half-width of the number column before it;
                  the table format prints the two as "mean ± half" */
} an_col_kind;

/* A table with these columns (names copied).  NULL when out of memory. */
an_table *an_table_create(int ncols, const char *const *names, const an_col_kind *kinds);
void an_table_destroy(an_table *t);
/* Append a row; then set its cells left to right (unset cells are empty).
 * Return 0, -1 when out of memory. */
int an_table_row(an_table *t);
int an_table_text(an_table *t, const char *s);
int an_table_num(an_table *t, double v);
/* Write the table: aligned columns with a header line, CSV (RFC 4180, a
 * header row), or JSON (an array of objects, numbers as numbers, NAN as
 * null).  Returns 0, or -1 when the stream reports a write error. */
int an_table_write(const an_table *t, an_format f, FILE *out);
/* The table as an HTML <table> (no header line for AN_META and AN_CI
 * columns; a number with its CI as "x ± h"), text escaped. */
void an_table_write_html(const an_table *t, const char *caption, FILE *out);
/* HTML text with &, <, >, " escaped (NULL: nothing). */
void an_html_text(const char *s, FILE *out);

/* ---- command-line helpers shared by the analysis commands (cmd.c) ---- */

/* The options of summary / compare / metrics / report.  Each command names
 * the options it takes in `allowed` (a NULL-terminated list of long names
 * such as "--format"); -o/--output and --help are always there. */
typedef struct an_args {
    const char *cmd;      /* "summary", ... (for messages) */
    const char *db_path;
    const char *output;   /* -o FILE; NULL: stdout */
    an_format format;     /* --format table|csv|json (default table) */
    double level;         /* --ci LEVEL (default 0.95) */
    const char *by;       /* --by policy|group (default group) */
    const char *baseline; /* --baseline POLICY */
    const char *what;     /* --what SECTION */
    long max_groups;      /* --max-groups N (0: unset) */
} an_args;

/* Returns 0 to go on, 1 when --help was printed (exit 0), -1 on a usage
 * error (message printed; exit 2). */
int an_args_parse(an_args *a, const char *cmd, int argc, char **argv, const char *const *allowed,
                  const char *usage, const char *about);

/* Open the database (analysis_open) and load its runs.  Returns the handle
 * or NULL (message printed; exit EXIT_INPUT); d is then empty. */
struct sqlite3 *an_open_load(const an_args *a, an_data *d);

/* The output stream: stdout, or the -o file.  an_close_output reports a
 * write error (message printed) and returns 0 or -1. */
FILE *an_open_output(const an_args *a);
int an_close_output(const an_args *a, FILE *out);

#endif
