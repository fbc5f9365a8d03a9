/*
 * queue_base: the given half of the queue of queue.h: making and freeing one. queue.c,
 * the half you write, puts and gets.
 *
 * Why apart: these two run before any thread starts and after every thread has been
 * joined, so they need no lock and teach nothing about one; they only set up what
 * queue.c's functions share (the ring buffer, the mutex and the condition variable).
 */
#include "queue.h"

#include <errno.h>
#include <stdlib.h>

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
