/*
 * gil: a global interpreter lock, built the way CPython builds its own.
 *
 * One lock that a thread must hold to run "bytecode" (units of interpreter work).
 * Three modes:
 *   GIL_MODE_NEW   CPython 3.2+ (Python/ceval_gil.c): a waiter that sees a whole switch
 *                  interval pass with no switch raises a drop request; the holder, which
 *                  calls gil_eval_breaker() between units, then lets go and waits until
 *                  another thread has really taken the lock (forced switching).
 *   GIL_MODE_OLD   Python 2: the holder lets go and takes the lock straight back every
 *                  `check_interval` units (ticks). No drop request, no forced switching.
 *   GIL_MODE_NONE  no lock at all: every call is a cheap no-op (plain C threads).
 *
 * Usage, in each thread:  gil_acquire(g); loop { work; gil_eval_breaker(g); } gil_release(g);
 * Around a blocking call the holder releases and re-acquires, as CPython's
 * Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS do (see interp.h).
 *
 * Thread-safety: gil_acquire, gil_release, gil_eval_breaker and gil_get_stats may be
 * called from any number of threads at once; gil_init and gil_destroy may not (call them
 * before the threads start and after they have been joined). A thread must not acquire
 * the GIL it already holds, nor release one it does not hold.
 *
 * Errors: gil_init and gil_parse_mode return 0 or a negative errno value. The others
 * cannot fail: a pthread call that fails on a valid GIL is a bug, and they abort
 * (die_on_bug() in lib/die.h). gil.c takes and releases the GIL; gil_base.c (given) does
 * the rest.
 */
#ifndef CONCLAB_GIL_H
#define CONCLAB_GIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* CPython's default switch interval, sys.getswitchinterval() == 0.005. */
#define GIL_DEFAULT_INTERVAL_NS (5 * 1000 * 1000LL)

/* Python 2's default check interval, sys.getcheckinterval() == 100 ticks. */
#define GIL_DEFAULT_CHECK_INTERVAL 100

enum gil_mode { GIL_MODE_NONE, GIL_MODE_NEW, GIL_MODE_OLD };

struct gil {
    /* Set by gil_init(), read-only afterwards: no lock needed to read them. */
    enum gil_mode mode;
    int64_t interval_ns;     /* new GIL: how long a waiter waits before a drop request */
    uint64_t check_interval; /* old GIL: units between two let-gos */

    pthread_mutex_t mutex;      /* protects every field below except drop_request, ticks */
    pthread_cond_t cond;        /* signalled when `locked` becomes false */
    pthread_cond_t switch_cond; /* signalled when a thread takes the lock (forced switch) */
    bool locked;                /* mutex: some thread holds the GIL */
    const void *last_holder;    /* mutex: identity of the thread that took it last */
    uint64_t switch_number;     /* mutex: times the GIL went to a different thread */
    uint64_t drop_requests;     /* mutex: times a waiter raised the drop request */
    uint64_t forced_drops;      /* mutex: times the holder let go because of a request */
    uint64_t tick_drops;        /* mutex: old GIL: times the holder let go after its ticks */

    /* Written under mutex, read without it by the holder in gil_eval_breaker(): atomic. */
    atomic_bool drop_request;
    /* Owned by the current holder (the GIL itself protects it): old GIL tick count. */
    uint64_t ticks;
};

/* A snapshot of the counters. */
struct gil_stats {
    uint64_t switches;      /* the GIL went to a thread other than its last holder */
    uint64_t drop_requests; /* new GIL: a waiter waited a whole interval and asked */
    uint64_t forced_drops;  /* new GIL: the holder let go because it was asked */
    uint64_t tick_drops;    /* old GIL: the holder let go after check_interval ticks */
};

/* Sets up an unheld GIL. interval_ns is the switch interval of the new GIL (0 means
 * GIL_DEFAULT_INTERVAL_NS); the old GIL lets go every GIL_DEFAULT_CHECK_INTERVAL units
 * (see gil_set_check_interval). Returns 0, -EINVAL for a bad mode or a negative interval,
 * or the -errno of a failed pthread call. Nothing to free on failure. */
int gil_init(struct gil *gil, enum gil_mode mode, int64_t interval_ns);

/* Releases the resources of an unheld GIL that no thread uses any more. */
void gil_destroy(struct gil *gil);

/* Old GIL only: let go every `ticks` calls of gil_eval_breaker() (ticks >= 1). Call it
 * before the threads start. */
void gil_set_check_interval(struct gil *gil, uint64_t ticks);

/* Blocks until the calling thread holds the GIL. New GIL: if a whole interval passes
 * with no switch, raises the drop request. */
void gil_acquire(struct gil *gil);

/* Gives the GIL up and wakes a waiter. New GIL: if a drop request is pending, returns
 * only once another thread has taken the GIL (forced switching). */
void gil_release(struct gil *gil);

/* Called by the holder between units of work. New GIL: lets go and re-acquires when a
 * drop request is pending (one atomic load otherwise). Old GIL: lets go and re-acquires
 * at once every check_interval calls. */
void gil_eval_breaker(struct gil *gil);

/* Copies the counters into *stats (all zero in GIL_MODE_NONE). Thread-safe. */
void gil_get_stats(struct gil *gil, struct gil_stats *stats);

/* "new", "old" or "none" into *mode: returns 0, else -EINVAL (*mode unchanged). */
int gil_parse_mode(const char *text, enum gil_mode *mode);

/* "new", "old" or "none". The string is static. */
const char *gil_mode_name(enum gil_mode mode);

#endif
