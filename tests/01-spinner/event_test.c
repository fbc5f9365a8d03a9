/*
 * Graded tests of lab 01, part A: the Event (event.c).
 *
 * The student's event runs in event_driver (event_driver.c, built from event.c): these
 * tests tell it what to do and judge what it reports, so no student code runs in this
 * process. They time the reports themselves, from just before a command is sent to when
 * its report is read: that can only make a wait look longer than it was, never shorter,
 * so a lower bound holds for a correct event however loaded the machine. Timeouts and
 * numbers of waiters are drawn at random for each run.
 */
#include "driver.h"
#include "graded.h"
#include "spin_check.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DRIVER "event_driver"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A number in [lo, hi], different at each run. */
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

/* Fails the test with what the driver said, when a report it owes does not come. */
static void no_report(struct driver *d, const char *waiting_for, const char *likely)
{
    /* A driver still running is stuck in the code under test: stop it now rather than
     * wait for its timeout, which would outlast the test's. */
    siginfo_t info = {0};
    bool ended = waitid(P_PID, (id_t)d->run.pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                 info.si_pid == d->run.pid;
    if (!ended)
        kill(d->run.pid, SIGKILL);
    struct run_result r;
    driver_finish(d, &r);
    cr_assert_fail("expected the event driver to report \"%s\", but it did not (%s): %s\n"
                   "its output ended with: %.300s%.300s",
                   waiting_for, ended ? run_describe_end(&r) : "it was still running", likely,
                   r.out_len > 300 ? r.out + r.out_len - 300 : r.out, r.err);
}

/* Sends a command and returns its report (the next line starting with `prefix`), timed:
 * *ms is from just before the command was sent to when the report was read. NULL if it
 * did not come within timeout_s (the caller says what that means). */
static char *timed_command(struct driver *d, const char *prefix, double timeout_s, double *ms,
                           const char *format, ...) __attribute__((format(printf, 5, 6)));

static char *timed_command(struct driver *d, const char *prefix, double timeout_s, double *ms,
                           const char *format, ...)
{
    char command[128];
    va_list args;
    va_start(args, format);
    vsnprintf(command, sizeof command, format, args);
    va_end(args);
    double start = now_ms();
    driver_send(d, "%s", command);
    char *line = driver_expect(d, prefix, timeout_s);
    *ms = now_ms() - start;
    return line;
}

/* The flag a report ends with ("waited 1" -> true). */
static bool report_flag(const char *line)
{
    return line[strlen(line) - 1] == '1';
}

/* Starts the driver and gives it a fresh event. */
static void start_with_new_event(struct driver *d, double timeout_s)
{
    driver_start(d, LAB, DRIVER, timeout_s);
    driver_send(d, "new");
    char *line = driver_expect(d, "new ", 5);
    if (line == NULL)
        no_report(d, "new", "event_init() crashed or did not return");
    int rc = -1;
    sscanf(line, "new %d", &rc);
    cr_assert(rc == 0, "event_init() returned %d (%s), expected 0", rc,
              strerror(rc < 0 ? -rc : rc));
    free(line);
}

static bool is_set(struct driver *d)
{
    driver_send(d, "is-set");
    char *line = driver_expect(d, "is-set ", 5);
    if (line == NULL)
        no_report(d, "is-set",
                  "event_is_set() did not return: does it lock a mutex that is "
                  "never unlocked?");
    bool set = report_flag(line);
    free(line);
    return set;
}

static void set(struct driver *d)
{
    driver_send(d, "set");
    char *line = driver_expect(d, "set", 5);
    if (line == NULL)
        no_report(d, "set",
                  "event_set() did not return: does it lock a mutex that is never "
                  "unlocked?");
    free(line);
}

static void finish(struct driver *d)
{
    struct run_result r;
    driver_finish(d, &r);
    run_result_free(&r);
}

/* What a wait that ended before its timeout suggests. */
#define EARLY_WAIT_CAUSES                                                                          \
    "the timeout must be waited out: is the deadline computed on CLOCK_MONOTONIC "                 \
    "(clock_deadline_after_ns), and was the condition variable created on that clock "             \
    "(pthread_condattr_setclock in event_init)? A CLOCK_MONOTONIC deadline given to a "            \
    "condition variable left on CLOCK_REALTIME lies decades in the past, so every timed wait "     \
    "ends at once"

/* What a wait that never ends suggests. */
#define ENDLESS_WAIT_CAUSES                                                                        \
    "does ETIMEDOUT from pthread_cond_timedwait end the wait, and is the deadline on the "         \
    "clock of the condition variable (CLOCK_MONOTONIC)? A CLOCK_REALTIME deadline given to a "     \
    "condition variable on CLOCK_MONOTONIC lies decades ahead"

/* Runs event_wait(timeout_ms) on an event nobody sets and checks it returned false after
 * its whole timeout. */
static void assert_waits_out(struct driver *d, long timeout_ms)
{
    double ms;
    char *line = timed_command(d, "waited ", 3, &ms, "wait %ld", timeout_ms);
    if (line == NULL)
        no_report(d, "waited",
                  "event_wait() on an event nobody sets did not return within 3 s, "
                  "although its timeout was shorter: " ENDLESS_WAIT_CAUSES);
    cr_assert(!report_flag(line),
              "expected event_wait(%ld ms) on an event nobody sets to wait %ld ms and return "
              "false; it returned true after %.0f ms: a wait returns the flag, read under the "
              "mutex when the event is set or the timeout has passed, never 'set' on its own",
              timeout_ms, timeout_ms, ms);
    cr_assert(ms >= (double)timeout_ms - 10,
              "expected event_wait(%ld ms) on an event nobody sets to return after %ld ms; it "
              "returned after %.0f ms: " EARLY_WAIT_CAUSES,
              timeout_ms, timeout_ms, ms);
    cr_assert(
        ms < (double)timeout_ms + 2000,
        "expected event_wait(%ld ms) to return after %ld ms; it took %.0f ms: " ENDLESS_WAIT_CAUSES,
        timeout_ms, timeout_ms, ms);
    free(line);
}

GRADED(event, wait_returns_at_once_when_set)
{
    struct driver d;
    start_with_new_event(&d, 8);
    cr_assert(!is_set(&d), "a new event should not be set, but event_is_set() returned true: "
                           "does event_init() clear the flag, and event_is_set() return it?");
    set(&d);
    cr_assert(is_set(&d), "expected event_is_set() true after event_set(); it returned false: "
                          "does event_set() set the flag, and event_is_set() read it (both "
                          "under the mutex)?");
    long timeout_ms = random_between(3000, 6000);
    double ms;
    char *line = timed_command(&d, "waited ", 0.5, &ms, "wait %ld", timeout_ms);
    if (line == NULL)
        no_report(&d, "waited",
                  "event_wait() on an event that is already set was still waiting after "
                  "500 ms: it must look at the flag before it waits (while (!is_set) "
                  "wait...), since the broadcast that set it happened before the wait began");
    cr_assert(report_flag(line),
              "event_wait(%ld ms) on a set event returned false after %.0f "
              "ms, expected true at once: return the flag",
              timeout_ms, ms);
    free(line);

    set(&d); /* setting twice is harmless */
    line = timed_command(&d, "waited ", 5, &ms, "wait 0");
    if (line == NULL)
        no_report(&d, "waited", "event_wait(0) after a second event_set() did not return");
    cr_assert(report_flag(line), "a set event stays set: event_wait(0) after a second "
                                 "event_set() returned false (does event_set() toggle the "
                                 "flag instead of setting it?)");
    free(line);
    finish(&d);
}

GRADED(event, wait_honours_the_timeout)
{
    struct driver d;
    start_with_new_event(&d, 8);
    assert_waits_out(&d, random_between(120, 220));

    double ms;
    char *line = timed_command(&d, "waited ", 5, &ms, "wait 0");
    if (line == NULL)
        no_report(&d, "waited", "event_wait(0) on an unset event did not return");
    cr_assert(!report_flag(line) && ms < 500,
              "expected event_wait(0) on an unset event to return false at once; it returned "
              "%s after %.0f ms",
              report_flag(line) ? "true" : "false", ms);
    free(line);

    /* The condition variable itself must count time on CLOCK_MONOTONIC: an event whose
     * condition variable and deadline are both on CLOCK_REALTIME keeps its timeouts, until
     * someone sets the wall clock. */
    long probe_ms = 200;
    line = timed_command(&d, "clock-probe ", 5, &ms, "clock-probe %ld", probe_ms);
    if (line == NULL)
        no_report(&d, "clock-probe",
                  "a timed wait on the event's condition variable did not "
                  "return: is its mutex left locked?");
    cr_assert(ms >= (double)probe_ms * 0.75,
              "event_init() must create the condition variable on CLOCK_MONOTONIC "
              "(pthread_condattr_setclock): a timed wait on it with a deadline %ld ms ahead on "
              "CLOCK_MONOTONIC ended after %.0f ms (%s), so it reads the deadline on "
              "CLOCK_REALTIME, the wall clock, whose time jumps when the clock is set",
              probe_ms, ms, line);
    free(line);
    finish(&d);
}

/* Fails the test: waiter `who` returned `what` before the event was set. Waiter 0 waits
 * without limit (a negative timeout), the others timeout_ms. */
static void early_return(int who, int what, long timeout_ms)
{
    if (what)
        cr_assert_fail("waiter %d's event_wait() returned true before anyone set the event: a "
                       "wait returns the flag, which only event_set() sets",
                       who);
    if (who == 0)
        cr_assert_fail("waiter 0's event_wait() with a negative timeout returned false before "
                       "anyone set the event: a negative timeout means waiting without limit "
                       "(pthread_cond_wait, no deadline), until the event is set");
    cr_assert_fail("waiter %d's event_wait(%ld ms) returned false at once, before anyone set "
                   "the event and long before its timeout: " EARLY_WAIT_CAUSES,
                   who, timeout_ms);
}

GRADED(event, set_releases_every_waiter)
{
    int waiters = (int)random_between(3, 6);
    long timeout_ms = random_between(4000, 6000);
    struct driver d;
    start_with_new_event(&d, 8);
    /* One waiter waits without limit, the others with a long timeout. */
    driver_send(&d, "spawn 1 -1");
    driver_send(&d, "spawn %d %ld", waiters - 1, timeout_ms);
    for (int started = 0; started < waiters;) {
        char *line = driver_expect(&d, "", 5);
        if (line == NULL)
            no_report(&d, "started", "the driver could not start its waiting threads");
        int who = -1, what = -1;
        if (sscanf(line, "returned %d %d", &who, &what) == 2)
            early_return(who, what, timeout_ms);
        if (strncmp(line, "started ", 8) == 0)
            started++;
        free(line);
    }
    /* The waiters are in event_wait() now, or about to be: none may return yet. */
    char *early = driver_expect(&d, "returned ", 0.15);
    int who = -1, what = -1;
    if (early != NULL && sscanf(early, "returned %d %d", &who, &what) == 2)
        early_return(who, what, timeout_ms);

    double set_at = now_ms();
    driver_send(&d, "set");
    int returned = 0;
    bool seen[64] = {false};
    while (returned < waiters) {
        double left = 1000 - (now_ms() - set_at);
        char *line = left > 0 ? driver_expect(&d, "returned ", left / 1000) : NULL;
        if (line == NULL)
            break;
        int id = -1, result = 0;
        sscanf(line, "returned %d %d", &id, &result);
        cr_assert(result == 1,
                  "waiter %d's event_wait() returned false after event_set(): once set, the "
                  "wait must report true (return the flag, re-read under the mutex)",
                  id);
        if (id >= 0 && id < 64 && !seen[id]) {
            seen[id] = true;
            returned++;
        }
        free(line);
    }
    char still[160] = "";
    for (int id = 0; id < waiters; id++)
        if (!seen[id])
            snprintf(still + strlen(still), sizeof still - strlen(still), "%s%d%s",
                     still[0] ? ", " : "", id, id == 0 ? " (no time limit)" : "");
    cr_assert(returned == waiters,
              "expected all %d waiters to return within 1 s of event_set(); %d did, and "
              "waiter(s) %s still waited: event_set() must wake every waiter "
              "(pthread_cond_broadcast, not pthread_cond_signal, which wakes one)",
              waiters, returned, still);
    driver_send(&d, "join 2");
    char *line = driver_expect(&d, "joined", 3);
    if (line == NULL)
        no_report(&d, "joined", "a waiter did not end");
    free(line);
    finish(&d);
}

GRADED(event, wait_survives_spurious_wakeups)
{
    long timeout_ms = random_between(250, 350);
    struct driver d;
    start_with_new_event(&d, 8);
    /* First without pokes: a wait that cannot keep its timeout at all is another mistake,
     * whose message is the clock's. */
    assert_waits_out(&d, timeout_ms);

    /* Now the condition variable is woken every 20 ms, under its mutex, but never set. */
    const long poke_ms = 20, pokes = 150; /* 3 s of pokes */
    driver_send(&d, "poke %ld %ld", poke_ms, pokes);
    char *line = driver_expect(&d, "poking", 5);
    if (line == NULL)
        no_report(&d, "poking", "the driver could not start its poking thread");
    free(line);
    double ms, allowed = (double)timeout_ms + 1200;
    line = timed_command(&d, "waited ", allowed / 1000, &ms, "wait %ld", timeout_ms);
    if (line == NULL) {
        char why[400];
        snprintf(why, sizeof why,
                 "with the condition variable woken every %ld ms but the event never set, "
                 "event_wait(%ld ms) was still waiting after %.0f ms: a wake-up must not "
                 "restart the timeout. Compute one absolute deadline before the loop "
                 "(clock_deadline_after_ns) and wait for that same deadline at every turn, "
                 "instead of a new deadline at every wake-up",
                 poke_ms, timeout_ms, ms);
        no_report(&d, "waited", why);
    }
    cr_assert(!report_flag(line),
              "with the condition variable woken every %ld ms but the event never set, "
              "event_wait(%ld ms) returned true after %.0f ms: a wake-up does not mean the "
              "event is set; return the flag (read under the mutex), not whether you were "
              "woken",
              poke_ms, timeout_ms, ms);
    cr_assert(ms >= (double)timeout_ms - 10,
              "with the condition variable woken every %ld ms but the event never set, "
              "event_wait(%ld ms) returned false after %.0f ms, before its timeout: a return "
              "from pthread_cond_timedwait does not mean the event is set or the time is up. "
              "Wait in a while loop that re-checks the flag, until the flag is set or "
              "pthread_cond_timedwait reports ETIMEDOUT",
              poke_ms, timeout_ms, ms);
    free(line);
    finish(&d);
}

GRADED(event, is_clean_under_thread_sanitizer)
{
    /* Many rounds of: threads wait for a fresh event (some polling event_is_set() and
     * event_wait(0) in a tight loop, some in one event_wait() without limit, some
     * alternating event_is_set() and short event_wait()s) while the main thread sets
     * it. ThreadSanitizer sees every access to the flag. */
    int threads = (int)random_between(4, 6), rounds = (int)random_between(60, 100);
    const char *path = tsan_program_path(LAB, DRIVER);
    cr_assert(path != NULL,
              "this test needs the ThreadSanitizer build of %s, but "
              "CONCLAB_TSAN_BIN is not set: run it with `make grade` (or build "
              "with SAN=thread and set CONCLAB_TSAN_BIN=build/tsan/<impl>)",
              DRIVER);
    char input[64];
    snprintf(input, sizeof input, "stress %d %d\n", threads, rounds);
    const char *argv[] = {path, NULL};
    const char *env[] = {"TSAN_OPTIONS=exitcode=66 second_deadlock_stack=1", NULL};
    struct run_spec spec = {.argv = argv, .stdin_text = input, .env = env, .timeout_s = 30};
    struct run_result r;
    cr_assert(run_program(&spec, &r), "could not start %s: %.200s", path, r.err);
    const char *report = strstr(r.err, "WARNING: ThreadSanitizer");
    cr_assert(report == NULL,
              "%d threads waiting for an event while another sets it, %d times over: "
              "ThreadSanitizer found a data race (two threads touch the same memory without "
              "a lock between them): is every read and every write of is_set made with the "
              "event's mutex held, event_is_set() and any early check in event_wait() "
              "included? Its report starts:\n%.1500s",
              threads, rounds, report);
    cr_assert(strstr(r.out, "stress stuck") == NULL,
              "%d threads waiting for an event while another sets it: a waiter had not "
              "returned 10 s after event_set(): does event_set() wake every waiter "
              "(pthread_cond_broadcast), and does a waiter check the flag before it waits?",
              threads);
    cr_assert(!r.timed_out && r.exited && r.exit_code == 0,
              "the ThreadSanitizer build of the event driver should exit 0; it ended with %s. "
              "stderr: %.500s",
              run_describe_end(&r), r.err);
    int released = -1, early = -1;
    const char *line = strstr(r.out, "stress released ");
    if (line != NULL)
        sscanf(line, "stress released %d early %d", &released, &early);
    cr_assert(line != NULL, "expected the driver's report 'stress released ...'; output: %.300s",
              r.out);
    cr_assert(early == 0,
              "%d of %d waiters saw the event set before event_set() was called: "
              "event_wait() and event_is_set() must report the flag, which only event_set() "
              "sets",
              early, threads * rounds);
    cr_assert(released == threads * rounds,
              "expected all %d waiters to see the event set once event_set() was called; %d "
              "did, the others' event_wait() returned false: a wait without limit (negative "
              "timeout) must last until the event is set, and a wait must return the flag",
              threads * rounds, released);
    run_result_free(&r);

    /* And the program that uses the event, under ThreadSanitizer too. */
    path = tsan_program_path(LAB, "spinner_thread");
    const char *program[] = {path, "--seconds", "0.35", NULL};
    spec = (struct run_spec){.argv = program, .env = env, .timeout_s = 10};
    cr_assert(run_program(&spec, &r), "could not start %s: %.200s", path, r.err);
    report = strstr(r.err, "WARNING: ThreadSanitizer");
    cr_assert(report == NULL,
              "spinner_thread --seconds 0.35: ThreadSanitizer found a data race (two threads "
              "touch the same memory without a lock between them) in the event it uses: is "
              "every access to is_set made with the event's mutex held? Its report "
              "starts:\n%.1500s",
              report);
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract("spinner_thread (ThreadSanitizer build)", &r, &o, 2);
    run_result_free(&r);
}
