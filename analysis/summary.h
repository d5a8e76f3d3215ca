/* summary.h -- the run_summary table printed after `edgesim run`. */
#ifndef EDGESIM_SUMMARY_H
#define EDGESIM_SUMMARY_H

#include <stdio.h>

/* Largest run_id in the database, 0 if none or unreadable. */
long long summary_max_run_id(const char *db_path);

/* Print run_summary rows with run_id > after_run_id as an aligned table.
 * Returns a cli_exit code (EXIT_OUTPUT if the file cannot be read). */
int summary_print(const char *db_path, long long after_run_id, FILE *out);

#endif
