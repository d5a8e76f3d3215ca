/* identity.c -- run identity: SHA-256 of the resolved configuration
 * (identity.h says what is hashed and why). */
#include "sim/run/identity.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- SHA-256, FIPS 180-4 section 6.2 ---- */


/* FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of
 * the cube roots of the first 64 primes. */
static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

void identity_sha256_init(identity_sha256 *s)
{
    /* Section 5.3.3: fractional parts of the square roots of the first 8 primes. */
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, h0, sizeof h0);
    s->bytes = 0;
    s->fill = 0;
}

static void sha256_block(identity_sha256 *s, const unsigned char *p)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5], g = s->h[6],
             h = s->h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + sha256_k[t] + w[t];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
    s->h[5] += f;
    s->h[6] += g;
    s->h[7] += h;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* The SHA extensions of x86 (Intel SHA-NI, AMD Zen): the same compression
 * function in hardware, about 5x fewer cycles per block (the run identity
 * hashes the whole trace file).  sha256rnds2 takes the state as ABEF and
 * CDGH, and does two rounds on the low two words of message + constant;
 * sha256msg1/msg2 extend the message schedule four words at a time
 * (Intel, "Intel SHA Extensions", 2013; Intel 64 and IA-32 Architectures
 * Software Developer's Manual, SHA256RNDS2, SHA256MSG1, SHA256MSG2). */
#include <cpuid.h>
#include <immintrin.h>

__attribute__((target("sha,sse4.1,ssse3"))) static void sha256_blocks_ni(identity_sha256 *s, const unsigned char *p,
                                                                         size_t n)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i dcba = _mm_loadu_si128((const __m128i *)&s->h[0]), hgfe = _mm_loadu_si128((const __m128i *)&s->h[4]);
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1), efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8), cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
    for (; n > 0; n--, p += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh, w[4];
        for (int i = 0; i < 16; i++) { /* words 4i .. 4i+3, rounds 4i .. 4i+3 */
            __m128i m;
            if (i < 4) {
                m = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
            } else {
                m = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);             /* w[i-4], w[i-3] */
                m = _mm_add_epi32(m, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4)); /* words 4i-7 .. 4i-4 */
                m = _mm_sha256msg2_epu32(m, w[(i + 3) & 3]);
            }
            w[i & 3] = m;
            __m128i wk = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)&sha256_k[4 * i]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B), dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&s->h[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&s->h[4], _mm_alignr_epi8(dchg, feba, 8));
}

static int sha_ni_present(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
        return 0;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29)) != 0; /* CPUID.7.0:EBX.SHA */
}
#endif

/* -1: not decided yet; 0: the portable code; 1: the SHA extensions. */
static atomic_int sha_ni = -1;

int identity_sha256_accelerated(int use)
{
#if defined(__x86_64__) && defined(__GNUC__)
    int present = sha_ni_present();
#else
    int present = 0;
#endif
    sha_ni = use && present;
    return sha_ni;
}

/* n whole blocks at p. */
static void sha256_blocks(identity_sha256 *s, const unsigned char *p, size_t n)
{
    if (sha_ni < 0)
        identity_sha256_accelerated(1);
#if defined(__x86_64__) && defined(__GNUC__)
    if (sha_ni) {
        sha256_blocks_ni(s, p, n);
        return;
    }
#endif
    for (; n > 0; n--, p += 64)
        sha256_block(s, p);
}

void identity_sha256_update(identity_sha256 *s, const void *data, size_t len)
{
    const unsigned char *p = data;
    s->bytes += len;
    while (len > 0) {
        if (s->fill == 0 && len >= 64) { /* whole blocks in place */
            size_t n = len / 64;
            sha256_blocks(s, p, n);
            p += 64 * n;
            len -= 64 * n;
            continue;
        }
        size_t take = 64 - s->fill < len ? 64 - s->fill : len;
        memcpy(s->block + s->fill, p, take);
        s->fill += take;
        p += take;
        len -= take;
        if (s->fill == 64) {
            sha256_blocks(s, s->block, 1);
            s->fill = 0;
        }
    }
}

void identity_sha256_final_hex(identity_sha256 *s, char out[IDENTITY_HEX])
{
    uint64_t bits = s->bytes * 8;
    unsigned char pad = 0x80, zero = 0, len_be[8];
    identity_sha256_update(s, &pad, 1);
    while (s->fill != 56)
        identity_sha256_update(s, &zero, 1);
    for (int i = 0; i < 8; i++)
        len_be[i] = (unsigned char)(bits >> (56 - 8 * i));
    identity_sha256_update(s, len_be, 8);
    for (int i = 0; i < 8; i++)
        snprintf(out + 8 * i, 9, "%08x", (unsigned)s->h[i]);
}

void identity_sha256_hex(const void *data, size_t len, char out[IDENTITY_HEX])
{
    identity_sha256 s;
    identity_sha256_init(&s);
    identity_sha256_update(&s, data, len);
    identity_sha256_final_hex(&s, out);
}

int identity_file_sha256(const char *path, char out[IDENTITY_HEX])
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return -1; /* a FIFO or device can be read once only: by the run */
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    identity_sha256 s;
    identity_sha256_init(&s);
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        identity_sha256_update(&s, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return -1;
    identity_sha256_final_hex(&s, out);
    return 0;
}

/* ---- the digests of the trace files ---- */

const char *identity_cache_find(const identity_cache *cache, const char *path)
{
    for (int i = 0; i < cache->n; i++)
        if (strcmp(cache->entries[i].path, path) == 0)
            return cache->entries[i].digest;
    return NULL;
}

int identity_cache_put(identity_cache *cache, const char *path, const char *digest)
{
    if (identity_cache_find(cache, path))
        return 0;
    if (cache->n == cache->cap) {
        int cap = cache->cap ? 2 * cache->cap : 4;
        identity_cache_entry *grown = realloc(cache->entries, (size_t)cap * sizeof *grown);
        if (!grown)
            return -1;
        cache->entries = grown;
        cache->cap = cap;
    }
    identity_cache_entry *e = &cache->entries[cache->n];
    if (!(e->path = strdup(path)))
        return -1;
    snprintf(e->digest, sizeof e->digest, "%s", digest);
    cache->n++;
    return 0;
}

void identity_cache_free(identity_cache *cache)
{
    for (int i = 0; i < cache->n; i++)
        free(cache->entries[i].path);
    free(cache->entries);
    memset(cache, 0, sizeof *cache);
}

/* ---- identity ---- */

/* Replace trace.path by the digest of the file it names. */
static void hash_trace_path(identity_cache *cache, cJSON *material)
{
    cJSON *trace = cJSON_GetObjectItemCaseSensitive(material, "trace");
    cJSON *path = trace ? cJSON_GetObjectItemCaseSensitive(trace, "path") : NULL;
    if (!cJSON_IsString(path) || path->valuestring[0] == '\0')
        return;
    char digest[IDENTITY_HEX];
    const char *known = identity_cache_find(cache, path->valuestring);
    if (known) {
        snprintf(digest, sizeof digest, "%s", known);
    } else {
        if (identity_file_sha256(path->valuestring, digest) != 0)
            return; /* unreadable: the run itself will say so; keep the path */
        identity_cache_put(cache, path->valuestring, digest); /* out of memory: hashed again next time */
    }
    char text[IDENTITY_HEX + 8];
    snprintf(text, sizeof text, "sha256:%s", digest);
    cJSON_SetValuestring(path, text);
}

static int digest_json(const cJSON *obj, char out[IDENTITY_HEX])
{
    char *text = cJSON_PrintUnformatted(obj);
    if (!text)
        return -1;
    identity_sha256_hex(text, strlen(text), out);
    cJSON_free(text);
    return 0;
}

int identity_compute(identity_cache *cache, const cJSON *resolved, const char *sweep_point, const char *version,
                     uint64_t seed, int replication, run_identity *out)
{
    cJSON *material = cJSON_Duplicate(resolved, 1);
    cJSON *point = cJSON_Parse(sweep_point ? sweep_point : "{}");
    int rc = -1;
    if (!material || !point)
        goto done;
    static const char *const not_configuration[] = {"description", "seed", "replication", "replications"};
    for (size_t i = 0; i < sizeof not_configuration / sizeof not_configuration[0]; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(material, not_configuration[i]);
    hash_trace_path(cache, material);
    cJSON_AddItemToObject(material, "sweep_point", point);
    point = NULL;
    if (!cJSON_AddStringToObject(material, "version", version ? version : ""))
        goto done;
    /* The group: everything so far, policy included. */
    if (digest_json(material, out->group_key) != 0)
        goto done;
    cJSON_DeleteItemFromObjectCaseSensitive(material, "policy");
    if (digest_json(material, out->point_key) != 0)
        goto done;
    char text[IDENTITY_HEX + 64];
    snprintf(text, sizeof text, "%s seed=%llu replication=%d", out->group_key, (unsigned long long)seed,
             replication);
    identity_sha256_hex(text, strlen(text), out->config_hash);
    rc = 0;
done:
    cJSON_Delete(material);
    cJSON_Delete(point);
    return rc;
}

/* Growing string; on allocation failure `text` becomes NULL and stays so. */
typedef struct strbuf {
    char *text;
    size_t len, cap;
} strbuf;

static void sb_add(strbuf *b, const char *s, size_t n)
{
    if (!b->text)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *grown = realloc(b->text, cap);
        if (!grown) {
            free(b->text);
            b->text = NULL;
            return;
        }
        b->text = grown;
        b->cap = cap;
    }
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len] = '\0';
}

static void sb_puts(strbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* key=value with strings unquoted, numbers and the rest as compact JSON. */
static void sb_key_value(strbuf *b, const char *key, const cJSON *value)
{
    sb_puts(b, key);
    sb_puts(b, "=");
    if (cJSON_IsString(value)) {
        sb_puts(b, value->valuestring);
        return;
    }
    char *text = cJSON_PrintUnformatted(value);
    if (!text) {
        free(b->text);
        b->text = NULL;
        return;
    }
    sb_puts(b, text);
    cJSON_free(text);
}

/* Keys that are no part of what distinguishes a group: the run's own seed
 * and replication, and policy keys (shown with the policy). */
static int label_skips(const char *key, size_t len)
{
    static const char *const skip[] = {"seed", "replication", "replications", "description"};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (strlen(skip[i]) == len && strncmp(key, skip[i], len) == 0)
            return 1;
    return strncmp(key, "policy", 6) == 0 || strncmp(key, "policies", 8) == 0;
}

char *identity_label(const cJSON *policy, char *const *sets, int n_sets, const cJSON *sweep_point)
{
    strbuf b = {malloc(64), 0, 64};
    if (!b.text)
        return NULL;
    b.text[0] = '\0';
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(policy, "name");
    sb_puts(&b, cJSON_IsString(name) ? name->valuestring : "?");
    for (const cJSON *p = policy ? policy->child : NULL; p; p = p->next) {
        if (p->string && strcmp(p->string, "name") != 0) {
            sb_puts(&b, " ");
            sb_key_value(&b, p->string, p);
        }
    }
    const char *sep = "; ";
    for (int i = 0; i < n_sets; i++) {
        const char *eq = strchr(sets[i], '=');
        if (!eq || label_skips(sets[i], (size_t)(eq - sets[i])))
            continue;
        sb_puts(&b, sep);
        sb_puts(&b, sets[i]);
        sep = " ";
    }
    for (const cJSON *p = sweep_point ? sweep_point->child : NULL; p; p = p->next) {
        if (!p->string || label_skips(p->string, strlen(p->string)))
            continue;
        sb_puts(&b, sep);
        sb_key_value(&b, p->string, p);
        sep = " ";
    }
    return b.text;
}
