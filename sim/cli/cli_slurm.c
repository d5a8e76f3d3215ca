/* cli_slurm.c -- `edgesim slurm`: a SLURM job array running a scenario's
 * sweep (one task per point, or per block of replications), each task into
 * its own database, and a merge job that checks every task and merges them,
 * or prints the command that resubmits only the missing tasks.
 *
 * The task -> (point, replications) map lives here (cli__task_locate) and
 * is used by `edgesim run --task` inside the array, so the script and the
 * check can never disagree about what a task runs.  docs/SLURM.md. */
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>

#include "sim/cli/cli.h"
#include "cli_int.h"
#include "analysis/plot.h"
#include "sim/run/identity.h"
#include "sim/run/scenario.h"
#include "sim/base/version.h"

extern char **environ;

/* ---- tasks ---- */

/* Replications of point p, and how many tasks they make. */
static int point_blocks(const scenario_file *sf, int p, int per_task, scenario *sc, long *blocks, char *err,
                        size_t errlen)
{
    if (scenario_resolve(sf, p, sc, NULL, err, errlen) != 0)
        return -1;
    *blocks = per_task > 0 ? (sc->replications + per_task - 1) / per_task : 1;
    return 0;
}

int cli__task_count(const scenario_file *sf, int per_task, long *n_tasks, char *err, size_t errlen)
{
    scenario sc;
    long n = 0, b;
    for (int p = 0; p < sf->n_points; p++) {
        if (point_blocks(sf, p, per_task, &sc, &b, err, errlen) != 0)
            return -1;
        n += b;
    }
    *n_tasks = n;
    return 0;
}

int cli__task_locate(const scenario_file *sf, int per_task, long task, cli_task *out, char *err, size_t errlen)
{
    scenario sc;
    long first = 0, b;
    for (int p = 0; p < sf->n_points; p++) {
        if (point_blocks(sf, p, per_task, &sc, &b, err, errlen) != 0)
            return -1;
        if (task < first + b) {
            long k = task - first;
            out->point = p;
            out->rep_lo = sc.replication;
            out->rep_hi = sc.replication + sc.replications;
            if (per_task > 0) {
                out->rep_lo = sc.replication + (int)(k * per_task);
                if (out->rep_hi > out->rep_lo + per_task)
                    out->rep_hi = out->rep_lo + per_task;
            }
            return 0;
        }
        first += b;
    }
    snprintf(err, errlen, "the scenario has %ld tasks (0..%ld)", first, first - 1);
    return -1;
}

/* ---- arguments ---- */

static const char slurm_about[] =
    "Write a SLURM job array running the scenario, one task per sweep point (or\n"
    "per block of replications), each task into its own database, and a merge\n"
    "job that starts when the array has ended (afterany), checks that every\n"
    "task's runs are complete, merges them into RESULT.db, and otherwise prints\n"
    "the command that resubmits only the missing tasks.  A rerun task skips\n"
    "the runs already complete in its database: no run is stored twice.\n";

typedef struct slurm_args {
    const char *scenario, *output, *dir;
    cli_sets set_opts;
    char *const *sets;
    int n_sets;
    const char *plugin_items[MAX_PLUGINS];
    opt_list plugin_list;
    const char *const *plugins;
    int n_plugins;
    double plugin_timeout; /* -1: not given (edgesim run's default) */
    long per_task;
    const char *time, *mem, *partition, *account;
    int submit, merge, quiet;
} slurm_args;

static int parse_slurm_args(int argc, char **argv, slurm_args *a)
{
    memset(a, 0, sizeof *a);
    a->time = "01:00:00";
    a->mem = "1G";
    cli__sets_init(&a->set_opts);
    a->plugin_list = (opt_list){a->plugin_items, MAX_PLUGINS, 0};
    a->plugin_timeout = -1;
    const opt_def opts[] = {
        {"--output", 'o', OPT_OUTPUT, &a->output, 0, 0, "FILE", "merged database (appended to, like edgesim run)", 0},
        {"--dir", 0, OPT_STR, &a->dir, 0, 0, "DIR",
         "scripts, task databases (DIR/tasks/T.db) and logs\n(DIR/logs); default RESULT.db's name + \".slurm\"", 0},
        {"--replications-per-task", 0, OPT_INT, &a->per_task, 1, 1000000, "N",
         "split each point's replications into tasks of N\n(default: one task per sweep point)", 0},
        cli__opt_set(&a->set_opts),
        cli__opt_seed(&a->set_opts),
        cli__opt_replications(&a->set_opts),
        {"--policy-plugin", 0, OPT_LIST, &a->plugin_list, 0, 0, "FILE.so", "load a routing policy plug-in (repeatable)",
         0},
        cli__opt_plugin_timeout(&a->plugin_timeout),
        {"--time", 0, OPT_STR, &a->time, 0, 0, "T", "sbatch --time of a task (default 01:00:00)", 0},
        {"--mem", 0, OPT_STR, &a->mem, 0, 0, "M", "sbatch --mem of a task (default 1G)", 0},
        {"--partition", 0, OPT_STR, &a->partition, 0, 0, "P", "sbatch --partition (default: the cluster's)", 0},
        {"--account", 0, OPT_STR, &a->account, 0, 0, "A", "sbatch --account (default: the cluster's)", 0},
        {"--submit", 0, OPT_FLAG, &a->submit, 0, 0, NULL, "submit both with sbatch and print the job ids", 0},
        {"--merge", 0, OPT_FLAG, &a->merge, 0, 0, NULL,
         "what the merge job runs: check, merge or print\nthe resubmit command (exit 3 when tasks miss)", 0},
        {"--quiet", 'q', OPT_FLAG, &a->quiet, 0, 0, NULL, "print only the submit command or job ids", 0},
        {NULL, 0, OPT_FLAG, NULL, 0, 0, NULL, NULL, 0},
    };
    const opt_command cmd = {"edgesim slurm", "SCENARIO.json -o RESULT.db [options]", slurm_about, opts, &a->scenario,
                             1, 1, NULL};
    int rc = opts_parse(&cmd, argc, argv);
    if (rc != OPTS_OK)
        return rc;
    a->sets = cli__sets_finish(&a->set_opts, &a->n_sets);
    a->plugins = a->plugin_list.items;
    a->n_plugins = a->plugin_list.n;
    if (!a->output) {
        fprintf(stderr, "edgesim slurm: needs -o RESULT.db (see edgesim slurm --help)\n");
        return OPTS_ERROR;
    }
    if (a->submit && a->merge) {
        fprintf(stderr, "edgesim slurm: --submit and --merge exclude each other\n");
        return OPTS_ERROR;
    }
    /* Values written into #SBATCH lines: one word, no shell or line break. */
    const struct {
        const char *flag, *value;
    } words[] = {{"--time", a->time}, {"--mem", a->mem}, {"--partition", a->partition}, {"--account", a->account}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        const char *v = words[i].value;
        if (v && (!*v || v[strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:-_.,+@")])) {
            fprintf(stderr, "edgesim slurm: %s \"%s\": expected one word of letters, digits and :-_.,+@\n",
                    words[i].flag, v);
            return OPTS_ERROR;
        }
    }
    return OPTS_OK;
}

/* ---- text helpers ---- */

/* Characters that an #SBATCH line or a SLURM file pattern would misread. */
static const char *bad_path_char(const char *s)
{
    for (; *s; s++)
        if (*s == '%' || *s == '"' || *s == '\'' || *s == '\\' || *s == '$' || *s == '`' ||
            (unsigned char)*s <= ' ')
            return s;
    return NULL;
}

/* Append `s` single-quoted for the shell. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

/* An absolute path for `path` (which need not exist yet). */
static int absolute(const char *path, char *out, size_t len)
{
    if (path[0] == '/')
        return snprintf(out, len, "%s", path) < (int)len ? 0 : -1;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return -1;
    return snprintf(out, len, "%s/%s", cwd, path) < (int)len ? 0 : -1;
}

static int mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* The array index list "0-3,7,9-10" of the flagged tasks. */
static char *index_list(const unsigned char *flag, long n)
{
    size_t cap = 64, len = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (long i = 0; i < n; i++) {
        if (!flag[i])
            continue;
        long j = i;
        while (j + 1 < n && flag[j + 1])
            j++;
        char item[48];
        int k = j > i ? snprintf(item, sizeof item, "%s%ld-%ld", len ? "," : "", i, j)
                      : snprintf(item, sizeof item, "%s%ld", len ? "," : "", i);
        if (len + (size_t)k + 1 > cap) {
            cap = 2 * cap + (size_t)k;
            char *t = realloc(s, cap);
            if (!t) {
                free(s);
                return NULL;
            }
            s = t;
        }
        memcpy(s + len, item, (size_t)k + 1);
        len += (size_t)k;
        i = j;
    }
    return s;
}

/* ---- the plan: absolute paths and the task count ---- */

typedef struct plan {
    char edgesim[PATH_MAX], scenario[PATH_MAX], output[PATH_MAX], dir[PATH_MAX];
    char plugins[MAX_PLUGINS][PATH_MAX];
    char name[64];
    long n_tasks;
} plan;

static int make_plan(const slurm_args *a, const scenario_file *sf, plan *pl)
{
    char err[1024];
    memset(pl, 0, sizeof *pl);
    ssize_t n = readlink("/proc/self/exe", pl->edgesim, sizeof pl->edgesim - 1);
    if (n <= 0)
        snprintf(pl->edgesim, sizeof pl->edgesim, "edgesim");
    if (!realpath(a->scenario, pl->scenario)) {
        fprintf(stderr, "edgesim: %s: %s\n", a->scenario, strerror(errno));
        return EXIT_USAGE;
    }
    for (int i = 0; i < a->n_plugins; i++) {
        if (!realpath(a->plugins[i], pl->plugins[i])) {
            fprintf(stderr, "edgesim: %s: %s\n", a->plugins[i], strerror(errno));
            return EXIT_USAGE;
        }
    }
    if (absolute(a->output, pl->output, sizeof pl->output) != 0) {
        fprintf(stderr, "edgesim: %s: path too long\n", a->output);
        return EXIT_USAGE;
    }
    char dir[PATH_MAX];
    int ok = a->dir ? absolute(a->dir, dir, sizeof dir) == 0
                    : snprintf(dir, sizeof dir, "%s.slurm", pl->output) < (int)sizeof dir;
    if (ok && a->dir == NULL) {
        /* RESULT.db -> RESULT.slurm */
        size_t l = strlen(pl->output);
        if (l > 3 && strcmp(pl->output + l - 3, ".db") == 0)
            snprintf(dir, sizeof dir, "%.*s.slurm", (int)(l - 3), pl->output);
    }
    if (!ok || mkdir_p(dir) != 0 || !realpath(dir, pl->dir)) {
        fprintf(stderr, "edgesim: %s: cannot make the folder: %s\n", a->dir ? a->dir : dir, strerror(errno));
        return EXIT_OUTPUT;
    }
    const char *bad = bad_path_char(pl->dir);
    if (bad) {
        fprintf(stderr, "edgesim: --dir %s: the character '%c' cannot appear in an #SBATCH line; use another folder\n",
                pl->dir, *bad);
        return EXIT_USAGE;
    }
    /* Job name: the scenario's name, shell- and SLURM-safe. */
    scenario sc;
    if (scenario_resolve(sf, 0, &sc, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "edgesim: %s\n", err);
        return EXIT_USAGE;
    }
    snprintf(pl->name, sizeof pl->name, "edgesim-%.40s", sc.name[0] ? sc.name : "sweep");
    for (char *c = pl->name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
              *c == '_' || *c == '.'))
            *c = '_';
    if (cli__task_count(sf, (int)a->per_task, &pl->n_tasks, err, sizeof err) != 0) {
        fprintf(stderr, "edgesim: %s\n", err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* The options both jobs pass on to edgesim: scenario, overrides, plug-ins
 * and their timeout. */
static void put_common(FILE *f, const slurm_args *a, const plan *pl)
{
    put_quoted(f, pl->scenario);
    for (int i = 0; i < a->n_sets; i++) {
        fputs(" --set ", f);
        put_quoted(f, a->sets[i]);
    }
    for (int i = 0; i < a->n_plugins; i++) {
        fputs(" --policy-plugin ", f);
        put_quoted(f, pl->plugins[i]);
    }
    if (a->plugin_timeout >= 0)
        fprintf(f, " --plugin-timeout %.17g", a->plugin_timeout);
    if (a->per_task)
        fprintf(f, " --replications-per-task %ld", a->per_task);
}

static void put_sbatch_options(FILE *f, const slurm_args *a, const plan *pl, const char *log)
{
    fprintf(f, "#SBATCH --job-name=%s\n", pl->name);
    fprintf(f, "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n");
    fprintf(f, "#SBATCH --time=%s\n#SBATCH --mem=%s\n", a->time, a->mem);
    if (a->partition)
        fprintf(f, "#SBATCH --partition=%s\n", a->partition);
    if (a->account)
        fprintf(f, "#SBATCH --account=%s\n", a->account);
    fprintf(f, "#SBATCH --output=%s/logs/%s\n", pl->dir, log);
}

static int write_script(const char *path, const char *what, const slurm_args *a, const plan *pl)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "edgesim: %s: %s\n", tmp, strerror(errno));
        return EXIT_OUTPUT;
    }
    int tasks = strcmp(what, "tasks") == 0;
    fprintf(f, "#!/bin/bash\n");
    fprintf(f, "# Written by `edgesim slurm` (edgesim %s): %s.\n", edgesim_version(),
            tasks ? "the job array, one task per sweep point or block of replications"
                  : "the merge job; it starts after the array (afterany)");
    if (tasks) {
        fprintf(f, "#SBATCH --array=0-%ld\n", pl->n_tasks - 1);
        put_sbatch_options(f, a, pl, "task-%A_%a.log");
        fputs("exec ", f);
        put_quoted(f, pl->edgesim);
        fputs(" run ", f);
        put_common(f, a, pl);
        /* -j 1: one CPU per task (edgesim run defaults to every core of the node). */
        fprintf(f, " -q -j 1 --task \"$SLURM_ARRAY_TASK_ID\" -o ");
        put_quoted(f, pl->dir);
        fputs("/tasks/\"$SLURM_ARRAY_TASK_ID\".db\n", f);
    } else {
        put_sbatch_options(f, a, pl, "merge-%j.log");
        fputs("exec ", f);
        put_quoted(f, pl->edgesim);
        fputs(" slurm ", f);
        put_common(f, a, pl);
        fputs(" -o ", f);
        put_quoted(f, pl->output);
        fputs(" --dir ", f);
        put_quoted(f, pl->dir);
        fputs(" --merge\n", f);
    }
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad || chmod(tmp, 0755) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "edgesim: %s: cannot write\n", path);
        remove(tmp);
        return EXIT_OUTPUT;
    }
    return EXIT_OK;
}

/* The command that submits the array (or the listed tasks) and the merge. */
static void put_submit_command(FILE *f, const plan *pl, const char *array)
{
    fprintf(f, "sbatch --dependency=afterany:$(sbatch --parsable%s%s %s/tasks.sbatch) %s/merge.sbatch\n",
            array ? " --array=" : "", array ? array : "", pl->dir, pl->dir);
}

/* ---- --submit ---- */

/* Run sbatch with `args` (NULL-terminated, script last); the job id it
 * prints in *id. */
static int sbatch(char *const *args, const char *script, long *id)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    posix_spawn_file_actions_addclose(&fa, fd[1]);
    pid_t pid;
    int rc = posix_spawnp(&pid, "sbatch", &fa, NULL, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (rc != 0) {
        close(fd[0]);
        fprintf(stderr, "edgesim: cannot run sbatch: %s (is SLURM installed and on PATH?)\n", strerror(rc));
        return -1;
    }
    char buf[256];
    size_t len = 0;
    ssize_t k;
    while ((k = read(fd[0], buf + len, sizeof buf - 1 - len)) > 0 && len < sizeof buf - 1)
        len += (size_t)k;
    buf[len] = '\0';
    close(fd[0]);
    int ws;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    /* --parsable prints "jobid" or "jobid;cluster". */
    char *end;
    long v = strtol(buf, &end, 10);
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0 || end == buf || v <= 0) {
        fprintf(stderr, "edgesim: sbatch %s failed (its message is above)\n", script);
        return -1;
    }
    *id = v;
    return 0;
}

static int submit(const plan *pl, int quiet)
{
    char tasks[PATH_MAX + 16], merge[PATH_MAX + 16], dep[64];
    snprintf(tasks, sizeof tasks, "%s/tasks.sbatch", pl->dir);
    snprintf(merge, sizeof merge, "%s/merge.sbatch", pl->dir);
    long array_id, merge_id;
    char *a1[] = {"sbatch", "--parsable", tasks, NULL};
    if (sbatch(a1, tasks, &array_id) != 0) {
        fprintf(stderr, "edgesim: the array's indices are 0-%ld; a cluster refuses indices of its MaxArraySize"
                        " or more (scontrol show config | grep MaxArraySize): then use fewer tasks\n",
                pl->n_tasks - 1);
        return EXIT_OUTPUT;
    }
    snprintf(dep, sizeof dep, "--dependency=afterany:%ld", array_id);
    char *a2[] = {"sbatch", "--parsable", dep, merge, NULL};
    if (sbatch(a2, merge, &merge_id) != 0) {
        fprintf(stderr, "edgesim: the array (job %ld) is submitted; submit the merge with:\n"
                        "  sbatch --dependency=afterany:%ld %s\n", array_id, array_id, merge);
        return EXIT_OUTPUT;
    }
    printf("array job %ld (%ld tasks), merge job %ld\n", array_id, pl->n_tasks, merge_id);
    if (!quiet)
        printf("watch: squeue -j %ld,%ld; the merge log: %s/logs/merge-%ld.log\n", array_id, merge_id, pl->dir,
               merge_id);
    return EXIT_OK;
}

/* ---- --merge: check every task, merge, or print the resubmit command ---- */

/* What a task's database should hold: complete runs of its sweep point's
 * configuration (point_key: docs/ANALYSIS.md "Run identity"), seed and
 * replications, one per policy and replication. */
typedef struct task_want {
    run_identity id; /* point_key of the task's point */
    uint64_t seed;
    long runs;       /* distinct policies x replications */
} task_want;

static int task_want_init(const scenario_file *sf, const cli_task *t, identity_cache *cache, task_want *w,
                          char *err, size_t errlen)
{
    scenario sc;
    cJSON *point = NULL, *pols = NULL, *resolved = NULL;
    char *point_text = NULL;
    int rc = -1;
    if (scenario_resolve(sf, t->point, &sc, &point, err, errlen) != 0 ||
        !(pols = scenario_point_policies(sf, t->point, err, errlen)))
        goto done;
    point_text = cJSON_PrintUnformatted(point);
    resolved = scenario_to_json(&sc, NULL);
    w->seed = scenario_seed(&sc);
    if (!point_text || !resolved ||
        identity_compute(cache, resolved, point_text, edgesim_version(), w->seed, t->rep_lo, &w->id) != 0) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    /* Two identical policy objects are one configuration: one run each. */
    long n = 0;
    for (const cJSON *p = pols->child; p; p = p->next) {
        int again = 0;
        for (const cJSON *q = pols->child; q != p && !again; q = q->next)
            again = cJSON_Compare(p, q, 1);
        n += !again;
    }
    w->runs = n * (t->rep_hi - t->rep_lo);
    rc = 0;
done:
    cJSON_Delete(point);
    cJSON_Delete(pols);
    cJSON_Delete(resolved);
    cJSON_free(point_text);
    return rc;
}

/* Count the task's complete runs in its database (*got) and complete runs
 * that are not the task's (*foreign: another scenario, --set or edgesim
 * version wrote them).  Returns 0, or -1 when the database is missing or
 * unreadable (message in why). */
static int task_runs(const char *path, const cli_task *t, const task_want *w, long *got, long *foreign, char *why,
                     size_t len)
{
    struct stat stt;
    if (stat(path, &stt) != 0) {
        snprintf(why, len, "no database");
        return -1;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    /* Read-write (never create): a task killed mid-write leaves a hot
     * journal, which only a writer can roll back. */
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(why, len, "cannot open: %s", sqlite3_errmsg(db));
    } else {
        sqlite3_busy_timeout(db, 10000);
        if (sqlite3_prepare_v2(db,
                               "SELECT COUNT(DISTINCT CASE WHEN mine THEN config_hash END), COUNT(*) - SUM(mine)"
                               " FROM (SELECT config_hash, (point_key = ?1 AND seed = ?2 AND replication >= ?3"
                               " AND replication < ?4) AS mine FROM runs WHERE status = 'complete')",
                               -1, &st, NULL) != SQLITE_OK) {
            snprintf(why, len, "not a results database of this edgesim: %s", sqlite3_errmsg(db));
        } else {
            sqlite3_bind_text(st, 1, w->id.point_key, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, (sqlite3_int64)w->seed);
            sqlite3_bind_int(st, 3, t->rep_lo);
            sqlite3_bind_int(st, 4, t->rep_hi);
            if (sqlite3_step(st) == SQLITE_ROW) {
                *got = (long)sqlite3_column_int64(st, 0);
                *foreign = (long)sqlite3_column_int64(st, 1);
                rc = 0;
            } else {
                snprintf(why, len, "cannot read: %s", sqlite3_errmsg(db));
            }
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

static int check_and_merge(const slurm_args *a, const scenario_file *sf, const plan *pl)
{
    char err[1024], path[PATH_MAX + 32], why[256];
    unsigned char *missing = calloc((size_t)pl->n_tasks, 1);
    char **inputs = calloc((size_t)pl->n_tasks + 3, sizeof *inputs);
    long n_missing = 0, n_foreign = 0;
    int status = EXIT_OK;
    identity_cache cache;
    memset(&cache, 0, sizeof cache);
    if (!missing || !inputs) {
        fprintf(stderr, "edgesim: out of memory\n");
        status = EXIT_INTERNAL;
        goto done;
    }
    for (long t = 0; t < pl->n_tasks; t++) {
        cli_task task;
        task_want want;
        if (cli__task_locate(sf, (int)a->per_task, t, &task, err, sizeof err) != 0 ||
            task_want_init(sf, &task, &cache, &want, err, sizeof err) != 0) {
            fprintf(stderr, "edgesim: %s\n", err);
            status = EXIT_USAGE;
            goto done;
        }
        snprintf(path, sizeof path, "%s/tasks/%ld.db", pl->dir, t);
        long got = 0, foreign = 0;
        int readable = task_runs(path, &task, &want, &got, &foreign, why, sizeof why) == 0;
        if (foreign > 0) {
            fprintf(stderr, "edgesim: %s holds %ld complete runs that are not task %ld's (another scenario,"
                            " --set or edgesim version wrote them): move it away, then resubmit\n",
                    path, foreign, t);
            n_foreign++;
        }
        if (!readable || got < want.runs || foreign > 0) {
            if (readable)
                snprintf(why, sizeof why, "%ld of %ld runs complete", got, want.runs);
            fprintf(stderr, "edgesim: task %ld (sweep point %d, replication%s %d", t, task.point,
                    task.rep_hi - task.rep_lo > 1 ? "s" : "", task.rep_lo);
            if (task.rep_hi - task.rep_lo > 1)
                fprintf(stderr, "-%d", task.rep_hi - 1);
            fprintf(stderr, "): %s\n", why);
            missing[t] = 1;
            n_missing++;
        }
        inputs[2 + t] = strdup(path);
        if (!inputs[2 + t]) {
            fprintf(stderr, "edgesim: out of memory\n");
            status = EXIT_INTERNAL;
            goto done;
        }
    }
    if (n_missing) {
        char *list = index_list(missing, pl->n_tasks);
        fprintf(stderr, "edgesim: %ld of %ld tasks incomplete; %s not written.\n", n_missing, pl->n_tasks,
                pl->output);
        printf("Resubmit the missing tasks and the merge%s with:\n",
               n_foreign ? " (after moving away the databases named above)" : "");
        put_submit_command(stdout, pl, list ? list : "?");
        free(list);
        status = EXIT_INPUT;
        goto done;
    }
    char *out_arg = malloc(strlen(pl->output) + sizeof "--output=");
    if (!out_arg) {
        fprintf(stderr, "edgesim: out of memory\n");
        status = EXIT_INTERNAL;
        goto done;
    }
    sprintf(out_arg, "--output=%s", pl->output);
    inputs[0] = "merge";
    inputs[1] = out_arg;
    status = merge_main((int)pl->n_tasks + 2, inputs);
    free(out_arg);
    if (status == EXIT_OK)
        printf("%s: the %ld tasks are merged\n", pl->output, pl->n_tasks);
done:
    identity_cache_free(&cache);
    for (long t = 0; inputs && t < pl->n_tasks; t++)
        free(inputs[2 + t]);
    free(inputs);
    free(missing);
    return status;
}

int cli__slurm(int argc, char **argv)
{
    slurm_args a;
    int prc = parse_slurm_args(argc, argv, &a);
    if (prc != OPTS_OK)
        return prc == OPTS_HELP ? opts_check_output(stdout, "edgesim slurm --help") : EXIT_USAGE;
    char err[1024];
    scenario_file sf;
    if (scenario_file_load(&sf, a.scenario, a.sets, a.n_sets, err, sizeof err) != 0) {
        fprintf(stderr, "edgesim: %s\n", err);
        return EXIT_USAGE;
    }
    plan *pl = calloc(1, sizeof *pl);
    int status = pl ? make_plan(&a, &sf, pl) : EXIT_INTERNAL;
    if (status != EXIT_OK)
        goto done;
    if (a.merge) {
        status = check_and_merge(&a, &sf, pl);
        goto done;
    }
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/tasks", pl->dir);
    int made = mkdir_p(path);
    snprintf(path, sizeof path, "%s/logs", pl->dir);
    if (made != 0 || mkdir_p(path) != 0) {
        fprintf(stderr, "edgesim: %s: cannot make the folder: %s\n", path, strerror(errno));
        status = EXIT_OUTPUT;
        goto done;
    }
    snprintf(path, sizeof path, "%s/tasks.sbatch", pl->dir);
    status = write_script(path, "tasks", &a, pl);
    snprintf(path, sizeof path, "%s/merge.sbatch", pl->dir);
    if (status == EXIT_OK)
        status = write_script(path, "merge", &a, pl);
    if (status != EXIT_OK)
        goto done;
    if (a.submit) {
        status = submit(pl, a.quiet);
    } else {
        if (!a.quiet)
            printf("%s: %ld tasks (array indices 0-%ld) and the merge job; submit both with:\n", pl->dir,
                   pl->n_tasks, pl->n_tasks - 1);
        put_submit_command(stdout, pl, NULL);
    }
done:
    free(pl);
    scenario_file_free(&sf);
    return status;
}
