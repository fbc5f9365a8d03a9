/*
 * queue: an unbounded first-in first-out queue that threads share.
 *
 * The C counterpart of Python's queue.SimpleQueue: put never blocks, get blocks while
 * the queue is empty. Items are fixed-size records copied in and out by value, so the
 * queue never holds a pointer into the caller's memory. One mutex protects everything;
 * one condition variable wakes getters when an item arrives. The items are stored in a
 * ring buffer that grows (ring.h).
 *
 * Thread-safety: queue_put, queue_get and queue_try_get may be called by any number of
 * threads at once. queue_init and queue_destroy may not: call them before the threads
 * start and after they have been joined.
 */
#ifndef CONCLAB_QUEUE_H
#define CONCLAB_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct queue {
    size_t item_size;        /* set by queue_init, then read-only */
    pthread_mutex_t mutex;   /* protects every field below */
    pthread_cond_t nonempty; /* signalled when an item is put */
    char *items;             /* mutex: ring buffer of `capacity` items, owned */
    size_t capacity;         /* mutex: room in items, grows as needed */
    size_t head;             /* mutex: index of the oldest item */
    size_t count;            /* mutex: how many items are queued */
};

/* Sets up an empty queue of items of `item_size` bytes (> 0). Returns 0, -EINVAL for a
 * zero size, -ENOMEM, or the -errno of a failed pthread call; nothing to free on
 * failure. */
int queue_init(struct queue *queue, size_t item_size);

/* Frees the queue's memory, and any items still in it. */
void queue_destroy(struct queue *queue);

/* Appends a copy of *item and wakes one waiting getter. Never blocks for long.
 * Returns 0, or -ENOMEM if the queue could not grow (the item is not queued). */
int queue_put(struct queue *queue, const void *item);

/* Removes the oldest item into *item, waiting as long as the queue is empty. */
void queue_get(struct queue *queue, void *item);

/* The same without waiting: returns false, *item untouched, if the queue is empty. */
bool queue_try_get(struct queue *queue, void *item);

#endif
