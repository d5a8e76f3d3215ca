/* run_harness.h -- the run-level tests' shared set-up: write a trace file,
 * run a scenario given as JSON text (or a printf format) in-process with the
 * memory sink.  Files go to a fresh folder under the current directory
 * (harness_init). */
#ifndef EDGESIM_RUN_HARNESS_H
#define EDGESIM_RUN_HARNESS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <unistd.h>

#include "check.h"
#include "models/policies/policies.h"
#include "sim/run/run.h"
#include "sim/run/scenario.h"

static char tmpdir[256];

static void write_file(const char *name, const char *text, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* A single-turn trace on device 0: row i (0-based) has id i + 1, arrives
 * at t0_s + i gap_s, p_large 0.5, q_small = q_large = 1.  Its tokens are
 * in[i % n_kinds] and out[i % n_kinds] when n_kinds > 0, else
 * in_min + (53 i) mod in_span and out_min + (29 i) mod out_span (a span of 1:
 * constant).  With `deadline` (cycled like in/out; "" = none) it has the
 * deadline_s column. */
typedef struct harness_trace {
    int n;
    double t0_s, gap_s;
    int in_min, in_span, out_min, out_span;
    const int *in, *out;
    const char *const *deadline;
    int n_kinds;
} harness_trace;

static inline void write_harness_trace(const char *name, const harness_trace *t, char *path, size_t len)
{
    char *buf = malloc((size_t)t->n * 100 + 200);
    char *p = buf + sprintf(buf, "id,t_arr_s,device,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,"
                                 "benchmark%s\n", t->deadline ? ",deadline_s" : "");
    for (int i = 0; i < t->n; i++) {
        int k = t->n_kinds > 0 ? i % t->n_kinds : 0;
        int in = t->n_kinds > 0 ? t->in[k] : t->in_min + (53 * i) % t->in_span;
        int out = t->n_kinds > 0 ? t->out[k] : t->out_min + (29 * i) % t->out_span;
        p += sprintf(p, "%d,%.4f,0,-1,0,%d,%d,0.5,1,1,x%s%s\n", i + 1, t->t0_s + i * t->gap_s, in, out,
                     t->deadline ? "," : "", t->deadline ? t->deadline[k] : "");
    }
    write_file(name, buf, path, len);
    free(buf);
}

typedef struct result {
    run_status status;
    char err[1024];
    record *rec;
    size_t n;
    run_stats stats;
} result;

static result run_scenario(const char *json, char *const *sets, int n_sets)
{
    result res;
    memset(&res, 0, sizeof res);
    char path[512];
    write_file("scenario.json", json, path, sizeof path);
    scenario_file sf;
    scenario sc;
    if (scenario_file_load(&sf, path, sets, n_sets, res.err, sizeof res.err) != 0 ||
        scenario_resolve(&sf, 0, &sc, NULL, res.err, sizeof res.err) != 0) {
        res.status = RUN_CONFIG;
        return res;
    }
    policy_registry *reg = policy_registry_create();
    policy_instance pi;
    if (policy_instance_init(&pi, reg, cJSON_GetArrayItem(sf.policies, 0), "policy", res.err, sizeof res.err) != 0) {
        res.status = RUN_CONFIG;
        policy_registry_destroy(reg);
        scenario_file_free(&sf);
        return res;
    }
    sink *out = sink_memory_create();
    run_info info = {.scenario_name = sc.name, .scenario_json = "{}", .sweep_point = "{}",
                     .seed = scenario_seed(&sc), .replication = sc.replication, .policy = pi.type->name,
                     .version = "test", .started_at = "2026-01-01T00:00:00Z"};
    run_options opt = {1, "test", NULL, NULL, NULL, NULL};
    res.status = run_one(&sc, &pi, out, &info, &opt, &res.stats, res.err, sizeof res.err);
    sink_memory *mem = (sink_memory *)out;
    res.n = mem->n;
    res.rec = malloc((mem->n ? mem->n : 1) * sizeof *res.rec);
    if (mem->n)
        memcpy(res.rec, mem->records, mem->n * sizeof *res.rec);
    sink_close(out);
    policy_instance_destroy(&pi);
    policy_registry_destroy(reg);
    scenario_file_free(&sf);
    return res;
}

/* The run `run` (a result) ended RUN_OK, its message shown when not, with
 * `count` records (count < 0: any number).  A macro, so that a failure names the
 * test's line. */
#define CHECK_RUN(run, count)                                             \
    do {                                                                  \
        CHECK_INT((run).status, RUN_OK);                                  \
        if ((run).status != RUN_OK)                                       \
            fprintf(stderr, "    the run says: %s\n", (run).err);         \
        if ((count) >= 0)                                                 \
            CHECK_INT((run).n, (count));                                  \
    } while (0)

/* run_scenario of the JSON that `fmt` and the arguments make (printf). */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static inline result run_scenariof(const char *fmt, ...)
{
    char json[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(json, sizeof json, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof json) {
        fprintf(stderr, "run_scenariof: scenario longer than %zu bytes\n", sizeof json - 1);
        exit(1);
    }
    return run_scenario(json, NULL, 0);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void harness_cleanup(void)
{
    nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int harness_init(void)
{
    char cwd[128];
    if (!getcwd(cwd, sizeof cwd))
        return -1;
    snprintf(tmpdir, sizeof tmpdir, "%s/edgesim-test-run-XXXXXX", cwd);
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return -1;
    }
    atexit(harness_cleanup);
    return 0;
}

/* A run test's main: harness_init, then each test of the NULL-terminated
 * list in order; the exit code of check_done(). */
typedef void (*harness_test)(void);

static inline int harness_main(const harness_test *tests)
{
    if (harness_init() != 0)
        return 1;
    for (; *tests; tests++)
        (*tests)();
    return check_done();
}

#endif
