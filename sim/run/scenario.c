/* scenario.c -- scenario files, overrides, sweeps and resolution. */
#include "sim/run/scenario.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const key_spec router_keys[] = {
    KEY_NUM(router_config, overhead_s, "overhead_s", "0.015", 0, 1e6,
            "router inference time before the decision, s (BERT-base class classifier on a phone NPU)"),
    KEY_NUM(router_config, csi_delay_s, "csi_delay_s", "0", 0, 1e6, "age of the SNR the router sees, s"),
    KEY_NUM(router_config, csi_error_db, "csi_error_db", "0", 0, 100, "sd of the Gaussian error on that SNR, dB"),
    KEY_BOOLV(router_config, sees_switch_cost, "sees_switch_cost", "true",
              "false: the router's switching costs (csw_small_s, csw_large_s, and the edge-server choice) ignore "
              "KV recomputation, which the simulation still charges"),
    KEY_TABLE_END,
};

static const key_spec edge_keys[] = {
    KEY_INTV(edge_config, servers, "servers", "1", 1, 4096,
             "edge servers, each running the large model with its own batch and KV cache; the router sends a "
             "query to the one with the smallest latency estimate plus switching cost"),
    KEY_TABLE_END,
};

const key_spec scenario_keys[] = {
    KEY_STR(scenario, name, "name", "\"unnamed\"", NULL, "scenario name, written to every run"),
    KEY_STR(scenario, description, "description", "\"\"", NULL, "free text"),
    KEY_NUM(scenario, seed, "seed", "1", 0, 9007199254740992.0, "master seed (integer)"),
    KEY_INTV(scenario, replication, "replication", "0", 0, 1e9, "first replication index"),
    KEY_INTV(scenario, replications, "replications", "1", 1, 1e6, "replications per sweep point and policy"),
    KEY_NUM(scenario, duration_s, "duration_s", "0", 0, 1e12,
            "arrivals after this time are not started, s (0: the whole trace)"),
    KEY_OBJ(scenario, trace, "trace", trace_keys, "the workload"),
    KEY_OBJ(scenario, devices, "devices", devices_keys, "mobile devices and their placement"),
    KEY_OBJ(scenario, channel, "channel", channel_keys, "the radio link"),
    KEY_OBJ(scenario, router, "router", router_keys, "the router on the device"),
    KEY_OBJ(scenario, edge, "edge", edge_keys, "the edge servers (of each site unless sites.N.servers)"),
    KEY_OBJ(scenario, device, "device", llm_device_keys, "each device's memory for its device-tier models"),
    KEY_LISTV(scenario, sites.site, sites.n, "sites", "[{}]", site_keys,
              "edge sites, each with its own band and edge servers; default: one at the origin"),
    KEY_OBJ(scenario, sites, "site_layout", site_layout_keys, "layout helper for `sites`"),
    KEY_OBJ(scenario, sites, "handover", handover_keys, "attachment and A3 handover between sites"),
    KEY_MAPV(scenario, models, n_models, "models", llm_models_default, llm_model_keys,
             "the models by name, each with its tier, profile and price; small (device) and large (edge) "
             "unless removed with null; a new name starts from the edge defaults"),
    KEY_TABLE_END,
};


static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        keys_errorf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
        if (len + 1 == cap) {
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
    }
    int bad = ferror(f), saved = errno;
    fclose(f);
    if (!buf || bad) {
        keys_errorf(err, errlen, "%s: cannot read: %s", path, buf ? strerror(saved) : "out of memory");
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    if (strlen(buf) != len) {
        free(buf);
        keys_errorf(err, errlen, "%s: not a text file (NUL byte)", path);
        return NULL;
    }
    return buf;
}

/* Line and column of byte offset `at` in `text`, 1-based. */
static void line_col(const char *text, const char *at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (const char *p = text; p < at && *p; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* The keys that name a file.  A relative path written in the scenario file,
 * at the key itself or as a sweep value, names a file in the scenario
 * file's folder; one given with --set, a file in the working directory, as
 * every path on the command line does (docs/CLI.md "Paths"). */
static const char *const path_keys[] = {"trace.path", "devices.mobility.trace_path", NULL};

/* Make the relative path at dotted key `key` of root relative to the
 * scenario file's folder.  0, or -1 when out of memory. */
static int rebase_path(cJSON *root, const char *key, const char *scenario_path)
{
    const char *slash = strrchr(scenario_path, '/');
    cJSON *parent = root;
    const char *name = key;
    for (const char *dot; parent && (dot = strchr(name, '.')); name = dot + 1) {
        char part[64];
        snprintf(part, sizeof part, "%.*s", (int)(dot - name), name);
        parent = cJSON_GetObjectItemCaseSensitive(parent, part);
        if (!cJSON_IsObject(parent))
            return 0;
    }
    cJSON *path = parent ? cJSON_GetObjectItemCaseSensitive(parent, name) : NULL;
    if (!slash || !cJSON_IsString(path) || path->valuestring[0] == '\0' || path->valuestring[0] == '/')
        return 0;
    size_t dirlen = (size_t)(slash - scenario_path) + 1;
    size_t len = dirlen + strlen(path->valuestring) + 1;
    char *joined = malloc(len);
    if (!joined)
        return -1;
    memcpy(joined, scenario_path, dirlen);
    strcpy(joined + dirlen, path->valuestring);
    cJSON *repl = cJSON_CreateString(joined);
    free(joined);
    if (!repl)
        return -1;
    cJSON_ReplaceItemInObjectCaseSensitive(parent, name, repl);
    return 0;
}

/* Rebase the path keys that `written` (a key set from the scenario file:
 * NULL for the whole file, else a sweep key) wrote: the key itself, or an
 * object holding it ("trace", "devices.mobility"). */
static int rebase_paths(cJSON *root, const char *written, const char *scenario_path)
{
    for (const char *const *k = path_keys; *k; k++) {
        size_t n = written ? strlen(written) : 0;
        if (written && !(strncmp(*k, written, n) == 0 && ((*k)[n] == '\0' || (*k)[n] == '.')))
            continue;
        if (rebase_path(root, *k, scenario_path) != 0)
            return -1;
    }
    return 0;
}

static int check_sweep(scenario_file *sf, char *err, size_t errlen)
{
    sf->n_points = 1;
    if (!sf->sweep)
        return 0;
    if (!cJSON_IsObject(sf->sweep))
        return keys_errorf(err, errlen, "%s: sweep: expected an object {\"key.path\": [values...]}", sf->path);
    for (const cJSON *m = sf->sweep->child; m; m = m->next) {
        int n = cJSON_GetArraySize(m);
        if (!cJSON_IsArray(m) || n == 0)
            return keys_errorf(err, errlen, "%s: sweep.%s: expected a non-empty array of values", sf->path, m->string);
        if ((double)sf->n_points * n > 1e7)
            return keys_errorf(err, errlen, "%s: sweep: more than 10^7 grid points", sf->path);
        sf->n_points *= n;
    }
    return 0;
}

#define CHECK_ALL_POINTS 10000

static int check_point(const scenario_file *sf, int p, char *err, size_t errlen)
{
    scenario sc;
    cJSON *pol = scenario_point_policies(sf, p, err, errlen);
    cJSON_Delete(pol);
    return !pol || scenario_resolve(sf, p, &sc, NULL, err, errlen) != 0 ? -1 : 0;
}

/* Resolve sweep points so that a bad value fails before any run: every
 * point of a grid up to CHECK_ALL_POINTS, else point 0 and each value of
 * each key with the other keys at their first value (point j * stride of
 * key k; every point is resolved again before it runs). */
static int check_points(const scenario_file *sf, char *err, size_t errlen)
{
    if (sf->n_points <= CHECK_ALL_POINTS) {
        for (int p = 0; p < sf->n_points; p++)
            if (check_point(sf, p, err, errlen) != 0)
                return -1;
        return 0;
    }
    if (check_point(sf, 0, err, errlen) != 0)
        return -1;
    int stride = 1;
    for (int k = cJSON_GetArraySize(sf->sweep) - 1; k >= 0; k--) {
        int n = cJSON_GetArraySize(cJSON_GetArrayItem(sf->sweep, k));
        for (int j = 1; j < n; j++)
            if (check_point(sf, j * stride, err, errlen) != 0)
                return -1;
        stride *= n;
    }
    return 0;
}

/* The policy object a policy key addresses: "policy.K" (one policy only) or
 * "policies.N.K"; *rest receives K.  `where` names the key's origin in
 * messages ("sweep." or "--set ").  NULL with err set if the key is bad. */
static cJSON *policy_target(const scenario_file *sf, cJSON *policies, const char *key, const char *where,
                            const char **rest, char *err, size_t errlen)
{
    int n = cJSON_GetArraySize(policies);
    if (strncmp(key, "policy.", 7) == 0) {
        if (n != 1) {
            keys_errorf(err, errlen, "%s: %s%s: the scenario has %d policies; name one as policies.N.%s", sf->path,
                        where, key, n, key + 7);
            return NULL;
        }
        *rest = key + 7;
        return cJSON_GetArrayItem(policies, 0);
    }
    char *end;
    long i = strtol(key + 9, &end, 10);
    if (end == key + 9 || *end != '.' || !end[1]) {
        keys_errorf(err, errlen, "%s: %s%s: expected policies.N.KEY with N in 0..%d", sf->path, where, key, n - 1);
        return NULL;
    }
    if (i < 0 || i >= n) {
        keys_errorf(err, errlen, "%s: %s%s: the scenario has %d %s: expected policies.N.KEY with N in 0..%d",
                    sf->path, where, key, n, n == 1 ? "policy" : "policies", n - 1);
        return NULL;
    }
    *rest = end + 1;
    return cJSON_GetArrayItem(policies, (int)i);
}

static int is_policy_key(const char *key)
{
    return strncmp(key, "policy.", 7) == 0 || strncmp(key, "policies.", 9) == 0;
}

/* The trace's source chosen on the command line replaces the file's: a
 * --set of trace.path drops the scenario's trace.generate, one of
 * trace.generate drops its trace.path (docs/CLI.md).  Both in the file, or
 * both on the command line, stay for scenario_resolve to refuse. */
static void choose_trace_source(cJSON *root, int set_path, int set_generate)
{
    cJSON *trace = cJSON_GetObjectItemCaseSensitive(root, "trace");
    if (!cJSON_IsObject(trace) || set_path == set_generate)
        return;
    cJSON_DeleteItemFromObjectCaseSensitive(trace, set_path ? "generate" : "path");
}

/* Apply the --set KEY.PATH=VALUE overrides: scenario keys (and policy.K,
 * which may create the one policy) to the root (policy_keys 0), or
 * policies.N.K to the policy list (policy_keys 1), as a sweep key would. */
static int apply_sets(scenario_file *sf, char *const *sets, int n_sets, int policy_keys, char *err, size_t errlen)
{
    key_error kerr;
    int set_path = 0, set_generate = 0;
    for (int i = 0; i < n_sets && !policy_keys; i++) {
        set_path |= strncmp(sets[i], "trace.path=", 11) == 0;
        set_generate |= strncmp(sets[i], "trace.generate=", 15) == 0 || strncmp(sets[i], "trace.generate.", 15) == 0;
    }
    if (!policy_keys)
        choose_trace_source(sf->root, set_path, set_generate);
    for (int i = 0; i < n_sets; i++) {
        const char *eq = strchr(sets[i], '=');
        if (!eq || eq == sets[i])
            return keys_errorf(err, errlen, "--set %s: expected KEY.PATH=VALUE", sets[i]);
        char key[256];
        if ((size_t)(eq - sets[i]) >= sizeof key)
            return keys_errorf(err, errlen, "--set %.40s...: key longer than %zu characters", sets[i], sizeof key - 1);
        snprintf(key, sizeof key, "%.*s", (int)(eq - sets[i]), sets[i]);
        if ((strncmp(key, "policies.", 9) == 0) != policy_keys)
            continue;
        cJSON *target = sf->root;
        const char *path = key;
        if (policy_keys) {
            target = policy_target(sf, sf->policies, key, "--set ", &path, err, errlen);
            if (!target)
                return -1;
        }
        if (keys_json_set(target, path, eq + 1, &kerr) != 0)
            return keys_errorf(err, errlen, "--set %s: %s", sets[i], kerr.msg);
    }
    return 0;
}

int scenario_file_load(scenario_file *sf, const char *path, char *const *sets, int n_sets, char *err,
                       size_t errlen)
{
    char msg[600];
    memset(sf, 0, sizeof *sf);
    snprintf(sf->path, sizeof sf->path, "%s", path);

    char *text = read_file(path, err, errlen);
    if (!text)
        return -1;
    const char *end = NULL;
    sf->root = cJSON_ParseWithOpts(text, &end, 1);
    if (!sf->root) {
        int line, col;
        line_col(text, end ? end : text, &line, &col);
        keys_errorf(err, errlen, "%s:%d:%d: invalid JSON near here", path, line, col);
        free(text);
        return -1;
    }
    free(text);
    if (!cJSON_IsObject(sf->root)) {
        keys_errorf(err, errlen, "%s: expected a JSON object at the top level", path);
        goto fail;
    }
    if (rebase_paths(sf->root, NULL, path) != 0) {
        keys_errorf(err, errlen, "out of memory");
        goto fail;
    }
    /* Scenario keys now; policy keys once the policy list is known. */
    if (apply_sets(sf, sets, n_sets, 0, err, errlen) != 0)
        goto fail;

    cJSON *one = cJSON_DetachItemFromObjectCaseSensitive(sf->root, "policy");
    sf->policies = cJSON_DetachItemFromObjectCaseSensitive(sf->root, "policies");
    sf->sweep = cJSON_DetachItemFromObjectCaseSensitive(sf->root, "sweep");
    if (one && sf->policies) {
        cJSON_Delete(one);
        keys_errorf(err, errlen, "%s: give either \"policy\" or \"policies\", not both", path);
        goto fail;
    }
    if (one) {
        sf->policies = cJSON_CreateArray();
        if (!sf->policies) {
            cJSON_Delete(one);
            goto fail;
        }
        cJSON_AddItemToArray(sf->policies, one);
    }
    if (!sf->policies) {
        sf->policies = cJSON_Parse("[{\"name\": \"always-small\"}, {\"name\": \"always-large\"}]");
    } else if (!cJSON_IsArray(sf->policies) || cJSON_GetArraySize(sf->policies) == 0) {
        keys_errorf(err, errlen, "%s: policies: expected a non-empty array of policy objects", path);
        goto fail;
    }
    if (apply_sets(sf, sets, n_sets, 1, err, errlen) != 0)
        goto fail;
    if (check_sweep(sf, err, errlen) != 0)
        goto fail;

    if (check_points(sf, msg, sizeof msg) != 0) {
        keys_errorf(err, errlen, "%s", msg);
        goto fail;
    }
    return 0;
fail:
    scenario_file_free(sf);
    return -1;
}

void scenario_file_free(scenario_file *sf)
{
    cJSON_Delete(sf->root);
    cJSON_Delete(sf->policies);
    cJSON_Delete(sf->sweep);
    sf->root = sf->policies = sf->sweep = NULL;
}


/* Apply grid point `point` of the sweep (mixed radix, last key fastest):
 * scenario keys to `root`, policy keys to `policies` (either may be NULL
 * to skip those keys). */
static int apply_point(const scenario_file *sf, int point, cJSON *root, cJSON *policies, cJSON *point_json,
                       char *err, size_t errlen)
{
    key_error kerr;
    if (!sf->sweep)
        return 0;
    int n_keys = cJSON_GetArraySize(sf->sweep);
    int rest = point;
    for (int k = n_keys - 1; k >= 0; k--) {
        const cJSON *m = cJSON_GetArrayItem(sf->sweep, k);
        int n = cJSON_GetArraySize(m);
        const cJSON *v = cJSON_GetArrayItem(m, rest % n);
        rest /= n;
        if (point_json)
            cJSON_AddItemToObject(point_json, m->string, cJSON_Duplicate(v, 1));
        cJSON *target = root;
        const char *path = m->string;
        if (is_policy_key(m->string)) {
            if (!policies)
                continue;
            target = policy_target(sf, policies, m->string, "sweep.", &path, err, errlen);
            if (!target)
                return -1;
        } else if (!root) {
            continue;
        }
        char *text = cJSON_PrintUnformatted(v);
        if (!text)
            return keys_errorf(err, errlen, "out of memory");
        int rc = keys_json_set(target, path, text, &kerr);
        free(text);
        if (rc != 0)
            return keys_errorf(err, errlen, "%s: sweep: %s", sf->path, kerr.msg);
        if (target == root && rebase_paths(root, m->string, sf->path) != 0)
            return keys_errorf(err, errlen, "out of memory");
    }
    return 0;
}

cJSON *scenario_point_policies(const scenario_file *sf, int point, char *err, size_t errlen)
{
    cJSON *policies = cJSON_Duplicate(sf->policies, 1);
    if (!policies) {
        keys_errorf(err, errlen, "out of memory");
        return NULL;
    }
    if (apply_point(sf, point, NULL, policies, NULL, err, errlen) != 0) {
        cJSON_Delete(policies);
        return NULL;
    }
    return policies;
}

int scenario_resolve(const scenario_file *sf, int point, scenario *out, cJSON **point_json, char *err,
                     size_t errlen)
{
    key_error kerr;
    int rc = -1;
    cJSON *root = cJSON_Duplicate(sf->root, 1);
    cJSON *pj = point_json ? cJSON_CreateObject() : NULL;
    if (!root || (point_json && !pj)) {
        keys_errorf(err, errlen, "out of memory");
        goto done;
    }
    if (apply_point(sf, point, root, NULL, pj, err, errlen) != 0)
        goto done;
    memset(out, 0, sizeof *out);
    int drc = keys_defaults(scenario_keys, out);
    if (drc != 0) {
        keys_errorf(err, errlen, drc == KEYS_NOMEM ? "out of memory" : "internal error: bad default in the key tables");
        goto done;
    }
    if (keys_parse(scenario_keys, out, root, "", &kerr) != 0) {
        keys_errorf(err, errlen, "%s: %s", sf->path, kerr.msg);
        goto done;
    }
    const cJSON *trace = cJSON_GetObjectItemCaseSensitive(root, "trace");
    if (out->trace.path[0] && cJSON_GetObjectItemCaseSensitive(trace, "generate")) {
        keys_errorf(err, errlen, "%s: trace: expected either trace.path (a file) or trace.generate (a synthetic trace), "
                    "found both (on the command line, a --set of one replaces the scenario's other)", sf->path);
        goto done;
    }
    if (sites_resolve(&out->sites, err, errlen) != 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", err);
        keys_errorf(err, errlen, "%s: %s", sf->path, msg);
        goto done;
    }
    if (out->n_models < 1) {
        keys_errorf(err, errlen, "%s: models: expected at least one model, found none", sf->path);
        goto done;
    }
    if (out->seed != floor(out->seed)) {
        keys_errorf(err, errlen, "%s: seed: expected an integer, found %.17g", sf->path, out->seed);
        goto done;
    }
    if (point_json) {
        *point_json = pj;
        pj = NULL;
    }
    rc = 0;
done:
    cJSON_Delete(root);
    cJSON_Delete(pj);
    return rc;
}

cJSON *scenario_to_json(const scenario *sc, const cJSON *policy)
{
    cJSON *obj = cJSON_CreateObject();
    if (!obj || keys_emit(scenario_keys, sc, obj) != 0) {
        cJSON_Delete(obj);
        return NULL;
    }
    if (policy)
        cJSON_AddItemToObject(obj, "policy", cJSON_Duplicate(policy, 1));
    return obj;
}

uint64_t scenario_seed(const scenario *sc)
{
    return (uint64_t)sc->seed;
}
