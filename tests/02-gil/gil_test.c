/*
 * Graded tests of lab 02, parts A to C: the GIL itself.
 *
 * The student's GIL runs in gil_driver (gil_driver.c, built from gil.c and the given
 * modules): these tests tell it which scenario to play, with parameters drawn at random
 * for each run, and judge what it reports, so no student code runs in this process.
 * What they judge is mechanism: when each thread's units of work began and ended (two
 * threads never inside one at once), who had the GIL before whom (a waiter gets it only
 * after the holder let go), the counters of gil_get_stats, the given eval loop's count
 * of threads running bytecode at once, from /proc the CPU time and the scheduler state
 * of waiting threads, and what ThreadSanitizer says of the driver built with it. Some
 * scenarios cause what a loaded machine shows only now and then: wake-ups that change
 * nothing (the driver broadcasts `cond` or `switch_cond`), a waiter that cannot run.
 * Timing bounds are one-sided or generous: a loaded machine only makes things slower,
 * and a condition-variable timeout never fires early. Every time a check compares was
 * taken in the thread it is about, after that thread was known to be running.
 */
#include "driver.h"
#include "graded.h"

#include <criterion/logging.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LAB    "02-gil"
#define DRIVER "gil_driver"
#define MS     1e6 /* nanoseconds, as the driver reports times */

/* ----------------------------------------------------------------- helpers */

static long random_between(long low, long high)
{
    static bool seeded;
    if (!seeded) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        srand48(now.tv_nsec ^ now.tv_sec ^ getpid());
        seeded = true;
    }
    return low + (long)(drand48() * (double)(high - low + 1));
}

/* The likely causes of a thread blocked for good in the GIL. */
static const char *const BLOCKED =
    "a thread waits forever: a waiter never woken (gil_release must signal `cond`), or a "
    "forced release never told that another thread took the GIL (taking it must broadcast "
    "`switch_cond`)";

/* Fails the test with what the driver said, when a report it owes does not come. The
 * driver reports "<command> stuck" (and ends) when a scenario is blocked for good. */
static void no_report(struct driver *d, const char *waiting_for, const char *likely,
                      const char *stuck)
{
    struct run_result r;
    driver_finish(d, &r);
    const char *cause = likely;
    if (strstr(r.out, " stuck\n") != NULL)
        cause = stuck != NULL ? stuck : BLOCKED;
    else if (r.exited && !r.timed_out)
        cause = "it ended by itself in the middle of a scenario: does the code under test "
                "call exit()?";
    else if (r.signaled && !r.timed_out)
        cause = "it crashed inside the code under test";
    cr_assert_fail("expected the test driver to report \"%s\", observed none (the driver: %s). "
                   "Likely cause: %s\nits output ended with: %.300s%.300s",
                   waiting_for, run_describe_end(&r), cause,
                   r.out_len > 300 ? r.out + r.out_len - 300 : r.out, r.err);
}

/* The next report that starts with prefix; a missing one fails the test with `likely`,
 * or, if the driver said a scenario was stuck, with `stuck` (NULL: BLOCKED). */
static char *expect(struct driver *d, const char *prefix, double timeout_s, const char *likely,
                    const char *stuck)
{
    char *line = driver_expect(d, prefix, timeout_s);
    if (line == NULL || strstr(line, " stuck") != NULL) {
        free(line);
        no_report(d, prefix, likely, stuck);
    }
    return line;
}

/* The number after " key " in a report. */
static long long field(const char *line, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, " %s ", key);
    const char *p = strstr(line, pattern);
    cr_assert_not_null(p, "the test driver's report \"%.200s\" has no field '%s'", line, key);
    return strtoll(p + strlen(pattern), NULL, 10);
}

static void finish(struct driver *d)
{
    struct run_result r;
    driver_finish(d, &r);
    run_result_free(&r);
}

/* The likely causes of two threads holding the GIL at once. */
static const char *const OUTSIDE =
    "gil_acquire must return holding the GIL, which no other thread then holds: under the "
    "mutex, wait while `locked` is set (in a while loop: a woken waiter looks again), then "
    "set it; and only gil_release or the eval breaker let it go (a GIL taken and let go "
    "again inside gil_acquire leaves the work outside the GIL)";

/* ----------------------------------------------------------------- mutual exclusion */

#define HAMMER_THREADS 6
#define HAMMER_UNITS   2000

struct unit {
    long long start, end;
    int thread;
};

static int by_start(const void *a, const void *b)
{
    const struct unit *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

static void hammer(struct driver *d, const char *mode)
{
    long interval_us = random_between(100, 400), check = random_between(3, 15);
    long section = random_between(10, 30);
    driver_send(d, "hammer %s %d %ld %ld %d %ld 700", mode, HAMMER_THREADS, interval_us, check,
                HAMMER_UNITS, section);
    struct unit *units = calloc(HAMMER_THREADS * HAMMER_UNITS, sizeof *units);
    cr_assert_not_null(units);
    size_t count = 0;
    for (int t = 1; t <= HAMMER_THREADS; t++) {
        char *line = expect(d, "hammer", 15, "a crash, or a thread blocked for good", NULL);
        cr_assert(strncmp(line, "hammer-thread", 13) == 0, "unexpected report: %.200s", line);
        int n = (int)field(line, "units");
        char *word = strstr(line, " times") + 6;
        for (int k = 0; k < n && count < HAMMER_THREADS * HAMMER_UNITS; k++, count++) {
            units[count].thread = t;
            units[count].start = strtoll(word, &word, 10);
            units[count].end = strtoll(word, &word, 10);
        }
        free(line);
    }
    char *line = expect(d, "hammer counter", 10, "the driver ended early", NULL);
    long long counter = field(line, "counter"), switches = field(line, "switches");
    free(line);

    /* In start order, a unit must begin after every earlier unit of another thread has
     * ended: under the GIL no two threads run bytecode at once. */
    qsort(units, count, sizeof *units, by_start);
    long overlaps = 0, changes = 0;
    struct unit first = {0}, other = {0};
    struct unit latest = {.end = -1};
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && units[i].thread != units[i - 1].thread)
            changes++;
        if (latest.end > units[i].start && latest.thread != units[i].thread) {
            if (overlaps++ == 0) {
                first = units[i];
                other = latest;
            }
        }
        if (units[i].end > latest.end)
            latest = units[i];
    }
    cr_assert(overlaps == 0,
              "%s GIL, %d threads hammering it: expected no unit of work to start while "
              "another thread was inside one, observed %ld (e.g. thread %d ran one from "
              "%.3f to %.3f ms while thread %d was in one from %.3f to %.3f ms): two threads "
              "held the GIL at once. Likely cause: %s",
              mode, HAMMER_THREADS, overlaps, first.thread, first.start / MS, first.end / MS,
              other.thread, other.start / MS, other.end / MS, OUTSIDE);
    cr_assert(counter == (long long)count,
              "%s GIL: expected a counter incremented only under the GIL to read %zu (the "
              "units run), observed %lld: updates were lost to a race. Likely cause: %s",
              mode, count, counter, OUTSIDE);
    cr_assert(count > 0, "%s GIL: expected the threads to make progress, none ran a unit in 0.7 s",
              mode);
    cr_assert(switches >= 2 && switches >= changes,
              "%s GIL: expected the switch counter to count every time a thread other than the "
              "last holder took the GIL: the units show the GIL changing hands at least %ld "
              "times, the counter says %lld. Count a switch in the helper every acquisition "
              "goes through, when gil_self() differs from last_holder",
              mode, changes, switches);
    free(units);
}

GRADED(gil, never_has_two_holders)
{
    struct driver d;
    driver_start(&d, LAB, DRIVER, 30);
    hammer(&d, "new");
    hammer(&d, "old");
    finish(&d);
}

/* ----------------------------------------------------------------- wake on release */

static void check_wakes_waiter(struct driver *d, const char *mode, const char *how)
{
    /* A 2 s interval: a waiter that is never signalled would only wake at its timeout. */
    long hold_ms = random_between(60, 150);
    driver_send(d, "wake %s 2000000 %ld %s", mode, hold_ms, how);
    char stuck[300];
    snprintf(stuck, sizeof stuck,
             "%s GIL: expected the waiting thread to get the GIL soon after gil_release, "
             "observed it still waiting 3 s later. Likely cause: gil_release does not signal "
             "the condition variable the waiters wait on (`cond`), or a woken waiter does "
             "not look at `locked` again",
             mode);
    char *line = expect(d, "wake", 15, "a crash in gil_acquire or gil_release?", stuck);
    long long requested = field(line, "requested"), released = field(line, "released");
    long long acquired = field(line, "acquired"), forced = field(line, "forced");
    bool early = field(line, "early") != 0;
    free(line);
    const char *holding =
        strcmp(how, "work") == 0 ? "was running units of work and eval breakers" : "was sleeping";
    if (forced > 0)
        cr_assert(!early && acquired >= released,
                  "%s GIL: expected a second thread's gil_acquire to block while the first "
                  "thread held the GIL (it %s, %ld ms, in a 2 s switch interval), observed "
                  "the holder let go at its eval breaker, on a drop request raised before "
                  "the interval was over: the waiter got it %.1f ms after it asked. A waiter "
                  "must raise the drop request only when its timed wait of a whole interval "
                  "timed out, not on every wait",
                  mode, holding, hold_ms, (acquired - requested) / MS);
    cr_assert(!early && acquired >= released,
              "%s GIL: expected a second thread's gil_acquire to block while the first thread "
              "held the GIL (it %s, %ld ms), observed it return %.1f ms before the release. "
              "Likely cause: %s",
              mode, holding, hold_ms, (released - acquired) / MS, OUTSIDE);
    double delay_ms = (acquired - released) / MS;
    cr_assert(delay_ms < 300,
              "%s GIL: expected the waiter to get the GIL well under 300 ms after the release "
              "(the interval is 2 s), observed %.0f ms. Likely cause: gil_release does not "
              "signal `cond`, so the waiter only wakes at its timeout",
              mode, delay_ms);
}

GRADED(gil, wakes_a_waiter_on_release)
{
    struct driver d;
    driver_start(&d, LAB, DRIVER, 30);
    check_wakes_waiter(&d, "new", "sleep");
    check_wakes_waiter(&d, "new", "work");
    check_wakes_waiter(&d, "old", "sleep");
    check_wakes_waiter(&d, "old", "work");
    finish(&d);
}

/* A waiter woken while the GIL is still held (a spurious wake-up, which POSIX allows,
 * or a wake-up another thread won the race for) must wait again. The driver makes such
 * wake-ups: it broadcasts `cond` every ms while it holds the GIL. */
GRADED(gil, a_waiter_woken_while_the_gil_is_held_waits_again)
{
    struct driver d;
    driver_start(&d, LAB, DRIVER, 30);
    const char *modes[] = {"old", "new"};
    for (int i = 0; i < 2; i++) {
        long hold_ms = random_between(60, 120);
        driver_send(&d, "wake %s 2000000 %ld poke", modes[i], hold_ms);
        char *line = expect(&d, "wake", 15, "a crash in gil_acquire or gil_release?", NULL);
        long long requested = field(line, "requested"), released = field(line, "released");
        long long acquired = field(line, "acquired");
        long long requests = field(line, "requests"), forced = field(line, "forced");
        bool early = field(line, "early") != 0;
        free(line);
        cr_assert(!early && acquired >= released,
                  "%s GIL: a thread held the GIL for %ld ms while another waited, and "
                  "broadcast `cond` every ms meanwhile (a wake-up that changes nothing, as a "
                  "spurious one would): expected the waiter to go back to waiting until the "
                  "release, observed it return from gil_acquire %.1f ms after it asked, %.1f "
                  "ms before the release. Likely cause: gil_acquire looks at `locked` once, "
                  "with `if`; a woken waiter must look again, `while (gil->locked)` around "
                  "the wait (%s)",
                  modes[i], hold_ms, (acquired - requested) / MS, (released - acquired) / MS,
                  i == 0 ? "the old GIL's wait, without a timeout, too" : "each timed wait");
        /* New GIL, a 2 s interval: no timed wait can time out during a hold this short
         * (a run where the holder was held up for most of the interval says nothing). */
        if (i == 1 && released - requested < 1500 * MS)
            cr_assert(requests == 0 && forced == 0,
                      "new GIL with a 2 s interval: a thread held the GIL %.0f ms while "
                      "another waited, and broadcast `cond` every ms meanwhile: expected no "
                      "drop request and no forced drop (no wait lasted a whole interval), "
                      "observed %lld drop request(s) and %lld forced drop(s). Likely cause: "
                      "gil_acquire raises the drop request whenever its wait returns with the "
                      "GIL still held and no switch, also on a wake-up that changed nothing; "
                      "raise it only when pthread_cond_timedwait returned ETIMEDOUT",
                      (released - requested) / MS, requests, forced);
    }
    finish(&d);
}

/* ----------------------------------------------------------------- three threads */

struct relay_seen {
    long interval_ms, give_up_ms;
    long long released, first_acquired, second_acquired, asked;
    bool got;
};

/* Three threads (see the driver's relay): the driver holds the GIL, sleeping, while two
 * waiters wait; once one of them has raised a drop request it releases, 2.5 intervals
 * later (mid-interval). The waiter that takes the GIL then holds it CPU-bound, calling
 * the eval breaker, until the other waiter has had it. */
static void play_relay(struct driver *d, struct relay_seen *seen)
{
    seen->interval_ms = random_between(40, 80);
    seen->give_up_ms = 2000;
    driver_send(d, "relay %ld %ld", seen->interval_ms * 1000, seen->give_up_ms);
    char *line = expect(d, "relay", 20, "a crash, or a GIL that deadlocks on a handover?", NULL);
    seen->released = field(line, "released");
    seen->first_acquired = field(line, "first-acquired");
    seen->second_acquired = field(line, "second-acquired");
    seen->got = field(line, "got") != 0;
    seen->asked = field(line, "asked");
    free(line);
}

/* The likely causes of a waiter that never asks again after a switch. */
static const char *const STARVED =
    "after a switch, the waiter never raises the drop request again: gil_acquire must "
    "take saved_switch = switch_number anew before each timed wait (inside the `while "
    "(gil->locked)` loop, not once per call), and keep waiting with a timeout of one "
    "interval (pthread_cond_timedwait) even once a drop request is raised, so that it "
    "can ask the next holder too";

/* ----------------------------------------------------------------- drop request */

GRADED(gil, raises_a_drop_request_only_after_a_full_interval)
{
    struct driver d;
    driver_start(&d, LAB, DRIVER, 30);

    /* First: a holder that lets go on its own, well before the interval ends. Nobody
     * needs to ask it, so no drop request may be raised. The hold is counted from the
     * moment the waiter is about to call gil_acquire; a run where the holder was held up
     * (a busy machine) until near the interval's end says nothing, and is played again. */
    long interval_ms = 0, hold_ms = 0;
    long long requested = 0, released = 0, acquired = 0, requests = 0, forced = 0;
    int attempt = 0;
    do {
        interval_ms = random_between(200, 300);
        hold_ms = random_between(20, 50);
        driver_send(&d, "drop-early %ld %ld", interval_ms * 1000, hold_ms);
        char *line = expect(&d, "drop-early", 15, "a crash in gil_acquire or gil_release?",
                            "expected the waiter to get the GIL soon after the holder "
                            "released it, observed it still waiting 3 s later: does "
                            "gil_release signal `cond`?");
        requested = field(line, "requested");
        released = field(line, "released");
        acquired = field(line, "acquired");
        requests = field(line, "requests");
        forced = field(line, "forced");
        free(line);
    } while (released - requested > (interval_ms - 100) * MS && ++attempt < 3);
    if (released - requested > (interval_ms - 100) * MS)
        cr_skip_test("the machine is too busy: in 3 runs the holder could not let go within "
                     "100 ms of the end of the interval");
    cr_assert(acquired >= released,
              "expected the waiter to get the GIL only after the holder released it (the "
              "holder kept it %ld ms), observed it %.1f ms before. Likely cause: %s",
              hold_ms, (released - acquired) / MS, OUTSIDE);
    cr_assert(requests == 0 && forced == 0,
              "the holder let go %.0f ms into a %ld ms interval: expected no drop request "
              "and no forced drop, observed %lld drop request(s) and %lld forced drop(s). A "
              "waiter must raise the request only when its timed wait of one interval timed "
              "out with the GIL still held and no switch meanwhile, not on every wait",
              (released - requested) / MS, interval_ms, requests, forced);

    /* Then: a CPU-bound holder that only lets go when asked. The waiter must wait a
     * whole interval before asking, then get the GIL soon after. */
    interval_ms = random_between(60, 120);
    driver_send(&d, "drop-cpu %ld 3000", interval_ms * 1000);
    char *line = expect(&d, "drop-cpu", 15, "a crash in gil_acquire or gil_eval_breaker?", NULL);
    bool got = field(line, "got") != 0;
    requested = field(line, "requested");
    acquired = field(line, "acquired");
    requests = field(line, "requests");
    forced = field(line, "forced");
    free(line);
    cr_assert(got,
              "expected a CPU-bound holder calling gil_eval_breaker() to let a waiter in "
              "about one interval (%ld ms) after it asked, observed the waiter still waiting "
              "3 s later (%lld drop request(s), %lld forced drop(s)). Likely cause: the "
              "waiter does not raise the drop request when its timed wait times out, or "
              "gil_eval_breaker does not let go when `drop_request` is set",
              interval_ms, requests, forced);
    double waited_ms = (acquired - requested) / MS;
    cr_assert(waited_ms >= 0.95 * interval_ms,
              "expected the waiter to get the GIL from a CPU-bound holder after at least one "
              "switch interval (%ld ms), observed %.1f ms: the drop request was raised "
              "before a whole interval passed without a switch (raise it when the timed "
              "wait times out, not when the wait starts)",
              interval_ms, waited_ms);
    cr_assert(waited_ms < interval_ms + 900,
              "expected the waiter to get the GIL from a CPU-bound holder about one interval "
              "(%ld ms) after it asked, observed %.0f ms. Likely cause: the drop request is "
              "raised late (is the wait timed, one interval at a time?)",
              interval_ms, waited_ms);
    cr_assert(requests >= 1 && forced >= 1,
              "expected the counters to show the drop request and the forced drop, observed "
              "%lld drop request(s) and %lld forced drop(s): count them where they happen",
              requests, forced);

    /* Last: three threads. The GIL changes hands mid-interval; the waiter left behind
     * must wait a whole interval with no switch before it asks the new holder. */
    struct relay_seen relay;
    play_relay(&d, &relay);
    cr_assert(relay.got,
              "new GIL, 3 threads: after one waiter took the GIL, expected the other to get it "
              "from that CPU-bound holder, observed it still waiting %ld ms later (see "
              "gil/forced_switching_prevents_starvation). Likely cause: %s",
              relay.give_up_ms, STARVED);
    double after_ms = (relay.second_acquired - relay.released) / MS;
    cr_assert(after_ms >= 0.95 * relay.interval_ms,
              "new GIL, 3 threads, a %ld ms interval: a holder released the GIL (forced) while "
              "two threads waited; expected the waiter left behind to ask the new holder only "
              "after a whole interval with no switch, so to get the GIL at least %ld ms after "
              "the release, observed %.1f ms (the new holder took it %.1f ms after the "
              "release). Likely cause: a timed wait during which the GIL changed hands "
              "raised the drop request: raise it only if switch_number still equals the "
              "saved_switch taken before that wait",
              relay.interval_ms, relay.interval_ms, after_ms,
              (relay.first_acquired - relay.released) / MS);
    cr_assert(relay.asked == 2,
              "new GIL, 3 threads: two holders in turn kept the GIL until asked, while the "
              "waiters' timed waits timed out again and again (the first holder %ld ms "
              "after the request); expected 2 drop requests counted (one per holder: a "
              "request stays raised until the GIL changes hands), observed %lld. Likely "
              "cause: gil_acquire counts drop_requests at every timed-out wait; count it "
              "only when the request goes from not raised to raised (drop_request was "
              "false)",
              5 * relay.interval_ms / 2, relay.asked);
    finish(&d);
}

/* ----------------------------------------------------------------- forced switching */

GRADED(gil, forced_switching_prevents_starvation)
{
    skip_unless_cpus(2);
    struct driver d;
    driver_start(&d, LAB, DRIVER, 30);

    /* Each handover, one at a time: exactly one forced drop per request. */
    const int trials = 15;
    long interval_ms = random_between(15, 30);
    driver_send(&d, "handover %ld %d", interval_ms * 1000, trials);
    char *line =
        expect(&d, "handover", 15, "a crash, or a GIL that deadlocks on a handover?", NULL);
    long long got = field(line, "got"), drops = field(line, "forced");
    free(line);
    cr_log_info("forced switching: %lld forced drops for %d handovers", drops, trials);
    cr_assert(got == trials,
              "expected a waiter to get the GIL from a CPU-bound holder (interval %ld ms) "
              "each of %d times, observed the waiter of handover %lld still waiting 2 s "
              "later. Likely cause: the waiter does not raise the drop request after a timed "
              "wait, or the eval breaker does not let go when `drop_request` is set",
              interval_ms, trials, got + 1);
    cr_assert(drops >= trials && drops <= trials + 1,
              "%d times a waiter asked a CPU-bound holder for the GIL: expected one forced "
              "drop to hand it over each time (%d, or one more), observed %lld. More means "
              "the holder won the GIL straight back and the waiter had to ask again: a forced "
              "release must wait until another thread has taken the GIL (last_holder "
              "changed, on `switch_cond`). Fewer means forced drops are not counted",
              trials, trials, drops);

    /* Then two CPU-bound threads competing all the time. */
    const int run_ms = 500;
    interval_ms = 5;
    driver_send(&d, "compete %ld %d", interval_ms * 1000, run_ms);
    long long turns[2], gap[2];
    for (int i = 0; i < 2; i++) {
        line = expect(&d, "compete", 15, "a crash, or a GIL that deadlocks?", NULL);
        turns[i] = field(line, "turns");
        gap[i] = field(line, "max-gap");
        free(line);
    }
    line = expect(&d, "compete overlap", 10, "the driver ended early", NULL);
    long long overlap = field(line, "overlap"), requests = field(line, "requests");
    drops = field(line, "forced");
    free(line);
    cr_log_info("2 CPU-bound threads: %lld and %lld turns, %lld drop requests, longest waits "
                "%.1f and %.1f ms",
                turns[0], turns[1], requests, gap[0] / MS, gap[1] / MS);
    cr_assert(overlap <= 1,
              "two CPU-bound threads: expected at most 1 running bytecode at a time, the eval "
              "loop saw %lld at once. Likely cause: %s",
              overlap, OUTSIDE);
    for (int i = 0; i < 2; i++) {
        cr_assert(turns[i] >= 5,
                  "expected each of 2 CPU-bound threads to get the GIL tens of times in %d ms "
                  "with a %ld ms interval, observed thread %d getting it %lld times: the other "
                  "thread keeps winning it back. Likely cause: no forced switching (after a "
                  "drop request, the holder must wait until the waiter has really taken the "
                  "GIL)",
                  run_ms, interval_ms, i + 1, turns[i]);
        cr_assert(gap[i] < 40 * interval_ms * MS,
                  "expected no CPU-bound thread to wait more than a few %ld ms intervals for "
                  "the GIL (limit %ld ms), observed thread %d waiting %.0f ms once. Likely "
                  "cause: no forced switching in gil_release / gil_eval_breaker",
                  interval_ms, 40 * interval_ms, i + 1, gap[i] / MS);
    }
    cr_assert(requests >= 5 && drops >= 5,
              "two CPU-bound threads for %d ms with a %ld ms interval: expected tens of drop "
              "requests and forced drops, the counters say %lld and %lld",
              run_ms, interval_ms, requests, drops);

    /* Then three threads: after one handover, the waiter left behind must ask again. */
    struct relay_seen relay;
    play_relay(&d, &relay);
    cr_assert(relay.got,
              "new GIL, 3 threads, a %ld ms interval: a holder released the GIL (forced) "
              "while two threads waited, and the one that took it held it CPU-bound "
              "(calling the eval breaker): expected the other waiter to get it a few "
              "intervals later, observed it still waiting %ld ms later. Likely cause: %s",
              relay.interval_ms, relay.give_up_ms, STARVED);
    finish(&d);
}

/* A release made while a drop request is pending is forced: it returns only once the
 * waiter has the GIL, so the releasing thread, asking again at once, comes after it. */
GRADED(gil, a_release_with_a_pending_request_is_forced)
{
    struct driver d;
    driver_start(&d, LAB, DRIVER, 30);
    const int trials = 5;
    long interval_ms = random_between(20, 40);
    driver_send(&d, "forced-release %ld %d", interval_ms * 1000, trials);
    for (int k = 1; k <= trials; k++) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "forced-release trial %d ", k);
        char *line = expect(&d, prefix, 15, "a crash, or a GIL that deadlocks on a release?", NULL);
        long long pending = field(line, "pending"), released = field(line, "released");
        long long counted = field(line, "forced");
        long long reacquired = field(line, "reacquired");
        long long waiter_requested = field(line, "waiter-requested");
        long long waiter_acquired = field(line, "waiter-acquired");
        free(line);
        cr_assert(pending >= 1,
                  "trial %d: a thread held the GIL (never calling the eval breaker) while "
                  "another waited: expected the waiter to raise a drop request after one "
                  "%ld ms interval, observed none in %.0f ms (see "
                  "gil/raises_a_drop_request_only_after_a_full_interval)",
                  k, interval_ms, (released - waiter_requested) / MS);
        /* With a forced release, the waiter takes the GIL before gil_release returns, so
         * it holds it (and has timed that) before the releasing thread can get it back. */
        if (reacquired >= waiter_acquired)
            continue;
        cr_assert(counted > 0,
                  "trial %d: a thread released the GIL while a drop request was pending, then "
                  "asked for it again at once: expected the waiter that asked to get it first "
                  "(the release is forced), observed the releasing thread back in the GIL "
                  "%.2f ms after its release, before the waiter (%.2f ms after), and no "
                  "forced drop counted. Likely cause: gil_release ignores a pending drop "
                  "request; a release while `drop_request` is set must be forced: count a "
                  "forced drop and wait until another thread has taken the GIL before "
                  "returning",
                  k, (reacquired - released) / MS, (waiter_acquired - released) / MS);
        cr_assert_fail("trial %d: a thread released the GIL while a drop request was pending, "
                       "then asked for it again at once: expected the waiter that asked to get "
                       "it first, observed the releasing thread back in the GIL %.2f ms after "
                       "its release, before the waiter (%.2f ms after), although the release "
                       "counted a forced drop. Likely cause: a forced release must wait (on "
                       "`switch_cond`) until another thread has taken the GIL (last_holder "
                       "changed) before it returns",
                       k, (reacquired - released) / MS, (waiter_acquired - released) / MS);
    }
    char *line = expect(&d, "forced-release forced", 10, "the driver ended early", NULL);
    long long forced = field(line, "forced");
    free(line);
    cr_assert(forced >= trials,
              "%d releases were made while a drop request was pending: expected each to count "
              "a forced drop, the counter says %lld. Likely cause: gil_release does not treat "
              "a release with `drop_request` set as forced",
              trials, forced);
    finish(&d);
}

/* A forced release returns only once another thread has taken the GIL, whatever wakes
 * it meanwhile. The driver freezes the waiter (it cannot take the GIL), lets the holder
 * release with the waiter's drop request pending, and broadcasts `switch_cond` every ms:
 * wake-ups with no switch behind them. */
GRADED(gil, a_forced_release_waits_for_a_real_switch)
{
    struct driver d;
    driver_start(&d, LAB, DRIVER, 40);
    /* Longer than any timeout a forced release might give up after. */
    const long poke_ms = random_between(300, 400);
    long interval_ms = 0;
    bool clean = false;
    long long requests = 0;
    bool unpoked = false, early = false;
    long long released = 0, returned = 0;
    for (int attempt = 0; attempt < 3 && !clean; attempt++) {
        interval_ms = random_between(3, 8);
        driver_send(&d, "spurious-forced %ld %ld", interval_ms * 1000, poke_ms);
        char *line = expect(&d, "spurious-forced", 20, "a crash in gil_release?",
                            "the forced release, or the waiter let go afterwards, did not "
                            "end within 5 s: once the waiter has taken the GIL, does taking "
                            "it broadcast `switch_cond`, and does the releasing thread then "
                            "see last_holder changed?");
        clean = field(line, "clean") != 0;
        requests = field(line, "requests");
        unpoked = field(line, "returned-unpoked") != 0;
        early = field(line, "returned-early") != 0;
        released = field(line, "released");
        returned = field(line, "returned");
        free(line);
        cr_assert(requests >= 1,
                  "a thread held the GIL (never calling the eval breaker) while another "
                  "waited: expected the waiter to raise a drop request after one %ld ms "
                  "interval, observed none in 3 s (see "
                  "gil/raises_a_drop_request_only_after_a_full_interval)",
                  interval_ms);
    }
    if (!clean)
        cr_skip_test("in 3 runs the waiter was always stopped while it held the GIL's mutex: "
                     "the check could not be made");
    cr_assert(!unpoked, "a thread released the GIL while a drop request was pending and the waiter "
                        "that raised it could not run: expected gil_release to wait until another "
                        "thread had taken the GIL, observed it return at once (within 10 ms, with "
                        "nothing waking it). Likely cause: gil_release ignores the pending request "
                        "(see gil/a_release_with_a_pending_request_is_forced): a release while "
                        "`drop_request` is set is forced, and waits on `switch_cond`");
    if (early && returned - released >= 100 * MS)
        cr_assert_fail("a thread released the GIL while a drop request was pending and the "
                       "waiter that raised it could not run for %ld ms: expected gil_release to "
                       "wait until another thread had taken the GIL, however long that takes, "
                       "observed it give up and return %.0f ms after it was called, while "
                       "nobody had. Likely cause: the forced release waits on `switch_cond` "
                       "with a timeout; wait with no timeout (pthread_cond_wait), in a loop "
                       "`while (gil->last_holder == gil_self())`",
                       poke_ms + 10, (returned - released) / MS);
    cr_assert(!early,
              "a thread released the GIL while a drop request was pending and the waiter "
              "that raised it could not run; `switch_cond` was broadcast every ms for %ld ms "
              "with no switch (wake-ups that change nothing, as spurious ones would): "
              "expected gil_release to keep waiting until another thread had taken the GIL, "
              "observed it return while nobody had. Likely cause: the forced release checks "
              "last_holder once, with `if`; wait in a loop, `while (gil->last_holder == "
              "gil_self())`, since a woken thread must look again",
              poke_ms);
    finish(&d);
}

/* ----------------------------------------------------------------- no spinning */

/* The scheduler state of a thread of process pid, from /proc: 'R' running or waiting
 * for a core, 'S' asleep (on a condition variable, a mutex, a sleep), ... */
static char thread_state(pid_t pid, int tid)
{
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, tid);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "could not read %s (the waiting thread ended?)", path);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *p = strrchr(text, ')');
    cr_assert(p != NULL && p[1] == ' ' && p[2] != '\0', "unexpected format of %s", path);
    return p[2];
}

/* CPU time (user + system) of a thread of process pid, in ms, from /proc. */
static double thread_cpu_ms(pid_t pid, int tid)
{
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, tid);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "could not read %s (the waiting thread ended?)", path);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    /* Fields after the command name in parentheses: state is the 3rd, utime the 14th. */
    const char *p = strrchr(text, ')');
    cr_assert_not_null(p, "unexpected format of %s", path);
    unsigned long long utime = 0, stime = 0;
    cr_assert(
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) == 2,
        "unexpected format of %s", path);
    return (double)(utime + stime) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

/* What the test saw of the waiters of a hold-still scenario. */
#define MAX_WATCHED 2
enum { SAMPLES = 40 };
struct watched {
    double used[MAX_WATCHED];  /* CPU time over the hold, ms */
    int runnable[MAX_WATCHED]; /* looks (of SAMPLES) that found the waiter 'R' */
};

/* The driver holds the GIL, never calling the eval breaker, like a C extension that
 * does not release it, while `waiters` threads wait with the given interval: they can
 * only wait. Over hold_ms of that, their CPU time as the kernel counts it, and their
 * state every hold_ms / SAMPLES ms: a sleeping waiter is asleep ('S'); a spinning one is
 * running or waiting for a core ('R'), which a busy machine does not hide the way it
 * hides CPU time. Then the release, after which each waiter must get the GIL. */
static void watch_waiters(struct driver *d, long interval_us, int waiters, double hold_ms,
                          struct watched *seen)
{
    driver_send(d, "hold-still %ld %d", interval_us, waiters);
    int tid[MAX_WATCHED];
    for (int i = 0; i < waiters; i++) {
        char *line = expect(d, "waiter", 10, "the driver could not start a waiter", NULL);
        tid[i] = (int)field(line, "tid");
        free(line);
    }
    free(expect(d, "holding", 10, "the driver ended early", NULL));
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    double cpu0[MAX_WATCHED];
    for (int i = 0; i < waiters; i++) {
        cpu0[i] = thread_cpu_ms(d->run.pid, tid[i]);
        seen->runnable[i] = 0;
    }
    pause.tv_nsec = (long)(hold_ms / SAMPLES * 1e6);
    for (int k = 0; k < SAMPLES; k++) {
        nanosleep(&pause, NULL);
        for (int i = 0; i < waiters; i++)
            seen->runnable[i] += thread_state(d->run.pid, tid[i]) == 'R';
    }
    for (int i = 0; i < waiters; i++)
        seen->used[i] = thread_cpu_ms(d->run.pid, tid[i]) - cpu0[i];
    driver_send(d, "release");
    char *line = expect(d, "hold-still", 15, "a crash in gil_release?", NULL);
    long long released = field(line, "released");
    bool early = field(line, "early") != 0;
    free(line);
    cr_assert(!early,
              "expected the waiters to block while another thread held the GIL, "
              "observed one get it: %s",
              OUTSIDE);
    for (int i = 0; i < waiters; i++) {
        line = expect(d, "waiter", 10, "the driver ended early", NULL);
        long long acquired = field(line, "acquired");
        free(line);
        cr_assert(acquired >= released,
                  "expected waiter %d to get the GIL after it was released, observed it "
                  "%.1f ms before. Likely cause: %s",
                  i + 1, (released - acquired) / MS, OUTSIDE);
    }
}

GRADED(gil, waiters_sleep_instead_of_spinning)
{
    struct driver d;
    driver_start(&d, LAB, DRIVER, 30);
    /* A 1 s interval: a waiter that sleeps does not wake up while it is watched. */
    const double hold_ms = 400;
    struct watched seen;
    watch_waiters(&d, 1000000, 2, hold_ms, &seen);
    for (int i = 0; i < 2; i++)
        cr_assert(seen.used[i] < 60 && seen.runnable[i] <= SAMPLES / 4,
                  "expected a thread waiting for the GIL to sleep on the condition variable "
                  "(asleep whenever looked at, a few ms of CPU at most), observed waiter %d "
                  "running or ready to run in %d of %d looks over %.0f ms of waiting, and "
                  "burning %.0f ms of CPU (the kernel's counts). Likely cause: gil_acquire "
                  "spins (unlocks and relocks the mutex, or polls `locked`) instead of "
                  "waiting on `cond` with pthread_cond_timedwait / pthread_cond_wait",
                  i + 1, seen.runnable[i], SAMPLES, hold_ms, seen.used[i]);

    /* A short interval, a holder that never lets go: the waiter's timed waits time out
     * one after the other, each a whole interval of sleep. */
    long interval_ms = random_between(5, 20);
    watch_waiters(&d, interval_ms * 1000, 1, hold_ms, &seen);
    cr_assert(seen.used[0] < 100 && seen.runnable[0] <= SAMPLES / 2,
              "new GIL with a %ld ms interval, a holder that kept the GIL %.0f ms without an "
              "eval breaker: expected the waiter to sleep a whole interval in each timed "
              "wait (a few ms of CPU, asleep nearly whenever looked at), observed it running "
              "or ready to run in %d of %d looks, burning %.0f ms of CPU. Likely cause: once "
              "its first wait timed out, every timed wait returns ETIMEDOUT at once: "
              "gil_acquire computes the deadline once, before its loop; compute it anew "
              "for each wait (clock_deadline_after_ns inside the `while (gil->locked)` loop)",
              interval_ms, hold_ms, seen.runnable[0], SAMPLES, seen.used[0]);
    finish(&d);
}

/* ----------------------------------------------------------------- blocking I/O */

#define IO_THREADS 4

GRADED(gil, blocking_io_releases_the_gil)
{
    struct driver d;
    driver_start(&d, LAB, DRIVER, 30);
    long sleep_ms = random_between(150, 250);
    driver_send(&d, "io %d %ld 5000 5000", IO_THREADS, sleep_ms);
    long long before[IO_THREADS], after[IO_THREADS];
    for (int i = 0; i < IO_THREADS; i++) {
        char *line = expect(&d, "io", 15, "a crash, or a GIL that deadlocks?", NULL);
        long long ret = field(line, "ret");
        before[i] = field(line, "before");
        after[i] = field(line, "after");
        free(line);
        cr_assert(ret == 0, "interp_blocking_sleep returned %lld, expected 0", ret);
    }
    char *line = expect(&d, "io overlap", 10, "the driver ended early", NULL);
    long long overlap = field(line, "overlap"), switches = field(line, "switches");
    free(line);
    cr_assert(overlap <= 1,
              "expected at most 1 thread running bytecode at a time around blocking calls, "
              "the eval loop saw %lld at once. Likely cause: %s",
              overlap, OUTSIDE);
    cr_assert(switches >= IO_THREADS - 1,
              "expected the switch counter to count %d threads each taking the GIL (at least "
              "%d switches), observed %lld",
              IO_THREADS, IO_THREADS - 1, switches);
    /* The most blocking calls in progress at one moment: each call's span starts when
     * its thread calls interp_blocking_sleep (holding the GIL) and ends when it holds
     * the GIL again. Spans can only overlap if the GIL is let go while one sleeps. */
    int most = 0;
    for (int i = 0; i < IO_THREADS; i++) {
        int inside = 0;
        for (int k = 0; k < IO_THREADS; k++)
            inside += before[k] <= before[i] && before[i] < after[k];
        if (inside > most)
            most = inside;
    }
    cr_assert(most >= IO_THREADS - 1,
              "%d threads each made a %ld ms blocking call (interp_blocking_sleep, which "
              "releases the GIL around the sleep): expected the calls to overlap (at least "
              "%d at once), observed at most %d in progress at one moment. Likely cause: "
              "gil_release does not let another thread in (clear `locked` and signal `cond`) "
              "while the releasing thread sleeps",
              IO_THREADS, sleep_ms, IO_THREADS - 1, most);
    finish(&d);
}

/* ----------------------------------------------------------------- old GIL */

GRADED(gil, old_gil_lets_go_every_check_interval)
{
    struct driver d;
    driver_start(&d, LAB, DRIVER, 10);
    long check = random_between(3, 20), calls = random_between(50, 300);
    driver_send(&d, "ticks %ld %ld", check, calls);
    char *line = expect(&d, "ticks", 15, "a crash in the old GIL's eval breaker?", NULL);
    long long drops = field(line, "drops"), requests = field(line, "requests");
    long long forced = field(line, "forced"), switches = field(line, "switches");
    free(line);
    cr_assert(drops == calls / check,
              "old GIL with a check interval of %ld: expected %ld eval-breaker calls to let "
              "go %ld times, the tick_drops counter says %lld. Count the calls (ticks) since "
              "the holder took the GIL, and let go when they reach check_interval",
              check, calls, calls / check, drops);
    cr_assert(requests == 0 && forced == 0,
              "expected the old GIL to have no drop request and no forced drop, observed %lld "
              "and %lld",
              requests, forced);
    cr_assert(switches <= 1,
              "one thread alone held the old GIL: expected no switch to another thread (at "
              "most the first acquisition), observed %lld: count a switch only when "
              "last_holder is another thread",
              switches);
    finish(&d);
}

GRADED(gil, old_gil_hands_over_at_a_tick_drop)
{
    /* A holder that runs the given eval loop and never calls gil_release until a waiter
     * has had the GIL: only a tick drop can let the waiter in. On one core, with the
     * holder at a low priority, the woken waiter runs before the holder takes the GIL
     * back; the driver gives up after 3 s. */
    struct driver d;
    driver_start(&d, LAB, DRIVER, 20);
    long check = 0;
    long long ticks = 0;
    bool got = false;
    for (int attempt = 0; attempt < 2 && !got; attempt++) {
        check = random_between(1, 5);
        driver_send(&d, "old-handover %ld 3000", check);
        char *line = expect(&d, "old-handover", 15, "a crash in the old GIL?", NULL);
        got = field(line, "got") != 0;
        ticks = field(line, "ticks");
        long long overlap = field(line, "overlap");
        free(line);
        cr_assert(overlap <= 1,
                  "old GIL: expected at most 1 thread running bytecode at a time, the eval "
                  "loop saw %lld at once. Likely cause: %s",
                  overlap, OUTSIDE);
    }
    cr_assert(ticks >= 1,
              "old GIL with a check interval of %ld: a holder ran units in the eval loop for "
              "3 s, expected tick drops, the counter says 0",
              check);
    cr_assert(got,
              "old GIL with a check interval of %ld: a holder ran the eval loop while another "
              "thread waited; expected the waiter to get the GIL at one of its tick drops, "
              "observed it waiting until the holder called gil_release, 3 s later, although "
              "the counter says %lld tick drops (twice). Likely cause: the tick drop is only "
              "counted: every check_interval calls, gil_eval_breaker must really let go of "
              "the GIL (clear `locked`, signal `cond`, as gil_release does) and then take it "
              "back with gil_acquire",
              check, ticks);
    finish(&d);
}

/* ----------------------------------------------------------------- ThreadSanitizer */

/* Plays scenarios on the driver built with ThreadSanitizer (one process each), where a
 * field of struct gil accessed without its lock would meet another thread's access with
 * nothing ordering them. Returns the driver's stdout; fails the test, saying `likely`,
 * if ThreadSanitizer reported anything. */
static char *tsan_play(const char *commands, const char *what, const char *likely)
{
    const char *path = tsan_program_path(LAB, DRIVER);
    cr_assert(path != NULL,
              "this test needs the ThreadSanitizer build of %s, but CONCLAB_TSAN_BIN is not "
              "set: run it with `make grade` (or build with SAN=thread and set "
              "CONCLAB_TSAN_BIN=build/tsan/<impl>)",
              DRIVER);
    const char *argv[] = {path, NULL};
    const char *env[] = {"TSAN_OPTIONS=exitcode=66 second_deadlock_stack=1", NULL};
    struct run_spec spec = {.argv = argv, .stdin_text = commands, .env = env, .timeout_s = 40};
    struct run_result r;
    cr_assert(run_program(&spec, &r), "could not start %s: %.200s", path, r.err);
    const char *report = strstr(r.err, "WARNING: ThreadSanitizer");
    cr_assert(report == NULL,
              "%s: expected ThreadSanitizer to find nothing, observed a data race (two "
              "threads touching the same memory, at least one writing, with no lock or "
              "atomic between them). Likely cause: %s\nIts report starts:\n%.1500s",
              what, likely, report);
    cr_assert(strstr(r.out, " stuck\n") == NULL && !r.timed_out,
              "%s (ThreadSanitizer build): expected every scenario to end, observed one "
              "blocked for good. Likely cause: %s\noutput: %.300s",
              what, BLOCKED, r.out);
    cr_assert(r.exited && r.exit_code == 0,
              "%s (ThreadSanitizer build): expected the driver to exit 0, it ended with %s. "
              "stderr: %.500s",
              what, run_describe_end(&r), r.err);
    char *out = strdup(r.out);
    run_result_free(&r);
    return out;
}

/* The number after " key " in the report line of out that starts with prefix. */
static long long out_field(const char *out, const char *prefix, const char *key)
{
    const char *line = strstr(out, prefix);
    cr_assert_not_null(line, "expected the driver's report \"%s ...\", observed: %.300s", prefix,
                       out);
    char copy[512];
    snprintf(copy, sizeof copy, "%.*s", (int)strcspn(line, "\n"), line);
    return field(copy, key);
}

GRADED(gil, counters_and_requests_have_no_data_races)
{
    /* A waiter raises a drop request while the holder sleeps, holding no lock; then the
     * holder calls gil_release, which reads the request. */
    const int trials = 8;
    char command[128];
    snprintf(command, sizeof command, "tsan-release %ld %d\n", random_between(1000, 3000), trials);
    char *out = tsan_play(command,
                          "new GIL: a holder called gil_release just after a waiter raised a "
                          "drop request",
                          "gil_release reads `drop_request` without the mutex, while a waiter "
                          "may be writing it: that read must be atomic (atomic_load), as the "
                          "eval breaker's is (gil.h: written under the mutex, read without it "
                          "by the holder)");
    long long forced = out_field(out, "tsan-release", "forced");
    free(out);
    cr_assert(forced >= 1,
              "new GIL (ThreadSanitizer build): %d times a holder released the GIL after a "
              "waiter had waited 10 intervals for it: expected forced drops, the counter "
              "says %lld. ThreadSanitizer's silence only counts for a GIL that works (see "
              "gil/a_release_with_a_pending_request_is_forced)",
              trials, forced);

    /* Threads taking and releasing the GIL while another reads its counters. */
    const char *const FIELDS =
        "a field that gil.h marks `mutex:` (locked, last_holder, switch_number, "
        "drop_requests, forced_drops, tick_drops) is read or written outside gil->mutex, "
        "while gil_get_stats reads the counters under it: take the GIL (the helper that "
        "sets locked and last_holder and counts the switch) and count every drop with the "
        "mutex held, before it is unlocked";
    const char *modes[] = {"new", "old"};
    for (int i = 0; i < 2; i++) {
        /* Old GIL: a tick drop at every eval-breaker call, as many chances as can be
         * for a counter written just outside the mutex to meet the reader. */
        snprintf(command, sizeof command, "tsan-stats %s 3 1 400\n", modes[i]);
        char what[160];
        snprintf(what, sizeof what,
                 "%s GIL: 3 threads taking and releasing the GIL while a fourth called "
                 "gil_get_stats all the time",
                 modes[i]);
        out = tsan_play(command, what, FIELDS);
        long long switches = out_field(out, "tsan-stats", "switches");
        long long overlap = out_field(out, "tsan-stats", "overlap");
        free(out);
        cr_assert(switches >= 2 && overlap <= 1,
                  "%s (ThreadSanitizer build): expected the GIL to go from thread to thread "
                  "(at least 2 switches) with one thread at a time running bytecode, observed "
                  "%lld switches and %lld at once. ThreadSanitizer's silence only counts for "
                  "a GIL that works (see gil/never_has_two_holders)",
                  what, switches, overlap);
    }

    /* Old GIL: a tick drop hands the GIL over, and the waiter reads the counters at once,
     * while the holder may still be finishing its tick drop. */
    const int rounds = 20;
    snprintf(command, sizeof command, "tsan-ticks %ld %d\n", random_between(1, 3), rounds);
    out = tsan_play(command,
                    "old GIL: a waiter got the GIL at a tick drop and read gil_get_stats at "
                    "once",
                    "`tick_drops` is counted outside gil->mutex (gil.h: it is protected by "
                    "the mutex): by the time the holder counts its tick drop it has let go "
                    "of the GIL, so another thread may be reading the counters; count it "
                    "with the mutex held");
    long long ticks = out_field(out, "tsan-ticks", "ticks");
    long long got = out_field(out, "tsan-ticks", "got");
    free(out);
    cr_assert(got >= 1 && ticks >= 1,
              "old GIL (ThreadSanitizer build): a holder ran the eval loop until a waiter "
              "had the GIL, %d times: expected the waiter to get it at a tick drop, observed "
              "it %lld times, with %lld tick drops counted. ThreadSanitizer's silence only "
              "counts for a GIL that works (see gil/old_gil_hands_over_at_a_tick_drop)",
              rounds, got, ticks);
}
