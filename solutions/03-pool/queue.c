/*
 * queue: a ring buffer under one mutex, with a condition variable for getters.
 *
 * Here: putting and getting, the part that must be thread-safe. Given in queue_base.c:
 * queue_init() and queue_destroy(), which run before and after the threads.
 */
#include "queue.h"

#include "die.h"
#include "ring.h"

#include <errno.h>

static void lock(struct queue *queue)
{
    int err = pthread_mutex_lock(&queue->mutex);
    if (err != 0)
        die_error("pthread_mutex_lock", err);
}

static void unlock(struct queue *queue)
{
    int err = pthread_mutex_unlock(&queue->mutex);
    if (err != 0)
        die_error("pthread_mutex_unlock", err);
}

int queue_put(struct queue *queue, const void *item)
{
    lock(queue);
    int err = ring_push(queue, item);
    if (err < 0) {
        unlock(queue);
        return err;
    }
    /* Signal while holding the mutex: a getter between its check and its wait
     * cannot miss this, since it holds the mutex until the wait releases it. */
    pthread_cond_signal(&queue->nonempty);
    unlock(queue);
    return 0;
}

void queue_get(struct queue *queue, void *item)
{
    lock(queue);
    /* A loop, not an if: another getter may take the item between the signal and our
     * wake-up, and waits may also end spuriously. */
    while (queue->count == 0)
        pthread_cond_wait(&queue->nonempty, &queue->mutex);
    ring_pop(queue, item);
    unlock(queue);
}

bool queue_try_get(struct queue *queue, void *item)
{
    lock(queue);
    bool got = queue->count > 0;
    if (got)
        ring_pop(queue, item);
    unlock(queue);
    return got;
}
