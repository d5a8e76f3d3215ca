/* run_check.c -- what a run resolves, checked before the first run
 * (run.h, "Checks before any run"; docs/CLI.md).
 *
 * Per sweep point: the models and the channel through run__resolve_models
 * (the set-up of run_one), the arrival process, and the trace through the
 * run's own trace source read to the end.  A trace is read once per
 * distinct source (file, devices.count, arrival mode), however many points
 * and policies use it; its error, if any, is kept and given again. */
#include "run_int.h"
#include "sim/run/identity.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Rows of a generated trace read for its mean query: the generator's rows
 * are valid by construction, so only the means are wanted. */
#define CHECK_GENERATED_ROWS 10000

/* What reading a trace taught us. */
typedef struct trace_facts {
    int64_t arrivals;          /* single queries and first turns */
    int64_t rows_read;         /* rows behind the sums (all of a file's); -1: a
                                * pipe, left to the run */
    double in_sum, out_sum, payload_sum;
    int times_given;           /* the trace gives the arrival times */
    double last_arrival_s;     /* then: the last one */
} trace_facts;

typedef struct checked_trace {
    char *key;
    run_status status;
    char err[512];
    trace_facts facts;
} checked_trace;

struct run_check {
    volatile sig_atomic_t *interrupted;
    identity_cache *digests;   /* NULL: no digests wanted */
    checked_trace *traces;
    int n, cap;
};

run_check *run_check_create(volatile sig_atomic_t *interrupted)
{
    run_check *c = calloc(1, sizeof *c);
    if (c)
        c->interrupted = interrupted;
    return c;
}

void run_check_set_digests(run_check *c, identity_cache *digests)
{
    c->digests = digests;
}

static void digest_bytes(void *ctx, const void *bytes, size_t n)
{
    identity_sha256_update(ctx, bytes, n);
}

void run_check_destroy(run_check *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n; i++)
        free(c->traces[i].key);
    free(c->traces);
    free(c);
}

/* What the check of a trace depends on: a file read with the same device
 * count and arrival mode gives the same verdict whatever the seed, rate or
 * point; a generated trace is valid by construction and its mean query
 * depends on its generator settings only. */
static void trace_key(const scenario *sc, char *key, size_t cap)
{
    const trace_config *t = &sc->trace;
    if (t->path[0])
        snprintf(key, cap, "file %d %d %d %s", sc->devices.count, strcmp(t->arrival.process, "trace") == 0,
                 t->arrival.per_device, t->path);
    else
        snprintf(key, cap, "generate %s %d %d %.17g %.17g %d %d %d", t->generate.benchmark, t->generate.queries,
                 t->generate.dialogues, t->generate.auc, t->generate.out_pred_error, t->generate.mmlu_answer_tokens,
                 t->generate.seed, sc->devices.count);
}

/* Read the scenario's trace as run_one would (to the end for a file),
 * gathering the facts; RUN_OK or a status with err set. */
static run_status read_trace(run_check *c, const scenario *sc, trace_facts *f, char *err, size_t errlen)
{
    trace_error terr;
    memset(f, 0, sizeof *f);
    const trace_config *t = &sc->trace;
    int file = t->path[0] != '\0';
    struct stat st;
    int have_st = file && stat(t->path, &st) == 0;
    if (have_st && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        /* A pipe or a device can be read once, and that is the run's: its
         * rows are checked as the run reads them. */
        f->rows_read = -1;
        return RUN_OK;
    }
    if (!file && t->generate.queries == 0 && t->generate.dialogues == 0) {
        snprintf(err, errlen, "trace.generate: expected queries or dialogues > 0, found both 0 (no query to run)");
        return RUN_CONFIG;
    }
    /* The digest of a regular file not yet hashed, over the bytes this read
     * takes in (identity_file_sha256's digest: tests/test_run_identity.c). */
    identity_sha256 sha;
    int digest = have_st && S_ISREG(st.st_mode) && c->digests && !identity_cache_find(c->digests, t->path);
    if (digest)
        identity_sha256_init(&sha);
    trace_source *src = trace_source_create_observed(t, sc->devices.count, scenario_seed(sc),
                                                     (uint32_t)sc->replication, digest ? digest_bytes : NULL,
                                                     digest ? &sha : NULL, &terr);
    if (!src) {
        snprintf(err, errlen, "%s", terr.msg);
        return RUN_INPUT;
    }
    trace_row row;
    int rc = 0;
    while ((file || f->rows_read < CHECK_GENERATED_ROWS) && (rc = trace_source_next(src, &row, &terr)) > 0) {
        f->rows_read++;
        if (row.turn <= 1) {
            f->arrivals++;
            f->last_arrival_s = row.t_arr_s; /* rows come in arrival order */
        }
        f->in_sum += row.in_tokens;
        f->out_sum += row.out_tokens;
        f->payload_sum += row.extra_payload_bytes;
        if ((f->rows_read & 0xffff) == 0 && c->interrupted && *c->interrupted) {
            trace_source_destroy(src);
            snprintf(err, errlen, "interrupted");
            return RUN_INTERRUPTED;
        }
    }
    f->times_given = trace_source_times_given(src);
    trace_source_destroy(src);
    if (rc < 0) {
        snprintf(err, errlen, "%s", terr.msg);
        return file ? RUN_INPUT : RUN_CONFIG;
    }
    if (file && f->rows_read == 0) {
        snprintf(err, errlen, "%s: expected at least one row after the header, found none (no query to run)", t->path);
        return RUN_INPUT;
    }
    if (digest) { /* read to the end: every byte went through sha */
        char hex[IDENTITY_HEX];
        identity_sha256_final_hex(&sha, hex);
        identity_cache_put(c->digests, t->path, hex); /* out of memory: identity_compute hashes it */
    }
    if (!file)
        f->arrivals = (int64_t)t->generate.queries + t->generate.dialogues;
    return RUN_OK;
}

/* The facts of the scenario's trace, read at most once per key. */
static run_status trace_facts_of(run_check *c, const scenario *sc, const trace_facts **out, char *err,
                                 size_t errlen)
{
    char key[700];
    trace_key(sc, key, sizeof key);
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->traces[i].key, key) == 0) {
            snprintf(err, errlen, "%s", c->traces[i].err);
            *out = &c->traces[i].facts;
            return c->traces[i].status;
        }
    trace_facts f;
    run_status st = read_trace(c, sc, &f, err, errlen);
    if (st == RUN_INTERRUPTED)
        return st; /* not a verdict on the trace */
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 8;
        checked_trace *grown = realloc(c->traces, (size_t)cap * sizeof *grown);
        if (!grown)
            goto oom;
        c->traces = grown;
        c->cap = cap;
    }
    checked_trace *ct = &c->traces[c->n];
    if (!(ct->key = strdup(key)))
        goto oom;
    ct->status = st;
    ct->facts = f;
    snprintf(ct->err, sizeof ct->err, "%s", st == RUN_OK ? "" : err);
    *out = &ct->facts;
    c->n++;
    return st;
oom:
    snprintf(err, errlen, "out of memory");
    return RUN_INTERNAL;
}

/* Append a formatted part to buf, after "; " if buf is not empty. */
static void add_part(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_part(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len && len + 2 < cap) {
        memcpy(buf + len, "; ", 3);
        len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
}

/* The best mean SNR over the devices at the start, dB. */
static double best_snr_db(const channel *ch, int n, link_dir dir)
{
    double best = -INFINITY;
    for (int d = 0; d < n; d++) {
        double s = channel_snr_avg_db(ch, d, dir);
        if (s > best)
            best = s;
    }
    return best;
}

/* Times of a mean query against the arrival horizon: the uplink and
 * downlink transfers at the best device's mean SNR with the band to itself
 * (a lower bound on what any device sees on average), and the batch-1
 * service of each model.  Writes a warning naming the keys, or "". */
static void horizon_warning(const scenario *sc, const trace_facts *f, const llm_profile *small,
                            const llm_profile *large, const channel *ch, char *warn, size_t wlen)
{
    warn[0] = '\0';
    const channel_config *cc = &sc->channel;
    int n = sc->devices.count;
    double in = f->in_sum / (double)f->rows_read, out = f->out_sum / (double)f->rows_read;
    double payload = f->payload_sum / (double)f->rows_read;
    double horizon = f->times_given ? f->last_arrival_s
                                    : (double)f->arrivals / trace_arrival_mean_rate(&sc->trace, n);
    if (sc->duration_s > 0 && sc->duration_s < horizon)
        horizon = sc->duration_s;

    double snr_up = best_snr_db(ch, n, LINK_UP), snr_down = best_snr_db(ch, n, LINK_DOWN);
    double ul_s = cc->access_s + 8 * channel_uplink_bytes(cc, in, payload) / channel_rate_at_snr_bps(ch, LINK_UP, snr_up, 1);
    double dl_bytes = channel_downlink_first_bytes(cc) + (out > 1 ? channel_downlink_rest_bytes(cc, out) : 0);
    double dl_s = cc->access_s + 8 * dl_bytes / channel_rate_at_snr_bps(ch, LINK_DOWN, snr_down, 1);
    double large_s = llm_batch1_service_s(large, in, 0, out), small_s = llm_batch1_service_s(small, in, 0, out);

    char parts[1024] = "";
    /* !(x <= h) also catches a rate of 0 (an infinite time) and NaN. */
    if (!(ul_s <= horizon))
        add_part(parts, sizeof parts,
                 "uplink transfer %.3g s at the best mean SNR %.1f dB (channel.uplink.bandwidth_hz, "
                 "channel.header_bytes, channel.bytes_per_token)", ul_s, snr_up);
    if (!(dl_s <= horizon))
        add_part(parts, sizeof parts,
                 "downlink transfer %.3g s at the best mean SNR %.1f dB (channel.downlink.bandwidth_hz, "
                 "channel.header_bytes, channel.bytes_per_token)", dl_s, snr_down);
    if (!(large_s <= horizon))
        add_part(parts, sizeof parts, "service on the large model %.3g s (models.large)", large_s);
    if (!(small_s <= horizon))
        add_part(parts, sizeof parts, "service on the small model %.3g s (models.small)", small_s);
    if (parts[0])
        snprintf(warn, wlen,
                 "a mean query (%.0f input, %.0f output tokens) takes longer than the arrival horizon %.3g s: %s; "
                 "the run may simulate far past its last arrival and take long",
                 in, out, horizon, parts);
}

run_status run_check_scenario(run_check *c, const scenario *sc, double *expected_queries, char *warn, size_t wlen,
                              char *err, size_t errlen)
{
    *expected_queries = -1;
    warn[0] = '\0';
    err[0] = '\0';
    llm_profile profiles[LLM_MAX_MODELS];
    channel *ch = NULL;
    if (run__resolve_models(sc, scenario_seed(sc), (uint32_t)sc->replication, profiles, &ch, err, errlen) != 0)
        return RUN_CONFIG;
    /* The horizon check reads the first two models (small and large by default). */
    const llm_profile *small = &profiles[0], *large = &profiles[sc->n_models > 1 ? 1 : 0];
    run_status st = RUN_OK;
    if (strcmp(sc->trace.arrival.process, "trace") != 0) {
        trace_error terr;
        trace_arrival *a = trace_arrival_create(&sc->trace, sc->devices.count, scenario_seed(sc),
                                                (uint32_t)sc->replication, &terr);
        if (!a) {
            snprintf(err, errlen, "%s", terr.msg);
            st = RUN_CONFIG;
        }
        trace_arrival_destroy(a);
    }
    const trace_facts *f = NULL;
    if (st == RUN_OK)
        st = trace_facts_of(c, sc, &f, err, errlen);
    if (st == RUN_OK && f->rows_read > 0) {
        horizon_warning(sc, f, small, large, ch, warn, wlen);
        *expected_queries = sc->trace.path[0] ? (double)f->rows_read : trace_gen_expected_rows(&sc->trace);
    }
    channel_destroy(ch);
    return st;
}
