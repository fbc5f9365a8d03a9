/*
 * ring: a buffer used as a ring, doubled when full.
 */
#include "ring.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The address of the i-th oldest item. */
static char *slot(struct queue *queue, size_t i)
{
    return queue->items + ((queue->head + i) % queue->capacity) * queue->item_size;
}

/* Doubles the ring, keeping the items in order, the oldest first. */
static int grow(struct queue *queue)
{
    if (queue->capacity > SIZE_MAX / 2 / queue->item_size)
        return -ENOMEM;
    char *bigger = malloc(2 * queue->capacity * queue->item_size);
    if (bigger == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < queue->count; i++)
        memcpy(bigger + i * queue->item_size, slot(queue, i), queue->item_size);
    free(queue->items);
    queue->items = bigger;
    queue->capacity *= 2;
    queue->head = 0;
    return 0;
}

int ring_push(struct queue *queue, const void *item)
{
    if (queue->count == queue->capacity) {
        int err = grow(queue);
        if (err < 0)
            return err;
    }
    memcpy(slot(queue, queue->count), item, queue->item_size);
    queue->count++;
    return 0;
}

void ring_pop(struct queue *queue, void *item)
{
    memcpy(item, slot(queue, 0), queue->item_size);
    queue->head = (queue->head + 1) % queue->capacity;
    queue->count--;
}
