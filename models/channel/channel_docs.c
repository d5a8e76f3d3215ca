/* channel_docs.c -- the channel's model registries as the Markdown tables
 * of docs/CHANNEL.md: one row per registry entry, its name and its formula
 * with the source, so the page lists exactly the models the keys accept. */
#include "channel_int.h"

#include <string.h>

static void pathloss_rows(FILE *out)
{
    for (const channel_pathloss_model *const *m = channel_pathloss_models; *m; m++)
        fprintf(out, "| `%s` | %s |\n", (*m)->name, (*m)->source);
}

static void rate_rows(FILE *out)
{
    for (const channel_rate_model *const *m = channel_rate_models; *m; m++)
        fprintf(out, "| `%s` | %s |\n", (*m)->name, (*m)->source);
}

static void fading_rows(FILE *out)
{
    for (const channel_fading_model *const *m = channel_fading_models; *m; m++)
        fprintf(out, "| `%s` | %s |\n", (*m)->name, (*m)->source);
}

static void mobility_rows(FILE *out)
{
    for (const mobility_model *const *m = mobility_models; *m; m++)
        fprintf(out, "| `%s` | %s |\n", (*m)->name, (*m)->summary);
}

typedef struct registry_table {
    const char *name;
    const char *key;      /* the scenario key that chooses from it */
    const char *column;   /* what the second column says */
    void (*rows)(FILE *out);
} registry_table;

static const registry_table tables[] = {
    {"pathloss", "channel.pathloss.model", "loss, dB (source)", pathloss_rows},
    {"rate", "channel.rate.model", "SNR to rate (source)", rate_rows},
    {"fading", "channel.fading.model", "small-scale gain (source)", fading_rows},
    {"mobility", "devices.mobility.model", "motion (source)", mobility_rows},
};
#define N_TABLES (sizeof tables / sizeof tables[0])

const char *channel_registry_name(int i)
{
    return i >= 0 && (size_t)i < N_TABLES ? tables[i].name : NULL;
}

int channel_registry_print(const char *registry, FILE *out)
{
    for (size_t i = 0; i < N_TABLES; i++)
        if (strcmp(tables[i].name, registry) == 0) {
            fprintf(out, "| `%s` | %s |\n|---|---|\n", tables[i].key, tables[i].column);
            tables[i].rows(out);
            return 0;
        }
    return -1;
}
