/* test_sim_opts.c -- the option parser of every command (sim/base/opts.h):
 * values land in their targets, every bound is checked (a list one too long,
 * a positional argument one too many), missing values and outputs that keep
 * nothing are usage errors, and the help lists every option and the exit
 * codes. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sim/base/opts.h"

typedef struct args {
    const char *out, *name;
    long n;
    double x;
    int quiet;
    const char *items[3];
    opt_list list;
    const char *pos[2];
    int npos;
} args;

static int saved_fd = -1;

/* The parser's messages are expected: keep them out of the test's output. */
static void mute_stderr(void)
{
    fflush(stderr);
    saved_fd = dup(2);
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
        dup2(null, 2);
        close(null);
    }
}

static void unmute_stderr(void)
{
    fflush(stderr);
    if (saved_fd >= 0) {
        dup2(saved_fd, 2);
        close(saved_fd);
        saved_fd = -1;
    }
}

/* Parse the NULL-terminated words with stderr muted. */
static int parse(args *a, const char *const *words)
{
    char *argv[600];
    int argc = 0;
    argv[argc++] = "test";
    for (; *words && argc < 599; words++)
        argv[argc++] = (char *)*words;
    argv[argc] = NULL;
    memset(a, 0, sizeof *a);
    a->n = -1;
    a->list = (opt_list){a->items, 3, 0};
    const opt_def opts[] = {
        {"--output", 'o', OPT_OUTPUT, &a->out, 0, 0, "FILE", "where", 0},
        {"--name", 0, OPT_STR, &a->name, 0, 0, "NAME", "a name", 0},
        {"--count", 'n', OPT_INT, &a->n, 1, 10, "N", "a count", 0},
        {"--x", 0, OPT_NUM, &a->x, -1, 1, "X", "a number", 0},
        {"--item", 0, OPT_LIST, &a->list, 0, 0, "I", "an item", 0},
        {"--quiet", 'q', OPT_FLAG, &a->quiet, 0, 0, NULL, "quiet", 0},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, 0},
    };
    const opt_command c = {"edgesim test", "IN [OUT]", "About.\n", opts, a->pos, 1, 2, &a->npos};
    mute_stderr();
    int rc = opts_parse(&c, argc, argv);
    unmute_stderr();
    return rc;
}

#define W(...) ((const char *const[]){__VA_ARGS__, NULL})

int main(void)
{
    args a;
    CHECK_INT(parse(&a, W("in", "-o", "o.db", "--name=x", "-n", "3", "--x", "-0.5", "--item", "a", "--item", "b",
                          "-q", "out")),
              OPTS_OK);
    CHECK(a.out && strcmp(a.out, "o.db") == 0);
    CHECK(a.name && strcmp(a.name, "x") == 0);
    CHECK_INT(a.n, 3);
    CHECK_NEAR(a.x, -0.5, 0);
    CHECK_INT(a.list.n, 2);
    CHECK(a.quiet);
    CHECK_INT(a.npos, 2);
    CHECK(strcmp(a.pos[0], "in") == 0 && strcmp(a.pos[1], "out") == 0);

    /* Bounds: a list one too long, a positional one too many, none given. */
    CHECK_INT(parse(&a, W("in", "--item", "1", "--item", "2", "--item", "3")), OPTS_OK);
    CHECK_INT(parse(&a, W("in", "--item", "1", "--item", "2", "--item", "3", "--item", "4")), OPTS_ERROR);
    CHECK_INT(a.list.n, 3);
    CHECK_INT(parse(&a, W("in", "out", "more")), OPTS_ERROR);
    CHECK_INT(parse(&a, W("-q")), OPTS_ERROR);
    /* Many repeats of a scalar option only overwrite it (the old run parser
     * wrote past a 256-slot array at the 257th --seed). */
    {
        const char *many[520];
        int k = 0;
        many[k++] = "in";
        for (int i = 0; i < 257; i++) {
            many[k++] = "-n";
            many[k++] = "7";
        }
        many[k] = NULL;
        CHECK_INT(parse(&a, many), OPTS_OK);
        CHECK_INT(a.n, 7);
    }

    /* Values: missing, out of range, malformed, empty. */
    CHECK_INT(parse(&a, W("in", "-n")), OPTS_ERROR);
    CHECK_INT(parse(&a, W("in", "-n", "11")), OPTS_ERROR);
    CHECK_INT(parse(&a, W("in", "-n", "0")), OPTS_ERROR);
    CHECK_INT(parse(&a, W("in", "-n", "3x")), OPTS_ERROR);
    CHECK_INT(parse(&a, W("in", "--x", "nan")), OPTS_ERROR);
    CHECK_INT(parse(&a, W("in", "--x", "2")), OPTS_ERROR);
    CHECK_INT(parse(&a, W("in", "--name", "")), OPTS_ERROR);
    CHECK_INT(parse(&a, W("in", "--quiet=1")), OPTS_ERROR);
    CHECK_INT(parse(&a, W("in", "--bogus")), OPTS_ERROR);
    CHECK_INT(parse(&a, W("in", "-z")), OPTS_ERROR);

    /* Outputs that keep nothing, or an option taken for a file name. */
    CHECK_INT(parse(&a, W("in", "-o", "")), OPTS_ERROR);
    CHECK_INT(parse(&a, W("in", "-o", ":memory:")), OPTS_ERROR);
    CHECK_INT(parse(&a, W("in", "-o")), OPTS_ERROR);
    CHECK_INT(parse(&a, W("in", "-o", "-q")), OPTS_ERROR);
    CHECK_INT(parse(&a, W("in", "-o", "-")), OPTS_ERROR); /* no OPT_STDOUT */
    CHECK(a.out == NULL);

    /* "--" ends the options; "-" is a positional argument. */
    CHECK_INT(parse(&a, W("--", "-q")), OPTS_OK);
    CHECK(!a.quiet && a.npos == 1 && strcmp(a.pos[0], "-q") == 0);
    CHECK_INT(parse(&a, W("-")), OPTS_OK);

    /* The help: usage, every option with its value name, the exit codes. */
    {
        char buf[4096] = {0};
        FILE *f = fmemopen(buf, sizeof buf - 1, "w");
        const opt_def opts[] = {
            {"--output", 'o', OPT_OUTPUT, NULL, 0, 0, "FILE", "where it goes", 0},
            {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, 0},
        };
        const opt_command c = {"edgesim test", "IN", "About.\n", opts, NULL, 1, 1, NULL};
        opts_print_help(&c, f);
        fclose(f);
        CHECK(strstr(buf, "usage: edgesim test IN") != NULL);
        CHECK(strstr(buf, "-o, --output FILE") != NULL);
        CHECK(strstr(buf, "-h, --help") != NULL);
        CHECK(strstr(buf, "Exit codes:") != NULL);
        CHECK(strstr(buf, "  130  interrupted") != NULL);
    }

    /* Standard output that cannot be written is reported (exit 4). */
    {
        FILE *full = fopen("/dev/full", "w");
        if (full) {
            fprintf(full, "x");
            mute_stderr();
            int rc = opts_check_output(full, "test");
            unmute_stderr();
            CHECK_INT(rc, 4);
            fclose(full);
        }
    }
    return check_done();
}
