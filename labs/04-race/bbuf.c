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
        return -EINVAL;
    buf->slots = calloc(capacity, sizeof *buf->slots);
    if (buf->slots == NULL)
        return -ENOMEM;
    buf->capacity = capacity;
    buf->head = 0;
    buf->count = 0;
    int error = pthread_mutex_init(&buf->lock, NULL);
    if (error != 0)
        goto out_slots;
    error = pthread_cond_init(&buf->not_full, NULL);
    if (error != 0)
        goto out_lock;
    error = pthread_cond_init(&buf->not_empty, NULL);
    if (error == 0)
        return 0;
    pthread_cond_destroy(&buf->not_full);
out_lock:
    pthread_mutex_destroy(&buf->lock);
out_slots:
    free(buf->slots);
    return -error; /* pthreads return a positive errno */
}

void bbuf_destroy(struct bbuf *buf)
{
    pthread_cond_destroy(&buf->not_empty);
    pthread_cond_destroy(&buf->not_full);
    pthread_mutex_destroy(&buf->lock);
    free(buf->slots);
    buf->slots = NULL;
}

/* Errors of these calls mean a broken program (an uninitialised buffer): a bug. */
static void lock(struct bbuf *buf)
{
    die_on_bug("pthread_mutex_lock", pthread_mutex_lock(&buf->lock));
}

static void unlock(struct bbuf *buf)
{
    die_on_bug("pthread_mutex_unlock", pthread_mutex_unlock(&buf->lock));
}

static void wait_on(pthread_cond_t *cond, struct bbuf *buf)
{
    die_on_bug("pthread_cond_wait", pthread_cond_wait(cond, &buf->lock));
}

static void wake_all(pthread_cond_t *cond)
{
    die_on_bug("pthread_cond_broadcast", pthread_cond_broadcast(cond));
}

void bbuf_put(struct bbuf *buf, long item)
{
    lock(buf);
    /* TODO(lab 04, part C): when this thread wakes up, is the buffer still not full?
     * Think of who else was woken, or got the mutex first. Concept: check-then-act
     * with a condition variable. */
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
    /* TODO(lab 04, part C): the same question for a take: is there still an item?
     * Concept: the same. */
    if (buf->count == 0)
        wait_on(&buf->not_empty, buf);
    long item = buf->slots[buf->head];
    buf->head = (buf->head + 1) % buf->capacity;
    buf->count--;
    wake_all(&buf->not_full);
    unlock(buf);
    return item;
}
