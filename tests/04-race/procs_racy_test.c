/*
 * Graded tests of lab 04, part A: the parent of procs_racy must collect every result,
 * for any input and any timing, and reap every worker.
 *
 * The delays widen the race windows: `collect` slows the parent down, so that the
 * workers empty the job pipe while results still wait to be read; `worker` slows the
 * workers down, so that the parent runs ahead of them.
 */
#include "graded.h"
#include "primes.h"
#include "race_support.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Inputs of several sizes, none of them 20: a parent that counts to 20 is wrong. The
 * smallest and largest numbers the command line takes are in: a worker's "done" must
 * not look like the result of any number (0 or 2^64 - 1 taken as that marker). */
static const uint64_t small[] = {0, 1, 2, 97, 100, 561, 4294967291ULL, 18446744073709551615ULL};
static const uint64_t one[] = {7919};

/* With --primes-only, how many results come depends on the numbers: only the workers
 * know when they have sent their last one. A parent that waits for one result per
 * number waits for results that never come. */
static const char primes_only_hint[] =
    "With --primes-only a worker sends nothing for a composite, so the parent cannot know "
    "in advance how many results will come. Does it wait for as many results as numbers "
    "(or any count fixed in advance)? Only a worker knows when it has sent its last "
    "result: the parent must hear from each worker that it is done.";

static const char hang_hint[] =
    "the parent waited for a result that never came. When can it be sure that every "
    "result has arrived?";

static char *numbers_text(const uint64_t *values, size_t count)
{
    char *text = calloc(count * 24 + 1, 1);
    cr_assert_not_null(text);
    for (size_t i = 0; i < count; i++)
        sprintf(text + strlen(text), "%" PRIu64 "\n", values[i]);
    return text;
}

/* Checks that the output has exactly one correct result line per number (per prime,
 * with primes_only) and no other result line, then the summary line. */
static void assert_every_result(const char *out, const uint64_t *values, size_t count,
                                bool primes_only, const char *what)
{
    size_t *seen = calloc(count, sizeof *seen);
    cr_assert_not_null(seen);
    size_t lines = 0, expected = 0;
    for (size_t i = 0; i < count; i++)
        expected += !primes_only || primes_is_prime(values[i]);
    for (const char *line = out; *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        /* "<number> <flag> <seconds>s", the number right-aligned in 16 columns or wider. */
        uint64_t n;
        int at = 0;
        double seconds;
        if (sscanf(line, "%" SCNu64 "%n", &n, &at) == 1 && at >= 16 && (size_t)at + 3 < len &&
            line[at] == ' ' && line[at + 2] == ' ' &&
            sscanf(line + at + 3, "%lfs", &seconds) == 1) {
            char flag = line[at + 1];
            lines++;
            size_t i = 0;
            while (i < count && values[i] != n)
                i++;
            cr_assert(i < count, "%s: a result line for %" PRIu64 ", which was not asked for", what,
                      n);
            cr_assert(flag == (primes_is_prime(n) ? 'P' : ' '),
                      "%s: the result for %" PRIu64 " is wrong (flag '%c')", what, n, flag);
            cr_assert(!primes_only || flag == 'P',
                      "%s: a result line for %" PRIu64 ", which is not a prime: with "
                      "--primes-only a worker sends results for primes only",
                      what, n);
            seen[i]++;
        }
        line = end ? end + 1 : line + len;
    }
    /* A done marked by a number's value (0, 2^64 - 1) loses that number's result. */
    bool edge_lost = false;
    for (size_t i = 0; i < count; i++)
        edge_lost |= seen[i] == 0 && (values[i] == 0 || values[i] == UINT64_MAX) &&
                     (!primes_only || primes_is_prime(values[i]));
    for (size_t i = 0; i < count; i++) {
        if (primes_only && !primes_is_prime(values[i]))
            continue;
        cr_assert(seen[i] <= 1,
                  "%s: %" PRIu64 " was reported %zu times: the parent printed a result it "
                  "had already printed",
                  what, values[i], seen[i]);
        cr_assert(seen[i] == 1,
                  "%s: no result for %" PRIu64 " (%zu of %zu results printed), and yet the "
                  "program exited 0: the parent stopped reading results too early. An "
                  "empty job pipe only means that every job was taken, not that its result "
                  "is in; a count fixed in advance (such as 20) is not the number of "
                  "results. Which process knows when its results are all sent?%s",
                  what, values[i], lines, expected,
                  edge_lost ? " (0 or 2^64 - 1 is among the missing: if a worker's \"done\" is "
                              "marked by a number's value, the parent takes that number's result "
                              "for a done, and stops early.)"
                            : "");
    }
    char summary[64];
    snprintf(summary, sizeof summary, "%zu %s in ", expected, primes_only ? "primes" : "checks");
    cr_assert(strstr(out, summary) != NULL,
              "%s: expected a last line '%sX.XXs' (the number of results the parent "
              "printed), got: %.200s",
              what, summary, race_last_lines(out, 2));
    free(seen);
}

/* One run of procs_racy on `values` given on stdin, checked completely. */
static void run_and_check(const char *procs, const uint64_t *values, size_t count, bool primes_only,
                          const char *delay1, const char *delay2)
{
    const char *args[10] = {procs, "--numbers", "-"};
    size_t n = 3;
    if (primes_only)
        args[n++] = "--primes-only";
    if (delay1) {
        args[n++] = "--delay";
        args[n++] = delay1;
    }
    if (delay2) {
        args[n++] = "--delay";
        args[n++] = delay2;
    }
    char what[256];
    snprintf(what, sizeof what, "%s  (%zu numbers on stdin)", race_describe("procs_racy", args),
             count);
    char *input = numbers_text(values, count);
    struct run_result r = race_run(RACE_PLAIN, "procs_racy", args, input, 10, what, hang_hint);
    race_expect_exit(&r, 0, what,
                     primes_only ? primes_only_hint
                                 : "The parent must stop exactly when every result is in: not "
                                   "before (results lost), not after (waiting for a result "
                                   "that never comes, until the result pipe reaches end of "
                                   "file). Neither the job pipe nor a count fixed in advance "
                                   "(such as 20) can tell it. Which process knows when its "
                                   "results are all sent?");
    assert_every_result(r.out, values, count, primes_only, what);
    run_result_free(&r);
    free(input);
}

static uint64_t *range_values(uint64_t first, size_t count)
{
    uint64_t *values = calloc(count, sizeof *values);
    cr_assert_not_null(values);
    for (size_t i = 0; i < count; i++)
        values[i] = first + i;
    return values;
}

GRADED(procs, reports_every_result_when_the_parent_is_slow)
{
    /* While the parent pauses after its first result, the workers check the other
     * numbers and take their stop jobs: the job pipe is then empty, and the results
     * wait in the result pipe. */
    run_and_check("1", small, 8, false, "collect=10000", NULL);
    run_and_check("2", small, 8, false, "collect=10000", NULL);
    uint64_t *values = range_values(1000, 13);
    run_and_check("4", values, 13, false, "collect=5000", NULL);
    run_and_check("3", values, 13, false, "collect=5000", NULL);
    free(values);
}

GRADED(procs, reports_every_result_for_any_input_size)
{
    run_and_check("1", one, 1, false, "collect=10000", NULL);
    run_and_check("3", one, 1, false, "collect=10000", NULL);
    run_and_check("2", small, 5, false, "collect=10000", NULL);
    uint64_t *values = range_values(5000, 37);
    run_and_check("2", values, 37, false, "collect=2000", NULL);
    run_and_check("5", values, 37, false, "collect=2000", NULL);
    free(values);
}

GRADED(procs, reports_every_result_when_workers_are_slow)
{
    /* Slow workers: some are still checking a number when the others have taken
     * their stop jobs. */
    uint64_t *values = range_values(100, 11);
    run_and_check("2", values, 11, false, "worker=3000", "collect=8000");
    run_and_check("3", values, 11, false, "worker=5000", "collect=8000");
    run_and_check("4", values, 11, false, "worker=2000", "collect=8000");
    free(values);
}

/* Inputs whose primes are fewer than their numbers, none at all among them. */
static const uint64_t no_prime[] = {0, 1, 4, 6, 8, 9, 561, 1000};

GRADED(procs, reports_every_prime_with_primes_only)
{
    /* A worker sends a result for a prime only: the parent cannot know how many
     * results will come, only that each worker says when it has sent its last. */
    run_and_check("2", small, 8, true, "collect=10000", NULL);
    run_and_check("3", no_prime, 8, true, "collect=5000", NULL);
    run_and_check("1", no_prime, 8, true, NULL, NULL);
    uint64_t *values = range_values(1000, 37);
    run_and_check("4", values, 37, true, "collect=5000", NULL);
    run_and_check("3", values, 37, true, "worker=2000", "collect=4000");
    free(values);
}

/* ---- When a process of the pool dies ---- */

/* The children of pid (at most max), after waiting up to 5 s for `want` of them. */
static int wait_for_children(pid_t pid, pid_t *children, int want, int max)
{
    int count = 0;
    for (double end = race_now() + 5; race_now() < end;) {
        count = proc_children(pid, children, max);
        if (count >= want)
            break;
        struct timespec pause = {0, 2000000};
        nanosleep(&pause, NULL);
    }
    return count < max ? count : max;
}

/* The kernel function a process waits in (/proc/PID/wchan), or "" if it has ended. */
static const char *waits_in(pid_t pid)
{
    static char where[64];
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/wchan", (int)pid);
    where[0] = '\0';
    FILE *in = fopen(path, "r");
    if (in != NULL) {
        if (fgets(where, sizeof where, in) == NULL)
            where[0] = '\0';
        fclose(in);
    }
    return where;
}

GRADED(procs, ends_when_a_worker_dies)
{
    /* The same run twice: whole, and with one worker killed while it checks a number.
     * A dead worker never sends the rest of its results (nor says it is done): the
     * parent must see end of file on the result pipe once the other workers have
     * exited, and fail, not wait forever. It sees end of file only if no process still
     * holds a write end of the result pipe, the parent included. The whole run is slow
     * to collect (60 ms a result, 100 ms a job): when the workers take their last stop
     * jobs the parent has read at most 8 results, so a parent that stops on an empty
     * job pipe loses results whatever the scheduling. */
    uint64_t *values = range_values(300, 12);
    run_and_check("3", values, 12, false, "worker=100000", "collect=60000");

    const char *args[] = {"3", "--numbers", "-", "--delay", "worker=300000", NULL};
    char what[256];
    snprintf(what, sizeof what, "%s  (12 numbers on stdin; one worker killed with SIGKILL)",
             race_describe("procs_racy", args));
    char *input = numbers_text(values, 12);
    struct run_handle handle;
    race_start(RACE_PLAIN, "procs_racy", args, input, 30, &handle);
    pid_t workers[8];
    int count = wait_for_children(handle.pid, workers, 3, 8);
    if (count < 3) {
        struct run_result r = race_finish(&handle, true);
        cr_assert(false, "%s: expected 3 worker processes, found %d within 5 s. Output: %.300s",
                  what, count, r.out);
    }
    cr_assert(kill(workers[0], SIGKILL) == 0, "could not kill worker %d", (int)workers[0]);
    const double bound = 10;
    double killed = race_now();
    while (!race_ended(&handle) && race_now() < killed + bound) {
        struct timespec pause = {0, 5000000};
        nanosleep(&pause, NULL);
    }
    static struct race_threads threads;
    bool hung = !race_ended(&handle);
    if (hung)
        race_look(handle.pid, &threads);
    struct run_result r = race_finish(&handle, hung);
    cr_assert(!hung,
              "%s: the parent was still running %.0f s after a worker was killed, long after "
              "the other workers had finished. Its processes, looked at twice 0.3 s apart: %s. "
              "A dead worker sends no more results, and never says it is done: the parent "
              "must notice, when read() on the result pipe returns end of file (0). That "
              "happens only once every write end of the result pipe is closed: does the "
              "parent close its own copy of the write end (results[1]) after forking? And "
              "does it stop at end of file, instead of reading again?",
              what, bound, race_describe_threads(&threads));
    cr_assert(r.exited && r.exit_code != 0,
              "%s: expected the parent to fail (exit status 1: a worker died, its results "
              "are missing), got %s. Does the parent check, at end of file or when it "
              "reaps the workers, that every worker finished its work?\nstdout ends: "
              "%.300s",
              what, run_describe_end(&r), race_last_lines(r.out, 3));
    run_result_free(&r);
    free(input);
    free(values);
}

GRADED(procs, leaves_no_worker_when_the_parent_dies)
{
    /* The parent killed while its workers still have thousands of results to send. A
     * worker that writes to a pipe with no read end left gets SIGPIPE and ends; one
     * whose result pipe still has a read end open (its own inherited copy) blocks for
     * ever once the pipe is full: a process left behind. */
    uint64_t *values = range_values(1000, 3000);
    run_and_check("2", values, 3000, false, "collect=100", NULL);
    free(values);

    const size_t many = 6000;
    values = range_values(2000000, many);
    const char *args[] = {"2", "--numbers", "-", "--delay", "collect=20000", NULL};
    char what[256];
    snprintf(what, sizeof what, "%s  (%zu numbers on stdin; the parent killed with SIGKILL)",
             race_describe("procs_racy", args), many);
    char *input = numbers_text(values, many);
    struct run_handle handle;
    race_start(RACE_PLAIN, "procs_racy", args, input, 30, &handle);
    pid_t workers[8];
    int count = wait_for_children(handle.pid, workers, 2, 8);
    /* Once the parent has printed a result, it is pausing, and the workers are busy. */
    bool printed = false;
    for (double end = race_now() + 10; count == 2 && !printed && race_now() < end;) {
        char *out = run_output_so_far(&handle);
        printed = count_lines(out) >= 2; /* "Checking ..." and one result */
        free(out);
        struct timespec pause = {0, 2000000};
        nanosleep(&pause, NULL);
    }
    if (!printed) {
        struct run_result r = race_finish(&handle, true);
        cr_assert(false,
                  "%s: expected 2 workers and a first result within 10 s, found %d "
                  "workers; output: %.300s",
                  what, count, r.out);
    }
    cr_assert(kill(handle.pid, SIGKILL) == 0, "could not kill the parent");
    const double bound = 5;
    int alive = 0;
    const char *where = "";
    for (double end = race_now() + bound; race_now() < end;) {
        alive = 0;
        for (int i = 0; i < count; i++) {
            char state = proc_state(workers[i]);
            if (state != 0 && state != 'Z' && state != 'X') {
                alive++;
                where = waits_in(workers[i]);
            }
        }
        if (alive == 0)
            break;
        struct timespec pause = {0, 10000000};
        nanosleep(&pause, NULL);
    }
    char seen[64];
    snprintf(seen, sizeof seen, "%s", where);
    struct run_result r = race_finish(&handle, true);
    cr_assert(alive == 0,
              "%s: %d of the 2 workers were still there %.0f s after the parent was killed "
              "(one waits in the kernel's %s). With no reader left, a worker's write to the "
              "result pipe should fail (SIGPIPE) and end it. But a process that still holds "
              "a read end keeps the pipe open: once it is full, the writers block for ever. "
              "Does each worker close the read end of the result pipe (results[0]) after "
              "fork(), keeping only the pipe ends it uses?",
              what, alive, bound, seen[0] ? seen : "(unknown)");
    run_result_free(&r);
    free(input);
    free(values);
}
