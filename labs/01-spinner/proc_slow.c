/*
 * proc_slow: spinner_proc's --help text and its slow() (see proc_slow.h). Given.
 */
#include "proc_slow.h"

#include "clock.h"
#include "die.h"
#include "primes.h"

#include <errno.h>
#include <stdint.h>
#include <time.h>

const char proc_slow_usage[] =
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

void proc_slow_stop_signals(sigset_t *stop)
{
    sigemptyset(stop);
    sigaddset(stop, SIGINT);
    sigaddset(stop, SIGTERM);
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

int proc_slow(const struct spinner_options *opts, const sigset_t *stop,
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
