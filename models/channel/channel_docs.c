/* channel_docs.c -- the channel's model registries as the Markdown tables
 * of docs/CHANNEL.md: one row per registry entry, its name and its formula
 * with the source, so the page lists exactly the models the keys accept. */
#include "channel_int.h"

#include <stddef.h>
#include <string.h>

/* A registry: NULL-terminated pointers to structs whose first member is the
 * name (as KEY_STR_REG takes them) and whose `text` member, at text_offset,
 * is the row's second cell. */
typedef struct registry_table {
    const char *name;
    const char *key;      /* the scenario key that chooses from it */
    const char *column;   /* what the second column says */
    const void *const *entries;
    size_t text_offset;
} registry_table;

static const registry_table tables[] = {
    {"pathloss", "channel.pathloss.model", "loss, dB (source)", (const void *const *)channel_pathloss_models,
     offsetof(channel_pathloss_model, source)},
    {"rate", "channel.rate.model", "SNR to rate (source)", (const void *const *)channel_rate_models,
     offsetof(channel_rate_model, source)},
    {"fading", "channel.fading.model", "small-scale gain (source)", (const void *const *)channel_fading_models,
     offsetof(channel_fading_model, source)},
    {"mobility", "devices.mobility.model", "motion (source)", (const void *const *)mobility_models,
     offsetof(mobility_model, summary)},
};
#define N_TABLES (sizeof tables / sizeof tables[0])

const char *channel_registry_name(int i)
{
    return i >= 0 && (size_t)i < N_TABLES ? tables[i].name : NULL;
}

int channel_registry_print(const char *registry, FILE *out)
{
    for (size_t i = 0; i < N_TABLES; i++) {
        const registry_table *t = &tables[i];
        if (strcmp(t->name, registry) != 0)
            continue;
        fprintf(out, "| `%s` | %s |\n|---|---|\n", t->key, t->column);
        for (const void *const *e = t->entries; *e; e++)
            fprintf(out, "| `%s` | %s |\n", *(const char *const *)*e,
                    *(const char *const *)((const char *)*e + t->text_offset));
        return 0;
    }
    return -1;
}
