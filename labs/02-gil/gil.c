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
 */
#include "gil.h"

#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each thread's identity: the address of its own copy of this variable. Compare
 * gil->last_holder with GIL_SELF to know whether the calling thread took the GIL last. */
static _Thread_local char gil_thread_tag __attribute__((unused));
#define GIL_SELF ((const void *)&gil_thread_tag)

/* A pthread call on a valid, initialised GIL cannot fail; if it does, the program is
 * broken and going on would break mutual exclusion. Stop, as CPython's Py_FatalError. */
static void gil_check(int error, const char *call)
{
    if (error != 0) {
        fprintf(stderr, "gil: %s: %s\n", call, strerror(error));
        abort();
    }
}

int gil_init(struct gil *gil, enum gil_mode mode, int64_t interval_ns)
{
    if (mode != GIL_MODE_NONE && mode != GIL_MODE_NEW && mode != GIL_MODE_OLD)
        return -EINVAL;
    if (interval_ns < 0)
        return -EINVAL;
    memset(gil, 0, sizeof *gil);
    gil->mode = mode;
    gil->interval_ns = interval_ns == 0 ? GIL_DEFAULT_INTERVAL_NS : interval_ns;
    gil->check_interval = GIL_DEFAULT_CHECK_INTERVAL;
    atomic_init(&gil->drop_request, false);
    if (mode == GIL_MODE_NONE)
        return 0;

    /* The condition variables use CLOCK_MONOTONIC, so a wall-clock change cannot
     * stretch or cut a switch interval. */
    pthread_condattr_t attr;
    int error = pthread_condattr_init(&attr);
    if (error != 0)
        return -error;
    error = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (error != 0)
        goto out_attr;
    error = pthread_mutex_init(&gil->mutex, NULL);
    if (error != 0)
        goto out_attr;
    error = pthread_cond_init(&gil->cond, &attr);
    if (error != 0)
        goto out_mutex;
    error = pthread_cond_init(&gil->switch_cond, &attr);
    if (error != 0)
        goto out_cond;
    pthread_condattr_destroy(&attr);
    return 0;

out_cond:
    pthread_cond_destroy(&gil->cond);
out_mutex:
    pthread_mutex_destroy(&gil->mutex);
out_attr:
    pthread_condattr_destroy(&attr);
    return -error;
}

void gil_destroy(struct gil *gil)
{
    if (gil->mode == GIL_MODE_NONE)
        return;
    pthread_cond_destroy(&gil->switch_cond);
    pthread_cond_destroy(&gil->cond);
    pthread_mutex_destroy(&gil->mutex);
}

void gil_set_check_interval(struct gil *gil, uint64_t ticks)
{
    gil->check_interval = ticks == 0 ? 1 : ticks;
}

/* TODO(lab 02, part A): write a helper that marks the GIL taken by the calling thread
 * (gil->mutex held): locked, last_holder, and switch_number when the holder changes.
 * TODO(lab 02, part B): taking the GIL also answers a pending drop request, and tells a
 * holder waiting in a forced release that the switch happened. Concept: the GIL's state,
 * and which lock protects each field of it (see gil.h). */

void gil_acquire(struct gil *gil)
{
    /* TODO(lab 02, part A): block until the GIL is free and take it, sleeping on
     * gil->cond meanwhile (never spinning). New GIL: wait one switch interval at a time;
     * the old GIL may wait with no timeout. Concept: a lock built from a mutex, a flag
     * and a condition variable.
     * TODO(lab 02, part B): new GIL: when a wait timed out and no switch happened during
     * it, raise the drop request (and count it). Concept: why a waiter must ask. */
    (void)gil;
}

void gil_release(struct gil *gil)
{
    /* TODO(lab 02, part A): give the GIL up and wake a waiter. Concept: signalling a
     * condition after changing the state it is about.
     * TODO(lab 02, part B): new GIL: when a drop request is pending the release is
     * forced: count it, and do not return before another thread has taken the GIL.
     * Concept: forced switching. */
    (void)gil;
}

void gil_eval_breaker(struct gil *gil)
{
    /* TODO(lab 02, part B): the holder's check between units of work. New GIL: when a
     * drop request is pending, let go (a forced release) and take the GIL back;
     * otherwise cost next to nothing (one atomic load). Concept: the eval breaker.
     * TODO(lab 02, part C): old GIL: let go and take it straight back every
     * check_interval calls, counting tick_drops. Concept: why Python 2's GIL starved
     * waiters on a multi-core machine. */
    (void)gil;
}

void gil_get_stats(struct gil *gil, struct gil_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    if (gil->mode == GIL_MODE_NONE)
        return;
    gil_check(pthread_mutex_lock(&gil->mutex), "pthread_mutex_lock");
    stats->switches = gil->switch_number;
    stats->drop_requests = gil->drop_requests;
    stats->forced_drops = gil->forced_drops;
    stats->tick_drops = gil->tick_drops;
    gil_check(pthread_mutex_unlock(&gil->mutex), "pthread_mutex_unlock");
}

int gil_parse_mode(const char *text, enum gil_mode *mode)
{
    static const enum gil_mode modes[] = {GIL_MODE_NEW, GIL_MODE_OLD, GIL_MODE_NONE};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (text != NULL && strcmp(text, gil_mode_name(modes[i])) == 0) {
            *mode = modes[i];
            return 0;
        }
    }
    return -EINVAL;
}

const char *gil_mode_name(enum gil_mode mode)
{
    switch (mode) {
    case GIL_MODE_NEW:
        return "new";
    case GIL_MODE_OLD:
        return "old";
    case GIL_MODE_NONE:
        return "none";
    }
    return "?";
}
