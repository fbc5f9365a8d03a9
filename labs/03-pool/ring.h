/*
 * ring: where a struct queue keeps its items, a ring buffer that grows.
 *
 * queue.c makes the queue safe for threads; this module only stores the items, in order:
 * `head` is the index of the oldest, the next ones follow it and wrap around the end of
 * the buffer, and a full buffer is doubled. Items are copied in and out by value.
 *
 * Not thread-safe: the caller holds queue->mutex (queue.h says which fields it protects).
 */
#ifndef CONCLAB_RING_H
#define CONCLAB_RING_H

#include "queue.h"

/* Appends a copy of *item (queue->item_size bytes) after the newest item, doubling the
 * buffer first if it is full. Returns 0, or -ENOMEM (then the item is not stored and
 * the queue is unchanged). */
int ring_push(struct queue *queue, const void *item);

/* Removes the oldest item into *item. The queue must hold at least one (count > 0). */
void ring_pop(struct queue *queue, void *item);

#endif
