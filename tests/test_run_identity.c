/* Run identity: SHA-256 known answers (FIPS 180-4 examples) and what the
 * configuration hash includes and leaves out (sim/run/identity.h). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sim/run/identity.h"

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

int main(void)
{
    test_sha256();
    test_identity();
    test_label();
    return check_done();
}
