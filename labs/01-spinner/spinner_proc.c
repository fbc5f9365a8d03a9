/*
 * spinner_proc: the spinner in a forked child process while the parent works.
 *
 * The same program as spinner_thread, with a process where the thread was: the child
 * draws the frames and waits on a process-shared event (proc_event: a pipe whose
 * closing is the signal) between them. The parent runs slow() (proc_slow(), given in
 * proc_slow.c with the --help text), sets the event, and reaps the child with
 * waitpid() before it prints the answer, so no zombie is left.
 *
 * Ctrl-C: the parent blocks SIGINT and SIGTERM before fork() (the child inherits the
 * mask, so a Ctrl-C sent to the whole group does not kill it mid-frame) and takes them
 * with sigtimedwait() while it sleeps. Interrupted, it stops the child the normal way,
 * reaps it, and then dies of the same signal (exit status 128+n, as the shell expects).
 */
#include "die.h"
#include "proc_event.h"
#include "proc_slow.h"
#include "spinner_cli.h"
#include "spinner_view.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

int main(int argc, char *argv[])
{
    struct spinner_options opts;
    spinner_cli_parse(argc, argv, proc_slow_usage, SPINNER_CLI_BASIC, &opts);

    sigset_t stop; /* the signals that cut slow() short: Ctrl-C and kill */
    proc_slow_stop_signals(&stop);
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
    int sig = proc_slow(&opts, &stop, &check);

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
