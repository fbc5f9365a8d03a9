/*
 * bbuf: the bounded buffer, with one mutex and two condition variables: its put and
 * take (bbuf_init() and bbuf_destroy() are given, in bbuf_setup.c).
 *
 * Every access to the slots is under the mutex, and yet bqueue loses items, takes
 * items twice or hangs when the buffer is busy: see README.md.
 */
#include "bbuf.h"

#include "die.h" /* die_on_bug(): a failing pthread call here is a bug */

void bbuf_put(struct bbuf *buf, long item)
{
    die_on_bug("pthread_mutex_lock", pthread_mutex_lock(&buf->lock));
    /* TODO(lab 04, part C): when this thread wakes up, is the buffer still not full?
     * Think of who else was woken, or got the mutex first. Concept: check-then-act
     * with a condition variable. */
    if (buf->count == buf->capacity)
        die_on_bug("pthread_cond_wait", pthread_cond_wait(&buf->not_full, &buf->lock));
    buf->slots[(buf->head + buf->count) % buf->capacity] = item;
    buf->count++;
    die_on_bug("pthread_cond_broadcast", pthread_cond_broadcast(&buf->not_empty));
    die_on_bug("pthread_mutex_unlock", pthread_mutex_unlock(&buf->lock));
}

long bbuf_take(struct bbuf *buf)
{
    die_on_bug("pthread_mutex_lock", pthread_mutex_lock(&buf->lock));
    /* TODO(lab 04, part C): the same question for a take: is there still an item?
     * Concept: the same. */
    if (buf->count == 0)
        die_on_bug("pthread_cond_wait", pthread_cond_wait(&buf->not_empty, &buf->lock));
    long item = buf->slots[buf->head];
    buf->head = (buf->head + 1) % buf->capacity;
    buf->count--;
    die_on_bug("pthread_cond_broadcast", pthread_cond_broadcast(&buf->not_full));
    die_on_bug("pthread_mutex_unlock", pthread_mutex_unlock(&buf->lock));
    return item;
}
