/* fuzz_trace.c -- libFuzzer target for the trace readers (`make fuzz`).
 *
 * The first input byte picks the format (even: CSV, odd: JSONL); the rest is
 * the text, read from memory up to its first NUL (trace_open_string takes a C
 * string; NUL bytes in files are covered by tests/test_trace_fuzz.c).  Every
 * row must be valid and every error must start with the name and a line.
 * Built and run by `make fuzz` (clang, tests/fuzz/CMakeLists.txt) on the
 * regression inputs in tests/fuzz/corpus/trace, then for a few seconds. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *format, *name;
    char *text;
    trace_error err;
    trace_row row;
    trace_reader *r;
    int64_t last_id = -1;
    int rc = -1;
    if (size == 0)
        return 0;
    format = (data[0] & 1) ? "jsonl" : "csv";
    name = (data[0] & 1) ? "f.jsonl" : "f.csv";
    text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    err.msg[0] = 0;
    r = trace_open_string(text, format, name, &err);
    if (r) {
        while ((rc = trace_next(r, &row, &err)) == 1) {
            if (row.in_tokens < 1 || row.out_tokens < 1 || !(row.p_large >= 0 && row.p_large <= 1) ||
                !(row.q_small >= 0 && row.q_small <= 1) || !(row.q_large >= 0 && row.q_large <= 1) ||
                row.id <= last_id || (row.dialogue_id == -1) != (row.turn == 0))
                abort();
            last_id = row.id;
        }
        trace_close(r);
    }
    if (rc < 0) {
        size_t n = strlen(name);
        if (strncmp(err.msg, name, n) != 0 || err.msg[n] != ':' || err.msg[n + 1] < '0' || err.msg[n + 1] > '9')
            abort();
    }
    free(text);
    return 0;
}
