/* plot.h -- the analysis module: views over a results database and
 * `edgesim plot RESULTS.db [-o DIR] [--format png|svg|pdf]`, the standard
 * figures drawn by gnuplot run as an external program.
 *
 * The SQL (schema.sql, views.sql) and the gnuplot scripts (*.gp)
 * are text files in analysis/, embedded at build time (embed.cmake).
 * Documentation: docs/ANALYSIS.md.
 */
#ifndef EDGESIM_PLOT_H
#define EDGESIM_PLOT_H

#include <stddef.h>

struct sqlite3;

/* argv[0] is "plot".  Returns an exit code: 0 ok, 2 usage, 4 cannot read the
 * database or write the output (also: gnuplot missing or failing).  The
 * program run is "gnuplot", or $EDGESIM_GNUPLOT when set. */
int analysis_plot_main(int argc, char **argv);

/* Embedded texts (NUL-terminated): the record tables and the views. */
extern const char analysis_schema_sql[];
extern const char analysis_views_sql[];

/* Install the views into `db`: as TEMP views when `temp` is non-zero (works
 * on a read-only database and shadows older definitions stored in the file),
 * else into the main schema (CREATE VIEW IF NOT EXISTS).  Returns 0, or -1
 * with a message in err. */
int analysis_install_views(struct sqlite3 *db, int temp, char *err, size_t errlen);

/* Open `path` read-only with the current views installed as TEMP views.
 * Returns the handle (the caller closes it with sqlite3_close), or NULL with
 * "path: reason" in err (missing file, not an edgesim database). */
struct sqlite3 *analysis_open(const char *path, char *err, size_t errlen);

/* `edgesim merge -o OUT.db IN.db...` (merge.c). */
int merge_main(int argc, char **argv);

/* `edgesim clean RESULTS.db` (clean.c): remove leftover 'running' runs. */
int clean_main(int argc, char **argv);
/* Remove the 'running' runs of one writer ("host:pid", a process known to be
 * gone) and their rows, in one transaction: what `edgesim run`'s plug-in
 * supervisor does after its child died.  Returns 0 with the count in *runs,
 * or -1 with "path: ..." in err (nothing removed). */
int clean_writer_runs(const char *path, const char *writer, long long *runs, char *err, size_t errlen);

#endif
