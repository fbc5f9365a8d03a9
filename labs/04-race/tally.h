/*
 * tally: the count of primes that counter's workers share (lab 04, part B).
 *
 * counter.c (given) splits the numbers among its workers, threads or, with --procs,
 * forked processes; each worker calls tally_add_one() once for each prime it finds.
 * tally.c (yours) makes that update safe: every worker must see, and add to, the same
 * count, and no update may be lost, with threads and with processes alike.
 */
#ifndef CONCLAB_TALLY_H
#define CONCLAB_TALLY_H

/* The shared count; its fields are tally.c's. */
struct tally;

/* Makes a count of 0 that workers share, threads or processes forked after this call
 * (so it must live in memory that fork() shares, not copies). Exits on failure. */
struct tally *tally_create(void);

/* Adds one to the count. Called concurrently by every worker, thread or process. It
 * calls delay_at("window") between reading the count and writing it back. */
void tally_add_one(struct tally *tally);

/* The count. For main, once every worker has finished. */
long tally_value(const struct tally *tally);

/* Frees the count. No worker may be using it. */
void tally_destroy(struct tally *tally);

#endif
