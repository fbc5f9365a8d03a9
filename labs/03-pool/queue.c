/*
 * queue: a ring buffer under one mutex, with a condition variable for getters.
 *
 * Here: putting and getting, the part that must be thread-safe. Given in queue_base.c:
 * queue_init() and queue_destroy(), which run before and after the threads.
 */
#include "queue.h"

#include "ring.h"

#include <errno.h>
#include <string.h>

int queue_put(struct queue *queue, const void *item)
{
    /* TODO(lab 03, part C): append a copy of *item (ring_push() stores it) and wake a
     * getter that may be waiting. Everything that touches the queue's fields happens with
     * queue->mutex held; a pthread call that fails on this queue is a bug (die_error() in
     * die.h). Concepts: mutual exclusion, condition variable signalling. */
    return -ENOSYS;
}

void queue_get(struct queue *queue, void *item)
{
    /* TODO(lab 03, part C): take the oldest item (ring_pop()), waiting while the queue is
     * empty. Think about what may have happened between the moment a waiter is woken and
     * the moment it runs again. Concepts: condition variable wait, the predicate loop. */
    memset(item, 0, queue->item_size);
}

bool queue_try_get(struct queue *queue, void *item)
{
    /* TODO(lab 03, part C): like queue_get(), but return false at once when the queue is
     * empty, leaving *item untouched. */
    return false;
}
