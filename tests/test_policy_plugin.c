/* test_policy_plugin.c -- loading policies from shared objects: the example
 * plug-in (models/policies/examples/snr_aware_score.c) loads, configures and
 * decides; broken plug-ins (models/policies/testdata/faulty_plugin.c) and
 * missing files are rejected with clear messages.
 *
 * The plug-ins are built into <build>/plugins; this test looks in
 * $EDGESIM_PLUGIN_DIR, else beside $EDGESIM_BIN (<build>/edgesim), else
 * ../plugins relative to the working directory (<build>/tests). */
#include <string.h>
#include <unistd.h>

#include "models/policies/policies.h"
#include "check.h"

static char plugin_dir[4096];

static void find_plugin_dir(void)
{
    const char *env = getenv("EDGESIM_PLUGIN_DIR"), *bin = getenv("EDGESIM_BIN");
    char probe[4200];
    if (env && *env) {
        snprintf(plugin_dir, sizeof plugin_dir, "%s", env);
        return;
    }
    if (bin && *bin) {
        snprintf(plugin_dir, sizeof plugin_dir, "%s", bin);
        char *slash = strrchr(plugin_dir, '/');
        if (slash) {
            snprintf(slash, sizeof plugin_dir - (size_t)(slash - plugin_dir), "/plugins");
            snprintf(probe, sizeof probe, "%s/snr_aware_score.so", plugin_dir);
            if (access(probe, R_OK) == 0)
                return;
        }
    }
    snprintf(plugin_dir, sizeof plugin_dir, "../plugins");
}

static const char *plugin(const char *file)
{
    static char path[4200];
    snprintf(path, sizeof path, "%s/%s", plugin_dir, file);
    return path;
}

static int load(policy_registry *reg, const char *file, char *err, size_t errlen)
{
    err[0] = '\0';
    return policy_registry_load_plugin(reg, plugin(file), err, errlen);
}

static route decide_at(const policy_instance *pi, double p, double snr_db)
{
    policy_view v;
    memset(&v, 0, sizeof v);
    v.p_large = p;
    v.snr_db = snr_db;
    return policy_instance_decide(pi, &v);
}

static void test_example(void)
{
    policy_registry *reg = policy_registry_create();
    char err[1024];
    int n0 = policy_registry_count(reg);
    CHECK_INT(load(reg, "snr_aware_score.so", err, sizeof err), 0);
    if (err[0])
        fprintf(stderr, "%s\n", err);
    CHECK_INT(policy_registry_count(reg), n0 + 1);
    const policy_type *t = policy_registry_find(reg, "snr-aware-score");
    CHECK(t != NULL);
    if (!t) {
        policy_registry_destroy(reg);
        return;
    }

    /* Defaults: threshold 0.8 at <= 0 dB, 0.3 at >= 20 dB, linear between. */
    policy_instance pi;
    cJSON *obj = cJSON_Parse("{\"name\":\"snr-aware-score\"}");
    CHECK(policy_instance_init(&pi, reg, obj, "policy", err, sizeof err) == 0);
    cJSON_Delete(obj);
    CHECK_INT(decide_at(&pi, 0.8, -5.0), ROUTE_SMALL);  /* equal to the threshold */
    CHECK_INT(decide_at(&pi, 0.81, -5.0), ROUTE_LARGE);
    CHECK_INT(decide_at(&pi, 0.3, 25.0), ROUTE_SMALL);
    CHECK_INT(decide_at(&pi, 0.31, 25.0), ROUTE_LARGE);
    CHECK_INT(decide_at(&pi, 0.5, 10.0), ROUTE_SMALL);  /* threshold 0.55 at 10 dB */
    CHECK_INT(decide_at(&pi, 0.6, 10.0), ROUTE_LARGE);
    cJSON *json = policy_instance_to_json(&pi);
    char *text = cJSON_PrintUnformatted(json);
    CHECK(strcmp(text, "{\"name\":\"snr-aware-score\",\"p_at_low_snr\":0.8,\"p_at_high_snr\":0.3,"
                       "\"snr_low_db\":0,\"snr_high_db\":20}") == 0);
    free(text);
    cJSON_Delete(json);
    policy_instance_destroy(&pi);

    /* Its parameters are validated like a built-in's, its create's own
     * check included. */
    obj = cJSON_Parse("{\"name\":\"snr-aware-score\",\"p_at_low_snr\":2}");
    CHECK(policy_instance_init(&pi, reg, obj, "policy", err, sizeof err) == -1);
    CHECK(strstr(err, "policy.p_at_low_snr") && strstr(err, "[0, 1]"));
    cJSON_Delete(obj);
    obj = cJSON_Parse("{\"name\":\"snr-aware-score\",\"snr_low_db\":30}");
    CHECK(policy_instance_init(&pi, reg, obj, "policy", err, sizeof err) == -1);
    CHECK(strstr(err, "snr-aware-score") && strstr(err, "snr_low_db (30) must be below snr_high_db (20)"));
    cJSON_Delete(obj);

    /* Listed with its path. */
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    policy_registry_print(reg, out);
    fclose(out);
    CHECK(strstr(buf, "snr-aware-score") && strstr(buf, "plug-in: ") && strstr(buf, "snr_aware_score.so"));
    CHECK(strstr(buf, "snr_low_db             default 0        [-50, 80]        dB") != NULL);
    free(buf);

    /* Loading it again clashes with itself. */
    CHECK_INT(load(reg, "snr_aware_score.so", err, sizeof err), -1);
    CHECK(strstr(err, "\"snr-aware-score\" is already registered") != NULL);
    CHECK_INT(policy_registry_count(reg), n0 + 1);
    policy_registry_destroy(reg);
}

/* A plug-in built against policy API version 1 loads, counts as pairwise,
 * and decides on the two-model fields of today's view. */
static void test_version1(void)
{
    policy_registry *reg = policy_registry_create();
    char err[1024];
    CHECK_INT(load(reg, "v1_score.so", err, sizeof err), 0);
    const policy_type *t = policy_registry_find(reg, "v1-score");
    CHECK(t != NULL);
    if (t) {
        CHECK_INT(t->api_version, 1);
        CHECK_INT(policy_type_pairwise(t), 1);
        policy_instance pi;
        cJSON *obj = cJSON_Parse("{\"name\": \"v1-score\"}");
        CHECK_INT(policy_instance_init(&pi, reg, obj, "policy", err, sizeof err), 0);
        cJSON_Delete(obj);
        policy_view v;
        memset(&v, 0, sizeof v);
        v.p_large = 0.9;
        v.est_small_s = 1;
        v.est_large_s = 1.5;
        CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_LARGE);
        v.est_large_s = 2.5;
        CHECK_INT(policy_instance_decide(&pi, &v), ROUTE_SMALL);
        policy_instance_destroy(&pi);
    }
    policy_registry_destroy(reg);
}

static void test_faults(void)
{
    policy_registry *reg = policy_registry_create();
    char err[1024];
    int n0 = policy_registry_count(reg);

    CHECK_INT(load(reg, "does_not_exist.so", err, sizeof err), -1);
    CHECK(strstr(err, "does_not_exist.so") && strstr(err, "not found"));
    CHECK_INT(load(reg, "faulty_no_symbol.so", err, sizeof err), -1);
    CHECK(strstr(err, "faulty_no_symbol.so") && strstr(err, "does not export edgesim_policy_plugin()"));
    CHECK_INT(load(reg, "faulty_version.so", err, sizeof err), -1);
    CHECK(strstr(err, "policy API version 3, this edgesim loads versions 1 to 2") != NULL);
    CHECK_INT(load(reg, "faulty_clash.so", err, sizeof err), -1);
    CHECK(strstr(err, "\"oracle\" is already registered") != NULL);
    CHECK_INT(load(reg, "faulty_no_decide.so", err, sizeof err), -1);
    CHECK(strstr(err, "has no decide function") != NULL);
    /* Not a shared object at all: this test's source directory. */
    CHECK_INT(policy_registry_load_plugin(reg, plugin_dir, err, sizeof err), -1);
    CHECK(strstr(err, "not found") != NULL);
    char text_file[] = "/tmp/edgesim_not_a_plugin_XXXXXX";
    int fd = mkstemp(text_file);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, "hello\n", 6) == 6);
        close(fd);
        CHECK_INT(policy_registry_load_plugin(reg, text_file, err, sizeof err), -1);
        CHECK(strstr(err, "cannot load policy plug-in") != NULL);
        unlink(text_file);
    }
    /* None of them was registered; the oracle is still the built-in one. */
    CHECK_INT(policy_registry_count(reg), n0);
    CHECK(policy_registry_find(reg, "oracle")->needs_oracle == 1);
    CHECK(policy_registry_find(reg, "faulty") == NULL);
    policy_registry_destroy(reg);
}

/* Two registries load the same object independently (no global state). */
static void test_two_registries(void)
{
    policy_registry *a = policy_registry_create(), *b = policy_registry_create();
    char err[1024];
    CHECK_INT(load(a, "snr_aware_score.so", err, sizeof err), 0);
    CHECK_INT(load(b, "snr_aware_score.so", err, sizeof err), 0);
    policy_registry_destroy(a);
    policy_instance pi;
    cJSON *obj = cJSON_Parse("{\"name\":\"snr-aware-score\"}");
    CHECK(policy_instance_init(&pi, b, obj, "policy", err, sizeof err) == 0);
    CHECK_INT(decide_at(&pi, 0.9, 0.0), ROUTE_LARGE);
    policy_instance_destroy(&pi);
    cJSON_Delete(obj);
    policy_registry_destroy(b);
}

int main(void)
{
    find_plugin_dir();
    printf("plug-ins from %s\n", plugin_dir);
    test_example();
    test_faults();
    test_version1();
    test_two_registries();
    return check_done();
}
