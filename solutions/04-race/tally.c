/*
 * tally: the count of primes that counter's workers share (Mastering Concurrency,
 * ch. 14: race conditions). See tally.h; counter.c, which uses it, is given.
 *
 * Adding one is three steps, read, add, write back: two workers that interleave them
 * lose an update. Here the three steps form a critical section under a mutex. Only the
 * update is locked, never the primality check (in counter.c): the checks, where the
 * time goes, still run in parallel.
 *
 * The count lives in a MAP_SHARED page with a mutex marked PTHREAD_PROCESS_SHARED, so
 * forked worker processes share both; with threads the same code works on the same
 * structure.
 */
#include "tally.h"

#include "delay.h"
#include "die.h"

#include <pthread.h>
#include <stddef.h>
#include <sys/mman.h>

/* The shared count. It lives in a MAP_SHARED page so that forked workers share it. */
struct tally {
    pthread_mutex_t lock; /* PTHREAD_PROCESS_SHARED, so it also works across fork() */
    long primes;          /* protected by lock */
};

struct tally *tally_create(void)
{
    struct tally *tally =
        mmap(NULL, sizeof *tally, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (tally == MAP_FAILED)
        die_errno("mmap");
    pthread_mutexattr_t attr;
    int error = pthread_mutexattr_init(&attr);
    if (error == 0)
        error = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (error == 0)
        error = pthread_mutex_init(&tally->lock, &attr);
    if (error != 0)
        die_error("pthread_mutex_init", error);
    pthread_mutexattr_destroy(&attr);
    tally->primes = 0;
    return tally;
}

/* Adds one to the shared count. The read, the add and the write back happen under the
 * lock, so no other worker can read the old value in between. */
void tally_add_one(struct tally *tally)
{
    int error = pthread_mutex_lock(&tally->lock);
    if (error != 0)
        die_error("pthread_mutex_lock", error);
    long seen = tally->primes;
    delay_at("window");
    tally->primes = seen + 1;
    error = pthread_mutex_unlock(&tally->lock);
    if (error != 0)
        die_error("pthread_mutex_unlock", error);
}

long tally_value(const struct tally *tally)
{
    return tally->primes;
}

void tally_destroy(struct tally *tally)
{
    pthread_mutex_destroy(&tally->lock);
    if (munmap(tally, sizeof *tally) < 0)
        die_errno("munmap");
}
