/* Config keys: defaults, parsing, errors naming the key path, --set, emit. */
#include <stdlib.h>
#include <string.h>

#include "sim/base/keys.h"
#include "check.h"

typedef struct inner_cfg {
    double rate_bps;
    char model[16];
} inner_cfg;

typedef struct cfg {
    int count;
    double gain_db;
    double optional;
    int flag;
    double values[4];
    int n_values;
    inner_cfg inner;
} cfg;

static const char *const models[] = {"a", "b", NULL};
static const key_spec inner_keys[] = {
    KEY_NUM(inner_cfg, rate_bps, "rate_bps", "1e6", 0, 1e9, "rate, bit/s"),
    KEY_STR(inner_cfg, model, "model", "\"a\"", models, "model"),
    KEY_TABLE_END,
};
static const key_spec keys[] = {
    KEY_INTV(cfg, count, "count", "10", 1, 100, "how many"),
    KEY_NUM(cfg, gain_db, "gain_db", "-3.5", -KEY_INF, KEY_INF, "gain, dB"),
    KEY_NUM(cfg, optional, "optional", NULL, 0, 10, "unset by default"),
    KEY_BOOLV(cfg, flag, "flag", "false", "a switch"),
    KEY_NUMS(cfg, values, n_values, "values", "[1, 2]", 0, 10, "a list"),
    KEY_OBJ(cfg, inner, "inner", inner_keys, "nested"),
    KEY_TABLE_END,
};

/* cJSON's allocator for the out-of-memory case: fails every allocation. */
static void *no_memory(size_t n)
{
    (void)n;
    return NULL;
}

static int parse(const char *json, cfg *c, key_error *err)
{
    memset(c, 0, sizeof *c);
    keys_defaults(keys, c);
    cJSON *obj = cJSON_Parse(json);
    int rc = keys_parse(keys, c, obj, "", err);
    cJSON_Delete(obj);
    return rc;
}

int main(void)
{
    cfg c;
    key_error err;

    CHECK_INT(parse("{}", &c, &err), 0);
    CHECK_INT(c.count, 10);
    CHECK_NEAR(c.gain_db, -3.5, 0);
    CHECK(isnan(c.optional));
    CHECK_INT(c.n_values, 2);
    CHECK_NEAR(c.inner.rate_bps, 1e6, 0);
    CHECK(strcmp(c.inner.model, "a") == 0);

    CHECK_INT(parse("{\"count\": 5, \"inner\": {\"model\": \"b\"}, \"values\": [3,4,5], \"flag\": true}", &c, &err), 0);
    CHECK_INT(c.count, 5);
    CHECK(strcmp(c.inner.model, "b") == 0);
    CHECK_INT(c.n_values, 3);
    CHECK_NEAR(c.values[2], 5, 0);
    CHECK_INT(c.flag, 1);

    CHECK_INT(parse("{\"inner\": {\"rat_bps\": 1}}", &c, &err), -1);
    CHECK(strstr(err.msg, "inner.rat_bps: unknown key") != NULL);
    CHECK(strstr(err.msg, "rate_bps") != NULL); /* lists the valid keys */
    CHECK_INT(parse("{\"count\": 0}", &c, &err), -1);
    CHECK(strstr(err.msg, "count: expected a value in [1, 100], found the number 0") != NULL);
    CHECK_INT(parse("{\"count\": 2.5}", &c, &err), -1);
    CHECK(strstr(err.msg, "count: expected an integer") != NULL);
    CHECK_INT(parse("{\"inner\": {\"model\": \"c\"}}", &c, &err), -1);
    CHECK(strstr(err.msg, "inner.model: expected one of a|b, found the string \"c\"") != NULL);
    CHECK_INT(parse("{\"values\": [1, \"x\"]}", &c, &err), -1);
    CHECK(strstr(err.msg, "values[1]: expected a number") != NULL);
    CHECK_INT(parse("{\"values\": [1,2,3,4,5]}", &c, &err), -1);
    CHECK_INT(parse("{\"gain_db\": \"loud\"}", &c, &err), -1);
    CHECK(strstr(err.msg, "gain_db: expected a number, found the string \"loud\"") != NULL);
    CHECK_INT(parse("{\"count\": 3, \"count\": 4}", &c, &err), -1);
    CHECK(strstr(err.msg, "given twice") != NULL);
    CHECK_INT(parse("{\"inner\": 3}", &c, &err), -1);
    CHECK(strstr(err.msg, "inner: expected an object") != NULL);

    /* --set: JSON values, bare strings, created intermediate objects. */
    cJSON *root = cJSON_Parse("{\"count\": 1}");
    CHECK_INT(keys_json_set(root, "inner.model", "b", &err), 0);
    CHECK_INT(keys_json_set(root, "count", "7", &err), 0);
    CHECK_INT(keys_json_set(root, "values", "[9]", &err), 0);
    CHECK_INT(keys_json_set(root, "count.x", "1", &err), -1);
    CHECK_INT(keys_json_set(root, "a..b", "1", &err), -1);
    /* List elements by index: the list must exist and hold the element. */
    cJSON *list = cJSON_Parse("{\"sites\": [{\"x_m\": 1}, {\"x_m\": 2}], \"v\": [1, 2]}");
    CHECK_INT(keys_json_set(list, "sites.1.x_m", "5", &err), 0);
    CHECK_NEAR(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(list, "sites"), 1), "x_m")->valuedouble, 5,
               0);
    CHECK_NEAR(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(list, "sites"), 0), "x_m")->valuedouble, 1,
               0);
    CHECK_INT(keys_json_set(list, "v.0", "7", &err), 0);
    CHECK_NEAR(cJSON_GetArrayItem(cJSON_GetObjectItem(list, "v"), 0)->valuedouble, 7, 0);
    CHECK_INT(keys_json_set(list, "sites.2.x_m", "5", &err), -1);
    CHECK(strstr(err.msg, "0..1") != NULL);
    CHECK_INT(keys_json_set(list, "sites.x.x_m", "5", &err), -1);
    CHECK_INT(keys_json_set(list, "sites.-1.x_m", "5", &err), -1);
    CHECK_INT(keys_json_set(list, "other.0.x_m", "5", &err), -1);
    CHECK(strstr(err.msg, "not in the scenario") != NULL);
    cJSON_Delete(list);
    memset(&c, 0, sizeof c);
    keys_defaults(keys, &c);
    CHECK_INT(keys_parse(keys, &c, root, "", &err), 0);
    CHECK_INT(c.count, 7);
    CHECK(strcmp(c.inner.model, "b") == 0);
    CHECK_NEAR(c.values[0], 9, 0);

    /* Emit then parse again gives the same struct. */
    cJSON *out = cJSON_CreateObject();
    CHECK_INT(keys_emit(keys, &c, out), 0);
    cfg again;
    memset(&again, 0, sizeof again);
    keys_defaults(keys, &again);
    CHECK_INT(keys_parse(keys, &again, out, "", &err), 0);
    CHECK(memcmp(&again.inner, &c.inner, sizeof c.inner) == 0);
    CHECK_INT(again.count, c.count);
    CHECK(isnan(again.optional));
    cJSON_Delete(out);
    cJSON_Delete(root);
    /* Out of memory while parsing the defaults is reported as such, not as
     * a malformed default; a default that does not fit its key is a bug. */
    {
        cJSON_Hooks fail_all = {no_memory, free}, normal = {malloc, free};
        cfg d;
        cJSON_InitHooks(&fail_all);
        CHECK_INT(keys_defaults(keys, &d), KEYS_NOMEM);
        cJSON_InitHooks(&normal);
        CHECK_INT(keys_defaults(keys, &d), 0);
        static const key_spec wrong_default[] = {
            KEY_INTV(cfg, count, "count", "\"ten\"", 1, 100, "a default of the wrong type"),
            KEY_TABLE_END,
        };
        CHECK_INT(keys_defaults(wrong_default, &d), KEYS_BAD_DEFAULT);
    }
    return check_done();
}
