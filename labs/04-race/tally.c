/*
 * tally: the count of primes that counter's workers share (Mastering Concurrency,
 * ch. 14: race conditions). See tally.h; counter.c, which uses it, is given.
 *
 * The count lives in a MAP_SHARED page that every worker sees, forked or not. It comes
 * out wrong now and then (always, with --delay window=100): see README.md.
 */
#include "tally.h"

#include "delay.h"
#include "die.h"

#include <stddef.h>
#include <sys/mman.h>

/* The shared count. It lives in a MAP_SHARED page so that forked workers share it. */
struct tally {
    long primes; /* TODO(lab 04, part B): shared by every worker, protected by nothing yet */
};

struct tally *tally_create(void)
{
    struct tally *tally =
        mmap(NULL, sizeof *tally, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (tally == MAP_FAILED)
        die_errno("mmap");
    tally->primes = 0;
    return tally;
}

/* Adds one to the shared count: read it, then write back one more. */
void tally_add_one(struct tally *tally)
{
    /* TODO(lab 04, part B): two workers can both read the same value here and both
     * write back the same sum: one prime is lost. Make the update safe with threads
     * and with --procs. Concepts: critical section, lost update. */
    long seen = tally->primes;
    delay_at("window");
    tally->primes = seen + 1;
}

long tally_value(const struct tally *tally)
{
    return tally->primes;
}

void tally_destroy(struct tally *tally)
{
    if (munmap(tally, sizeof *tally) < 0)
        die_errno("munmap");
}
