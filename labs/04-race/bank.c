/*
 * bank: transfers that take two locks.
 *
 * transfer runs fine with one thread, and hangs with two: see README.md.
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
    /* TODO(lab 04, part D): a thread moving money from A to B and one moving money
     * from B to A can each hold one lock here and wait for the other's, forever. Make
     * a cycle of waiting threads impossible, for any number of accounts and threads,
     * and stay compatible with bank_audit(). Concept: deadlock, lock ordering. */
    lock(from);
    delay_at("between"); /* the tests pause here: keep this call between the locks */
    lock(to);
    from->balance -= amount;
    to->balance += amount;
    unlock(to);
    unlock(from);
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
