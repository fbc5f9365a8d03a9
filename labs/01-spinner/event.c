#include "event.h"

#include "clock.h"

#include <errno.h>
#include <stdlib.h>

/* TODO(lab 01, part A): implement the event of event.h with its mutex, condition
 * variable and flag, so that:
 *   - a timeout is measured on CLOCK_MONOTONIC, which setting the wall clock cannot move;
 *   - a wake-up that event_set() did not cause neither ends a wait nor stretches it;
 *   - event_set() releases every waiter, not just one.
 * Concept: a condition variable is waited on for a condition, which only the flag,
 * read under the mutex, can tell. The stubs below compile and return quickly, but
 * wrongly. */

int event_init(struct event *ev)
{
    ev->is_set = false;
    return 0;
}

void event_destroy(struct event *ev)
{
}

void event_set(struct event *ev)
{
}

bool event_is_set(struct event *ev)
{
    return false;
}

bool event_wait(struct event *ev, int64_t timeout_ns)
{
    return true; /* wrong: claims "set" without waiting */
}
