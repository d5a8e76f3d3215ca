/* test_run_registries.c -- every registry is the single source of its names.
 * For each scenario key whose choices come from a registry (KEY_STR_REG:
 * path-loss, fading and rate models, ...), found by walking the key tables,
 * and for each built-in policy: the name is accepted by the key parser (a
 * scenario with --set KEY=NAME resolves), listed by the help (`edgesim keys`,
 * `edgesim policies`), and named in docs (docs/ *.md); a name not in the registry is
 * refused with a message listing every registered one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "models/policies/policies.h"
#include "sim/run/scenario.h"

static char *docs;      /* every docs page, concatenated */
static char *key_help;  /* keys_print_help(scenario_keys) */
static char scenario_path[] = "registries-XXXXXX";
static int n_checked;

static char *slurp_docs(void)
{
    const char *src = getenv("EDGESIM_SOURCE_DIR");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cat '%s'/docs/*.md", src ? src : "..");
    FILE *p = popen(cmd, "r");
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (p && (got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (n + 1 >= cap)
            buf = realloc(buf, cap *= 2);
    }
    if (p)
        pclose(p);
    buf[n] = 0;
    return buf;
}

static int documented(const char *name)
{
    char quoted[128];
    snprintf(quoted, sizeof quoted, "`%s`", name);
    return strstr(docs, quoted) != NULL;
}

static int resolves(const char *path, const char *value, char *err, size_t errlen)
{
    char set[256];
    char *sets[1] = {set};
    snprintf(set, sizeof set, "%s=%s", path, value);
    scenario_file sf;
    scenario sc;
    if (scenario_file_load(&sf, scenario_path, sets, 1, err, errlen) != 0)
        return 0;
    int ok = scenario_resolve(&sf, 0, &sc, NULL, err, errlen) == 0;
    scenario_file_free(&sf);
    return ok;
}

static void walk(const key_spec *spec, const char *prefix)
{
    for (const key_spec *k = spec; k->name; k++) {
        char path[256];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", k->name);
        if (k->type == KEY_OBJECT)
            walk(k->sub, path);
        if (k->type != KEY_STRING || !k->registry)
            continue;
        char err[1024], listed[512] = "";
        const char *name;
        for (int i = 0; (name = keys_choice(k, i)) != NULL; i++) {
            n_checked++;
            snprintf(listed + strlen(listed), sizeof listed - strlen(listed), "%s%s", i ? "|" : "", name);
            if (!resolves(path, name, err, sizeof err)) {
                CHECK(0);
                fprintf(stderr, "%s=%s: %s\n", path, name, err);
            }
            if (!documented(name)) {
                CHECK(0);
                fprintf(stderr, "%s: `%s` is in the registry but in no docs/*.md\n", path, name);
            }
        }
        /* The help lists the registry's names as the key's choices. */
        char want[600];
        snprintf(want, sizeof want, "(%s)", listed);
        CHECK(strstr(key_help, want) != NULL);
        /* Anything else is refused, the message listing the registry. */
        CHECK(!resolves(path, "no-such-model", err, sizeof err));
        CHECK(strstr(err, listed) != NULL);
        printf("%s: %s\n", path, listed);
    }
}

int main(void)
{
    docs = slurp_docs();
    CHECK(strlen(docs) > 1000);
    int fd = mkstemp(scenario_path);
    const char json[] = "{\"duration_s\": 10, \"trace\": {\"generate\": {\"queries\": 5}}}";
    if (fd < 0 || write(fd, json, sizeof json - 1) != (ssize_t)(sizeof json - 1))
        return 1;
    close(fd);
    size_t hlen;
    FILE *h = open_memstream(&key_help, &hlen);
    keys_print_help(scenario_keys, "", h);
    fclose(h);

    walk(scenario_keys, "");
    CHECK(n_checked >= 8); /* 3 path-loss + 3 fading + 2 rate models at least */

    /* Policies: the registry, `edgesim policies`, docs/POLICIES.md. */
    policy_registry *reg = policy_registry_create();
    char *listing;
    size_t llen;
    FILE *l = open_memstream(&listing, &llen);
    policy_registry_print(reg, l);
    fclose(l);
    for (int i = 0; i < policy_registry_count(reg); i++) {
        const char *name = policy_registry_get(reg, i)->name;
        CHECK(policy_registry_find(reg, name) == policy_registry_get(reg, i));
        CHECK(strstr(listing, name) != NULL);
        if (!documented(name)) {
            CHECK(0);
            fprintf(stderr, "policy `%s` is registered but in no docs/*.md\n", name);
        }
    }
    printf("%d policies\n", policy_registry_count(reg));
    CHECK(policy_registry_count(reg) >= 9);
    free(listing);
    policy_registry_destroy(reg);
    free(key_help);
    free(docs);
    unlink(scenario_path);
    return check_done();
}
