/*
 * spinner_cli: the options the three spinner programs share, and their slow() work.
 *
 *   --seconds S        how long slow() sleeps (default 3)
 *   --slow=sleep|prime sleep, or check a large prime instead (CPU-bound)
 *   --prime N          the number --slow=prime checks (default PRIMES_SLOW_PRIME)
 * and, for spinner_uring only (SPINNER_CLI_COOPERATIVE):
 *   --blocking         slow() sleeps with a blocking call inside the coroutine
 *   --nap              the prime check yields to the loop every --nap-every divisors
 *   --nap-every N      (default 100000)
 *   --trace FILE       a timeline of the run in FILE (lib/trace.h): spinner_cli_parse()
 *                      starts the trace, written at exit (exit 1 if FILE cannot be)
 *
 * For main() only: bad input prints one line and exits 2; --help and --version exit 0.
 */
#ifndef CONCLAB_SPINNER_CLI_H
#define CONCLAB_SPINNER_CLI_H

#include <stdbool.h>
#include <stdint.h>

enum spinner_slow { SPINNER_SLOW_SLEEP, SPINNER_SLOW_PRIME };

/* Which options a program accepts. */
enum spinner_cli_flags {
    SPINNER_CLI_BASIC = 0,
    SPINNER_CLI_COOPERATIVE = 1, /* --blocking, --nap, --nap-every, --trace */
};

#define SPINNER_DEFAULT_SECONDS   3.0
#define SPINNER_DEFAULT_NAP_EVERY 100000u
#define SPINNER_MAX_SECONDS       3600.0

struct spinner_options {
    double seconds;         /* --seconds */
    enum spinner_slow slow; /* --slow */
    uint64_t prime;         /* --prime: the number the prime check tests */
    bool blocking;          /* --blocking */
    bool nap;               /* --nap */
    uint64_t nap_every;     /* --nap-every */
};

/* Parses argv into *opts, or exits (2 on bad input, 0 after --help/--version).
 * `usage` is the program's --help text. */
void spinner_cli_parse(int argc, char *argv[], const char *usage, int flags,
                       struct spinner_options *opts);

/* The program's answer: what slow() returns. */
#define SPINNER_ANSWER 42

/* The frame period: 10 frames per second. */
#define SPINNER_FRAME_NS (100 * 1000000LL)

/* What slow() found when it checked a prime, kept to be printed after the spinner has
 * cleared its line (printing while it spins would garble both). */
struct spinner_prime_check {
    bool done; /* false: slow() slept, nothing to report */
    uint64_t n;
    bool prime;
    double seconds; /* how long the check took */
};

/* Prints "<n> is prime (checked in <s>s)" (or "is not prime") on stdout and flushes,
 * if check->done. Not thread-safe with other stdout writers. */
void spinner_report_prime(const struct spinner_prime_check *check);

#endif
