/*
 * gil: the new GIL of CPython 3.2+ and the old GIL of Python 2, as one lock.
 *
 * The new GIL (take_gil / drop_gil in CPython's Python/ceval_gil.c):
 *   acquire: while the GIL is held, wait on `cond` for at most one interval; if the wait
 *            timed out and no switch happened meanwhile, raise the drop request.
 *   release: unlock, signal a waiter; if the holder was asked to drop, wait on
 *            `switch_cond` until another thread has taken the GIL (forced switching).
 *   eval breaker: the holder checks the drop request between units of work.
 * The old GIL: acquire waits until unlocked (no timeout), release signals, and every
 * check_interval units the holder releases and immediately re-acquires.
 *
 * Setting a GIL up, its counters and its mode names are given in gil_base.c; so is
 * gil_self(), the calling thread's identity (gil_base.h). A pthread call that fails on a
 * valid GIL is a bug: stop with die_on_bug() (lib/die.h).
 */
#include "gil.h"

#include "clock.h"
#include "die.h"
#include "gil_base.h"

#include <errno.h>
#include <stdatomic.h>

/* TODO(lab 02, part A): taking the GIL, whichever way it is taken, updates its state
 * (gil.h says which field means what, and which lock protects it): write that once, as
 * a helper called with gil->mutex held. Concept: shared state and the lock that
 * protects it.
 * TODO(lab 02, part B): taking the GIL also answers a pending drop request, and tells a
 * holder waiting in a forced release that the switch happened. Concept: the handshake
 * of forced switching. */

void gil_acquire(struct gil *gil)
{
    /* TODO(lab 02, part A): block until the GIL is free, then take it, sleeping meanwhile
     * (never spinning). The new GIL waits one switch interval at a time; the old GIL may
     * wait without a timeout. Concept: a lock built from a mutex, a flag and a condition
     * variable.
     * TODO(lab 02, part B): new GIL: when a whole interval passes with no switch, raise
     * the drop request (and count it). Concept: why a waiter must ask a CPU-bound holder
     * to let go. */
}

void gil_release(struct gil *gil)
{
    /* TODO(lab 02, part A): give the GIL up and wake a waiter. Concept: signalling a
     * condition after changing the state it is about.
     * TODO(lab 02, part B): new GIL: when a drop request is pending the release is
     * forced: count it, and do not return before another thread has taken the GIL.
     * Concept: forced switching. */
}

void gil_eval_breaker(struct gil *gil)
{
    /* TODO(lab 02, part B): the holder's check between units of work. New GIL: when a
     * drop request is pending, let go (a forced release) and take the GIL back;
     * otherwise cost next to nothing. Concept: the eval breaker.
     * TODO(lab 02, part C): old GIL: let go and take it straight back every
     * check_interval calls, counting tick_drops. Concept: why Python 2's GIL starved
     * waiters on a multi-core machine. */
}
