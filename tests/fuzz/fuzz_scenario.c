/* fuzz_scenario.c -- libFuzzer target for scenario files (`make fuzz`).
 *
 * The input is a scenario file's text, written to a file in a private
 * temporary folder and loaded with scenario_file_load, as `edgesim run` does.
 * What must hold: no crash, leak or undefined behaviour (the fuzz build has
 * ASan and UBSan); a failed load has a message that names the file; a loaded
 * scenario resolves its first and last sweep points.  tests/test_scenario_fuzz.c
 * mutates the shipped scenarios under ctest; this target explores by coverage.
 * Regression inputs: tests/fuzz/corpus/scenario. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/run/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The folder, made once per process (relative trace paths resolve in it, to
 * files that do not exist). */
static const char *scenario_path(void)
{
    static char path[300];
    if (!path[0]) {
        char dir[] = "/tmp/edgesim-fuzz-scenario-XXXXXX";
        if (!mkdtemp(dir))
            abort();
        snprintf(path, sizeof path, "%s/s.json", dir);
    }
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = scenario_path();
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    scenario_file sf;
    char err[1024] = "";
    if (scenario_file_load(&sf, path, NULL, 0, err, sizeof err) != 0) {
        if (!strstr(err, path))
            abort(); /* a message that does not name the file */
        return 0;
    }
    int points[2] = {0, sf.n_points - 1};
    for (int i = 0; i < 2; i++) {
        scenario sc;
        cJSON *pj = NULL;
        if (scenario_resolve(&sf, points[i], &sc, &pj, err, sizeof err) != 0)
            abort(); /* loading resolves every point: this one must too */
        cJSON_Delete(pj);
    }
    scenario_file_free(&sf);
    return 0;
}
