/* main.c -- the edgesim binary. */
#include "sim/cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
