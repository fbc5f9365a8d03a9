/*
 * bbuf: the bounded buffer, with one mutex and two condition variables.
 *
 * Every access to the slots is under the mutex, and yet bqueue loses items, takes
 * items twice or hangs when the buffer is busy: see README.md.
 */
#include "bbuf.h"

#include "die.h"

#include <errno.h>
#include <stdlib.h>

int bbuf_init(struct bbuf *buf, size_t capacity)
{
    if (capacity == 0)
        return EINVAL;
    buf->slots = calloc(capacity, sizeof *buf->slots);
    if (buf->slots == NULL)
        return ENOMEM;
    buf->capacity = capacity;
    buf->head = 0;
    buf->count = 0;
    int error = pthread_mutex_init(&buf->lock, NULL);
    if (error == 0)
        error = pthread_cond_init(&buf->not_full, NULL);
    if (error == 0)
        error = pthread_cond_init(&buf->not_empty, NULL);
    if (error != 0)
        free(buf->slots);
    return error;
}

void bbuf_destroy(struct bbuf *buf)
{
    pthread_cond_destroy(&buf->not_empty);
    pthread_cond_destroy(&buf->not_full);
    pthread_mutex_destroy(&buf->lock);
    free(buf->slots);
    buf->slots = NULL;
}

/* Errors of these calls mean a broken program (an uninitialised buffer): stop. */
static void lock(struct bbuf *buf)
{
    int error = pthread_mutex_lock(&buf->lock);
    if (error != 0)
        die_error("pthread_mutex_lock", error);
}

static void unlock(struct bbuf *buf)
{
    int error = pthread_mutex_unlock(&buf->lock);
    if (error != 0)
        die_error("pthread_mutex_unlock", error);
}

static void wait_on(pthread_cond_t *cond, struct bbuf *buf)
{
    int error = pthread_cond_wait(cond, &buf->lock);
    if (error != 0)
        die_error("pthread_cond_wait", error);
}

static void wake_all(pthread_cond_t *cond)
{
    int error = pthread_cond_broadcast(cond);
    if (error != 0)
        die_error("pthread_cond_broadcast", error);
}

void bbuf_put(struct bbuf *buf, long item)
{
    lock(buf);
    /* TODO(lab 04, part C): when this thread wakes up, is the buffer still not full?
     * Think of who else was woken, or got the mutex first. (Concept: check-then-act
     * with a condition variable.) */
    if (buf->count == buf->capacity)
        wait_on(&buf->not_full, buf);
    buf->slots[(buf->head + buf->count) % buf->capacity] = item;
    buf->count++;
    wake_all(&buf->not_empty);
    unlock(buf);
}

long bbuf_take(struct bbuf *buf)
{
    lock(buf);
    /* TODO(lab 04, part C): the same question for a take: is there still an item? */
    if (buf->count == 0)
        wait_on(&buf->not_empty, buf);
    long item = buf->slots[buf->head];
    buf->head = (buf->head + 1) % buf->capacity;
    buf->count--;
    wake_all(&buf->not_full);
    unlock(buf);
    return item;
}
