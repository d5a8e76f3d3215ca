/* summary.h -- the run_summary table printed after `edgesim run`. */
#ifndef EDGESIM_SUMMARY_H
#define EDGESIM_SUMMARY_H

#include <stdio.h>

/* Print the run_summary rows of the given runs (those this process wrote:
 * other writers may be appending to the same file) as an aligned table.
 * Returns a cli_exit code (EXIT_OUTPUT if the file cannot be read). */
int summary_print(const char *db_path, const long long *run_ids, int n, FILE *out);

#endif
