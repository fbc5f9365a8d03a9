/*
 * spinner_proc: the spinner in a forked child process while the parent works.
 *
 * The same program as spinner_thread, with a process where the thread was: the child
 * draws the frames and waits on a process-shared event (proc_event: a pipe whose
 * closing is the signal) between them. The parent runs slow(), sets the event, and
 * reaps the child with waitpid() before it prints the answer, so no zombie is left.
 *
 * Ctrl-C: the parent blocks SIGINT and SIGTERM before fork() (the child inherits the
 * mask, so a Ctrl-C sent to the whole group does not kill it mid-frame) and takes them
 * with sigtimedwait() while it sleeps. Interrupted, it stops the child the normal way,
 * reaps it, and then dies of the same signal (exit status 128+n, as the shell expects).
 */
#include "cli.h"
#include "clock.h"
#include "die.h"
#include "primes.h"
#include "proc_event.h"
#include "spinner_cli.h"
#include "spinner_view.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[] =
    "Usage: spinner_proc [--seconds S] [--slow=sleep|prime [--prime N]]\n"
    "Spin a 'thinking!' spinner in a child process while the parent works.\n"
    "\n"
    "  --seconds S         slow() sleeps S seconds (default 3, at most 3600)\n"
    "  --slow=sleep|prime  sleep, or check whether a large number is prime\n"
    "  --prime N           the number --slow=prime checks (default 2^61-1)\n"
    "  -h, --help          show this help and exit\n"
    "  -V, --version       show the version and exit\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage, 130 interrupted (Ctrl-C).\n";

/* The child's whole life: draw, wait up to a frame for the event, repeat; then clear
 * the line. Returns the child's exit status: 0 if all went well, else 1. */
static int spin(struct proc_event *done, const char *message)
{
    /* TODO(lab 01, part B): draw frames (lib/spinner_view.h), waiting up to one frame on
     * `done` between them; once it is set, clear the line and close what the child
     * holds. Concept: one event as the spinner's clock and as its stop signal. The
     * stub draws nothing. */
    return 0;
}

/* Sleeps `seconds`, unless one of `stop` arrives first. Returns the signal, or 0. */
static int sleep_unless(double seconds, const sigset_t *stop)
{
    int64_t deadline = clock_now_ns() + (int64_t)(seconds * 1e9);
    for (;;) {
        int64_t left = deadline - clock_now_ns();
        if (left <= 0)
            return 0;
        struct timespec ts = clock_timespec_from_ns(left);
        int sig = sigtimedwait(stop, NULL, &ts);
        if (sig > 0)
            return sig;
        if (errno != EAGAIN && errno != EINTR)
            die_errno("sigtimedwait");
    }
}

/* The parent's work. Returns the stop signal that cut it short, or 0. */
static int slow(const struct spinner_options *opts, const sigset_t *stop,
                struct spinner_prime_check *check)
{
    if (opts->slow == SPINNER_SLOW_SLEEP)
        return sleep_unless(opts->seconds, stop);

    double start = clock_seconds();
    check->prime = primes_is_prime(opts->prime);
    check->seconds = clock_seconds() - start;
    check->n = opts->prime;
    check->done = true;
    /* A Ctrl-C during the check waited, blocked; take it now. */
    struct timespec now = {0, 0};
    int sig = sigtimedwait(stop, NULL, &now);
    return sig > 0 ? sig : 0;
}

int main(int argc, char *argv[])
{
    struct spinner_options opts;
    spinner_cli_parse(argc, argv, usage, SPINNER_CLI_BASIC, &opts);

    /* The signals that interrupt slow() (see sleep_unless()): Ctrl-C and kill. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    /* TODO(lab 01, part B): make a Ctrl-C reach slow() instead of killing the parent
     * before it has stopped and reaped its child (sigtimedwait() only takes signals that
     * are blocked), and think about what the child inherits. Concept: a blocked signal
     * stays pending until it is taken. */

    struct proc_event done;
    int ret = proc_event_init(&done);
    if (ret < 0)
        die_error("proc_event_init", ret);

    /* Like Python's repr of a multiprocessing.Process that has not started. */
    printf("spinner object: <process Process-1, spin(\"%s\"), parent=%d, initial>\n",
           SPINNER_VIEW_MESSAGE, (int)getpid());
    if (fflush(stdout) != 0)
        die_errno("stdout");

    /* TODO(lab 01, part B): run spin() in a child process, each process keeping only its
     * end of the event, and end the child with spin()'s status without running the
     * parent's exit-time code. Concept: fork(), what the child gets a copy of (think of
     * stdout's buffer, above), and _exit(). The stub calls spin() in this process. */
    if (spin(&done, SPINNER_VIEW_MESSAGE) != 0)
        die("the spinner failed");

    struct spinner_prime_check check = {0};
    int sig = slow(&opts, &stop, &check);

    /* TODO(lab 01, part B): tell the child to stop, then wait for it and look at how it
     * ended, so that no zombie is left and no fd leaks. If slow() was cut short by a
     * signal (sig != 0), clean up the same way, then end as that signal would have
     * ended us, so that the shell sees it. Concept: reaping a child, exit statuses, and
     * re-raising a signal. */
    proc_event_close(&done);
    if (sig != 0)
        die("stopped by signal %d", sig); /* wrong: the status must say which signal */

    spinner_report_prime(&check);
    printf("Answer: %d\n", SPINNER_ANSWER);
    if (fflush(stdout) != 0)
        die_errno("stdout");
    return EXIT_SUCCESS;
}
