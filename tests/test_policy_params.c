/* test_policy_params.c -- the registry and parameter validation: every
 * built-in is listed and well formed, and every kind of bad configuration is
 * rejected with a message naming the key, what was expected and what was
 * found. */
#include <math.h>
#include <string.h>

#include "models/policies/policies.h"
#include "check.h"

static policy_registry *reg;

/* Configure from JSON text; returns the rc, the message in err. */
static int try(const char *json, char *err, size_t errlen)
{
    policy_instance pi;
    cJSON *obj = cJSON_Parse(json);
    if (!obj) {
        fprintf(stderr, "bad JSON in test: %s\n", json);
        exit(1);
    }
    err[0] = '\0';
    int rc = policy_instance_init(&pi, reg, obj, "policies[1]", err, errlen);
    if (rc != 0)
        CHECK(pi.type == NULL); /* destroy is then a no-op */
    policy_instance_destroy(&pi);
    cJSON_Delete(obj);
    return rc;
}

/* Expect rejection with every needle in the message. */
static void reject(const char *json, const char *n1, const char *n2, const char *n3)
{
    char err[1024];
    int rc = try(json, err, sizeof err);
    CHECK_INT(rc, -1);
    const char *needles[] = {n1, n2, n3};
    for (int i = 0; i < 3; i++)
        if (needles[i] && !strstr(err, needles[i])) {
            fprintf(stderr, "%s: message \"%s\" lacks \"%s\"\n", json, err, needles[i]);
            check_failed++;
        }
}

static void test_builtins(void)
{
    const char *names[] = {"always-small", "always-large", "random", "score-threshold", "snr-threshold",
                           "min-latency", "quality-latency", "context-aware", "oracle", "always", "score-cascade"};
    int n = (int)(sizeof names / sizeof *names);
    CHECK_INT(policy_registry_count(reg), n);
    for (int i = 0; i < n; i++) {
        const policy_type *t = policy_registry_find(reg, names[i]);
        CHECK(t != NULL && t == policy_registry_get(reg, i));
        if (!t)
            continue;
        CHECK_INT(t->api_version, EDGESIM_POLICY_API_VERSION);
        CHECK(t->decide != NULL && t->summary && *t->summary);
        CHECK_INT(t->needs_oracle, strcmp(t->name, "oracle") == 0);
        int np = 0;
        for (const policy_param *p = t->params; p && p->name; p++, np++) {
            CHECK(p->min <= p->def && p->def <= p->max);
            CHECK(p->help && *p->help);
        }
        CHECK(np <= POLICY_MAX_PARAMS);
        /* Every policy configures with its defaults alone. */
        char json[128], err[512];
        snprintf(json, sizeof json, "{\"name\":\"%s\"}", names[i]);
        CHECK_INT(try(json, err, sizeof err), 0);
    }
    CHECK(policy_registry_get(reg, n) == NULL);
    CHECK(policy_registry_find(reg, "nonexistent") == NULL);
}

static void test_defaults_and_json(void)
{
    policy_instance pi;
    char err[512];
    cJSON *obj = cJSON_Parse("{\"name\":\"quality-latency\",\"theta\":0.25}");
    CHECK(policy_instance_init(&pi, reg, obj, "policy", err, sizeof err) == 0);
    cJSON_Delete(obj);
    CHECK_INT(pi.n_params, 2);
    CHECK_NEAR(pi.params[0], 0.05, 0); /* alpha default, 1/s */
    CHECK_NEAR(pi.params[1], 0.25, 0);
    cJSON *out = policy_instance_to_json(&pi);
    char *text = cJSON_PrintUnformatted(out);
    CHECK(strcmp(text, "{\"name\":\"quality-latency\",\"alpha\":0.05,\"theta\":0.25}") == 0);
    /* Round trip: the resolved JSON configures the same instance. */
    policy_instance again;
    CHECK(policy_instance_init(&again, reg, out, "policy", err, sizeof err) == 0);
    CHECK(memcmp(again.params, pi.params, sizeof pi.params) == 0);
    cJSON *derived = policy_instance_derived_json(&pi, err, sizeof err);
    CHECK(cJSON_IsObject(derived) && derived->child == NULL);
    cJSON_Delete(derived);
    free(text);
    cJSON_Delete(out);
    policy_instance_destroy(&again);
    policy_instance_destroy(&pi);

    /* Boundaries of the ranges are accepted. */
    CHECK_INT(try("{\"name\":\"random\",\"large_fraction\":0}", err, sizeof err), 0);
    CHECK_INT(try("{\"name\":\"random\",\"large_fraction\":1}", err, sizeof err), 0);
    CHECK_INT(try("{\"name\":\"score-threshold\",\"target_large_fraction\":-1}", err, sizeof err), 0);
    CHECK_INT(try("{\"name\":\"score-threshold\",\"target_large_fraction\":0}", err, sizeof err), 0);
}

static void test_bad(void)
{
    /* Unknown policy: the message lists the known ones. */
    reject("{\"name\":\"qualty-latency\"}", "policies[1].name", "unknown policy \"qualty-latency\"",
           "always-small, always-large, random, score-threshold, snr-threshold, min-latency, quality-latency, "
           "context-aware, oracle");
    /* Unknown parameter: names the policy and its parameters. */
    reject("{\"name\":\"quality-latency\",\"beta\":1}", "policies[1].beta", "unknown parameter of policy quality-latency",
           "known: alpha, theta");
    reject("{\"name\":\"min-latency\",\"alpha\":1}", "policies[1].alpha", "min-latency", "no parameters");
    /* Wrong types. */
    reject("{\"name\":\"random\",\"large_fraction\":\"0.3\"}", "policies[1].large_fraction", "expected a number",
           "the string \"0.3\"");
    reject("{\"name\":\"random\",\"large_fraction\":true}", "large_fraction", "expected a number", "true");
    reject("{\"name\":\"random\",\"large_fraction\":null}", "large_fraction", "expected a number", "null");
    reject("{\"name\":\"random\",\"large_fraction\":[0.3]}", "large_fraction", "expected a number", "an array");
    reject("{\"name\":7}", "policies[1].name", "string", "the number 7");
    reject("{\"large_fraction\":0.3}", "policies[1].name", "expected the policy's name", "nothing");
    reject("[\"random\"]", "policies[1]", "expected an object", "an array");
    /* Out of range, above and below, with the range and unit. */
    reject("{\"name\":\"random\",\"large_fraction\":1.5}", "policies[1].large_fraction", "[0, 1]", "1.5");
    reject("{\"name\":\"random\",\"large_fraction\":-0.1}", "large_fraction", "[0, 1]", "-0.1");
    reject("{\"name\":\"quality-latency\",\"alpha\":-1}", "policies[1].alpha", "[0, 100] 1/s", "found -1");
    reject("{\"name\":\"snr-threshold\",\"snr_db\":200}", "snr_db", "[-50, 80] dB", "200");
    reject("{\"name\":\"score-threshold\",\"threshold\":1e999}", "threshold", "[0, 1]", NULL);
    /* Cross-parameter check in create, named by policy and parameter. */
    reject("{\"name\":\"score-threshold\",\"target_large_fraction\":-0.2}", "policies[1]: policy score-threshold",
           "target_large_fraction", "-0.2");
    /* always: a model index that is no integer, refused by create (before
     * it allocates anything) with the value found. */
    reject("{\"name\":\"always\",\"model\":1.5}", "policies[1]: policy always",
           "model: expected an integer index", "found 1.5");
    /* The same key twice (valid JSON, but ambiguous). */
    reject("{\"name\":\"random\",\"large_fraction\":0.1,\"large_fraction\":0.9}", "policies[1].large_fraction",
           "given twice", NULL);
}

static void test_print(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    policy_registry_print(reg, out);
    fclose(out);
    for (int i = 0; i < policy_registry_count(reg); i++) {
        const policy_type *t = policy_registry_get(reg, i);
        CHECK(strstr(buf, t->name) && strstr(buf, t->summary));
        for (const policy_param *p = t->params; p && p->name; p++)
            CHECK(strstr(buf, p->name) && strstr(buf, p->help));
    }
    CHECK(strstr(buf, "alpha                  default 0.05     [0, 100]         1/s") != NULL);
    CHECK(strstr(buf, "target_large_fraction  default -1       [-1, 1]") != NULL);
    CHECK(strstr(buf, "(sees the true qualities)") != NULL);
    free(buf);
}

int main(void)
{
    reg = policy_registry_create();
    test_builtins();
    test_defaults_and_json();
    test_bad();
    test_print();
    policy_registry_destroy(reg);
    policy_registry_destroy(NULL);
    return check_done();
}
