/* keys.c -- generic parser, emitter and documentation for key_spec tables. */
#include "sim/base/keys.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int keys_errorf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

#define fail(kerr, ...) keys_errorf((kerr)->msg, sizeof (kerr)->msg, __VA_ARGS__)

static void join_path(char *buf, size_t len, const char *path, const char *name)
{
    snprintf(buf, len, "%s%s%s", path, *path ? "." : "", name);
}

void keys_describe(const cJSON *item, char *buf, size_t len)
{
    if (!item)
        snprintf(buf, len, "nothing");
    else if (cJSON_IsString(item))
        snprintf(buf, len, "the string \"%.60s\"", item->valuestring);
    else if (cJSON_IsNumber(item))
        snprintf(buf, len, "the number %.17g", item->valuedouble);
    else if (cJSON_IsBool(item))
        snprintf(buf, len, "%s", cJSON_IsTrue(item) ? "true" : "false");
    else if (cJSON_IsNull(item))
        snprintf(buf, len, "null");
    else if (cJSON_IsArray(item))
        snprintf(buf, len, "an array of %d", cJSON_GetArraySize(item));
    else if (cJSON_IsObject(item))
        snprintf(buf, len, "an object");
    else
        snprintf(buf, len, "an invalid value");
}

static const char *type_name(const key_spec *k)
{
    switch (k->type) {
    case KEY_NUMBER: return "number";
    case KEY_INT: return "integer";
    case KEY_BOOL: return "boolean";
    case KEY_STRING: return "string";
    case KEY_NUMBERS: return "array of numbers";
    case KEY_OBJECT: return "object";
    case KEY_LIST: return "array of objects";
    case KEY_MAP: return "object of objects";
    case KEY_END: break;
    }
    return "?";
}

static void range_text(const key_spec *k, char *buf, size_t len)
{
    if (k->min <= -KEY_INF && k->max >= KEY_INF)
        snprintf(buf, len, "any value");
    else if (k->max >= KEY_INF)
        snprintf(buf, len, "a value >= %g", k->min);
    else if (k->min <= -KEY_INF)
        snprintf(buf, len, "a value <= %g", k->max);
    else
        snprintf(buf, len, "a value in [%g, %g]", k->min, k->max);
}

const char *keys_choice(const key_spec *k, int i)
{
    if (k->choices) {
        for (int j = 0; j < i; j++)
            if (!k->choices[j])
                return NULL;
        return k->choices[i];
    }
    if (k->registry) {
        for (int j = 0; j < i; j++)
            if (!k->registry[j])
                return NULL;
        /* The struct's first member is its name. */
        return k->registry[i] ? *(const char *const *)k->registry[i] : NULL;
    }
    return NULL;
}

static void choices_text(const key_spec *k, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    const char *c;
    for (int i = 0; (c = keys_choice(k, i)) != NULL; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i == 0 ? "" : "|", c);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
}

static int store(const key_spec *k, void *out, const cJSON *v, const char *path, key_error *err);

/* A list or map element at its defaults: 0, KEYS_NOMEM, or -1 (a bad
 * default: a programming error), with err naming the element `sub`. */
static int elem_defaults(const key_spec *k, void *elem, const char *sub, key_error *err)
{
    int drc = keys_defaults(k->sub, elem);
    if (drc == KEYS_NOMEM) {
        fail(err, "%s: out of memory", sub);
        return KEYS_NOMEM;
    }
    return drc != 0 ? fail(err, "%s: internal error: bad element defaults", sub) : 0;
}

static int map_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= KEY_MAP_NAME_CAP)
        return 0;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' ||
              *c == '-'))
            return 0;
    return 1;
}

/* KEY_MAP: overlay, append or remove (null) the elements named by the
 * members of v. */
static int store_map(const key_spec *k, void *out, const cJSON *v, const char *path, key_error *err)
{
    char *field = (char *)out + k->offset;
    int *count = (int *)((char *)out + k->count_offset);
    char found[96], sub[256];
    if (!cJSON_IsObject(v)) {
        keys_describe(v, found, sizeof found);
        return fail(err, "%s: expected an object of named objects, found %s", path, found);
    }
    for (const cJSON *m = v->child; m; m = m->next) {
        snprintf(sub, sizeof sub, "%s.%s", path, m->string);
        for (const cJSON *d = v->child; d != m; d = d->next)
            if (strcmp(d->string, m->string) == 0)
                return fail(err, "%s: key given twice", sub);
        if (!map_name_ok(m->string))
            return fail(err, "%s: expected a name of 1-%d characters from [A-Za-z0-9_-]", sub, KEY_MAP_NAME_CAP - 1);
        int i = 0;
        while (i < *count && strcmp(field + (size_t)i * k->elem_size, m->string) != 0)
            i++;
        if (cJSON_IsNull(m)) {
            if (i < *count) {
                memmove(field + (size_t)i * k->elem_size, field + (size_t)(i + 1) * k->elem_size,
                        (size_t)(*count - i - 1) * k->elem_size);
                (*count)--;
            }
            continue;
        }
        if (!cJSON_IsObject(m)) {
            keys_describe(m, found, sizeof found);
            return fail(err, "%s: expected an object (or null to remove it), found %s", sub, found);
        }
        char *elem = field + (size_t)i * k->elem_size;
        if (i == *count) {
            if (*count >= k->cap)
                return fail(err, "%s: expected at most %d elements in %s", sub, k->cap, path);
            int drc = elem_defaults(k, elem, sub, err);
            if (drc != 0)
                return drc;
            memcpy(elem, m->string, strlen(m->string) + 1);
            (*count)++;
        }
        if (keys_parse(k->sub, elem, m, sub, err) != 0)
            return -1;
    }
    return 0;
}

/* Store one JSON value into the field described by k. */
static int store(const key_spec *k, void *out, const cJSON *v, const char *path, key_error *err)
{
    char *field = (char *)out + k->offset;
    char found[96], want[160];
    keys_describe(v, found, sizeof found);

    switch (k->type) {
    case KEY_NUMBER:
        if (cJSON_IsNull(v)) {
            /* null means "unset", which only keys without a default can be. */
            if (k->def)
                return fail(err, "%s: expected a number (null only for keys without a default), found null", path);
            *(double *)field = NAN;
            return 0;
        }
        if (!cJSON_IsNumber(v))
            return fail(err, "%s: expected a number, found %s", path, found);
        if (!isfinite(v->valuedouble) || v->valuedouble < k->min || v->valuedouble > k->max) {
            range_text(k, want, sizeof want);
            return fail(err, "%s: expected %s, found %s", path, want, found);
        }
        *(double *)field = v->valuedouble;
        return 0;
    case KEY_INT:
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
            return fail(err, "%s: expected an integer, found %s", path, found);
        if (v->valuedouble < k->min || v->valuedouble > k->max) {
            range_text(k, want, sizeof want);
            return fail(err, "%s: expected %s, found %s", path, want, found);
        }
        *(int *)field = (int)v->valuedouble;
        return 0;
    case KEY_BOOL:
        if (!cJSON_IsBool(v))
            return fail(err, "%s: expected true or false, found %s", path, found);
        *(int *)field = cJSON_IsTrue(v);
        return 0;
    case KEY_STRING: {
        if (!cJSON_IsString(v))
            return fail(err, "%s: expected a string, found %s", path, found);
        if (k->choices || k->registry) {
            const char *c;
            int i = 0;
            while ((c = keys_choice(k, i)) != NULL && strcmp(c, v->valuestring) != 0)
                i++;
            if (!c) {
                choices_text(k, want, sizeof want);
                return fail(err, "%s: expected one of %s, found %s", path, want, found);
            }
        }
        if (strlen(v->valuestring) >= (size_t)k->cap)
            return fail(err, "%s: string longer than %d bytes", path, k->cap - 1);
        memcpy(field, v->valuestring, strlen(v->valuestring) + 1);
        return 0;
    }
    case KEY_NUMBERS: {
        if (!cJSON_IsArray(v))
            return fail(err, "%s: expected an array of numbers, found %s", path, found);
        int n = cJSON_GetArraySize(v);
        if (n > k->cap)
            return fail(err, "%s: expected at most %d numbers, found %d", path, k->cap, n);
        double *arr = (double *)field;
        int i = 0;
        for (const cJSON *e = v->child; e; e = e->next, i++) {
            keys_describe(e, found, sizeof found);
            if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble))
                return fail(err, "%s[%d]: expected a number, found %s", path, i, found);
            if (e->valuedouble < k->min || e->valuedouble > k->max) {
                range_text(k, want, sizeof want);
                return fail(err, "%s[%d]: expected %s, found %s", path, i, want, found);
            }
            arr[i] = e->valuedouble;
        }
        *(int *)((char *)out + k->count_offset) = n;
        return 0;
    }
    case KEY_OBJECT:
        if (!cJSON_IsObject(v))
            return fail(err, "%s: expected an object, found %s", path, found);
        return keys_parse(k->sub, field, v, path, err);
    case KEY_LIST: {
        if (!cJSON_IsArray(v))
            return fail(err, "%s: expected an array of objects, found %s", path, found);
        int n = cJSON_GetArraySize(v);
        if (n > k->cap)
            return fail(err, "%s: expected at most %d elements, found %d", path, k->cap, n);
        int i = 0;
        char sub[256];
        for (const cJSON *e = v->child; e; e = e->next, i++) {
            void *elem = field + (size_t)i * k->elem_size;
            snprintf(sub, sizeof sub, "%s.%d", path, i);
            if (!cJSON_IsObject(e)) {
                keys_describe(e, found, sizeof found);
                return fail(err, "%s: expected an object, found %s", sub, found);
            }
            int drc = elem_defaults(k, elem, sub, err);
            if (drc != 0)
                return drc;
            if (keys_parse(k->sub, elem, e, sub, err) != 0)
                return -1;
        }
        *(int *)((char *)out + k->count_offset) = n;
        return 0;
    }
    case KEY_MAP:
        return store_map(k, out, v, path, err);
    case KEY_END:
        break;
    }
    return fail(err, "%s: internal error: bad key type", path);
}

int keys_defaults(const key_spec *spec, void *out)
{
    key_error err;
    for (const key_spec *k = spec; k->type != KEY_END; k++) {
        if (k->type == KEY_OBJECT) {
            int rc = keys_defaults(k->sub, (char *)out + k->offset);
            if (rc != 0)
                return rc;
            continue;
        }
        if (k->type == KEY_MAP)
            *(int *)((char *)out + k->count_offset) = 0;
        if (!k->def) {
            if (k->type == KEY_NUMBER)
                *(double *)((char *)out + k->offset) = NAN;
            else if (k->type == KEY_NUMBERS)
                *(int *)((char *)out + k->count_offset) = 0;
            else if (k->type == KEY_STRING)
                *((char *)out + k->offset) = '\0';
            continue;
        }
        /* Every default in the tables parses (tests/test_sim_keys.c walks
         * them all), so a NULL here is cJSON failing to allocate. */
        cJSON *v = cJSON_Parse(k->def);
        if (!v)
            return KEYS_NOMEM;
        int rc = store(k, out, v, k->name, &err);
        cJSON_Delete(v);
        if (rc != 0) {
            if (rc == KEYS_NOMEM)
                return KEYS_NOMEM;
            fprintf(stderr, "edgesim: internal error: default of %s: %s\n", k->name, err.msg);
            return KEYS_BAD_DEFAULT;
        }
    }
    return 0;
}

static void list_names(const key_spec *spec, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const key_spec *k = spec; k->type != KEY_END; k++) {
        int n = snprintf(buf + used, len - used, "%s%s", k == spec ? "" : ", ", k->name);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
}

int keys_parse(const key_spec *spec, void *out, const cJSON *obj, const char *path, key_error *err)
{
    char sub[256], names[300];
    if (!obj)
        return 0;
    if (!cJSON_IsObject(obj)) {
        char found[96];
        keys_describe(obj, found, sizeof found);
        return fail(err, "%s: expected an object, found %s", *path ? path : "(top level)", found);
    }
    for (const cJSON *m = obj->child; m; m = m->next) {
        const key_spec *k = spec;
        while (k->type != KEY_END && strcmp(k->name, m->string) != 0)
            k++;
        join_path(sub, sizeof sub, path, m->string);
        if (k->type == KEY_END) {
            list_names(spec, names, sizeof names);
            return fail(err, "%s: unknown key (valid here: %s)", sub, names);
        }
        for (const cJSON *d = obj->child; d != m; d = d->next)
            if (strcmp(d->string, m->string) == 0)
                return fail(err, "%s: key given twice", sub);
        if (store(k, out, m, sub, err) != 0)
            return -1;
    }
    return 0;
}

int keys_emit(const key_spec *spec, const void *in, cJSON *obj)
{
    for (const key_spec *k = spec; k->type != KEY_END; k++) {
        const char *field = (const char *)in + k->offset;
        cJSON *v = NULL;
        switch (k->type) {
        case KEY_NUMBER:
            v = isnan(*(const double *)field) ? cJSON_CreateNull() : cJSON_CreateNumber(*(const double *)field);
            break;
        case KEY_INT:
            v = cJSON_CreateNumber(*(const int *)field);
            break;
        case KEY_BOOL:
            v = cJSON_CreateBool(*(const int *)field);
            break;
        case KEY_STRING:
            v = cJSON_CreateString(field);
            break;
        case KEY_NUMBERS:
            v = cJSON_CreateDoubleArray((const double *)field, *(const int *)((const char *)in + k->count_offset));
            break;
        case KEY_OBJECT:
            v = cJSON_CreateObject();
            if (v && keys_emit(k->sub, field, v) != 0) {
                cJSON_Delete(v);
                return -1;
            }
            break;
        case KEY_LIST: {
            int n = *(const int *)((const char *)in + k->count_offset);
            v = cJSON_CreateArray();
            for (int i = 0; v && i < n; i++) {
                cJSON *e = cJSON_CreateObject();
                if (!e || !cJSON_AddItemToArray(v, e)) {
                    cJSON_Delete(e);
                    cJSON_Delete(v);
                    return -1;
                }
                if (keys_emit(k->sub, field + (size_t)i * k->elem_size, e) != 0) {
                    cJSON_Delete(v); /* owns e */
                    return -1;
                }
            }
            break;
        }
        case KEY_MAP: {
            int n = *(const int *)((const char *)in + k->count_offset);
            v = cJSON_CreateObject();
            for (int i = 0; v && i < n; i++) {
                const char *elem = field + (size_t)i * k->elem_size;
                cJSON *e = cJSON_CreateObject();
                if (!e || !cJSON_AddItemToObject(v, elem, e)) {
                    cJSON_Delete(e);
                    cJSON_Delete(v);
                    return -1;
                }
                if (keys_emit(k->sub, elem, e) != 0) {
                    cJSON_Delete(v); /* owns e */
                    return -1;
                }
            }
            break;
        }
        case KEY_END:
            break;
        }
        if (!v || !cJSON_AddItemToObject(obj, k->name, v)) {
            cJSON_Delete(v);
            return -1;
        }
    }
    return 0;
}

void keys_print_help(const key_spec *spec, const char *path, FILE *out)
{
    char sub[256], extra[200];
    for (const key_spec *k = spec; k->type != KEY_END; k++) {
        join_path(sub, sizeof sub, path, k->name);
        if (k->type == KEY_OBJECT) {
            keys_print_help(k->sub, sub, out);
            continue;
        }
        if (k->type == KEY_LIST || k->type == KEY_MAP) {
            fprintf(out, "  %-34s %-8s default %-14s %s (at most %d)\n", sub, type_name(k),
                    k->def ? k->def : k->type == KEY_MAP ? "{}" : "[]", k->help ? k->help : "", k->cap);
            char elem[270];
            snprintf(elem, sizeof elem, "%s.%s", sub, k->type == KEY_MAP ? "NAME" : "N");
            keys_print_help(k->sub, elem, out);
            continue;
        }
        extra[0] = '\0';
        if (k->choices || k->registry)
            choices_text(k, extra, sizeof extra);
        else if (k->type == KEY_NUMBER || k->type == KEY_INT || k->type == KEY_NUMBERS)
            range_text(k, extra, sizeof extra);
        fprintf(out, "  %-34s %-8s default %-14s %s%s%s%s\n", sub, type_name(k), k->def ? k->def : "null",
                k->help ? k->help : "", *extra ? " (" : "", extra, *extra ? ")" : "");
    }
}

int keys_json_set(cJSON *root, const char *path, const char *value, key_error *err)
{
    char buf[256];
    if (!*path || strlen(path) >= sizeof buf)
        return fail(err, "--set: bad key path \"%s\"", path);
    memcpy(buf, path, strlen(path) + 1);
    if (buf[0] == '.' || buf[strlen(buf) - 1] == '.' || strstr(buf, ".."))
        return fail(err, "--set: empty component in key path \"%s\"", path);

    cJSON *v = cJSON_ParseWithOpts(value, NULL, 1); /* all of it: "3gpp-macro" is a string, not 3 */
    if (!v)
        v = cJSON_CreateString(value);
    if (!v)
        return fail(err, "--set %s: out of memory", path);

    cJSON *node = root;
    char *part = buf;
    const char *parent = "the scenario";
    for (;;) {
        char *dot = strchr(part, '.');
        if (dot)
            *dot = '\0';
        if (!*part) {
            cJSON_Delete(v);
            return fail(err, "--set: empty component in key path \"%s\"", path);
        }
        cJSON *child;
        if (cJSON_IsArray(node)) {
            /* A list element by its index, like policies.N.K: "sites.1.x_m". */
            char *end;
            long i = strtol(part, &end, 10);
            int n = cJSON_GetArraySize(node);
            if (end == part || *end || i < 0 || i >= n) {
                cJSON_Delete(v);
                return fail(err, "--set %s: \"%s\" is a list of %d in the scenario: expected %s.N with N in 0..%d, "
                            "found \"%s\"", path, parent, n, parent, n - 1, part);
            }
            if (!dot) {
                cJSON_ReplaceItemInArray(node, (int)i, v);
                return 0;
            }
            child = cJSON_GetArrayItem(node, (int)i);
        } else if (!dot) {
            if (cJSON_GetObjectItemCaseSensitive(node, part))
                cJSON_ReplaceItemInObjectCaseSensitive(node, part, v);
            else
                cJSON_AddItemToObject(node, part, v);
            return 0;
        } else {
            child = cJSON_GetObjectItemCaseSensitive(node, part);
            if (!child && dot[1] >= '0' && dot[1] <= '9') {
                cJSON_Delete(v);
                return fail(err, "--set %s: \"%s\" is not in the scenario: write the list there to set its elements",
                            path, part);
            }
            if (!child)
                child = cJSON_AddObjectToObject(node, part);
        }
        if (!child || (!cJSON_IsObject(child) && !cJSON_IsArray(child))) {
            cJSON_Delete(v);
            if (!child)
                return fail(err, "--set %s: out of memory", path);
            return fail(err, "--set %s: \"%s\" is not an object or a list in the scenario", path, part);
        }
        node = child;
        parent = part;
        part = dot + 1;
    }
}
