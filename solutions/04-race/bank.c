/*
 * bank: transfers that take two locks, always in the same order.
 *
 * Two transfers in opposite directions, A to B and B to A, that each lock their own
 * "from" account first can each hold one lock and wait forever for the other: a
 * deadlock. Taking the locks in one global order (lower id first) breaks the cycle:
 * whoever holds the lower lock can always get the higher one eventually.
 * bank_audit() (bank_base.c) takes every lock in the same order, so it cannot join a
 * cycle either.
 */
#include "bank.h"

#include "delay.h"

#include <stdbool.h>

void bank_transfer(struct account *from, struct account *to, long amount)
{
    bool from_first = from->id < to->id; /* the lower id first, as bank_audit() does */
    bank_lock(from_first ? from : to);
    delay_at("between"); /* the tests pause here: keep this call between the locks */
    bank_lock(from_first ? to : from);
    from->balance -= amount;
    to->balance += amount;
    bank_unlock(to);
    bank_unlock(from);
}
