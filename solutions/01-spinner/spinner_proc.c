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

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child's whole life: draw, wait up to a frame for the event, repeat; then clear
 * the line. Returns the child's exit status: 0 if all went well, else 1. */
static int spin(struct proc_event *done, const char *message)
{
    int status = 0;
    for (unsigned long i = 0;; i++) {
        if (spinner_view_draw(STDOUT_FILENO, i, message) < 0) {
            status = 1;
            break;
        }
        int ret = proc_event_wait(done, SPINNER_FRAME_NS);
        if (ret < 0)
            status = 1;
        if (ret != 0)
            break;
    }
    if (spinner_view_clear(STDOUT_FILENO, message) < 0)
        status = 1;
    proc_event_close(done);
    return status;
}

int main(int argc, char *argv[])
{
    struct spinner_options opts;
    spinner_cli_parse(argc, argv, proc_slow_usage, SPINNER_CLI_BASIC, &opts);

    sigset_t stop; /* the signals that cut slow() short: Ctrl-C and kill */
    proc_slow_stop_signals(&stop);
    if (sigprocmask(SIG_BLOCK, &stop, NULL) < 0)
        die_errno("sigprocmask");

    struct proc_event done;
    int ret = proc_event_init(&done);
    if (ret < 0)
        die_error("pipe2", ret);

    /* Like Python's repr of a multiprocessing.Process that has not started. */
    printf("spinner object: <process Process-1, spin(\"%s\"), parent=%d, initial>\n",
           SPINNER_VIEW_MESSAGE, (int)getpid());
    /* Flush before fork(), or the child inherits a copy of unwritten output. */
    if (fflush(stdout) != 0)
        die_errno("stdout");

    pid_t child = fork();
    if (child < 0)
        die_errno("fork");
    if (child == 0) {
        if (proc_event_become_waiter(&done) < 0)
            _exit(1);
        /* _exit(), not exit() or a return from main(): those would run the parent's
         * atexit handlers and flush a copy of the parent's stdio buffers. */
        _exit(spin(&done, SPINNER_VIEW_MESSAGE));
    }

    if ((ret = proc_event_become_setter(&done)) < 0)
        die_error("close", ret);
    struct spinner_prime_check check = {0};
    int sig = proc_slow(&opts, &stop, &check);
    if ((ret = proc_event_set(&done)) < 0)
        die_error("close", ret);

    int status;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR)
            die_errno("waitpid");
    }
    proc_event_close(&done);

    if (sig != 0) {
        /* Die of the signal we were stopped by, now that the child is reaped. */
        fflush(stdout);
        if (signal(sig, SIG_DFL) == SIG_ERR || raise(sig) != 0) /* pending: blocked */
            _exit(128 + sig);
        if (sigprocmask(SIG_UNBLOCK, &stop, NULL) < 0)
            die_errno("sigprocmask");
        _exit(128 + sig); /* only if the signal did not end us */
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("the spinner process failed (status %d)", status);

    spinner_report_prime(&check);
    printf("Answer: %d\n", SPINNER_ANSWER);
    if (fflush(stdout) != 0)
        die_errno("stdout");
    return EXIT_SUCCESS;
}
