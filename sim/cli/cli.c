/* cli.c -- `edgesim COMMAND ...`: a table of commands, each with its help.
 *
 * Exit codes: sim/base/exit_codes.h. */
#include "sim/cli/cli.h"
#include "cli_int.h"

#include <signal.h>
#include <unistd.h>
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
#include "sim/base/version.h"

/* The process-wide state of signals: set by SIGINT/SIGTERM, read by the run
 * loop between slices of events; `polling` says whether the command reads
 * it at all (cli__catch_signals). */
volatile sig_atomic_t cli__interrupted;
static volatile sig_atomic_t polling;

/* Installed first thing in main, so that a signal in the first milliseconds
 * is handled too.  A command that does not poll the flag, and a second
 * signal (Ctrl-C twice), end the process at once: whatever it was writing is
 * in an SQLite transaction that the next opener rolls back. */
static void on_signal(int sig)
{
    (void)sig;
    if (cli__interrupted || !polling)
        _exit(EXIT_INTERRUPTED);
    cli__interrupted = 1;
}

void cli__handle_signal(int sig, void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void install_signals(void)
{
    cli__handle_signal(SIGINT, on_signal);
    cli__handle_signal(SIGTERM, on_signal);
    /* A file size limit (ulimit -f) makes write() fail with EFBIG, which
     * SQLite and the trace writers report, instead of killing the process. */
    signal(SIGXFSZ, SIG_IGN);
}

typedef struct command {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *summary;
} command;

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
    polling = 1;
}

void cli__signals_from_supervisor(void)
{
    cli__handle_signal(SIGUSR1, on_signal);
    cli__handle_signal(SIGINT, SIG_IGN);
    cli__handle_signal(SIGTERM, SIG_IGN);
}

/* ---- small commands ---- */

#define OPT_TABLE_END {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, 0}

/* Parse a command without options or positional arguments beyond `opts`;
 * returns -1 to go on, else the exit code. */
static int parse_simple(const opt_command *c, int argc, char **argv)
{
    int rc = opts_parse(c, argc, argv);
    if (rc == OPTS_HELP)
        return opts_check_output(stdout, c->name);
    return rc == OPTS_OK ? -1 : EXIT_USAGE;
}

static int cmd_policies(int argc, char **argv)
{
    const char *items[MAX_PLUGINS];
    opt_list plugins = {items, MAX_PLUGINS, 0};
    const opt_def opts[] = {
        {"--policy-plugin", 0, OPT_LIST, &plugins, 0, 0, "FILE.so", "load a routing policy plug-in (repeatable)", 0},
        OPT_TABLE_END,
    };
    const opt_command c = {"edgesim policies", "[options]",
                           "List the routing policies with their parameters, defaults and ranges.\n", opts, NULL, 0, 0,
                           NULL};
    int rc = parse_simple(&c, argc, argv);
    if (rc >= 0)
        return rc;
    policy_registry *reg = cli__registry_with_plugins(plugins.items, plugins.n);
    if (!reg)
        return EXIT_USAGE;
    policy_registry_print(reg, stdout);
    policy_registry_destroy(reg);
    return opts_check_output(stdout, c.name);
}

static int cmd_profiles(int argc, char **argv)
{
    const opt_def opts[] = {OPT_TABLE_END};
    const opt_command c = {"edgesim profiles", "",
                           "List the latency-profile presets (models.small.preset, models.large.preset)\n"
                           "with prefill and decode rates at batch 1 and 32 and their sources.\n",
                           opts, NULL, 0, 0, NULL};
    int rc = parse_simple(&c, argc, argv);
    if (rc >= 0)
        return rc;
    llm_presets_print(stdout);
    return opts_check_output(stdout, c.name);
}

static int cmd_keys(int argc, char **argv)
{
    const opt_def opts[] = {OPT_TABLE_END};
    const opt_command c = {"edgesim keys", "", "List every scenario key with its type, default, range and unit.\n", opts,
                           NULL, 0, 0, NULL};
    int rc = parse_simple(&c, argc, argv);
    if (rc >= 0)
        return rc;
    printf("Scenario keys (JSON; every key optional).  Also: policy {name, ...} or\n"
           "policies [{name, ...}, ...] (see `edgesim policies`), and sweep\n"
           "{\"key.path\": [values...]} (cartesian grid).\n\n");
    keys_print_help(scenario_keys, "", stdout);
    return opts_check_output(stdout, c.name);
}

static int cmd_models(int argc, char **argv)
{
    const char *name = NULL;
    char help[256];
    size_t o = (size_t)snprintf(help, sizeof help, "Print a channel model registry as the Markdown table of docs/CHANNEL.md.\n"
                                                   "REGISTRY:");
    for (int i = 0; channel_registry_name(i) && o < sizeof help; i++)
        o += (size_t)snprintf(help + o, sizeof help - o, "%s%s", i ? " | " : " ", channel_registry_name(i));
    if (o < sizeof help)
        snprintf(help + o, sizeof help - o, "\n");
    const opt_def opts[] = {OPT_TABLE_END};
    const opt_command c = {"edgesim models", "REGISTRY", help, opts, &name, 1, 1, NULL};
    int rc = parse_simple(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (channel_registry_print(name, stdout) != 0) {
        fprintf(stderr, "edgesim models: unknown registry '%s'; expected", name);
        for (int i = 0; channel_registry_name(i); i++)
            fprintf(stderr, "%s%s", i ? " | " : " ", channel_registry_name(i));
        fputc('\n', stderr);
        return EXIT_USAGE;
    }
    return opts_check_output(stdout, c.name);
}

static int cmd_channel(int argc, char **argv)
{
    cli_sets sets;
    cli__sets_init(&sets);
    const char *path = NULL;
    long blocks = 100000;
    double threshold_db = 0;
    const opt_def opts[] = {
        cli__opt_set(&sets),
        cli__opt_seed(&sets),
        {"--blocks", 0, OPT_INT, &blocks, 100, 100000000, "N", "fading blocks sampled per device (default 100000)", 0},
        {"--threshold-db", 0, OPT_NUM, &threshold_db, -1000, 1000, "X", "outage threshold in dB (default 0)", 0},
        OPT_TABLE_END,
    };
    const opt_command c = {"edgesim channel", "SCENARIO.json [options]",
                           "Sample the scenario's channel and print, per device, empirical against\n"
                           "closed-form statistics: mean SNR, outage probability below the threshold\n"
                           "and ergodic Shannon rate.  Use it to check a configuration before a sweep.\n",
                           opts, &path, 1, 1, NULL};
    int rc = parse_simple(&c, argc, argv);
    if (rc >= 0)
        return rc;
    int n_sets;
    char *const *set_list = cli__sets_finish(&sets, &n_sets);
    char err[1024];
    scenario_file sf;
    scenario sc;
    if (scenario_file_load(&sf, path, set_list, n_sets, err, sizeof err) != 0) {
        fprintf(stderr, "edgesim: %s\n", err);
        return EXIT_USAGE;
    }
    if (scenario_resolve(&sf, 0, &sc, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "edgesim: %s\n", err);
        scenario_file_free(&sf);
        return EXIT_USAGE;
    }
    scenario_file_free(&sf);
    rc = channel_check_report(&sc.channel, &sc.devices, scenario_seed(&sc), (uint32_t)sc.replication, blocks,
                              threshold_db, stdout, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "edgesim: %s\n", err);
        return EXIT_USAGE;
    }
    return opts_check_output(stdout, c.name);
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
    {"report", analysis_report_main, "one self-contained HTML report: tables with CIs, metrics, figures"},
    {"slurm", cli__slurm, "write (and submit) a SLURM job array and its merge job"},
    {"merge", merge_main, "append the runs of several results databases to one"},
    {"clean", clean_main, "remove runs left unfinished (running) and their records"},
    {"plot", cmd_plot, "draw the standard plots of a results database (gnuplot)"},
    {"trace", cmd_trace, "import, generate and inspect traces"},
    {"channel", cmd_channel, "check a channel configuration against closed forms"},
    {"policies", cmd_policies, "list routing policies and their parameters"},
    {"profiles", cmd_profiles, "list LLM latency-profile presets"},
    {"models", cmd_models, "print a channel model registry (path loss, rate, fading, mobility)"},
    {"keys", cmd_keys, "list every scenario key with default and unit"},
    {"help", cmd_help, "help on a command: edgesim help COMMAND"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
    fprintf(out, "edgesim %s -- discrete-event simulator of wireless edge LLM inference\n\n"
                 "usage: edgesim COMMAND [ARGS]    (edgesim COMMAND --help for its options)\n\n"
                 "Commands:\n",
            edgesim_version());
    for (const command *c = commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\nOptions: --help, --version\n\n");
    exit_codes_print(out);
}

static int cmd_help(int argc, char **argv)
{
    const char *name = NULL;
    const opt_def opts[] = {OPT_TABLE_END};
    const opt_command c = {"edgesim help", "[COMMAND]",
                           "The commands, or the help of one: `edgesim help run` is `edgesim run --help`.\n", opts,
                           &name, 0, 1, NULL};
    int rc = parse_simple(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (!name) {
        usage(stdout);
        return opts_check_output(stdout, "edgesim help");
    }
    for (const command *cmd = commands; cmd->name; cmd++) {
        if (strcmp(cmd->name, name) == 0) {
            char *sub[] = {(char *)name, "--help", NULL};
            return cmd->main(2, sub);
        }
    }
    fprintf(stderr, "edgesim: no command \"%s\" (see edgesim --help)\n", name);
    return EXIT_USAGE;
}

int cli_main(int argc, char **argv)
{
    install_signals();
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return opts_check_output(stdout, "edgesim --help");
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("edgesim %s (GSL %s, SQLite %s, cJSON %s)\n", edgesim_version(), GSL_VERSION, sqlite3_libversion(),
               cJSON_Version());
        return opts_check_output(stdout, "edgesim --version");
    }
    for (const command *c = commands; c->name; c++)
        if (strcmp(c->name, argv[1]) == 0)
            return c->main(argc - 1, argv + 1);
    fprintf(stderr, "edgesim: unknown command \"%s\" (see edgesim --help)\n", argv[1]);
    return EXIT_USAGE;
}
