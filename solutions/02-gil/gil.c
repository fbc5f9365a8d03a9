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

/* Marks the GIL taken by the calling thread. Called with gil->mutex held. */
static void gil_take_locked(struct gil *gil)
{
    gil->locked = true;
    if (gil->last_holder != gil_self()) {
        gil->last_holder = gil_self();
        gil->switch_number++;
    }
    /* A holder waiting in a forced release learns here that the switch happened. */
    die_on_bug("pthread_cond_broadcast", pthread_cond_broadcast(&gil->switch_cond));
    /* Whoever asked for the GIL has it now: the request is answered. */
    atomic_store(&gil->drop_request, false);
    gil->ticks = 0;
}

/* New GIL: wait one interval at a time; a whole interval without a switch means the
 * holder is CPU-bound and must be asked to let go. */
static void gil_acquire_new(struct gil *gil)
{
    die_on_bug("pthread_mutex_lock", pthread_mutex_lock(&gil->mutex));
    while (gil->locked) {
        uint64_t saved_switch = gil->switch_number;
        struct timespec deadline = clock_deadline_after_ns(gil->interval_ns);
        int error = pthread_cond_timedwait(&gil->cond, &gil->mutex, &deadline);
        if (error != ETIMEDOUT)
            die_on_bug("pthread_cond_timedwait", error);
        if (error == ETIMEDOUT && gil->locked && gil->switch_number == saved_switch) {
            if (!atomic_load(&gil->drop_request))
                gil->drop_requests++;
            atomic_store(&gil->drop_request, true);
        }
    }
    gil_take_locked(gil);
    die_on_bug("pthread_mutex_unlock", pthread_mutex_unlock(&gil->mutex));
}

/* Old GIL: a plain lock. Whoever gets the mutex first after a release wins, and on a
 * multi-core machine that is nearly always the thread that just released. */
static void gil_acquire_old(struct gil *gil)
{
    die_on_bug("pthread_mutex_lock", pthread_mutex_lock(&gil->mutex));
    while (gil->locked)
        die_on_bug("pthread_cond_wait", pthread_cond_wait(&gil->cond, &gil->mutex));
    gil_take_locked(gil);
    die_on_bug("pthread_mutex_unlock", pthread_mutex_unlock(&gil->mutex));
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
    die_on_bug("pthread_mutex_lock", pthread_mutex_lock(&gil->mutex));
    gil->locked = false;
    die_on_bug("pthread_cond_signal", pthread_cond_signal(&gil->cond));
    if (forced) {
        gil->forced_drops++;
        while (gil->last_holder == gil_self())
            die_on_bug("pthread_cond_wait", pthread_cond_wait(&gil->switch_cond, &gil->mutex));
    }
    die_on_bug("pthread_mutex_unlock", pthread_mutex_unlock(&gil->mutex));
}

void gil_release(struct gil *gil)
{
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
            die_on_bug("pthread_mutex_lock", pthread_mutex_lock(&gil->mutex));
            gil->tick_drops++;
            die_on_bug("pthread_mutex_unlock", pthread_mutex_unlock(&gil->mutex));
            gil_acquire_old(gil);
        }
    }
}
