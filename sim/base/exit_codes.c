/* exit_codes.c -- the exit-code table printed by every command's --help. */
#include "sim/base/exit_codes.h"

void exit_codes_print(FILE *out)
{
    fprintf(out, "Exit codes:\n");
#define EDGESIM_EXIT_LINE_(name, code, help) fprintf(out, "  %3d  %s\n", code, help);
    EDGESIM_EXIT_CODES(EDGESIM_EXIT_LINE_)
#undef EDGESIM_EXIT_LINE_
}
