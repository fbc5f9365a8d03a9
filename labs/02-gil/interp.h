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
 *
 * With tracing on (`--trace FILE`, lib/trace.h) it records what it sees, on each
 * thread's track: "holds the GIL" spans (cat "gil": the thread ran units and no other
 * thread started one in between; "runs (no GIL)" in GIL_MODE_NONE), "waits for the GIL"
 * spans (cat "gil": from asking for it, or from letting it go in the eval breaker, until
 * the thread holds it again), "sleeps" spans (cat "io") around a blocking call, and
 * instants (cat "gil"): "asked to drop" (the holder first sees the drop request set),
 * "forced switch" (it was asked, and another thread ran before it got the GIL back) and
 * "tick drop" (old GIL: it let go in the eval breaker and another thread ran). The
 * marks are made here, from who runs units, not from what gil.c counts.
 * Thread-safety: every function may be called from many threads on one struct interp,
 * except interp_init().
 */
#ifndef CONCLAB_INTERP_H
#define CONCLAB_INTERP_H

#include "gil.h"

#include <stdatomic.h>
#include <stdint.h>

struct interp {
    struct gil *gil;               /* set by interp_init(), read-only; not owned */
    atomic_int running;            /* atomic: threads inside a unit right now */
    atomic_int max_running;        /* atomic: the most threads ever seen inside a unit at once */
    atomic_uint_least64_t entries; /* atomic: units started, counted only when tracing */
};

/* Binds an interpreter to a GIL (which the caller owns and has initialised). */
void interp_init(struct interp *interp, struct gil *gil);

/* One unit of CPU work, outside any GIL bookkeeping: pure, thread-safe. Returns a value
 * that depends on `seed`, so the compiler cannot drop the work. */
uint64_t interp_unit(uint64_t seed);

/* gil_acquire() and gil_release() on interp's GIL, marking the wait and the end of the
 * thread's hold in the trace. A thread runs: interp_acquire, interp_run..., interp_release. */
void interp_acquire(struct interp *interp);
void interp_release(struct interp *interp);

/* Runs `units` units while holding the GIL, calling gil_eval_breaker() before each.
 * The caller must hold the GIL. Returns a checksum of the work. */
uint64_t interp_run(struct interp *interp, uint64_t units);

/* A blocking call: releases the GIL, sleeps `ns` nanoseconds, takes the GIL back.
 * The caller must hold the GIL. Returns 0 or the -errno of the sleep. */
int interp_blocking_sleep(struct interp *interp, int64_t ns);

/* The most threads that were ever inside a unit at the same time (0 before any). */
int interp_max_overlap(struct interp *interp);

#endif
