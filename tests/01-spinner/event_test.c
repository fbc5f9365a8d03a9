/*
 * Graded tests of lab 01, part A: the Event (event.c), called directly.
 */
#include "graded.h"

#include "clock.h"
#include "event.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define MS CLOCK_NS_PER_MS

static double elapsed_ms(int64_t since)
{
    return (double)(clock_now_ns() - since) / 1e6;
}

static void init(struct event *ev)
{
    memset(ev, 0, sizeof *ev);
    cr_assert_eq(event_init(ev), 0, "event_init() failed");
}

GRADED(event, wait_returns_at_once_when_set)
{
    struct event ev;
    init(&ev);
    cr_assert(!event_is_set(&ev), "a new event should not be set");
    event_set(&ev);
    cr_assert(event_is_set(&ev), "event_is_set() should be true after event_set()");
    int64_t start = clock_now_ns();
    bool set = event_wait(&ev, 5000 * MS);
    double ms = elapsed_ms(start);
    cr_assert(set, "event_wait() on a set event should return true");
    cr_assert(ms < 500,
              "event_wait(5 s) on a set event should return at once; it took "
              "%.0f ms: check the flag before waiting",
              ms);
    event_set(&ev); /* setting twice is harmless */
    cr_assert(event_wait(&ev, 0), "a set event stays set");
    event_destroy(&ev);
}

GRADED(event, wait_honours_the_timeout)
{
    struct event ev;
    init(&ev);
    int64_t start = clock_now_ns();
    bool set = event_wait(&ev, 150 * MS);
    double ms = elapsed_ms(start);
    cr_assert(!set, "event_wait() on an event nobody sets should return false on timeout");
    cr_assert(ms >= 140,
              "event_wait(150 ms) returned after %.0f ms: the timeout must be "
              "waited out (an absolute deadline on CLOCK_MONOTONIC)",
              ms);
    cr_assert(ms < 2000,
              "event_wait(150 ms) took %.0f ms: is the deadline computed on "
              "the clock the condition variable uses?",
              ms);
    start = clock_now_ns();
    set = event_wait(&ev, 0);
    cr_assert(!set && elapsed_ms(start) < 500,
              "event_wait(0) on an unset event should return false at once");
    event_destroy(&ev);
}

struct waiter {
    struct event *ev;
    int64_t timeout_ns;
    bool result;
    int64_t returned_ns;
};

static void *wait_thread(void *arg)
{
    struct waiter *w = arg;
    w->result = event_wait(w->ev, w->timeout_ns);
    w->returned_ns = clock_now_ns();
    return NULL;
}

GRADED(event, set_releases_every_waiter)
{
    enum { WAITERS = 4 };
    struct event ev;
    init(&ev);
    pthread_t threads[WAITERS];
    struct waiter w[WAITERS];
    for (int i = 0; i < WAITERS; i++) {
        /* One waiter waits without limit, the others with a long timeout. */
        w[i] = (struct waiter){.ev = &ev, .timeout_ns = i == 0 ? -1 : 5000 * MS};
        cr_assert_eq(pthread_create(&threads[i], NULL, wait_thread, &w[i]), 0);
    }
    clock_sleep_ns(150 * MS);
    int64_t set_at = clock_now_ns();
    event_set(&ev);
    for (int i = 0; i < WAITERS; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < WAITERS; i++) {
        double after = (double)(w[i].returned_ns - set_at) / 1e6;
        cr_assert(w[i].returned_ns >= set_at,
                  "waiter %d returned %.0f ms before event_set() was called: a wait must "
                  "last until the event is set or the timeout passes",
                  i, -after);
        cr_assert(w[i].result, "waiter %d: event_wait() should return true once set", i);
        cr_assert(after < 1000,
                  "waiter %d returned %.0f ms after event_set(): every "
                  "waiter must be woken (broadcast, not signal)",
                  i, after);
    }
    event_destroy(&ev);
}

struct poker {
    struct event *ev;
    _Atomic bool stop;
};

/* Wakes the event's waiters without setting it: what a spurious wake-up looks like. */
static void *poke_thread(void *arg)
{
    struct poker *p = arg;
    while (!p->stop) {
        clock_sleep_ns(20 * MS);
        pthread_mutex_lock(&p->ev->mutex);
        pthread_cond_broadcast(&p->ev->cond);
        pthread_mutex_unlock(&p->ev->mutex);
    }
    return NULL;
}

GRADED(event, wait_survives_spurious_wakeups)
{
    struct event ev;
    init(&ev);
    struct poker p = {.ev = &ev};
    pthread_t poker;
    cr_assert_eq(pthread_create(&poker, NULL, poke_thread, &p), 0);
    int64_t start = clock_now_ns();
    bool set = event_wait(&ev, 300 * MS);
    double ms = elapsed_ms(start);
    p.stop = true;
    pthread_join(poker, NULL);
    cr_assert(!set && ms >= 280,
              "with the condition variable woken every 20 ms but the event never set, "
              "event_wait(300 ms) returned %s after %.0f ms: a wake-up does not mean the "
              "event is set; re-check the flag in a loop until the deadline",
              set ? "true" : "false", ms);
    event_destroy(&ev);
}
