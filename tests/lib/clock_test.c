#include "clock.h"

#include <criterion/criterion.h>

Test(clock, is_monotonic_and_sleeps_at_least_as_asked)
{
    int64_t t0 = clock_now_ns();
    cr_assert_eq(clock_sleep_ns(20 * CLOCK_NS_PER_MS), 0);
    int64_t slept = clock_now_ns() - t0;
    cr_assert_geq(slept, 20 * CLOCK_NS_PER_MS, "slept only %lld ns", (long long)slept);
    cr_assert_lt(slept, 5 * CLOCK_NS_PER_S, "slept %lld ns for 20 ms", (long long)slept);
}

Test(clock, timespecs_round_trip)
{
    int64_t values[] = {0, 1, 999999999, 1000000000, 123456789012345LL, -1, -1500000000LL};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        struct timespec ts = clock_timespec_from_ns(values[i]);
        cr_assert(ts.tv_nsec >= 0 && ts.tv_nsec < CLOCK_NS_PER_S);
        cr_assert_eq(clock_ns_from_timespec(ts), values[i]);
    }
}

Test(clock, deadlines_are_in_the_future)
{
    int64_t now = clock_now_ns();
    int64_t deadline = clock_ns_from_timespec(clock_deadline_after_ns(CLOCK_NS_PER_S));
    cr_assert_geq(deadline - now, CLOCK_NS_PER_S);
    cr_assert_lt(deadline - now, 2 * CLOCK_NS_PER_S);
    int64_t past = clock_ns_from_timespec(clock_deadline_after_ns(-5));
    cr_assert_geq(past, now);
}
