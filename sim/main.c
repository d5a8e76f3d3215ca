/* main.c -- the edgesim binary. */
#include "sim/run/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
