/* opts.h -- the one command-line option parser of every edgesim command.
 *
 * A command describes itself as a table: usage line, description, options
 * (long name, short letter, kind, target, range, value name, help) and the
 * number of positional arguments.  opts_parse fills the targets and checks
 * every value; opts_print_help prints the help from the same table, ending
 * with the exit-code table (exit_codes.h).  Nothing is copied: string values
 * point into argv, lists into caller arrays of a fixed capacity that is
 * checked (an argument too many is a usage error, never an overflow).
 *
 * Conventions (docs/ARCHITECTURE.md): -o/--output FILE wherever a file is
 * written (OPT_OUTPUT refuses "", ":memory:" and a missing value), -q/--quiet,
 * -h/--help on every command (handled here), --name=value or --name value.
 */
#ifndef EDGESIM_OPTS_H
#define EDGESIM_OPTS_H

#include <stdio.h>

typedef enum opt_kind {
    OPT_FLAG,   /* int *: set to 1 */
    OPT_STR,    /* const char **: the value (non-empty) */
    OPT_OUTPUT, /* const char **: a file to write; not "", ":memory:" or an option; "-" only with OPT_STDOUT */
    OPT_INT,    /* long *: an integer in [lo, hi] */
    OPT_NUM,    /* double *: a finite number in [lo, hi] */
    OPT_LIST    /* opt_list *: each occurrence appended (non-empty), at most cap */
} opt_kind;

/* Flags of an option. */
enum { OPT_STDOUT = 1 /* OPT_OUTPUT: "-" means standard output */ };

typedef struct opt_list {
    const char **items; /* caller's array of cap entries */
    int cap, n;
} opt_list;

typedef struct opt_def {
    const char *name; /* "--output"; NULL ends the table */
    char letter;      /* 'o' for -o, or 0 */
    opt_kind kind;
    void *target;
    double lo, hi;    /* OPT_INT, OPT_NUM: inclusive range */
    const char *arg;  /* value name in the help ("FILE", "N") */
    const char *help; /* may hold '\n' for continuation lines */
    int flags;
} opt_def;

typedef struct opt_command {
    const char *name;     /* "edgesim run" */
    const char *usage;    /* "SCENARIO.json [options]" */
    const char *about;    /* description, printed after the usage line */
    const opt_def *opts;
    const char **pos;     /* positional arguments go here ... */
    int min_pos, max_pos; /* ... between min_pos and max_pos of them */
    int *n_pos;
} opt_command;

enum { OPTS_OK = 0, OPTS_HELP = 1, OPTS_ERROR = -1 };

/* Parse argv[1..argc-1] (argv[0] is the command's name).  Returns OPTS_OK,
 * OPTS_HELP (the help was printed on stdout: exit 0, unless stdout failed),
 * or OPTS_ERROR (a message naming the command and the argument went to
 * stderr: exit EXIT_USAGE). */
int opts_parse(const opt_command *c, int argc, char **argv);

/* The help of `c`: usage, description, options, exit codes. */
void opts_print_help(const opt_command *c, FILE *out);

/* The exit code after printing to `out` (stdout): EXIT_OK if every write
 * reached the file (fflush and ferror checked), else a message and
 * EXIT_OUTPUT.  Every command ends its output with this. */
int opts_check_output(FILE *out, const char *what);

#endif
