/*
 * event: a one-shot flag that threads can wait on, like Python's threading.Event.
 *
 * One thread sets it; any number of threads wait for it, each with a timeout. Once set
 * it stays set. Built from a mutex, a condition variable on CLOCK_MONOTONIC (so that a
 * change of the wall clock cannot stretch or cut a timeout) and a flag.
 *
 * All functions are thread-safe, none is async-signal-safe. The struct is the
 * caller's memory; event_destroy() releases what event_init() created. Only event_init()
 * can fail; in the others a failing pthread call is a bug, and they abort (die_on_bug()).
 */
#ifndef CONCLAB_EVENT_H
#define CONCLAB_EVENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct event {
    pthread_mutex_t mutex; /* protects is_set */
    pthread_cond_t cond;   /* signalled (broadcast) when is_set becomes true */
    bool is_set;           /* protected by mutex */
};

/* Initializes an unset event. Returns 0, or the negative errno of the pthread call that
 * failed (pthreads return it positive: negate it); then there is nothing to destroy. */
int event_init(struct event *ev);

/* Releases the mutex and the condition variable. No thread may be waiting. */
void event_destroy(struct event *ev);

/* Sets the event and wakes every thread waiting for it. */
void event_set(struct event *ev);

/* true if the event has been set. */
bool event_is_set(struct event *ev);

/* Waits until the event is set or `timeout_ns` nanoseconds have passed (a negative
 * timeout waits without limit). Returns true if the event is set, false on timeout:
 * Python's Event.wait(timeout). Returns at once if the event is already set. A wake-up
 * that does not come from event_set() does not end the wait early. */
bool event_wait(struct event *ev, int64_t timeout_ns);

#endif
