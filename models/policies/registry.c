/* registry.c -- the policy registry and configured instances. */
#include "models/policies/policies.h"

#include <stdlib.h>
#include <string.h>

extern const policy_type policy_always_small, policy_always_large, policy_random;

/* Adding a policy = one new file + one line here. */
static const policy_type *const builtin[] = {
    &policy_always_small,
    &policy_always_large,
    &policy_random,
    NULL,
};

#define REGISTRY_MAX 64

struct policy_registry {
    const policy_type *types[REGISTRY_MAX];
    int n;
};

policy_registry *policy_registry_create(void)
{
    policy_registry *reg = calloc(1, sizeof *reg);
    if (!reg)
        return NULL;
    for (const policy_type *const *t = builtin; *t; t++)
        reg->types[reg->n++] = *t;
    return reg;
}

void policy_registry_destroy(policy_registry *reg)
{
    free(reg);
}

const policy_type *policy_registry_find(const policy_registry *reg, const char *name)
{
    for (int i = 0; i < reg->n; i++)
        if (strcmp(reg->types[i]->name, name) == 0)
            return reg->types[i];
    return NULL;
}

int policy_registry_load_plugin(policy_registry *reg, const char *path, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: policy plug-ins are not supported yet", path);
    return -1;
}

void policy_registry_print(const policy_registry *reg, FILE *out)
{
    for (int i = 0; i < reg->n; i++) {
        const policy_type *t = reg->types[i];
        fprintf(out, "%-18s %s\n", t->name, t->summary);
        for (const policy_param *p = t->params; p && p->name; p++)
            fprintf(out, "    %-20s default %-8g range [%g, %g]  %s\n", p->name, p->def, p->min, p->max, p->help);
    }
}

static void registry_names(const policy_registry *reg, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < reg->n; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", reg->types[i]->name);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
}

int policy_instance_init(policy_instance *pi, const policy_registry *reg, const cJSON *obj,
                         const char *path, char *err, size_t errlen)
{
    char names[512];
    memset(pi, 0, sizeof *pi);
    if (!cJSON_IsObject(obj)) {
        snprintf(err, errlen, "%s: expected an object {\"name\": ...}", path);
        return -1;
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    if (!cJSON_IsString(name)) {
        snprintf(err, errlen, "%s.name: expected the policy's name as a string", path);
        return -1;
    }
    pi->type = policy_registry_find(reg, name->valuestring);
    if (!pi->type) {
        registry_names(reg, names, sizeof names);
        snprintf(err, errlen, "%s.name: unknown policy \"%s\" (known: %s)", path, name->valuestring, names);
        return -1;
    }
    const policy_param *params = pi->type->params;
    for (const policy_param *p = params; p && p->name; p++)
        pi->params[pi->n_params++] = p->def;

    for (const cJSON *m = obj->child; m; m = m->next) {
        if (strcmp(m->string, "name") == 0)
            continue;
        int i = 0;
        while (params && params[i].name && strcmp(params[i].name, m->string) != 0)
            i++;
        if (!params || !params[i].name) {
            snprintf(err, errlen, "%s.%s: unknown parameter of policy %s", path, m->string, pi->type->name);
            return -1;
        }
        if (!cJSON_IsNumber(m)) {
            snprintf(err, errlen, "%s.%s: expected a number", path, m->string);
            return -1;
        }
        if (m->valuedouble < params[i].min || m->valuedouble > params[i].max) {
            snprintf(err, errlen, "%s.%s: expected a value in [%g, %g], found %g", path, m->string,
                     params[i].min, params[i].max, m->valuedouble);
            return -1;
        }
        pi->params[i] = m->valuedouble;
    }
    if (pi->type->create && pi->type->create(&pi->state, pi->params, err, errlen) != 0) {
        pi->type = NULL;
        return -1;
    }
    return 0;
}

cJSON *policy_instance_to_json(const policy_instance *pi)
{
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return NULL;
    cJSON_AddStringToObject(obj, "name", pi->type->name);
    for (int i = 0; i < pi->n_params; i++)
        cJSON_AddNumberToObject(obj, pi->type->params[i].name, pi->params[i]);
    return obj;
}

void policy_instance_destroy(policy_instance *pi)
{
    if (pi->type && pi->type->destroy)
        pi->type->destroy(pi->state);
    pi->type = NULL;
    pi->state = NULL;
}
