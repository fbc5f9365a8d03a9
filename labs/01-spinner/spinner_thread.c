/*
 * spinner_thread: a "thinking!" spinner in a second thread while the main thread works.
 *
 * The main thread runs slow(); a pthread draws a frame every 100 ms. They share one
 * thing: an event. The spinner waits on it between frames, so setting it stops the
 * spinner at once instead of after the rest of a frame. Then the line is cleared and
 * the answer printed. The C version of the chapter's spinner_thread.py.
 */
#include "cli.h"
#include "clock.h"
#include "die.h"
#include "event.h"
#include "primes.h"
#include "spinner_cli.h"
#include "spinner_view.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char usage[] =
    "Usage: spinner_thread [--seconds S] [--slow=sleep|prime [--prime N]]\n"
    "Spin a 'thinking!' spinner in a second thread while the main thread works.\n"
    "\n"
    "  --seconds S         slow() sleeps S seconds (default 3, at most 3600)\n"
    "  --slow=sleep|prime  sleep, or check whether a large number is prime\n"
    "  --prime N           the number --slow=prime checks (default 2^61-1)\n"
    "  -h, --help          show this help and exit\n"
    "  -V, --version       show the version and exit\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage.\n";

/* What the spinner thread needs; `done` is the only field both threads touch. */
struct spinner {
    const char *name; /* for the description line */
    const char *message;
    struct event done; /* set by the main thread when slow() has returned */
    int error;         /* written by the spinner thread, read after the join */
};

/* The spinner thread: draw, wait up to one frame for `done`, repeat; then clear. */
static void *spin(void *arg)
{
    struct spinner *sp = arg;
    for (unsigned long i = 0;; i++) {
        int ret = spinner_view_draw(STDOUT_FILENO, i, sp->message);
        if (ret < 0) {
            sp->error = ret;
            return NULL;
        }
        if (event_wait(&sp->done, SPINNER_FRAME_NS))
            break;
    }
    sp->error = spinner_view_clear(STDOUT_FILENO, sp->message);
    return NULL;
}

/* The work the spinner keeps us company during. */
static int slow(const struct spinner_options *opts, struct spinner_prime_check *check)
{
    if (opts->slow == SPINNER_SLOW_PRIME) {
        double start = clock_seconds();
        check->prime = primes_is_prime(opts->prime);
        check->seconds = clock_seconds() - start;
        check->n = opts->prime;
        check->done = true;
    } else {
        int ret = clock_sleep_ns((int64_t)(opts->seconds * 1e9));
        if (ret < 0)
            die_error("clock_nanosleep", ret);
    }
    return SPINNER_ANSWER;
}

static int supervisor(const struct spinner_options *opts, struct spinner_prime_check *check)
{
    struct spinner sp = {.name = "Thread-1", .message = SPINNER_VIEW_MESSAGE};
    int err = event_init(&sp.done);
    if (err < 0)
        die_error("event_init", err);

    /* Like Python's repr of a Thread that has not started yet. */
    printf("spinner object: <pthread %s, spin(\"%s\"), initial>\n", sp.name, sp.message);
    if (fflush(stdout) != 0)
        die_errno("stdout");

    pthread_t thread;
    err = pthread_create(&thread, NULL, spin, &sp);
    if (err != 0)
        die_error("pthread_create", err);

    int result = slow(opts, check);
    event_set(&sp.done);

    err = pthread_join(thread, NULL);
    if (err != 0)
        die_error("pthread_join", err);
    event_destroy(&sp.done);
    if (sp.error < 0)
        die_error("spinner: write", sp.error);
    return result;
}

int main(int argc, char *argv[])
{
    struct spinner_options opts;
    spinner_cli_parse(argc, argv, usage, SPINNER_CLI_BASIC, &opts);

    struct spinner_prime_check check = {0};
    int result = supervisor(&opts, &check);
    spinner_report_prime(&check);
    printf("Answer: %d\n", result);
    if (fflush(stdout) != 0)
        die_errno("stdout");
    return EXIT_SUCCESS;
}
