/*
 * bank: transfers that take two locks.
 *
 * transfer runs fine with one thread, and hangs with two: see README.md. Given in
 * bank_base.c: opening accounts, bank_lock() and bank_unlock(), and bank_audit().
 */
#include "bank.h"

#include "delay.h"

void bank_transfer(struct account *from, struct account *to, long amount)
{
    /* TODO(lab 04, part D): a thread moving money from A to B and one moving money
     * from B to A can each hold one lock here and wait for the other's, forever. Make
     * a cycle of waiting threads impossible, for any number of accounts and threads,
     * and stay compatible with bank_audit(). Concept: deadlock, lock ordering. */
    bank_lock(from);
    delay_at("between"); /* the tests pause here: keep this call between the locks */
    bank_lock(to);
    from->balance -= amount;
    to->balance += amount;
    bank_unlock(to);
    bank_unlock(from);
}
