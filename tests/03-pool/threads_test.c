/*
 * Graded tests of lab 03, parts C and D: threads, and threads --gil.
 *
 * threads --gil links the student's lab 02 GIL (labs/02-gil/gil.c, lab.mk's USES), and so
 * does gil_probe_driver: part D's tests first check that GIL itself, so that an
 * unfinished lab 02 is named as the cause rather than part D. Then they read what
 * threads --gil reports at exit: how many threads the library saw computing at once,
 * and how often a check paused while another computed (primes.h's watch). Not CPU time
 * against wall time, which a busy machine keeps low without any GIL.
 */
#include "graded.h"
#include "pool_util.h"
#include "primes.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FINISH_LAB02                                                                               \
    "this test uses your lab 02 GIL (labs/02-gil/gil.c): finish lab 02 parts A and B first"

static void assert_success(const struct run_result *r, const char *what)
{
    cr_assert(!r->timed_out,
              "%s: timed out (%s): does every worker thread get a poison pill (one per "
              "thread, after the jobs), and does main count one sentinel per thread? "
              "(output ends with: %.200s)",
              what, run_describe_end(r), r->out_len > 200 ? r->out + r->out_len - 200 : r->out);
    cr_assert(r->exited && r->exit_code == 0, "%s: expected exit status 0, got %s (stderr: %.300s)",
              what, run_describe_end(r), r->err);
}

GRADED(threads, checks_the_20_numbers)
{
    struct run_result r = pool_run("threads", (const char *[]){"2", NULL}, NULL, NULL, 20);
    assert_success(&r, "threads 2");
    cr_assert(strncmp(r.out, "Checking 20 numbers with 2 threads", 34) == 0,
              "expected the first line 'Checking 20 numbers with 2 threads:' (main prints it), "
              "got '%.60s'",
              r.out);
    struct pool_output po;
    pool_parse(r.out, &po);
    pool_assert_results(&po, pool_chapter_numbers, 20, "threads 2, the chapter's 20 numbers");
    cr_assert(strstr(r.out, "20 checks in ") != NULL,
              "expected the summary line '20 checks in X.XXs' (main prints it with the count "
              "of results it printed), got: %.200s",
              r.out_len > 200 ? r.out + r.out_len - 200 : r.out);
    pool_output_free(&po);
    run_result_free(&r);

    /* More threads than numbers, 0 among them: a pill is a job whose seq is 0. */
    r = pool_run("threads", (const char *[]){"16", "--range", "0", "10", NULL}, NULL, NULL, 20);
    cr_assert(!r.timed_out, "threads 16 --range 0 10: timed out (%s)", run_describe_end(&r));
    pool_parse(r.out, &po);
    pool_assert_results_or(&po, (const uint64_t[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 11,
                           "threads 16 --range 0 10",
                           "a result lost: is the number 0 taken for a poison pill? A pill is "
                           "a job whose seq is POOL_POISON_PILL; 0 is a number to check. Or "
                           "does main stop before every thread sent its sentinel?");
    pool_output_free(&po);
    assert_success(&r, "threads 16 --range 0 10");
    run_result_free(&r);
}

GRADED(threads, uses_n_distinct_threads)
{
    /* 24 primes of about 10 ms each: every worker gets some, even on a busy machine. */
    uint64_t numbers[24];
    pool_primes_from(100000000000000ULL, numbers, 24);
    char *input = pool_numbers_text(numbers, 24);
    struct run_handle h;
    const char *argv[] = {program_path(LAB, "threads"), "3", "--numbers", "-", NULL};
    struct run_spec spec = {.argv = argv, .stdin_text = input, .timeout_s = 30};
    cr_assert(run_start(&spec, &h), "could not start %s", argv[0]);
    pid_t main_thread = h.pid;
    long threads[256];
    size_t seen = pool_watch_workers(&h, true, threads, 256, 30);
    struct run_result r;
    run_finish(&h, &r);
    assert_success(&r, "threads 3 with 24 primes");
    struct pool_output po;
    pool_parse(r.out, &po);
    pool_assert_results(&po, numbers, 24, "threads 3 with 24 primes");
    size_t distinct = pool_distinct_workers(&po);
    cr_assert_eq(distinct, 3,
                 "expected the results to name 3 distinct worker threads (each one's gettid()), "
                 "found %zu: does main start N threads, and does each result name the thread "
                 "that checked it?",
                 distinct);
    for (size_t i = 0; i < po.count; i++) {
        cr_assert(po.lines[i].worker != main_thread,
                  "the result for %" PRIu64 " names the main thread: the workers, not main, "
                  "must check the numbers",
                  po.lines[i].n);
        size_t k = 0;
        while (k < seen && threads[k] != po.lines[i].worker)
            k++;
        cr_assert(k < seen,
                  "the result for %" PRIu64 " names worker %ld, which was never a thread of "
                  "the process (%zu seen): a result names the thread id of the thread that "
                  "checked it, gettid() (not pthread_self())",
                  po.lines[i].n, po.lines[i].worker, seen);
    }
    pool_output_free(&po);
    free(input);
    run_result_free(&r);
}

/* Two numbers of seconds each, on 2 threads: while both compute, main has nothing to
 * print. It waits for the next result asleep (queue_get), using almost no CPU; a main
 * that polls the result queue (queue_try_get in a loop) takes a core from the workers.
 * Measured against the workers' CPU over the same window, not the clock. */
static void assert_main_sleeps_while_threads_compute(void)
{
    char *input = pool_numbers_text((const uint64_t[]){PRIMES_SLOW_PRIME, PRIMES_SLOW_PRIME}, 2);
    struct run_handle h;
    pool_start("threads", (const char *[]){"2", "--numbers", "-", NULL}, input, 30, &h);
    long tids[2];
    int busy = pool_wait_for_busy(h.pid, true, 2, 0.05, tids, 10);
    double main_cpu = 0, worker = 0;
    bool measured = busy == 2 && pool_cpu_while_two_compute(h.pid, true, tids, &main_cpu, &worker);
    kill(h.pid, SIGKILL);
    struct run_result r;
    run_finish(&h, &r);
    cr_assert(busy == 2,
              "expected threads 2 to have 2 threads checking numbers within 10 s, found %d "
              "(%s; output: %.200s)",
              busy, run_describe_end(&r), r.out);
    cr_assert(measured,
              "threads 2 on two numbers of seconds each: its threads did not each compute "
              "0.5 s within 10 s, or the run ended (%s; output: %.300s)",
              run_describe_end(&r), r.out);
    cr_assert(main_cpu < 0.25 * worker,
              "while each of its 2 threads computed %.2f s (CPU), with no result to print, "
              "main used %.2f s of CPU: expected it to wait for the next result asleep, in "
              "queue_get() (after flushing stdout), using almost none. Does main poll the "
              "result queue with queue_try_get() in a loop? That is a busy wait: it takes a "
              "core from the threads that compute.",
              worker, main_cpu);
    free(input);
    run_result_free(&r);
}

GRADED(threads, runs_checks_in_parallel)
{
    pool_assert_checks_overlap("threads");
    assert_main_sleeps_while_threads_compute();
}

GRADED(threads, prints_results_as_they_arrive)
{
    pool_assert_completion_order("threads");
}

GRADED(threads, has_no_data_race)
{
    const char *tsan = tsan_program_path(LAB, "threads");
    cr_assert(tsan != NULL, "no ThreadSanitizer build to test (CONCLAB_TSAN_BIN is not set): "
                            "run this test through the grader");
    const char *runs[][6] = {
        {tsan, "4", "--range", "1", "3000", NULL},
        {tsan, "3", "--range", "10000000000000", "10000000000060", NULL},
    };
    for (size_t i = 0; i < 2; i++) {
        struct run_spec spec = {.argv = runs[i], .timeout_s = 60};
        struct run_result r;
        cr_assert(run_program(&spec, &r), "could not start %s", tsan);
        cr_assert(r.exited && r.exit_code == 0 && strstr(r.err, "ThreadSanitizer") == NULL,
                  "threads %s %s %s %s under ThreadSanitizer: expected a clean run, got %s:\n"
                  "%.1500s",
                  runs[i][1], runs[i][2], runs[i][3], runs[i][4], run_describe_end(&r), r.err);
        run_result_free(&r);
    }
}

/* The step `step` ("held 1", ...) in the probe's report, or -1 if it is missing. */
static int probe_step(const char *out, const char *step)
{
    const char *at = strstr(out, step);
    int value = -1;
    if (at != NULL)
        sscanf(at + strlen(step), " %d", &value);
    return value;
}

/* Fails the test, naming lab 02, unless lab 02's GIL lets one holder in at a time and
 * hands the GIL over on release. The GIL runs in gil_probe_driver (built from
 * labs/02-gil/gil.c), whose every step has a deadline: an unfinished GIL makes this
 * fail, never hang. */
static void assert_lab02_gil_works(const char *mode)
{
    const char *argv[] = {program_path(LAB, "gil_probe_driver"), mode, NULL};
    struct run_spec spec = {.argv = argv, .timeout_s = 30};
    struct run_result r;
    cr_assert(run_program(&spec, &r), "could not start %s", argv[0]);
    if (mode != NULL) {
        cr_assert(probe_step(r.out, "held") == 1 && probe_step(r.out, "taken") == 1 &&
                      probe_step(r.out, "released") == 1,
                  "this test uses your lab 02 old GIL (labs/02-gil/gil.c, GIL_MODE_OLD): "
                  "finish lab 02 part C first. Tried as threads --gil=old uses it, one holder "
                  "at a time, handed over at release, it reported (%s):\n%.200s",
                  run_describe_end(&r), r.out);
        run_result_free(&r);
        return;
    }
    cr_assert(probe_step(r.out, "held") == 1,
              FINISH_LAB02 ": gil_acquire() on a free GIL did not return (%s)",
              run_describe_end(&r));
    int taken = probe_step(r.out, "taken");
    cr_assert(taken != 2,
              FINISH_LAB02 ": a second thread got the GIL while the first still held it "
                           "(part A: gil_acquire() waits while the GIL is held)");
    cr_assert(taken == 1,
              FINISH_LAB02 ": a thread waiting in gil_acquire() did not get the GIL within 10 s "
                           "of its release (part A: gil_release() wakes a waiter)");
    cr_assert(probe_step(r.out, "released") == 1,
              FINISH_LAB02 ": gil_release() did not return once a waiter had taken the GIL "
                           "(part B: forced switching)");
    run_result_free(&r);
}

/* What threads --gil reports at exit on stderr (pool.c, from primes.h's watch). */
struct gil_watch {
    int most;           /* the most threads computing at once */
    unsigned threads;   /* of how many */
    uint64_t handovers; /* times a check paused while another computed */
};

/* Runs threads 3 with `option` (--gil or --gil=old) on 12 primes of about 10 ms each,
 * asserts its results, and reads its report into *watch. */
static void run_with_the_gil(struct gil_watch *watch, const char *option)
{
    bool old = strcmp(option, "--gil=old") == 0;
    assert_lab02_gil_works(NULL);
    if (old)
        assert_lab02_gil_works("old");
    uint64_t numbers[12];
    pool_primes_from(100000000000000ULL, numbers, 12);
    char *input = pool_numbers_text(numbers, 12);
    struct run_result r =
        pool_run("threads", (const char *[]){"3", option, "--numbers", "-", NULL}, input, NULL, 30);
    char what[32];
    snprintf(what, sizeof what, "threads 3 %s", option);
    assert_success(&r, what);
    struct pool_output po;
    pool_parse(r.out, &po);
    pool_assert_results(&po, numbers, 12, what);
    pool_output_free(&po);
    const char *report = strstr(r.err, "at most ");
    cr_assert(report != NULL &&
                  sscanf(report, "at most %d of %u threads computed at once; %" SCNu64 " times",
                         &watch->most, &watch->threads, &watch->handovers) == 3,
              "expected threads --gil to end with its report on stderr, 'threads --gil: at "
              "most K of 3 threads computed at once; ...' (an exit handler of pool.c prints "
              "it: does main return normally?), got stderr: %.300s",
              r.err);
    free(input);
    run_result_free(&r);
}

GRADED(threads, with_the_gil_computes_on_one_core_at_a_time)
{
    /* Not CPU time against wall time, which a busy machine keeps low without any GIL:
     * the library counts the threads inside primes_is_prime_with_pauses(), between two
     * pauses, at the same moment (primes.h). */
    struct gil_watch watch;
    run_with_the_gil(&watch, "--gil");
    cr_assert(watch.most != 0,
              "threads 3 --gil: no check called primes_is_prime_with_pauses() with a pause "
              "function, so the eval breaker never ran: with --gil, check() must check each "
              "number with it, its pause function calling gil_eval_breaker()");
    cr_assert(watch.most == 1,
              "threads 3 --gil: %d threads were computing (between two pauses of "
              "primes_is_prime_with_pauses()) at the same moment: the GIL lets one thread "
              "compute at a time. Does check() hold the GIL (gil_acquire) from before "
              "primes_is_prime_with_pauses() until after it returns (gil_release), letting "
              "it go only in gil_eval_breaker()? (The GIL is your lab 02's, "
              "labs/02-gil/gil.c.)",
              watch.most);
}

GRADED(threads, with_the_gil_hands_over_at_the_eval_breaker)
{
    /* Three threads want the GIL for checks of about 10 ms, twice the switch interval:
     * the waiters ask for it (drop requests), and the holder lets go in the middle of a
     * check, in the eval breaker. */
    struct gil_watch watch;
    run_with_the_gil(&watch, "--gil");
    cr_assert(watch.most == 1,
              "threads 3 --gil: %d threads computed at the same moment: first make the GIL "
              "let one thread compute at a time (threads/with_the_gil_computes_on_one_core_"
              "at_a_time)",
              watch.most);
    cr_assert(watch.handovers > 0,
              "threads 3 --gil: no check ever paused for another thread: each ran from start "
              "to end holding the GIL, though other threads waited for it. The pause function "
              "given to primes_is_prime_with_pauses() must call gil_eval_breaker(), where the "
              "holder answers a drop request and lets another thread in.");
}

GRADED(threads, rejects_bad_input)
{
    /* And good input is accepted: refusing everything is not the point. */
    struct run_result good =
        pool_run("threads", (const char *[]){"2", "--range", "2", "5", NULL}, NULL, NULL, 10);
    cr_assert(good.exited && good.exit_code == 0,
              "threads 2 --range 2 5: expected exit status 0, got %s", run_describe_end(&good));
    struct pool_output po;
    pool_parse(good.out, &po);
    pool_assert_results(&po, (const uint64_t[]){2, 3, 4, 5}, 4, "threads 2 --range 2 5");
    pool_output_free(&po);
    run_result_free(&good);

    const char *const bad[][4] = {
        {"0", NULL}, {"x", NULL}, {"1025", NULL}, {"2", "--gil=fast", NULL}, {"2", "7", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct run_result r = pool_run("threads", bad[i], NULL, NULL, 10);
        cr_assert(r.exited && r.exit_code == 2 && r.err_len > 0,
                  "threads %s %s: expected a message on stderr and exit status 2, got %s",
                  bad[i][0], bad[i][1] ? bad[i][1] : "", run_describe_end(&r));
        run_result_free(&r);
    }
}

GRADED(threads, with_the_old_gil_computes_on_one_core_at_a_time)
{
    /* --gil=old: lab 02's old GIL (part C), which lets go every check interval and takes
     * the GIL straight back. A different lock, the same promise: one thread computes. */
    struct gil_watch watch;
    run_with_the_gil(&watch, "--gil=old");
    cr_assert(watch.most != 0,
              "threads 3 --gil=old: no check called primes_is_prime_with_pauses() with a "
              "pause function: with --gil (of any mode), check() checks each number with it, "
              "its pause function calling gil_eval_breaker()");
    cr_assert(watch.most == 1,
              "threads 3 --gil=old: %d threads were computing at the same moment: with the "
              "old GIL as with the new one, check() holds the GIL (gil_acquire) from before "
              "primes_is_prime_with_pauses() until after it (gil_release), whatever the "
              "mode; the GIL's mode only changes how the holder lets go in "
              "gil_eval_breaker(). (The GIL is your lab 02's, labs/02-gil/gil.c, part C.)",
              watch.most);
}
