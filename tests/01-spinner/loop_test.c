/*
 * Graded tests of lab 01, part C: the event loop's promises about results and
 * cancellation (loop.h), beyond what spinner_uring shows.
 *
 * The student's loop runs in loop_driver (loop_driver.c, built from loop.c): these tests
 * tell it which scenario of tasks to run and judge what it reports, so no student code
 * runs in this process. Values and sleep lengths are drawn at random for each run.
 */
#include "driver.h"
#include "graded.h"
#include "spin_check.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DRIVER "loop_driver"

static long random_between(long lo, long hi)
{
    static bool seeded;
    if (!seeded) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        srand48(now.tv_nsec ^ now.tv_sec ^ getpid());
        seeded = true;
    }
    return lo + (long)(drand48() * (double)(hi - lo + 1));
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What a scenario reported: its lines up to "done", and how long it took. */
struct scenario {
    char text[1024];
    double seconds;
    bool done;
};

/* Sends `command` to a fresh driver and collects its reports until "done" (or
 * timeout_s). Skips the test when io_uring is unavailable here (the driver exits 77). */
static void run_scenario(const char *command, double timeout_s, struct scenario *s)
{
    struct driver d;
    driver_start(&d, LAB, DRIVER, timeout_s + 5);
    memset(s, 0, sizeof *s);
    double start = now_s();
    driver_send(&d, "%s", command);
    for (;;) {
        double left = timeout_s - (now_s() - start);
        char *line = left > 0 ? driver_expect(&d, "", left) : NULL;
        if (line == NULL)
            break;
        if (strcmp(line, "done") == 0) {
            s->done = true;
            free(line);
            break;
        }
        size_t used = strlen(s->text);
        snprintf(s->text + used, sizeof s->text - used, "%s\n", line);
        free(line);
    }
    s->seconds = now_s() - start;
    if (!s->done)
        kill(d.run.pid, SIGKILL);
    struct run_result r;
    driver_finish(&d, &r);
    spin_skip_if_no_uring(&r);
    cr_assert(s->done,
              "the loop driver did not finish the scenario '%s' within %.0f s (%s): a task "
              "waits for good, or the loop ended before its main task did (loop_run() runs "
              "until the main task is done). It reported: %.400s stderr: %.300s",
              command, timeout_s, run_describe_end(&r), s->text, r.err);
    run_result_free(&r);
}

/* The number after `key` in the scenario's reports; fails the test if it is missing. */
static long reported(const struct scenario *s, const char *key, const char *command)
{
    const char *at = strstr(s->text, key);
    cr_assert(at != NULL,
              "scenario '%s': expected a report containing '%s'; the loop driver "
              "reported: %.400s",
              command, key, s->text);
    return strtol(at + strlen(key), NULL, 10);
}

/* The E of a report "KEY RET after E ms"; fails the test if it is missing. */
static long reported_after(const struct scenario *s, const char *key, const char *command)
{
    const char *at = strstr(s->text, key);
    long ret = 0, ms = -1;
    cr_assert(at != NULL && sscanf(at + strlen(key), "%ld after %ld ms", &ret, &ms) == 2,
              "scenario '%s': expected a report '%sRET after E ms'; the loop driver "
              "reported: %.400s",
              command, key, s->text);
    return ms;
}

GRADED(loop, join_and_run_hand_over_results)
{
    long value = random_between(1000, 999999);
    char command[64];
    snprintf(command, sizeof command, "run %ld", value);
    struct scenario s;
    run_scenario(command, 10, &s);
    long rc = -1, result = -1, run_rc = -1, run_result = -1;
    const char *joined = strstr(s.text, "main joined ");
    const char *ran = strstr(s.text, "run ");
    cr_assert(joined != NULL && ran != NULL &&
                  sscanf(joined, "main joined %ld result %ld", &rc, &result) == 2 &&
                  sscanf(ran, "run %ld result %ld", &run_rc, &run_result) == 2,
              "expected the reports of scenario '%s'; the loop driver reported: %.400s", command,
              s.text);
    cr_assert(rc == 0 && result == value,
              "the main task spawned a task that sleeps 1 ms and returns %ld, and joined it: "
              "loop_join() should return 0 and give %ld; it returned %ld and gave %ld: the "
              "spawned task must run when main waits (loop_spawn makes it ready), its sleep "
              "end when the timeout completes, and loop_join() suspend main until the task "
              "is done, then hand over task->result",
              value, value, rc, result);
    cr_assert(run_rc == 0 && run_result == value + 1,
              "loop_run() of a main task that returns %ld should return 0 and store %ld in "
              "*result; it returned %ld and stored %ld: loop_run() runs the main task until it "
              "is done and hands its result (task->result, set when its function returns) "
              "to the caller, like asyncio.run()",
              value + 1, value + 1, run_rc, run_result);

    /* Two tasks fall asleep in the same round: each timeout keeps its own deadline. */
    long long_ms = random_between(400, 600), short_ms = random_between(10, 30);
    snprintf(command, sizeof command, "two-sleepers %ld %ld", long_ms, short_ms);
    run_scenario(command, (double)long_ms / 1000 + 10, &s);
    long a_ret = reported(&s, "A slept ", command);
    long a_ms = reported_after(&s, "A slept ", command);
    cr_assert(a_ret == 0 && a_ms >= long_ms * 6 / 10,
              "task A called loop_sleep(%ld ms), then task B loop_sleep(%ld ms) in the same "
              "round of the loop (their timeouts reach the kernel in one submission): A's "
              "sleep should return 0 after about %ld ms, not before %ld ms; it returned %ld "
              "after %ld ms (B's deadline?): loop_sleep_until() hands the kernel a pointer to "
              "its timespec, read only when the loop submits, so each task's deadline must "
              "live in memory of its own that outlives the call (task->deadline), not in a "
              "static or local shared by every sleep",
              long_ms, short_ms, long_ms, long_ms * 6 / 10, a_ret, a_ms);
    long b_ret = reported(&s, "B slept ", command);
    cr_assert(b_ret == 0,
              "task B's loop_sleep(%ld ms) should return 0 (its timeout expired: -ETIME is "
              "success for a sleep); it returned %ld",
              short_ms, b_ret);
}

GRADED(loop, a_task_cancelled_before_it_starts_never_runs)
{
    const char *command = "cancel-unstarted";
    struct scenario s;
    run_scenario(command, 10, &s);
    long rc1 = -1, r1 = -1, ran1 = -1, rc2 = -1, r2 = -1, ran2 = -1;
    const char *at = strstr(s.text, "cancel-unstarted T1");
    cr_assert(
        at != NULL && sscanf(at,
                             "cancel-unstarted T1 joined %ld result %ld ran %ld T2 joined %ld "
                             "result %ld ran %ld",
                             &rc1, &r1, &ran1, &rc2, &r2, &ran2) == 6,
        "expected the report of scenario '%s'; the loop driver reported: %.400s", command, s.text);
    cr_assert(rc1 == 0 && r1 == 7 && ran1 == 1,
              "main spawned T1 and T2, cancelled T2 at once and joined both: T1, never "
              "cancelled, should have run and given its result 7; it %s and loop_join() "
              "returned %ld with the result %ld: a spawned task runs when the current task "
              "next waits (here, in loop_join())",
              ran1 == 1 ? "ran" : "never ran", rc1, r1);
    cr_assert(ran2 == 0,
              "a task cancelled right after loop_spawn(), before it ever ran, must never run "
              "(loop.h: 'A task that has not started yet never runs', as in asyncio); its "
              "function ran: when the loop picks a ready task that was cancelled and has not "
              "started, it must finish it without resuming its coroutine");
    cr_assert(rc2 == 0 && r2 == -ECANCELED,
              "joining a task cancelled before it started should return 0 and give the "
              "result -ECANCELED (%d), the counterpart of asyncio's CancelledError (loop.h, "
              "loop_join); it returned %ld with the result %ld: set the task's result to "
              "-ECANCELED when it is finished unstarted",
              -ECANCELED, rc2, r2);
}

GRADED(loop, a_cancelled_sleep_returns_ECANCELED_at_once)
{
    long ms = random_between(4000, 8000);
    char command[64];
    snprintf(command, sizeof command, "cancel-sleeping %ld", ms);
    struct scenario s;
    run_scenario(command, (double)ms / 1000 + 5, &s);
    long slept = reported(&s, "T slept ", command);
    cr_assert(slept == -ECANCELED,
              "a task sleeping %ld ms was cancelled (loop_cancel) after 20 ms: its "
              "loop_sleep() should return -ECANCELED (%d), the counterpart of asyncio's "
              "CancelledError, so that the task can clean up; it returned %ld: does the "
              "sleep report the cancellation (the flag loop_cancel() sets, or the "
              "-ECANCELED completion of its removed timeout) instead of success?",
              ms, -ECANCELED, slept);
    cr_assert(s.seconds < (double)ms / 2000,
              "a task sleeping %ld ms was cancelled after 20 ms; the scenario took %.1f s, "
              "so its sleep was waited out: loop_cancel() must take the timeout back "
              "(io_uring_prep_timeout_remove), so that it completes at once with "
              "-ECANCELED",
              ms, s.seconds);
    long rc = reported(&s, "joined ", command);
    cr_assert(rc == 0, "joining the cancelled task returned %ld, expected 0", rc);
    long again = reported(&s, "resleep returned ", command);
    long again_ms = reported_after(&s, "resleep returned ", command);
    cr_assert(again == 0 && again_ms >= 60,
              "a task whose sleep returned -ECANCELED (cancelled after 20 ms) then called "
              "loop_sleep(100 ms): a cancellation is reported once, so that sleep should "
              "return 0 after about 100 ms, not before 60 ms; it returned %ld after %ld ms: "
              "the cancelled task was woken twice (a stale wake-up ended its next wait). "
              "loop_cancel() must not make a sleeping task ready itself, and the completion of "
              "the removal request (io_uring_prep_timeout_remove) must wake no task: only "
              "the -ECANCELED completion of the timeout does",
              again, again_ms);

    /* Cancelled before it waits: the next wait reports it at once. */
    snprintf(command, sizeof command, "cancel-self %ld", ms);
    run_scenario(command, (double)ms / 1000 + 5, &s);
    long first = reported(&s, "T slept ", command);
    long second = reported(&s, " then ", command);
    cr_assert(first == -ECANCELED && s.seconds < (double)ms / 2000,
              "a task that cancelled itself and then called loop_sleep(%ld ms) should get "
              "-ECANCELED (%d) at once (loop.h: 'its pending (or next) wait returns "
              "-ECANCELED at once'); it got %ld after %.1f s: loop_sleep_until() must look "
              "at the cancel request before it arms a timeout",
              ms, -ECANCELED, first, s.seconds);
    cr_assert(second == 0,
              "after a sleep returned -ECANCELED, the task's next loop_sleep(1 ms) should "
              "return 0 (a cancellation is reported once, like CancelledError); it "
              "returned %ld: clear the cancel request once a wait has reported it",
              second);
}

GRADED(loop, a_cancelled_join_returns_ECANCELED)
{
    long ms = random_between(4000, 8000);
    char command[64];
    snprintf(command, sizeof command, "cancel-joining %ld", ms);
    struct scenario s;
    run_scenario(command, (double)ms / 1000 + 5, &s);
    long joined = reported(&s, "B joined ", command);
    cr_assert(joined == -ECANCELED,
              "task B waited in loop_join() for task A (asleep for %ld ms) and was "
              "cancelled: its loop_join() should return -ECANCELED (%d) at once (loop.h: "
              "'its pending wait returns -ECANCELED'); it returned %ld: loop_cancel() of a "
              "task waiting in loop_join() must make it ready again, and the join report "
              "the cancellation",
              ms, -ECANCELED, joined);
    cr_assert(s.seconds < (double)ms / 2000,
              "task B, waiting in loop_join() for a task asleep for %ld ms, was cancelled "
              "after 20 ms, then the sleeper was; the scenario took %.1f s: a cancelled "
              "join or sleep must end at once, not when the awaited task ends",
              ms, s.seconds);
    long a = reported(&s, " A result ", command);
    cr_assert(a == 7,
              "task A, cancelled in its sleep, returns 7 after its sleep returns; joining it "
              "gave %ld: loop_join() hands over the task's own result",
              a);

    /* The same, but B slept (1 ms) before it joined: its sleep is over, nothing of it is
     * left in the kernel, and the cancelled join must still end at once. */
    snprintf(command, sizeof command, "cancel-joining-after-sleep %ld", ms);
    run_scenario(command, (double)ms / 1000 + 5, &s);
    joined = reported(&s, "B joined ", command);
    long join_ms = reported_after(&s, "B joined ", command);
    cr_assert(!(joined == 0 && join_ms < ms / 2),
              "task B slept 1 ms, then waited in loop_join() for task A (asleep for %ld ms), "
              "and was cancelled after 20 ms; its loop_join() returned 0 after %ld ms: A "
              "had ended already, its sleep cut short (at B's 1 ms deadline?): "
              "loop_sleep_until() must give each task's timeout a timespec of its own "
              "(task->deadline), read by the kernel when the loop submits",
              ms, join_ms);
    cr_assert(joined == -ECANCELED && join_ms < ms / 2,
              "task B slept 1 ms, then waited in loop_join() for task A (asleep for %ld ms), "
              "and was cancelled after 20 ms: its loop_join() should return -ECANCELED (%d) "
              "at once; it returned %ld after %ld ms (when A ended?): loop_cancel() took B "
              "for a task whose timeout is armed, although its sleep had completed, so it "
              "tried to take back a timeout that is no more instead of waking B from its "
              "join. Mark the timer no longer armed when its completion is handed to the "
              "task (reap)",
              ms, -ECANCELED, joined, join_ms);

    /* A cancelled join leaves nothing behind: the awaited task, ending later, must not
     * wake B in its next wait. */
    const char *resleep = "cancel-joining-resleep";
    run_scenario(resleep, 10, &s);
    long ret = 0, slept = 0, slept_ms = -1;
    const char *at = strstr(s.text, "B joined ");
    cr_assert(at != NULL && sscanf(at, "B joined %ld then slept %ld after %ld ms", &ret, &slept,
                                   &slept_ms) == 3,
              "expected the report of scenario '%s'; the loop driver reported: %.400s", resleep,
              s.text);
    cr_assert(ret == -ECANCELED && slept == 0 && slept_ms >= 180,
              "task B waited in loop_join() for task A (which ends after 100 ms) and was "
              "cancelled after 20 ms; then B called loop_sleep(300 ms): the join should "
              "return -ECANCELED (%d), and the sleep 0 after about 300 ms, not before 180 ms; "
              "they returned %ld and %ld after %ld ms: when A ended it woke B in the middle of "
              "its sleep, A still took B for its joiner. A cancelled loop_join() must forget "
              "the joiner (task->joiner = NULL) before it returns",
              -ECANCELED, ret, slept, slept_ms);
}

GRADED(loop, is_clean_under_thread_sanitizer)
{
    /* Every scenario of the loop on its own, then the program that uses it. The stacks
     * of the tasks are coroutines, which lib/coro.c announces to ThreadSanitizer; each
     * scenario runs in a driver of its own (ThreadSanitizer's fiber support does not
     * survive many loops, with their coroutine stacks, made and freed in one process). */
    static const char *const scenarios[] = {"run 5\n", "cancel-unstarted\n",
                                            "cancel-sleeping 3000\n", "cancel-self 3000\n",
                                            "cancel-joining 3000\n"};
    struct run_result r;
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        spin_run_tsan(&r, DRIVER, NULL, scenarios[i], 10,
                      "the loop runs on one thread: does it start another, or share memory "
                      "with one?");
        spin_skip_if_no_uring(&r);
        cr_assert(!r.timed_out && r.exited && r.exit_code == 0 && strstr(r.out, "done") != NULL,
                  "the ThreadSanitizer build of the loop driver should finish the scenario "
                  "'%.*s' and exit 0; it ended with %s: see the loop/* tests. output: %.400s "
                  "stderr: %.500s",
                  (int)strcspn(scenarios[i], "\n"), scenarios[i], run_describe_end(&r), r.out,
                  r.err);
        run_result_free(&r);
    }

    static const char *const args[] = {"--seconds", "0.35", NULL};
    spin_run_tsan(&r, "spinner_uring", args, NULL, 10,
                  "spinner_uring runs on one thread: does the loop start another?");
    spin_skip_if_no_uring(&r);
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract("spinner_uring (ThreadSanitizer build)", &r, &o, 2);
    run_result_free(&r);
}
