/* keys.h -- table-driven JSON configuration.
 *
 * Each module describes its configuration struct as a NULL-terminated table of
 * key_spec (name, type, offset, default, range, help with unit).  One generic
 * parser fills the struct from a cJSON object, applies defaults, checks types
 * and ranges and rejects unknown keys, naming the full key path in every
 * error.  The same table emits the resolved configuration back to JSON (for
 * the `runs.scenario_json` record) and prints the documentation of every key.
 *
 * Ownership: the parsed struct holds no pointers into the cJSON tree; strings
 * are copied into fixed buffers inside the struct.
 */
#ifndef EDGESIM_KEYS_H
#define EDGESIM_KEYS_H

#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>

typedef enum {
    KEY_END = 0,  /* table terminator */
    KEY_NUMBER,   /* double; default NULL means "unset" = NAN, and then JSON null is accepted */
    KEY_INT,      /* int */
    KEY_BOOL,     /* int 0/1 */
    KEY_STRING,   /* char[cap] */
    KEY_NUMBERS,  /* double[cap] with an int count */
    KEY_OBJECT,   /* nested struct described by `sub` */
    KEY_LIST,     /* array of objects: element struct described by `sub`, elem_size bytes each,
                   * up to cap of them, the count at count_offset; elements are named
                   * PATH.N (N from 0) in messages; each starts from the element defaults */
    KEY_MAP       /* object of named objects: like KEY_LIST, but each element struct begins with
                   * char name[KEY_MAP_NAME_CAP] holding its member name, and elements are named
                   * PATH.NAME.  The default (`def`, a JSON object) gives the initial elements; a
                   * member of the parsed object overlays the element of its name (a new name is
                   * appended, starting from the element defaults) and `null` removes it */
} key_type;

#define KEY_MAP_NAME_CAP 32 /* bytes of an element name, NUL included: 1-31 of [A-Za-z0-9_-] */

typedef struct key_spec {
    const char *name;
    key_type type;
    size_t offset;
    const char *def;              /* default as JSON text ("0.015", "\"shannon\"", "[1,2]") */
    double min, max;              /* inclusive range: numbers, ints, array elements */
    const char *help;             /* one line, with the unit */
    const char *const *choices;   /* KEY_STRING: allowed values (NULL-terminated) or NULL */
    const struct key_spec *sub;   /* KEY_OBJECT, KEY_LIST (the element's keys) */
    size_t count_offset;          /* KEY_NUMBERS, KEY_LIST: offset of the int count */
    int cap;                      /* KEY_STRING: buffer size; KEY_NUMBERS, KEY_LIST: max elements */
    size_t elem_size;             /* KEY_LIST: bytes per element */
    const void *const *registry;  /* KEY_STRING: allowed values are the names of a registry (NULL-terminated
                                   * array of pointers to structs whose first member is `const char *name`) */
} key_spec;

#define KEY_INF 1e308

#define KEY_NUM(T, field, name, def, lo, hi, help) \
    {name, KEY_NUMBER, offsetof(T, field), def, lo, hi, help, NULL, NULL, 0, 0, 0, NULL}
#define KEY_INTV(T, field, name, def, lo, hi, help) \
    {name, KEY_INT, offsetof(T, field), def, lo, hi, help, NULL, NULL, 0, 0, 0, NULL}
#define KEY_BOOLV(T, field, name, def, help) \
    {name, KEY_BOOL, offsetof(T, field), def, 0, 1, help, NULL, NULL, 0, 0, 0, NULL}
#define KEY_STR(T, field, name, def, choices, help) \
    {name, KEY_STRING, offsetof(T, field), def, 0, 0, help, choices, NULL, 0, (int)sizeof(((T *)0)->field), 0, NULL}
/* A string whose choices are the names of a registry (pathloss, rate and
 * fading models, ...): adding a registry entry adds the choice, its help and
 * its check.  reg: a `const X *const []` of structs with `name` first. */
#define KEY_STR_REG(T, field, name, def, reg, help)                                                           \
    {name, KEY_STRING, offsetof(T, field), def, 0, 0, help, NULL, NULL, 0, (int)sizeof(((T *)0)->field), 0, \
     (const void *const *)(reg)}
#define KEY_NUMS(T, field, count, name, def, lo, hi, help)                                    \
    {name, KEY_NUMBERS, offsetof(T, field), def, lo, hi, help, NULL, NULL, offsetof(T, count), \
     (int)(sizeof(((T *)0)->field) / sizeof(double)), 0, NULL}
#define KEY_OBJ(T, field, name, sub, help) \
    {name, KEY_OBJECT, offsetof(T, field), NULL, 0, 0, help, NULL, sub, 0, 0, 0, NULL}
/* A list of objects: `field` an array of element structs, `count` its int
 * count, `def` the default list as JSON ("[{}]": one element at defaults). */
#define KEY_LISTV(T, field, count, name, def, sub, help)                                      \
    {name, KEY_LIST, offsetof(T, field), def, 0, 0, help, NULL, sub, offsetof(T, count),       \
     (int)(sizeof(((T *)0)->field) / sizeof(((T *)0)->field[0])), sizeof(((T *)0)->field[0]), NULL}
/* A map of named objects: `field` an array of element structs whose first
 * member is char name[KEY_MAP_NAME_CAP], `count` its int count, `def` the
 * initial elements as a JSON object. */
#define KEY_MAPV(T, field, count, name, def, sub, help)                                       \
    {name, KEY_MAP, offsetof(T, field), def, 0, 0, help, NULL, sub, offsetof(T, count),        \
     (int)(sizeof(((T *)0)->field) / sizeof(((T *)0)->field[0])), sizeof(((T *)0)->field[0]), NULL}
/* A nested object whose keys' offsets are relative to the enclosing struct
 * (offset 0: the sub-table names fields of the parent). */
#define KEY_SUB(name, sub, help) {name, KEY_OBJECT, 0, NULL, 0, 0, help, NULL, sub, 0, 0, 0, NULL}
#define KEY_TABLE_END {NULL, KEY_END, 0, NULL, 0, 0, NULL, NULL, NULL, 0, 0, 0, NULL}

typedef struct key_error {
    char msg[512];
} key_error;

/* Fill `out` with every default of `spec` (recursively).  Returns 0,
 * KEYS_NOMEM when an allocation failed (cJSON parses the defaults), or
 * KEYS_BAD_DEFAULT when a default does not fit its own key (a programming
 * error, also printed on stderr). */
#define KEYS_NOMEM (-2)
#define KEYS_BAD_DEFAULT (-1)
int keys_defaults(const key_spec *spec, void *out);

/* Parse `obj` (a JSON object, or NULL for "all defaults") into `out`, which
 * must already hold defaults (keys_defaults).  `path` is the key path of obj
 * ("" at the top) used in messages.  Returns 0, or -1 with err->msg set to
 * "<path>: <what was expected>, found <what was found>". */
int keys_parse(const key_spec *spec, void *out, const cJSON *obj, const char *path, key_error *err);

/* Append every key of `in` as JSON members of `obj` (resolved values).
 * Returns 0, or -1 on allocation failure. */
int keys_emit(const key_spec *spec, const void *in, cJSON *obj);

/* Print one line per key: path, type, default, range/choices and help. */
void keys_print_help(const key_spec *spec, const char *path, FILE *out);

/* Set `path` ("a.b.c") in the JSON tree `root` to `value`, which is parsed as
 * JSON, or taken as a bare string when it is not valid JSON.  Intermediate
 * objects are created; a component after a list is an index into it
 * ("sites.1.x_m"; the list must exist and hold that element).  Returns 0, or
 * -1 with err set. */
int keys_json_set(cJSON *root, const char *path, const char *value, key_error *err);

/* Format an error message into err (errlen bytes) and return -1: the one
 * helper behind every "return fail(...)" of the configuration code. */
int keys_errorf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Choice i (0-based) of a KEY_STRING key with choices or a registry; NULL
 * past the last (and for a key without either). */
const char *keys_choice(const key_spec *k, int i);

/* Describe a JSON value for error messages ("the string \"abc\"", "an object", ...). */
void keys_describe(const cJSON *item, char *buf, size_t len);

#endif
