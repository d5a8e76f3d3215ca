/* trace_import.c -- importers: real benchmark files into traces.
 *
 * Inputs are the files of data/ described in data/SOURCES.md: the flat
 * derived TSV tables (GSM8K, MMLU, MT-Bench joined with RouteLLM's
 * per-question weak/strong results) and the raw MT-Bench-101 JSONL (text, so
 * both token estimators apply).  Small model = the weak model (Mixtral-8x7B,
 * or Llama-2-7B for MMLU), large = GPT-4-1106-preview.  No importer has a real
 * router, so p_large is the bi-normal score of trace_router_score with the
 * target AUC, from RNG_GENERATOR entity 3 of (seed, replication 0).  The raw
 * GSM8K and MMLU files (text) are read by trace_import_raw.c.  All kinds
 * run through one driver, trace__import_run (scorer, row loop, checks and
 * writes, clean-up); each kind gives only its options check, open, row fill
 * and close (trace__importer).  The registry of all kinds is at the end.
 * docs/TRACES.md "Importers" gives the commands. */
#include "trace_int.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/rng.h"

void trace_import_defaults(trace_import_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->tokens_per_word = 1.3;  /* OpenAI rule of thumb: 1 token ~ 3/4 of a word */
    opt->chars_per_token = 4.0;  /* OpenAI rule of thumb: 1 token ~ 4 characters of English */
    opt->auc = 0.75;
    opt->seed = 1;
    snprintf(opt->weak, sizeof opt->weak, "mixtral");
    snprintf(opt->out_from, sizeof opt->out_from, "small");
    opt->mmlu_answer_tokens = 1;
}

/* ---- a TSV or CSV table read by column name (trace_int.h) ---- */

int trace__table_open(trace__table *t, const char *path, char sep, int quoting, const char *const *names,
                      trace_error *err)
{
    int i, j, rc;
    memset(t, 0, sizeof *t);
    if (trace__csv_open(&t->in, path, sep, quoting, err))
        return -1;
    rc = trace__csv_next(&t->in, err);
    if (rc <= 0)
        return rc < 0 ? -1 : trace__fail(err, "%s:1:1: expected a header line, found an empty file", path);
    for (i = 0; names[i]; i++) {
        t->idx[i] = -1;
        for (j = 0; j < t->in.nfields; j++)
            if (strcmp(trace__csv_field(&t->in, j), names[i]) == 0)
                t->idx[i] = j;
        if (t->idx[i] < 0)
            return trace__fail(err, "%s:1:1: expected a column '%s' in the header, found none", path, names[i]);
    }
    t->n = i;
    t->nheader = t->in.nfields;
    return 0;
}

int trace__table_next(trace__table *t, trace_error *err)
{
    int rc = trace__csv_next(&t->in, err);
    if (rc <= 0)
        return rc;
    if (t->in.nfields != t->nheader)
        return trace__fail(err, "%s:%ld: expected %d %s-separated fields as in the header, found %d", t->in.name,
                           t->in.rec_line, t->nheader, t->in.sep == '\t' ? "TAB" : "comma", t->in.nfields);
    return 1;
}

int trace__table_bad(const trace__table *t, int i, const char *expected, trace_error *err)
{
    int f = t->idx[i];
    char found[96];
    trace__describe(trace__csv_field(&t->in, f), t->in.len[f], found, sizeof found);
    return trace__fail(err, "%s:%ld:%ld: %s, found %s", t->in.name, t->in.fline[f], t->in.fcol[f], expected, found);
}

/* Integer in [lo, hi] from column i. */
static int table_int(trace__table *t, int i, long lo, long hi, long *out, trace_error *err)
{
    const char *s = trace__table_field(t, i);
    char *end, expected[96];
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (*s == 0 || *end || errno == ERANGE || v < lo || v > hi) {
        snprintf(expected, sizeof expected, "expected an integer in [%ld, %ld]", lo, hi);
        return trace__table_bad(t, i, expected, err);
    }
    *out = v;
    return 0;
}

/* Number in [lo, hi] from column i (plain decimal, finite). */
static int table_num(trace__table *t, int i, double lo, double hi, double *out, trace_error *err)
{
    const char *s = trace__table_field(t, i);
    char *end, expected[96];
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (*s == 0 || *end || errno == ERANGE || !isfinite(v) || v < lo || v > hi) {
        snprintf(expected, sizeof expected, "expected a number in [%g, %g]", lo, hi);
        return trace__table_bad(t, i, expected, err);
    }
    *out = v;
    return 0;
}

/* Tokens of a word count: round(words * tokens_per_word), at least 1 for a
 * non-empty text. */
static int tokens_from_words(long words, double tokens_per_word)
{
    long t = lround((double)words * tokens_per_word);
    return words > 0 && t < 1 ? 1 : (int)t;
}

static int need_words(const trace_import_options *opt, const char *kind, trace_error *err)
{
    if (opt->tokens_per_word > 0)
        return 0;
    return trace__fail(err, "import %s: its input has word counts, not text: use --tokens words, or import the raw "
                            "text (gsm8k-raw, mmlu-raw, mtbench101)", kind);
}

int trace__out_from(const trace_import_options *opt, const char *const *choices, const char *expected,
                    trace_error *err)
{
    int i;
    for (i = 0; choices[i]; i++)
        if (strcmp(opt->out_from, choices[i]) == 0)
            return i;
    return trace__fail(err, "--out-from: expected %s, found \"%s\"", expected, opt->out_from);
}

/* ---- the driver of all importers (trace_int.h) ---- */

int trace__import_run(const trace__importer *imp, void *st, const trace_import_options *opt, trace_writer *w,
                      int64_t *rows, trace_error *err)
{
    gsl_rng *score;
    double dprime;
    trace_row row;
    int rc = -1;
    if (imp->check(st, opt, err))
        return -1;
    if (!(opt->auc >= 0.5 && opt->auc < 1))
        return trace__fail(err, "--auc: expected a number in [0.5, 1), found %g", opt->auc);
    dprime = trace_binormal_dprime(opt->auc);
    score = rng_stream_create(opt->seed, 0, RNG_GENERATOR, 3);
    if (!score)
        return trace__fail(err, "out of memory");
    if (imp->open(st, opt, err))
        goto done;
    for (;;) {
        trace_row_init(&row);
        rc = imp->next(st, opt, &row, err);
        if (rc <= 0)
            break;
        row.p_large = trace_router_score(score, dprime, row.q_small, row.q_large);
        /* Model columns: the score that the model is needed over small
         * (drawn only where there are model columns). */
        for (int m = 0; m < TRACE_MAX_MODEL_COLS && !isnan(row.model_q[m]); m++)
            row.model_p[m] = trace_router_score(score, dprime, row.q_small, row.model_q[m]);
        snprintf(row.benchmark, sizeof row.benchmark, "%s", imp->benchmark);
        if (row.in_tokens < 1 || row.out_tokens < 1) {
            rc = trace__fail(err, "id %lld: expected at least 1 input and 1 output token, found %d and %d (empty text?)",
                             (long long)row.id, row.in_tokens, row.out_tokens);
            break;
        }
        if (trace_writer_put(w, &row, err)) {
            rc = -1;
            break;
        }
        (*rows)++;
        if (opt->on_row)
            opt->on_row(opt->row_ctx, *rows, imp->fraction ? imp->fraction(st) : NAN);
    }
done:
    imp->close(st);
    gsl_rng_free(score);
    return rc < 0 ? -1 : 0;
}

/* ---- the derived tables: derived/<benchmark>_calib.tsv, word counts ---- */

typedef struct derived_table {
    trace__table t;
    const char *const *columns;   /* the header names the kind reads */
    int col;                      /* gsm8k, mtbench: the column of out_tokens; mmlu: 1 = Llama-2-7B is small */
    int64_t count;                /* mtbench: rows so far (the ids); mmlu: questions without a Llama-2-7B result */
} derived_table;

static int derived_open(void *st, const trace_import_options *opt, trace_error *err)
{
    derived_table *d = st;
    return trace__table_open(&d->t, opt->inputs[0], '\t', 0, d->columns, err);
}

static void derived_close(void *st)
{
    derived_table *d = st;
    trace__csv_close(&d->t.in);
}

/* GSM8K: derived/gsm8k_calib.tsv */

static int gsm8k_check(void *st, const trace_import_options *opt, trace_error *err)
{
    static const char *const columns[] = {"idx", "q_words", "ref_solution_words", "mixtral_correct", "gpt4_correct",
                                          "mixtral_resp_words", "gpt4_resp_words", "routellm_contaminated", NULL};
    static const char *const out_from[] = {"small", "large", "reference", NULL};
    static const int out_col[] = {5, 6, 2};
    derived_table *d = st;
    int k = trace__out_from(opt, out_from, "small, large or reference", err);
    if (k < 0)
        return -1;
    d->columns = columns;
    d->col = out_col[k];
    return need_words(opt, "gsm8k", err);
}

static int gsm8k_next(void *st, const trace_import_options *opt, trace_row *row, trace_error *err)
{
    derived_table *d = st;
    long v[8];
    int rc, i;
    while ((rc = trace__table_next(&d->t, err)) == 1) {
        for (i = 0; i < 8; i++)
            if (table_int(&d->t, i, 0, i == 0 ? 100000000L : (i == 3 || i == 4 || i == 7) ? 1 : 1000000L, &v[i], err))
                return -1;
        if (opt->skip_contaminated && v[7])
            continue;
        row->id = v[0] + 1;
        row->in_tokens = tokens_from_words(v[1], opt->tokens_per_word);
        row->out_tokens = tokens_from_words(v[d->col], opt->tokens_per_word);
        row->q_small = (double)v[3];
        row->q_large = (double)v[4];
        return 1;
    }
    return rc;
}

/* MMLU: derived/mmlu_calib.tsv */

static int mmlu_check(void *st, const trace_import_options *opt, trace_error *err)
{
    static const char *const columns[] = {"gidx", "prompt_words", "mixtral_correct", "gpt4_correct",
                                          "llama2_7b_correct", "routellm_contaminated", NULL};
    derived_table *d = st;
    if (strcmp(opt->weak, "mixtral") == 0)
        d->col = 0;
    else if (strcmp(opt->weak, "llama2") == 0)
        d->col = 1;
    else if (strcmp(opt->weak, "three") == 0)
        d->col = 2;
    else
        return trace__fail(err, "--weak: expected mixtral, llama2 or three, found \"%s\"", opt->weak);
    d->columns = columns;
    return need_words(opt, "mmlu", err);
}

static int mmlu_next(void *st, const trace_import_options *opt, trace_row *row, trace_error *err)
{
    derived_table *d = st;
    long v[6];
    int rc, i;
    while ((rc = trace__table_next(&d->t, err)) == 1) {
        for (i = 0; i < 6; i++)
            if (table_int(&d->t, i, i == 4 ? -1 : 0, i == 0 ? 100000000L : i == 1 ? 1000000L : 1, &v[i], err))
                return -1;
        if (opt->skip_contaminated && v[5])
            continue;
        if (d->col && v[4] < 0) { /* no Llama-2-7B result for this question: counted, reported */
            d->count++;
            continue;
        }
        row->id = v[0] + 1;
        row->in_tokens = tokens_from_words(v[1], opt->tokens_per_word);
        row->out_tokens = opt->mmlu_answer_tokens;
        if (d->col == 2) { /* three models: Llama-2-7B, Mixtral-8x7B, GPT-4 (model column gpt4) */
            row->q_small = (double)v[4];
            row->q_large = (double)v[2];
            row->model_q[0] = (double)v[3];
            return 1;
        }
        row->q_small = (double)(d->col ? v[4] : v[2]);
        row->q_large = (double)v[3];
        return 1;
    }
    if (rc == 0 && d->count)
        fprintf(stderr, "import mmlu: %lld questions without a Llama-2-7B result were left out (SOURCES.md section 6)\n",
                (long long)d->count);
    return rc;
}

/* MT-Bench: derived/mtbench_calib.tsv, judge scores 1-10 -> q = score / 10 */

static int mtbench_check(void *st, const trace_import_options *opt, trace_error *err)
{
    static const char *const columns[] = {"question_id", "turn", "user_words", "mixtral_score", "gpt4_score",
                                          "mixtral_resp_words", "gpt4_resp_words", "routellm_contaminated", NULL};
    static const char *const out_from[] = {"small", "large", NULL};
    static const int out_col[] = {5, 6};
    derived_table *d = st;
    int k = trace__out_from(opt, out_from, "small or large for mtbench", err);
    if (k < 0)
        return -1;
    d->columns = columns;
    d->col = out_col[k];
    return need_words(opt, "mtbench", err);
}

static int mtbench_next(void *st, const trace_import_options *opt, trace_row *row, trace_error *err)
{
    static const long lo[8] = {0, 1, 0, 1, 1, 0, 0, 0};
    static const long hi[8] = {100000000L, 1000, 1000000L, 10, 10, 1000000L, 1000000L, 1};
    derived_table *d = st;
    long v[8] = {0};
    double score[2];
    int rc, i;
    while ((rc = trace__table_next(&d->t, err)) == 1) {
        for (i = 0; i < 8; i++)
            if (i != 3 && i != 4 && table_int(&d->t, i, lo[i], hi[i], &v[i], err))
                return -1;
        if (table_num(&d->t, 3, 1, 10, &score[0], err) || table_num(&d->t, 4, 1, 10, &score[1], err))
            return -1;
        if (opt->skip_contaminated && v[7])
            continue;
        row->id = ++d->count;
        row->dialogue_id = v[0];
        row->turn = (int)v[1];
        row->in_tokens = tokens_from_words(v[2], opt->tokens_per_word);
        row->out_tokens = tokens_from_words(v[d->col], opt->tokens_per_word);
        row->q_small = score[0] / 10.0;
        row->q_large = score[1] / 10.0;
        return 1;
    }
    return rc;
}

/* ---- token estimates from text ---- */

/* Next code point of UTF-8 text at *s (advancing *s); a byte that does not
 * start a valid sequence counts as one code point of its own value. */
static unsigned long next_code_point(const unsigned char **s)
{
    const unsigned char *p = *s;
    unsigned long cp;
    int n, k;
    if (p[0] < 0x80) {
        *s = p + 1;
        return p[0];
    }
    n = (p[0] & 0xe0) == 0xc0 ? 1 : (p[0] & 0xf0) == 0xe0 ? 2 : (p[0] & 0xf8) == 0xf0 ? 3 : 0;
    cp = n == 1 ? p[0] & 0x1fu : n == 2 ? p[0] & 0x0fu : p[0] & 0x07u;
    for (k = 1; k <= n; k++) {
        if ((p[k] & 0xc0) != 0x80) { /* truncated sequence (also stops at the NUL) */
            *s = p + 1;
            return p[0];
        }
        cp = cp << 6 | (p[k] & 0x3fu);
    }
    *s = p + (n ? n + 1 : 1);
    return n ? cp : p[0];
}

/* Python's str.isspace(), the separators of str.split() that reduce.py
 * (SOURCES.md) counts words with. */
static int is_python_space(unsigned long cp)
{
    return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
           cp == 0x3000;
}

void trace__text_measure(const char *text, long *words, long *chars)
{
    const unsigned char *s = (const unsigned char *)text;
    long n_words = 0, pos = 0, first = -1, last = -1;
    int in_word = 0;
    for (; *s; pos++) {
        int blank = is_python_space(next_code_point(&s));
        if (!blank) {
            if (!in_word)
                n_words++;
            if (first < 0)
                first = pos;
            last = pos;
        }
        in_word = !blank;
    }
    *words = n_words;
    *chars = first < 0 ? 0 : last - first + 1; /* leading and trailing blanks not counted */
}

int trace__tokens_from_text(const char *text, const trace_import_options *opt)
{
    long words, chars;
    double t;
    trace__text_measure(text, &words, &chars);
    if (words == 0)
        return 0;
    t = opt->tokens_per_word > 0 ? (double)words * opt->tokens_per_word : (double)chars / opt->chars_per_token;
    return t < 1 ? 1 : (int)lround(t);
}

/* ---- MT-Bench-101: mt_bench_101/mtbench101.jsonl (text) ---- */

typedef struct dialogues {
    trace_csv in;
    const trace_benchmark_law *law; /* MT-Bench's 2x2 law of (q_small, q_large) */
    gsl_rng *quality;             /* RNG_GENERATOR entity 1 of (seed, 0); owned */
    cJSON *obj;                   /* the dialogue being read; owned */
    const cJSON *turn;            /* its next turn; NULL: read the next line */
    int64_t id, dialogue;         /* rows so far; the dialogue's id (-1 before the first) */
    int k;                        /* turns of the dialogue so far */
} dialogues;

static int mtbench101_check(void *st, const trace_import_options *opt, trace_error *err)
{
    (void)st;
    if (!(opt->tokens_per_word > 0) && !(opt->chars_per_token > 0))
        return trace__fail(err, "import mtbench101: expected --tokens-per-word or --chars-per-token > 0");
    return 0;
}

static int mtbench101_open(void *st, const trace_import_options *opt, trace_error *err)
{
    dialogues *m = st;
    m->dialogue = -1;
    /* No model results exist for MT-Bench-101 (SOURCES.md section 3): draw
     * (q_small, q_large) from the MT-Bench 2x2 law, RNG_GENERATOR entity 1. */
    m->law = trace_benchmark_find("mtbench101");
    m->quality = rng_stream_create(opt->seed, 0, RNG_GENERATOR, 1);
    if (!m->quality)
        return trace__fail(err, "out of memory");
    return trace__csv_open(&m->in, opt->inputs[0], '\n', 0, err);
}

static void mtbench101_close(void *st)
{
    dialogues *m = st;
    trace__csv_close(&m->in);
    gsl_rng_free(m->quality);
    cJSON_Delete(m->obj);
}

/* Reads the next line once the turns of a dialogue are used up. */
static int mtbench101_next(void *st, const trace_import_options *opt, trace_row *row, trace_error *err)
{
    dialogues *m = st;
    const trace_benchmark_law *law = m->law;
    const cJSON *user, *bot;
    double u;
    int rc;
    while (!m->turn) {
        const char *end = NULL;
        const cJSON *jid, *hist;
        cJSON_Delete(m->obj);
        m->obj = NULL;
        rc = trace__csv_line(&m->in, err);
        if (rc <= 0)
            return rc;
        m->obj = cJSON_ParseWithOpts(m->in.rec, &end, 1);
        if (!m->obj || !cJSON_IsObject(m->obj))
            return trace__fail(err, "%s:%ld:%ld: expected a JSON object {\"task\", \"id\", \"history\"}, found invalid JSON",
                               m->in.name, m->in.rec_line, end && m->obj == NULL ? (long)(end - m->in.rec) + 1 : 1L);
        jid = cJSON_GetObjectItemCaseSensitive(m->obj, "id");
        hist = cJSON_GetObjectItemCaseSensitive(m->obj, "history");
        if (!cJSON_IsNumber(jid) || jid->valuedouble != floor(jid->valuedouble) || jid->valuedouble <= m->dialogue ||
            jid->valuedouble > 1e15 || !cJSON_IsArray(hist) || cJSON_GetArraySize(hist) < 1)
            return trace__fail(err, "%s:%ld:1: expected an increasing integer \"id\" and a non-empty \"history\" array",
                               m->in.name, m->in.rec_line);
        m->dialogue = (int64_t)jid->valuedouble;
        m->turn = hist->child;
        m->k = 0;
    }
    user = cJSON_GetObjectItemCaseSensitive(m->turn, "user");
    bot = cJSON_GetObjectItemCaseSensitive(m->turn, "bot");
    m->turn = m->turn->next;
    m->k++;
    if (!cJSON_IsString(user) || !cJSON_IsString(bot))
        return trace__fail(err, "%s:%ld:1: dialogue %lld turn %d: expected \"user\" and \"bot\" strings", m->in.name,
                           m->in.rec_line, (long long)m->dialogue, m->k);
    row->id = ++m->id;
    row->dialogue_id = m->dialogue;
    row->turn = m->k;
    row->in_tokens = trace__tokens_from_text(user->valuestring, opt);
    row->out_tokens = trace__tokens_from_text(bot->valuestring, opt);
    if (row->in_tokens < 1 || row->out_tokens < 1)
        return trace__fail(err, "%s:%ld:1: dialogue %lld turn %d: expected non-empty user and bot texts", m->in.name,
                           m->in.rec_line, (long long)m->dialogue, m->k);
    u = gsl_rng_uniform(m->quality);
    row->q_small = u < law->both + law->only_small ? 1 : 0;
    row->q_large = (u < law->both || (u >= law->both + law->only_small && u < law->both + law->only_small + law->only_large)) ? 1 : 0;
    return 1;
}

static double derived_fraction(void *st)
{
    return trace__csv_fraction(&((derived_table *)st)->t.in);
}

static double mtbench101_fraction(void *st)
{
    return trace__csv_fraction(&((dialogues *)st)->in);
}

/* ---- the registry: each kind's state on the stack, zeroed ---- */

static int run_gsm8k(const trace_import_options *opt, trace_writer *w, int64_t *rows, trace_error *err)
{
    static const trace__importer imp = {"gsm8k", gsm8k_check, derived_open, gsm8k_next, derived_close, derived_fraction};
    derived_table d = {0};
    return trace__import_run(&imp, &d, opt, w, rows, err);
}

static int run_mmlu(const trace_import_options *opt, trace_writer *w, int64_t *rows, trace_error *err)
{
    static const trace__importer imp = {"mmlu", mmlu_check, derived_open, mmlu_next, derived_close, derived_fraction};
    derived_table d = {0};
    return trace__import_run(&imp, &d, opt, w, rows, err);
}

static int run_mtbench(const trace_import_options *opt, trace_writer *w, int64_t *rows, trace_error *err)
{
    static const trace__importer imp = {"mtbench", mtbench_check, derived_open, mtbench_next, derived_close,
                                        derived_fraction};
    derived_table d = {0};
    return trace__import_run(&imp, &d, opt, w, rows, err);
}

static int run_mtbench101(const trace_import_options *opt, trace_writer *w, int64_t *rows, trace_error *err)
{
    static const trace__importer imp = {"mtbench101", mtbench101_check, mtbench101_open, mtbench101_next,
                                        mtbench101_close, mtbench101_fraction};
    dialogues m = {0};
    return trace__import_run(&imp, &m, opt, w, rows, err);
}

static const trace_import_kind kind_gsm8k = {"gsm8k", 1, "derived/gsm8k_calib.tsv", run_gsm8k};
static const trace_import_kind kind_mmlu = {"mmlu", 1, "derived/mmlu_calib.tsv", run_mmlu};
static const trace_import_kind kind_mtbench = {"mtbench", 1, "derived/mtbench_calib.tsv", run_mtbench};
static const trace_import_kind kind_mtbench101 = {"mtbench101", 1, "mt_bench_101/mtbench101.jsonl", run_mtbench101};

const trace_import_kind *const trace_import_kinds[] = {&kind_gsm8k,          &trace__kind_gsm8k_raw, &kind_mmlu,
                                                        &trace__kind_mmlu_raw, &kind_mtbench,          &kind_mtbench101,
                                                        NULL};

int trace_import_model_columns(const trace_import_kind *kind, const trace_import_options *opt,
                               const char *const **names)
{
    static const char *const mmlu_three[] = {"gpt4", NULL};
    *names = NULL;
    if (kind == &kind_mmlu && strcmp(opt->weak, "three") == 0) {
        *names = mmlu_three;
        return 1;
    }
    return 0;
}

const trace_import_kind *trace_import_find(const char *name)
{
    int i;
    for (i = 0; trace_import_kinds[i]; i++)
        if (strcmp(trace_import_kinds[i]->name, name) == 0)
            return trace_import_kinds[i];
    return NULL;
}
