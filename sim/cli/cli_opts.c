/* cli_opts.c -- the scenario options shared by the commands that load a
 * scenario (run, slurm, channel), on top of the option parser (opts.h). */
#include "cli_int.h"

#include <string.h>

#include "sim/run/scenario.h"

void cli__sets_init(cli_sets *s)
{
    memset(s, 0, sizeof *s);
    s->list.items = s->items;
    s->list.cap = MAX_SETS - 2; /* room for --seed and --replications */
    s->seed = s->replications = -1;
}

/* The range of top-level scenario key `name`. */
static void key_range(const char *name, double *lo, double *hi)
{
    for (const key_spec *k = scenario_keys; k->name; k++) {
        if (strcmp(k->name, name) == 0) {
            *lo = k->min;
            *hi = k->max;
            return;
        }
    }
    *lo = *hi = 0;
}

opt_def cli__opt_set(cli_sets *s)
{
    return (opt_def){"--set", 0, OPT_LIST, &s->list, 0, 0, "KEY.PATH=VALUE",
                 "override a scenario key; VALUE is JSON or a bare string\n"
                 "(repeatable; `edgesim keys` lists the keys; policies.N.KEY\n"
                 "and policy.KEY set a policy's parameter)",
                 0};
}

opt_def cli__opt_plugin_timeout(double *seconds)
{
    return (opt_def){"--plugin-timeout", 0, OPT_NUM, seconds, 0, 1e6, "S",
                     "longest one plug-in call may last, s (default 10;\n"
                     "0: no limit; docs/POLICIES.md \"Faulty plug-ins\")",
                     0};
}

opt_def cli__opt_seed(cli_sets *s)
{
    opt_def o = {"--seed", 0, OPT_INT, &s->seed, 0, 0, "N", "same as --set seed=N (given last)", 0};
    key_range("seed", &o.lo, &o.hi);
    return o;
}

opt_def cli__opt_replications(cli_sets *s)
{
    opt_def o = {"--replications", 0, OPT_INT, &s->replications, 0, 0, "N",
             "same as --set replications=N (given last)", 0};
    key_range("replications", &o.lo, &o.hi);
    return o;
}

char *const *cli__sets_finish(cli_sets *s, int *n)
{
    /* list.cap leaves two free slots. */
    if (s->seed >= 0) {
        snprintf(s->owned[0], sizeof s->owned[0], "seed=%ld", s->seed);
        s->items[s->list.n++] = s->owned[0];
    }
    if (s->replications >= 0) {
        snprintf(s->owned[1], sizeof s->owned[1], "replications=%ld", s->replications);
        s->items[s->list.n++] = s->owned[1];
    }
    s->seed = s->replications = -1; /* appended once */
    *n = s->list.n;
    return (char *const *)s->items;
}
