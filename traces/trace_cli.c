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


typedef enum { OPT_STR, OPT_INT, OPT_NUM, OPT_FLAG } opt_type;

typedef struct cli_opt {
    const char *name;         /* "--seed" */
    opt_type type;
    void *target;             /* char[cap], int, double or int flag */
    size_t cap;
    const char *help;
} cli_opt;

static void print_opts(const cli_opt *o, FILE *out)
{
    for (; o->name; o++)
        fprintf(out, "  %-22s %s\n", o->name, o->help);
}

/* Parse options from argv[*i] on; positional arguments go to pos[].
 * Returns 0, 1 (--help printed), or -1 (message printed). */
static int parse_opts(int argc, char **argv, const cli_opt *opts, const char **pos, int maxpos, int *npos,
                      const char *usage)
{
    int i;
    *npos = 0;
    for (i = 1; i < argc; i++) {
        const cli_opt *o;
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("%s\n", usage);
            print_opts(opts, stdout);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0 || strcmp(a, "-") == 0) {
            if (*npos >= maxpos) {
                fprintf(stderr, "edgesim trace %s: expected at most %d arguments, found '%s'\n", argv[0], maxpos, a);
                return -1;
            }
            pos[(*npos)++] = a;
            continue;
        }
        for (o = opts; o->name && strcmp(o->name, a) != 0; o++)
            ;
        if (!o->name) {
            fprintf(stderr, "edgesim trace %s: unknown option '%s' (see --help)\n", argv[0], a);
            return -1;
        }
        if (o->type == OPT_FLAG) {
            *(int *)o->target = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "edgesim trace %s: %s: expected a value, found the end of the command line\n", argv[0], a);
            return -1;
        }
        {
            const char *v = argv[++i];
            char *end;
            errno = 0;
            if (o->type == OPT_STR) {
                if (strlen(v) >= o->cap) {
                    fprintf(stderr, "edgesim trace %s: %s: expected at most %zu characters\n", argv[0], a, o->cap - 1);
                    return -1;
                }
                memcpy(o->target, v, strlen(v) + 1);
            } else if (o->type == OPT_INT) {
                long x = strtol(v, &end, 10);
                if (*v == 0 || *end || errno == ERANGE || x < 0 || x > 2000000000L) {
                    fprintf(stderr, "edgesim trace %s: %s: expected an integer in [0, 2e9], found '%s'\n", argv[0], a, v);
                    return -1;
                }
                *(int *)o->target = (int)x;
            } else {
                double x = strtod(v, &end);
                if (*v == 0 || *end || errno == ERANGE || !isfinite(x) || x < 0) {
                    fprintf(stderr, "edgesim trace %s: %s: expected a finite number >= 0, found '%s'\n", argv[0], a, v);
                    return -1;
                }
                *(double *)o->target = x;
            }
        }
    }
    return 0;
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

static int cmd_import(int argc, char **argv)
{
    trace_import_options opt;
    const trace_import_kind *kind;
    trace_writer *w;
    trace_error err;
    char out[512] = "-", weak[16] = "mixtral", out_from[16] = "small", tokens[8] = "";
    double tpw = 1.3, cpt = 0;
    int seed = 1, answer_tokens = 1, skip = 0, npos, rc, i;
    int64_t rows = 0;
    const char *pos[6];
    double auc = 0.75;
    const cli_opt opts[] = {
        {"--out", OPT_STR, out, sizeof out, "output trace (.csv or .jsonl; default - = CSV on stdout)"},
        {"--tokens", OPT_STR, tokens, sizeof tokens,
         "token estimator: words (words * tokens-per-word, default) | chars (characters / chars-per-token);"
         " chars needs a text input (gsm8k-raw, mmlu-raw, mtbench101)"},
        {"--tokens-per-word", OPT_NUM, &tpw, 0, "words estimator: tokens per word (default 1.3)"},
        {"--chars-per-token", OPT_NUM, &cpt, 0, "chars estimator: characters per token (default 4; alone, selects chars)"},
        {"--auc", OPT_NUM, &auc, 0, "target ROC AUC of the synthetic p_large (default 0.75)"},
        {"--seed", OPT_INT, &seed, 0, "seed of the p_large (and mtbench101 quality) streams (default 1)"},
        {"--weak", OPT_STR, weak, sizeof weak, "mmlu: small model mixtral | llama2 (default mixtral)"},
        {"--out-from", OPT_STR, out_from, sizeof out_from,
         "gsm8k, mtbench: out_tokens from the small | large model's response or the reference (gsm8k)"},
        {"--mmlu-answer-tokens", OPT_INT, &answer_tokens, 0, "mmlu: out_tokens of an answer (default 1, RouteLLM)"},
        {"--skip-contaminated", OPT_FLAG, &skip, 0, "drop items RouteLLM marks as contaminated"},
        {NULL, OPT_STR, NULL, 0, NULL},
    };
    char usage[1024];
    size_t o = (size_t)snprintf(usage, sizeof usage, "usage: edgesim trace import KIND INPUT [options]\nkinds:");
    for (i = 0; trace_import_kinds[i]; i++)
        o += (size_t)snprintf(usage + o, sizeof usage - o, "\n  %-11s INPUT = %s (in a benchmark data folder, docs/TRACES.md)",
                              trace_import_kinds[i]->name, trace_import_kinds[i]->usage);
    rc = parse_opts(argc, argv, opts, pos, 6, &npos, usage);
    if (rc)
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    if (npos < 1 || !(kind = trace_import_find(pos[0]))) {
        fprintf(stderr, "edgesim trace import: expected a kind (");
        for (i = 0; trace_import_kinds[i]; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", trace_import_kinds[i]->name);
        fprintf(stderr, "), found '%s'\n", npos ? pos[0] : "");
        return EXIT_USAGE;
    }
    if (tokens[0] && strcmp(tokens, "words") != 0 && strcmp(tokens, "chars") != 0) {
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
    snprintf(opt.weak, sizeof opt.weak, "%s", weak);
    snprintf(opt.out_from, sizeof opt.out_from, "%s", out_from);
    opt.mmlu_answer_tokens = answer_tokens;
    opt.skip_contaminated = skip;
    if (!(opt.tokens_per_word > 0) && cpt <= 0) {
        fprintf(stderr, "edgesim trace import: --tokens-per-word: expected a number > 0\n");
        return EXIT_USAGE;
    }
    w = trace_writer_create(out, TRACE_COLS_REQUIRED, &err);
    if (!w) {
        fprintf(stderr, "edgesim trace import: %s\n", err.msg);
        return EXIT_OUTPUT;
    }
    if (kind->run(&opt, w, &rows, &err) != 0) {
        rc = fail_code(w, &err);
        fprintf(stderr, "edgesim trace import %s: %s\n", kind->name, err.msg);
        return rc;
    }
    if (trace_writer_close(w, &err) != 0) {
        fprintf(stderr, "edgesim trace import: %s\n", err.msg);
        return EXIT_OUTPUT;
    }
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
    char out[512] = "-", arrival[16] = "";
    int seed = 1, npos, rc, dev;
    unsigned cols = TRACE_COLS_REQUIRED;
    const char *pos[1];
    const cli_opt opts[] = {
        {"--benchmark", OPT_STR, cfg.generate.benchmark, sizeof cfg.generate.benchmark,
         "mmlu | gsm8k | mtbench101 | mix (default mmlu)"},
        {"--queries", OPT_INT, &cfg.generate.queries, 0, "single queries (default 1000)"},
        {"--dialogues", OPT_INT, &cfg.generate.dialogues, 0, "MT-Bench-101-shaped dialogues (default 0)"},
        {"--auc", OPT_NUM, &cfg.generate.auc, 0, "target ROC AUC of p_large (default 0.75)"},
        {"--out-pred-error", OPT_NUM, &cfg.generate.out_pred_error, 0,
         "sd of ln(predicted / true output length); 0: no out_tokens_pred column (default 0)"},
        {"--mmlu-answer-tokens", OPT_INT, &cfg.generate.mmlu_answer_tokens, 0, "out_tokens of an MMLU answer (default 1)"},
        {"--tokens-per-word", OPT_NUM, &cfg.tokens_per_word, 0, "token estimate (default 1.3)"},
        {"--seed", OPT_INT, &seed, 0, "seed of the generator streams (default 1)"},
        {"--arrival", OPT_STR, arrival, sizeof arrival, "write t_arr_s: poisson | mmpp | diurnal (default: none)"},
        {"--rate", OPT_NUM, &cfg.arrival.rate_per_s, 0, "arrival rate, 1/s (default 1)"},
        {"--out", OPT_STR, out, sizeof out, "output trace (.csv or .jsonl; default - = CSV on stdout)"},
        {NULL, OPT_STR, NULL, 0, NULL},
    };
    keys_defaults(trace_keys, &cfg);
    rc = parse_opts(argc, argv, opts, pos, 0, &npos,
                    "usage: edgesim trace gen [options]\n"
                    "Synthetic trace calibrated from data/SOURCES.md (docs/TRACES.md \"Generators\").");
    if (rc)
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    if (cfg.generate.out_pred_error > 0)
        cols |= 1u << TRACE_COL_OUT_PRED;
    g = trace_gen_create(&cfg, (uint64_t)seed, 0, &err);
    if (!g) {
        fprintf(stderr, "edgesim trace gen: %s\n", err.msg);
        return EXIT_USAGE;
    }
    if (arrival[0]) {
        snprintf(cfg.arrival.process, sizeof cfg.arrival.process, "%s", arrival);
        arr = trace_arrival_create(&cfg, 1, (uint64_t)seed, 0, &err);
        if (!arr) {
            trace_gen_destroy(g);
            fprintf(stderr, "edgesim trace gen: %s\n", err.msg);
            return EXIT_USAGE;
        }
        cols |= 1u << TRACE_COL_T_ARR;
    }
    w = trace_writer_create(out, cols, &err);
    if (!w) {
        trace_gen_destroy(g);
        trace_arrival_destroy(arr);
        fprintf(stderr, "edgesim trace gen: %s\n", err.msg);
        return EXIT_OUTPUT;
    }
    rc = EXIT_OK;
    while ((rc = trace_gen_next(g, &row, &err)) == 1) {
        if (arr && row.turn <= 1)
            row.t_arr_s = trace_arrival_next(arr, &dev);
        if (trace_writer_put(w, &row, &err) != 0) {
            rc = EXIT_OUTPUT;
            break;
        }
    }
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

/* Read a whole trace (checking it); with `st`, summarise it. */
static int read_all(const char *cmd, const char *path, trace_stats *st)
{
    trace_error err;
    trace_row row;
    trace_reader *r = trace_open(path, &err);
    int rc;
    if (!r) {
        fprintf(stderr, "edgesim trace %s: %s\n", cmd, err.msg);
        return EXIT_INPUT;
    }
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
    const cli_opt opts[] = {{NULL, OPT_STR, NULL, 0, NULL}};
    rc = parse_opts(argc, argv, opts, pos, 1, &npos,
                    "usage: edgesim trace stats FILE\n"
                    "Rows, dialogues, length quantiles, mean quality of each model, the 2x2 split\n"
                    "(right := q >= 0.5) and the ROC AUC of p_large for 'large needed' (q_large > q_small).");
    if (rc)
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    if (npos != 1) {
        fprintf(stderr, "edgesim trace stats: expected one trace file\n");
        return EXIT_USAGE;
    }
    st = trace_stats_create();
    if (!st) {
        fprintf(stderr, "edgesim trace stats: out of memory\n");
        return 1;
    }
    rc = read_all("stats", pos[0], st);
    if (rc == EXIT_OK) {
        trace_stats_summary(st, &s);
        printf("rows %lld\nsingle_queries %lld\ndialogues %lld\ndialogue_turns %lld\n", (long long)s.rows,
               (long long)s.queries, (long long)s.dialogues, (long long)s.turns);
        printf("in_tokens mean %.1f p10 %g p50 %g p90 %g p99 %g max %g\n", s.in_mean, s.in_q[0], s.in_q[1], s.in_q[2],
               s.in_q[3], s.in_q[4]);
        printf("out_tokens mean %.1f p10 %g p50 %g p90 %g p99 %g max %g\n", s.out_mean, s.out_q[0], s.out_q[1],
               s.out_q[2], s.out_q[3], s.out_q[4]);
        printf("acc_small %.4f\nacc_large %.4f\n", s.acc_small, s.acc_large);
        printf("both %.4f\nonly_small %.4f\nonly_large %.4f\nneither %.4f\n", s.both, s.only_small, s.only_large,
               s.neither);
        printf("auc_p_large %.4f\n", s.auc);
    }
    trace_stats_destroy(st);
    return rc;
}

static int cmd_check(int argc, char **argv)
{
    const char *pos[1];
    int npos, rc;
    const cli_opt opts[] = {{NULL, OPT_STR, NULL, 0, NULL}};
    rc = parse_opts(argc, argv, opts, pos, 1, &npos,
                    "usage: edgesim trace check FILE\nRead the whole trace strictly; exit 0 if it is valid, 3 if not.");
    if (rc)
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    if (npos != 1) {
        fprintf(stderr, "edgesim trace check: expected one trace file\n");
        return EXIT_USAGE;
    }
    return read_all("check", pos[0], NULL);
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
        return EXIT_OK;
    }
    for (c = commands; c->name; c++)
        if (strcmp(c->name, argv[1]) == 0)
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "edgesim trace: unknown command '%s'; expected import, gen, stats or check\n", argv[1]);
    return EXIT_USAGE;
}
