/* policies_int.h -- helpers shared by the built-in policies (private to
 * models/policies). */
#ifndef EDGESIM_POLICIES_INT_H
#define EDGESIM_POLICIES_INT_H

#include <stddef.h>

/* A policy_type `create` for a policy whose state is its one parameter:
 * *state is a malloc'd double holding params[0] (read it as
 * *(const double *)state; the type's destroy is `free`).  0, or -1 with
 * "out of memory" in err. */
int policy_create_one_double(void **state, const double *params, char *err, size_t errlen);

#endif
