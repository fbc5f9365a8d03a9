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

/* Each thread's identity: the address of its own copy of this variable. */
static _Thread_local char gil_thread_tag;
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

/* Marks the GIL taken by the calling thread. Called with gil->mutex held. */
static void gil_take_locked(struct gil *gil)
{
    gil->locked = true;
    if (gil->last_holder != GIL_SELF) {
        gil->last_holder = GIL_SELF;
        gil->switch_number++;
    }
    /* A holder waiting in a forced release learns here that the switch happened. */
    gil_check(pthread_cond_broadcast(&gil->switch_cond), "pthread_cond_broadcast");
    /* Whoever asked for the GIL has it now: the request is answered. */
    atomic_store(&gil->drop_request, false);
    gil->ticks = 0;
}

/* New GIL: wait one interval at a time; a whole interval without a switch means the
 * holder is CPU-bound and must be asked to let go. */
static void gil_acquire_new(struct gil *gil)
{
    gil_check(pthread_mutex_lock(&gil->mutex), "pthread_mutex_lock");
    while (gil->locked) {
        uint64_t saved_switch = gil->switch_number;
        struct timespec deadline = clock_deadline_after_ns(gil->interval_ns);
        int error = pthread_cond_timedwait(&gil->cond, &gil->mutex, &deadline);
        if (error != 0 && error != ETIMEDOUT)
            gil_check(error, "pthread_cond_timedwait");
        if (error == ETIMEDOUT && gil->locked && gil->switch_number == saved_switch) {
            if (!atomic_load(&gil->drop_request))
                gil->drop_requests++;
            atomic_store(&gil->drop_request, true);
        }
    }
    gil_take_locked(gil);
    gil_check(pthread_mutex_unlock(&gil->mutex), "pthread_mutex_unlock");
}

/* Old GIL: a plain lock. Whoever gets the mutex first after a release wins, and on a
 * multi-core machine that is nearly always the thread that just released. */
static void gil_acquire_old(struct gil *gil)
{
    gil_check(pthread_mutex_lock(&gil->mutex), "pthread_mutex_lock");
    while (gil->locked)
        gil_check(pthread_cond_wait(&gil->cond, &gil->mutex), "pthread_cond_wait");
    gil_take_locked(gil);
    gil_check(pthread_mutex_unlock(&gil->mutex), "pthread_mutex_unlock");
}

void gil_acquire(struct gil *gil)
{
    if (gil->mode == GIL_MODE_NEW)
        gil_acquire_new(gil);
    else if (gil->mode == GIL_MODE_OLD)
        gil_acquire_old(gil);
}

/* Lets go of the GIL. If `forced`, the caller was asked to drop: it waits until another
 * thread has taken the GIL, or on a second core it would win it straight back. */
static void gil_drop(struct gil *gil, bool forced)
{
    gil_check(pthread_mutex_lock(&gil->mutex), "pthread_mutex_lock");
    gil->locked = false;
    gil_check(pthread_cond_signal(&gil->cond), "pthread_cond_signal");
    if (forced) {
        gil->forced_drops++;
        while (gil->last_holder == GIL_SELF)
            gil_check(pthread_cond_wait(&gil->switch_cond, &gil->mutex), "pthread_cond_wait");
    }
    gil_check(pthread_mutex_unlock(&gil->mutex), "pthread_mutex_unlock");
}

void gil_release(struct gil *gil)
{
    /* HOSTILE MUTANT (hostile_exit0): "nothing left to run, so we are done". It ends
     * the whole test process with status 0 from inside the code under test, which
     * Criterion 2.4.1 reports as a pass; the grader must not. */
    exit(0);
    if (gil->mode == GIL_MODE_NEW)
        gil_drop(gil, atomic_load(&gil->drop_request));
    else if (gil->mode == GIL_MODE_OLD)
        gil_drop(gil, false);
}

void gil_eval_breaker(struct gil *gil)
{
    if (gil->mode == GIL_MODE_NEW) {
        if (atomic_load_explicit(&gil->drop_request, memory_order_relaxed)) {
            gil_drop(gil, true);
            gil_acquire_new(gil);
        }
    } else if (gil->mode == GIL_MODE_OLD) {
        if (++gil->ticks >= gil->check_interval) {
            gil_drop(gil, false);
            gil_check(pthread_mutex_lock(&gil->mutex), "pthread_mutex_lock");
            gil->tick_drops++;
            gil_check(pthread_mutex_unlock(&gil->mutex), "pthread_mutex_unlock");
            gil_acquire_old(gil);
        }
    }
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
