/*
 * interp: a tiny simulated interpreter that runs "bytecode" under a GIL.
 *
 * A unit is a fixed piece of CPU work (about a microsecond), standing for a few
 * bytecodes. interp_run() executes units and calls gil_eval_breaker() between them, as
 * CPython's eval loop does; interp_blocking_sleep() releases the GIL around a blocking
 * call, as Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS do around time.sleep().
 *
 * It also watches how many threads are inside a unit at the same moment: under a
 * working GIL never more than one.
 * Thread-safety: every function may be called from many threads on one struct interp,
 * except interp_init().
 */
#ifndef CONCLAB_INTERP_H
#define CONCLAB_INTERP_H

#include "gil.h"

#include <stdatomic.h>
#include <stdint.h>

struct interp {
    struct gil *gil;        /* set by interp_init(), read-only; not owned */
    atomic_int running;     /* atomic: threads inside a unit right now */
    atomic_int max_running; /* atomic: the most threads ever seen inside a unit at once */
};

/* Binds an interpreter to a GIL (which the caller owns and has initialised). */
void interp_init(struct interp *interp, struct gil *gil);

/* One unit of CPU work, outside any GIL bookkeeping: pure, thread-safe. Returns a value
 * that depends on `seed`, so the compiler cannot drop the work. */
uint64_t interp_unit(uint64_t seed);

/* Runs `units` units while holding the GIL, calling gil_eval_breaker() before each.
 * The caller must hold the GIL. Returns a checksum of the work. */
uint64_t interp_run(struct interp *interp, uint64_t units);

/* A blocking call: releases the GIL, sleeps `ns` nanoseconds, takes the GIL back.
 * The caller must hold the GIL. Returns 0 or the -errno of the sleep. */
int interp_blocking_sleep(struct interp *interp, int64_t ns);

/* The most threads that were ever inside a unit at the same time (0 before any). */
int interp_max_overlap(struct interp *interp);

#endif
