/*
 * bbuf_setup: making and freeing a bounded buffer (see bbuf.h). Given: the part of the
 * buffer you write, bbuf_put() and bbuf_take(), is in bbuf.c.
 */
#include "bbuf.h"

#include <errno.h>
#include <pthread.h>
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
