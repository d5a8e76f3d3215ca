/* trace_cli.c -- `edgesim trace import|gen|stats|check`.
 *
 * Exit codes: sim/base/exit_codes.h.  Every subcommand takes --help.  Options are
 * described by tables (name, type, target, help) and parsed by one loop. */
#include "trace_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/exit_codes.h"
#include "sim/base/opts.h"
#include "sim/base/progress.h"


#define OPTS_END {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, 0}

/* Parse with the one option parser (opts.h); -1 to go on, else the exit code. */
static int parse(const opt_command *c, int argc, char **argv)
{
    int rc = opts_parse(c, argc, argv);
    if (rc == OPTS_HELP)
        return opts_check_output(stdout, c->name);
    return rc == OPTS_OK ? -1 : EXIT_USAGE;
}

/* Copy an option's text into a fixed buffer; -1 with a message if too long. */
static int copy_opt(const char *cmd, const char *name, const char *v, char *buf, size_t cap)
{
    if (strlen(v) >= cap) {
        fprintf(stderr, "%s: %s: expected at most %zu characters, found \"%s\"\n", cmd, name, cap - 1, v);
        return -1;
    }
    memcpy(buf, v, strlen(v) + 1);
    return 0;
}

/* Rows generated between two looks at the clock for the progress line
 * (an imported row costs far more than a look). */
#define PROGRESS_ROWS 4096

/* The import's line: rows of a total estimated from the part of the input
 * read (rows / fraction); rows and rate only when that part is unknown. */
static void import_progress(void *ctx, int64_t rows, double fraction)
{
    progress *p = ctx;
    if (progress_due(p))
        progress_show(p, "edgesim trace import:", (double)rows, fraction > 0 ? rows / fraction : 0, "rows");
}

/* Give up the output after a failure (no partial file is left): a write
 * error (sticky) means exit 4, anything else bad input, exit 3. */
static int fail_code(trace_writer *w, trace_error *err)
{
    trace_error werr;
    if (trace_writer_abort(w, &werr) != 0) {
        snprintf(err->msg, sizeof err->msg, "%s", werr.msg);
        return EXIT_OUTPUT;
    }
    return EXIT_INPUT;
}

/* `--output` help from the format registry. */
static const char *output_help(char *buf, size_t cap)
{
    char list[128];
    trace_format_extensions(list, sizeof list);
    snprintf(buf, cap, "output trace (%s; default - = %s on stdout)", list + 2, trace_formats[0]->name);
    return buf;
}

static int cmd_import(int argc, char **argv)
{
    trace_import_options opt;
    const trace_import_kind *kind;
    trace_writer *w;
    trace_error err;
    const char *out = "-", *weak = "mixtral", *out_from = "small", *tokens = "";
    char out_help[256];
    double tpw = 1.3, cpt = 0;
    long seed = 1, answer_tokens = 1;
    int skip = 0, quiet = 0, npos, rc, i;
    int64_t rows = 0;
    const char *pos[6];
    double auc = 0.75;
    const opt_def opts[] = {
        {"--output", 'o', OPT_OUTPUT, &out, 0, 0, "FILE", output_help(out_help, sizeof out_help),
         OPT_STDOUT},
        {"--out", 0, OPT_OUTPUT, &out, 0, 0, "FILE", "the same as --output (deprecated)", OPT_STDOUT},
        {"--tokens", 0, OPT_STR, &tokens, 0, 0, "words|chars",
         "token estimator: words (words * tokens-per-word, default)\n| chars (characters / chars-per-token);"
         " chars needs a text\ninput (gsm8k-raw, mmlu-raw, mtbench101)", 0},
        {"--tokens-per-word", 0, OPT_NUM, &tpw, 0, 1e6, "X", "words estimator: tokens per word (default 1.3)", 0},
        {"--chars-per-token", 0, OPT_NUM, &cpt, 0, 1e6, "X",
         "chars estimator: characters per token (default 4;\nalone, selects chars)", 0},
        {"--auc", 0, OPT_NUM, &auc, 0, 1, "X", "target ROC AUC of the synthetic p_large (default 0.75)", 0},
        {"--seed", 0, OPT_INT, &seed, 0, 2000000000, "N",
         "seed of the p_large (and mtbench101 quality) streams (default 1)", 0},
        {"--weak", 0, OPT_STR, &weak, 0, 0, "MODEL", "mmlu: small model mixtral | llama2, or three: small Llama-2-7B, large Mixtral-8x7B, column gpt4 GPT-4 (default mixtral)", 0},
        {"--out-from", 0, OPT_STR, &out_from, 0, 0, "SRC",
         "gsm8k, mtbench: out_tokens from the small | large model's\nresponse or the reference (gsm8k)", 0},
        {"--mmlu-answer-tokens", 0, OPT_INT, &answer_tokens, 0, 2000000000, "N",
         "mmlu: out_tokens of an answer (default 1, RouteLLM)", 0},
        {"--skip-contaminated", 0, OPT_FLAG, &skip, 0, 0, NULL, "drop items RouteLLM marks as contaminated", 0},
        {"--quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "no row count on stderr", 0},
        OPTS_END,
    };
    char about[1024];
    size_t o = (size_t)snprintf(about, sizeof about, "Kinds:");
    for (i = 0; trace_import_kinds[i] && o < sizeof about; i++)
        o += (size_t)snprintf(about + o, sizeof about - o, "\n  %-11s INPUT = %s (in a benchmark data folder, docs/TRACES.md)",
                              trace_import_kinds[i]->name, trace_import_kinds[i]->usage);
    if (o < sizeof about - 1)
        strcat(about, "\n");
    const opt_command c = {"edgesim trace import", "KIND INPUT... [options]", about, opts, pos, 0, 6, &npos};
    rc = parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (npos < 1 || !(kind = trace_import_find(pos[0]))) {
        fprintf(stderr, "edgesim trace import: expected a kind (");
        for (i = 0; trace_import_kinds[i]; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", trace_import_kinds[i]->name);
        fprintf(stderr, "), found '%s'\n", npos ? pos[0] : "");
        return EXIT_USAGE;
    }
    if (*tokens && strcmp(tokens, "words") != 0 && strcmp(tokens, "chars") != 0) {
        fprintf(stderr, "edgesim trace import: --tokens: expected words or chars, found '%s'\n", tokens);
        return EXIT_USAGE;
    }
    if (strcmp(tokens, "words") == 0 && cpt > 0) {
        fprintf(stderr, "edgesim trace import: --tokens words contradicts --chars-per-token\n");
        return EXIT_USAGE;
    }
    if (strcmp(tokens, "chars") == 0 && cpt <= 0)
        cpt = 4.0; /* OpenAI rule of thumb: 1 token ~ 4 characters of English */
    if (npos != 1 + kind->n_inputs) {
        fprintf(stderr, "edgesim trace import %s: expected %d input path(s): %s\n", kind->name, kind->n_inputs, kind->usage);
        return EXIT_USAGE;
    }
    trace_import_defaults(&opt);
    for (i = 0; i < kind->n_inputs; i++)
        opt.inputs[i] = pos[1 + i];
    opt.tokens_per_word = cpt > 0 ? 0 : tpw;
    opt.chars_per_token = cpt > 0 ? cpt : 4.0;
    opt.auc = auc;
    opt.seed = (uint64_t)seed;
    if (copy_opt(c.name, "--weak", weak, opt.weak, sizeof opt.weak) != 0 ||
        copy_opt(c.name, "--out-from", out_from, opt.out_from, sizeof opt.out_from) != 0)
        return EXIT_USAGE;
    opt.mmlu_answer_tokens = (int)answer_tokens;
    opt.skip_contaminated = skip;
    progress line;
    progress_init(&line, quiet ? NULL : stderr);
    opt.on_row = import_progress;
    opt.row_ctx = &line;
    if (!(opt.tokens_per_word > 0) && cpt <= 0) {
        fprintf(stderr, "edgesim trace import: --tokens-per-word: expected a number > 0\n");
        return EXIT_USAGE;
    }
    const char *const *models;
    int n_models = trace_import_model_columns(kind, &opt, &models);
    w = trace_writer_create_models(out, TRACE_COLS_REQUIRED, models, n_models, &err);
    if (!w) {
        fprintf(stderr, "edgesim trace import: %s\n", err.msg);
        return EXIT_OUTPUT;
    }
    rc = kind->run(&opt, w, &rows, &err);
    progress_end(&line);
    if (rc != 0) {
        rc = fail_code(w, &err);
        fprintf(stderr, "edgesim trace import %s: %s\n", kind->name, err.msg);
        return rc;
    }
    if (trace_writer_close(w, &err) != 0) {
        fprintf(stderr, "edgesim trace import: %s\n", err.msg);
        return EXIT_OUTPUT;
    }
    if (!quiet)
        fprintf(stderr, "edgesim trace import %s: %lld rows (tokens: %s)\n", kind->name, (long long)rows,
                opt.tokens_per_word > 0 ? "words" : "chars");
    return EXIT_OK;
}

static int cmd_gen(int argc, char **argv)
{
    trace_config cfg;
    trace_gen *g;
    trace_arrival *arr = NULL;
    trace_writer *w;
    trace_error err;
    trace_row row;
    const char *out = "-", *arrival = "", *benchmark = NULL, *models = NULL;
    char out_help[256];
    long seed = 1, queries = -1, dialogues = -1, answer_tokens = -1;
    int npos, rc, dev, quiet = 0;
    unsigned cols = TRACE_COLS_REQUIRED;
    keys_defaults(trace_keys, &cfg);
    const opt_def opts[] = {
        {"--benchmark", 0, OPT_STR, &benchmark, 0, 0, "NAME", "mmlu | gsm8k | mtbench101 | mix (default mmlu)", 0},
        {"--queries", 0, OPT_INT, &queries, 0, 2000000000, "N", "single queries (default 1000)", 0},
        {"--dialogues", 0, OPT_INT, &dialogues, 0, 2000000000, "N", "MT-Bench-101-shaped dialogues (default 0)", 0},
        {"--auc", 0, OPT_NUM, &cfg.generate.auc, 0, 1, "X", "target ROC AUC of p_large (default 0.75)", 0},
        {"--out-pred-error", 0, OPT_NUM, &cfg.generate.out_pred_error, 0, 1e6, "X",
         "sd of ln(predicted / true output length); 0: no\nout_tokens_pred column (default 0)", 0},
        {"--mmlu-answer-tokens", 0, OPT_INT, &answer_tokens, 0, 2000000000, "N",
         "out_tokens of an MMLU answer (default 1)", 0},
        {"--tokens-per-word", 0, OPT_NUM, &cfg.tokens_per_word, 0, 1e6, "X", "token estimate (default 1.3)", 0},
        {"--seed", 0, OPT_INT, &seed, 0, 2000000000, "N", "seed of the generator streams (default 1)", 0},
        {"--models", 0, OPT_STR, &models, 0, 0, "A,B,...",
         "models, weakest first (default small,large); more than\ntwo: the benchmark's measured joint correctness\n"
         "(mmlu: 3); columns q_NAME, p_NAME but for small, large", 0},
        {"--arrival", 0, OPT_STR, &arrival, 0, 0, "PROCESS", "write t_arr_s: poisson | mmpp | diurnal (default: none)", 0},
        {"--rate", 0, OPT_NUM, &cfg.arrival.rate_per_s, 0, 1e12, "X", "arrival rate, 1/s (default 1)", 0},
        {"--output", 'o', OPT_OUTPUT, &out, 0, 0, "FILE", output_help(out_help, sizeof out_help),
         OPT_STDOUT},
        {"--out", 0, OPT_OUTPUT, &out, 0, 0, "FILE", "the same as --output (deprecated)", OPT_STDOUT},
        {"--quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "no progress on stderr", 0},
        OPTS_END,
    };
    const char *pos[1];
    const opt_command c = {"edgesim trace gen", "[options]",
                           "Synthetic trace calibrated from data/SOURCES.md (docs/TRACES.md \"Generators\").\n", opts,
                           pos, 0, 0, &npos};
    rc = parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (benchmark &&
        copy_opt(c.name, "--benchmark", benchmark, cfg.generate.benchmark, sizeof cfg.generate.benchmark) != 0)
        return EXIT_USAGE;
    if (models && copy_opt(c.name, "--models", models, cfg.generate.models, sizeof cfg.generate.models) != 0)
        return EXIT_USAGE;
    if (queries >= 0)
        cfg.generate.queries = (int)queries;
    if (dialogues >= 0)
        cfg.generate.dialogues = (int)dialogues;
    if (answer_tokens >= 0)
        cfg.generate.mmlu_answer_tokens = (int)answer_tokens;
    if (cfg.generate.out_pred_error > 0)
        cols |= 1u << TRACE_COL_OUT_PRED;
    g = trace_gen_create(&cfg, (uint64_t)seed, 0, &err);
    if (!g) {
        fprintf(stderr, "edgesim trace gen: %s\n", err.msg);
        return EXIT_USAGE;
    }
    if (*arrival) {
        if (copy_opt(c.name, "--arrival", arrival, cfg.arrival.process, sizeof cfg.arrival.process) != 0) {
            trace_gen_destroy(g);
            return EXIT_USAGE;
        }
        arr = trace_arrival_create(&cfg, 1, (uint64_t)seed, 0, &err);
        if (!arr) {
            trace_gen_destroy(g);
            fprintf(stderr, "edgesim trace gen: %s\n", err.msg);
            return EXIT_USAGE;
        }
        cols |= 1u << TRACE_COL_T_ARR;
    }
    const char *const *model_cols;
    int n_model_cols = trace_gen_model_columns(g, &model_cols);
    w = trace_writer_create_models(out, cols, model_cols, n_model_cols, &err);
    if (!w) {
        trace_gen_destroy(g);
        trace_arrival_destroy(arr);
        fprintf(stderr, "edgesim trace gen: %s\n", err.msg);
        return EXIT_OUTPUT;
    }
    rc = EXIT_OK;
    /* Progress in rows of the expected total (exact without dialogues). */
    progress line;
    progress_init(&line, quiet ? NULL : stderr);
    double expected = trace_gen_expected_rows(&cfg);
    int64_t written = 0;
    while ((rc = trace_gen_next(g, &row, &err)) == 1) {
        if (arr && row.turn <= 1)
            row.t_arr_s = trace_arrival_next(arr, &dev);
        if (trace_writer_put(w, &row, &err) != 0) {
            rc = EXIT_OUTPUT;
            break;
        }
        if (++written % PROGRESS_ROWS == 0 && progress_due(&line))
            progress_show(&line, "edgesim trace gen:", (double)written, expected, "rows");
    }
    progress_end(&line);
    if (rc < 0) /* the generator failed: a usage-level configuration error */
        rc = EXIT_USAGE;
    trace_gen_destroy(g);
    trace_arrival_destroy(arr);
    if (rc) {
        trace_writer_abort(w, NULL);
        fprintf(stderr, "edgesim trace gen: %s\n", err.msg);
        return rc;
    }
    if (trace_writer_close(w, &err) != 0) {
        fprintf(stderr, "edgesim trace gen: %s\n", err.msg);
        return EXIT_OUTPUT;
    }
    return EXIT_OK;
}

/* Read a whole trace (checking it); with `st`, summarise it, and with
 * `models`, copy its model columns' names there (`*n_models` of them). */
static int read_all(const char *cmd, const char *path, trace_stats *st, char (*models)[TRACE_MODEL_NAME_CAP],
                    int *n_models)
{
    trace_error err;
    trace_row row;
    trace_reader *r = trace_open(path, &err);
    int rc;
    if (!r) {
        fprintf(stderr, "edgesim trace %s: %s\n", cmd, err.msg);
        return EXIT_INPUT;
    }
    for (const char *name; models && (name = trace_model_name(r, *n_models)) != NULL; (*n_models)++)
        snprintf(models[*n_models], TRACE_MODEL_NAME_CAP, "%s", name);
    while ((rc = trace_next(r, &row, &err)) == 1)
        if (st && trace_stats_add(st, &row) != 0) {
            snprintf(err.msg, sizeof err.msg, "out of memory");
            rc = -1;
            break;
        }
    trace_close(r);
    if (rc < 0) {
        fprintf(stderr, "edgesim trace %s: %s\n", cmd, err.msg);
        return EXIT_INPUT;
    }
    return EXIT_OK;
}

static int cmd_stats(int argc, char **argv)
{
    const char *pos[1];
    int npos, rc;
    trace_stats *st;
    trace_summary s;
    const opt_def opts[] = {OPTS_END};
    const opt_command c = {"edgesim trace stats", "FILE",
                           "Rows, dialogues, length quantiles, mean quality of each model (acc_small,\n"
                           "acc_large, acc_NAME of each model column q_NAME), the 2x2 split\n"
                           "(right := q >= 0.5) and the ROC AUC of p_large for 'large needed' (q_large > q_small).\n",
                           opts, pos, 1, 1, &npos};
    rc = parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    st = trace_stats_create();
    if (!st) {
        fprintf(stderr, "edgesim trace stats: out of memory\n");
        return EXIT_INTERNAL;
    }
    char models[TRACE_MAX_MODEL_COLS][TRACE_MODEL_NAME_CAP];
    int n_models = 0;
    rc = read_all("stats", pos[0], st, models, &n_models);
    if (rc == EXIT_OK) {
        trace_stats_summary(st, &s);
        printf("rows %lld\nsingle_queries %lld\ndialogues %lld\ndialogue_turns %lld\n", (long long)s.rows,
               (long long)s.queries, (long long)s.dialogues, (long long)s.turns);
        printf("in_tokens mean %.1f p10 %g p50 %g p90 %g p99 %g max %g\n", s.in_mean, s.in_q[0], s.in_q[1], s.in_q[2],
               s.in_q[3], s.in_q[4]);
        printf("out_tokens mean %.1f p10 %g p50 %g p90 %g p99 %g max %g\n", s.out_mean, s.out_q[0], s.out_q[1],
               s.out_q[2], s.out_q[3], s.out_q[4]);
        printf("acc_small %.4f\nacc_large %.4f\n", s.acc_small, s.acc_large);
        for (int m = 0; m < n_models; m++)
            printf("acc_%s %.4f\n", models[m], s.acc_model[m]);
        printf("both %.4f\nonly_small %.4f\nonly_large %.4f\nneither %.4f\n", s.both, s.only_small, s.only_large,
               s.neither);
        printf("auc_p_large %.4f\n", s.auc);
        rc = opts_check_output(stdout, c.name);
    }
    trace_stats_destroy(st);
    return rc;
}

static int cmd_check(int argc, char **argv)
{
    const char *pos[1];
    int npos, rc;
    const opt_def opts[] = {OPTS_END};
    const opt_command c = {"edgesim trace check", "FILE",
                           "Read the whole trace strictly; exit 0 if it is valid, 3 if not.\n", opts, pos, 1, 1, &npos};
    rc = parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    return read_all("check", pos[0], NULL, NULL, NULL);
}

/* `edgesim trace columns`: the format's table (docs/TRACES.md), from TRACE_COLUMNS. */
static const char *kind_text(trace_kind k)
{
    return k == TRACE_KIND_STR ? "string" : k == TRACE_KIND_NUM ? "number" : "integer";
}

static int cmd_columns(int argc, char **argv)
{
    const char *pos[1];
    int npos, rc;
    const opt_def opts[] = {OPTS_END};
    const opt_command c = {"edgesim trace columns", "",
                           "The trace columns as a Markdown table (the one in docs/TRACES.md):\n"
                           "name, type, required, default when empty or absent, constraint.\n",
                           opts, pos, 0, 0, &npos};
    rc = parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    printf("| column | type | required | default | constraint |\n|---|---|---|---|---|\n");
#define COLUMN_ROW(id, name, kind, field, lo, hi, required, dflt, unit, ddoc, cdoc, expected)                    \
    printf("| `%s` | %s%s%s | %s | %s | %s |\n", name, kind_text(kind), *unit ? ", " : "", unit, (required) ? "yes" : "no", \
           ddoc, cdoc);
    TRACE_COLUMNS(COLUMN_ROW)
#undef COLUMN_ROW
    return opts_check_output(stdout, c.name);
}

/* `edgesim trace formats`: the format registry as a table (docs/TRACES.md). */
static int cmd_formats(int argc, char **argv)
{
    const char *pos[1];
    int npos, rc;
    const opt_def opts[] = {OPTS_END};
    const opt_command c = {"edgesim trace formats", "",
                           "The trace formats as a Markdown table (the one in docs/TRACES.md):\n"
                           "name, the file extensions that select it, what it is.\n",
                           opts, pos, 0, 0, &npos};
    rc = parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    printf("| format | extensions | layout |\n|---|---|---|\n");
    for (const trace_format *const *f = trace_formats; *f; f++) {
        printf("| `%s` |", (*f)->name);
        for (const char *const *e = (*f)->extensions; *e; e++)
            printf("%s`%s`", e == (*f)->extensions ? " " : ", ", *e);
        printf(" | %s%s |\n", (*f)->summary, f == trace_formats ? " (also standard output, `-`)" : "");
    }
    return opts_check_output(stdout, c.name);
}

typedef struct trace_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} trace_command;

static const trace_command commands[] = {
    {"import", cmd_import, "turn public benchmark files (GSM8K, MMLU, MT-Bench, MT-Bench-101) into a trace"},
    {"gen", cmd_gen, "generate a synthetic trace calibrated from real benchmarks"},
    {"stats", cmd_stats, "summarise a trace"},
    {"check", cmd_check, "validate a trace"},
    {"columns", cmd_columns, "print the trace columns (the format's table)"},
    {"formats", cmd_formats, "print the trace file formats (the format registry)"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
    const trace_command *c;
    fprintf(out, "usage: edgesim trace COMMAND [options]   (COMMAND --help for its options)\n");
    for (c = commands; c->name; c++)
        fprintf(out, "  %-8s %s\n", c->name, c->help);
    exit_codes_print(out);
}

int trace_cli_main(int argc, char **argv)
{
    const trace_command *c;
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return opts_check_output(stdout, "edgesim trace --help");
    }
    for (c = commands; c->name; c++)
        if (strcmp(c->name, argv[1]) == 0)
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "edgesim trace: unknown command '%s'; expected", argv[1]);
    for (c = commands; c->name; c++)
        fprintf(stderr, "%s%s", c == commands ? " " : c[1].name ? ", " : " or ", c->name);
    fputc('\n', stderr);
    return EXIT_USAGE;
}
