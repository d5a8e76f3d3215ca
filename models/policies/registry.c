/* registry.c -- the policy registry: built-ins, plug-ins, `edgesim policies`.
 *
 * Plug-ins are shared objects loaded with dlopen(RTLD_NOW | RTLD_LOCAL) and
 * checked before they are registered (check_type); their handles belong to
 * the registry and are closed, in reverse load order, by
 * policy_registry_destroy.
 */
#include "models/policies/policies.h"

#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The built-in policies.  Adding a policy = one new file defining
 * `const policy_type policy_NAME` + one line here. */
#define POLICY_BUILTINS(X)     \
    X(policy_always_small)     \
    X(policy_always_large)     \
    X(policy_random)           \
    X(policy_score_threshold)  \
    X(policy_snr_threshold)    \
    X(policy_min_latency)      \
    X(policy_quality_latency)  \
    X(policy_context_aware)    \
    X(policy_oracle)           \
    X(policy_always)           \
    X(policy_score_cascade)

#define POLICY_EXTERN(type) extern const policy_type type;
POLICY_BUILTINS(POLICY_EXTERN)
#undef POLICY_EXTERN

static const policy_type *const builtin[] = {
#define POLICY_ADDRESS(type) &type,
    POLICY_BUILTINS(POLICY_ADDRESS)
#undef POLICY_ADDRESS
    NULL,
};

#define REGISTRY_MAX 64

struct policy_registry {
    const policy_type *types[REGISTRY_MAX];
    void *handles[REGISTRY_MAX];    /* dlopen handle of types[i], NULL for built-ins */
    char *paths[REGISTRY_MAX];      /* plug-in path, NULL for built-ins */
    int n;
    policy_watch *watch;            /* given to the instances made from now on */
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
    if (!reg)
        return;
    for (int i = reg->n - 1; i >= 0; i--) {
        if (reg->handles[i])
            dlclose(reg->handles[i]);
        free(reg->paths[i]);
    }
    free(reg);
}

const policy_type *policy_registry_find(const policy_registry *reg, const char *name)
{
    for (int i = 0; i < reg->n; i++)
        if (strcmp(reg->types[i]->name, name) == 0)
            return reg->types[i];
    return NULL;
}

void policy_registry_set_watch(policy_registry *reg, policy_watch *w)
{
    reg->watch = w;
}

policy_watch *policy_registry_watch(const policy_registry *reg)
{
    return reg->watch;
}

const char *policy_registry_plugin_path(const policy_registry *reg, const policy_type *t)
{
    for (int i = 0; i < reg->n; i++)
        if (reg->types[i] == t)
            return reg->paths[i];
    return NULL;
}

int policy_registry_count(const policy_registry *reg)
{
    return reg->n;
}

const policy_type *policy_registry_get(const policy_registry *reg, int i)
{
    return i >= 0 && i < reg->n ? reg->types[i] : NULL;
}

/* A policy name: 1..40 characters of [a-z0-9_-], so it is safe in CLI
 * arguments, JSON keys and file names. */
static int valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 40)
        return 0;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
            return 0;
    return 1;
}

/* Everything the registry and the instances rely on; `what` names the type in
 * messages ("plug-in foo.so"). */
static int check_type(const policy_registry *reg, const policy_type *t, const char *what, char *err,
                      size_t errlen)
{
    if (t->api_version < 1 || t->api_version > EDGESIM_POLICY_API_VERSION) {
        snprintf(err, errlen,
                 "%s: policy API version %d, this edgesim loads versions 1 to %d (rebuild it against this "
                 "edgesim/policy.h)",
                 what, t->api_version, EDGESIM_POLICY_API_VERSION);
        return -1;
    }
    if (!t->name || !valid_name(t->name)) {
        snprintf(err, errlen, "%s: policy name \"%s\" is not 1-40 characters of [a-z0-9_-]", what,
                 t->name ? t->name : "(null)");
        return -1;
    }
    if (!t->decide) {
        snprintf(err, errlen, "%s: policy %s has no decide function", what, t->name);
        return -1;
    }
    if (policy_registry_find(reg, t->name)) {
        snprintf(err, errlen, "%s: policy name \"%s\" is already registered (built-in or loaded earlier)", what, t->name);
        return -1;
    }
    int n = 0;
    for (const policy_param *p = t->params; p && p->name; p++, n++) {
        if (n >= POLICY_MAX_PARAMS) {
            snprintf(err, errlen, "%s: policy %s has more than %d parameters", what, t->name, POLICY_MAX_PARAMS);
            return -1;
        }
        if (!valid_name(p->name) || strcmp(p->name, "name") == 0) {
            snprintf(err, errlen, "%s: policy %s: parameter name \"%s\" is reserved or not [a-z0-9_-]", what, t->name, p->name);
            return -1;
        }
        if (!(p->min <= p->def && p->def <= p->max) || !isfinite(p->def)) {
            snprintf(err, errlen, "%s: policy %s: parameter %s: default %g is outside its range [%g, %g]", what,
                     t->name, p->name, p->def, p->min, p->max);
            return -1;
        }
        for (const policy_param *q = t->params; q < p; q++)
            if (strcmp(q->name, p->name) == 0) {
                snprintf(err, errlen, "%s: policy %s: parameter %s is listed twice", what, t->name, p->name);
                return -1;
            }
    }
    return 0;
}

int policy_registry_load_plugin(policy_registry *reg, const char *path, char *err, size_t errlen)
{
    char local[4096];
    struct stat st;
    void *handle = NULL;
    char *copy = NULL;

    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: policy plug-in not found (expected a shared object file)", path);
        return -1;
    }
    if (reg->n >= REGISTRY_MAX) {
        snprintf(err, errlen, "%s: too many policies (at most %d)", path, REGISTRY_MAX);
        return -1;
    }
    /* dlopen searches the library path for names without a '/'. */
    snprintf(local, sizeof local, "%s%s", strchr(path, '/') ? "" : "./", path);
    handle = dlopen(local, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(err, errlen, "%s: cannot load policy plug-in: %s", path, dlerror());
        return -1;
    }
    dlerror();
    void *sym = dlsym(handle, EDGESIM_POLICY_PLUGIN_SYMBOL);
    if (!sym) {
        snprintf(err, errlen, "%s: not a policy plug-in: it does not export %s() (declare it with extern visibility)",
                 path, EDGESIM_POLICY_PLUGIN_SYMBOL);
        goto fail;
    }
    policy_plugin_entry entry;
    memcpy(&entry, &sym, sizeof entry); /* POSIX: object pointer to function pointer */
    const policy_type *t = entry();
    if (!t) {
        snprintf(err, errlen, "%s: %s() returned NULL", path, EDGESIM_POLICY_PLUGIN_SYMBOL);
        goto fail;
    }
    if (check_type(reg, t, path, err, errlen) != 0)
        goto fail;
    copy = strdup(path);
    if (!copy) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    reg->types[reg->n] = t;
    reg->handles[reg->n] = handle;
    reg->paths[reg->n] = copy;
    reg->n++;
    return 0;
fail:
    dlclose(handle);
    return -1;
}

int policy_type_pairwise(const policy_type *t)
{
    return t->api_version < 2 || t->pairwise;
}

void policy_registry_print(const policy_registry *reg, FILE *out)
{
    for (int i = 0; i < reg->n; i++) {
        const policy_type *t = reg->types[i];
        fprintf(out, "%s%s%s\n    %s\n", t->name, t->needs_oracle ? "  (sees the true qualities)" : "",
                policy_type_pairwise(t) ? "  (two models)" : "", t->summary ? t->summary : "");
        if (reg->paths[i])
            fprintf(out, "    plug-in: %s\n", reg->paths[i]);
        if (!t->params || !t->params[0].name)
            fprintf(out, "    (no parameters)\n");
        for (const policy_param *p = t->params; p && p->name; p++) {
            char range[64];
            snprintf(range, sizeof range, "[%g, %g]", p->min, p->max);
            fprintf(out, "    %-22s default %-8g %-16s %-4s %s\n", p->name, p->def, range,
                    p->unit && *p->unit ? p->unit : "-", p->help ? p->help : "");
        }
    }
}
