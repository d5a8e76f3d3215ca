/* trace_format.c -- the registry of trace formats (trace.h): each a name,
 * its extensions and its reader and writer vtables. */
#include "trace_int.h"

#include <string.h>

static const char *const csv_extensions[] = {".csv", NULL};
static const trace_format csv = {"csv", csv_extensions,
                                 "RFC 4180 CSV, a header line naming the columns (any order), then one row per line",
                                 &trace__csv_reader, &trace__csv_writer};

static const char *const jsonl_extensions[] = {".jsonl", NULL};
static const trace_format jsonl = {"jsonl", jsonl_extensions,
                                   "JSON Lines: one object per line, keys the column names (any order)",
                                   &trace__jsonl_reader, &trace__jsonl_writer};

const trace_format *const trace_formats[] = {&csv, &jsonl, NULL};

const trace_format *trace_format_find(const char *name)
{
    for (const trace_format *const *f = trace_formats; *f; f++)
        if (strcmp((*f)->name, name) == 0)
            return *f;
    return NULL;
}

const trace_format *trace_format_of_path(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return NULL;
    for (const trace_format *const *f = trace_formats; *f; f++)
        for (const char *const *e = (*f)->extensions; *e; e++)
            if (strcmp(*e, dot) == 0)
                return *f;
    return NULL;
}

void trace_format_extensions(char *buf, size_t cap)
{
    size_t o = 0, n = 0, total = 0;
    const trace_format *const *f;
    const char *const *e;
    for (f = trace_formats; *f; f++)
        for (e = (*f)->extensions; *e; e++)
            total++;
    buf[0] = 0;
    for (f = trace_formats; *f; f++)
        for (e = (*f)->extensions; *e && o < cap; e++, n++)
            o += (size_t)snprintf(buf + o, cap - o, "%s%s", n == 0 ? "a " : n + 1 == total ? " or " : ", ", *e);
}
