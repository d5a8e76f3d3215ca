/* test_trace_import.c -- importers on self-made fixtures (known answers),
 * the `edgesim trace` subcommands and their exit codes, and the real files
 * of the shared data folder when EDGESIM_SHARED_DATA points at them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/check.h"
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

/* The real files: counts and accuracies of SOURCES.md "Derived figures". */
static void test_real_data(void)
{
    const char *dir = getenv("EDGESIM_SHARED_DATA");
    char in[700];
    struct stat sb;
    trace_error err;
    trace_row row;
    trace_summary s;
    static const struct {
        const char *kind, *input, *weak;
        long rows, dialogues;
        double acc_small, acc_large, only_large;
    } cases[] = {
        {"gsm8k", "derived/gsm8k_calib.tsv", "mixtral", 1319, 0, 0.6384, 0.8567, 0.2904},
        {"mmlu", "derived/mmlu_calib.tsv", "mixtral", 14042, 0, 0.6808, 0.8058, 0.1778},
        {"mmlu", "derived/mmlu_calib.tsv", "llama2", 12343, 0, 0.4692, 0.8179, 0.3967},
        {"mtbench", "derived/mtbench_calib.tsv", "mixtral", 160, 80, 0.8341, 0.9228, -1},
        {"mtbench101", "mt_bench_101/mtbench101.jsonl", "mixtral", 4208, 1388, -1, -1, -1},
    };
    size_t i;
    snprintf(in, sizeof in, "%s/SOURCES.md", dir ? dir : "");
    if (!dir || stat(in, &sb) != 0) {
        printf("skipped: real-data import checks (EDGESIM_SHARED_DATA not set or no SOURCES.md there)\n");
        return;
    }
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        trace_stats *st = trace_stats_create();
        trace_reader *r;
        snprintf(in, sizeof in, "%s/%s", dir, cases[i].input);
        CHECK_INT(cli("import", cases[i].kind, in, "--out", "imp_real.csv", "--weak", cases[i].weak, NULL, NULL), 0);
        r = trace_open("imp_real.csv", &err);
        CHECK(r != NULL);
        if (!r) {
            trace_stats_destroy(st);
            continue;
        }
        while (trace_next(r, &row, &err) == 1)
            trace_stats_add(st, &row);
        trace_close(r);
        trace_stats_summary(st, &s);
        printf("real %s (%s): rows %lld dialogues %lld acc %.4f %.4f only_large %.4f auc %.3f\n", cases[i].kind,
               cases[i].weak, (long long)s.rows, (long long)s.dialogues, s.acc_small, s.acc_large, s.only_large, s.auc);
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
        trace_stats_destroy(st);
    }
    remove("imp_real.csv");
}

int main(void)
{
    const char *src = getenv("EDGESIM_SOURCE_DIR");
    snprintf(fixtures, sizeof fixtures, "%s/tests/fixtures/traces", src ? src : "..");
    test_gsm8k_fixture();
    test_mmlu_fixture();
    test_mtbench_fixtures();
    test_cli();
    test_real_data();
    return check_done();
}
