/*
 * event_driver: runs the student's event (event.c) for the graded tests of lab 01, part A.
 *
 * The tests (event_test.c) hold no student code: they start this program, built from the
 * student's event.c, send it commands on stdin and judge what it prints; they time the
 * reports themselves. Each command is one line; each report is one line, written whole
 * (a lock keeps threads' lines apart). There is one event at a time, "the event".
 *
 *   new              destroys the event if there is one, and event_init()s a fresh one:
 *                    "new RC"
 *   is-set           event_is_set(): "is-set 0|1"
 *   set              event_set(): "set"
 *   wait MS          event_wait(MS ms; negative: no limit) in the main thread: "waited 0|1"
 *   spawn N MS       N threads: each reports "started I", calls event_wait(MS ms) and
 *                    reports "returned I 0|1" (I counts every thread spawned, from 0)
 *   poke MS N        a thread wakes the event's condition variable every MS ms, N times,
 *                    under its mutex, without setting the event: to the waiters this is a
 *                    spurious wake-up. "poking", and once done "poked N"
 *   clock-probe MS   a timed wait on the event's condition variable itself, its deadline
 *                    MS ms ahead on CLOCK_MONOTONIC (clock_deadline_after_ns): it lasts MS
 *                    ms only if the condition variable is on CLOCK_MONOTONIC.
 *                    "clock-probe RC" (RC: what pthread_cond_timedwait returned)
 *   join S           joins every thread started so far within S s: "joined", or "stuck"
 *                    (and the driver ends)
 *   stress T R       R rounds, each on a fresh event: T threads wait for it while the main
 *                    thread sets it after a moment. Thread i polls event_is_set() and
 *                    event_wait(0), yielding between polls, if i % 3 == 0, waits in one
 *                    event_wait() without limit if i % 3 == 1, and alternates
 *                    event_is_set() and event_wait(1 ms) if i % 3 == 2: so that under
 *                    ThreadSanitizer every way of reading the flag meets the write.
 *                    "stress released N early E" (N: threads that saw the event set; E: of
 *                    them, those that saw it before event_set() was called), or "stress
 *                    stuck" if a thread has not returned 10 s after the set (the driver
 *                    then ends). A command it cannot parse ends
 * it with status 2. At end of input it joins its threads (1 s at most) and destroys the event.
 */
#include "clock.h"
#include "event.h"

#include "driver_io.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64

static void fail(const char *what, int err)
{
    fprintf(stderr, "event_driver: %s: %s\n", what, strerror(err));
    exit(1);
}

static bool join_within(pthread_t thread, double seconds)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    int64_t ns = deadline.tv_nsec + (int64_t)(seconds * 1e9);
    deadline.tv_sec += (time_t)(ns / CLOCK_NS_PER_S);
    deadline.tv_nsec = ns % CLOCK_NS_PER_S;
    return pthread_timedjoin_np(thread, NULL, &deadline) == 0;
}

/* ------------------------------------------------------------ the event and its threads */

static struct event the_event;
static bool live; /* the_event was initialized and not destroyed */

static pthread_t threads[MAX_THREADS];
static int started; /* threads started and not joined, threads[0..started) */

struct waiter {
    int id;
    int64_t timeout_ns;
};

static struct waiter waiters[MAX_THREADS];
static int next_waiter_id;

static void *wait_thread(void *arg)
{
    struct waiter *w = arg;
    report("started %d", w->id);
    bool set = event_wait(&the_event, w->timeout_ns);
    report("returned %d %d", w->id, set);
    return NULL;
}

static void start_thread(void *(*body)(void *), void *arg)
{
    if (started == MAX_THREADS)
        fail("too many threads", EAGAIN);
    int err = pthread_create(&threads[started], NULL, body, arg);
    if (err != 0)
        fail("pthread_create", err);
    started++;
}

static bool join_all(double seconds)
{
    for (int i = 0; i < started; i++) {
        if (!join_within(threads[i], seconds))
            return false;
    }
    started = 0;
    return true;
}

struct poker {
    int64_t period_ns;
    int times;
};

static struct poker poker;

/* Wakes the event's waiters without setting it: what a spurious wake-up looks like. */
static void *poke_thread(void *arg)
{
    struct poker *p = arg;
    for (int i = 0; i < p->times; i++) {
        clock_sleep_ns(p->period_ns);
        pthread_mutex_lock(&the_event.mutex);
        pthread_cond_broadcast(&the_event.cond);
        pthread_mutex_unlock(&the_event.mutex);
    }
    report("poked %d", p->times);
    return NULL;
}

/* A timed wait on the event's own condition variable with a CLOCK_MONOTONIC deadline:
 * on a condition variable left on CLOCK_REALTIME that deadline lies decades in the past. */
static int clock_probe(int64_t ns)
{
    struct timespec deadline = clock_deadline_after_ns(ns);
    pthread_mutex_lock(&the_event.mutex);
    int rc;
    do
        rc = pthread_cond_timedwait(&the_event.cond, &the_event.mutex, &deadline);
    while (rc == 0 || rc == EINTR);
    pthread_mutex_unlock(&the_event.mutex);
    return rc;
}

/* ------------------------------------------------------------ stress */

struct stress_round {
    struct event ev;
    atomic_bool set_called;
    atomic_int released, early;
};

enum stress_kind { STRESS_SPINS, STRESS_BLOCKS, STRESS_POLLS };

struct stresser {
    struct stress_round *round;
    enum stress_kind kind;
};

static void *stress_thread(void *arg)
{
    struct stresser *s = arg;
    struct stress_round *r = s->round;
    bool set;
    switch (s->kind) {
    case STRESS_SPINS:
        /* Reads the flag over and over, yielding between reads: on a busy machine the
         * thread that sets the event must still get the CPU. (ThreadSanitizer needs no
         * luck in timing: an unordered read and write is a report whenever both happen.) */
        while (!(set = event_is_set(&r->ev) || event_wait(&r->ev, 0)))
            sched_yield();
        break;
    case STRESS_BLOCKS:
        set = event_wait(&r->ev, -1);
        break;
    default:
        do
            set = event_is_set(&r->ev) || event_wait(&r->ev, CLOCK_NS_PER_MS);
        while (!set);
    }
    if (set) {
        if (!atomic_load(&r->set_called))
            atomic_fetch_add(&r->early, 1);
        atomic_fetch_add(&r->released, 1);
    }
    return NULL;
}

static void stress(int nthreads, int rounds)
{
    int released = 0, early = 0;
    pthread_t t[MAX_THREADS];
    struct stresser s[MAX_THREADS];
    for (int round = 0; round < rounds; round++) {
        struct stress_round r = {0};
        int err = event_init(&r.ev);
        if (err != 0)
            fail("event_init", -err);
        for (int i = 0; i < nthreads; i++) {
            s[i] = (struct stresser){.round = &r, .kind = (enum stress_kind)(i % 3)};
            err = pthread_create(&t[i], NULL, stress_thread, &s[i]);
            if (err != 0)
                fail("pthread_create", err);
        }
        clock_sleep_ns((round % 4) * 250 * CLOCK_NS_PER_US);
        atomic_store(&r.set_called, true);
        event_set(&r.ev);
        for (int i = 0; i < nthreads; i++) {
            if (!join_within(t[i], 10)) {
                report("stress stuck");
                _exit(0); /* a thread waits for good: nothing more to learn */
            }
        }
        event_destroy(&r.ev);
        released += atomic_load(&r.released);
        early += atomic_load(&r.early);
    }
    report("stress released %d early %d", released, early);
}

/* ------------------------------------------------------------ commands */

int main(void)
{
    static char line[256];
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        long a = 0, b = 0;
        double seconds = 0;
        if (strcmp(line, "new") == 0) {
            if (started > 0)
                usage_error(line); /* threads may still use the event */
            if (live)
                event_destroy(&the_event);
            memset(&the_event, 0, sizeof the_event);
            int rc = event_init(&the_event);
            live = rc == 0;
            report("new %d", rc);
        } else if (strcmp(line, "is-set") == 0) {
            report("is-set %d", event_is_set(&the_event));
        } else if (strcmp(line, "set") == 0) {
            event_set(&the_event);
            report("set");
        } else if (sscanf(line, "wait %ld", &a) == 1) {
            report("waited %d", event_wait(&the_event, a < 0 ? -1 : a * CLOCK_NS_PER_MS));
        } else if (sscanf(line, "spawn %ld %ld", &a, &b) == 2 && a > 0 &&
                   next_waiter_id + a <= MAX_THREADS) {
            for (long i = 0; i < a; i++) {
                struct waiter *w = &waiters[next_waiter_id];
                *w = (struct waiter){next_waiter_id++, b < 0 ? -1 : b * CLOCK_NS_PER_MS};
                start_thread(wait_thread, w);
            }
        } else if (sscanf(line, "poke %ld %ld", &a, &b) == 2 && a > 0 && b > 0) {
            poker = (struct poker){a * CLOCK_NS_PER_MS, (int)b};
            start_thread(poke_thread, &poker);
            report("poking");
        } else if (sscanf(line, "clock-probe %ld", &a) == 1 && a > 0) {
            report("clock-probe %d", clock_probe(a * CLOCK_NS_PER_MS));
        } else if (sscanf(line, "join %lf", &seconds) == 1) {
            if (!join_all(seconds)) {
                report("stuck");
                _exit(0); /* a thread waits for good: nothing more to learn */
            }
            report("joined");
        } else if (sscanf(line, "stress %ld %ld", &a, &b) == 2 && a > 0 && a <= MAX_THREADS &&
                   b > 0) {
            stress((int)a, (int)b);
        } else {
            usage_error(line);
        }
    }
    if (!join_all(1))
        _exit(0); /* a waiter still waits: destroying the event would pull it away */
    if (live)
        event_destroy(&the_event);
    return 0;
}
