/* instance.c -- one configured policy: parameters from JSON, calibration,
 * decisions, and the resolved configuration back to JSON. */
#include "models/policies/policies.h"

#include <math.h>
#include <string.h>

#include "sim/base/keys.h"

static const char *const call_names[] = {
#define POLICY_CALL_NAME_(name, text) text,
    POLICY_CALLS(POLICY_CALL_NAME_)
#undef POLICY_CALL_NAME_
};

const char *policy_call_name(int call)
{
    return call >= 0 && call < (int)(sizeof call_names / sizeof call_names[0]) ? call_names[call] : "?";
}

void policy_watch_label(policy_watch *w, const char *label)
{
    if (w)
        snprintf(w->label, sizeof w->label, "%s", label ? label : "");
}

/* Mark the start and the end of a call of the type's functions in the
 * instance's watch: the fields first, then `seq` odd (release), so that a
 * reader who sees the odd value sees this call's fields. */
static void watch_begin(const policy_instance *pi, const policy_type *t, int call, int64_t query_id)
{
    policy_watch *w = pi->watch;
    if (!w)
        return;
    if (w->type != t) {
        snprintf(w->policy, sizeof w->policy, "%s", t->name);
        snprintf(w->plugin, sizeof w->plugin, "%s", pi->plugin ? pi->plugin : "");
        w->type = t;
    }
    w->call = call;
    w->query_id = query_id;
    unsigned seq = atomic_load_explicit(&w->seq, memory_order_relaxed);
    atomic_store_explicit(&w->seq, seq | 1u, memory_order_release);
}

static void watch_end(const policy_instance *pi)
{
    policy_watch *w = pi->watch;
    if (!w)
        return;
    unsigned seq = atomic_load_explicit(&w->seq, memory_order_relaxed);
    atomic_store_explicit(&w->seq, seq + 1u, memory_order_release);
}

/* "a, b, c" of the registered names, or of a type's parameters. */
static void list_policies(const policy_registry *reg, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < policy_registry_count(reg); i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", policy_registry_get(reg, i)->name);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
}

static void list_params(const policy_type *t, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    if (!t->params || !t->params[0].name) {
        snprintf(buf, len, "it has no parameters");
        return;
    }
    for (const policy_param *p = t->params; p->name; p++) {
        int n = snprintf(buf + used, len - used, "%s%s", p == t->params ? "known: " : ", ", p->name);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
}

int policy_instance_init(policy_instance *pi, const policy_registry *reg, const cJSON *obj,
                         const char *path, char *err, size_t errlen)
{
    char list[1024], found[128];
    memset(pi, 0, sizeof *pi);
    if (!cJSON_IsObject(obj)) {
        keys_describe(obj, found, sizeof found);
        snprintf(err, errlen, "%s: expected an object {\"name\": ...}, found %s", path, found);
        return -1;
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    if (!cJSON_IsString(name)) {
        keys_describe(name, found, sizeof found);
        snprintf(err, errlen, "%s.name: expected the policy's name as a string, found %s", path, found);
        return -1;
    }
    const policy_type *type = policy_registry_find(reg, name->valuestring);
    if (!type) {
        list_policies(reg, list, sizeof list);
        snprintf(err, errlen, "%s.name: unknown policy \"%s\" (known: %s)", path, name->valuestring, list);
        return -1;
    }
    const policy_param *params = type->params;
    for (const policy_param *p = params; p && p->name; p++)
        pi->params[pi->n_params++] = p->def;

    for (const cJSON *m = obj->child; m; m = m->next) {
        for (const cJSON *prev = obj->child; prev != m; prev = prev->next)
            if (strcmp(prev->string, m->string) == 0) {
                snprintf(err, errlen, "%s.%s: given twice", path, m->string);
                return -1;
            }
        if (strcmp(m->string, "name") == 0)
            continue;
        int i = 0;
        while (i < pi->n_params && strcmp(params[i].name, m->string) != 0)
            i++;
        if (i == pi->n_params) {
            list_params(type, list, sizeof list);
            snprintf(err, errlen, "%s.%s: unknown parameter of policy %s (%s)", path, m->string, type->name, list);
            return -1;
        }
        if (!cJSON_IsNumber(m)) {
            keys_describe(m, found, sizeof found);
            snprintf(err, errlen, "%s.%s: expected a number, found %s", path, m->string, found);
            return -1;
        }
        if (!isfinite(m->valuedouble) || m->valuedouble < params[i].min || m->valuedouble > params[i].max) {
            snprintf(err, errlen, "%s.%s: expected a value in [%g, %g]%s%s, found %.17g", path, m->string,
                     params[i].min, params[i].max, params[i].unit && *params[i].unit ? " " : "",
                     params[i].unit ? params[i].unit : "", m->valuedouble);
            return -1;
        }
        pi->params[i] = m->valuedouble;
    }
    pi->plugin = policy_registry_plugin_path(reg, type);
    pi->watch = pi->plugin ? policy_registry_watch(reg) : NULL; /* built-ins are trusted code */
    if (type->create) {
        char why[256] = "";
        watch_begin(pi, type, POLICY_CALL_CREATE, -1);
        int created = type->create(&pi->state, pi->params, why, sizeof why);
        watch_end(pi);
        if (created != 0) {
            snprintf(err, errlen, "%s: policy %s: %s", path, type->name, why[0] ? why : "cannot be created");
            pi->state = NULL;
            return -1;
        }
    }
    pi->type = type;
    return 0;
}

int policy_instance_calibrate(policy_instance *pi, const double *p_large, size_t n, char *err, size_t errlen)
{
    if (!pi->type->calibrate)
        return 0;
    char why[256] = "";
    watch_begin(pi, pi->type, POLICY_CALL_CALIBRATE, -1);
    int calibrated = pi->type->calibrate(pi->state, p_large, n, why, sizeof why);
    watch_end(pi);
    if (calibrated != 0) {
        snprintf(err, errlen, "policy %s: calibration failed: %s", pi->type->name, why[0] ? why : "no reason given");
        return -1;
    }
    return 0;
}

route policy_instance_decide(const policy_instance *pi, const policy_view *view)
{
    policy_view v = *view;
    policy_model models[POLICY_MAX_MODELS];
    if (v.n_models == 0) {
        /* A two-model view given by its small/large fields only (tests,
         * tools): the models array from them. */
        models[0] = (policy_model){"small", POLICY_TIER_DEVICE, 0, v.q_small, v.est_small_s, v.csw_small_s,
                                   v.cached_small, 0};
        models[1] = (policy_model){"large", POLICY_TIER_EDGE, v.p_large, v.q_large, v.est_large_s, v.csw_large_s,
                                   v.cached_large, 0};
        v.n_models = 2;
    } else {
        for (int m = 0; m < v.n_models && m < POLICY_MAX_MODELS; m++)
            models[m] = view->models[m];
    }
    v.models = models;
    if (!pi->type->needs_oracle) {
        v.q_small = v.q_large = NAN;
        for (int m = 0; m < v.n_models; m++)
            models[m].q = NAN;
    }
    watch_begin(pi, pi->type, POLICY_CALL_DECIDE, v.query_id);
    route rt = pi->type->decide(pi->state, &v);
    watch_end(pi);
    return rt;
}

cJSON *policy_instance_to_json(const policy_instance *pi)
{
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return NULL;
    if (!cJSON_AddStringToObject(obj, "name", pi->type->name))
        goto fail;
    for (int i = 0; i < pi->n_params; i++)
        if (!cJSON_AddNumberToObject(obj, pi->type->params[i].name, pi->params[i]))
            goto fail;
    return obj;
fail:
    cJSON_Delete(obj);
    return NULL;
}

cJSON *policy_instance_derived_json(const policy_instance *pi, char *err, size_t errlen)
{
    err[0] = '\0';
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return NULL;
    for (int i = 0; pi->type->derived; i++) {
        const char *name = NULL;
        double value = 0;
        watch_begin(pi, pi->type, POLICY_CALL_DERIVED, -1);
        int more = pi->type->derived(pi->state, i, &name, &value) == 0;
        watch_end(pi);
        if (!more)
            break;
        if (i == POLICY_MAX_DERIVED || !name || !name[0]) {
            char what[96];
            if (i == POLICY_MAX_DERIVED)
                snprintf(what, sizeof what, "still returns 0: more than %d derived values (does it ever end?)",
                         POLICY_MAX_DERIVED);
            else
                snprintf(what, sizeof what, "gave no name (NULL or empty)");
            snprintf(err, errlen, "%s%s%spolicy %s: derived(%d) %s", pi->plugin ? "policy plug-in " : "",
                     pi->plugin ? pi->plugin : "", pi->plugin ? ": " : "", pi->type->name, i, what);
            goto fail;
        }
        if (!cJSON_AddNumberToObject(obj, name, value))
            goto fail;
    }
    return obj;
fail:
    cJSON_Delete(obj);
    return NULL;
}

void policy_instance_destroy(policy_instance *pi)
{
    if (pi->type && pi->type->destroy) {
        watch_begin(pi, pi->type, POLICY_CALL_DESTROY, -1);
        pi->type->destroy(pi->state);
        watch_end(pi);
    }
    pi->type = NULL;
    pi->state = NULL;
}

route policy_oracle_route(double q_small, double q_large)
{
    return q_small >= q_large ? ROUTE_SMALL : ROUTE_LARGE;
}

double policy_oracle_quality(double q_small, double q_large)
{
    return q_small >= q_large ? q_small : q_large;
}
