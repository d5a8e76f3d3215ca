/* exit_codes.h -- the process exit codes of every edgesim command: one table.
 *
 * X(NAME, code, help line).  The enum, every command's --help and the table
 * in README.md (checked by tests/cli/exit_codes.sh) are generated from it; a
 * new cause is one line here.  One code per cause, whatever the command.
 */
#ifndef EDGESIM_EXIT_CODES_H
#define EDGESIM_EXIT_CODES_H

#include <stdio.h>

#define EDGESIM_EXIT_CODES(X)                                                                       \
    X(EXIT_OK, 0, "ok")                                                                             \
    X(EXIT_INTERNAL, 1, "internal error (a bug) or out of memory")                                  \
    X(EXIT_USAGE, 2, "usage or configuration error: command line, scenario, keys, policy, plug-in (also one that crashes, loops or returns an invalid route)") \
    X(EXIT_INPUT, 3, "bad input data: trace, importer input, a database to read")                   \
    X(EXIT_OUTPUT, 4, "cannot write the output: database, trace, plot, standard output")            \
    X(EXIT_INTERRUPTED, 130, "interrupted by SIGINT/SIGTERM (the unfinished run is removed)")

#define EDGESIM_EXIT_ENUM_(name, code, help) name = code,
enum cli_exit { EDGESIM_EXIT_CODES(EDGESIM_EXIT_ENUM_) };
#undef EDGESIM_EXIT_ENUM_

/* The table as printed at the end of every --help:
 * "Exit codes:\n" then one "  CODE  help\n" line per code. */
void exit_codes_print(FILE *out);

#endif
