/* cli.h -- the command line: `edgesim COMMAND ...`.  Exit codes: cli_exit. */
#ifndef EDGESIM_CLI_H
#define EDGESIM_CLI_H

/* Documented exit codes (also in README.md and `edgesim --help`). */
enum cli_exit {
    EXIT_OK = 0,
    EXIT_INTERNAL = 1,   /* a bug or out of memory */
    EXIT_USAGE = 2,      /* bad command line, scenario or configuration */
    EXIT_INPUT = 3,      /* bad input data: trace, importer input */
    EXIT_OUTPUT = 4,     /* cannot write the database or another output */
    EXIT_INTERRUPTED = 130 /* SIGINT/SIGTERM: the unfinished run was removed */
};

int cli_main(int argc, char **argv);

/* `edgesim merge OUT.db IN.db...` (merge.c). */
int merge_main(int argc, char **argv);

#endif
