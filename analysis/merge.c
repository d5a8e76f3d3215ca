/* merge.c -- `edgesim merge -o OUT.db IN.db...`: append the complete runs of
 * several results databases (e.g. one per job-array task) to one, with new
 * run ids, in one transaction.
 *
 * First every input is checked without writing anything: it opens, is an
 * edgesim results database of this record schema version and passes
 * PRAGMA quick_check; every bad input is named.  Then the output is opened
 * (created if missing; a file that is not an edgesim results database, or
 * of another version, is refused).  Then one write transaction copies, input
 * after input, each complete run whose config_hash the output does not hold
 * complete yet (so a run is never stored twice, even from an input given
 * twice), with its query rows and figures, under run ids after the output's
 * largest.  Any failure rolls all of it back: the output is as it was (a
 * file the merge created is removed).
 *
 * The columns copied are those of the output's tables (PRAGMA table_info),
 * so a new column of the schema is merged without a change here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "analysis/plot.h"
#include "analysis/summary.h"
#include "sim/base/exit_codes.h"
#include "sim/base/opts.h"
#include "sim/run/record.h"
#include "sim/run/results_db.h"

typedef struct merge_input {
    const char *path;
    sqlite3 *db;
    long long complete, unfinished; /* runs in the input */
    long long copied, skipped;      /* complete runs merged, and those the output held already */
} merge_input;

/* One table's copy: SELECT run_id, cols FROM the input, INSERT with a new
 * run_id into the output. */
typedef struct table_copy {
    const char *table;
    const char *filter;  /* after FROM table (?1: the input's run_id) */
    char *select_sql, *insert_sql;
    int n_cols;          /* columns besides run_id */
    int hash_col;        /* runs: config_hash's index in the SELECT */
} table_copy;

static int first_int(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
    if (ok)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

/* Check one input (read only); returns a cli_exit code, message printed. */
static int check_input(merge_input *in, const char *out_real)
{
    /* Opening would create a missing file: check first. */
    if (access(in->path, R_OK) != 0) {
        fprintf(stderr, "edgesim: %s: cannot open\n", in->path);
        return EXIT_INPUT;
    }
    char in_real[4096];
    if (out_real && realpath(in->path, in_real) && strcmp(in_real, out_real) == 0) {
        fprintf(stderr, "edgesim: %s is the output database\n", in->path);
        return EXIT_USAGE;
    }
    /* Read-write, not read-only: a task killed while committing leaves a hot
     * journal, which only a writable connection rolls back.  Nothing else is
     * written. */
    if (sqlite3_open_v2(in->path, &in->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fprintf(stderr, "edgesim: %s: cannot open: %s\n", in->path, in->db ? sqlite3_errmsg(in->db) : "out of memory");
        return EXIT_INPUT;
    }
    sqlite3_busy_timeout(in->db, RESULTS_DB_BUSY_MS);
    long long version = -1, tables = 0;
    if (first_int(in->db, "PRAGMA user_version", &version) != 0 ||
        first_int(in->db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('runs', 'queries')",
                  &tables) != 0) {
        fprintf(stderr, "edgesim: %s: not an edgesim results database (%s)\n", in->path, sqlite3_errmsg(in->db));
        return EXIT_INPUT;
    }
    if (tables != 2) {
        fprintf(stderr, "edgesim: %s: not an edgesim results database (no runs and queries tables)\n", in->path);
        return EXIT_INPUT;
    }
    if (version != EDGESIM_SCHEMA_VERSION) {
        fprintf(stderr, "edgesim: %s: record schema version %lld, expected %d (written by another edgesim)\n",
                in->path, version, EDGESIM_SCHEMA_VERSION);
        return EXIT_INPUT;
    }
    /* quick_check: every page and record well formed, O(N) (integrity_check
     * also cross-checks the indexes, O(N log N)). */
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(in->db, "PRAGMA quick_check(1)", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    const char *verdict = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : sqlite3_errmsg(in->db);
    int damaged = rc != SQLITE_ROW || !verdict || strcmp(verdict, "ok") != 0;
    if (damaged)
        fprintf(stderr, "edgesim: %s: damaged (PRAGMA quick_check: %s)\n", in->path, verdict ? verdict : "?");
    sqlite3_finalize(st);
    if (damaged)
        return EXIT_INPUT;
    if (first_int(in->db, "SELECT COUNT(*) FROM runs WHERE status = 'complete'", &in->complete) != 0 ||
        first_int(in->db, "SELECT COUNT(*) FROM runs WHERE status <> 'complete'", &in->unfinished) != 0) {
        fprintf(stderr, "edgesim: %s: reading the runs: %s\n", in->path, sqlite3_errmsg(in->db));
        return EXIT_INPUT;
    }
    return EXIT_OK;
}

/* The SQL of one table's copy, from the output's columns. */
static int table_copy_init(sqlite3 *out, table_copy *t)
{
    sqlite3_stmt *st = NULL;
    sqlite3_str *cols = sqlite3_str_new(NULL), *params = sqlite3_str_new(NULL);
    char *info = sqlite3_mprintf("SELECT name FROM pragma_table_info(%Q) WHERE name <> 'run_id' ORDER BY cid",
                                 t->table);
    int rc = info ? sqlite3_prepare_v2(out, info, -1, &st, NULL) : SQLITE_NOMEM;
    sqlite3_free(info);
    t->n_cols = 0;
    t->hash_col = -1;
    while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (strcmp(name, "config_hash") == 0)
            t->hash_col = t->n_cols + 1;
        sqlite3_str_appendf(cols, ", \"%w\"", name);
        sqlite3_str_appendf(params, ", ?%d", t->n_cols + 2);
        t->n_cols++;
    }
    sqlite3_finalize(st);
    char *c = sqlite3_str_finish(cols), *p = sqlite3_str_finish(params);
    if (rc == SQLITE_OK && c && p && t->n_cols > 0) {
        t->select_sql = sqlite3_mprintf("SELECT run_id%s FROM \"%w\" %s", c, t->table, t->filter);
        t->insert_sql = sqlite3_mprintf("INSERT INTO \"%w\" (run_id%s) VALUES (?1%s)", t->table, c, p);
    }
    sqlite3_free(c);
    sqlite3_free(p);
    return t->select_sql && t->insert_sql ? 0 : -1;
}

/* Copy the rows `sel` yields (already bound) into `ins` under run id new_id. */
static int copy_rows(sqlite3_stmt *sel, sqlite3_stmt *ins, int n_cols, sqlite3_int64 new_id, int *read_failed)
{
    int rc;
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, new_id);
        for (int c = 1; c <= n_cols; c++)
            sqlite3_bind_value(ins, c + 1, sqlite3_column_value(sel, c));
        if (sqlite3_step(ins) != SQLITE_DONE)
            return -1;
    }
    *read_failed = rc != SQLITE_DONE;
    return *read_failed ? -1 : 0;
}

enum { T_RUNS, T_QUERIES, T_FIGURES, T_MODELS, T_FIGURE_MODELS, N_TABLES };

/* Append one checked input inside the open transaction.  Returns a cli_exit
 * code; err says what failed. */
static int merge_input_locked(sqlite3 *out, table_copy *tc, merge_input *in, sqlite3_int64 *max_id, char *err,
                              size_t errlen)
{
    sqlite3_stmt *sel[N_TABLES] = {NULL}, *ins[N_TABLES] = {NULL}, *have = NULL;
    int status = EXIT_OK, read_failed = 0;
    for (int t = 0; t < N_TABLES && status == EXIT_OK; t++) {
        if (sqlite3_prepare_v2(in->db, tc[t].select_sql, -1, &sel[t], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%.400s: reading %s: %.300s", in->path, tc[t].table, sqlite3_errmsg(in->db));
            status = EXIT_INPUT;
        } else if (sqlite3_prepare_v2(out, tc[t].insert_sql, -1, &ins[t], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "preparing to write %s: %.300s", tc[t].table, sqlite3_errmsg(out));
            status = EXIT_OUTPUT;
        }
    }
    if (status == EXIT_OK &&
        sqlite3_prepare_v2(out, "SELECT 1 FROM runs WHERE config_hash = ?1 AND status = 'complete'", -1, &have,
                           NULL) != SQLITE_OK) {
        snprintf(err, errlen, "reading the output's runs: %.300s", sqlite3_errmsg(out));
        status = EXIT_OUTPUT;
    }
    int rc = SQLITE_DONE;
    while (status == EXIT_OK && (rc = sqlite3_step(sel[T_RUNS])) == SQLITE_ROW) {
        sqlite3_reset(have);
        sqlite3_bind_value(have, 1, sqlite3_column_value(sel[T_RUNS], tc[T_RUNS].hash_col));
        int held = sqlite3_step(have);
        if (held == SQLITE_ROW) {
            in->skipped++;
            continue;
        }
        if (held != SQLITE_DONE) {
            snprintf(err, errlen, "reading the output's runs: %.300s", sqlite3_errmsg(out));
            status = EXIT_OUTPUT;
            break;
        }
        sqlite3_int64 old_id = sqlite3_column_int64(sel[T_RUNS], 0), new_id = ++*max_id;
        sqlite3_reset(ins[T_RUNS]);
        sqlite3_bind_int64(ins[T_RUNS], 1, new_id);
        for (int c = 1; c <= tc[T_RUNS].n_cols; c++)
            sqlite3_bind_value(ins[T_RUNS], c + 1, sqlite3_column_value(sel[T_RUNS], c));
        int failed = sqlite3_step(ins[T_RUNS]) != SQLITE_DONE;
        for (int t = T_QUERIES; t < N_TABLES && !failed; t++) {
            sqlite3_reset(sel[t]);
            sqlite3_bind_int64(sel[t], 1, old_id);
            failed = copy_rows(sel[t], ins[t], tc[t].n_cols, new_id, &read_failed) != 0;
        }
        if (failed && read_failed) {
            snprintf(err, errlen, "%.400s: reading run %lld: %.300s", in->path, (long long)old_id,
                     sqlite3_errmsg(in->db));
            status = EXIT_INPUT;
        } else if (failed) {
            char why[400];
            results_db_error(out, sqlite3_errmsg(out), why, sizeof why);
            snprintf(err, errlen, "writing run %lld of %.400s: %s", (long long)old_id, in->path, why);
            status = EXIT_OUTPUT;
        } else {
            in->copied++;
        }
    }
    if (status == EXIT_OK && rc != SQLITE_DONE) {
        snprintf(err, errlen, "%.400s: reading the runs: %.300s", in->path, sqlite3_errmsg(in->db));
        status = EXIT_INPUT;
    }
    for (int t = 0; t < N_TABLES; t++) {
        sqlite3_finalize(sel[t]);
        sqlite3_finalize(ins[t]);
    }
    sqlite3_finalize(have);
    return status;
}

/* Merge the checked inputs into `out` in one transaction; returns a cli_exit
 * code, message printed. */
static int merge_all(sqlite3 *out, const char *out_path, merge_input *in, int n_in)
{
    table_copy tc[N_TABLES] = {
        {"runs", "WHERE status = 'complete' ORDER BY run_id", NULL, NULL, 0, -1},
        {"queries", "WHERE run_id = ?1 ORDER BY query_id", NULL, NULL, 0, -1},
        {"run_figures", "WHERE run_id = ?1", NULL, NULL, 0, -1},
        {"query_models", "WHERE run_id = ?1 ORDER BY rowid", NULL, NULL, 0, -1},
        {"run_figure_models", "WHERE run_id = ?1 ORDER BY model", NULL, NULL, 0, -1},
    };
    char err[1024] = "";
    int status = EXIT_OK;
    sqlite3_int64 max_id = 0;
    for (int t = 0; t < N_TABLES && status == EXIT_OK; t++)
        if (table_copy_init(out, &tc[t]) != 0 || (t == T_RUNS && tc[t].hash_col < 0)) {
            snprintf(err, sizeof err, "reading the output's columns of %s: %.300s", tc[t].table,
                     sqlite3_errmsg(out));
            status = EXIT_OUTPUT;
        }
    if (status == EXIT_OK && sqlite3_exec(out, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, sizeof err, "locking it: %.300s", sqlite3_errmsg(out));
        status = EXIT_OUTPUT;
    }
    if (status == EXIT_OK && first_int(out, "SELECT COALESCE(MAX(run_id), 0) FROM runs", &max_id) != 0) {
        snprintf(err, sizeof err, "reading its runs: %.300s", sqlite3_errmsg(out));
        status = EXIT_OUTPUT;
    }
    for (int i = 0; i < n_in && status == EXIT_OK; i++)
        status = merge_input_locked(out, tc, &in[i], &max_id, err, sizeof err);
    if (status == EXIT_OK && sqlite3_exec(out, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        char why[400];
        results_db_error(out, sqlite3_errmsg(out), why, sizeof why);
        snprintf(err, sizeof err, "committing: %s", why);
        status = EXIT_OUTPUT;
    }
    if (status != EXIT_OK) {
        if (!sqlite3_get_autocommit(out))
            sqlite3_exec(out, "ROLLBACK", NULL, NULL, NULL);
        fprintf(stderr, "edgesim: merging into %s: %s; nothing merged, %s unchanged\n", out_path, err, out_path);
    }
    for (int t = 0; t < N_TABLES; t++) {
        sqlite3_free(tc[t].select_sql);
        sqlite3_free(tc[t].insert_sql);
    }
    return status;
}

int merge_main(int argc, char **argv)
{
    const char *out_path = NULL;
    int quiet = 0, n_pos = 0;
    const char **pos = malloc((size_t)(argc > 0 ? argc : 1) * sizeof *pos);
    if (!pos) {
        fprintf(stderr, "edgesim merge: out of memory\n");
        return EXIT_INTERNAL;
    }
    const opt_def opts[] = {
        {"--output", 'o', OPT_OUTPUT, &out_path, 0, 0, "OUT.db", "database to append to (created if missing)", 0},
        {"--quiet", 'q', OPT_FLAG, &quiet, 0, 0, NULL, "no report of what was merged, no warnings", 0},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, 0},
    };
    const opt_command cmd = {
        "edgesim merge", "-o OUT.db IN.db...",
        "Append the complete runs of each IN.db to OUT.db (created if missing),\n"
        "renumbering run_id, in one transaction: all of it or nothing.  Every input\n"
        "is checked first (an edgesim results database of this record schema\n"
        "version, PRAGMA quick_check ok), and OUT.db must be an edgesim results\n"
        "database; otherwise nothing is written (exit 3 for a bad input, 4 for the\n"
        "output).  Runs left 'running' by killed jobs are not merged, nor runs\n"
        "OUT.db or an earlier input already holds (same run identity): their\n"
        "numbers are said.  A failure half way (a full disk) leaves OUT.db as it was.\n"
        "For job arrays: edgesim run S.json --sweep-index $SLURM_ARRAY_TASK_ID -o out/$ID.db,\n"
        "then edgesim merge -o all.db out/*.db.  The older form `edgesim merge OUT.db\n"
        "IN.db...` (output first) still works, with a warning.\n",
        opts, pos, 1, argc, &n_pos};
    int prc = opts_parse(&cmd, argc, argv);
    if (prc != OPTS_OK) {
        free(pos);
        return prc == OPTS_HELP ? opts_check_output(stdout, "edgesim merge --help") : EXIT_USAGE;
    }
    int first = 0;
    if (!out_path) {
        /* Deprecated: the output as the first positional argument. */
        out_path = pos[0];
        first = 1;
        if (!quiet)
            fprintf(stderr, "edgesim merge: warning: the output as first argument is deprecated; use -o %s\n",
                    out_path);
        if (!*out_path || strcmp(out_path, ":memory:") == 0 || out_path[0] == '-') {
            fprintf(stderr, "edgesim merge: expected an output file name, found \"%s\"\n", out_path);
            free(pos);
            return EXIT_USAGE;
        }
    }
    int n_in = n_pos - first;
    if (n_in < 1) {
        fprintf(stderr, "edgesim merge: no input database (usage: edgesim merge -o OUT.db IN.db...)\n");
        free(pos);
        return EXIT_USAGE;
    }
    merge_input *in = calloc((size_t)n_in, sizeof *in);
    if (!in) {
        fprintf(stderr, "edgesim merge: out of memory\n");
        free(pos);
        return EXIT_INTERNAL;
    }
    /* 1. Every input, before anything is written; every bad one is named. */
    char out_real_buf[4096];
    const char *out_real = realpath(out_path, out_real_buf);
    int status = EXIT_OK, n_bad = 0;
    for (int i = 0; i < n_in; i++) {
        in[i].path = pos[first + i];
        int rc = check_input(&in[i], out_real);
        if (rc != EXIT_OK) {
            n_bad++;
            if (status == EXIT_OK || rc == EXIT_USAGE)
                status = rc;
        }
    }
    sqlite3 *out = NULL;
    int existed = access(out_path, F_OK) == 0;
    if (n_bad > 0) {
        fprintf(stderr, "edgesim: %d of %d inputs cannot be merged; nothing merged, %s %s\n", n_bad, n_in, out_path,
                existed ? "unchanged" : "not created");
        goto done;
    }
    /* 2. The output: an edgesim results database of this version, or new. */
    char err[1024];
    out = results_db_open(out_path, 1, err, sizeof err);
    if (!out) {
        fprintf(stderr, "edgesim: %s; nothing merged\n", err);
        status = EXIT_OUTPUT;
        goto done;
    }
    /* 3. One transaction. */
    status = merge_all(out, out_path, in, n_in);
    if (status == EXIT_OK && !quiet) {
        long long copied = 0, skipped = 0;
        for (int i = 0; i < n_in; i++) {
            fprintf(stderr, "edgesim: merged %lld complete runs from %s", in[i].copied, in[i].path);
            if (in[i].skipped > 0)
                fprintf(stderr, "; %lld already in %s (same run identity) skipped", in[i].skipped, out_path);
            if (in[i].unfinished > 0)
                fprintf(stderr, "; %lld unfinished runs ('running') not merged", in[i].unfinished);
            fprintf(stderr, "\n");
            copied += in[i].copied;
            skipped += in[i].skipped;
        }
        if (n_in > 1)
            fprintf(stderr, "edgesim: %s: %lld runs merged from %d inputs, %lld duplicates skipped\n", out_path,
                    copied, n_in, skipped);
    }
done:
    sqlite3_close(out);
    /* A file this merge created and could not fill goes again. */
    if (status != EXIT_OK && out && !existed)
        unlink(out_path);
    for (int i = 0; i < n_in; i++)
        sqlite3_close(in[i].db);
    free(in);
    free(pos);
    return status;
}
