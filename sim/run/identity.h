/* identity.h -- what makes two runs the same run, and two runs replications
 * of one configuration.
 *
 * Every run stores three SHA-256 digests (64 hex digits) of its resolved
 * configuration and a readable label:
 *
 *   point_key    the scenario after overrides and sweep point, without seed,
 *                replication, the replication range and the policy;
 *                runs with the same point_key, seed and replication ran on
 *                the same randomness (common random numbers: pair them);
 *   group_key    point_key's material plus the policy and its parameters:
 *                replications of one configuration (pool them, never pool
 *                across group keys);
 *   config_hash  group_key plus seed and replication: the identity of a
 *                run.  A results file holds at most one complete run per
 *                config_hash (a unique index), so a run is never counted
 *                twice, a rerun skips it and a merge drops it.
 *   config_label  what distinguishes the group, in words: the policy with the
 *                parameters written in the scenario, then the --set
 *                overrides and sweep values ("quality-latency alpha=0.1
 *                theta=0.5; devices.count=50").  For reading only: two
 *                groups may share a label, never a group_key.
 *
 * The material hashed is the resolved scenario (every key, defaults
 * included) as compact JSON in key-table order, with `description` left
 * out, the trace file's path replaced by the SHA-256 of its contents (so the
 * same trace reached by another path is the same configuration, and an
 * edited trace is not), plus the sweep point's overrides and the binary
 * version.  The replication range (`replication` as first index and
 * `replications`) is not part of it: splitting replications across tasks
 * gives each run the same identity as in one unsplit run.
 */
#ifndef EDGESIM_IDENTITY_H
#define EDGESIM_IDENTITY_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#define IDENTITY_HEX 65 /* 64 hex digits and the NUL */

typedef struct run_identity {
    char point_key[IDENTITY_HEX];
    char group_key[IDENTITY_HEX];
    char config_hash[IDENTITY_HEX];
} run_identity;

/* SHA-256 (FIPS 180-4) of `len` bytes, as 64 lower-case hex digits. */
void identity_sha256_hex(const void *data, size_t len, char out[IDENTITY_HEX]);

/* The same digest over bytes given in pieces (a file as it is read):
 * init, update with each piece in order, final. */
typedef struct identity_sha256 {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char block[64];
    size_t fill;
} identity_sha256;
void identity_sha256_init(identity_sha256 *s);
void identity_sha256_update(identity_sha256 *s, const void *data, size_t len);
void identity_sha256_final_hex(identity_sha256 *s, char out[IDENTITY_HEX]);
/* The digests use the processor's SHA instructions when it has them (x86
 * SHA extensions), else portable C: the same bytes either way (tested).
 * identity_sha256_accelerated(0) forces the portable code, (1) returns to
 * the default; returns 1 if the SHA instructions are in use.  Not
 * thread-safe: call before any thread hashes. */
int identity_sha256_accelerated(int use);

/* SHA-256 of a regular file's contents; -1 if it cannot be read or is not
 * a regular file (a FIFO's trace is identified by its path). */
int identity_file_sha256(const char *path, char out[IDENTITY_HEX]);

/* The digests of the trace files of an invocation, by path: each file is
 * hashed once, by the preflight check as it reads the file
 * (run_check_set_digests) or else by identity_compute when it first meets
 * the path.  Zero-initialise; identity_cache_free when done. */
typedef struct identity_cache_entry {
    char *path;
    char digest[IDENTITY_HEX];
} identity_cache_entry;
typedef struct identity_cache {
    identity_cache_entry *entries;
    int n, cap;
} identity_cache;

/* The digest recorded for `path`, or NULL. */
const char *identity_cache_find(const identity_cache *cache, const char *path);
/* Record the SHA-256 of the file at `path` (64 hex digits); 0, or -1 when
 * out of memory (the digest is then computed again when needed). */
int identity_cache_put(identity_cache *cache, const char *path, const char *digest);
void identity_cache_free(identity_cache *cache);

/* Identity of one run.  `resolved` is scenario_to_json() of the run's
 * scenario with its policy object under "policy" (not modified);
 * `sweep_point` the point's overrides as JSON text.  Returns 0, or -1 when
 * out of memory. */
int identity_compute(identity_cache *cache, const cJSON *resolved, const char *sweep_point, const char *version,
                     uint64_t seed, int replication, run_identity *out);

/* The readable label (see above); caller frees.  `policy` is the policy
 * object as written in the scenario (sweep values applied), `sets` the
 * --set "key=value" overrides, `sweep_point` the point's overrides as JSON.
 * NULL when out of memory. */
char *identity_label(const cJSON *policy, char *const *sets, int n_sets, const cJSON *sweep_point);

#endif
