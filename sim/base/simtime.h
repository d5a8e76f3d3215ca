/* simtime.h -- simulated time: int64 nanoseconds.
 *
 * All simulated time inside edgesim is an integer count of nanoseconds since
 * the start of the run, so that sums over millions of events never drift and
 * event order never depends on floating-point rounding.  Seconds (double) are
 * used only at the edges: scenario keys, model formulas and records.
 */
#ifndef EDGESIM_SIMTIME_H
#define EDGESIM_SIMTIME_H

#include <math.h>
#include <stdint.h>

typedef int64_t sim_time;

#define SIM_NS_PER_S 1000000000LL
#define SIM_TIME_NEVER INT64_MAX /* "no event pending" */

/* Seconds to nanoseconds, rounded to the nearest nanosecond.  Callers keep
 * arguments within +-9.2e9 s (asserted by the engine when scheduling). */
static inline sim_time sim_time_from_s(double seconds)
{
    return (sim_time)llround(seconds * 1e9);
}

static inline double sim_time_to_s(sim_time t)
{
    return (double)t / 1e9;
}

#endif
