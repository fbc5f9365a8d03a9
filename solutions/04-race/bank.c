/*
 * bank: transfers that take two locks, always in the same order.
 *
 * Two transfers in opposite directions, A to B and B to A, that each lock their own
 * "from" account first can each hold one lock and wait forever for the other: a
 * deadlock. Taking the locks in one global order (lower id first) breaks the cycle:
 * whoever holds the lower lock can always get the higher one eventually.
 * bank_audit() takes every lock in the same order, so it cannot join a cycle either.
 */
#include "bank.h"

#include "delay.h"
#include "die.h"

/* Locking a valid account's mutex cannot fail; if it does, it is a bug. */
static void lock(struct account *account)
{
    die_on_bug("pthread_mutex_lock", pthread_mutex_lock(&account->lock));
}

static void unlock(struct account *account)
{
    die_on_bug("pthread_mutex_unlock", pthread_mutex_unlock(&account->lock));
}

int bank_open(struct account *account, unsigned id, long balance)
{
    account->balance = balance;
    account->id = id;
    return -pthread_mutex_init(&account->lock, NULL); /* pthreads: a positive errno */
}

void bank_close(struct account *account)
{
    pthread_mutex_destroy(&account->lock);
}

void bank_transfer(struct account *from, struct account *to, long amount)
{
    struct account *first = from->id < to->id ? from : to;
    struct account *second = first == from ? to : from;
    lock(first);
    delay_at("between"); /* the tests pause here: keep this call between the locks */
    lock(second);
    from->balance -= amount;
    to->balance += amount;
    unlock(second);
    unlock(first);
}

long bank_audit(struct account *accounts, unsigned count)
{
    for (unsigned i = 0; i < count; i++)
        lock(&accounts[i]);
    long total = 0;
    for (unsigned i = 0; i < count; i++)
        total += accounts[i].balance;
    for (unsigned i = count; i-- > 0;)
        unlock(&accounts[i]);
    return total;
}
