/* sim.h -- the discrete-event engine.
 *
 * The engine orders events and calls one handler; it knows nothing about
 * radios or LLMs.  Events are small fixed-size records (kind, id, arg) kept in
 * an array-backed 4-ary heap ordered by (time, insertion sequence), so ties
 * are broken FIFO and every run is deterministic.  Cancellation is lazy: a
 * cancelled event stays in the heap, marked dead, and is skipped on pop.
 *
 * No globals: any number of engines may live in one process.  The engine
 * never calls malloc once its arrays have grown to the run's high-water mark.
 */
#ifndef EDGESIM_SIM_H
#define EDGESIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "sim/base/simtime.h"

typedef struct sim sim;

typedef struct sim_event {
    sim_time time;   /* when it fires, ns */
    uint32_t kind;   /* meaning defined by the handler's owner */
    uint32_t id;     /* entity id (query, device, ...) */
    uint64_t arg;    /* free payload */
} sim_event;

/* Opaque handle for cancellation; 0 is never a valid handle. */
typedef uint64_t sim_handle;

/* Called for each event in order.  The handler may schedule and cancel. */
typedef void sim_handler(void *ctx, sim *s, const sim_event *ev);

/* Returns NULL on allocation failure.  The caller owns the engine. */
sim *sim_create(sim_handler *handler, void *ctx);
void sim_destroy(sim *s);

/* Schedule an event at absolute time `at` (at >= sim_now(s), asserted).
 * Returns its handle, or 0 if memory ran out. */
sim_handle sim_schedule(sim *s, sim_time at, uint32_t kind, uint32_t id, uint64_t arg);

/* Cancel a pending event.  Returns 1 if it was pending, 0 if it had already
 * fired, was cancelled before, or the handle is 0. */
int sim_cancel(sim *s, sim_handle h);

/* Execute the earliest live event.  Returns 1 if one ran, 0 if none is left. */
int sim_step(sim *s);

/* Execute every live event with time <= until, then set the clock to `until`
 * (unless until == SIM_TIME_NEVER).  Returns the number of events executed. */
uint64_t sim_run_until(sim *s, sim_time until);

/* Ask sim_run_until to return after the current event (for interrupts). */
void sim_stop(sim *s);

sim_time sim_now(const sim *s);
size_t sim_pending(const sim *s);      /* live events in the queue */
uint64_t sim_executed(const sim *s);   /* events run so far */
sim_time sim_next_time(sim *s);        /* earliest live event, or SIM_TIME_NEVER */

#endif
