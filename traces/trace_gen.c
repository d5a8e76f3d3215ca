/* trace_gen.c -- synthetic traces calibrated from the real benchmarks.
 *
 * Every figure below is a "Derived figure" of data/SOURCES.md (computed by
 * reduce.py from the RouteLLM per-question results and the benchmark files);
 * docs/TRACES.md "Generators" shows the fits next to the figures.
 * Weak/small = Mixtral-8x7B-Instruct, strong/large = GPT-4-1106-preview. */
#include "trace_int.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/rng.h"

/* Lengths: log-normal with the median p50 and sigma from p10 and p90
 * (trace_lognormal_sigma), redrawn (not clamped) outside the observed
 * [min, max].  out p50 = 0: an answer of mmlu_answer_tokens tokens. */
static const trace_benchmark_law law_mmlu = {
    "mmlu", 0.6280, 0.0528, 0.1778, 0.1414,
    /* "MMLU question + 4 choices (zero-shot prompt body)" words */
    23, 51, 188, 11, 761,
    /* "MMLU replies are a single letter: RouteLLM generated 1 token" */
    0, 0, 0, 0, 0,
    "SOURCES.md: MMLU test (14,042) 2x2 split; 'MMLU question + 4 choices' lengths; replies 1 token"};
static const trace_benchmark_law law_gsm8k = {
    "gsm8k", 0.5663, 0.0720, 0.2904, 0.0713,
    /* "GSM8K question" words */
    27, 43, 70, 15, 164,
    /* "GSM8K Mixtral response" words (the small model answers) */
    27, 52, 99, 7, 274,
    "SOURCES.md: GSM8K test (1,319) 2x2 split; question and Mixtral response lengths"};
static const trace_benchmark_law law_mtbench101 = {
    "mtbench101", 0.7875, 0.0063, 0.1437, 0.0625,
    /* "MT-Bench-101 user turn (4,208)" words */
    6, 11, 20, 1, 129,
    /* "MT-Bench-101 reference ("bot") reply (4,208)" words */
    14, 42, 108, 1, 300,
    "SOURCES.md: MT-Bench 2x2 split with 'right' := judge score >= 8 (MT-Bench-101 has no model "
    "results); MT-Bench-101 user turn and reference reply lengths"};

const trace_benchmark_law *const trace_benchmark_laws[] = {&law_mmlu, &law_gsm8k, &law_mtbench101, NULL};

/* The joint laws of more than two models: generated tables. */
#include "trace_joint_int.h"

const trace_joint_law *const trace_joint_laws[] = {&joint_mmlu3, NULL};

const trace_joint_law *trace_joint_find(const char *benchmark, int n_models)
{
    for (int i = 0; trace_joint_laws[i]; i++)
        if (strcmp(trace_joint_laws[i]->benchmark, benchmark) == 0 && trace_joint_laws[i]->n_models == n_models)
            return trace_joint_laws[i];
    return NULL;
}

double trace_lognormal_sigma(double p10, double p90)
{
    return (log(p90) - log(p10)) / (2 * gsl_cdf_ugaussian_Pinv(0.9));
}

/* SOURCES.md "MT-Bench-101 dialogue structure": dialogues with 2..7 turns. */
const int trace_mtbench101_turns_hist[8] = {0, 0, 459, 554, 259, 107, 6, 3};

double trace_gen_expected_rows(const trace_config *cfg)
{
    double dialogues = 0, turns = 0;
    for (int i = 0; i < 8; i++) {
        dialogues += trace_mtbench101_turns_hist[i];
        turns += i * trace_mtbench101_turns_hist[i];
    }
    return cfg->generate.queries + cfg->generate.dialogues * turns / dialogues;
}

const trace_benchmark_law *trace_benchmark_find(const char *name)
{
    int i;
    for (i = 0; trace_benchmark_laws[i]; i++)
        if (strcmp(trace_benchmark_laws[i]->name, name) == 0)
            return trace_benchmark_laws[i];
    return NULL;
}

double trace_binormal_dprime(double auc)
{
    return M_SQRT2 * gsl_cdf_ugaussian_Pinv(auc);
}

double trace_router_score(gsl_rng *r, double dprime, double q_small, double q_large)
{
    double x = gsl_ran_ugaussian(r) + (q_large > q_small ? dprime : 0.0);
    /* 6 decimals: short files; the AUC moves by ties only (below 1e-4). */
    return round(gsl_cdf_ugaussian_P(x - dprime / 2) * 1e6) / 1e6;
}

enum { ENT_ORDER = 0, ENT_QUALITY = 1, ENT_LENGTH = 2, ENT_SCORE = 3 };

struct trace_gen {
    trace_config cfg;
    const trace_benchmark_law *law;  /* NULL: mix */
    gsl_rng *order, *quality, *length, *score, *pred;
    gsl_ran_discrete_t *turns;
    double dprime;
    int n_models;                    /* weakest first */
    char names[TRACE_GEN_MAX_MODELS][TRACE_MODEL_NAME_CAP];
    int small, large;                /* the models written to q_small and to q_large, p_large */
    int n_cols;                      /* model columns: col_model[c] is the model of column c */
    int col_model[TRACE_GEN_MAX_MODELS];
    const char *col_names[TRACE_GEN_MAX_MODELS];
    double joint_share[1 << TRACE_GEN_MAX_MODELS]; /* N > 2: the joint law's outcome shares */
    int64_t queries_left, dialogues_left, next_id, next_dialogue;
    int turn, n_turns;               /* the dialogue being generated */
    int64_t dialogue_id;
};

/* cfg->generate.models into g: names, the models of q_small and q_large,
 * the model columns; N > 2 needs a joint law.  0, or -1 with err set. */
static int models_setup(trace_gen *g, const trace_config *cfg, trace_error *err)
{
    const char *list = cfg->generate.models[0] ? cfg->generate.models : "small,large";
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        if (g->n_models == TRACE_GEN_MAX_MODELS)
            return trace__fail(err, "trace.generate.models: expected at most %d models, found \"%s\"",
                               TRACE_GEN_MAX_MODELS, list);
        if (!trace__model_name_ok(p, len))
            return trace__fail(err, "trace.generate.models: expected comma-separated names of 1-%d characters of "
                               "[A-Za-z0-9_-], found \"%.*s\" in \"%s\"", TRACE_MODEL_NAME_CAP - 1, (int)len, p, list);
        memcpy(g->names[g->n_models], p, len);
        g->names[g->n_models][len] = 0;
        for (int m = 0; m < g->n_models; m++)
            if (strcmp(g->names[m], g->names[g->n_models]) == 0)
                return trace__fail(err, "trace.generate.models: expected each model once, found %s twice in \"%s\"",
                                   g->names[m], list);
        g->n_models++;
        if (!p[len])
            break;
        p += len + 1;
    }
    if (g->n_models < 2)
        return trace__fail(err, "trace.generate.models: expected at least two models, found \"%s\"", list);
    g->small = 0;
    g->large = g->n_models - 1;
    for (int m = 0; m < g->n_models; m++) {
        if (strcmp(g->names[m], "small") == 0) {
            if (m != 0)
                return trace__fail(err, "trace.generate.models: expected small first (the weakest model), found \"%s\"",
                                   list);
        } else if (strcmp(g->names[m], "large") == 0) {
            if (m == 0)
                return trace__fail(err, "trace.generate.models: expected large after the weakest model (p_large "
                                   "scores it against the weakest), found \"%s\"", list);
            g->large = m;
        } else {
            g->col_model[g->n_cols] = m;
            g->col_names[g->n_cols++] = g->names[m];
        }
    }
    if (g->n_models == 2)
        return 0; /* the benchmark laws' 2x2 splits */
    const trace_joint_law *joint = trace_joint_find(cfg->generate.benchmark, g->n_models);
    if (!joint) {
        char have[256];
        size_t o = 0;
        have[0] = 0;
        for (int i = 0; trace_joint_laws[i] && o < sizeof have; i++)
            o += (size_t)snprintf(have + o, sizeof have - o, "%s%s with %d models", i ? ", " : "", trace_joint_laws[i]->benchmark,
                                  trace_joint_laws[i]->n_models);
        return trace__fail(err, "trace.generate.models: %d models need a measured joint law of %d models on the "
                           "benchmark (measured: %s), found benchmark %s", g->n_models, g->n_models, have,
                           cfg->generate.benchmark);
    }
    if (cfg->generate.dialogues > 0)
        return trace__fail(err, "trace.generate.models: %d models draw single queries only (dialogues are "
                           "MT-Bench-101-shaped, which has results of two models), found dialogues %d",
                           g->n_models, cfg->generate.dialogues);
    double total = 0;
    for (int k = 0; k < 1 << g->n_models; k++)
        total += joint->counts[k];
    for (int k = 0; k < 1 << g->n_models; k++)
        g->joint_share[k] = joint->counts[k] / total;
    return 0;
}

int trace_gen_model_columns(const trace_gen *g, const char *const **names)
{
    *names = g->col_names;
    return g->n_cols;
}

trace_gen *trace_gen_create(const trace_config *cfg, uint64_t seed, uint32_t replication, trace_error *err)
{
    trace_gen *g = calloc(1, sizeof *g);
    double hist[8];
    int i;
    if (!g) {
        trace__fail(err, "trace.generate: out of memory");
        return NULL;
    }
    g->cfg = *cfg;
    if (strcmp(cfg->generate.benchmark, "mix") != 0) {
        g->law = trace_benchmark_find(cfg->generate.benchmark);
        if (!g->law) {
            trace__fail(err, "trace.generate.benchmark: expected mmlu, gsm8k, mtbench101 or mix, found \"%s\"",
                        cfg->generate.benchmark);
            goto fail;
        }
    }
    if (!(cfg->generate.auc >= 0.5 && cfg->generate.auc < 1.0)) {
        trace__fail(err, "trace.generate.auc: expected a number in [0.5, 1), found %g", cfg->generate.auc);
        goto fail;
    }
    if (!(cfg->tokens_per_word > 0)) {
        trace__fail(err, "trace.tokens_per_word: expected a number > 0, found %g", cfg->tokens_per_word);
        goto fail;
    }
    if (models_setup(g, cfg, err) != 0)
        goto fail;
    for (i = 0; i < 8; i++)
        hist[i] = trace_mtbench101_turns_hist[i];
    g->dprime = trace_binormal_dprime(cfg->generate.auc);
    g->order = rng_stream_create(seed, replication, RNG_GENERATOR, ENT_ORDER);
    g->quality = rng_stream_create(seed, replication, RNG_GENERATOR, ENT_QUALITY);
    g->length = rng_stream_create(seed, replication, RNG_GENERATOR, ENT_LENGTH);
    g->score = rng_stream_create(seed, replication, RNG_GENERATOR, ENT_SCORE);
    g->pred = rng_stream_create(seed, replication, RNG_LENGTH_PRED, 0);
    g->turns = gsl_ran_discrete_preproc(8, hist);
    if (!g->order || !g->quality || !g->length || !g->score || !g->pred || !g->turns) {
        trace__fail(err, "trace.generate: out of memory");
        goto fail;
    }
    g->queries_left = cfg->generate.queries;
    g->dialogues_left = cfg->generate.dialogues;
    g->next_id = 1;
    g->next_dialogue = 1;
    return g;
fail:
    trace_gen_destroy(g);
    return NULL;
}

void trace_gen_destroy(trace_gen *g)
{
    if (!g)
        return;
    gsl_rng_free(g->order);
    gsl_rng_free(g->quality);
    gsl_rng_free(g->length);
    gsl_rng_free(g->score);
    gsl_rng_free(g->pred);
    if (g->turns)
        gsl_ran_discrete_free(g->turns);
    free(g);
}

/* Words from a truncated log-normal: redraw outside [lo, hi]. */
static double words(gsl_rng *r, double median, double sigma, double lo, double hi)
{
    for (;;) {
        double w = median * exp(sigma * gsl_ran_ugaussian(r));
        if (w >= lo && w <= hi)
            return w;
    }
}

static int tokens_of(double w, double tokens_per_word)
{
    long t = lround(w * tokens_per_word);
    return t < 1 ? 1 : (t > TRACE_MAX_TOKENS ? TRACE_MAX_TOKENS : (int)t);
}

/* The outcome k of one uniform u: the first, from k = n - 1 down to 0,
 * whose cumulative share exceeds u (0 if rounding leaves u above them all).
 * With two models this is the 2x2 cell in the order both, only small, only
 * large, neither. */
static int draw_outcome(double u, const double *share, int n)
{
    double cum = 0;
    for (int k = n - 1; k > 0; k--) {
        cum += share[k];
        if (u < cum)
            return k;
    }
    return 0;
}

static void fill(trace_gen *g, const trace_benchmark_law *law, trace_row *row)
{
    double q[TRACE_GEN_MAX_MODELS], score[TRACE_GEN_MAX_MODELS];
    double cell[4] = {law->neither, law->only_large, law->only_small, law->both};
    int n = g->n_models;
    int k = draw_outcome(gsl_rng_uniform(g->quality), n == 2 ? cell : g->joint_share, 1 << n);
    for (int m = 0; m < n; m++)
        q[m] = (k >> (n - 1 - m)) & 1;
    row->in_tokens = tokens_of(words(g->length, law->in_p50, trace_lognormal_sigma(law->in_p10, law->in_p90),
                                     law->in_min, law->in_max), g->cfg.tokens_per_word);
    if (law->out_p50 > 0)
        row->out_tokens = tokens_of(words(g->length, law->out_p50, trace_lognormal_sigma(law->out_p10, law->out_p90),
                                          law->out_min, law->out_max), g->cfg.tokens_per_word);
    else
        row->out_tokens = g->cfg.generate.mmlu_answer_tokens;
    /* Each model's score against the weakest, in model order. */
    score[0] = NAN;
    for (int m = 1; m < n; m++)
        score[m] = trace_router_score(g->score, g->dprime, q[0], q[m]);
    row->q_small = q[g->small];
    row->q_large = q[g->large];
    row->p_large = score[g->large];
    for (int c = 0; c < g->n_cols; c++) {
        row->model_q[c] = q[g->col_model[c]];
        row->model_p[c] = score[g->col_model[c]];
    }
    if (g->cfg.generate.out_pred_error > 0) {
        /* Multiplicative log-normal error, sd of ln = out_pred_error; ceil keeps it >= 1. */
        double p = ceil(row->out_tokens * exp(g->cfg.generate.out_pred_error * gsl_ran_ugaussian(g->pred)));
        row->out_tokens_pred = p > TRACE_MAX_TOKENS ? TRACE_MAX_TOKENS : (int)p;
    }
    snprintf(row->benchmark, sizeof row->benchmark, "%s", law->name);
}

int trace_gen_next(trace_gen *g, trace_row *row, trace_error *err)
{
    trace_row_init(row);
    if (g->turn > 0 && g->turn < g->n_turns) {
        g->turn++;
    } else {
        int64_t total = g->queries_left + g->dialogues_left;
        g->turn = 0;
        if (total == 0)
            return 0;
        /* Items in random order: a dialogue next with probability D/(Q+D). */
        if ((int64_t)gsl_rng_uniform_int(g->order, (unsigned long)total) < g->dialogues_left) {
            g->dialogues_left--;
            g->dialogue_id = g->next_dialogue++;
            g->n_turns = (int)gsl_ran_discrete(g->order, g->turns);
            g->turn = 1;
        } else {
            g->queries_left--;
        }
    }
    row->id = g->next_id++;
    if (g->turn > 0) {
        row->dialogue_id = g->dialogue_id;
        row->turn = g->turn;
        fill(g, &law_mtbench101, row);
    } else {
        const trace_benchmark_law *law = g->law;
        if (!law)
            law = trace_benchmark_laws[gsl_rng_uniform_int(g->order, 3)];
        fill(g, law, row);
    }
    (void)err;
    return 1;
}
