/* Run identity: SHA-256 known answers (FIPS 180-4 examples) and what the
 * configuration hash includes and leaves out (sim/run/identity.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sim/run/identity.h"
#include "sim/run/run.h"
#include "sim/run/scenario.h"

static void sha_is(const char *msg, size_t len, const char *want)
{
    char got[IDENTITY_HEX];
    identity_sha256_hex(msg, len, got);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "sha256 of %zu bytes: got %s\n  want %s\n", len, got, want);
    CHECK(strcmp(got, want) == 0);
}

static void test_sha256(void)
{
    /* NIST CSRC example values for SHA-256 (one block, two blocks, empty, 10^6 'a'). */
    sha_is("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha_is(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *million = malloc(1000000);
    CHECK(million != NULL);
    if (million) {
        memset(million, 'a', 1000000);
        sha_is(million, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        free(million);
    }
}

/* The SHA instructions (when the processor has them) and the portable code
 * give the same digests, for every length from 0 to 300 bytes and pieces
 * of every alignment; the known answers above ran through the default. */
static void test_sha256_paths(void)
{
    enum { LEN = 4096 };
    unsigned char *buf = malloc(LEN);
    CHECK(buf != NULL);
    if (!buf)
        return;
    unsigned x = 12345;
    for (int i = 0; i < LEN; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (unsigned char)(x >> 16);
    }
    int accelerated = identity_sha256_accelerated(1);
    printf("SHA instructions: %s\n", accelerated ? "in use" : "absent (both runs portable)");
    for (int len = 0; len <= LEN; len += len < 300 ? 1 : 761) {
        char fast[IDENTITY_HEX], portable[IDENTITY_HEX], pieces[IDENTITY_HEX];
        identity_sha256_accelerated(1);
        identity_sha256_hex(buf, (size_t)len, fast);
        identity_sha256 s;
        identity_sha256_init(&s);
        for (int o = 0, step = 1; o < len; o += step, step = step * 3 % 97 + 1)
            identity_sha256_update(&s, buf + o, (size_t)(o + step <= len ? step : len - o));
        identity_sha256_final_hex(&s, pieces);
        identity_sha256_accelerated(0);
        identity_sha256_hex(buf, (size_t)len, portable);
        if (strcmp(fast, portable) != 0 || strcmp(fast, pieces) != 0)
            fprintf(stderr, "sha256 of %d bytes: %s (default), %s (portable), %s (pieces)\n", len, fast, portable,
                    pieces);
        CHECK(strcmp(fast, portable) == 0 && strcmp(fast, pieces) == 0);
    }
    identity_sha256_accelerated(1);
    free(buf);
}

static run_identity id_of(const char *json, const char *point, const char *version, uint64_t seed, int rep)
{
    identity_cache cache;
    memset(&cache, 0, sizeof cache);
    cJSON *sc = cJSON_Parse(json);
    run_identity id;
    memset(&id, 0, sizeof id);
    CHECK(sc != NULL);
    CHECK(identity_compute(&cache, sc, point, version, seed, rep, &id) == 0);
    cJSON_Delete(sc);
    identity_cache_free(&cache);
    return id;
}

static void test_identity(void)
{
    const char *base = "{\"name\":\"s\",\"description\":\"x\",\"seed\":1,\"replication\":0,\"replications\":4,"
                       "\"devices\":{\"count\":40},\"policy\":{\"name\":\"quality-latency\",\"alpha\":0.1}}";
    run_identity a = id_of(base, "{}", "1.0", 1, 2);
    CHECK(strlen(a.config_hash) == 64 && strlen(a.group_key) == 64 && strlen(a.point_key) == 64);
    /* Deterministic. */
    run_identity again = id_of(base, "{}", "1.0", 1, 2);
    CHECK(strcmp(a.config_hash, again.config_hash) == 0);
    /* The replication range and the description are no part of it. */
    run_identity split = id_of("{\"name\":\"s\",\"description\":\"other\",\"seed\":1,\"replication\":2,"
                               "\"replications\":1,\"devices\":{\"count\":40},"
                               "\"policy\":{\"name\":\"quality-latency\",\"alpha\":0.1}}",
                               "{}", "1.0", 1, 2);
    CHECK(strcmp(a.config_hash, split.config_hash) == 0);
    /* Seed and replication: same group, another run. */
    run_identity rep3 = id_of(base, "{}", "1.0", 1, 3), seed2 = id_of(base, "{}", "1.0", 2, 2);
    CHECK(strcmp(a.group_key, rep3.group_key) == 0 && strcmp(a.config_hash, rep3.config_hash) != 0);
    CHECK(strcmp(a.group_key, seed2.group_key) == 0 && strcmp(a.config_hash, seed2.config_hash) != 0);
    /* A policy parameter: same point, another group. */
    run_identity alpha = id_of("{\"name\":\"s\",\"seed\":1,\"devices\":{\"count\":40},"
                               "\"policy\":{\"name\":\"quality-latency\",\"alpha\":0.2}}",
                               "{}", "1.0", 1, 2);
    CHECK(strcmp(a.point_key, alpha.point_key) == 0 && strcmp(a.group_key, alpha.group_key) != 0);
    /* A scenario key, the sweep point, the version: another point. */
    run_identity dev = id_of("{\"name\":\"s\",\"seed\":1,\"devices\":{\"count\":50},"
                             "\"policy\":{\"name\":\"quality-latency\",\"alpha\":0.1}}",
                             "{}", "1.0", 1, 2);
    CHECK(strcmp(a.point_key, dev.point_key) != 0 && strcmp(a.group_key, dev.group_key) != 0);
    run_identity pt = id_of(base, "{\"devices.count\":40}", "1.0", 1, 2);
    CHECK(strcmp(a.group_key, pt.group_key) != 0);
    run_identity ver = id_of(base, "{}", "1.1", 1, 2);
    CHECK(strcmp(a.group_key, ver.group_key) != 0);
}

static void label_is(const char *policy, char **sets, int n, const char *point, const char *want)
{
    cJSON *p = cJSON_Parse(policy), *pt = cJSON_Parse(point);
    char *got = identity_label(p, sets, n, pt);
    CHECK(got && strcmp(got, want) == 0);
    if (got && strcmp(got, want) != 0)
        fprintf(stderr, "label: got \"%s\", want \"%s\"\n", got, want);
    free(got);
    cJSON_Delete(p);
    cJSON_Delete(pt);
}

static void test_label(void)
{
    char *sets[] = {"devices.count=50", "seed=7", "replications=3", "policies.0.alpha=0.3",
                    "trace.arrival.process=mmpp"};
    label_is("{\"name\":\"always-small\"}", NULL, 0, "{}", "always-small");
    label_is("{\"name\":\"quality-latency\",\"alpha\":0.1,\"theta\":0.5}", sets, 5, "{}",
             "quality-latency alpha=0.1 theta=0.5; devices.count=50 trace.arrival.process=mmpp");
    label_is("{\"name\":\"random\",\"large_fraction\":0.25}", sets, 1,
             "{\"channel.uplink.bandwidth_hz\":5000000,\"policy.large_fraction\":0.25}",
             "random large_fraction=0.25; devices.count=50 channel.uplink.bandwidth_hz=5000000");
}

/* tests/cli/lib.bash write_trace's rows: 4,000 of them, 116,648 bytes, so the
 * reader takes the file in two pieces (of at most 64 KiB). */
static void write_trace_rows(const char *path, int rows, const char *bad_row)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark\n", f);
    for (int i = 1; i <= rows; i++)
        fprintf(f, "%d,-1,0,%d,%d,0.%d,%d,%d,mmlu\n", i, 20 + i % 200, 1 + i % 50, i % 10, i % 3 == 0, i % 2);
    if (bad_row)
        fputs(bad_row, f);
    fclose(f);
}

/* The preflight check's digest (taken in its read of the trace) is the
 * SHA-256 of the file's bytes, as identity_file_sha256 and sha256sum give
 * it, and the run identities built on it are those of the separate read. */
static void test_check_digest(void)
{
    /* sha256sum of the 4,000-row file (its bytes do not depend on anything
     * but write_trace_rows). */
    const char *known = "afa62ed99e9d64d1ba1eb06dd7fa6e63c588909b4182d2a11649ceb3821beb34";
    char dir[] = "identity_check_XXXXXX", trace[128], bad[128], json[128];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(trace, sizeof trace, "%s/trace.csv", dir);
    snprintf(bad, sizeof bad, "%s/bad.csv", dir);
    snprintf(json, sizeof json, "%s/s.json", dir);
    write_trace_rows(trace, 4000, NULL);
    write_trace_rows(bad, 4000, "4001,-1,0,20,x,0.1,0,1,mmlu\n");
    char separate[IDENTITY_HEX];
    CHECK(identity_file_sha256(trace, separate) == 0);
    CHECK(strcmp(separate, known) == 0);

    identity_cache digests;
    memset(&digests, 0, sizeof digests);
    const char *paths[] = {trace, bad};
    run_status want[] = {RUN_OK, RUN_INPUT};
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(json, "w");
        CHECK(f != NULL);
        if (!f)
            return;
        fprintf(f, "{\"name\": \"d\", \"trace\": {\"path\": \"trace.csv\", \"arrival\": {\"process\": \"poisson\","
                   " \"rate_per_s\": 4}}, \"devices\": {\"count\": 3}}\n");
        fclose(f);
        char set[160], *sets[] = {set}, err[1024], warn[2048];
        snprintf(set, sizeof set, "trace.path=%s", paths[i]);
        scenario_file sf;
        scenario sc;
        CHECK(scenario_file_load(&sf, json, sets, 1, err, sizeof err) == 0);
        CHECK(scenario_resolve(&sf, 0, &sc, NULL, err, sizeof err) == 0);
        run_check *chk = run_check_create(NULL);
        CHECK(chk != NULL);
        run_check_set_digests(chk, &digests);
        double expected;
        run_status got = run_check_scenario(chk, &sc, &expected, warn, sizeof warn, err, sizeof err);
        if (got != want[i])
            fprintf(stderr, "check of %s: %s\n", paths[i], err);
        CHECK(got == want[i]);
        run_check_destroy(chk);
        if (i == 0) {
            const char *taken = identity_cache_find(&digests, sc.trace.path);
            CHECK(taken != NULL && strcmp(taken, known) == 0);
            /* A run's identity from the check's digest equals the one from
             * a separate read of the file (the identity before this cache). */
            cJSON *policy = cJSON_Parse("{\"name\": \"random\"}");
            cJSON *resolved = scenario_to_json(&sc, policy);
            identity_cache fresh;
            memset(&fresh, 0, sizeof fresh);
            run_identity a, b;
            CHECK(identity_compute(&digests, resolved, "{}", "1.0", 1, 0, &a) == 0);
            CHECK(identity_compute(&fresh, resolved, "{}", "1.0", 1, 0, &b) == 0);
            CHECK(strcmp(a.config_hash, b.config_hash) == 0 && strcmp(a.point_key, b.point_key) == 0);
            CHECK(strcmp(identity_cache_find(&fresh, sc.trace.path), known) == 0);
            identity_cache_free(&fresh);
            cJSON_Delete(resolved);
            cJSON_Delete(policy);
        } else {
            /* A trace the check refuses leaves no digest. */
            CHECK(identity_cache_find(&digests, sc.trace.path) == NULL);
        }
        scenario_file_free(&sf);
    }
    CHECK(digests.n == 1);
    identity_cache_free(&digests);
    remove(trace);
    remove(bad);
    remove(json);
    rmdir(dir);
}

int main(void)
{
    test_sha256();
    test_sha256_paths();
    test_identity();
    test_label();
    test_check_digest();
    return check_done();
}
