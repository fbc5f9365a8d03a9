/*
 * bbuf: the bounded buffer, with one mutex and two condition variables: its put and
 * take (bbuf_init() and bbuf_destroy() are given, in bbuf_setup.c).
 *
 * A woken thread is not promised that the condition it waited for still holds:
 * between the signal and the moment it gets the mutex back, another thread may have
 * taken the last item or filled the last slot (and pthreads may wake it for no
 * reason at all). So each wait sits in a loop that checks the condition again,
 * under the mutex, before acting on it.
 */
#include "bbuf.h"

#include "die.h" /* die_on_bug(): a failing pthread call here is a bug */

void bbuf_put(struct bbuf *buf, long item)
{
    die_on_bug("pthread_mutex_lock", pthread_mutex_lock(&buf->lock));
    while (buf->count == buf->capacity) /* while, not if: re-check after each wake-up */
        die_on_bug("pthread_cond_wait", pthread_cond_wait(&buf->not_full, &buf->lock));
    buf->slots[(buf->head + buf->count) % buf->capacity] = item;
    buf->count++;
    /* The state has changed: now a taker can use it. */
    die_on_bug("pthread_cond_signal", pthread_cond_signal(&buf->not_empty));
    die_on_bug("pthread_mutex_unlock", pthread_mutex_unlock(&buf->lock));
}

long bbuf_take(struct bbuf *buf)
{
    die_on_bug("pthread_mutex_lock", pthread_mutex_lock(&buf->lock));
    while (buf->count == 0)
        die_on_bug("pthread_cond_wait", pthread_cond_wait(&buf->not_empty, &buf->lock));
    long item = buf->slots[buf->head];
    buf->head = (buf->head + 1) % buf->capacity;
    buf->count--;
    die_on_bug("pthread_cond_signal", pthread_cond_signal(&buf->not_full));
    die_on_bug("pthread_mutex_unlock", pthread_mutex_unlock(&buf->lock));
    return item;
}
