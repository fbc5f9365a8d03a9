#include "event.h"

#include "clock.h"
#include "die.h"

#include <errno.h>

int event_init(struct event *ev)
{
    ev->is_set = false;
    int err = pthread_mutex_init(&ev->mutex, NULL);
    if (err != 0)
        return -err; /* pthreads return a positive error number */

    /* Timeouts are measured on CLOCK_MONOTONIC, not on the settable wall clock. */
    pthread_condattr_t attr;
    err = pthread_condattr_init(&attr);
    if (err == 0) {
        err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        if (err == 0)
            err = pthread_cond_init(&ev->cond, &attr);
        pthread_condattr_destroy(&attr);
    }
    if (err != 0)
        pthread_mutex_destroy(&ev->mutex);
    return -err;
}

void event_destroy(struct event *ev)
{
    pthread_cond_destroy(&ev->cond);
    pthread_mutex_destroy(&ev->mutex);
}

/* Locking a valid, initialized, non-recursive mutex we do not hold cannot fail; if it
 * does, memory is corrupt and stopping is the only safe choice. */
static void lock(struct event *ev)
{
    die_on_bug("pthread_mutex_lock", pthread_mutex_lock(&ev->mutex));
}

static void unlock(struct event *ev)
{
    die_on_bug("pthread_mutex_unlock", pthread_mutex_unlock(&ev->mutex));
}

void event_set(struct event *ev)
{
    lock(ev);
    ev->is_set = true;
    /* Broadcast, not signal: every waiter must see it, not just one. */
    die_on_bug("pthread_cond_broadcast", pthread_cond_broadcast(&ev->cond));
    unlock(ev);
}

bool event_is_set(struct event *ev)
{
    lock(ev);
    bool set = ev->is_set;
    unlock(ev);
    return set;
}

bool event_wait(struct event *ev, int64_t timeout_ns)
{
    /* One absolute deadline for the whole wait, so that wake-ups do not extend it. */
    struct timespec deadline = clock_deadline_after_ns(timeout_ns);
    lock(ev);
    /* A loop, not an if: pthread_cond_(timed)wait may return without a broadcast
     * (a spurious wake-up), and the flag is the only truth. */
    while (!ev->is_set) {
        int err = timeout_ns < 0 ? pthread_cond_wait(&ev->cond, &ev->mutex)
                                 : pthread_cond_timedwait(&ev->cond, &ev->mutex, &deadline);
        if (err == ETIMEDOUT)
            break;
        die_on_bug("pthread_cond_wait", err);
    }
    bool set = ev->is_set;
    unlock(ev);
    return set;
}
