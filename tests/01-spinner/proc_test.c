/*
 * Graded tests of lab 01, part B: spinner_proc, its process-shared event and the
 * child's lifecycle.
 */
#include "graded.h"
#include "spin_check.h"

#include <signal.h>
#include <string.h>
#include <time.h>

#define PROGRAM "spinner_proc"

GRADED(proc, draws_ten_frames_a_second_and_clears_the_line)
{
    spin_test_rate(PROGRAM);
}

GRADED(proc, stops_as_soon_as_slow_returns)
{
    spin_test_stop_latency(PROGRAM);
}

GRADED(proc, does_not_busy_wait)
{
    spin_test_no_busy_wait(PROGRAM);
}

GRADED(proc, spins_in_exactly_one_child_and_reaps_it)
{
    struct run_handle h;
    spin_start(&h, PROGRAM, "--seconds", "0.6", NULL);
    spin_wait_for_first_frame(&h, PROGRAM);
    struct spin_samples s;
    spin_sample(&h, 0.3, &s);
    struct run_result r;
    run_finish(&h, &r);
    if (s.valid > 0) {
        cr_assert(s.min_children == 1 && s.max_children == 1,
                  "while it spins, spinner_proc should have exactly one child process (the "
                  "spinner); /proc showed %d to %d",
                  s.min_children, s.max_children);
        cr_assert(s.max_threads == 1 && s.max_child_threads == 1,
                  "parent and child should have one thread each; /proc showed %d and %d",
                  s.max_threads, s.max_child_threads);
    }
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract(PROGRAM, &r, &o, 3);
    cr_assert(r.leftover_processes == 0,
              "spinner_proc left %d process(es) behind (a zombie or a child still "
              "running): the parent must waitpid() for its child before it exits",
              r.leftover_processes);
    cr_assert(s.valid > 0, "could not look at spinner_proc in /proc while it ran");
    run_result_free(&r);
}

GRADED(proc, keeps_spinning_during_a_prime_check)
{
    struct run_result r;
    spin_run(&r, 20, PROGRAM, "--slow=prime", "--prime", "288230376151711813", NULL);
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract(PROGRAM, &r, &o, 3);
    cr_assert(o.prime_line, "expected a line '288230376151711813 is prime ...'. output: %s",
              spin_excerpt(r.out));
    cr_assert(r.leftover_processes == 0, "spinner_proc left %d process(es) behind",
              r.leftover_processes);
    run_result_free(&r);
}

GRADED(proc, cleans_up_after_ctrl_c)
{
    struct run_handle h;
    spin_start(&h, PROGRAM, "--seconds", "5", NULL);
    spin_wait_for_first_frame(&h, PROGRAM);
    pid_t children[8];
    int count = proc_children(h.pid, children, 8);
    /* What a terminal does on Ctrl-C: SIGINT to the whole foreground process group. */
    struct timespec pause = {0, 150 * 1000000L};
    nanosleep(&pause, NULL);
    kill(-h.pid, SIGINT);
    struct run_result r;
    run_finish(&h, &r);
    cr_assert(count == 1,
              "before Ctrl-C, spinner_proc should have one child; /proc "
              "showed %d",
              count);
    cr_assert(!r.timed_out && r.wall_s < 3,
              "after Ctrl-C (SIGINT to the process group) spinner_proc should end at once; "
              "it %s after %.1f s",
              r.timed_out ? "was still running" : "ended", r.wall_s);
    bool by_sigint = (r.signaled && r.signal == SIGINT) || (r.exited && r.exit_code == 130);
    cr_assert(by_sigint,
              "after Ctrl-C, spinner_proc should die of SIGINT (or exit 130), but it %s %d",
              r.exited ? "exited with" : "was killed by signal", r.exited ? r.exit_code : r.signal);
    cr_assert(r.leftover_processes == 0,
              "after Ctrl-C spinner_proc left %d process(es) behind: the parent must stop "
              "and reap its child even when interrupted (no zombie, no orphan)",
              r.leftover_processes);
    run_result_free(&r);
}
