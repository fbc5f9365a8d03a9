/*
 * primes: the primality check of the chapter and the numbers it runs on.
 *
 * Everything here is thread-safe and async-signal-safe, with no allocation; the checks
 * are pure but for the watch of primes_is_prime_with_pauses() (lock-free counters).
 */
#ifndef CONCLAB_PRIMES_H
#define CONCLAB_PRIMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The chapter's sample: 20 numbers from 2 to 10^16 - 1, small and large primes and
 * composites with small and large factors, in the chapter's order. */
#define PRIMES_NUMBERS_COUNT 20
extern const uint64_t PRIMES_NUMBERS[PRIMES_NUMBERS_COUNT];

/* 2^61 - 1, a Mersenne prime: about 1.5 s of trial division in C on one 2020s core. It
 * plays the part of the chapter's 5_000_111_000_222_021, which takes 3.3 s in Python but
 * only 0.08 s in C. */
#define PRIMES_SLOW_PRIME 2305843009213693951ULL

/* The largest r with r * r <= n, exact for every 64-bit n. */
uint64_t primes_isqrt(uint64_t n);

/* true if n is prime. The chapter's algorithm: reject n < 2, accept 2, reject other
 * evens, then try odd divisors 3, 5, 7, ... up to isqrt(n). Correct for every
 * 64-bit input; takes about isqrt(n) / 2 divisions when n is prime. */
bool primes_is_prime(uint64_t n);

/* The same check, calling `pause(arg)` after every `every` divisors tried (every > 0),
 * so that a cooperative scheduler can run other work meanwhile: the chapter's
 * "nap". The result is the same as primes_is_prime(n). With a pause function it also
 * keeps the watch below. With tracing on (trace.h) each check that tries a divisor is
 * a "computes" span (cat "compute", args n and prime) on the caller's track, cut at a
 * pause during which another check ran: the pause is then a "paused" span. */
bool primes_is_prime_with_pauses(uint64_t n, uint64_t every, void (*pause)(void *arg), void *arg);

/* What primes_is_prime_with_pauses() saw of its callers that gave a pause function,
 * since the program started. A thread is "inside" while it tries divisors: from the
 * start of its check to its first pause, between two pauses, from its last pause to the
 * end. Under a lock held for the whole check and let go only in the pause (a GIL and
 * its eval breaker), at most one thread is ever inside. Lab 03's `threads --gil`
 * reports it. */
struct primes_watch {
    int most_inside;    /* the most threads inside at the same moment (0: none came) */
    uint64_t handovers; /* times a check, back from a pause, found that another thread
                           had tried divisors meanwhile: the pause let another one run */
};

/* Copies the watch into *watch. Thread-safe. */
void primes_watch_read(struct primes_watch *watch);

#endif
