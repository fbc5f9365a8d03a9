/*
 * Graded tests of lab 03, parts C and D: threads, and threads --gil.
 *
 * threads --gil links the student's lab 02 GIL (labs/02-gil/gil.c, lab.mk's USES), and so
 * does this test binary: part D's test first checks that GIL itself, so that an
 * unfinished lab 02 is named as the cause rather than part D.
 */
#include "graded.h"
#include "pool_util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FINISH_LAB02                                                                               \
    "this test uses your lab 02 GIL (labs/02-gil/gil.c): finish lab 02 parts A and B first"

static void assert_success(const struct run_result *r, const char *what)
{
    cr_assert(!r->timed_out,
              "%s: did not finish within the timeout: does every worker thread get a "
              "poison pill, and does main count one sentinel per thread?",
              what);
    cr_assert(r->exited && r->exit_code == 0, "%s: expected exit status 0, got %s (stderr: %.300s)",
              what, run_describe_end(r), r->err);
}

GRADED(threads, checks_the_20_numbers)
{
    struct run_result r = pool_run("threads", (const char *[]){"2", NULL}, NULL, NULL, 20);
    assert_success(&r, "threads 2");
    cr_assert(strncmp(r.out, "Checking 20 numbers with 2 threads", 34) == 0,
              "expected the first line 'Checking 20 numbers with 2 threads:', got '%.60s'", r.out);
    struct pool_output po;
    pool_parse(r.out, &po);
    pool_assert_results(&po, pool_chapter_numbers, 20, "threads 2, the chapter's 20 numbers");
    cr_assert(strstr(r.out, "20 checks in ") != NULL,
              "expected the summary line '20 checks in X.XXs'");
    pool_output_free(&po);
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
    struct run_result r;
    run_finish(&h, &r);
    assert_success(&r, "threads 3 with 24 primes");
    struct pool_output po;
    pool_parse(r.out, &po);
    pool_assert_results(&po, numbers, 24, "threads 3 with 24 primes");
    size_t distinct = pool_distinct_workers(&po);
    cr_assert_eq(distinct, 3,
                 "expected the results to name 3 distinct worker threads (their gettid()), "
                 "found %zu",
                 distinct);
    for (size_t i = 0; i < po.count; i++)
        cr_assert(po.lines[i].worker != main_thread,
                  "the result for %" PRIu64 " names the main thread: the workers, not main, "
                  "must check the numbers",
                  po.lines[i].n);
    pool_output_free(&po);
    free(input);
    run_result_free(&r);
}

GRADED(threads, runs_checks_in_parallel)
{
    pool_assert_checks_overlap("threads");
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
static void assert_lab02_gil_works(void)
{
    const char *argv[] = {program_path(LAB, "gil_probe_driver"), NULL};
    struct run_spec spec = {.argv = argv, .timeout_s = 30};
    struct run_result r;
    cr_assert(run_program(&spec, &r), "could not start %s", argv[0]);
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

GRADED(threads, with_the_gil_computes_on_one_core_at_a_time)
{
    assert_lab02_gil_works();
    /* About 0.12 s of checks on 3 threads holding the simulated GIL: correct results,
     * and CPU time no more than the wall time allows one core to use. */
    uint64_t numbers[12];
    pool_primes_from(100000000000000ULL, numbers, 12);
    char *input = pool_numbers_text(numbers, 12);
    struct run_result r = pool_run(
        "threads", (const char *[]){"3", "--gil", "--numbers", "-", NULL}, input, NULL, 30);
    assert_success(&r, "threads 3 --gil");
    struct pool_output po;
    pool_parse(r.out, &po);
    pool_assert_results(&po, numbers, 12, "threads 3 --gil");
    double cpu = r.user_s + r.sys_s;
    cr_assert(cpu <= 1.4 * r.wall_s + 0.05,
              "threads 3 --gil used %.2f s of CPU in %.2f s: more than one core at a time. "
              "Does each worker hold the GIL (gil_acquire) while it checks a number? (The "
              "GIL is your lab 02's, labs/02-gil/gil.c.)",
              cpu, r.wall_s);
    pool_output_free(&po);
    free(input);
    run_result_free(&r);
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
