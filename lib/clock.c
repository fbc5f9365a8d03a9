#include "clock.h"

#include <errno.h>

int64_t clock_now_ns(void)
{
    struct timespec now;
    /* CLOCK_MONOTONIC cannot fail with a valid pointer, so the result is not checked. */
    clock_gettime(CLOCK_MONOTONIC, &now);
    return clock_ns_from_timespec(now);
}

double clock_seconds(void)
{
    return (double)clock_now_ns() / (double)CLOCK_NS_PER_S;
}

struct timespec clock_timespec_from_ns(int64_t ns)
{
    struct timespec ts = {
        .tv_sec = (time_t)(ns / CLOCK_NS_PER_S),
        .tv_nsec = (long)(ns % CLOCK_NS_PER_S),
    };
    if (ts.tv_nsec < 0) { /* keep tv_nsec in [0, 1e9) for negative inputs */
        ts.tv_sec -= 1;
        ts.tv_nsec += CLOCK_NS_PER_S;
    }
    return ts;
}

int64_t clock_ns_from_timespec(struct timespec ts)
{
    return (int64_t)ts.tv_sec * CLOCK_NS_PER_S + ts.tv_nsec;
}

struct timespec clock_deadline_after_ns(int64_t ns_from_now)
{
    if (ns_from_now < 0)
        ns_from_now = 0;
    return clock_timespec_from_ns(clock_now_ns() + ns_from_now);
}

int clock_sleep_ns(int64_t ns)
{
    /* An absolute deadline makes the retry after EINTR sleep only what is left. */
    struct timespec deadline = clock_deadline_after_ns(ns);
    for (;;) {
        int err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL);
        if (err == 0)
            return 0;
        if (err != EINTR)
            return -err;
    }
}
