/* trace_import_raw.c -- importers of the raw benchmark files (text, so both
 * token estimators apply), joined with RouteLLM's per-question results.
 *
 *   gsm8k-raw  gsm8k/test.jsonl + routellm/gsm8k/gsm8k_responses.csv
 *   mmlu-raw   mmlu/test/ (<subject>_test.csv) + routellm/mmlu/responses/
 *              (mmlu_<subject>.csv)
 *
 * Formats and join keys: data/SOURCES.md sections 1, 2 and 5.  The RouteLLM
 * CSVs are RFC 4180 with quoted multi-line fields (trace_csv reads them).
 * Rows are joined by position and the join is checked on the text: a GSM8K
 * question must equal RouteLLM's prompt; an MMLU prompt must equal the
 * question followed by "\nA. choice0" ... "\nD. choice3\nAnswer:" (RouteLLM's
 * prompt body), except that RouteLLM's pandas reader turned the choice text
 * "None" into "nan" (SOURCES.md section 2).  ids are 1 + the question index
 * (MMLU: over all subjects in alphabetical order), as the derived importers
 * give them.  Small = Mixtral-8x7B, large = GPT-4-1106-preview. */
#include "trace_int.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WEAK_COL "mistralai/Mixtral-8x7B-Instruct-v0.1"
#define STRONG_COL "gpt-4-1106-preview"

/* "True" -> 1, "False" -> 0 (RouteLLM's correctness columns). */
static int table_bool(const trace__table *t, int i, const char *name, double *out, trace_error *err)
{
    const char *s = trace__table_field(t, i);
    char expected[128];
    if (strcmp(s, "True") == 0 || strcmp(s, "False") == 0) {
        *out = s[0] == 'T';
        return 0;
    }
    snprintf(expected, sizeof expected, "column '%s': expected True or False", name);
    return trace__table_bad(t, i, expected, err);
}

static int raw_options(const trace_import_options *opt, const char *kind, trace_error *err)
{
    if (opt->skip_contaminated)
        return trace__fail(err, "import %s: --skip-contaminated needs the derived table (import %.5s)", kind, kind);
    if (strcmp(opt->weak, "mixtral") != 0)
        return trace__fail(err, "import %s: --weak: expected mixtral (RouteLLM's weak model), found \"%s\"", kind,
                           opt->weak);
    if (!(opt->tokens_per_word > 0) && !(opt->chars_per_token > 0))
        return trace__fail(err, "import %s: expected tokens per word or characters per token > 0", kind);
    return 0;
}

/* ---- GSM8K ---- */

typedef struct gsm8k_raw {
    trace_csv questions;          /* gsm8k/test.jsonl */
    trace__table resp;            /* routellm/gsm8k/gsm8k_responses.csv */
    int which;                    /* resp column of out_tokens; -1: the reference solution */
    int64_t index;                /* questions so far */
} gsm8k_raw;

static int gsm8k_raw_check(void *st, const trace_import_options *opt, trace_error *err)
{
    static const char *const out_from[] = {"small", "large", "reference", NULL};
    static const int which[] = {3, 4, -1};
    gsm8k_raw *g = st;
    int k = trace__out_from(opt, out_from, "small, large or reference", err);
    if (k < 0)
        return -1;
    g->which = which[k];
    return raw_options(opt, "gsm8k-raw", err);
}

static int gsm8k_raw_open(void *st, const trace_import_options *opt, trace_error *err)
{
    static const char *const names[] = {"prompt", WEAK_COL, STRONG_COL, WEAK_COL "_response", STRONG_COL "_response",
                                        NULL};
    gsm8k_raw *g = st;
    if (trace__csv_open(&g->questions, opt->inputs[0], '\n', 0, err))
        return -1;
    return trace__table_open(&g->resp, opt->inputs[1], ',', 1, names, err);
}

static void gsm8k_raw_close(void *st)
{
    gsm8k_raw *g = st;
    trace__csv_close(&g->resp.in);
    trace__csv_close(&g->questions);
}

static int gsm8k_raw_next(void *st, const trace_import_options *opt, trace_row *row, trace_error *err)
{
    gsm8k_raw *g = st;
    cJSON *obj = NULL;
    const cJSON *question, *answer;
    const char *end = NULL;
    int rc_q, rc_r;
    rc_q = trace__csv_line(&g->questions, err);
    if (rc_q < 0)
        return -1;
    rc_r = trace__table_next(&g->resp, err);
    if (rc_r < 0)
        return -1;
    if (rc_q == 0 && rc_r == 0)
        return 0;
    if (rc_q == 0 || rc_r == 0) {
        if (rc_q)
            return trace__fail(err, "%s: expected one row per line of %s, found only %lld rows", g->resp.in.name,
                               g->questions.name, (long long)g->index);
        return trace__fail(err, "%s:%ld: expected %lld rows, one per line of %s, found more", g->resp.in.name,
                           g->resp.in.rec_line, (long long)g->index, g->questions.name);
    }
    obj = cJSON_ParseWithOpts(g->questions.rec, &end, 1);
    question = cJSON_GetObjectItemCaseSensitive(obj, "question");
    answer = cJSON_GetObjectItemCaseSensitive(obj, "answer");
    if (!cJSON_IsString(question) || !cJSON_IsString(answer)) {
        trace__fail(err, "%s:%ld:1: expected a JSON object {\"question\": string, \"answer\": string}, found %s",
                    g->questions.name, g->questions.rec_line, obj ? "other fields" : "invalid JSON");
        goto fail;
    }
    if (strcmp(question->valuestring, trace__table_field(&g->resp, 0)) != 0) {
        trace__fail(err, "%s:%ld: prompt differs from the question on %s:%ld (expected the same order)", g->resp.in.name,
                    g->resp.in.rec_line, g->questions.name, g->questions.rec_line);
        goto fail;
    }
    row->id = ++g->index;
    if (table_bool(&g->resp, 1, WEAK_COL, &row->q_small, err) || table_bool(&g->resp, 2, STRONG_COL, &row->q_large, err))
        goto fail;
    row->in_tokens = trace__tokens_from_text(question->valuestring, opt);
    if (g->which < 0) { /* the worked solution before "#### <number>" */
        char *mark = strstr(answer->valuestring, "####");
        if (!mark) {
            trace__fail(err, "%s:%ld:1: \"answer\": expected a final \"#### <number>\" line, found none",
                        g->questions.name, g->questions.rec_line);
            goto fail;
        }
        *mark = 0;
        row->out_tokens = trace__tokens_from_text(answer->valuestring, opt);
    } else {
        row->out_tokens = trace__tokens_from_text(trace__table_field(&g->resp, g->which), opt);
    }
    cJSON_Delete(obj);
    return 1;
fail:
    cJSON_Delete(obj);
    return -1;
}

/* ---- MMLU ---- */

typedef struct subject_list {
    char **names;
    int n, cap;
} subject_list;

static void subjects_free(subject_list *l)
{
    int i;
    for (i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    memset(l, 0, sizeof *l);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names NAME of the files PREFIX NAME SUFFIX in dir, sorted by strcmp
 * (byte order, as Python's sorted()). */
static int list_dir(const char *dir, const char *prefix, const char *suffix, subject_list *l, trace_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t lp = strlen(prefix), ls = strlen(suffix);
    memset(l, 0, sizeof *l);
    if (!d)
        return trace__fail(err, "%s: cannot open the folder: %s", dir, strerror(errno));
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        char *name;
        if (len <= lp + ls || strncmp(e->d_name, prefix, lp) != 0 || strcmp(e->d_name + len - ls, suffix) != 0)
            continue;
        if (l->n == l->cap) {
            int cap = l->cap ? l->cap * 2 : 64;
            char **p = realloc(l->names, (size_t)cap * sizeof *p);
            if (!p)
                goto oom;
            l->names = p;
            l->cap = cap;
        }
        name = malloc(len - lp - ls + 1);
        if (!name)
            goto oom;
        memcpy(name, e->d_name + lp, len - lp - ls);
        name[len - lp - ls] = 0;
        l->names[l->n++] = name;
    }
    closedir(d);
    if (l->n > 1)
        qsort(l->names, (size_t)l->n, sizeof *l->names, cmp_names);
    return 0;
oom:
    closedir(d);
    subjects_free(l);
    return trace__fail(err, "%s: out of memory", dir);
}

/* A growing text buffer. */
typedef struct text_buf {
    char *s;
    size_t len, cap;
} text_buf;

static int buf_add(text_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        char *p;
        while (cap < b->len + n + 1)
            cap *= 2;
        p = realloc(b->s, cap);
        if (!p)
            return -1;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
    return 0;
}

/* RouteLLM's prompt equals ours, where "None" in ours may read "nan". */
static int same_prompt(const char *ours, const char *theirs)
{
    while (*ours || *theirs) {
        if (strncmp(ours, "None", 4) == 0 && strncmp(theirs, "nan", 3) == 0 && strncmp(theirs, "None", 4) != 0) {
            ours += 4;
            theirs += 3;
        } else if (*ours == *theirs) {
            ours++;
            theirs++;
        } else {
            return 0;
        }
    }
    return 1;
}

/* The subjects in turn: rows of inputs[0]/<subject>_test.csv joined with
 * inputs[1]/mmlu_<subject>.csv. */
typedef struct mmlu_raw {
    subject_list subjects, responses;
    int next_subject;             /* index in subjects of the next one to open */
    int reading;                  /* 1: test and resp hold a subject */
    char path[2][1200];           /* of test and resp */
    trace__table test, resp;
    text_buf prompt;              /* the question and choices as RouteLLM's prompt */
    int64_t index;                /* questions so far, over all subjects */
} mmlu_raw;

static int mmlu_raw_check(void *st, const trace_import_options *opt, trace_error *err)
{
    (void)st;
    return raw_options(opt, "mmlu-raw", err);
}

static int mmlu_raw_open(void *st, const trace_import_options *opt, trace_error *err)
{
    mmlu_raw *m = st;
    if (list_dir(opt->inputs[0], "", "_test.csv", &m->subjects, err) ||
        list_dir(opt->inputs[1], "mmlu_", ".csv", &m->responses, err))
        return -1;
    if (m->subjects.n == 0)
        return trace__fail(err, "%s: expected files <subject>_test.csv, found none", opt->inputs[0]);
    if (m->responses.n != m->subjects.n)
        return trace__fail(err, "%s: expected one mmlu_<subject>.csv per subject of %s (%d), found %d", opt->inputs[1],
                           opt->inputs[0], m->subjects.n, m->responses.n);
    return 0;
}

static void mmlu_raw_close(void *st)
{
    mmlu_raw *m = st;
    trace__csv_close(&m->test.in);
    trace__csv_close(&m->resp.in);
    subjects_free(&m->subjects);
    subjects_free(&m->responses);
    free(m->prompt.s);
}

/* Opens the next subject when one is used up. */
static int mmlu_raw_next(void *st, const trace_import_options *opt, trace_row *row, trace_error *err)
{
    static const char *const test_names[] = {"question", "choice0", "choice1", "choice2", "choice3", "answer", NULL};
    static const char *const resp_names[] = {"prompt", WEAK_COL, STRONG_COL, NULL};
    static const char *const letters[] = {"\nA. ", "\nB. ", "\nC. ", "\nD. "};
    mmlu_raw *m = st;
    text_buf *prompt = &m->prompt;
    const char *answer;
    int rc_t, rc_r, k;
    for (;;) {
        if (!m->reading) {
            const char *subject;
            if (m->next_subject == m->subjects.n)
                return 0;
            subject = m->subjects.names[m->next_subject++];
            snprintf(m->path[0], sizeof m->path[0], "%s/%s_test.csv", opt->inputs[0], subject);
            snprintf(m->path[1], sizeof m->path[1], "%s/mmlu_%s.csv", opt->inputs[1], subject);
            if (trace__table_open(&m->test, m->path[0], ',', 1, test_names, err) ||
                trace__table_open(&m->resp, m->path[1], ',', 1, resp_names, err))
                return -1;
            m->reading = 1;
        }
        rc_t = trace__table_next(&m->test, err);
        if (rc_t < 0)
            return -1;
        rc_r = trace__table_next(&m->resp, err);
        if (rc_r < 0)
            return -1;
        if (rc_t || rc_r)
            break;
        trace__csv_close(&m->test.in);
        trace__csv_close(&m->resp.in);
        m->reading = 0;
    }
    if (rc_t == 0 || rc_r == 0)
        return trace__fail(err, "%s:%ld: expected one row per question of %s, found %s", m->path[1],
                           rc_t ? m->resp.in.line : m->resp.in.rec_line, m->path[0], rc_t ? "fewer rows" : "more rows");
    answer = trace__table_field(&m->test, 5);
    if (strlen(answer) != 1 || answer[0] < '0' || answer[0] > '3')
        return trace__fail(err, "%s:%ld: column 'answer': expected 0, 1, 2 or 3, found \"%.40s\"", m->path[0],
                           m->test.in.rec_line, answer);
    prompt->len = 0;
    if (buf_add(prompt, trace__table_field(&m->test, 0)))
        goto oom;
    for (k = 0; k < 4; k++)
        if (buf_add(prompt, letters[k]) || buf_add(prompt, trace__table_field(&m->test, 1 + k)))
            goto oom;
    if (buf_add(prompt, "\nAnswer:"))
        goto oom;
    if (!same_prompt(prompt->s, trace__table_field(&m->resp, 0)))
        return trace__fail(err, "%s:%ld: prompt differs from the question and choices on %s:%ld (expected the same "
                                "order)", m->path[1], m->resp.in.rec_line, m->path[0], m->test.in.rec_line);
    row->id = ++m->index;
    if (table_bool(&m->resp, 1, WEAK_COL, &row->q_small, err) || table_bool(&m->resp, 2, STRONG_COL, &row->q_large, err))
        return -1;
    row->in_tokens = trace__tokens_from_text(prompt->s, opt);
    row->out_tokens = opt->mmlu_answer_tokens;
    return 1;
oom:
    return trace__fail(err, "%s: out of memory", m->path[0]);
}

static double gsm8k_raw_fraction(void *st)
{
    return trace__csv_fraction(&((gsm8k_raw *)st)->questions);
}

/* Subjects done, and the part read of the one open. */
static double mmlu_raw_fraction(void *st)
{
    const mmlu_raw *m = st;
    if (m->subjects.n == 0)
        return NAN;
    double part = m->reading ? trace__csv_fraction(&m->test.in) : 0;
    return ((m->reading ? m->next_subject - 1 : m->next_subject) + (isnan(part) ? 0 : part)) / m->subjects.n;
}

/* ---- the registry: each kind's state on the stack, zeroed ---- */

static int run_gsm8k_raw(const trace_import_options *opt, trace_writer *w, int64_t *rows, trace_error *err)
{
    static const trace__importer imp = {"gsm8k", gsm8k_raw_check, gsm8k_raw_open, gsm8k_raw_next, gsm8k_raw_close,
                                        gsm8k_raw_fraction};
    gsm8k_raw g = {0};
    return trace__import_run(&imp, &g, opt, w, rows, err);
}

static int run_mmlu_raw(const trace_import_options *opt, trace_writer *w, int64_t *rows, trace_error *err)
{
    static const trace__importer imp = {"mmlu", mmlu_raw_check, mmlu_raw_open, mmlu_raw_next, mmlu_raw_close,
                                        mmlu_raw_fraction};
    mmlu_raw m = {0};
    return trace__import_run(&imp, &m, opt, w, rows, err);
}

const trace_import_kind trace__kind_gsm8k_raw = {
    "gsm8k-raw", 2, "gsm8k/test.jsonl routellm/gsm8k/gsm8k_responses.csv", run_gsm8k_raw};
const trace_import_kind trace__kind_mmlu_raw = {"mmlu-raw", 2, "mmlu/test routellm/mmlu/responses (folders)",
                                                run_mmlu_raw};
