/* test_trace_import.c -- importers on self-made fixtures (known answers),
 * the `edgesim trace` subcommands and their exit codes, and the real files
 * of the benchmark data folder when EDGESIM_SHARED_DATA points at it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include "check.h"
#include "traces/trace.h"

static char fixtures[600];

static const char *fx(const char *name)
{
    static char buf[4][700];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", fixtures, name);
    return buf[k];
}

/* Run `edgesim trace ...` in-process; arguments end at the first NULL. */
static int cli_v(const char **args)
{
    int argc = 1;
    while (args[argc])
        argc++;
    fflush(stdout);
    return trace_cli_main(argc, (char **)args);
}
#define cli(...) cli_v((const char *[]){"trace", __VA_ARGS__, NULL})

/* Read a trace into rows (at most cap); returns the count or -1. */
static int load(const char *path, trace_row *rows, int cap)
{
    trace_error err;
    trace_reader *r = trace_open(path, &err);
    int n = 0, rc;
    if (!r) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    while (n < cap && (rc = trace_next(r, &rows[n], &err)) == 1)
        n++;
    trace_close(r);
    return n;
}

static void test_gsm8k_fixture(void)
{
    trace_row rows[8];
    CHECK_INT(cli("import", "gsm8k", fx("gsm8k_calib.tsv"), "--out", "imp_gsm8k.csv", NULL, NULL, NULL), 0);
    CHECK_INT(load("imp_gsm8k.csv", rows, 8), 4);
    CHECK_INT(rows[0].id, 1);
    /* q_words * 1.3, rounded: 10 -> 13, 20 -> 26, 1 -> 1, 40 -> 52. */
    CHECK_INT(rows[0].in_tokens, 13);
    CHECK_INT(rows[1].in_tokens, 26);
    CHECK_INT(rows[2].in_tokens, 1);
    CHECK_INT(rows[3].in_tokens, 52);
    /* out from the small model's response: 30, 10, 3, 100 words. */
    CHECK_INT(rows[0].out_tokens, 39);
    CHECK_INT(rows[2].out_tokens, 4);
    CHECK_INT(rows[3].out_tokens, 130);
    CHECK_NEAR(rows[1].q_small, 0, 0);
    CHECK_NEAR(rows[1].q_large, 1, 0);
    CHECK_NEAR(rows[2].q_large, 0, 0);
    CHECK(strcmp(rows[0].benchmark, "gsm8k") == 0);
    CHECK(rows[0].p_large > 0 && rows[0].p_large < 1);
    /* Reference solution lengths, and the contaminated row dropped. */
    CHECK_INT(cli("import", "gsm8k", fx("gsm8k_calib.tsv"), "--out", "imp_gsm8k.csv", "--out-from", "reference",
                  "--skip-contaminated", NULL), 0);
    CHECK_INT(load("imp_gsm8k.csv", rows, 8), 3);
    CHECK_INT(rows[0].out_tokens, 26);
    CHECK_INT(rows[1].id, 3);
    CHECK_INT(rows[1].out_tokens, 3);
    /* The same seed gives the same p_large; another seed another one. */
    {
        double p = rows[0].p_large;
        CHECK_INT(cli("import", "gsm8k", fx("gsm8k_calib.tsv"), "--out", "imp_gsm8k.csv", "--out-from", "reference",
                      "--skip-contaminated", NULL), 0);
        load("imp_gsm8k.csv", rows, 8);
        CHECK(rows[0].p_large == p);
        CHECK_INT(cli("import", "gsm8k", fx("gsm8k_calib.tsv"), "--out", "imp_gsm8k.csv", "--seed", "2", NULL, NULL), 0);
        load("imp_gsm8k.csv", rows, 8);
        CHECK(rows[0].p_large != p);
    }
    /* Bad input: exit 3; unwritable output: exit 4; usage: exit 2. */
    CHECK_INT(cli("import", "gsm8k", fx("bad_gsm8k_calib.tsv"), "--out", "imp_bad.csv", NULL, NULL, NULL), 3);
    CHECK_INT(cli("import", "gsm8k", fx("no_such.tsv"), "--out", "imp_bad.csv", NULL, NULL, NULL), 3);
    CHECK_INT(cli("import", "gsm8k", fx("mmlu_calib.tsv"), "--out", "imp_bad.csv", NULL, NULL, NULL), 3);
    CHECK_INT(cli("import", "gsm8k", fx("gsm8k_calib.tsv"), "--out", "no/such/dir/x.csv", NULL, NULL, NULL), 4);
    CHECK_INT(cli("import", "gsm8k", fx("gsm8k_calib.tsv"), "--out", "x.txt", NULL, NULL, NULL), 4);
    CHECK_INT(cli("import", "gsm8k", NULL, NULL, NULL, NULL, NULL, NULL), 2);
    CHECK_INT(cli("import", "cifar", "x", NULL, NULL, NULL, NULL, NULL), 2);
    CHECK_INT(cli("import", "gsm8k", fx("gsm8k_calib.tsv"), "--auc", "abc", NULL, NULL, NULL), 2);
    CHECK_INT(cli("import", "gsm8k", fx("gsm8k_calib.tsv"), "--bogus", NULL, NULL, NULL, NULL), 2);
    CHECK_INT(cli("import", "gsm8k", fx("gsm8k_calib.tsv"), "--out-from", "oracle", "--out", "imp_bad.csv", NULL, NULL), 3);
    remove("imp_gsm8k.csv");
    remove("imp_bad.csv");
}

static void test_mmlu_fixture(void)
{
    trace_row rows[8];
    CHECK_INT(cli("import", "mmlu", fx("mmlu_calib.tsv"), "--out", "imp_mmlu.jsonl", NULL, NULL, NULL), 0);
    CHECK_INT(load("imp_mmlu.jsonl", rows, 8), 3);
    CHECK_INT(rows[0].in_tokens, 29); /* 22 * 1.3 = 28.6 */
    CHECK_INT(rows[2].in_tokens, 195);
    CHECK_INT(rows[0].out_tokens, 1);
    CHECK_NEAR(rows[1].q_small, 0, 0);
    CHECK_NEAR(rows[2].q_large, 0, 0);
    /* Llama-2-7B as the small model: the row without a Llama result is left out. */
    CHECK_INT(cli("import", "mmlu", fx("mmlu_calib.tsv"), "--out", "imp_mmlu.jsonl", "--weak", "llama2",
                  "--mmlu-answer-tokens", "5"), 0);
    CHECK_INT(load("imp_mmlu.jsonl", rows, 8), 2);
    CHECK_NEAR(rows[0].q_small, 1, 0);
    CHECK_NEAR(rows[1].q_small, 0, 0);
    CHECK_INT(rows[1].out_tokens, 5);
    remove("imp_mmlu.jsonl");
}

static void test_mtbench_fixtures(void)
{
    trace_row rows[8];
    CHECK_INT(cli("import", "mtbench", fx("mtbench_calib.tsv"), "--out", "imp_mt.csv", NULL, NULL, NULL), 0);
    CHECK_INT(load("imp_mt.csv", rows, 8), 4);
    CHECK_INT(rows[0].dialogue_id, 81);
    CHECK_INT(rows[1].turn, 2);
    CHECK_NEAR(rows[1].q_small, 0.95, 1e-12);
    CHECK_NEAR(rows[2].q_large, 0.8, 1e-12);
    CHECK_INT(rows[0].out_tokens, 130);

    CHECK_INT(cli("import", "mtbench101", fx("mtbench101.jsonl"), "--out", "imp_101.csv", NULL, NULL, NULL), 0);
    CHECK_INT(load("imp_101.csv", rows, 8), 3);
    CHECK_INT(rows[0].in_tokens, 13); /* 10 words */
    CHECK_INT(rows[0].out_tokens, 1); /* "Yes." */
    CHECK_INT(rows[1].in_tokens, 3);  /* 2 words */
    CHECK_INT(rows[1].out_tokens, 8); /* 6 words */
    CHECK_INT(rows[2].dialogue_id, 5);
    CHECK_INT(rows[2].in_tokens, 3);  /* "héllo wörld": 2 words */
    CHECK_INT(rows[2].out_tokens, 26);
    /* Characters / 4, counting UTF-8 characters, not bytes. */
    CHECK_INT(cli("import", "mtbench101", fx("mtbench101.jsonl"), "--out", "imp_101.csv", "--chars-per-token", "4",
                  NULL, NULL), 0);
    CHECK_INT(load("imp_101.csv", rows, 8), 3);
    CHECK_INT(rows[0].in_tokens, 12); /* 48 characters */
    CHECK_INT(rows[1].out_tokens, 10); /* 38 characters: 9.5 rounds to 10 */
    CHECK_INT(rows[2].in_tokens, 3);  /* 11 characters */
    CHECK_INT(rows[2].out_tokens, 10); /* 39 characters */
    /* A TSV input has no text: the character estimator is refused. */
    CHECK_INT(cli("import", "mtbench", fx("mtbench_calib.tsv"), "--out", "imp_mt.csv", "--chars-per-token", "4",
                  NULL, NULL), 3);
    remove("imp_mt.csv");
    remove("imp_101.csv");
}


/* ---- the raw-file importers (tests/fixtures/traces/raw, made with the
 * formats of SOURCES.md: quoted multi-line fields, doubled quotes, UTF-8) ---- */

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Entries of a folder other than . and .. (leftover temporary files). */
static int dir_entries(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_gsm8k_raw_fixture(void)
{
    trace_row rows[8];
    const char *q = fx("raw/gsm8k_test.jsonl"), *r = fx("raw/gsm8k_responses.csv");
    /* Words (Python str.split) * 1.3, rounded half away from zero:
     * questions 14, 12, 14 words; Mixtral responses 16, 7, 11 words (row 1
     * spans four lines and ends in blank lines, row 3 holds ""hi""). */
    CHECK_INT(cli("import", "gsm8k-raw", q, r, "--out", "raw_g.csv", NULL, NULL), 0);
    CHECK_INT(load("raw_g.csv", rows, 8), 3);
    CHECK_INT(rows[0].id, 1);
    CHECK_INT(rows[2].id, 3);
    CHECK_INT(rows[0].in_tokens, 18);
    CHECK_INT(rows[1].in_tokens, 16);
    CHECK_INT(rows[2].in_tokens, 18);
    CHECK_INT(rows[0].out_tokens, 21);
    CHECK_INT(rows[1].out_tokens, 9);
    CHECK_INT(rows[2].out_tokens, 14);
    CHECK_NEAR(rows[0].q_small, 1, 0);
    CHECK_NEAR(rows[0].q_large, 0, 0);
    CHECK_NEAR(rows[1].q_small, 0, 0);
    CHECK_NEAR(rows[1].q_large, 1, 0);
    CHECK_NEAR(rows[2].q_small, 1, 0);
    CHECK_NEAR(rows[2].q_large, 1, 0);
    CHECK(strcmp(rows[1].benchmark, "gsm8k") == 0);
    /* Characters / 4 without leading and trailing blanks: questions 63, 57
     * ("Janet’s": ’ is one character, three bytes), 65; responses 54 (13.5
     * -> 14), 19, 36. */
    CHECK_INT(cli("import", "gsm8k-raw", q, r, "--out", "raw_g.csv", "--tokens", "chars"), 0);
    CHECK_INT(load("raw_g.csv", rows, 8), 3);
    CHECK_INT(rows[0].in_tokens, 16);
    CHECK_INT(rows[1].in_tokens, 14);
    CHECK_INT(rows[2].in_tokens, 16);
    CHECK_INT(rows[0].out_tokens, 14);
    CHECK_INT(rows[1].out_tokens, 5);
    CHECK_INT(rows[2].out_tokens, 9);
    /* --chars-per-token alone selects characters: 63 / 3 = 21. */
    CHECK_INT(cli("import", "gsm8k-raw", q, r, "--out", "raw_g.csv", "--chars-per-token", "3"), 0);
    CHECK_INT(load("raw_g.csv", rows, 8), 3);
    CHECK_INT(rows[0].in_tokens, 21);
    /* GPT-4's responses (9, 18, 5 words) and the reference solutions before
     * "####" (33, 22, 9 characters). */
    CHECK_INT(cli("import", "gsm8k-raw", q, r, "--out", "raw_g.csv", "--out-from", "large"), 0);
    CHECK_INT(load("raw_g.csv", rows, 8), 3);
    CHECK_INT(rows[0].out_tokens, 12);
    CHECK_INT(rows[1].out_tokens, 23);
    CHECK_INT(rows[2].out_tokens, 7); /* 6.5 rounds up */
    CHECK_INT(cli("import", "gsm8k-raw", q, r, "--out", "raw_g.csv", "--out-from", "reference", "--tokens", "chars",
                  NULL), 0);
    CHECK_INT(load("raw_g.csv", rows, 8), 3);
    CHECK_INT(rows[0].out_tokens, 8);
    CHECK_INT(rows[1].out_tokens, 6);
    CHECK_INT(rows[2].out_tokens, 2);
    /* Same p_large stream as the derived importer: row 1's score is the
     * first draw of the same seed for the same qualities. */
    {
        double p = rows[0].p_large;
        CHECK_INT(cli("import", "gsm8k-raw", q, r, "--out", "raw_g.csv", "--seed", "1"), 0);
        load("raw_g.csv", rows, 8);
        CHECK(rows[0].p_large == p);
    }
    /* Usage errors: exit 2. */
    CHECK_INT(cli("import", "gsm8k-raw", q, "--out", "raw_g.csv", NULL, NULL, NULL), 2);
    CHECK_INT(cli("import", "gsm8k-raw", q, r, "--tokens", "bytes", NULL, NULL), 2);
    CHECK_INT(cli("import", "gsm8k-raw", q, r, "--tokens", "words", "--chars-per-token", "4"), 2);
    /* Unsupported options for the raw inputs, bad input data: exit 3. */
    CHECK_INT(cli("import", "gsm8k-raw", q, r, "--out", "raw_x.csv", "--skip-contaminated", NULL), 3);
    CHECK_INT(cli("import", "gsm8k-raw", q, r, "--out", "raw_x.csv", "--weak", "llama2"), 3);
    CHECK_INT(cli("import", "gsm8k-raw", q, fx("raw/gsm8k_responses_short.csv"), "--out", "raw_x.csv", NULL, NULL), 3);
    CHECK_INT(cli("import", "gsm8k-raw", r, r, "--out", "raw_x.csv", NULL, NULL), 3);
    CHECK_INT(cli("import", "gsm8k-raw", q, fx("raw/missing.csv"), "--out", "raw_x.csv", NULL, NULL), 3);
    /* Out of order: the join is checked on the text. */
    CHECK_INT(write_file("raw_swapped.jsonl", "{\"question\": \"Something else?\", \"answer\": \"1\\n#### 1\"}\n"), 0);
    CHECK_INT(cli("import", "gsm8k-raw", "raw_swapped.jsonl", r, "--out", "raw_x.csv", NULL, NULL), 3);
    /* A reference without "#### n". */
    CHECK_INT(write_file("raw_nomark.jsonl",
                         "{\"question\": \"Tom has 3 apples and buys 4 more. How many apples does he have?\", "
                         "\"answer\": \"7\"}\n"), 0);
    CHECK_INT(cli("import", "gsm8k-raw", "raw_nomark.jsonl", r, "--out", "raw_x.csv", "--out-from", "reference"), 3);
    CHECK(!file_exists("raw_x.csv"));
    remove("raw_swapped.jsonl");
    remove("raw_nomark.jsonl");
    remove("raw_g.csv");
}

static void test_mmlu_raw_fixture(void)
{
    trace_row rows[8];
    const char *t = fx("raw/mmlu_test"), *r = fx("raw/mmlu_responses");
    int i;
    /* Subjects in alphabetical order (astronomy, then zoology), ids over
     * both.  Prompt = question + "\nA. c0" ... + "\nAnswer:": 18, 17, 16,
     * 14, 16 words (row 1's question holds a newline, row 2 ""AU""); zoology
     * row 1 has the choice "None" that RouteLLM's prompt reads "nan". */
    CHECK_INT(cli("import", "mmlu-raw", t, r, "--out", "raw_m.jsonl", NULL, NULL), 0);
    CHECK_INT(load("raw_m.jsonl", rows, 8), 5);
    for (i = 0; i < 5; i++) {
        CHECK_INT(rows[i].id, i + 1);
        CHECK_INT(rows[i].out_tokens, 1);
        CHECK(strcmp(rows[i].benchmark, "mmlu") == 0);
    }
    CHECK_INT(rows[0].in_tokens, 23);
    CHECK_INT(rows[1].in_tokens, 22);
    CHECK_INT(rows[2].in_tokens, 21);
    CHECK_INT(rows[3].in_tokens, 18);
    CHECK_INT(rows[4].in_tokens, 21);
    {
        static const double qs[5] = {1, 1, 0, 1, 0}, ql[5] = {0, 1, 0, 1, 1};
        for (i = 0; i < 5; i++) {
            CHECK_NEAR(rows[i].q_small, qs[i], 0);
            CHECK_NEAR(rows[i].q_large, ql[i], 0);
        }
    }
    /* Characters / 4: 91, 86, 70, 68, 63 characters (21.5 and 17.5 round up). */
    CHECK_INT(cli("import", "mmlu-raw", t, r, "--out", "raw_m.jsonl", "--tokens", "chars", "--mmlu-answer-tokens", "3"),
              0);
    CHECK_INT(load("raw_m.jsonl", rows, 8), 5);
    CHECK_INT(rows[0].in_tokens, 23);
    CHECK_INT(rows[1].in_tokens, 22);
    CHECK_INT(rows[2].in_tokens, 18);
    CHECK_INT(rows[3].in_tokens, 17);
    CHECK_INT(rows[4].in_tokens, 16);
    CHECK_INT(rows[4].out_tokens, 3);
    remove("raw_m.jsonl");

    /* Faults, each exit 3 with no output: a folder without subjects, a
     * missing folder, a responses folder missing a subject, a prompt that
     * does not match its question, a subject one row short. */
    mkdir("raw_mm", 0777);
    mkdir("raw_mm/resp", 0777);
    CHECK_INT(cli("import", "mmlu-raw", "raw_mm/resp", r, "--out", "raw_x.csv", NULL, NULL), 3);
    CHECK_INT(cli("import", "mmlu-raw", t, "raw_mm/none", "--out", "raw_x.csv", NULL, NULL), 3);
    CHECK_INT(write_file("raw_mm/resp/mmlu_zoology.csv", "prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt-4-1106-preview\n"
                                                         "\"Which animal is a mammal?\nA. Shark\nB. Whale\nC. Trout\nD. nan\nAnswer:\",True,True\n"
                                                         "\"How many legs does a spider have?\nA. 6\nB. 8\nC. 10\nD. 12\nAnswer:\",False,True\n"),
              0);
    CHECK_INT(cli("import", "mmlu-raw", t, "raw_mm/resp", "--out", "raw_x.csv", NULL, NULL), 3);
    CHECK_INT(write_file("raw_mm/resp/mmlu_astronomy.csv", "prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt-4-1106-preview\n"
                                                           "\"Is the Moon a star?\nA. Yes\nB. No\nC. Sometimes\nD. None of these\nAnswer:\",False,False\n"),
              0);
    CHECK_INT(cli("import", "mmlu-raw", t, "raw_mm/resp", "--out", "raw_x.csv", NULL, NULL), 3);
    CHECK_INT(write_file("raw_mm/resp/mmlu_astronomy.csv", "prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt-4-1106-preview\n"
                                                           "\"Which planet is\nclosest to the Sun?\nA. Mercury\nB. Venus\nC. Earth, the third\nD. Mars\nAnswer:\",True,False\n"),
              0);
    CHECK_INT(cli("import", "mmlu-raw", t, "raw_mm/resp", "--out", "raw_x.csv", NULL, NULL), 3);
    CHECK(!file_exists("raw_x.csv"));
    remove("raw_mm/resp/mmlu_zoology.csv");
    remove("raw_mm/resp/mmlu_astronomy.csv");
    remove("raw_mm/resp");
    remove("raw_mm");
}

/* A failed import or gen leaves no output file (and no temporary file), and
 * an existing output is left as it was. */
static void test_no_partial_output(void)
{
    const char *q = fx("raw/gsm8k_test.jsonl"), *bad = fx("raw/gsm8k_responses_bad.csv");
    char text[64] = "";
    FILE *f;
    mkdir("atomic", 0777);
    /* Row 2 of 3 is bad ("Maybe" for True/False): row 1 was written already. */
    CHECK_INT(cli("import", "gsm8k-raw", q, bad, "--out", "atomic/out.csv", NULL, NULL), 3);
    CHECK(!file_exists("atomic/out.csv"));
    CHECK_INT(dir_entries("atomic"), 0);
    CHECK_INT(cli("import", "gsm8k", fx("bad_gsm8k_calib.tsv"), "--out", "atomic/out.jsonl", NULL, NULL, NULL), 3);
    CHECK_INT(dir_entries("atomic"), 0);
    /* An existing trace survives a failed import untouched. */
    CHECK_INT(write_file("atomic/keep.csv", "previous contents\n"), 0);
    CHECK_INT(cli("import", "gsm8k-raw", q, bad, "--out", "atomic/keep.csv", NULL, NULL), 3);
    f = fopen("atomic/keep.csv", "rb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fgets(text, sizeof text, f) != NULL);
        fclose(f);
    }
    CHECK(strcmp(text, "previous contents\n") == 0);
    CHECK_INT(dir_entries("atomic"), 1);
    /* A good import replaces it. */
    CHECK_INT(cli("import", "gsm8k-raw", q, fx("raw/gsm8k_responses.csv"), "--out", "atomic/keep.csv", NULL, NULL), 0);
    {
        trace_row rows[4];
        CHECK_INT(load("atomic/keep.csv", rows, 4), 3);
    }
    CHECK_INT(dir_entries("atomic"), 1);
    remove("atomic/keep.csv");
    /* gen into a folder that is a file: exit 4, nothing created. */
    CHECK_INT(cli("gen", "--queries", "5", "--out", "atomic/keep.csv/x.csv", NULL, NULL, NULL, NULL), 4);
    CHECK_INT(dir_entries("atomic"), 0);
    remove("atomic");
}

static void test_cli(void)
{
    const char *cmds[] = {"import", "gen", "stats", "check"};
    trace_row rows[8];
    int i;
    for (i = 0; i < 4; i++)
        CHECK_INT(cli(cmds[i], "--help", NULL, NULL, NULL, NULL, NULL, NULL), 0);
    CHECK_INT(cli("--help", NULL, NULL, NULL, NULL, NULL, NULL, NULL), 0);
    CHECK_INT(cli(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), 2);
    CHECK_INT(cli("frobnicate", NULL, NULL, NULL, NULL, NULL, NULL, NULL), 2);
    CHECK_INT(cli("check", fx("small.csv"), NULL, NULL, NULL, NULL, NULL, NULL), 0);
    CHECK_INT(cli("check", fx("dup_ids.csv"), NULL, NULL, NULL, NULL, NULL, NULL), 3);
    CHECK_INT(cli("stats", fx("small.csv"), NULL, NULL, NULL, NULL, NULL, NULL), 0);
    CHECK_INT(cli("stats", fx("dup_ids.csv"), NULL, NULL, NULL, NULL, NULL, NULL), 3);
    CHECK_INT(cli("stats", NULL, NULL, NULL, NULL, NULL, NULL, NULL), 2);
    CHECK_INT(cli("gen", "--queries", "5", "--dialogues", "1", "--out", "gen.csv", "--arrival", "poisson"), 0);
    CHECK(load("gen.csv", rows, 8) >= 7);
    CHECK(!isnan(rows[0].t_arr_s));
    CHECK_INT(cli("gen", "--benchmark", "cifar", "--out", "gen.csv", NULL, NULL, NULL, NULL), 2);
    CHECK_INT(cli("gen", "--queries", "5", "--out", "/no/such/dir/gen.csv", NULL, NULL, NULL, NULL), 4);
    remove("gen.csv");

    /* stats on the fixture: known answers. */
    {
        trace_stats *st = trace_stats_create();
        trace_summary s;
        int n = load(fx("small.csv"), rows, 8);
        CHECK_INT(n, 4);
        for (i = 0; i < n; i++)
            trace_stats_add(st, &rows[i]);
        trace_stats_summary(st, &s);
        CHECK_INT(s.rows, 4);
        CHECK_INT(s.dialogues, 1);
        CHECK_INT(s.queries, 2);
        CHECK_NEAR(s.acc_small, 0.5, 1e-12);
        CHECK_NEAR(s.acc_large, 0.5, 1e-12);
        CHECK_NEAR(s.both, 0.25, 1e-12);
        CHECK_NEAR(s.only_large, 0.25, 1e-12);
        /* One positive (p 0.9) above all three negatives: AUC 1. */
        CHECK_NEAR(s.auc, 1.0, 1e-12);
        CHECK_NEAR(s.in_q[1], 7, 0);  /* lower median of 5, 7, 10, 20 */
        CHECK_NEAR(s.in_q[4], 20, 0);
        trace_stats_destroy(st);
    }
}

/* Byte-for-byte equality of two files. */
static int same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb, ca, cb;
    while (same) {
        ca = getc(fa);
        cb = getc(fb);
        same = ca == cb;
        if (ca == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

/* The real files: counts and accuracies of SOURCES.md "Derived figures"; the
 * raw importers under the word estimator reproduce the derived importers'
 * traces byte for byte (same word counts as reduce.py, same p_large). */
static void test_real_data(void)
{
    const char *dir = getenv("EDGESIM_SHARED_DATA");
    char in[2][700];
    struct stat sb;
    trace_error err;
    trace_row row;
    trace_summary s;
    static const struct {
        const char *kind, *input, *input2, *weak, *tokens;
        long rows, dialogues;
        double acc_small, acc_large, only_large;
    } cases[] = {
        {"gsm8k", "derived/gsm8k_calib.tsv", NULL, "mixtral", "words", 1319, 0, 0.6384, 0.8567, 0.2904},
        {"gsm8k-raw", "gsm8k/test.jsonl", "routellm/gsm8k/gsm8k_responses.csv", "mixtral", "words", 1319, 0, 0.6384,
         0.8567, 0.2904},
        {"gsm8k-raw", "gsm8k/test.jsonl", "routellm/gsm8k/gsm8k_responses.csv", "mixtral", "chars", 1319, 0, 0.6384,
         0.8567, 0.2904},
        {"mmlu", "derived/mmlu_calib.tsv", NULL, "mixtral", "words", 14042, 0, 0.6808, 0.8058, 0.1778},
        {"mmlu-raw", "mmlu/test", "routellm/mmlu/responses", "mixtral", "words", 14042, 0, 0.6808, 0.8058, 0.1778},
        {"mmlu-raw", "mmlu/test", "routellm/mmlu/responses", "mixtral", "chars", 14042, 0, 0.6808, 0.8058, 0.1778},
        {"mmlu", "derived/mmlu_calib.tsv", NULL, "llama2", "words", 12343, 0, 0.4692, 0.8179, 0.3967},
        {"mtbench", "derived/mtbench_calib.tsv", NULL, "mixtral", "words", 160, 80, 0.8341, 0.9228, -1},
        {"mtbench101", "mt_bench_101/mtbench101.jsonl", NULL, "mixtral", "words", 4208, 1388, -1, -1, -1},
        {"mtbench101", "mt_bench_101/mtbench101.jsonl", NULL, "mixtral", "chars", 4208, 1388, -1, -1, -1},
    };
    size_t i;
    snprintf(in[0], sizeof in[0], "%s/SOURCES.md", dir ? dir : "");
    if (!dir || stat(in[0], &sb) != 0) {
        printf("skipped: real-data import checks (EDGESIM_SHARED_DATA not set or no SOURCES.md there)\n");
        return;
    }
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        trace_stats *st = trace_stats_create();
        trace_reader *r;
        char out[64];
        snprintf(out, sizeof out, "imp_real_%zu.csv", i);
        snprintf(in[0], sizeof in[0], "%s/%s", dir, cases[i].input);
        snprintf(in[1], sizeof in[1], "%s/%s", dir, cases[i].input2 ? cases[i].input2 : "");
        if (cases[i].input2)
            CHECK_INT(cli("import", cases[i].kind, in[0], in[1], "--out", out, "--weak", cases[i].weak, "--tokens",
                          cases[i].tokens), 0);
        else
            CHECK_INT(cli("import", cases[i].kind, in[0], "--out", out, "--weak", cases[i].weak, "--tokens",
                          cases[i].tokens), 0);
        r = trace_open(out, &err);
        CHECK(r != NULL);
        if (!r) {
            trace_stats_destroy(st);
            continue;
        }
        while (trace_next(r, &row, &err) == 1)
            trace_stats_add(st, &row);
        trace_close(r);
        trace_stats_summary(st, &s);
        printf("real %s (%s, %s): rows %lld dialogues %lld acc %.4f %.4f only_large %.4f auc %.3f\n"
               "    in_tokens mean %.1f p10/p50/p90 %g/%g/%g max %g; out_tokens mean %.1f p10/p50/p90 %g/%g/%g max %g\n",
               cases[i].kind, cases[i].weak, cases[i].tokens, (long long)s.rows, (long long)s.dialogues, s.acc_small,
               s.acc_large, s.only_large, s.auc, s.in_mean, s.in_q[0], s.in_q[1], s.in_q[2], s.in_q[4], s.out_mean,
               s.out_q[0], s.out_q[1], s.out_q[2], s.out_q[4]);
        CHECK_INT(s.rows, cases[i].rows);
        CHECK_INT(s.dialogues, cases[i].dialogues);
        if (cases[i].acc_small >= 0) {
            CHECK_NEAR(s.acc_small, cases[i].acc_small, 5e-5);
            CHECK_NEAR(s.acc_large, cases[i].acc_large, 5e-5);
        }
        if (cases[i].only_large >= 0)
            CHECK_NEAR(s.only_large, cases[i].only_large, 5e-5);
        /* The synthetic score hits its target up to sampling error (160 MT-Bench turns: sd ~0.04). */
        CHECK_NEAR(s.auc, 0.75, s.rows < 1000 ? 0.12 : 0.03);
        /* Input lengths: the words estimate of a derived table's median
         * (SOURCES.md: GSM8K question 43 words, MMLU prompt 51) and a
         * characters estimate within 25% of it (English: ~4.7 characters
         * per word with the space, OpenAI's 4 characters per token). */
        if (strncmp(cases[i].kind, "gsm8k", 5) == 0 || strncmp(cases[i].kind, "mmlu", 4) == 0) {
            double words_p50 = strncmp(cases[i].kind, "gsm8k", 5) == 0 ? 43 : 51;
            if (strcmp(cases[i].tokens, "words") == 0 && strcmp(cases[i].weak, "mixtral") == 0)
                CHECK_NEAR(s.in_q[1], floor(words_p50 * 1.3 + 0.5), 1);
            else if (strcmp(cases[i].tokens, "chars") == 0)
                CHECK_NEAR(s.in_q[1] / (words_p50 * 1.3), 1, 0.25);
        }
        trace_stats_destroy(st);
    }
    /* Raw (words) and derived imports are the same trace. */
    CHECK(same_file("imp_real_0.csv", "imp_real_1.csv"));
    CHECK(same_file("imp_real_3.csv", "imp_real_4.csv"));
    CHECK(!same_file("imp_real_1.csv", "imp_real_2.csv"));
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        snprintf(out, sizeof out, "imp_real_%zu.csv", i);
        remove(out);
    }
}

int main(void)
{
    const char *src = getenv("EDGESIM_SOURCE_DIR");
    snprintf(fixtures, sizeof fixtures, "%s/tests/fixtures/traces", src ? src : "..");
    test_gsm8k_fixture();
    test_mmlu_fixture();
    test_mtbench_fixtures();
    test_gsm8k_raw_fixture();
    test_mmlu_raw_fixture();
    test_no_partial_output();
    test_cli();
    test_real_data();
    return check_done();
}
