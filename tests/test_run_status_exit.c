/* test_run_status_exit.c -- the run-status -> exit-code mapping.
 *
 * RUN_STATUSES (sim/run/run.h) gives each way a run can end the exit code of
 * sim/base/exit_codes.h that `edgesim run` returns for it (run_status_exit_code).
 * Checked: each status's code is the documented one for its cause (known
 * answers, README.md's table), it is a code of the exit-code table, every
 * code of the table but none twice is some status's, and a status outside
 * the table is an internal error. */
#include <string.h>

#include "check.h"
#include "sim/run/run.h"

static const struct {
    run_status status;
    int code;
} expected[] = {
    {RUN_OK, 0},          /* ok */
    {RUN_CONFIG, 2},      /* usage or configuration error */
    {RUN_INPUT, 3},       /* bad input data */
    {RUN_OUTPUT, 4},      /* cannot write the output */
    {RUN_INTERRUPTED, 130}, /* SIGINT/SIGTERM */
    {RUN_INTERNAL, 1},    /* a bug or out of memory */
};

static const int exit_codes[] = {
#define EXIT_CODE_(name, code, help) code,
    EDGESIM_EXIT_CODES(EXIT_CODE_)
#undef EXIT_CODE_
};
#define N_EXIT_CODES ((int)(sizeof exit_codes / sizeof exit_codes[0]))

int main(void)
{
    int hits[N_EXIT_CODES];
    memset(hits, 0, sizeof hits);
    CHECK_INT(sizeof expected / sizeof expected[0], RUN_N_STATUSES); /* every status has its known answer */
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        CHECK_INT(run_status_exit_code(expected[i].status), expected[i].code);

    /* Each status's code is in the exit-code table, and the table's codes
     * are reached one status each: no cause without a code, no two causes
     * sharing one. */
#define STATUS_HIT_(status, exit_code, meaning)                   \
    {                                                             \
        int found = 0;                                            \
        for (int c = 0; c < N_EXIT_CODES; c++)                    \
            if (exit_codes[c] == run_status_exit_code(status)) {      \
                hits[c]++;                                        \
                found = 1;                                        \
            }                                                     \
        CHECK(found);                                             \
        CHECK_INT(run_status_exit_code(status), exit_code);           \
    }
    RUN_STATUSES(STATUS_HIT_)
#undef STATUS_HIT_
    for (int c = 0; c < N_EXIT_CODES; c++) {
        if (hits[c] != 1)
            fprintf(stderr, "exit code %d: reached by %d run statuses\n", exit_codes[c], hits[c]);
        CHECK_INT(hits[c], 1);
    }

    /* Only RUN_OK exits 0; anything outside the table is a bug. */
    CHECK_INT(run_status_exit_code(RUN_N_STATUSES), EXIT_INTERNAL);
    CHECK_INT(run_status_exit_code((run_status)-1), EXIT_INTERNAL);
    printf("%d run statuses, %d exit codes\n", (int)RUN_N_STATUSES, N_EXIT_CODES);
    return check_done();
}
