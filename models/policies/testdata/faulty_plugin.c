/* faulty_plugin.c -- broken policy plug-ins for tests/test_policy_plugin.c
 * (refused at load: FAULT_NO_SYMBOL, _VERSION, _CLASH, _NO_DECIDE) and
 * tests/cli/plugin_faults.sh (misbehaving in a run: the others).  Compiled
 * once per fault (FAULT_*), each time into its own shared object.  The run
 * faults strike at query FAULT_QUERY (default 5) or in create. */
#include <stdio.h>
#include <stdlib.h>

#include "edgesim/policy.h"

#ifndef FAULT_QUERY
#define FAULT_QUERY 5
#endif

#ifdef FAULT_NO_SYMBOL
/* Exports something, but not edgesim_policy_plugin. */
int not_a_policy(void);
int not_a_policy(void) { return 42; }
#else
#ifndef FAULT_NO_DECIDE
static volatile int zero, seven = 7; /* volatile: the compiler cannot see the faults coming */

static route decide(void *state, const policy_view *v)
{
    (void)state;
    if (v->query_id != FAULT_QUERY)
        return ROUTE_LARGE;
#if defined(FAULT_SEGV)
    return (route)*(volatile int *)(size_t)zero; /* NULL dereference: SIGSEGV */
#elif defined(FAULT_FPE)
    return (route)(seven / zero); /* integer division by zero: SIGFPE */
#elif defined(FAULT_ABORT)
    abort();
#elif defined(FAULT_LOOP)
    /* A test waiting for the loop to start names a file to create. */
    const char *mark = getenv("EDGESIM_TEST_LOOPING");
    FILE *f = mark ? fopen(mark, "w") : NULL;
    if (f)
        fclose(f);
    while (zero == 0) /* zero stays 0: for ever */
        zero = 0;
    return ROUTE_SMALL;
#elif defined(FAULT_EXIT)
    exit(0);
#elif defined(FAULT_BAD_ROUTE)
    return (route)7;
#else
    return ROUTE_LARGE;
#endif
}
#endif

#if defined(FAULT_DERIVED_NULL) || defined(FAULT_DERIVED_ENDLESS)
static int derived(const void *state, int i, const char **name, double *value)
{
    (void)state;
#ifdef FAULT_DERIVED_NULL
    *name = i == 0 ? "ok" : NULL; /* the second value has no name */
#else
    *name = "again"; /* never returns -1 */
#endif
    *value = i;
    return 0;
}
#endif

#ifdef FAULT_LOOP_CREATE
static int create(void **state, const double *params, char *err, size_t errlen)
{
    (void)state, (void)params, (void)err, (void)errlen;
    while (zero == 0)
        zero = 0;
    return -1;
}
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
#ifdef FAULT_LOOP_CREATE
    .create = create,
#endif
#if defined(FAULT_DERIVED_NULL) || defined(FAULT_DERIVED_ENDLESS)
    .derived = derived,
#endif
};

const policy_type *edgesim_policy_plugin(void)
{
    return &type;
}
#endif
