/*
 * Graded tests of lab 04, part B: the shared counter must lose no update, with
 * threads and with processes, under ThreadSanitizer, and the workers must still check
 * their numbers in parallel.
 *
 * `--delay window=US` pauses between reading the count and writing it back: with two
 * workers in that window at once, an unprotected update is lost nearly every time.
 * `--delay work=US` pauses before each primality check: it stands for the real work,
 * keeps workers running long enough to meet, and makes "in parallel" measurable with
 * sleeps, compared within one test whatever the load of the machine.
 */
#include "graded.h"
#include "primes.h"
#include "race_support.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long primes_between(uint64_t first, uint64_t last)
{
    long count = 0;
    for (uint64_t n = first; n <= last; n++)
        count += primes_is_prime(n);
    return count;
}

static const char thread_hang_hint[] =
    "The workers above that wait (futex) wait for a lock: is there a path that returns, or "
    "goes on, without unlocking the mutex it locked?";

static const char procs_hang_hint[] =
    "The worker processes above that wait (futex) wait for a lock that another process "
    "released: a mutex shared by processes must live in the MAP_SHARED page and be "
    "initialised with PTHREAD_PROCESS_SHARED (pthread_mutexattr_setpshared), or its "
    "wake-ups never reach a waiter in another process. Or a path returns without "
    "unlocking.";

/* Runs counter and checks its count. Returns the wall time of the run. */
static double run_counter(enum race_build build, const char *workers, bool procs, const char *first,
                          const char *last, const char *delay1, const char *delay2)
{
    const char *args[12] = {workers, "--range", first, last};
    size_t n = 4;
    if (procs)
        args[n++] = "--procs";
    if (delay1) {
        args[n++] = "--delay";
        args[n++] = delay1;
    }
    if (delay2) {
        args[n++] = "--delay";
        args[n++] = delay2;
    }
    const char *what = race_describe(build == RACE_TSAN ? "counter (TSan build)" : "counter", args);
    struct run_result r = race_run(build, "counter", args, NULL, 10, what,
                                   procs ? procs_hang_hint : thread_hang_hint);
    race_expect_exit(&r, 0, what, "");
    long expected = primes_between(strtoull(first, NULL, 10), strtoull(last, NULL, 10));
    const char *line = race_find_line(r.out, "primes: ");
    cr_assert(line != NULL, "%s: expected a line 'primes: N', got: %.300s", what,
              race_last_lines(r.out, 3));
    long got = strtol(line + 8, NULL, 10);
    cr_assert(got == expected,
              "%s: counted %ld primes, expected %ld (%ld updates lost). Two workers read the "
              "same count and both wrote back the same sum. Is the whole read-add-write one "
              "critical section: a lock held from the read to the write, or one atomic "
              "read-modify-write (atomic_fetch_add)? A lock around only the read or only "
              "the write, an atomic load followed by an atomic store, or a volatile count "
              "all leave a window between the read and the write; and a sleep that starts "
              "the workers apart only makes them meet less often.%s",
              what, got, expected, expected - got,
              procs ? " With --procs the lock (or the atomic count) must be in the "
                      "MAP_SHARED page: fork() copies ordinary memory, so a mutex there is "
                      "a different mutex in each process."
                    : "");
    double wall = r.wall_s;
    run_result_free(&r);
    return wall;
}

GRADED(counter, counts_every_prime_with_threads)
{
    run_counter(RACE_PLAIN, "2", false, "1", "1000", "window=100", NULL);
    run_counter(RACE_PLAIN, "4", false, "1", "2000", "window=50", NULL);
    run_counter(RACE_PLAIN, "8", false, "1", "3000", "window=20", "work=5");
    run_counter(RACE_PLAIN, "3", false, "1", "300000", NULL, NULL);
    /* Workers that run for a while (1 ms of work per number) and update often with the
     * window open: they meet, even if they were started apart. */
    run_counter(RACE_PLAIN, "2", false, "1", "400", "work=1000", "window=1000");
}

GRADED(counter, counts_every_prime_with_processes)
{
    run_counter(RACE_PLAIN, "2", true, "1", "1000", "window=100", NULL);
    run_counter(RACE_PLAIN, "4", true, "1", "2000", "window=50", NULL);
    run_counter(RACE_PLAIN, "3", true, "1", "300000", NULL, NULL);
    run_counter(RACE_PLAIN, "2", true, "1", "400", "work=1000", "window=1000");
}

GRADED(counter, is_clean_under_thread_sanitizer)
{
    run_counter(RACE_TSAN, "4", false, "1", "20000", NULL, NULL);
    run_counter(RACE_TSAN, "2", false, "1", "600", "window=100", NULL);
}

GRADED(counter, keeps_the_checks_parallel)
{
    /* 20 checks, each after a pause of 20 ms (`work`, standing for the real work).
     * Workers that take turns at the checks need 20 pauses one after another, with 1
     * worker or with 4; 4 workers whose checks overlap need about a quarter of that.
     * Sleeps can only be late, never early, and a busy machine makes them late: so the
     * test compares the best of a few 4-worker runs with the best of as many 1-worker
     * runs, taken in turns, and stops once the 4 workers are clearly faster. */
    const double pause = 0.020, bound = 0.6;
    const int numbers = 20, tries = 5;
    double one = 1e9, four = 1e9;
    /* Code with no lock at all is parallel too: it must first count right when checks
     * end together, with a 20 ms window between the read and the write of the count,
     * so that two updates that meet lose one whatever the machine's load. */
    run_counter(RACE_PLAIN, "4", false, "1", "20", "work=20000", "window=20000");
    /* At least two of each: one late run alone cannot decide. */
    for (int i = 0; i < tries && (i < 2 || four >= bound * one); i++) {
        double w1 = run_counter(RACE_PLAIN, "1", false, "1", "20", "work=20000", "window=100");
        double w4 = run_counter(RACE_PLAIN, "4", false, "1", "20", "work=20000", "window=100");
        one = w1 < one ? w1 : one;
        four = w4 < four ? w4 : four;
    }
    cr_assert(one >= 0.95 * pause * numbers && four >= 0.95 * pause * numbers / 4,
              "1 worker took %.3f s and 4 workers %.3f s, less than the %d pauses of %.0f ms "
              "(shared by the workers): did counter.c stop calling delay_at(\"work\") "
              "before each check? The tests need it.",
              one, four, numbers, pause * 1000);
    cr_assert(four < bound * one,
              "4 workers took %.3f s at best, 1 worker %.3f s at best (up to %d runs of "
              "each, taken in turns), to check %d numbers with a %.0f ms pause before each: 4 "
              "workers whose checks overlap need about a quarter of 1 worker's time, and "
              "less than %.0f%% here. The workers take turns: does a lock (or a sleep) "
              "cover the checks, instead of only the update of the count?",
              four, one, tries, numbers, pause * 1000, bound * 100);
}
