/*
 * Graded tests of lab 01, part A: spinner_thread and its Event.
 */
#include "graded.h"
#include "spin_check.h"

#include <string.h>

#define PROGRAM "spinner_thread"

GRADED(thread, draws_ten_frames_a_second_and_clears_the_line)
{
    spin_test_rate(PROGRAM);
}

GRADED(thread, stops_as_soon_as_slow_returns)
{
    spin_test_stop_latency(PROGRAM);
}

GRADED(thread, does_not_busy_wait)
{
    spin_test_no_busy_wait(PROGRAM);
}

GRADED(thread, spins_in_a_second_thread)
{
    struct run_handle h;
    spin_start(&h, PROGRAM, "--seconds", "1", NULL);
    spin_wait_for_first_frame(&h, PROGRAM);
    struct spin_samples s;
    spin_sample(&h, 0.3, &s);
    struct run_result r;
    run_finish(&h, &r);
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract(PROGRAM, &r, &o, 3);
    if (s.valid > 0)
        cr_assert(s.min_threads == 2 && s.max_threads == 2,
                  "while it spins, spinner_thread should have 2 threads (main runs slow(), "
                  "one spins); /proc showed %d to %d",
                  s.min_threads, s.max_threads);
    cr_assert(s.valid > 0, "could not look at spinner_thread in /proc while it ran");
    run_result_free(&r);
}

GRADED(thread, keeps_spinning_during_a_prime_check)
{
    /* 2^58 + 69 is prime: about half a second of trial division here. */
    struct run_result r;
    spin_run(&r, 20, PROGRAM, "--slow=prime", "--prime", "288230376151711813", NULL);
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract(PROGRAM, &r, &o, 3);
    cr_assert(o.prime_line, "expected a line '288230376151711813 is prime ...'. output: %s",
              spin_excerpt(r.out));
    run_result_free(&r);
}
