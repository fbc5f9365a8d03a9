/*
 * Graded tests of lab 01, part B: the process-shared event's promises (proc_event.h)
 * that spinner_proc alone does not show: no descriptor leaks into a program started with
 * exec() or stays open after proc_event_close(), and a wait keeps its timeout whatever
 * signals arrive.
 *
 * The student's event runs in proc_event_driver (proc_event_driver.c, built from
 * proc_event.c): these tests tell it what to do and judge what it reports, so no student
 * code runs in this process. They time the reports themselves, from just before a
 * command is sent to when its report is read, which can only make a wait look longer.
 * Timeouts are drawn at random for each run.
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

#define DRIVER "proc_event_driver"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

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
    siginfo_t info = {0};
    bool ended = waitid(P_PID, (id_t)d->run.pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                 info.si_pid == d->run.pid;
    if (!ended)
        kill(d->run.pid, SIGKILL);
    struct run_result r;
    driver_finish(d, &r);
    cr_assert_fail("expected the proc_event driver to report \"%s\", but it did not (%s): %s\n"
                   "its output ended with: %.300s%.300s",
                   waiting_for, ended ? run_describe_end(&r) : "it was still running", likely,
                   r.out_len > 300 ? r.out + r.out_len - 300 : r.out, r.err);
}

/* Sends a command and returns the number its report (a line starting with prefix)
 * ends with; *ms (if not NULL) is from just before the command was sent to when the
 * report was read. Fails the test with `likely` if the report does not come. */
static long command(struct driver *d, const char *prefix, double timeout_s, double *ms,
                    const char *likely, const char *format, ...)
    __attribute__((format(printf, 6, 7)));

static long command(struct driver *d, const char *prefix, double timeout_s, double *ms,
                    const char *likely, const char *format, ...)
{
    char text[128];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    double start = now_ms();
    driver_send(d, "%s", text);
    char *line = driver_expect(d, prefix, timeout_s);
    if (ms != NULL)
        *ms = now_ms() - start;
    if (line == NULL)
        no_report(d, prefix, likely);
    long value = strtol(line + strlen(prefix), NULL, 10);
    free(line);
    return value;
}

static void finish(struct driver *d)
{
    struct run_result r;
    driver_finish(d, &r);
    run_result_free(&r);
}

/* A new event is not set: a wait of timeout_ms returns 0 after its whole timeout. */
static void assert_new_event_waits_out(struct driver *d, long timeout_ms)
{
    double ms;
    long ret = command(d, "waited ", 3, &ms,
                       "proc_event_wait() on an event nobody sets did not return within 3 s, "
                       "although its timeout was shorter: is poll()'s timeout in ms, "
                       "computed from the time left?",
                       "wait %ld", timeout_ms);
    cr_assert(ret == 0 && ms >= (double)timeout_ms - 10,
              "expected proc_event_wait(%ld ms) on a new event, in a process that holds both "
              "of its ends and never sets it, to return 0 (timeout) after %ld ms; it returned "
              "%ld after %.0f ms: a wait returns 1 only once the event is set (for a pipe: "
              "end of file, every write end closed) and 0 when its timeout has passed",
              timeout_ms, timeout_ms, ret, ms);
}

GRADED(proc, event_leaks_no_descriptor)
{
    struct driver d;
    driver_start(&d, LAB, DRIVER, 15);
    long before = command(&d, "fds ", 5, NULL, "the driver could not list its fds", "fds");
    long exec_before = command(&d, "exec-fds ", 5, NULL,
                               "the driver could not start a program with exec()", "exec-fds");
    long rc = command(&d, "new ", 5, NULL, "proc_event_init() did not return", "new");
    cr_assert(rc == 0, "proc_event_init() returned %ld, expected 0", rc);
    assert_new_event_waits_out(&d, random_between(60, 120));

    long exec_after = command(&d, "exec-fds ", 5, NULL,
                              "the driver could not start a program with exec()", "exec-fds");
    cr_assert(exec_after == exec_before,
              "a program started with exec() after proc_event_init() inherited %ld file "
              "descriptor(s) beyond 0-2 (%ld before the event existed): the event's "
              "descriptors must close on exec (proc_event.h). Create them with O_CLOEXEC "
              "(pipe2(fds, O_CLOEXEC)): a program the spinner's process started would "
              "otherwise hold a copy of the write end, and the waiter would never see the "
              "event set while that program lives",
              exec_after, exec_before);

    driver_send(&d, "close");
    char *line = driver_expect(&d, "closed", 5);
    if (line == NULL)
        no_report(&d, "closed", "proc_event_close() did not return");
    free(line);
    long after = command(&d, "fds ", 5, NULL, "the driver could not list its fds", "fds");
    cr_assert(after == before,
              "after proc_event_init() and proc_event_close() the process holds %ld file "
              "descriptor(s) beyond 0-2, %ld before: proc_event_close() must close every "
              "end still open (both, when neither proc_event_become_waiter() nor "
              "proc_event_become_setter() was called), or each event leaks descriptors",
              after, before);

    /* Set twice, with a file opened in between that may get the descriptor the first
     * set closed: the second set and the close must leave that file alone. */
    rc = command(&d, "new ", 5, NULL, "proc_event_init() did not return", "new");
    cr_assert(rc == 0, "proc_event_init() returned %ld, expected 0", rc);
    command(&d, "set ", 5, NULL, "proc_event_set() did not return", "set");
    long fd = command(&d, "opened ", 5, NULL, "the driver could not open /dev/null", "open");
    command(&d, "set ", 5, NULL, "proc_event_set() (the second) did not return", "set");
    driver_send(&d, "close");
    line = driver_expect(&d, "closed", 5);
    if (line == NULL)
        no_report(&d, "closed", "proc_event_close() did not return");
    free(line);
    long open_still =
        command(&d, "is-open ", 5, NULL, "the driver could not check its file", "is-open");
    cr_assert(open_still == 1,
              "proc_event_set(), then open() of an unrelated file (it got descriptor %ld, "
              "maybe the one the set closed), then proc_event_set() again and "
              "proc_event_close(): the unrelated file should still be open on descriptor "
              "%ld; it was closed: the second set or the close closed a descriptor number "
              "the event no longer owned. Setting twice is harmless (proc_event.h): once "
              "proc_event_set() (or become_waiter/become_setter) closes an end, it must "
              "forget it (write_fd = -1), so that nothing closes that number again",
              fd, fd);
    driver_send(&d, "close-unrelated");
    line = driver_expect(&d, "unrelated closed", 5);
    if (line == NULL)
        no_report(&d, "unrelated closed", "the driver could not close its file");
    free(line);
    after = command(&d, "fds ", 5, NULL, "the driver could not list its fds", "fds");
    cr_assert(after == before,
              "after proc_event_init(), proc_event_set() twice and proc_event_close() the "
              "process holds %ld file descriptor(s) beyond 0-2, %ld before: "
              "proc_event_close() must close every end still open",
              after, before);
    finish(&d);
}

GRADED(proc, event_wait_keeps_its_timeout_under_signals)
{
    struct driver d;
    driver_start(&d, LAB, DRIVER, 20);
    long rc = command(&d, "new ", 5, NULL, "proc_event_init() did not return", "new");
    cr_assert(rc == 0, "proc_event_init() returned %ld, expected 0", rc);
    long timeout_ms = random_between(250, 350);
    assert_new_event_waits_out(&d, timeout_ms);

    /* A signal every 15 ms: each one interrupts poll() with EINTR. */
    const long every_ms = 15;
    command(&d, "storming", 5, NULL, "the driver could not start its signals", "storm %ld",
            every_ms);
    double ms, allowed = (double)timeout_ms + 1500;
    char why[512];
    snprintf(why, sizeof why,
             "with a signal every %ld ms, proc_event_wait(%ld ms) was still waiting after "
             "%.0f ms: a signal must not restart the timeout. Compute one deadline before "
             "the loop and give poll() the time left until it after each EINTR, not the "
             "whole timeout again; and once the deadline has passed, 0, not a negative "
             "timeout (which waits without limit)",
             every_ms, timeout_ms, allowed);
    long ret = command(&d, "waited ", allowed / 1000, &ms, why, "wait %ld", timeout_ms);
    cr_assert(ret == 0 && ms >= (double)timeout_ms - 10,
              "with a signal every %ld ms, proc_event_wait(%ld ms) on an event nobody sets "
              "should return 0 after %ld ms (proc_event.h: signals do not cut the wait "
              "short); it returned %ld after %.0f ms: when poll() fails with EINTR, wait "
              "again for the time left (a negative return is for real errors only)",
              every_ms, timeout_ms, timeout_ms, ret, ms);
    command(&d, "calm", 5, NULL, "the driver could not stop its signals", "calm");

    /* One signal whose handler outlasts the timeout: when poll() returns EINTR the
     * deadline has passed; the wait must end, not wait without limit. */
    long wait_ms = random_between(80, 120), handler_ms = 300;
    command(&d, "armed", 5, NULL, "the driver could not arm its signal", "slow-signal %ld %ld",
            wait_ms / 2, handler_ms);
    snprintf(why, sizeof why,
             "proc_event_wait(%ld ms) was interrupted by a signal whose handler ran %ld ms, "
             "past the deadline, and it never returned: once the deadline has passed, the "
             "time left is 0, not negative (poll() with a negative timeout waits without "
             "limit)",
             wait_ms, handler_ms);
    ret = command(&d, "waited ", 3, &ms, why, "wait %ld", wait_ms);
    cr_assert(ret == 0,
              "proc_event_wait(%ld ms), interrupted by a signal whose handler ran past its "
              "deadline, returned %ld, expected 0 (timeout)",
              wait_ms, ret);

    /* And a set event is seen at once, signals or not. */
    rc = command(&d, "set ", 5, NULL, "proc_event_set() did not return", "set");
    cr_assert(rc == 0, "proc_event_set() returned %ld, expected 0", rc);
    ret = command(&d, "waited ", 2, &ms,
                  "proc_event_wait() on a set event did not return: once every write end is "
                  "closed, the read end reports end of file",
                  "wait 5000");
    cr_assert(ret == 1,
              "proc_event_wait(5000 ms) after proc_event_set() returned %ld after %.0f ms, "
              "expected 1 at once",
              ret, ms);
    finish(&d);
}

GRADED(proc, is_clean_under_thread_sanitizer)
{
    /* The event on its own, signals included, then the program that uses it. */
    const char *script = "new\nwait 30\nstorm 5\nwait 60\ncalm\nset\nwait 2000\n"
                         "exec-fds\nclose\nfds\n";
    struct run_result r;
    spin_run_tsan(&r, DRIVER, NULL, script, 15,
                  "proc_event is used by one thread per process: does it start a thread, or "
                  "share memory between threads?");
    cr_assert(!r.timed_out && r.exited && r.exit_code == 0 && strstr(r.out, "waited 1") != NULL,
              "the ThreadSanitizer build of the proc_event driver should run its commands "
              "(a set event seen by a wait) and exit 0; it ended with %s. output: %.300s "
              "stderr: %.500s",
              run_describe_end(&r), r.out, r.err);
    run_result_free(&r);

    static const char *const args[] = {"--seconds", "0.35", NULL};
    spin_run_tsan(&r, "spinner_proc", args, NULL, 10,
                  "spinner_proc is two single-threaded processes: does a process start a "
                  "thread?");
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract("spinner_proc (ThreadSanitizer build)", &r, &o, 2);
    cr_assert(r.leftover_processes == 0,
              "spinner_proc (ThreadSanitizer build) left %d process(es) behind: the parent "
              "must waitpid() for its child",
              r.leftover_processes);
    run_result_free(&r);
}
