/* trace_cli.h -- `edgesim trace ...` (import, gen, stats). */
#ifndef EDGESIM_TRACE_CLI_H
#define EDGESIM_TRACE_CLI_H

/* argv[0] is "trace".  Returns an exit code: 0 ok, 2 usage, 3 bad input data,
 * 4 cannot write output. */
int trace_cli_main(int argc, char **argv);

#endif
