/*
 * Graded tests of lab 04, part D: transfers must never deadlock, whatever the
 * directions, each must move its money in one step, and every transfer must complete.
 *
 * `--delay between=US` pauses a transfer between taking its two locks: two transfers
 * in opposite directions that take them in different orders then deadlock every time.
 *
 * The progress contract (README.md, part D): a run fails if no transfer completes for
 * STALL_S seconds, or if it is still running after RUN_S seconds (all the runs of one
 * test: BUDGET_S). Both designs the handout allows meet it by far: a global lock order,
 * and trylock with a short random back-off. The test watches the run's own count of
 * completed transfers (`--progress`), and when none completes any more it looks at the
 * threads in /proc: all blocked on locks is a deadlock; running, or sleeping, is not.
 */
#include "graded.h"
#include "race_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STALL_S  4.0  /* no transfer completed for this long: stuck */
#define RUN_S    30.0 /* a run still going after this long: too slow */
#define BUDGET_S 60.0 /* all the runs of one test together */

static const char progress_ms[] = "100";

/* The count of the last "progress: N of M transfers" line of out, or -1. */
static long progress_of(const char *out, long *total)
{
    const char *line = race_find_line(out, "progress: ");
    long done = -1;
    if (line == NULL || sscanf(line, "progress: %ld of %ld", &done, total) != 2)
        return -1;
    return done;
}

/* Fails the test with what the threads of a run that stopped making progress were
 * doing: the message says what was observed, and what that suggests. */
static void report_stuck(const char *what, const struct race_threads *t, double seconds, long done,
                         long total, const char *tsan_report)
{
    int movers = 0;
    for (int i = 0; i < t->count; i++)
        movers += strncmp(t->thread[i].name, "mover", 5) == 0;
    int blocked = race_count(t, "mover", RACE_FUTEX),
        running = race_count(t, "mover", RACE_RUNNING),
        sleeping = race_count(t, "mover", RACE_SLEEPING);
    const char *verdict;
    if (movers > 0 && blocked == movers)
        verdict = "Every transfer thread is blocked waiting for a lock (a futex): a deadlock. "
                  "Each of them holds a lock that another one waits for. Do bank_transfer() "
                  "and bank_audit() take the locks in one global order (a lock order, e.g. "
                  "by account id), for every pair of accounts?";
    else if (running > 0)
        verdict = "Some transfer threads are running, yet none completed a transfer: a "
                  "livelock (or a spin on a lock that is never released). A thread that "
                  "retries trylock while it still holds its first lock never lets the other "
                  "one finish: after a failed trylock, release the lock you hold, back off "
                  "for a short random time, and start again.";
    else if (sleeping > 0)
        verdict = "Transfer threads are sleeping, and none completed a transfer in that "
                  "time: no progress, though not every thread is blocked on a lock. Either "
                  "a thread sleeps while it still holds a lock, which blocks every thread "
                  "that needs that lock (release the first lock before backing off), or the "
                  "pauses are far too long (a back-off pause is a few microseconds, random).";
    else
        verdict = "No transfer thread is left running: look at the threads above.";
    cr_assert(false,
              "%s: no progress observed within %.0f s: no transfer completed in that time "
              "(%ld of %ld done), so the run was stopped. Its threads, looked at twice 0.3 s "
              "apart: %s. %s%s%.1500s",
              what, seconds, done < 0 ? 0 : done, total, race_describe_threads(t), verdict,
              tsan_report ? "\nThreadSanitizer had reported:\n" : "",
              tsan_report ? tsan_report : "");
}

/* Whether every audit of the run and its final total found the money all there. */
static bool total_always_right(const char *out)
{
    const char *audits = race_find_line(out, "audits: ");
    const char *total = race_find_line(out, "total: ");
    long count, wrong = -1, at_end, expected;
    return audits != NULL &&
           sscanf(audits, "audits: %ld during the run, %ld found", &count, &wrong) == 2 &&
           wrong == 0 && total != NULL &&
           sscanf(total, "total: %ld at the end, expected %ld", &at_end, &expected) == 2 &&
           at_end == expected;
}

static void run_transfer(enum race_build build, const char *threads, const char *accounts,
                         const char *transfers, const char *delay)
{
    static double budget_end; /* one test per process: set by its first run */
    const char *args[12] = {"--threads",   threads,   "--accounts", accounts,
                            "--transfers", transfers, "--progress", progress_ms};
    size_t n = 8;
    if (delay) {
        args[n++] = "--delay";
        args[n++] = delay;
    }
    const char *what =
        race_describe(build == RACE_TSAN ? "transfer (TSan build)" : "transfer", args);
    double start = race_now();
    if (budget_end == 0)
        budget_end = start + BUDGET_S;
    double limit = budget_end - start < RUN_S ? budget_end - start : RUN_S;
    if (limit < 2 * STALL_S)
        limit = 2 * STALL_S;

    struct run_handle handle;
    race_start(build, "transfer", args, NULL, limit + 10, &handle);
    long done = -1, total = strtol(threads, NULL, 10) * strtol(transfers, NULL, 10);
    double last_change = start;
    bool stuck = false, slow = false;
    while (!race_ended(&handle)) {
        struct timespec pause = {0, 50000000};
        nanosleep(&pause, NULL);
        char *out = run_output_so_far(&handle);
        long now_done = progress_of(out, &total);
        free(out);
        double now = race_now();
        if (now_done > done) {
            done = now_done;
            last_change = now;
        }
        /* The stall clock starts at the first progress line, which the reporter prints
         * as soon as the threads are started, stuck or not: the start of a program (the
         * TSan build's above all) on a busy machine is not a stall. */
        stuck = done >= 0 ? now - last_change > STALL_S : now - start > 3 * STALL_S;
        slow = now - start > limit;
        if (stuck || slow)
            break;
    }
    static struct race_threads seen;
    if (stuck || slow)
        race_look(handle.pid, &seen);
    struct run_result r = race_finish(&handle, stuck || slow);
    const char *tsan_report = build == RACE_TSAN ? strstr(r.err, "WARNING: ThreadSanitizer") : NULL;
    if (stuck)
        report_stuck(what, &seen, done < 0 ? 3 * STALL_S : STALL_S, done, total, tsan_report);
    cr_assert(!slow,
              "%s: still running after %.0f s, and still making progress: %ld of %ld "
              "transfers done, the last one %.1f s before it was stopped. Not a deadlock: "
              "transfers complete, but too slowly for this test, which allows %.0f s per "
              "run and %.0f s for all its runs (a lock order needs well under a second "
              "here). What makes a transfer slow? A back-off that pauses long, or that "
              "collides again and again with the same thread (make the pause random)? "
              "Its threads: %s.",
              what, race_now() - start, done, total, race_now() - last_change, RUN_S, BUDGET_S,
              race_describe_threads(&seen));
    cr_assert(tsan_report == NULL ||
                  strncmp(tsan_report, "WARNING: ThreadSanitizer: data race", 35) != 0,
              "%s: ThreadSanitizer found a data race: two threads touched the same balance "
              "with no lock between them. A balance may be read or written only while its "
              "account's lock is held, in every transfer and in bank_audit(): does "
              "bank_transfer() (or bank_audit()) unlock an account before it has finished "
              "with that account's balance, or touch it before locking it? A transfer must "
              "hold both locks from before its first update until after its last. Its report "
              "starts:\n%.1500s",
              what, tsan_report);
    race_check_end(build, &r, what);
    const char *balances = race_find_line(r.out, "balances: ");
    cr_assert(balances != NULL, "%s: expected a line 'balances: ...', got: %.300s", what,
              race_last_lines(r.out, 3));
    cr_assert(strncmp(balances, "balances: all ", 14) == 0 || !total_always_right(r.out),
              "%s: the total was right in every audit, but an account ended with the "
              "wrong balance: %.120s. Each thread's transfers are the same every run, so "
              "each account's final balance is known. Does bank_transfer() take `amount` "
              "from `from` and add it to `to`, whatever order it locks them in? (Accounts "
              "renamed first and second for the lock order must still move the money from "
              "`from` to `to`.)",
              what, balances);
    race_expect_exit(&r, 0, what,
                     "The money did not add up: an audit saw a transfer half done, or an "
                     "update was lost. Does a transfer hold both accounts' locks while it "
                     "moves the money, so that it happens in one step?");
    cr_assert(race_find_line(r.out, "audits: ") != NULL && race_find_line(r.out, "total: "),
              "%s: expected the lines 'audits: ...' and 'total: ...', got: %.300s", what,
              race_last_lines(r.out, 3));
    run_result_free(&r);
}

GRADED(transfer, never_deadlocks_under_stress)
{
    run_transfer(RACE_PLAIN, "2", "2", "200", "between=100");
    run_transfer(RACE_PLAIN, "4", "3", "100", "between=100");
    run_transfer(RACE_PLAIN, "8", "5", "60", "between=100");
    run_transfer(RACE_PLAIN, "2", "2", "100000", NULL);
    run_transfer(RACE_PLAIN, "6", "16", "20000", NULL);
}

GRADED(transfer, moves_money_in_one_step)
{
    /* The auditor (main) adds up the balances while transfers pause between locks. */
    run_transfer(RACE_PLAIN, "3", "4", "100", "between=200");
    run_transfer(RACE_PLAIN, "2", "2", "100", "between=200");
}

GRADED(transfer, is_clean_under_thread_sanitizer)
{
    run_transfer(RACE_TSAN, "2", "2", "300", "between=50");
    run_transfer(RACE_TSAN, "4", "4", "2000", NULL);
    /* Three or more accounts: two transfers that share one account may share no lock but
     * that one, so a balance touched outside its own lock is a race TSan sees. */
    run_transfer(RACE_TSAN, "3", "4", "200", "between=50");
}
