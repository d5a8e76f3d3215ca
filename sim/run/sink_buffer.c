/* sink_buffer.c -- one run kept in memory for replay into another sink by a
 * single writer (`edgesim run -j N`, record.h).  With SINK_RECORDS_ALL it
 * keeps the records (a growable array); with SINK_RECORDS_RUNS only the
 * run's figures (fixed size, figures_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures_int.h"
#include "sim/run/record.h"

typedef struct buffer_sink {
    sink base;
    sink_records mode;
    run_info info;
    char *strings[14];          /* owned copies behind info's pointers */
    int begun, ended, ok;
    record *records;
    size_t n, cap;
    run_figures fig;
    run_stats stats;
} buffer_sink;

static char *dup_str(buffer_sink *b, int slot, const char *s)
{
    if (!s)
        return NULL;
    b->strings[slot] = strdup(s);
    return b->strings[slot];
}

static int buffer_begin_run(sink *base, const run_info *info)
{
    buffer_sink *b = (buffer_sink *)base;
    b->info = *info;
    const char **fields[] = {&b->info.scenario_name, &b->info.scenario_json, &b->info.sweep_point,
                             &b->info.policy,        &b->info.policy_params, &b->info.policy_derived,
                             &b->info.version,       &b->info.started_at,    &b->info.config_hash,
                             &b->info.group_key,     &b->info.point_key,     &b->info.config_label};
    for (int i = 0; i < (int)(sizeof fields / sizeof fields[0]); i++) {
        const char *src = *fields[i];
        *fields[i] = dup_str(b, i, src);
        if (src && !*fields[i]) {
            snprintf(base->err, sizeof base->err, "run buffer: out of memory");
            return -1;
        }
    }
    b->begun = 1;
    return 0;
}

static int buffer_write(sink *base, const record *r)
{
    buffer_sink *b = (buffer_sink *)base;
    if (b->mode == SINK_RECORDS_RUNS) {
        figures_add(&b->fig, &b->info, r);
        return 0;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        record *grown = realloc(b->records, cap * sizeof *grown);
        if (!grown) {
            snprintf(base->err, sizeof base->err, "run buffer: out of memory");
            return -1;
        }
        b->records = grown;
        b->cap = cap;
    }
    b->records[b->n++] = *r;
    return 0;
}

static int buffer_end_run(sink *base, const run_stats *st, int ok)
{
    buffer_sink *b = (buffer_sink *)base;
    b->stats = *st;
    b->ended = 1;
    b->ok = ok;
    return 0;
}

static void buffer_close(sink *base)
{
    buffer_sink *b = (buffer_sink *)base;
    for (int i = 0; i < (int)(sizeof b->strings / sizeof b->strings[0]); i++)
        free(b->strings[i]);
    free(b->records);
    figures_free(&b->fig);
    free(b);
}

static int buffer_resume(sink *base, const char *config_hash)
{
    (void)base;
    (void)config_hash;
    return 0; /* the writer's sink is asked before the run is started */
}

static const sink_type buffer_type = {"buffer",     buffer_begin_run, buffer_write,       buffer_end_run,
                                      buffer_close, buffer_resume};

sink *sink_buffer_create(sink_records mode)
{
    buffer_sink *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->base.type = &buffer_type;
    b->mode = mode;
    if (mode == SINK_RECORDS_RUNS && figures_init(&b->fig) != 0) {
        free(b);
        return NULL;
    }
    return &b->base;
}

int sink_buffer_replay(sink *base, sink *to)
{
    buffer_sink *b = (buffer_sink *)base;
    if (!b->begun || !b->ended || !b->ok)
        return 0;
    if (to->type->begin_run(to, &b->info) != 0)
        return -1;
    if (b->mode == SINK_RECORDS_RUNS) {
        if (sink_sqlite__take_figures(to, &b->fig) != 0)
            return -1;
    } else {
        for (size_t i = 0; i < b->n; i++)
            if (to->type->write(to, &b->records[i]) != 0) {
                /* Keep why the write failed; add what removing the run left. */
                char why[sizeof to->err];
                memcpy(why, to->err, sizeof why);
                if (to->type->end_run(to, &b->stats, 0) != 0 && to->err[0]) {
                    char note[sizeof to->err];
                    memcpy(note, to->err, sizeof note);
                    snprintf(to->err, sizeof to->err, "%.500s; %.500s", why, note);
                } else {
                    memcpy(to->err, why, sizeof why);
                }
                return -1;
            }
    }
    return to->type->end_run(to, &b->stats, 1);
}
