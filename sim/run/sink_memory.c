/* sink_memory.c -- records kept in memory (tests and in-process analysis). */
#include <stdio.h>
#include <stdlib.h>

#include "sim/run/record.h"

static int mem_begin_run(sink *base, const run_info *info)
{
    sink_memory *m = (sink_memory *)base;
    m->runs_begun++;
    m->run_start = m->n;
    return 0;
}

static int mem_write(sink *base, const record *r)
{
    sink_memory *m = (sink_memory *)base;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        record *grown = realloc(m->records, cap * sizeof *grown);
        if (!grown) {
            snprintf(base->err, sizeof base->err, "memory sink: out of memory");
            return -1;
        }
        m->records = grown;
        m->cap = cap;
    }
    m->records[m->n++] = *r;
    return 0;
}

static int mem_end_run(sink *base, const run_stats *st, int ok)
{
    sink_memory *m = (sink_memory *)base;
    m->last = *st;
    if (ok) {
        m->runs_complete++;
    } else {
        m->runs_failed++;
        m->n = m->run_start; /* the contract of record.h: a failed run leaves nothing */
    }
    return 0;
}

static void mem_close(sink *base)
{
    sink_memory *m = (sink_memory *)base;
    free(m->records);
    free(m);
}

static int mem_resume(sink *base, const char *config_hash)
{
    return 0; /* the memory sink keeps records, not identities */
}

static const sink_type memory_type = {"memory", mem_begin_run, mem_write, mem_end_run, mem_close, mem_resume};

sink *sink_memory_create(void)
{
    sink_memory *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->base.type = &memory_type;
    return &m->base;
}
