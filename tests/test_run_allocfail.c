/* test_run_allocfail.c -- setup, run and clean-up survive an allocation
 * failure at any point.  This executable is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (tests/CMakeLists.txt): every
 * allocation made by edgesim's code (and cJSON's, through its hooks) goes
 * through the hook below, which fails the k-th one.  One small run (scenario
 * load and resolution, a calibrated policy, dialogues, a memory sink) is
 * repeated for k = 1 .. the number of allocations of a clean run: each must
 * end with a status and a message, or succeed, never crash or leak (the
 * sanitizer build runs this test under ASan/LeakSanitizer); a failed run
 * leaves no record in the memory sink (its contract, record.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "models/policies/policies.h"
#include "sim/run/run.h"
#include "sim/run/scenario.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static long n_allocs, fail_at; /* fail_at 0: never */
static int armed;

static int should_fail(void)
{
    if (!armed)
        return 0;
    return ++n_allocs == fail_at;
}

void *__wrap_malloc(size_t n) { return should_fail() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return should_fail() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return should_fail() ? NULL : __real_realloc(p, n); }

static void *cjson_malloc(size_t n) { return __wrap_malloc(n); }

static const char scenario_json[] =
    "{\"duration_s\": 120, \"devices\": {\"count\": 3},"
    " \"trace\": {\"generate\": {\"benchmark\": \"mix\", \"queries\": 25, \"dialogues\": 3}},"
    " \"edge\": {\"servers\": 2},"
    " \"policy\": {\"name\": \"score-threshold\", \"target_large_fraction\": 0.4}}";

/* One run with allocation k failing.  Returns the run's records (-1: failed
 * before or during the run); *status the run's status, or -2 when setup
 * before run_one failed. */
static long one_run(const char *path, long k, int *status)
{
    char err[1024] = "";
    scenario_file sf;
    scenario sc;
    policy_registry *reg = NULL;
    policy_instance pi;
    int have_sf = 0, have_pi = 0;
    sink *out = NULL;
    long records = -1;
    *status = -2;
    n_allocs = 0;
    fail_at = k;
    armed = 1;
    if (scenario_file_load(&sf, path, NULL, 0, err, sizeof err) != 0)
        goto done;
    have_sf = 1;
    if (scenario_resolve(&sf, 0, &sc, NULL, err, sizeof err) != 0)
        goto done;
    reg = policy_registry_create();
    if (!reg)
        goto done;
    if (policy_instance_init(&pi, reg, cJSON_GetArrayItem(sf.policies, 0), "policy", err, sizeof err) != 0)
        goto done;
    have_pi = 1;
    out = sink_memory_create();
    if (!out)
        goto done;
    run_info info = {.scenario_name = sc.name, .scenario_json = "{}", .sweep_point = "{}",
                     .seed = scenario_seed(&sc), .replication = sc.replication, .policy = pi.type->name,
                     .version = "test", .started_at = "2026-01-01T00:00:00Z"};
    run_options opt = {1, "allocfail", NULL, NULL, NULL, NULL};
    run_stats st;
    *status = run_one(&sc, &pi, out, &info, &opt, &st, err, sizeof err);
    sink_memory *mem = (sink_memory *)out;
    records = (long)mem->n;
    if (*status != RUN_OK) {
        CHECK(err[0] != '\0');           /* a message says what failed */
        CHECK_INT(mem->n, 0);            /* the failed run's records are dropped */
        CHECK(mem->runs_complete == 0);
    }
done:
    armed = 0;
    if (*status == -2) {
        CHECK(err[0] != '\0' || !reg || !out);
        if (strstr(err, "internal error") || strstr(err, "malformed"))
            fprintf(stderr, "allocation %ld failing: misleading message: %s\n", k, err);
        CHECK(!strstr(err, "internal error") && !strstr(err, "malformed")); /* out of memory is said so */
    }
    sink_close(out);
    if (have_pi)
        policy_instance_destroy(&pi);
    policy_registry_destroy(reg);
    if (have_sf)
        scenario_file_free(&sf);
    return records;
}

/* Every default of every scenario key parses as JSON, so keys_defaults
 * failing to parse one at run time means out of memory (what it reports). */
static int defaults_parse(const key_spec *spec)
{
    int n = 0;
    for (const key_spec *k = spec; k->type != KEY_END; k++) {
        if (k->sub)
            n += defaults_parse(k->sub);
        if (!k->def)
            continue;
        cJSON *v = cJSON_Parse(k->def);
        if (!v)
            fprintf(stderr, "default of %s is not JSON: %s\n", k->name, k->def);
        CHECK(v != NULL);
        cJSON_Delete(v);
        n++;
    }
    return n;
}

int main(void)
{
    cJSON_Hooks hooks = {cjson_malloc, free};
    cJSON_InitHooks(&hooks);
    char path[] = "allocfail-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, scenario_json, sizeof scenario_json - 1) != (ssize_t)(sizeof scenario_json - 1)) {
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    close(fd);

    CHECK(defaults_parse(scenario_keys) > 50);

    int status;
    long clean = one_run(path, 0, &status);
    long total = n_allocs;
    CHECK_INT(status, RUN_OK);
    CHECK(clean > 0);
    printf("a clean run: %ld records, %ld allocations\n", clean, total);

    /* The memory sink's contract: a complete run, then a failed one. */
    {
        sink *s = sink_memory_create();
        run_info info = {0};
        run_stats st = {0};
        record rec;
        memset(&rec, 0, sizeof rec);
        s->type->begin_run(s, &info);
        s->type->write(s, &rec);
        s->type->end_run(s, &st, 1);
        s->type->begin_run(s, &info);
        s->type->write(s, &rec);
        s->type->write(s, &rec);
        s->type->end_run(s, &st, 0);
        CHECK_INT(((sink_memory *)s)->n, 1);
        sink_close(s);
    }

    long ok_runs = 0, failed_setup = 0, failed_runs = 0;
    for (long k = 1; k <= total; k++) {
        long n = one_run(path, k, &status);
        if (status == RUN_OK) {
            ok_runs++;
            CHECK_INT(n, clean); /* a failure absorbed (e.g. a cache) changes no record */
        } else if (status == -2) {
            failed_setup++;
        } else {
            failed_runs++;
        }
    }
    printf("allocation k failing, k = 1..%ld: %ld set-up failures, %ld run failures, %ld runs unaffected\n", total,
           failed_setup, failed_runs, ok_runs);
    CHECK(failed_setup > 0 && failed_runs > 0);
    unlink(path);
    return check_done();
}
