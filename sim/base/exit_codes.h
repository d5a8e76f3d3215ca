/* exit_codes.h -- the process exit codes of every edgesim command: one table.
 *
 * X(NAME, code, help line).  The enum, `edgesim --help` and the table in
 * README.md are generated from it; a new cause is one line here.
 */
#ifndef EDGESIM_EXIT_CODES_H
#define EDGESIM_EXIT_CODES_H

#define EDGESIM_EXIT_CODES(X)                                                         \
    X(EXIT_OK, 0, "ok")                                                               \
    X(EXIT_INTERNAL, 1, "internal error (a bug) or out of memory")                    \
    X(EXIT_USAGE, 2, "usage or configuration error (command line, scenario, keys)")   \
    X(EXIT_INPUT, 3, "bad input data (trace, importer input, database to read)")      \
    X(EXIT_OUTPUT, 4, "cannot write the database or another output")                  \
    X(EXIT_INTERRUPTED, 130, "interrupted by SIGINT/SIGTERM (unfinished run removed)")

#define EDGESIM_EXIT_ENUM_(name, code, help) name = code,
enum cli_exit { EDGESIM_EXIT_CODES(EDGESIM_EXIT_ENUM_) };
#undef EDGESIM_EXIT_ENUM_

#endif
