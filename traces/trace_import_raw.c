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
#include "traces/trace_internal.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WEAK_COL "mistralai/Mixtral-8x7B-Instruct-v0.1"
#define STRONG_COL "gpt-4-1106-preview"

/* "True" -> 1, "False" -> 0 (RouteLLM's correctness columns). */
static int table_bool(const trace__table *t, int i, const char *name, double *out, trace_error *err)
{
    int f = t->idx[i];
    const char *s = trace__csv_field(&t->in, f);
    char found[96];
    if (strcmp(s, "True") == 0 || strcmp(s, "False") == 0) {
        *out = s[0] == 'T';
        return 0;
    }
    trace__describe(s, t->in.len[f], found, sizeof found);
    return trace__fail(err, "%s:%ld:%ld: column '%s': expected True or False, found %s", t->in.name, t->in.fline[f],
                       t->in.fcol[f], name, found);
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

static int import_gsm8k_raw(const trace_import_options *opt, trace_writer *w, int64_t *rows, trace_error *err)
{
    static const char *const names[] = {"prompt", WEAK_COL, STRONG_COL, WEAK_COL "_response", STRONG_COL "_response",
                                        NULL};
    trace_csv questions;
    trace__table resp;
    trace__scorer sc = {0};
    cJSON *obj = NULL;
    int rc_q, rc_r, which;
    int64_t index = 0;
    trace_row row;
    if (strcmp(opt->out_from, "small") == 0)
        which = 3;
    else if (strcmp(opt->out_from, "large") == 0)
        which = 4;
    else if (strcmp(opt->out_from, "reference") == 0)
        which = -1;
    else
        return trace__fail(err, "--out-from: expected small, large or reference, found \"%s\"", opt->out_from);
    if (raw_options(opt, "gsm8k-raw", err) || trace__scorer_init(&sc, opt, err))
        goto fail_sc;
    if (trace__csv_open(&questions, opt->inputs[0], '\n', 0, err))
        goto fail_sc;
    if (trace__table_open(&resp, opt->inputs[1], ',', 1, names, err))
        goto fail;
    for (;;) {
        const cJSON *question, *answer;
        const char *end = NULL;
        rc_q = trace__csv_line(&questions, err);
        if (rc_q < 0)
            goto fail;
        rc_r = trace__table_next(&resp, err);
        if (rc_r < 0)
            goto fail;
        if (rc_q == 0 && rc_r == 0)
            break;
        if (rc_q == 0 || rc_r == 0) {
            if (rc_q)
                trace__fail(err, "%s: expected one row per line of %s, found only %lld rows", resp.in.name,
                            questions.name, (long long)index);
            else
                trace__fail(err, "%s:%ld: expected %lld rows, one per line of %s, found more", resp.in.name,
                            resp.in.rec_line, (long long)index, questions.name);
            goto fail;
        }
        obj = cJSON_ParseWithOpts(questions.rec, &end, 1);
        question = cJSON_GetObjectItemCaseSensitive(obj, "question");
        answer = cJSON_GetObjectItemCaseSensitive(obj, "answer");
        if (!cJSON_IsString(question) || !cJSON_IsString(answer)) {
            trace__fail(err, "%s:%ld:1: expected a JSON object {\"question\": string, \"answer\": string}, found %s",
                        questions.name, questions.rec_line, obj ? "other fields" : "invalid JSON");
            goto fail;
        }
        if (strcmp(question->valuestring, trace__table_field(&resp, 0)) != 0) {
            trace__fail(err, "%s:%ld: prompt differs from the question on %s:%ld (expected the same order)", resp.in.name,
                        resp.in.rec_line, questions.name, questions.rec_line);
            goto fail;
        }
        trace_row_init(&row);
        row.id = ++index;
        if (table_bool(&resp, 1, WEAK_COL, &row.q_small, err) || table_bool(&resp, 2, STRONG_COL, &row.q_large, err))
            goto fail;
        row.in_tokens = trace__tokens_from_text(question->valuestring, opt);
        if (which < 0) { /* the worked solution before "#### <number>" */
            char *mark = strstr(answer->valuestring, "####");
            if (!mark) {
                trace__fail(err, "%s:%ld:1: \"answer\": expected a final \"#### <number>\" line, found none",
                            questions.name, questions.rec_line);
                goto fail;
            }
            *mark = 0;
            row.out_tokens = trace__tokens_from_text(answer->valuestring, opt);
        } else {
            row.out_tokens = trace__tokens_from_text(trace__table_field(&resp, which), opt);
        }
        row.p_large = trace_router_score(sc.r, sc.dprime, row.q_small, row.q_large);
        snprintf(row.benchmark, sizeof row.benchmark, "gsm8k");
        if (trace__emit(w, &row, rows, err))
            goto fail;
        cJSON_Delete(obj);
        obj = NULL;
    }
    trace__csv_close(&resp.in);
    trace__csv_close(&questions);
    gsl_rng_free(sc.r);
    return 0;
fail:
    cJSON_Delete(obj);
    trace__csv_close(&resp.in);
    trace__csv_close(&questions);
fail_sc:
    gsl_rng_free(sc.r);
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

/* One subject: rows of dir_test/<subject>_test.csv joined with
 * dir_resp/mmlu_<subject>.csv.  *index counts questions over all subjects. */
static int import_subject(const trace_import_options *opt, const char *subject, trace__scorer *sc, text_buf *prompt,
                          trace_writer *w, int64_t *index, int64_t *rows, trace_error *err)
{
    static const char *const test_names[] = {"question", "choice0", "choice1", "choice2", "choice3", "answer", NULL};
    static const char *const resp_names[] = {"prompt", WEAK_COL, STRONG_COL, NULL};
    static const char *const letters[] = {"\nA. ", "\nB. ", "\nC. ", "\nD. "};
    char path[2][1200];
    trace__table test, resp;
    trace_row row;
    int rc_t, rc_r, k;
    snprintf(path[0], sizeof path[0], "%s/%s_test.csv", opt->inputs[0], subject);
    snprintf(path[1], sizeof path[1], "%s/mmlu_%s.csv", opt->inputs[1], subject);
    if (trace__table_open(&test, path[0], ',', 1, test_names, err)) {
        trace__csv_close(&test.in);
        return -1;
    }
    if (trace__table_open(&resp, path[1], ',', 1, resp_names, err))
        goto fail;
    for (;;) {
        const char *answer;
        rc_t = trace__table_next(&test, err);
        if (rc_t < 0)
            goto fail;
        rc_r = trace__table_next(&resp, err);
        if (rc_r < 0)
            goto fail;
        if (rc_t == 0 && rc_r == 0)
            break;
        if (rc_t == 0 || rc_r == 0) {
            trace__fail(err, "%s:%ld: expected one row per question of %s, found %s", path[1],
                        rc_t ? resp.in.line : resp.in.rec_line, path[0], rc_t ? "fewer rows" : "more rows");
            goto fail;
        }
        answer = trace__table_field(&test, 5);
        if (strlen(answer) != 1 || answer[0] < '0' || answer[0] > '3') {
            trace__fail(err, "%s:%ld: column 'answer': expected 0, 1, 2 or 3, found \"%.40s\"", path[0],
                        test.in.rec_line, answer);
            goto fail;
        }
        prompt->len = 0;
        if (buf_add(prompt, trace__table_field(&test, 0)))
            goto oom;
        for (k = 0; k < 4; k++)
            if (buf_add(prompt, letters[k]) || buf_add(prompt, trace__table_field(&test, 1 + k)))
                goto oom;
        if (buf_add(prompt, "\nAnswer:"))
            goto oom;
        if (!same_prompt(prompt->s, trace__table_field(&resp, 0))) {
            trace__fail(err, "%s:%ld: prompt differs from the question and choices on %s:%ld (expected the same order)",
                        path[1], resp.in.rec_line, path[0], test.in.rec_line);
            goto fail;
        }
        trace_row_init(&row);
        row.id = ++*index;
        if (table_bool(&resp, 1, WEAK_COL, &row.q_small, err) || table_bool(&resp, 2, STRONG_COL, &row.q_large, err))
            goto fail;
        row.in_tokens = trace__tokens_from_text(prompt->s, opt);
        row.out_tokens = opt->mmlu_answer_tokens;
        row.p_large = trace_router_score(sc->r, sc->dprime, row.q_small, row.q_large);
        snprintf(row.benchmark, sizeof row.benchmark, "mmlu");
        if (trace__emit(w, &row, rows, err))
            goto fail;
    }
    trace__csv_close(&test.in);
    trace__csv_close(&resp.in);
    return 0;
oom:
    trace__fail(err, "%s: out of memory", path[0]);
fail:
    trace__csv_close(&test.in);
    trace__csv_close(&resp.in);
    return -1;
}

static int import_mmlu_raw(const trace_import_options *opt, trace_writer *w, int64_t *rows, trace_error *err)
{
    subject_list subjects = {0}, responses = {0};
    trace__scorer sc = {0};
    text_buf prompt = {0};
    int64_t index = 0;
    int i;
    if (raw_options(opt, "mmlu-raw", err) || trace__scorer_init(&sc, opt, err))
        goto fail;
    if (list_dir(opt->inputs[0], "", "_test.csv", &subjects, err) ||
        list_dir(opt->inputs[1], "mmlu_", ".csv", &responses, err))
        goto fail;
    if (subjects.n == 0) {
        trace__fail(err, "%s: expected files <subject>_test.csv, found none", opt->inputs[0]);
        goto fail;
    }
    if (responses.n != subjects.n) {
        trace__fail(err, "%s: expected one mmlu_<subject>.csv per subject of %s (%d), found %d", opt->inputs[1],
                    opt->inputs[0], subjects.n, responses.n);
        goto fail;
    }
    for (i = 0; i < subjects.n; i++)
        if (import_subject(opt, subjects.names[i], &sc, &prompt, w, &index, rows, err))
            goto fail;
    subjects_free(&subjects);
    subjects_free(&responses);
    free(prompt.s);
    gsl_rng_free(sc.r);
    return 0;
fail:
    subjects_free(&subjects);
    subjects_free(&responses);
    free(prompt.s);
    gsl_rng_free(sc.r);
    return -1;
}

const trace_import_kind trace__kind_gsm8k_raw = {
    "gsm8k-raw", 2, "gsm8k/test.jsonl routellm/gsm8k/gsm8k_responses.csv", import_gsm8k_raw};
const trace_import_kind trace__kind_mmlu_raw = {"mmlu-raw", 2, "mmlu/test routellm/mmlu/responses (folders)",
                                                import_mmlu_raw};
