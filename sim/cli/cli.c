/* cli.c -- `edgesim COMMAND ...`: a table of commands, each with its help.
 *
 * Exit codes: sim/base/exit_codes.h. */
#include "sim/cli/cli.h"
#include "cli_int.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_version.h>
#include <sqlite3.h>

#include "models/channel/channel.h"
#include "models/llm/llm.h"
#include "models/policies/policies.h"
#include "sim/run/run.h"
#include "sim/run/scenario.h"
#include "traces/trace.h"
#include "traces/trace_cli.h"
#include "analysis/analysis.h"
#include "analysis/plot.h"

/* The one piece of process-wide state: set by SIGINT/SIGTERM, read by the
 * run loop between slices of events. */
volatile sig_atomic_t cli__interrupted;

static void on_signal(int sig)
{
    cli__interrupted = 1;
}

typedef struct command {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *summary;
} command;

int cli__want_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}

int cli__parse_int_arg(const char *flag, const char *text, long lo, long hi, long *out)
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

policy_registry *cli__registry_with_plugins(const char *const *plugins, int n)
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

void cli__catch_signals(void)
{
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
}

/* ---- small commands ---- */

static int cmd_policies(int argc, char **argv)
{
    if (cli__want_help(argc, argv)) {
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
    policy_registry *reg = cli__registry_with_plugins(plugins, n);
    if (!reg)
        return EXIT_USAGE;
    policy_registry_print(reg, stdout);
    policy_registry_destroy(reg);
    return EXIT_OK;
}

static int cmd_profiles(int argc, char **argv)
{
    if (cli__want_help(argc, argv) || argc > 1) {
        printf("usage: edgesim profiles\n\n"
               "List the latency-profile presets (models.small.preset, models.large.preset)\n"
               "with prefill and decode rates at batch 1 and 32 and their sources.\n");
        return argc > 1 && !cli__want_help(argc, argv) ? EXIT_USAGE : EXIT_OK;
    }
    llm_presets_print(stdout);
    return EXIT_OK;
}

static int cmd_keys(int argc, char **argv)
{
    if (cli__want_help(argc, argv) || argc > 1) {
        printf("usage: edgesim keys\n\nList every scenario key with its type, default, range and unit.\n");
        return argc > 1 && !cli__want_help(argc, argv) ? EXIT_USAGE : EXIT_OK;
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
    if (cli__want_help(argc, argv)) {
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
            if (cli__parse_int_arg("--blocks", argv[++i], 100, 100000000L, &blocks) != 0)
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
    {"run", cli__run, "run a scenario, append records to an SQLite database"},
    {"summary", analysis_summary_main, "per group and policy: every metric with a confidence interval"},
    {"compare", analysis_compare_main, "paired differences of every policy against a baseline"},
    {"metrics", analysis_metrics_main, "RouteLLM PGR/CPT/APGR with latency, frontiers, equal-quality comparisons"},
    {"slurm", cli__slurm, "write (and submit) a SLURM job array and its merge job"},
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
    fprintf(out, "\nOptions: --help, --version\n\n");
    exit_codes_print(out);
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
