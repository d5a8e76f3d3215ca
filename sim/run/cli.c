/* cli.c -- `edgesim COMMAND ...`: a table of commands, each with its help.
 *
 * Exit codes (cli.h): 0 ok, 1 internal error, 2 usage or configuration
 * error, 3 bad input data, 4 cannot write output, 130 interrupted.
 */
#include "sim/run/cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_version.h>
#include <sqlite3.h>

#include "models/channel/channel.h"
#include "models/llm/llm.h"
#include "models/policies/policies.h"
#include "sim/run/run.h"
#include "sim/run/scenario.h"
#include "sim/run/summary.h"
#include "traces/trace.h"
#include "traces/trace_cli.h"
#include "analysis/plot.h"

#define MAX_SETS 256
#define MAX_PLUGINS 16

/* The one piece of process-wide state: set by SIGINT/SIGTERM, read by the
 * run loop between slices of events. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = 1;
}

typedef struct command {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *summary;
} command;

static const char exit_codes_help[] =
    "Exit codes: 0 ok, 1 internal error, 2 usage or configuration error,\n"
    "            3 bad input data (trace, importer input), 4 cannot write output,\n"
    "            130 interrupted (the unfinished run is removed from the database).\n";

static int want_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}

/* ---- edgesim run ---- */

static const char run_help[] =
    "usage: edgesim run SCENARIO.json [options]\n"
    "\n"
    "Run every policy of the scenario (x every sweep point x replications) on the\n"
    "same randomness and append one `runs` row per run and one `queries` row per\n"
    "query to an SQLite database, then print a summary table.\n"
    "\n"
    "  -o, --output FILE        database to append to (default results.db)\n"
    "  --set KEY.PATH=VALUE     override a scenario key; VALUE is JSON or a bare\n"
    "                           string (repeatable; `edgesim keys` lists the keys)\n"
    "  --seed N                 same as --set seed=N\n"
    "  --replications N         same as --set replications=N\n"
    "  --policy NAME            run only this policy (default parameters; repeatable)\n"
    "  --policy-plugin FILE.so  load a routing policy plug-in (repeatable)\n"
    "  --sweep-index I          run only sweep point I (0-based; for job arrays:\n"
    "                           --sweep-index $SLURM_ARRAY_TASK_ID)\n"
    "  --points                 print the number of sweep points and exit\n"
    "  --check                  validate the scenario and exit (no run)\n"
    "  -q, --quiet              no progress lines and no summary\n";

typedef struct run_args {
    const char *scenario;
    const char *output;
    char *sets[MAX_SETS];
    int n_sets;
    const char *only_policies[MAX_PLUGINS];
    int n_only;
    const char *plugins[MAX_PLUGINS];
    int n_plugins;
    int sweep_index;
    int points, check, quiet;
    char owned[2][64];
} run_args;

static int parse_int_arg(const char *flag, const char *text, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (!*text || *end || v < lo || v > hi) {
        fprintf(stderr, "edgesim: %s: expected an integer in [%ld, %ld], found \"%s\"\n", flag, lo, hi, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_run_args(int argc, char **argv, run_args *a)
{
    memset(a, 0, sizeof *a);
    a->output = "results.db";
    a->sweep_index = -1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        long v;
        int takes = strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0 || strcmp(arg, "--set") == 0 ||
                    strcmp(arg, "--seed") == 0 || strcmp(arg, "--replications") == 0 ||
                    strcmp(arg, "--policy") == 0 || strcmp(arg, "--policy-plugin") == 0 ||
                    strcmp(arg, "--sweep-index") == 0;
        if (takes && !val) {
            fprintf(stderr, "edgesim run: %s needs a value\n", arg);
            return -1;
        }
        if (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0) {
            a->output = val;
        } else if (strcmp(arg, "--set") == 0) {
            if (a->n_sets == MAX_SETS - 2) {
                fprintf(stderr, "edgesim run: too many --set options (at most %d)\n", MAX_SETS - 2);
                return -1;
            }
            a->sets[a->n_sets++] = (char *)val;
        } else if (strcmp(arg, "--seed") == 0 || strcmp(arg, "--replications") == 0) {
            int seed = strcmp(arg, "--seed") == 0;
            if (parse_int_arg(arg, val, seed ? 0 : 1, seed ? 2147483647L : 1000000L, &v) != 0)
                return -1;
            snprintf(a->owned[seed], sizeof a->owned[seed], "%s=%ld", seed ? "seed" : "replications", v);
            a->sets[a->n_sets++] = a->owned[seed];
        } else if (strcmp(arg, "--policy") == 0) {
            if (a->n_only == MAX_PLUGINS) {
                fprintf(stderr, "edgesim run: too many --policy options\n");
                return -1;
            }
            a->only_policies[a->n_only++] = val;
        } else if (strcmp(arg, "--policy-plugin") == 0) {
            if (a->n_plugins == MAX_PLUGINS) {
                fprintf(stderr, "edgesim run: too many --policy-plugin options\n");
                return -1;
            }
            a->plugins[a->n_plugins++] = val;
        } else if (strcmp(arg, "--sweep-index") == 0) {
            if (parse_int_arg(arg, val, 0, 100000000L, &v) != 0)
                return -1;
            a->sweep_index = (int)v;
        } else if (strcmp(arg, "--points") == 0) {
            a->points = 1;
            continue;
        } else if (strcmp(arg, "--check") == 0) {
            a->check = 1;
            continue;
        } else if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
            a->quiet = 1;
            continue;
        } else if (arg[0] == '-') {
            fprintf(stderr, "edgesim run: unknown option %s (see edgesim run --help)\n", arg);
            return -1;
        } else if (!a->scenario) {
            a->scenario = arg;
            continue;
        } else {
            fprintf(stderr, "edgesim run: unexpected argument %s (one scenario per run)\n", arg);
            return -1;
        }
        i++;
    }
    if (!a->scenario) {
        fprintf(stderr, "edgesim run: missing SCENARIO.json (see edgesim run --help)\n");
        return -1;
    }
    return 0;
}

static void iso_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static policy_registry *registry_with_plugins(const char *const *plugins, int n)
{
    char err[512];
    policy_registry *reg = policy_registry_create();
    if (!reg) {
        fprintf(stderr, "edgesim: out of memory\n");
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        if (policy_registry_load_plugin(reg, plugins[i], err, sizeof err) != 0) {
            fprintf(stderr, "edgesim: %s\n", err);
            policy_registry_destroy(reg);
            return NULL;
        }
    }
    return reg;
}

/* Is policy object `p` selected by --policy (all are when none given)? */
static int selected(const run_args *a, const cJSON *p)
{
    if (a->n_only == 0)
        return 1;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
    for (int i = 0; i < a->n_only; i++)
        if (cJSON_IsString(name) && strcmp(name->valuestring, a->only_policies[i]) == 0)
            return 1;
    return 0;
}

/* Policies to run: the scenario's, filtered by --policy; a --policy naming
 * a policy absent from the scenario runs it with default parameters. */
static cJSON *policies_to_run(const run_args *a, const cJSON *from_scenario)
{
    cJSON *list = cJSON_CreateArray();
    if (!list)
        return NULL;
    for (const cJSON *p = from_scenario->child; p; p = p->next)
        if (selected(a, p))
            cJSON_AddItemToArray(list, cJSON_Duplicate(p, 1));
    for (int i = 0; i < a->n_only; i++) {
        int found = 0;
        for (const cJSON *p = list->child; p; p = p->next) {
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
            found |= cJSON_IsString(name) && strcmp(name->valuestring, a->only_policies[i]) == 0;
        }
        if (!found) {
            cJSON *p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "name", a->only_policies[i]);
            cJSON_AddItemToArray(list, p);
        }
    }
    return list;
}

/* The configured policies of one sweep point. */
typedef struct point_policies {
    cJSON *list;
    policy_instance *inst;
    int n;
} point_policies;

static void point_policies_free(point_policies *pp)
{
    for (int i = 0; pp->inst && i < pp->n; i++)
        policy_instance_destroy(&pp->inst[i]);
    free(pp->inst);
    cJSON_Delete(pp->list);
    pp->inst = NULL;
    pp->list = NULL;
    pp->n = 0;
}

/* Returns a cli_exit code; on failure pp holds nothing. */
static int point_policies_init(point_policies *pp, const run_args *a, const scenario_file *sf, int point,
                               const policy_registry *reg, char *err, size_t errlen)
{
    cJSON *of_point = scenario_point_policies(sf, point, err, errlen);
    if (!of_point)
        return EXIT_USAGE;
    pp->list = policies_to_run(a, of_point);
    cJSON_Delete(of_point);
    pp->n = pp->list ? cJSON_GetArraySize(pp->list) : 0;
    pp->inst = calloc((size_t)(pp->n ? pp->n : 1), sizeof *pp->inst);
    if (!pp->list || !pp->inst) {
        snprintf(err, errlen, "out of memory");
        point_policies_free(pp);
        return EXIT_INTERNAL;
    }
    for (int i = 0; i < pp->n; i++) {
        char path[1100];
        snprintf(path, sizeof path, "%s: policies[%d]", a->scenario, i);
        if (policy_instance_init(&pp->inst[i], reg, cJSON_GetArrayItem(pp->list, i), path, err, errlen) != 0) {
            pp->n = i; /* destroy only those made */
            point_policies_free(pp);
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

static int cmd_run(int argc, char **argv)
{
    if (want_help(argc, argv)) {
        printf("%s\n%s", run_help, exit_codes_help);
        return EXIT_OK;
    }
    run_args a;
    if (parse_run_args(argc, argv, &a) != 0)
        return EXIT_USAGE;

    char err[1024];
    int status = EXIT_OK;
    scenario_file sf;
    policy_registry *reg = NULL;
    point_policies pp = {NULL, NULL, 0};
    sink *out = NULL;

    if (scenario_file_load(&sf, a.scenario, a.sets, a.n_sets, err, sizeof err) != 0) {
        fprintf(stderr, "edgesim: %s\n", err);
        return EXIT_USAGE;
    }
    if (a.points) {
        printf("%d\n", sf.n_points);
        scenario_file_free(&sf);
        return EXIT_OK;
    }
    if (a.sweep_index >= sf.n_points) {
        fprintf(stderr, "edgesim: --sweep-index %d: the scenario has %d sweep points (0..%d)\n", a.sweep_index,
                sf.n_points, sf.n_points - 1);
        status = EXIT_USAGE;
        goto done;
    }
    reg = registry_with_plugins(a.plugins, a.n_plugins);
    if (!reg) {
        status = EXIT_USAGE;
        goto done;
    }
    int p_lo = a.sweep_index >= 0 ? a.sweep_index : 0;
    int p_hi = a.sweep_index >= 0 ? a.sweep_index + 1 : sf.n_points;
    /* Configure every policy of every point up front: a bad parameter fails
     * before any run. */
    for (int p = p_lo; p < p_hi; p++) {
        status = point_policies_init(&pp, &a, &sf, p, reg, err, sizeof err);
        point_policies_free(&pp);
        if (status != EXIT_OK) {
            fprintf(stderr, "edgesim: %s\n", err);
            goto done;
        }
    }
    if (a.check) {
        printf("%s: ok (%d sweep points)\n", a.scenario, sf.n_points);
        goto done;
    }

    out = sink_sqlite_open(a.output, err, sizeof err);
    if (!out) {
        fprintf(stderr, "edgesim: %s\n", err);
        status = EXIT_OUTPUT;
        goto done;
    }
    long long first_run_id = summary_max_run_id(a.output);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    scenario sc;
    int done_runs = 0;
    for (int p = p_lo; p < p_hi && status == EXIT_OK; p++) {
        cJSON *point = NULL;
        if (scenario_resolve(&sf, p, &sc, &point, err, sizeof err) != 0 ||
            (status = point_policies_init(&pp, &a, &sf, p, reg, err, sizeof err)) != EXIT_OK) {
            fprintf(stderr, "edgesim: %s\n", err);
            cJSON_Delete(point);
            status = status != EXIT_OK ? status : EXIT_USAGE;
            break;
        }
        int total = (p_hi - p_lo) * sc.replications * pp.n;
        char *point_text = cJSON_PrintUnformatted(point);
        cJSON_Delete(point);
        int first_rep = sc.replication;
        for (int rep = first_rep; rep < first_rep + sc.replications && status == EXIT_OK; rep++) {
            for (int i = 0; i < pp.n && status == EXIT_OK; i++) {
                cJSON *pj = policy_instance_to_json(&pp.inst[i]);
                sc.replication = rep;
                cJSON *resolved = scenario_to_json(&sc, pj);
                char *sc_text = cJSON_PrintUnformatted(resolved);
                char started[32], label[160];
                iso_now(started, sizeof started);
                snprintf(label, sizeof label, "run %d/%d %s rep %d point %d", ++done_runs, total,
                         pp.inst[i].type->name, rep, p);
                run_info info = {.scenario_name = sc.name,
                                 .scenario_json = sc_text ? sc_text : "{}",
                                 .sweep_point = point_text ? point_text : "{}",
                                 .sweep_index = p,
                                 .seed = scenario_seed(&sc),
                                 .replication = rep,
                                 .policy = pp.inst[i].type->name,
                                 .version = EDGESIM_VERSION,
                                 .started_at = started};
                run_options opt = {a.quiet, label, &interrupted, stderr};
                run_stats st;
                if (!sc_text || !point_text) {
                    snprintf(err, sizeof err, "out of memory");
                    status = EXIT_INTERNAL;
                } else {
                    status = run_one(&sc, &pp.inst[i], out, &info, &opt, &st, err, sizeof err);
                }
                if (status != EXIT_OK)
                    fprintf(stderr, "edgesim: %s: %s\n", label, err);
                free(sc_text);
                cJSON_Delete(resolved);
                cJSON_Delete(pj);
            }
        }
        free(point_text);
        point_policies_free(&pp);
    }
    sink_close(out);
    out = NULL;
    if (status == EXIT_OK && !a.quiet)
        status = summary_print(a.output, first_run_id, stdout);
done:
    point_policies_free(&pp);
    sink_close(out);
    policy_registry_destroy(reg);
    scenario_file_free(&sf);
    return status;
}

/* ---- small commands ---- */

static int cmd_policies(int argc, char **argv)
{
    if (want_help(argc, argv)) {
        printf("usage: edgesim policies [--policy-plugin FILE.so]...\n\n"
               "List the routing policies with their parameters, defaults and ranges.\n");
        return EXIT_OK;
    }
    const char *plugins[MAX_PLUGINS];
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--policy-plugin") == 0 && i + 1 < argc && n < MAX_PLUGINS) {
            plugins[n++] = argv[++i];
        } else {
            fprintf(stderr, "edgesim policies: unexpected argument %s\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    policy_registry *reg = registry_with_plugins(plugins, n);
    if (!reg)
        return EXIT_USAGE;
    policy_registry_print(reg, stdout);
    policy_registry_destroy(reg);
    return EXIT_OK;
}

static int cmd_profiles(int argc, char **argv)
{
    if (want_help(argc, argv) || argc > 1) {
        printf("usage: edgesim profiles\n\n"
               "List the latency-profile presets (models.small.preset, models.large.preset)\n"
               "with prefill and decode rates at batch 1 and 32 and their sources.\n");
        return argc > 1 && !want_help(argc, argv) ? EXIT_USAGE : EXIT_OK;
    }
    llm_presets_print(stdout);
    return EXIT_OK;
}

static int cmd_keys(int argc, char **argv)
{
    if (want_help(argc, argv) || argc > 1) {
        printf("usage: edgesim keys\n\nList every scenario key with its type, default, range and unit.\n");
        return argc > 1 && !want_help(argc, argv) ? EXIT_USAGE : EXIT_OK;
    }
    printf("Scenario keys (JSON; every key optional).  Also: policy {name, ...} or\n"
           "policies [{name, ...}, ...] (see `edgesim policies`), and sweep\n"
           "{\"key.path\": [values...]} (cartesian grid).\n\n");
    keys_print_help(scenario_keys, "", stdout);
    return EXIT_OK;
}

static int cmd_channel(int argc, char **argv)
{
    static const char help[] =
        "usage: edgesim channel SCENARIO.json [--set KEY=VALUE]... [--blocks N] [--threshold-db X]\n\n"
        "Sample the scenario's channel and print, per device, empirical against\n"
        "closed-form statistics: mean SNR, outage probability below the threshold\n"
        "(default 0 dB) and ergodic Shannon rate.  Use it to check a configuration\n"
        "before a sweep.\n";
    if (want_help(argc, argv)) {
        printf("%s", help);
        return EXIT_OK;
    }
    char *sets[MAX_SETS];
    int n_sets = 0;
    const char *path = NULL;
    long blocks = 100000;
    double threshold_db = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--set") == 0 && i + 1 < argc && n_sets < MAX_SETS) {
            sets[n_sets++] = argv[++i];
        } else if (strcmp(argv[i], "--blocks") == 0 && i + 1 < argc) {
            if (parse_int_arg("--blocks", argv[++i], 100, 100000000L, &blocks) != 0)
                return EXIT_USAGE;
        } else if (strcmp(argv[i], "--threshold-db") == 0 && i + 1 < argc) {
            char *end;
            threshold_db = strtod(argv[++i], &end);
            if (*end || !argv[i][0]) {
                fprintf(stderr, "edgesim channel: --threshold-db: expected a number, found \"%s\"\n", argv[i]);
                return EXIT_USAGE;
            }
        } else if (argv[i][0] != '-' && !path) {
            path = argv[i];
        } else {
            fprintf(stderr, "edgesim channel: unexpected argument %s (see --help)\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (!path) {
        fprintf(stderr, "%s", help);
        return EXIT_USAGE;
    }
    char err[1024];
    scenario_file sf;
    scenario sc;
    if (scenario_file_load(&sf, path, sets, n_sets, err, sizeof err) != 0 ||
        scenario_resolve(&sf, 0, &sc, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "edgesim: %s\n", err);
        return EXIT_USAGE;
    }
    scenario_file_free(&sf);
    int rc = channel_check_report(&sc.channel, &sc.devices, scenario_seed(&sc), (uint32_t)sc.replication, blocks,
                                  threshold_db, stdout,
                                  err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "edgesim: %s\n", err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int cmd_summary(int argc, char **argv)
{
    if (want_help(argc, argv) || argc != 2) {
        printf("usage: edgesim summary RESULTS.db\n\nPrint the run_summary view: one line per complete run.\n");
        return argc != 2 && !want_help(argc, argv) ? EXIT_USAGE : EXIT_OK;
    }
    return summary_print(argv[1], 0, stdout);
}

static int cmd_trace(int argc, char **argv)
{
    return trace_cli_main(argc, argv);
}

static int cmd_plot(int argc, char **argv)
{
    return analysis_plot_main(argc, argv);
}

static int cmd_help(int argc, char **argv);

static const command commands[] = {
    {"run", cmd_run, "run a scenario, append records to an SQLite database"},
    {"summary", cmd_summary, "print the per-run summary of a results database"},
    {"merge", merge_main, "append the runs of several results databases to one"},
    {"plot", cmd_plot, "draw the standard plots of a results database (gnuplot)"},
    {"trace", cmd_trace, "import, generate and inspect traces"},
    {"channel", cmd_channel, "check a channel configuration against closed forms"},
    {"policies", cmd_policies, "list routing policies and their parameters"},
    {"profiles", cmd_profiles, "list LLM latency-profile presets"},
    {"keys", cmd_keys, "list every scenario key with default and unit"},
    {"help", cmd_help, "help on a command: edgesim help COMMAND"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
    fprintf(out, "edgesim %s -- discrete-event simulator of wireless edge LLM inference\n\n"
                 "usage: edgesim COMMAND [ARGS]    (edgesim COMMAND --help for its options)\n\n"
                 "Commands:\n",
            EDGESIM_VERSION);
    for (const command *c = commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\nOptions: --help, --version\n\n%s", exit_codes_help);
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return EXIT_OK;
    }
    for (const command *c = commands; c->name; c++) {
        if (strcmp(c->name, argv[1]) == 0 && c->main != cmd_help) {
            char *sub[] = {argv[1], "--help", NULL};
            return c->main(2, sub);
        }
    }
    fprintf(stderr, "edgesim: no command \"%s\" (see edgesim --help)\n", argv[1]);
    return EXIT_USAGE;
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("edgesim %s (GSL %s, SQLite %s, cJSON %s)\n", EDGESIM_VERSION, GSL_VERSION, sqlite3_libversion(),
               cJSON_Version());
        return EXIT_OK;
    }
    for (const command *c = commands; c->name; c++)
        if (strcmp(c->name, argv[1]) == 0)
            return c->main(argc - 1, argv + 1);
    fprintf(stderr, "edgesim: unknown command \"%s\" (see edgesim --help)\n", argv[1]);
    return EXIT_USAGE;
}
