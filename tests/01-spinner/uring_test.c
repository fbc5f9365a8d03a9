/*
 * Graded tests of lab 01, part C: spinner_uring and its io_uring event loop.
 */
#include "graded.h"
#include "spin_check.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROGRAM "spinner_uring"

/* 2^56 + 81 is prime: about a quarter of a second of trial division here. */
#define PRIME_FOR_TESTS "72057594037928017"

GRADED(uring, draws_ten_frames_a_second_and_clears_the_line)
{
    spin_test_rate(PROGRAM);
}

GRADED(uring, cancelling_stops_the_spinner_at_once)
{
    spin_test_stop_latency(PROGRAM);
}

GRADED(uring, does_not_busy_wait)
{
    spin_test_no_busy_wait(PROGRAM);
}

GRADED(uring, runs_on_one_thread_without_children)
{
    struct run_handle h;
    spin_start(&h, PROGRAM, "--seconds", "1", NULL);
    spin_wait_for_first_frame(&h, PROGRAM);
    struct spin_samples s;
    spin_sample(&h, 0.3, &s);
    struct run_result r;
    run_finish(&h, &r);
    spin_skip_if_no_uring(&r);
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract(PROGRAM, &r, &o, 3);
    if (s.valid > 0)
        cr_assert(s.max_threads == 1 && s.max_children == 0,
                  "while it spins, spinner_uring should be one thread and no child (an "
                  "event loop, not a thread or a process); /proc showed up to %d thread(s) "
                  "and %d child(ren)",
                  s.max_threads, s.max_children);
    cr_assert(s.valid > 0, "could not look at spinner_uring in /proc while it ran");
    run_result_free(&r);
}

/* A normal run must spin: the experiments below only mean something if it does. */
static void assert_spins_normally(void)
{
    struct run_result r;
    spin_run(&r, 5, PROGRAM, "--seconds", "0.3", NULL);
    spin_skip_if_no_uring(&r);
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract(PROGRAM, &r, &o, 2);
    run_result_free(&r);
}

GRADED(uring, a_prime_check_blocks_the_loop)
{
    assert_spins_normally();
    struct run_result r;
    spin_run(&r, 20, PROGRAM, "--slow=prime", "--prime", PRIME_FOR_TESTS, NULL);
    struct spin_output o;
    spin_parse(r.out, &o);
    cr_assert(r.exited && r.exit_code == 0, "--slow=prime should exit 0; stderr: %s", r.err);
    cr_assert(o.frames == 0,
              "--slow=prime: a computation that never awaits blocks the loop, so the "
              "spinner (cancelled before it ever ran) should draw no frame; saw %d. Does "
              "a task cancelled before its first step still run? output: %s",
              o.frames, spin_excerpt(r.out));
    cr_assert(o.description && o.prime_line && o.answer && o.answer_last,
              "--slow=prime: expected the description, '" PRIME_FOR_TESTS " is prime ...' "
              "and 'Answer: 42'. output: %s",
              spin_excerpt(r.out));
    run_result_free(&r);
}

GRADED(uring, a_blocking_sleep_blocks_the_loop)
{
    assert_spins_normally();
    struct run_result r;
    spin_run(&r, 5, PROGRAM, "--blocking", "--seconds", "0.3", NULL);
    struct spin_output o;
    spin_parse(r.out, &o);
    cr_assert(r.exited && r.exit_code == 0, "--blocking should exit 0; stderr: %s", r.err);
    cr_assert(o.frames == 0,
              "--blocking: slow() blocks the only thread, so the spinner, spawned but "
              "cancelled before it ever ran, should never appear; saw %d frame(s): does a "
              "task cancelled before its first step still run? (It must not: loop_cancel, "
              "then the loop finishes it with -ECANCELED without running it)",
              o.frames);
    cr_assert(r.wall_s >= 0.28, "--blocking --seconds 0.3 ended after %.2f s", r.wall_s);
    cr_assert(o.description && o.answer && o.answer_last,
              "--blocking: expected the description and 'Answer: 42'. output: %s",
              spin_excerpt(r.out));
    run_result_free(&r);
}

GRADED(uring, napping_brings_the_spinner_back)
{
    assert_spins_normally();
    struct run_result r;
    spin_run(&r, 30, PROGRAM, "--slow=prime", "--prime", PRIME_FOR_TESTS, "--nap", "--nap-every",
             "100000", NULL);
    spin_skip_if_no_uring(&r);
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract_why(
        PROGRAM, &r, &o, 2,
        "with --nap the check calls loop_yield() every 100000 divisors, so the spinner "
        "should draw while it runs: does loop_yield() put the task back in the ready queue "
        "and give the loop its turn, to reap completions (the spinner's timeout) and run the "
        "other ready tasks, before the yielding task runs again? A loop that runs ready tasks "
        "until none is left never reaps completions while one task keeps yielding");
    cr_assert(o.prime_line && o.nap_line,
              "--nap: expected '" PRIME_FOR_TESTS " is prime ...' and the 'nap: ...' "
              "report. output: %s",
              spin_excerpt(r.out));
    run_result_free(&r);
}

/* In the child, before exec: io_uring_setup fails with errno `uring_errno`. */
static int uring_errno;

static void deny_io_uring(void)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (uring_errno & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof filter / sizeof filter[0], .filter = filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
        _exit(126); /* the test skips: no seccomp here */
}

static void run_denied(int err, struct run_result *r)
{
    uring_errno = err;
    const char *argv[] = {program_path(LAB, PROGRAM), "--seconds", "0.2", NULL};
    struct run_spec spec = {.argv = argv, .timeout_s = 5, .before_exec = deny_io_uring};
    cr_assert(run_program(&spec, r), "could not start %s", argv[0]);
    if (r->exited && r->exit_code == 126)
        cr_skip_test("cannot install a seccomp filter here to deny io_uring_setup");
}

GRADED(uring, exits_77_naming_the_cause_when_io_uring_is_denied)
{
    static const struct {
        int err;
        const char *as;
    } cases[] = {{EPERM, "EPERM (seccomp, as in Docker)"}, {ENOSYS, "ENOSYS (old kernel)"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct run_result r;
        run_denied(cases[i].err, &r);
        cr_assert(r.exited && r.exit_code == 77,
                  "with io_uring_setup failing with %s, spinner_uring should exit 77 "
                  "(unsupported environment); it ended with %s: does loop_create() call "
                  "io_uring_queue_init() and return its error unchanged (a negative errno), "
                  "for main() to recognise? stderr: %s",
                  cases[i].as, run_describe_end(&r), r.err);
        cr_assert(count_lines(r.err) == 1 && strstr(r.err, "io_uring") != NULL,
                  "with io_uring denied (%s), expected one line on stderr naming io_uring "
                  "and the cause; got: '%s'",
                  cases[i].as, r.err);
        cr_assert(strstr(r.err, strerror(cases[i].err)) != NULL,
                  "with io_uring denied (%s), the message should give the cause ('%s'); "
                  "got: '%s'",
                  cases[i].as, strerror(cases[i].err), r.err);
        cr_assert(strstr(r.out, "thinking!") == NULL, "with io_uring denied, nothing should spin");
        run_result_free(&r);
    }
}
