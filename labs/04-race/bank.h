/*
 * bank: accounts, each with its own lock, and transfers between them
 * (Mastering Concurrency, ch. 12: deadlocks).
 *
 * A transfer holds the locks of both accounts, so that no other thread ever sees the
 * money in neither account or in both. All functions except bank_open() and
 * bank_close() are thread-safe. Only bank_open() can fail; in the others a failing
 * pthread call is a bug, and they abort (die_on_bug() in lib/die.h).
 *
 * bank_transfer() is bank.c's, the part you write; the rest is given in bank_base.c.
 */
#ifndef CONCLAB_BANK_H
#define CONCLAB_BANK_H

#include <pthread.h>

struct account {
    pthread_mutex_t lock;
    long balance; /* protected by lock */
    unsigned id;  /* fixed by bank_open(): the account's index in its bank */
};

/* Opens account number `id` with `balance`. Returns 0, or the negative errno of
 * pthread_mutex_init(). */
int bank_open(struct account *account, unsigned id, long balance);

/* Releases the account's lock. No thread may be using it. */
void bank_close(struct account *account);

/* Moves `amount` from `from` to `to` (two different accounts) as one step. */
void bank_transfer(struct account *from, struct account *to, long amount);

/* The sum of the balances of accounts[0..count-1], read at one instant: it holds
 * every account's lock at once, taking them in ascending id order (accounts[i] must
 * have id i). */
long bank_audit(struct account *accounts, unsigned count);

/* Locks and unlocks one account's mutex (a failure is a bug: die_on_bug()). */
void bank_lock(struct account *account);
void bank_unlock(struct account *account);

#endif
