/* results_db.h -- opening a results database for writing, and its life cycle.
 *
 * Every writer (`edgesim run`, `merge`, `clean`) opens the file here:
 *   - a busy timeout (RESULTS_DB_BUSY_MS) on every connection, so writers and
 *     readers on one file wait for each other instead of failing;
 *   - the schema and its version (PRAGMA user_version) are created in one
 *     BEGIN IMMEDIATE transaction: a file has the whole schema or none; a
 *     file with a partial schema, version 0 and no runs (left by an older
 *     edgesim killed while creating it) is treated as new; a file of another
 *     version, or with tables that are not edgesim's, is refused;
 *   - nothing is written when the file already has the schema.
 * Write transactions are short (BEGIN IMMEDIATE .. COMMIT around a batch of
 * rows kept in memory), never held while a simulation runs.
 *
 * Test hooks: EDGESIM_TEST_DB_MAX_PAGES=N caps the file at N pages
 * (PRAGMA max_page_count), a "disk full" without filling a disk;
 * EDGESIM_TEST_KILL_AFTER_COMMITS=N makes a run's sink raise SIGKILL right
 * after its N-th committed write (a kill -9 at an exact point of a sweep,
 * tests/cli/resume.sh).
 */
#ifndef EDGESIM_RESULTS_DB_H
#define EDGESIM_RESULTS_DB_H

#include <stddef.h>
#include <sqlite3.h>

/* How long a connection waits for another's lock, ms.  Long: a writer would
 * rather wait for a slow reader (`edgesim summary` of a large file) or a
 * queue of other writers' commits than fail halfway through a sweep. */
#define RESULTS_DB_BUSY_MS 600000

/* Open (create = 1: create if missing) with the schema checked or installed.
 * NULL with "path: what: why" in err.  Close with sqlite3_close. */
sqlite3 *results_db_open(const char *path, int create, char *err, size_t errlen);

/* SQLite's message `msg` of a failed call on db, plus the system's when an
 * I/O call failed ("database or disk is full (No space left on device)"). */
void results_db_error(sqlite3 *db, const char *msg, char *out, size_t len);

/* Delete run `run_id` (its query rows, figures and run row) inside the
 * caller's write transaction.  The query rows deleted are added to
 * *n_query_rows when not NULL.  0, or -1 (sqlite3_errmsg(db) says why). */
int results_db_remove_run(sqlite3 *db, sqlite3_int64 run_id, long long *n_query_rows);

/* This process as the writer of a run: "host:pid". */
void results_db_writer_id(char *buf, size_t len);
/* Process `pid` of this host as a writer (a supervisor naming its child). */
void results_db_writer_id_of(char *buf, size_t len, long pid);

/* Is the writer "host:pid" a live process on this host?  1 yes, 0 no (or
 * it ran here and is gone), -1 it ran on another host (cannot tell). */
int results_db_writer_alive(const char *writer);

#endif
