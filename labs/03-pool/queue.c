/*
 * queue: a ring buffer under one mutex, with a condition variable for getters.
 */
#include "queue.h"

#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_INITIAL_CAPACITY 64

int queue_init(struct queue *queue, size_t item_size)
{
    if (item_size == 0)
        return -EINVAL;
    *queue = (struct queue){.item_size = item_size};
    queue->items = malloc(QUEUE_INITIAL_CAPACITY * item_size);
    if (queue->items == NULL)
        return -ENOMEM;
    queue->capacity = QUEUE_INITIAL_CAPACITY;
    int err = pthread_mutex_init(&queue->mutex, NULL);
    if (err != 0) {
        free(queue->items);
        return -err;
    }
    err = pthread_cond_init(&queue->nonempty, NULL);
    if (err != 0) {
        pthread_mutex_destroy(&queue->mutex);
        free(queue->items);
        return -err;
    }
    return 0;
}

void queue_destroy(struct queue *queue)
{
    pthread_cond_destroy(&queue->nonempty);
    pthread_mutex_destroy(&queue->mutex);
    free(queue->items);
    queue->items = NULL;
}

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
