/*
 * bank_base: the given half of the bank of bank.h: opening and closing accounts,
 * locking one, and the audit. bank.c, the half you write, holds bank_transfer().
 *
 * Why apart: part D is about one function, the transfer that takes two locks. The audit
 * takes locks too, in one fixed order (ascending id), so it is given here: a transfer
 * must agree with it.
 */
#include "bank.h"

#include "die.h"

void bank_lock(struct account *account)
{
    die_on_bug("pthread_mutex_lock", pthread_mutex_lock(&account->lock));
}

void bank_unlock(struct account *account)
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

long bank_audit(struct account *accounts, unsigned count)
{
    for (unsigned i = 0; i < count; i++)
        bank_lock(&accounts[i]);
    long total = 0;
    for (unsigned i = 0; i < count; i++)
        total += accounts[i].balance;
    for (unsigned i = count; i-- > 0;)
        bank_unlock(&accounts[i]);
    return total;
}
