/* cli_run.c -- `edgesim run`: arguments, the policies of each sweep point,
 * and the loop over points x replications x policies. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "cli_int.h"
#include "sim/base/progress.h"
#include "sim/base/version.h"
#include "sim/run/identity.h"
#include "sim/run/results_db.h"
#include "sim/run/run.h"
#include "sim/run/scenario.h"
#include "analysis/summary.h"

/* ---- edgesim run ---- */

static const char run_about[] =
    "Run every policy of the scenario (x every sweep point x replications) on the\n"
    "same randomness and append one `runs` row per run and one `queries` row per\n"
    "query to an SQLite database, then print a summary table.\n"
    "\n"
    "Runs resume (docs/ANALYSIS.md \"Resuming\"): a run already complete in the\n"
    "output (same configuration hash, seed and replication: \"Run identity\") is\n"
    "skipped, and an unfinished copy of it left 'running' by a killed edgesim of\n"
    "this host is replaced, so rerunning an interrupted command completes the\n"
    "same database as one uninterrupted run and never stores a run twice.  A\n"
    "file holding runs of another edgesim version (another build's code) is\n"
    "refused, exit 4.\n";

typedef struct run_args {
    const char *scenario;
    const char *output;
    cli_sets sets;
    char *const *set_list;
    int n_sets;
    const char *only_items[MAX_PLUGINS];
    opt_list only;
    const char *plugin_items[MAX_PLUGINS];
    opt_list plugins;
    long sweep_index;
    long task, per_task;
    int points, check, quiet, resume;
    const char *records;         /* "all" | "runs" (sink_records_names) */
    sink_records records_mode;
    long jobs;                   /* runs at once (-j); default: the number of cores */
    double plugin_timeout;       /* s one plug-in call may last (0: no limit) */
} run_args;

static int parse_run_args(int argc, char **argv, run_args *a)
{
    memset(a, 0, sizeof *a);
    a->output = "results.db";
    a->sweep_index = -1;
    a->task = -1;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    a->jobs = cores >= 1 ? cores : 1;
    a->plugin_timeout = CLI_PLUGIN_TIMEOUT_S;
    cli__sets_init(&a->sets);
    a->only = (opt_list){a->only_items, MAX_PLUGINS, 0};
    a->plugins = (opt_list){a->plugin_items, MAX_PLUGINS, 0};
    const opt_def opts[] = {
        {"--output", 'o', OPT_OUTPUT, &a->output, 0, 0, "FILE", "database to append to (default results.db)", 0},
        cli__opt_set(&a->sets),
        cli__opt_seed(&a->sets),
        cli__opt_replications(&a->sets),
        {"--policy", 0, OPT_LIST, &a->only, 0, 0, "NAME",
         "run only this policy of the scenario's list, with its parameters\n"
         "there (default parameters if the list lacks it; repeatable)", 0},
        {"--policy-plugin", 0, OPT_LIST, &a->plugins, 0, 0, "FILE.so",
         "load a routing policy plug-in (repeatable); the run is\n"
         "then supervised: a plug-in that crashes or loops ends it\n"
         "with a message and exit 2 (docs/POLICIES.md)", 0},
        cli__opt_plugin_timeout(&a->plugin_timeout),
        {"--sweep-index", 0, OPT_INT, &a->sweep_index, 0, 100000000, "I",
         "run only sweep point I (0-based; for job arrays:\n--sweep-index $SLURM_ARRAY_TASK_ID)", 0},
        {"--task", 0, OPT_INT, &a->task, 0, 100000000, "T",
         "run only job-array task T (0-based): sweep point T,\n"
         "or with --replications-per-task N the T-th block of\n"
         "N replications in point order (`edgesim slurm`\n"
         "writes these); stored runs are those of the whole run", 0},
        {"--replications-per-task", 0, OPT_INT, &a->per_task, 1, 1000000, "N",
         "split each point's replications into tasks of N", 0},
        {"--points", 0, OPT_FLAG, &a->points, 0, 0, NULL,
         "print the number of sweep points (with\n--replications-per-task: of tasks) and exit", 0},
        {"--resume", 0, OPT_FLAG, &a->resume, 0, 0, NULL,
         "resume the runs of this command in FILE, which must\n"
         "exist (what run always does: complete runs are skipped,\n"
         "unfinished ones of killed writers replaced)", 0},
        {"--check", 0, OPT_FLAG, &a->check, 0, 0, NULL,
         "resolve what the runs would (every point and policy:\n"
         "models, channel, the trace read to the end, plug-ins),\n"
         "warn of a query slower than the horizon, and exit;\n"
         "run does the same first (docs/CLI.md)", 0},
        {"--jobs", 'j', OPT_INT, &a->jobs, 1, 4096, "N",
         "runs at the same time (default: the number of cores);\n"
         "one writer stores them in the -j 1 order", 0},
        {"--records", 0, OPT_STR, &a->records, 0, 0, "all|runs",
         "all: one row per query (default); runs: no query rows,\n"
         "each run's summary figures only (percentiles within\n"
         "0.1 %; docs/BENCHMARKS.md)", 0},
        {"--quiet", 'q', OPT_FLAG, &a->quiet, 0, 0, NULL, "no progress lines and no summary", 0},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, 0},
    };
    const opt_command cmd = {"edgesim run", "SCENARIO.json [options]", run_about, opts, &a->scenario, 1, 1, NULL};
    int rc = opts_parse(&cmd, argc, argv);
    if (rc != OPTS_OK)
        return rc;
    a->set_list = cli__sets_finish(&a->sets, &a->n_sets);
    if (a->records) {
        int m = 0;
        while (sink_records_names[m] && strcmp(sink_records_names[m], a->records) != 0)
            m++;
        if (!sink_records_names[m]) {
            fprintf(stderr, "edgesim run: --records: expected all or runs, found \"%s\"\n", a->records);
            return OPTS_ERROR;
        }
        a->records_mode = (sink_records)m;
    }
    if (a->task >= 0 && a->sweep_index >= 0) {
        fprintf(stderr, "edgesim run: --task and --sweep-index exclude each other\n");
        return OPTS_ERROR;
    }
    if (a->per_task && a->task < 0 && !a->points) {
        fprintf(stderr, "edgesim run: --replications-per-task needs --task (or --points)\n");
        return OPTS_ERROR;
    }
    return OPTS_OK;
}

static void iso_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Runs of other code never share a results file with this build's (docs/
 * ANALYSIS.md "Resuming"): a development build's version changes with its
 * sources (sim/base/version.h), so an older build's runs could be neither
 * resumed nor told apart by their labels.  Returns 0 when every complete
 * run of `path` was written by this version, else EXIT_OUTPUT (or
 * EXIT_INPUT when it cannot be read) with the message printed. */
static int check_same_version(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int status = EXIT_INPUT;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, RESULTS_DB_BUSY_MS) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT version, COUNT(*) FROM runs WHERE status = 'complete' AND version IS NOT ?1"
                           " GROUP BY version ORDER BY COUNT(*) DESC, version",
                           -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "edgesim: %s: reading the runs' versions: %s\n", path, sqlite3_errmsg(db));
        goto done;
    }
    sqlite3_bind_text(st, 1, edgesim_version(), -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        long long n = 0;
        int versions = 0;
        char first[128];
        snprintf(first, sizeof first, "%s", (const char *)sqlite3_column_text(st, 0));
        for (; rc == SQLITE_ROW; rc = sqlite3_step(st), versions++)
            n += sqlite3_column_int64(st, 1);
        fprintf(stderr,
                "edgesim: %s holds %lld complete run%s written by edgesim %s%s, not by this edgesim (%s):"
                " runs of different code are never mixed in one file; write to a new file (-o), or run the"
                " build that wrote it\n",
                path, n, n == 1 ? "" : "s", first, versions > 1 ? " and other versions" : "", edgesim_version());
        status = rc == SQLITE_DONE ? EXIT_OUTPUT : EXIT_INPUT;
    } else if (rc == SQLITE_DONE) {
        status = EXIT_OK;
    } else {
        fprintf(stderr, "edgesim: %s: reading the runs' versions: %s\n", path, sqlite3_errmsg(db));
    }
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return status;
}


/* Is policy object `p` selected by --policy (all are when none given)? */
static int selected(const run_args *a, const cJSON *p)
{
    if (a->only.n == 0)
        return 1;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
    for (int i = 0; i < a->only.n; i++)
        if (cJSON_IsString(name) && strcmp(name->valuestring, a->only.items[i]) == 0)
            return 1;
    return 0;
}

/* Policies to run: the scenario's, filtered by --policy; a --policy naming
 * a policy absent from the scenario runs it with default parameters. */
static cJSON *policies_to_run(const run_args *a, const cJSON *from_scenario)
{
    cJSON *list = cJSON_CreateArray();
    if (!list)
        return NULL;
    for (const cJSON *p = from_scenario->child; p; p = p->next)
        if (selected(a, p))
            cJSON_AddItemToArray(list, cJSON_Duplicate(p, 1));
    for (int i = 0; i < a->only.n; i++) {
        int found = 0;
        for (const cJSON *p = list->child; p; p = p->next) {
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
            found |= cJSON_IsString(name) && strcmp(name->valuestring, a->only.items[i]) == 0;
        }
        if (!found) {
            cJSON *p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "name", a->only.items[i]);
            cJSON_AddItemToArray(list, p);
        }
    }
    return list;
}

/* The configured policies of one sweep point. */
typedef struct point_policies {
    cJSON *list;
    policy_instance *inst;
    int n;
} point_policies;

static void point_policies_free(point_policies *pp)
{
    for (int i = 0; pp->inst && i < pp->n; i++)
        policy_instance_destroy(&pp->inst[i]);
    free(pp->inst);
    cJSON_Delete(pp->list);
    pp->inst = NULL;
    pp->list = NULL;
    pp->n = 0;
}

/* A policy parameter "model" may name a model ({"name": "always", "model":
 * "gpt4"}): it becomes the model's index in the point's models.  0, or -1
 * with err set. */
static int model_names_to_index(point_policies *pp, const run_args *a, const scenario_file *sf, int point, char *err,
                                size_t errlen)
{
    scenario *sc = NULL;
    int rc = 0;
    for (int i = 0; i < pp->n && rc == 0; i++) {
        cJSON *obj = cJSON_GetArrayItem(pp->list, i);
        cJSON *model = cJSON_GetObjectItemCaseSensitive(obj, "model");
        if (!cJSON_IsString(model))
            continue;
        if (!sc && (!(sc = malloc(sizeof *sc)) || scenario_resolve(sf, point, sc, NULL, err, errlen) != 0)) {
            if (!sc)
                snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        int m = 0;
        while (m < sc->n_models && strcmp(sc->models[m].name, model->valuestring) != 0)
            m++;
        if (m == sc->n_models) {
            char names[LLM_MAX_MODELS * 34] = "";
            for (int k = 0; k < sc->n_models; k++)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", k ? ", " : "", sc->models[k].name);
            snprintf(err, errlen, "%s: policies[%d].model: expected one of the scenario's models (%s), found \"%.60s\"",
                     a->scenario, i, names, model->valuestring);
            rc = -1;
            break;
        }
        cJSON *index = cJSON_CreateNumber(m);
        if (!index || !cJSON_ReplaceItemInObjectCaseSensitive(obj, "model", index)) {
            cJSON_Delete(index);
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    }
    free(sc);
    return rc;
}

/* Returns a cli_exit code; on failure pp holds nothing. */
static int point_policies_init(point_policies *pp, const run_args *a, const scenario_file *sf, int point,
                               const policy_registry *reg, char *err, size_t errlen)
{
    cJSON *of_point = scenario_point_policies(sf, point, err, errlen);
    if (!of_point)
        return EXIT_USAGE;
    pp->list = policies_to_run(a, of_point);
    cJSON_Delete(of_point);
    pp->n = pp->list ? cJSON_GetArraySize(pp->list) : 0;
    pp->inst = calloc((size_t)(pp->n ? pp->n : 1), sizeof *pp->inst);
    if (!pp->list || !pp->inst) {
        snprintf(err, errlen, "out of memory");
        point_policies_free(pp);
        return EXIT_INTERNAL;
    }
    if (model_names_to_index(pp, a, sf, point, err, errlen) != 0) {
        point_policies_free(pp);
        return EXIT_USAGE;
    }
    for (int i = 0; i < pp->n; i++) {
        char path[1100];
        snprintf(path, sizeof path, "%s: policies[%d]", a->scenario, i);
        if (policy_instance_init(&pp->inst[i], reg, cJSON_GetArrayItem(pp->list, i), path, err, errlen) != 0) {
            pp->n = i; /* destroy only those made */
            point_policies_free(pp);
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

/* Points whose warnings preflight prints; the others are counted. */
#define WARNED_POINTS_MAX 5

/* Everything the runs of points [p_lo, p_hi) resolve, checked before the
 * first run; all that `--check` does.  Per point: the scenario, the models,
 * channel, arrival process and trace (run_check_scenario: a trace is read to
 * the end once), and the policies with their parameters.  An error names the
 * file, line or key, and the sweep point; warnings (run_check_scenario) do
 * not stop anything.  expected[p - p_lo] receives the expected queries of
 * one run of point p (-1: unknown) and *total those of all the runs (the
 * replications of `task` if it names a point; 0: unknown).  `digests` (NULL:
 * none wanted) receives the SHA-256 of each trace file, taken in the read
 * that checks it.  Returns a cli_exit code. */
static int preflight(const run_args *a, const scenario_file *sf, int p_lo, int p_hi, const policy_registry *reg,
                     const cli_task *task, identity_cache *digests, double *expected, double *total)
{
    *total = 0;
    char err[1024], warn[2048], where[512] = "";
    int status = EXIT_OK, warned = 0;
    run_check *chk = run_check_create(&cli__interrupted);
    if (!chk) {
        fprintf(stderr, "edgesim: out of memory\n");
        return EXIT_INTERNAL;
    }
    run_check_set_digests(chk, digests);
    for (int p = p_lo; p < p_hi && status == EXIT_OK; p++) {
        scenario sc;
        cJSON *point = NULL;
        point_policies pp = {NULL, NULL, 0};
        warn[0] = '\0';
        if (sf->n_points > 1)
            snprintf(where, sizeof where, " (sweep point %d)", p);
        if (scenario_resolve(sf, p, &sc, &point, err, sizeof err) != 0) {
            status = EXIT_USAGE;
        } else if (sf->n_points > 1) {
            char *text = cJSON_PrintUnformatted(point);
            snprintf(where, sizeof where, " (sweep point %d: %s)", p, text ? text : "");
            free(text);
        }
        cJSON_Delete(point);
        if (status == EXIT_OK) {
            size_t len = (size_t)snprintf(err, sizeof err, "%s: ", a->scenario);
            len = len < sizeof err ? len : sizeof err - 1;
            status = run_status_exit_code(
                run_check_scenario(chk, &sc, &expected[p - p_lo], warn, sizeof warn, err + len, sizeof err - len));
        }
        if (status == EXIT_OK)
            status = point_policies_init(&pp, a, sf, p, reg, err, sizeof err);
        if (status == EXIT_OK) {
            int reps = task->point >= 0 ? task->rep_hi - task->rep_lo : sc.replications;
            *total = expected[p - p_lo] < 0 || *total < 0 ? -1 : *total + expected[p - p_lo] * reps * pp.n;
        }
        point_policies_free(&pp);
        if (status != EXIT_OK)
            fprintf(stderr, "edgesim: %s%s\n", err, where);
        else if (warn[0] && warned++ < WARNED_POINTS_MAX)
            fprintf(stderr, "edgesim: warning: %s: %s%s\n", a->scenario, warn, where);
    }
    if (warned > WARNED_POINTS_MAX)
        fprintf(stderr, "edgesim: warning: %s: %d more sweep points with such a warning\n", a->scenario,
                warned - WARNED_POINTS_MAX);
    run_check_destroy(chk);
    if (*total < 0)
        *total = 0;
    return status;
}

/* ---- progress (docs/CLI.md "Progress") ---- */

/* The sweep's line: runs done, and queries done of the expected queries of
 * all the runs to do. */
typedef struct sweep_progress {
    progress line;
    double queries_total;   /* 0: unknown */
    double queries_done;    /* of the runs done */
    int runs_total;         /* the n of "run k/n" */
    int runs_settled;       /* -j N: skipped, written or failed so far */
} sweep_progress;

/* The run under way in a -j 1 sweep, for its progress callback. */
typedef struct serial_run {
    sweep_progress *sp;
    const char *label;
    double expected;        /* its queries; <= 0: unknown */
} serial_run;

static void serial_progress(void *ctx, int64_t queries)
{
    serial_run *r = ctx;
    if (!progress_due(&r->sp->line))
        return;
    char prefix[320];
    if (r->expected > 0)
        snprintf(prefix, sizeof prefix, "%s: %lld/%.0f queries; all runs", r->label, (long long)queries, r->expected);
    else
        snprintf(prefix, sizeof prefix, "%s: %lld queries; all runs", r->label, (long long)queries);
    progress_show(&r->sp->line, prefix, r->sp->queries_done + (double)queries, r->sp->queries_total, "queries");
}

/* A run ended: count it and print its line. */
static void run_finished(sweep_progress *sp, const char *label, const run_stats *st)
{
    sp->queries_done += (double)st->n_queries;
    progress_print(&sp->line, "%s: %lld queries, sim %.1f s, %.2f M events/s\n", label, (long long)st->n_queries,
                   st->sim_end_s, st->wall_s > 0 ? (double)st->events / st->wall_s / 1e6 : 0.0);
}

/* The run ids this process completed. */
typedef struct run_ids {
    long long *ids;
    int n, cap;
} run_ids;

static int run_ids_add(run_ids *r, long long id)
{
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 64;
        long long *grown = realloc(r->ids, (size_t)cap * sizeof *grown);
        if (!grown)
            return -1;
        r->ids = grown;
        r->cap = cap;
    }
    r->ids[r->n++] = id;
    return 0;
}

/* ---- -j N: runs in worker threads, one writer ---- */

/* One run to do: everything run_one needs, owned here. */
typedef struct run_job {
    scenario sc;                  /* the point's scenario, this replication */
    point_policies pp;            /* the job's own policy instances (calibration writes them) */
    int policy;                   /* index in pp */
    run_info info;
    char *sc_text, *glabel, *point_text;
    run_identity id;
    char started[32], label[160];
    sink *buf;                    /* the run, kept for the writer */
    int status, done;
    run_stats st;                 /* when done */
    int64_t queries_now;          /* while it runs (under the pool's mutex) */
    struct job_pool *pool;
    char err[1024];
    /* The writer's: */
    int drained, write_failed;    /* settled in the database; writing it failed */
    int duplicate;                /* another writer completed it first */
    int64_t run_id;               /* its row, when stored */
} run_job;

static void run_job_clear(run_job *j)
{
    point_policies_free(&j->pp);
    free(j->sc_text);
    free(j->glabel);
    free(j->point_text);
    sink_close(j->buf);
    memset(j, 0, sizeof *j);
}

/* The runs of a sweep flow through a ring of jobs without a barrier: the
 * main thread prepares them in -j 1 order (pool_slot, pool_submit), each
 * worker takes the next prepared one as soon as it is free, and the main
 * thread, the one writer, streams the oldest run not yet stored into the
 * database while it runs (pool_write_next), then the next: the database
 * gets the runs, and run_ids, of -j 1.  Workers start at most
 * JOBS_AHEAD_PER_WORKER x N runs ahead of the writer (a finished run waits
 * in memory for its turn: that bounds the memory); the ring holds
 * JOBS_PREPARED_PER_WORKER x N more, prepared, so a worker never waits for
 * the main thread. */
#define JOBS_AHEAD_PER_WORKER 2
#define JOBS_PREPARED_PER_WORKER 1

typedef struct job_pool {
    run_job *ring;                /* job s in ring[s % capacity] */
    long capacity, window;        /* ring size; runs started and not written */
    long submitted, next, written; /* job numbers: prepared, started, written */
    int closed, stop;             /* no more jobs; start no more runs */
    int quiet;
    pthread_mutex_t mu;
    pthread_cond_t work_cv;       /* workers wait on it */
    pthread_cond_t done_cv;       /* the writer waits on it */
    cli_guard *guard;             /* plug-in supervisor's watches, or NULL */
    int workers;                  /* started so far: worker k uses watch k */
    int max_workers, threads;     /* -j; threads created (main thread's) */
    pthread_t *tid;
    /* The writer's (main thread's): */
    sink *out;
    run_ids *mine;
    sweep_progress *sp;
    int status;                   /* the first failure's cli_exit code */
} job_pool;

/* A worker's run made progress: note it and wake the writer, which prints
 * the line when it is due (so a period of 0 gives a line per slice). */
static void job_progress(void *ctx, int64_t queries)
{
    run_job *j = ctx;
    pthread_mutex_lock(&j->pool->mu);
    j->queries_now = queries;
    pthread_cond_signal(&j->pool->done_cv);
    pthread_mutex_unlock(&j->pool->mu);
}

/* The -j line, from the writer thread with the pool locked: runs settled
 * (skipped, written or failed) and those started since. */
static void parallel_progress(sweep_progress *sp, const job_pool *P)
{
    double queries = sp->queries_done;
    int running = 0, done = 0;
    for (long s = P->written; s < P->next; s++) {
        const run_job *j = &P->ring[s % P->capacity];
        queries += (double)(j->done ? j->st.n_queries : j->queries_now);
        running += !j->done;
        done += j->done;
    }
    char prefix[160];
    snprintf(prefix, sizeof prefix, "runs %d/%d done, %d running; all runs", sp->runs_settled + done,
             sp->runs_total, running);
    progress_show(&sp->line, prefix, queries, sp->queries_total, "queries");
}

static void *job_worker(void *arg)
{
    job_pool *P = arg;
    pthread_mutex_lock(&P->mu);
    policy_watch *watch = cli__guard_slot(P->guard, ++P->workers);
    for (;;) {
        if (P->stop || (P->closed && P->next >= P->submitted))
            break;
        if (P->next >= P->submitted || P->next >= P->written + P->window) {
            pthread_cond_wait(&P->work_cv, &P->mu);
            continue;
        }
        run_job *j = &P->ring[P->next++ % P->capacity];
        pthread_mutex_unlock(&P->mu);
        run_options opt = {P->quiet, j->label, &cli__interrupted, stderr, job_progress, j};
        run_stats st;
        policy_instance *pi = &j->pp.inst[j->policy];
        policy_watch *main_watch = pi->watch; /* the main thread destroys it */
        if (watch && pi->plugin) {
            pi->watch = watch;
            policy_watch_label(watch, j->label);
        }
        int status = run_status_exit_code(run_one(&j->sc, pi, j->buf, &j->info, &opt, &st, j->err, sizeof j->err));
        pi->watch = main_watch;
        pthread_mutex_lock(&P->mu);
        j->st = st;
        j->status = status;
        j->done = 1;
        if (status != EXIT_OK) {
            P->stop = 1; /* start nothing more; runs under way finish or are interrupted */
            pthread_cond_broadcast(&P->work_cv);
        }
        pthread_cond_signal(&P->done_cv);
    }
    pthread_mutex_unlock(&P->mu);
    return NULL;
}

static int pool_init(job_pool *P, int workers, sink *out, int quiet, run_ids *mine, cli_guard *guard,
                     sweep_progress *sp)
{
    memset(P, 0, sizeof *P);
    P->window = (long)JOBS_AHEAD_PER_WORKER * workers;
    P->capacity = P->window + (long)JOBS_PREPARED_PER_WORKER * workers;
    P->ring = calloc((size_t)P->capacity, sizeof *P->ring);
    P->tid = calloc((size_t)workers, sizeof *P->tid);
    if (!P->ring || !P->tid) {
        free(P->ring);
        free(P->tid);
        return -1;
    }
    P->max_workers = workers;
    P->quiet = quiet;
    P->guard = guard;
    P->out = out;
    P->mine = mine;
    P->sp = sp;
    pthread_mutex_init(&P->mu, NULL);
    pthread_cond_init(&P->work_cv, NULL);
    pthread_cond_init(&P->done_cv, NULL);
    return 0;
}

/* Wait (pool locked) for a worker's news, waking for the progress line too
 * (at most 20 times a second). */
static void pool_wait(job_pool *P)
{
    sweep_progress *sp = P->sp;
    if (!sp->line.out) {
        pthread_cond_wait(&P->done_cv, &P->mu);
        return;
    }
    double wait_s = sp->line.period_s > 0.05 ? sp->line.period_s : 0.05;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)wait_s;
    until.tv_nsec += (long)((wait_s - (double)(time_t)wait_s) * 1e9);
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&P->done_cv, &P->mu, &until);
    if (progress_due(&sp->line))
        parallel_progress(sp, P);
}

/* Drain the oldest job's run into the database: while it runs (what it has
 * given so far) and once it has ended.  Returns 1 once it is settled there
 * (stored, or removed as failed); a write failure is said at once and
 * stops the pool. */
static int pool_drain(job_pool *P, run_job *j)
{
    if (j->drained)
        return 1;
    sink *out = P->out;
    int dups = out->duplicates;
    int rc = sink_buffer_drain(j->buf, out);
    if (rc == 0)
        return 0;
    j->drained = 1;
    if (rc > 0) {
        j->duplicate = out->duplicates != dups;
        j->run_id = out->run_id;
        return 1;
    }
    j->write_failed = 1;
    progress_end(&P->sp->line);
    fprintf(stderr, "edgesim: %s: %s\n", j->label, out->err);
    if (P->status == EXIT_OK)
        P->status = EXIT_OUTPUT;
    pthread_mutex_lock(&P->mu);
    P->stop = 1;
    pthread_cond_broadcast(&P->work_cv);
    pthread_mutex_unlock(&P->mu);
    return 1;
}

/* The oldest job has ended: finish storing its run, print its line, or say
 * why it failed. */
static void pool_settle(job_pool *P, run_job *j)
{
    pool_drain(P, j);
    if (j->status != EXIT_OK) {
        if (P->status == EXIT_OK)
            P->status = j->status;
        progress_end(&P->sp->line);
        fprintf(stderr, "edgesim: %s: %s\n", j->label, j->err);
        return;
    }
    if (j->write_failed)
        return;
    run_finished(P->sp, j->label, &j->st);
    if (!j->duplicate && run_ids_add(P->mine, j->run_id) != 0)
        fprintf(stderr, "edgesim: out of memory\n");
}

/* Settle the oldest job not written: stream its run into the database while
 * it goes on (with `wait`: until it has ended), store the rest once it has
 * ended, or drop it if the pool stopped before it started; its slot is free
 * again.  0: settled one; 1: none pending, or (without `wait`) the oldest
 * has not ended. */
static int pool_write_next(job_pool *P, int wait)
{
    run_job *j;
    int done;
    for (;;) {
        pthread_mutex_lock(&P->mu);
        if (P->written >= P->submitted) {
            pthread_mutex_unlock(&P->mu);
            return 1;
        }
        j = &P->ring[P->written % P->capacity];
        int started = P->written < P->next;
        done = j->done;
        int dropped = !started && P->stop;
        pthread_mutex_unlock(&P->mu);
        if (done || dropped)
            break;
        if (started)
            pool_drain(P, j);
        if (!wait)
            return 1;
        pthread_mutex_lock(&P->mu);
        if (!j->done && !(P->stop && P->written >= P->next))
            pool_wait(P);
        pthread_mutex_unlock(&P->mu);
    }
    if (done) {
        pool_settle(P, j);
        P->sp->runs_settled++;
    }
    run_job_clear(j);
    pthread_mutex_lock(&P->mu);
    P->written++;
    pthread_cond_broadcast(&P->work_cv); /* the window moved */
    pthread_mutex_unlock(&P->mu);
    return 0;
}

static int pool_stopped(job_pool *P)
{
    pthread_mutex_lock(&P->mu);
    int stop = P->stop;
    pthread_mutex_unlock(&P->mu);
    return stop;
}

/* The (cleared) slot for the next job, after storing the runs that have
 * ended; while the ring is full, waits for its oldest run.  NULL once the
 * pool has stopped (a run failed or was interrupted, or the writer failed:
 * P->status is why, already printed). */
static run_job *pool_slot(job_pool *P)
{
    while (pool_write_next(P, 0) == 0)
        ;
    while (!pool_stopped(P) && P->submitted - P->written >= P->capacity)
        pool_write_next(P, 1);
    return pool_stopped(P) ? NULL : &P->ring[P->submitted % P->capacity];
}

/* The job in pool_slot's slot is ready: a worker may take it.  A worker
 * thread is started for each of the first -j jobs.  -1 if none could be
 * started (the job stays, pool_finish drops it). */
static int pool_submit(job_pool *P)
{
    pthread_mutex_lock(&P->mu);
    P->ring[P->submitted % P->capacity].pool = P;
    P->submitted++;
    pthread_cond_signal(&P->work_cv);
    pthread_mutex_unlock(&P->mu);
    if (P->threads < P->max_workers && pthread_create(&P->tid[P->threads], NULL, job_worker, P) == 0)
        P->threads++;
    return P->threads > 0 ? 0 : -1;
}

/* Start no more runs (the main thread failed); those under way go on. */
static void pool_stop(job_pool *P)
{
    pthread_mutex_lock(&P->mu);
    P->stop = 1;
    pthread_cond_broadcast(&P->work_cv);
    pthread_mutex_unlock(&P->mu);
}

/* No more jobs: store every run still to come in order (after a stop, those
 * that ended; runs never started are dropped), end the workers and free the
 * pool.  Returns the first failure's exit code (printed), or EXIT_OK. */
static int pool_finish(job_pool *P)
{
    pthread_mutex_lock(&P->mu);
    P->closed = 1;
    pthread_cond_broadcast(&P->work_cv);
    pthread_mutex_unlock(&P->mu);
    while (pool_write_next(P, 1) == 0)
        ;
    for (int t = 0; t < P->threads; t++)
        pthread_join(P->tid[t], NULL);
    pthread_mutex_destroy(&P->mu);
    pthread_cond_destroy(&P->work_cv);
    pthread_cond_destroy(&P->done_cv);
    free(P->ring);
    free(P->tid);
    return P->status;
}

int cli__run(int argc, char **argv)
{
    run_args a;
    int prc = parse_run_args(argc, argv, &a);
    if (prc != OPTS_OK)
        return prc == OPTS_HELP ? opts_check_output(stdout, "edgesim run --help") : EXIT_USAGE;

    char err[1024];
    int status = EXIT_OK;
    scenario_file sf;
    policy_registry *reg = NULL;
    point_policies pp = {NULL, NULL, 0};
    sink *out = NULL;
    run_ids mine = {NULL, 0, 0};
    double *expected = NULL; /* queries of one run of each point */
    sweep_progress sp;
    memset(&sp, 0, sizeof sp);
    /* The trace files' digests, taken by preflight's read (run identity). */
    identity_cache hashes;
    memset(&hashes, 0, sizeof hashes);

    /* From here on a signal sets cli__interrupted, which the run polls. */
    cli__catch_signals();
    /* Plug-ins run under a supervising parent (cli_guard.c). */
    cli_guard *guard = NULL;
    if (a.plugins.n > 0 && !a.points) {
        int code = cli__guard_fork(&guard, a.output, a.plugin_timeout, (int)a.jobs + 1);
        if (code >= 0)
            return code;
    }
    if (scenario_file_load(&sf, a.scenario, a.set_list, a.n_sets, err, sizeof err) != 0) {
        fprintf(stderr, "edgesim: %s\n", err);
        return EXIT_USAGE;
    }
    if (a.points) {
        long n_tasks = sf.n_points;
        if (a.per_task && cli__task_count(&sf, (int)a.per_task, &n_tasks, err, sizeof err) != 0) {
            fprintf(stderr, "edgesim: %s\n", err);
            scenario_file_free(&sf);
            return EXIT_USAGE;
        }
        printf("%ld\n", n_tasks);
        scenario_file_free(&sf);
        return EXIT_OK;
    }
    /* A task is one sweep point, or one block of its replications. */
    cli_task task = {-1, 0, 0};
    if (a.task >= 0) {
        if (cli__task_locate(&sf, (int)a.per_task, a.task, &task, err, sizeof err) != 0) {
            fprintf(stderr, "edgesim: --task %ld: %s\n", a.task, err);
            scenario_file_free(&sf);
            return EXIT_USAGE;
        }
        a.sweep_index = task.point;
    }
    if (a.sweep_index >= sf.n_points) {
        fprintf(stderr, "edgesim: --sweep-index %ld: the scenario has %d sweep points (0..%d)\n", a.sweep_index,
                sf.n_points, sf.n_points - 1);
        status = EXIT_USAGE;
        goto done;
    }
    reg = cli__registry_with_plugins(a.plugins.items, a.plugins.n);
    if (!reg) {
        status = EXIT_USAGE;
        goto done;
    }
    policy_registry_set_watch(reg, cli__guard_slot(guard, 0));
    int p_lo = a.sweep_index >= 0 ? a.sweep_index : 0;
    int p_hi = a.sweep_index >= 0 ? a.sweep_index + 1 : sf.n_points;
    /* Everything the runs would resolve, before the first one. */
    expected = calloc((size_t)(p_hi - p_lo), sizeof *expected);
    if (!expected) {
        fprintf(stderr, "edgesim: out of memory\n");
        status = EXIT_INTERNAL;
        goto done;
    }
    status = preflight(&a, &sf, p_lo, p_hi, reg, &task, a.check ? NULL : &hashes, expected, &sp.queries_total);
    if (status != EXIT_OK)
        goto done;
    if (a.check) {
        printf("%s: ok (%d sweep points)\n", a.scenario, sf.n_points);
        goto done;
    }

    if (cli__interrupted) {
        fprintf(stderr, "edgesim: interrupted before the first run; %s unchanged\n", a.output);
        status = EXIT_INTERRUPTED;
        goto done;
    }
    if (a.resume && access(a.output, F_OK) != 0) {
        fprintf(stderr, "edgesim: --resume: %s does not exist: nothing to resume (without --resume, run creates it)\n",
                a.output);
        status = EXIT_USAGE;
        goto done;
    }
    out = sink_sqlite_open(a.output, err, sizeof err);
    if (out && sink_sqlite_set_records(out, a.records_mode) != 0) {
        snprintf(err, sizeof err, "%s", out->err);
        sink_close(out);
        out = NULL;
    }
    if (!out) {
        fprintf(stderr, "edgesim: %s\n", err);
        status = EXIT_OUTPUT;
        goto done;
    }
    if ((status = check_same_version(a.output)) != EXIT_OK)
        goto done;
    progress_init(&sp.line, a.quiet ? NULL : stderr);
    scenario sc;
    int done_runs = 0, skipped = 0;
    /* -j N > 1: runs become jobs of the pool, which stores them in order. */
    int parallel = 0, pooled = 0, halted = 0;
    job_pool pool;
    for (int p = p_lo; p < p_hi && status == EXIT_OK && !halted; p++) {
        cJSON *point = NULL;
        if (scenario_resolve(&sf, p, &sc, &point, err, sizeof err) != 0 ||
            (status = point_policies_init(&pp, &a, &sf, p, reg, err, sizeof err)) != EXIT_OK) {
            fprintf(stderr, "edgesim: %s\n", err);
            cJSON_Delete(point);
            status = status != EXIT_OK ? status : EXIT_USAGE;
            break;
        }
        /* The stored scenario keeps the whole replication range: a task's
         * runs are the same rows as those of one run over everything. */
        int rep_lo = sc.replication, rep_hi = sc.replication + sc.replications;
        if (task.point >= 0) {
            rep_lo = task.rep_lo;
            rep_hi = task.rep_hi;
        }
        int total = (p_hi - p_lo) * (rep_hi - rep_lo) * pp.n;
        sp.runs_total = total;
        char *point_text = cJSON_PrintUnformatted(point);
        /* A lone run (one point, one policy, one replication) streams into
         * the database as it goes; anything more runs in the pool. */
        parallel = a.jobs > 1 && (p_hi - p_lo > 1 || (rep_hi - rep_lo) * pp.n > 1);
        if (parallel && !pooled) {
            if (pool_init(&pool, (int)a.jobs, out, a.quiet, &mine, guard, &sp) == 0) {
                pooled = 1;
            } else {
                status = EXIT_INTERNAL;
                fprintf(stderr, "edgesim: out of memory\n");
            }
        }
        for (int rep = rep_lo; rep < rep_hi && status == EXIT_OK && !halted; rep++) {
            for (int i = 0; i < pp.n && status == EXIT_OK && !halted; i++) {
                cJSON *pj = policy_instance_to_json(&pp.inst[i]);
                sc.replication = rep;
                cJSON *resolved = scenario_to_json(&sc, pj);
                char *sc_text = cJSON_PrintUnformatted(resolved);
                char *glabel = identity_label(cJSON_GetArrayItem(pp.list, i), a.set_list, a.n_sets, point);
                run_identity id;
                char started[32], label[160];
                iso_now(started, sizeof started);
                snprintf(label, sizeof label, "run %d/%d %s rep %d point %d", ++done_runs, total,
                         pp.inst[i].type->name, rep, p);
                int have = -1;
                if (!sc_text || !point_text || !glabel ||
                    identity_compute(&hashes, resolved, point_text, edgesim_version(), scenario_seed(&sc), rep,
                                     &id) != 0) {
                    snprintf(err, sizeof err, "out of memory");
                    status = EXIT_INTERNAL;
                } else if ((have = out->type->resume(out, id.config_hash)) < 0) {
                    snprintf(err, sizeof err, "%s", out->err);
                    status = EXIT_OUTPUT;
                }
                if (have == 1) {
                    skipped++;
                    sp.runs_settled++;
                    if (expected[p - p_lo] > 0)
                        sp.queries_total -= expected[p - p_lo];
                    progress_print(&sp.line, "%s: already complete in %s, skipped\n", label, a.output);
                } else if (have == 0) {
                    run_info info = {.scenario_name = sc.name,
                                     .scenario_json = sc_text,
                                     .sweep_point = point_text,
                                     .sweep_index = p,
                                     .seed = scenario_seed(&sc),
                                     .replication = rep,
                                     .policy = pp.inst[i].type->name,
                                     .version = edgesim_version(),
                                     .started_at = started,
                                     .config_hash = id.config_hash,
                                     .group_key = id.group_key,
                                     .point_key = id.point_key,
                                     .config_label = glabel};
                    run_job *j = parallel ? pool_slot(&pool) : NULL;
                    if (parallel && !j) {
                        halted = 1; /* the pool stopped: pool_finish says why */
                    } else if (parallel) {
                        j->sc = sc;
                        j->policy = i;
                        j->id = id;
                        snprintf(j->started, sizeof j->started, "%s", started);
                        snprintf(j->label, sizeof j->label, "%s", label);
                        j->sc_text = sc_text;
                        j->glabel = glabel;
                        j->point_text = strdup(point_text);
                        sc_text = glabel = NULL; /* the job's now */
                        info.scenario_name = j->sc.name;
                        info.sweep_point = j->point_text;
                        info.scenario_json = j->sc_text;
                        info.config_label = j->glabel;
                        info.started_at = j->started;
                        info.config_hash = j->id.config_hash;
                        info.group_key = j->id.group_key;
                        info.point_key = j->id.point_key;
                        j->info = info;
                        status = point_policies_init(&j->pp, &a, &sf, p, reg, err, sizeof err);
                        if (status == EXIT_OK && (!j->point_text || !(j->buf = sink_buffer_create(a.records_mode)))) {
                            snprintf(err, sizeof err, "out of memory");
                            status = EXIT_INTERNAL;
                        }
                        if (status != EXIT_OK) {
                            run_job_clear(j);
                        } else if (pool_submit(&pool) != 0) {
                            snprintf(err, sizeof err, "cannot start worker threads");
                            status = EXIT_INTERNAL;
                        }
                    } else {
                        serial_run now = {&sp, label, expected[p - p_lo]};
                        run_options opt = {a.quiet, label, &cli__interrupted, stderr, serial_progress, &now};
                        run_stats st;
                        int dups = out->duplicates;
                        policy_watch_label(cli__guard_slot(guard, 0), label);
                        status =
                            run_status_exit_code(run_one(&sc, &pp.inst[i], out, &info, &opt, &st, err, sizeof err));
                        if (status == EXIT_OK)
                            run_finished(&sp, label, &st);
                        if (status == EXIT_OK && out->duplicates == dups && run_ids_add(&mine, out->run_id) != 0) {
                            snprintf(err, sizeof err, "out of memory");
                            status = EXIT_INTERNAL;
                        }
                    }
                }
                if (status != EXIT_OK) {
                    progress_end(&sp.line);
                    fprintf(stderr, "edgesim: %s: %s\n", label, err);
                }
                free(glabel);
                free(sc_text);
                cJSON_Delete(resolved);
                cJSON_Delete(pj);
            }
        }
        cJSON_Delete(point);
        free(point_text);
        point_policies_free(&pp);
    }
    if (pooled) {
        /* After a failure of its own, the main thread lets the runs under
         * way end and stores those that ended ok, as after a failed run. */
        if (status != EXIT_OK)
            pool_stop(&pool);
        int pool_status = pool_finish(&pool);
        status = status != EXIT_OK ? status : pool_status;
    }
    progress_end(&sp.line);
    if (status == EXIT_INTERRUPTED && !a.quiet)
        fprintf(stderr, "edgesim: interrupted: %d runs completed by this command are in %s%s; the same command "
                "again skips them and does the rest\n", mine.n, a.output, mine.n > 0 ? " (summary below)" : "");
    if (out->duplicates > 0 && !a.quiet)
        fprintf(stderr, "edgesim: %d runs were completed meanwhile by another writer of %s; kept theirs\n",
                out->duplicates, a.output);
    if (skipped > 0 && !a.quiet)
        fprintf(stderr, "edgesim: %d of %d runs were already complete in %s (skipped)\n", skipped, done_runs,
                a.output);
    if (out->replaced > 0 && !a.quiet)
        fprintf(stderr, "edgesim: removed %d unfinished runs left in %s by a killed edgesim, to run them again\n",
                out->replaced, a.output);
    if (out->kept_remote > 0)
        fprintf(stderr,
                "edgesim: warning: %d unfinished copies of these runs in %s were written on another host and are "
                "kept (no view counts them); if no edgesim there still writes the file, `edgesim clean --force "
                "%s` removes them\n",
                out->kept_remote, a.output, a.output);
    sink_close(out);
    out = NULL;
    /* The runs this process completed (after Ctrl-C too), not other writers'. */
    if ((status == EXIT_OK || status == EXIT_INTERRUPTED) && !a.quiet && mine.n > 0) {
        int printed = summary_print(a.output, mine.ids, mine.n, stdout);
        status = status == EXIT_OK ? printed : status;
    }
done:
    free(expected);
    identity_cache_free(&hashes);
    free(mine.ids);
    point_policies_free(&pp);
    sink_close(out);
    policy_registry_destroy(reg);
    scenario_file_free(&sf);
    return status;
}

