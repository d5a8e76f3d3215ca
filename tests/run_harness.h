/* run_harness.h -- run a scenario given as JSON text in-process, with the
 * memory sink, for the run-level tests.  Files go to a fresh folder under
 * the current directory. */
#ifndef EDGESIM_RUN_HARNESS_H
#define EDGESIM_RUN_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <unistd.h>

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

#endif
