/* test_scenario_fuzz.c -- mutation fuzzing of scenario files and --set.
 *
 * Seeds: scenarios/default.json and the JSON files of scenarios/paper, as
 * text.  Each
 * case applies 1-4 mutations (byte flips, JSON punctuation, deletions,
 * truncation, duplicated members, odd numbers such as 1e308, -0, 1e999 and
 * "NaN", deep nesting, long strings, NUL bytes, CR/LF) and, in some cases,
 * random --set overrides (valid key paths from scenario_keys with odd
 * values, and malformed paths), then loads it through a temporary file with
 * scenario_file_load.  What must hold:
 *   - no crash, no hang (ASan/UBSan builds run this too);
 *   - a failed load has a message naming the file (or, for a bad override,
 *     "--set" or the key);
 *   - a successful load resolves its sweep points, and every resolved key
 *     lies in the range its key_spec declares (numbers finite and within
 *     [min, max] or unset, strings terminated and among their choices).
 * Deterministic: one RNG_GENERATOR stream of a fixed seed; EDGESIM_FUZZ_SEED
 * and EDGESIM_FUZZ_CASES override seed and case count for exploration. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/base/rng.h"
#include "sim/run/scenario.h"
#include "check.h"
#include "fuzz_buf.h"

#define FUZZ_SEED 20240612u
#define MAX_SEEDS 16
#define MAX_PATHS 512

static char *seeds[MAX_SEEDS];
static int n_seeds, cases = 1500;

/* Every key path of scenario_keys ("devices.count", ...). */
static char *key_paths[MAX_PATHS];
static int n_paths;

static void collect_paths(const key_spec *spec, const char *prefix)
{
    char path[256];
    for (; spec->name; spec++) {
        if (snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", spec->name) >= (int)sizeof path) {
            fprintf(stderr, "key path longer than %zu bytes under %s\n", sizeof path - 1, prefix);
            exit(1);
        }
        if (spec->type == KEY_OBJECT)
            collect_paths(spec->sub, path);
        else if (n_paths < MAX_PATHS)
            key_paths[n_paths++] = strdup(path);
    }
}


static void load_seeds(const char *src)
{
    char path[1024];
    DIR *d;
    struct dirent *e;
    snprintf(path, sizeof path, "%s/scenarios/default.json", src);
    seeds[n_seeds] = read_text(path, 0);
    CHECK(seeds[n_seeds] != NULL);
    n_seeds += seeds[n_seeds] != NULL;
    snprintf(path, sizeof path, "%s/scenarios/paper", src);
    d = opendir(path);
    CHECK(d != NULL);
    while (d && (e = readdir(d)) != NULL && n_seeds < MAX_SEEDS) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        snprintf(path, sizeof path, "%s/scenarios/paper/%s", src, e->d_name);
        seeds[n_seeds] = read_text(path, 0);
        n_seeds += seeds[n_seeds] != NULL;
    }
    if (d)
        closedir(d);
}

/* ---- mutations ---- */

static const char *const odd_values[] = {
    "1e308", "-1e308", "1e999", "-1e999", "1e-320", "-0", "-0.0", "0", "-1", "2147483648", "-2147483649",
    "9007199254740993", "1e15", "0.5", "\"NaN\"", "\"nan\"", "\"inf\"", "\"-inf\"", "\"1e308\"", "NaN", "Infinity",
    "null", "true", "false", "[]", "{}", "[1e308]", "[-0]", "\"\"", "\"x\"", "[[[]]]", "{\"a\":{}}", "0x10", "1e",
    "\"\\u0000\"", "\"\\ud800\"", "4294967296", "1e6", "1000001",
};


static const char json_bytes[] = "{}[]:,\"\\ \n\r\t-+.eE0123456789tfnul\x7f\x80\xff";

/* A member "key": value duplicated next to itself, or a value replaced. */
static void mutate_value(gsl_rng *r, buf *b)
{
    size_t at, s, e;
    const char *v = odd_values[pick(r, sizeof odd_values / sizeof *odd_values)];
    if (!b->len)
        return;
    at = pick(r, b->len);
    /* Find the next ':' and replace the scalar after it. */
    while (at < b->len && b->p[at] != ':')
        at++;
    if (at == b->len)
        return;
    s = at + 1;
    while (s < b->len && b->p[s] == ' ')
        s++;
    e = s;
    if (e < b->len && b->p[e] == '"') {
        e++;
        while (e < b->len && b->p[e] != '"')
            e += b->p[e] == '\\' ? 2 : 1;
        if (e < b->len)
            e++;
    } else {
        while (e < b->len && !strchr(",}]\n", b->p[e]))
            e++;
    }
    if (e > b->len)
        e = b->len;
    buf_delete(b, s, e - s);
    buf_insert(b, s, v, strlen(v));
}

static int mutate(gsl_rng *r, buf *b)
{
    size_t at = pick(r, b->len + 1), n;
    char ch;
    switch (pick(r, 11)) {
    case 0:
        if (b->len)
            b->p[pick(r, b->len)] ^= (char)(1u << pick(r, 8));
        break;
    case 1:
        ch = json_bytes[pick(r, sizeof json_bytes - 1)];
        buf_insert(b, at, &ch, 1);
        break;
    case 2:
        n = 1 + pick(r, 16);
        if (at + n <= b->len)
            buf_delete(b, at, n);
        break;
    case 3:
        b->len = at;
        b->p[b->len] = 0;
        break;
    case 4:
    case 5:
    case 6:
        mutate_value(r, b);
        break;
    case 7: /* deep nesting, in place of a value */
        {
            size_t depth = pick(r, 2) ? 5000 : 1 + pick(r, 60);
            buf deep = {0};
            buf_reserve(&deep, 2 * depth + 16);
            deep.p[0] = 0;
            for (size_t i = 0; i < depth; i++) {
                const char *open = pick(r, 2) ? "[" : "{\"a\":";
                buf_insert(&deep, deep.len, open, strlen(open));
            }
            buf_insert(b, at, deep.p, deep.len);
            free(deep.p);
        }
        break;
    case 8: /* a long string */
        {
            size_t len = 1 + pick(r, 200000);
            char *s = malloc(len + 3);
            memset(s, 'x', len + 2);
            s[0] = s[len + 1] = '"';
            buf_insert(b, at, s, len + 2);
            free(s);
        }
        break;
    case 9:
        ch = 0;
        buf_insert(b, at, &ch, 1);
        return 1;
    default: /* duplicate a line (duplicate members, stray commas) */
        if (b->len) {
            size_t s = pick(r, b->len), e;
            while (s > 0 && b->p[s - 1] != '\n')
                s--;
            e = s;
            while (e < b->len && b->p[e] != '\n')
                e++;
            if (e < b->len)
                e++;
            char *copy = malloc(e - s + 1);
            memcpy(copy, b->p + s, e - s);
            buf_insert(b, e, copy, e - s);
            free(copy);
        }
        break;
    }
    return 0;
}

/* A random --set: mostly a real key path with an odd value. */
static char *random_set(gsl_rng *r)
{
    static const char *const odd_paths[] = {
        "", ".", "a..b", ".seed", "seed.", "seed.x", "devices..count", "policy", "policy.", "policies.0.name",
        "policies.99.name", "policies.-1.name", "sweep", "sweep.seed", "trace.path.x", "nonesuch",
        "models.large", "channel", "policy.alpha", "policy.name", "replications",
    };
    char key[600], text[700];
    const char *value = odd_values[pick(r, sizeof odd_values / sizeof *odd_values)];
    switch (pick(r, 4)) {
    case 0:
        snprintf(key, sizeof key, "%s", odd_paths[pick(r, sizeof odd_paths / sizeof *odd_paths)]);
        break;
    case 1: /* an over-long path */
        memset(key, 'k', 400);
        key[400] = 0;
        break;
    default:
        snprintf(key, sizeof key, "%s", key_paths[pick(r, (size_t)n_paths)]);
        break;
    }
    if (pick(r, 8) == 0)
        snprintf(text, sizeof text, "%s", key); /* no '=' */
    else if (pick(r, 8) == 0)
        snprintf(text, sizeof text, "%s={", key);
    else
        snprintf(text, sizeof text, "%s=%s", key, value);
    return strdup(text);
}

/* ---- the oracle ---- */

static long out_of_range;

static void check_spec(const key_spec *spec, const char *base, const char *prefix)
{
    char path[256];
    for (; spec->name; spec++) {
        const char *p = base + spec->offset;
        int bad = 0;
        if (snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", spec->name) >= (int)sizeof path) {
            fprintf(stderr, "key path longer than %zu bytes under %s\n", sizeof path - 1, prefix);
            exit(1);
        }
        double found = 0;
        switch (spec->type) {
        case KEY_NUMBER: {
            double v;
            memcpy(&v, p, sizeof v);
            bad = isnan(v) ? spec->def != NULL : !(v >= spec->min && v <= spec->max);
            found = v;
            break;
        }
        case KEY_INT:
        case KEY_BOOL: {
            int v;
            memcpy(&v, p, sizeof v);
            bad = !(v >= spec->min && v <= spec->max);
            found = v;
            break;
        }
        case KEY_STRING: {
            size_t len = strnlen(p, (size_t)spec->cap);
            bad = len == (size_t)spec->cap;
            if (!bad && spec->choices) {
                const char *const *c = spec->choices;
                while (*c && strcmp(*c, p) != 0)
                    c++;
                bad = *c == NULL;
            }
            break;
        }
        case KEY_NUMBERS: {
            int count;
            memcpy(&count, base + spec->count_offset, sizeof count);
            bad = count < 0 || count > spec->cap;
            for (int i = 0; !bad && i < count; i++) {
                double v;
                memcpy(&v, p + (size_t)i * sizeof v, sizeof v);
                bad = !(v >= spec->min && v <= spec->max);
            }
            break;
        }
        case KEY_OBJECT:
            check_spec(spec->sub, p, path);
            break;
        case KEY_LIST:
        case KEY_MAP: {
            int count;
            memcpy(&count, base + spec->count_offset, sizeof count);
            bad = count < 0 || count > spec->cap;
            found = count;
            char elem[320];
            for (int i = 0; !bad && i < count; i++) {
                if (spec->type == KEY_MAP)
                    snprintf(elem, sizeof elem, "%s.%.31s", path, p + (size_t)i * spec->elem_size);
                else
                    snprintf(elem, sizeof elem, "%s.%d", path, i);
                check_spec(spec->sub, p + (size_t)i * spec->elem_size, elem);
            }
            break;
        }
        case KEY_END:
            break;
        }
        if (bad && out_of_range++ < 5)
            fprintf(stderr, "resolved %s = %.17g, outside its declared range [%g, %g]\n", path, found, spec->min,
                    spec->max);
    }
}

static struct {
    long cases, loaded, bad_messages, resolve_failed;
} tally;

static void run_case(const char *text, size_t len, char **sets, int n_sets, const char *path)
{
    scenario_file sf;
    char err[1024];
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(fwrite(text, 1, len, f) == len);
    fclose(f);
    err[0] = 0;
    tally.cases++;
    if (scenario_file_load(&sf, path, sets, n_sets, err, sizeof err) != 0) {
        int named = err[0] != 0 && strstr(err, path) != NULL;
        for (int i = 0; !named && err[0] && i < n_sets; i++) {
            const char *eq = strchr(sets[i], '=');
            size_t klen = eq ? (size_t)(eq - sets[i]) : strlen(sets[i]);
            char key[64];
            snprintf(key, sizeof key, "%.*s", (int)(klen < 40 ? klen : 40), sets[i]);
            named = strstr(err, "--set") != NULL || (klen > 0 && strstr(err, key) != NULL);
        }
        if (!named && tally.bad_messages++ < 5)
            fprintf(stderr, "load error without the file or key: '%s' (%d sets%s%s)\n", err, n_sets,
                    n_sets ? ", first " : "", n_sets ? sets[0] : "");
        return;
    }
    tally.loaded++;
    /* Resolve a few points: the first, the last and one between. */
    int points[3] = {0, sf.n_points / 2, sf.n_points - 1};
    for (int i = 0; i < 3; i++) {
        scenario sc;
        cJSON *pj = NULL;
        memset(&sc, 0xa5, sizeof sc); /* a key the resolver forgets shows up as out of range */
        if (scenario_resolve(&sf, points[i], &sc, &pj, err, sizeof err) != 0) {
            if (tally.resolve_failed++ < 5)
                fprintf(stderr, "loaded, but point %d does not resolve: %s\n", points[i], err);
        } else {
            check_spec(scenario_keys, (const char *)&sc, "");
        }
        cJSON_Delete(pj);
    }
    scenario_file_free(&sf);
}

int main(void)
{
    const char *src = getenv("EDGESIM_SOURCE_DIR");
    const char *seed_env = getenv("EDGESIM_FUZZ_SEED"), *cases_env = getenv("EDGESIM_FUZZ_CASES");
    char dir[] = "/tmp/edgesim-scenario-fuzz-XXXXXX", path[256];
    gsl_rng *r = rng_stream_create(seed_env ? strtoull(seed_env, NULL, 10) : FUZZ_SEED, 0, RNG_GENERATOR, 1);
    buf b = {0};
    CHECK(src != NULL && r != NULL && mkdtemp(dir) != NULL);
    if (!src || !r)
        return check_done();
    if (cases_env && atoi(cases_env) > 0)
        cases = atoi(cases_env);
    snprintf(path, sizeof path, "%s/s.json", dir);
    collect_paths(scenario_keys, "");
    CHECK(n_paths > 20);
    load_seeds(src);
    CHECK(n_seeds >= 3);

    /* The seeds themselves load (also with a valid override). */
    for (int i = 0; i < n_seeds; i++) {
        char set[] = "seed=7", *sets[] = {set};
        memset(&tally, 0, sizeof tally);
        run_case(seeds[i], strlen(seeds[i]), sets, 1, path);
        CHECK_INT(tally.loaded, 1);
    }
    /* null is "unset" only for keys without a default: for the others it
     * must be an error, not a NaN that crashes the run later (channel
     * transfer assertion) or silently changes it (duration_s). */
    if (n_seeds > 0) {
        static const char *const null_sets[] = {"channel.header_bytes=null", "duration_s=null",
                                                "trace.arrival.rate_per_s=null", "channel.fading.block_s=null"};
        for (size_t i = 0; i < sizeof null_sets / sizeof *null_sets; i++) {
            scenario_file sf;
            char err[1024] = "", set[64], *sets[] = {set};
            FILE *f = fopen(path, "wb");
            snprintf(set, sizeof set, "%s", null_sets[i]);
            CHECK(f != NULL);
            if (!f)
                break;
            fputs(seeds[0], f);
            fclose(f);
            int rc = scenario_file_load(&sf, path, sets, 1, err, sizeof err);
            CHECK_INT(rc, -1);
            if (rc == 0)
                scenario_file_free(&sf);
            else
                CHECK(strstr(err, "null") != NULL);
        }
    }

    memset(&tally, 0, sizeof tally);
    for (int c = 0; c < cases && n_seeds > 0; c++) {
        const char *seed = seeds[pick(r, (size_t)n_seeds)];
        char *sets[4];
        int n_sets = pick(r, 3) == 0 ? 1 + (int)pick(r, 4) : 0, muts = (int)pick(r, 4);
        b.len = 0;
        buf_insert(&b, 0, seed, strlen(seed));
        if (n_sets == 0 && muts == 0)
            muts = 1;
        for (int m = 0; m < muts; m++)
            mutate(r, &b);
        for (int i = 0; i < n_sets; i++)
            sets[i] = random_set(r);
        run_case(b.p, b.len, sets, n_sets, path);
        for (int i = 0; i < n_sets; i++)
            free(sets[i]);
    }
    printf("%ld cases, %ld loaded\n", tally.cases, tally.loaded);
    CHECK_INT(tally.bad_messages, 0);
    CHECK_INT(tally.resolve_failed, 0);
    CHECK_INT(out_of_range, 0);
    CHECK(tally.loaded > cases / 50);
    CHECK(tally.loaded < cases);

    free(b.p);
    for (int i = 0; i < n_seeds; i++)
        free(seeds[i]);
    for (int i = 0; i < n_paths; i++)
        free(key_paths[i]);
    unlink(path);
    rmdir(dir);
    gsl_rng_free(r);
    return check_done();
}
