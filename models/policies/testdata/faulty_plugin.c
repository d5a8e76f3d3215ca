/* faulty_plugin.c -- broken policy plug-ins for tests/test_policy_plugin.c.
 * Compiled once per fault (FAULT_*), each time into its own shared object. */
#include "edgesim/policy.h"

#ifdef FAULT_NO_SYMBOL
/* Exports something, but not edgesim_policy_plugin. */
int not_a_policy(void);
int not_a_policy(void) { return 42; }
#else
#ifndef FAULT_NO_DECIDE
static route decide(void *state, const policy_view *v) { return ROUTE_LARGE; }
#endif

static const policy_type type = {
#ifdef FAULT_VERSION
    .api_version = EDGESIM_POLICY_API_VERSION + 1,
#else
    .api_version = EDGESIM_POLICY_API_VERSION,
#endif
#ifdef FAULT_CLASH
    .name = "oracle",
#else
    .name = "faulty",
#endif
    .summary = "a broken plug-in",
#ifndef FAULT_NO_DECIDE
    .decide = decide,
#endif
};

const policy_type *edgesim_policy_plugin(void)
{
    return &type;
}
#endif
