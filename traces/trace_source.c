/* trace_source.c -- the run loop's view of a trace: a file or a generator,
 * with arrival times and devices filled in (trace.h, MODEL.md section 6). */
#include "trace_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/rng.h"

struct trace_source {
    trace_config cfg;
    int n_devices;
    trace_reader *reader;     /* one of reader and gen */
    trace_gen *gen;
    trace_arrival *arrival;   /* NULL when the trace gives the times */
    gsl_rng *pick;            /* RNG_DEVICE_PICK entity 0 */
    int times_given;          /* -1 undecided, 0 drawn, 1 from the trace */
    int64_t dialogue;         /* current dialogue and its device */
    int dialogue_device;
    char name[512];
};

trace_source *trace_source_create(const trace_config *cfg, int n_devices, uint64_t seed, uint32_t replication,
                                  trace_error *err)
{
    return trace_source_create_observed(cfg, n_devices, seed, replication, NULL, NULL, err);
}

trace_source *trace_source_create_observed(const trace_config *cfg, int n_devices, uint64_t seed,
                                           uint32_t replication, trace_bytes_fn fn, void *ctx, trace_error *err)
{
    trace_source *s = calloc(1, sizeof *s);
    if (!s) {
        trace__fail(err, "trace: out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->n_devices = n_devices;
    s->times_given = strcmp(cfg->arrival.process, "trace") == 0 ? 1 : -1;
    s->dialogue = -1;
    if (n_devices < 1) {
        trace__fail(err, "trace: expected at least 1 device, found %d", n_devices);
        goto fail;
    }
    if (cfg->path[0]) {
        snprintf(s->name, sizeof s->name, "%s", cfg->path);
        s->reader = trace_open_observed(cfg->path, fn, ctx, err);
        if (!s->reader)
            goto fail;
    } else {
        snprintf(s->name, sizeof s->name, "trace.generate");
        if (cfg->generate.seed != 0) /* the same trace in every run and replication */
            s->gen = trace_gen_create(cfg, (uint64_t)cfg->generate.seed, 0, err);
        else
            s->gen = trace_gen_create(cfg, seed, replication, err);
        if (!s->gen)
            goto fail;
    }
    if (s->times_given != 1) {
        s->arrival = trace_arrival_create(cfg, n_devices, seed, replication, err);
        if (!s->arrival)
            goto fail;
    }
    s->pick = rng_stream_create(seed, replication, RNG_DEVICE_PICK, 0);
    if (!s->pick) {
        trace__fail(err, "trace: out of memory");
        goto fail;
    }
    return s;
fail:
    trace_source_destroy(s);
    return NULL;
}

void trace_source_destroy(trace_source *s)
{
    if (!s)
        return;
    trace_close(s->reader);
    trace_gen_destroy(s->gen);
    trace_arrival_destroy(s->arrival);
    gsl_rng_free(s->pick);
    free(s);
}

/* "file:line" of the row just read, or "trace.generate". */
static const char *row_place(const trace_source *s, char *buf, size_t cap)
{
    if (!s->reader)
        return s->name;
    snprintf(buf, cap, "%s:%ld", s->name, trace_line(s->reader));
    return buf;
}

int trace_source_times_given(const trace_source *s)
{
    return s->times_given == 1;
}

int trace_source_next(trace_source *s, trace_row *row, trace_error *err)
{
    int rc = s->reader ? trace_next(s->reader, row, err) : trace_gen_next(s->gen, row, err);
    int has_time, device = -1;
    char place[600];
    if (rc <= 0)
        return rc;
    if (row->device >= s->n_devices)
        return trace__fail(err, "%s: id %lld: column 'device': expected a device in [0, %d] (devices.count %d), found %d",
                           row_place(s, place, sizeof place), (long long)row->id, s->n_devices - 1, s->n_devices,
                           row->device);
    if (row->turn > 1) {
        /* Later turns: released by the run loop, on the dialogue's device. */
        if (row->device >= 0 && row->device != s->dialogue_device)
            return trace__fail(err, "%s: id %lld: dialogue %lld: expected device %d as on turn 1, found %d",
                               row_place(s, place, sizeof place), (long long)row->id, (long long)row->dialogue_id,
                               s->dialogue_device, row->device);
        row->device = s->dialogue_device;
        row->t_arr_s = NAN;
        return 1;
    }
    has_time = !isnan(row->t_arr_s);
    if (s->times_given == -1)
        s->times_given = has_time; /* the first arrival decides for the whole trace */
    if (has_time != s->times_given)
        return trace__fail(err, "%s: id %lld: expected %s, found %s (a trace gives the times of all its arrivals or of none)",
                           row_place(s, place, sizeof place), (long long)row->id,
                           s->times_given ? "a t_arr_s" : "no t_arr_s", has_time ? "one" : "none");
    if (!s->times_given) {
        row->t_arr_s = trace_arrival_next(s->arrival, &device);
        if (device >= 0 && row->device >= 0)
            return trace__fail(err, "%s: id %lld: expected no device (trace.arrival.per_device draws them), found %d",
                               row_place(s, place, sizeof place), (long long)row->id, row->device);
        if (device >= 0)
            row->device = device;
    }
    if (row->device < 0)
        row->device = (int)gsl_rng_uniform_int(s->pick, (unsigned long)s->n_devices);
    if (row->turn == 1) {
        s->dialogue = row->dialogue_id;
        s->dialogue_device = row->device;
    }
    return 1;
}

const char *trace_source_model_name(const trace_source *s, int i)
{
    if (s->reader)
        return trace_model_name(s->reader, i);
    const char *const *names;
    return i >= 0 && i < trace_gen_model_columns(s->gen, &names) ? names[i] : NULL;
}
