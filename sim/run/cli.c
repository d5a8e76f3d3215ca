/* cli.c -- command dispatch. */
#include "sim/run/cli.h"

#include <stdio.h>
#include <string.h>

int cli_main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("edgesim %s\n", EDGESIM_VERSION);
        return EXIT_OK;
    }
    fprintf(stderr, "usage: edgesim COMMAND ...\n");
    return EXIT_USAGE;
}
