/*
 * clock: time for measuring and for waiting.
 *
 * Every function reads CLOCK_MONOTONIC, which never jumps when the wall
 * clock is set. All functions are thread-safe and async-signal-safe.
 */
#ifndef CONCLAB_CLOCK_H
#define CONCLAB_CLOCK_H

#include <stdint.h>
#include <time.h>

#define CLOCK_NS_PER_US 1000LL
#define CLOCK_NS_PER_MS 1000000LL
#define CLOCK_NS_PER_S  1000000000LL

/* Nanoseconds since an arbitrary fixed point; only differences mean anything. */
int64_t clock_now_ns(void);

/* Seconds since the same point, as a double: Python's time.perf_counter(). */
double clock_seconds(void);

/* The absolute CLOCK_MONOTONIC time `ns_from_now` nanoseconds from now, ready for
 * pthread_cond_timedwait() on a condition variable created with
 * pthread_condattr_setclock(&attr, CLOCK_MONOTONIC). A negative delay means now. */
struct timespec clock_deadline_after_ns(int64_t ns_from_now);

/* Converts nanoseconds (absolute or relative) to a timespec and back. */
struct timespec clock_timespec_from_ns(int64_t ns);
int64_t clock_ns_from_timespec(struct timespec ts);

/* Sleeps `ns` nanoseconds, resuming after signal handlers until the full time has passed.
 * Returns 0, or -errno if clock_nanosleep() fails for another reason. */
int clock_sleep_ns(int64_t ns);

#endif
