/* sink_buffer.c -- one run handed from the thread that runs it to the one
 * writer (`edgesim run -j N`, record.h).  With SINK_RECORDS_ALL it keeps
 * the records in a list of fixed chunks: the running thread appends and
 * publishes each full chunk, and the writer may stream them into the
 * database while the run goes on (sink_buffer_drain), freeing each chunk it
 * has written; with SINK_RECORDS_RUNS only the run's figures (fixed size,
 * figures_int.h), written when the run has ended.
 *
 * One thread writes into the buffer (the sink calls), one other drains it.
 * What the writer may read is published with release stores and read with
 * acquire loads: the count of records, and the state (begun, ended). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures_int.h"
#include "sim/run/record.h"

/* Records per chunk (about 330 bytes each): the writer sees a run's records
 * a chunk at a time. */
#define CHUNK_RECORDS 1024

typedef struct chunk {
    struct chunk *next;
    record r[CHUNK_RECORDS];
} chunk;

enum { RUN_NOT_BEGUN, RUN_BEGUN, RUN_ENDED };

typedef struct buffer_sink {
    sink base;
    sink_records mode;
    /* Written by the running thread before it publishes `state`: */
    run_info info;
    char *strings[14];          /* owned copies behind info's pointers */
    int ok;
    run_stats stats;
    run_figures fig;
    chunk *tail;                /* the chunk being filled */
    size_t n;                   /* records appended */
    atomic_size_t published;    /* records the writer may read */
    atomic_int state;           /* RUN_NOT_BEGUN, RUN_BEGUN, RUN_ENDED */
    /* The writer's: */
    chunk *head;                /* the first chunk not freed */
    size_t taken;               /* records written into `to` */
    int to_begun;               /* the run is begun in `to` */
    int settled;                /* 0, or drain's final answer (1 or -1) */
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
    atomic_store_explicit(&b->state, RUN_BEGUN, memory_order_release);
    return 0;
}

static int buffer_write(sink *base, const record *r)
{
    buffer_sink *b = (buffer_sink *)base;
    if (b->mode == SINK_RECORDS_RUNS) {
        figures_add(&b->fig, &b->info, r);
        return 0;
    }
    size_t at = b->n % CHUNK_RECORDS;
    if (at == 0 && b->n > 0) {
        chunk *c = malloc(sizeof *c);
        if (!c) {
            snprintf(base->err, sizeof base->err, "run buffer: out of memory");
            return -1;
        }
        c->next = NULL;
        b->tail->next = c;
        b->tail = c;
    }
    b->tail->r[at] = *r;
    b->n++;
    if (b->n % CHUNK_RECORDS == 0) /* a full chunk (and the link to it) for the writer */
        atomic_store_explicit(&b->published, b->n, memory_order_release);
    return 0;
}

static int buffer_end_run(sink *base, const run_stats *st, int ok)
{
    buffer_sink *b = (buffer_sink *)base;
    b->stats = *st;
    b->ok = ok;
    atomic_store_explicit(&b->published, b->n, memory_order_release);
    atomic_store_explicit(&b->state, RUN_ENDED, memory_order_release);
    return 0;
}

static void buffer_close(sink *base)
{
    buffer_sink *b = (buffer_sink *)base;
    for (int i = 0; i < (int)(sizeof b->strings / sizeof b->strings[0]); i++)
        free(b->strings[i]);
    for (chunk *c = b->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
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
    atomic_init(&b->published, 0);
    atomic_init(&b->state, RUN_NOT_BEGUN);
    if (mode == SINK_RECORDS_RUNS && figures_init(&b->fig) != 0) {
        free(b);
        return NULL;
    }
    if (mode == SINK_RECORDS_ALL && !(b->head = b->tail = calloc(1, sizeof *b->head))) {
        free(b);
        return NULL;
    }
    return &b->base;
}

/* A write into `to` failed: end the run there as failed (removing it),
 * keeping why the write failed and adding what the removal left.  The
 * run's figures are read only once it has ended. */
static int write_failed(buffer_sink *b, sink *to, int ended)
{
    char why[sizeof to->err];
    memcpy(why, to->err, sizeof why);
    run_stats none;
    memset(&none, 0, sizeof none);
    if (to->type->end_run(to, ended ? &b->stats : &none, 0) != 0 && to->err[0]) {
        char note[sizeof to->err];
        memcpy(note, to->err, sizeof note);
        snprintf(to->err, sizeof to->err, "%.500s; %.500s", why, note);
    } else {
        memcpy(to->err, why, sizeof why);
    }
    return b->settled = -1;
}

int sink_buffer_drain(sink *base, sink *to)
{
    buffer_sink *b = (buffer_sink *)base;
    if (b->settled)
        return b->settled;
    int state = atomic_load_explicit(&b->state, memory_order_acquire);
    if (state == RUN_ENDED && !b->ok) {
        /* Failed or interrupted: nothing of it stays in `to`. */
        if (b->to_begun && to->type->end_run(to, &b->stats, 0) != 0)
            return b->settled = -1; /* to->err says what is left of it */
        return b->settled = 1;
    }
    if (state == RUN_NOT_BEGUN || (state == RUN_BEGUN && b->mode == SINK_RECORDS_RUNS))
        return 0;
    if (!b->to_begun) {
        if (to->type->begin_run(to, &b->info) != 0)
            return b->settled = -1;
        b->to_begun = 1;
    }
    size_t avail = atomic_load_explicit(&b->published, memory_order_acquire);
    for (; b->taken < avail; b->taken++) {
        if (b->taken % CHUNK_RECORDS == 0 && b->taken > 0) { /* the head chunk is written */
            chunk *done = b->head;
            b->head = done->next;
            free(done);
        }
        if (to->type->write(to, &b->head->r[b->taken % CHUNK_RECORDS]) != 0)
            return write_failed(b, to, state == RUN_ENDED);
    }
    if (state != RUN_ENDED)
        return 0;
    if (b->mode == SINK_RECORDS_RUNS && sink_sqlite__take_figures(to, &b->fig) != 0)
        return write_failed(b, to, 1);
    if (to->type->end_run(to, &b->stats, 1) != 0)
        return b->settled = -1;
    return b->settled = 1;
}
