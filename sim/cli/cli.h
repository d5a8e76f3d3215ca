/* cli.h -- the command line: `edgesim COMMAND ...`.  Exit codes: cli_exit. */
#ifndef EDGESIM_CLI_H
#define EDGESIM_CLI_H

#include "sim/base/exit_codes.h"

int cli_main(int argc, char **argv);

#endif
