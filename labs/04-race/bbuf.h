/*
 * bbuf: a bounded buffer of longs shared by producer and consumer threads.
 *
 * bbuf_put() blocks while the buffer is full; bbuf_take() blocks while it is empty.
 * Items come out in the order they went in. All functions except bbuf_init() and
 * bbuf_destroy() are thread-safe. Only bbuf_init() can fail; in the others a failing
 * pthread call is a bug, and they abort (die_on_bug() in lib/die.h).
 */
#ifndef CONCLAB_BBUF_H
#define CONCLAB_BBUF_H

#include <pthread.h>
#include <stddef.h>

struct bbuf {
    pthread_mutex_t lock;
    pthread_cond_t not_full;  /* a put waits here; signalled after a take */
    pthread_cond_t not_empty; /* a take waits here; signalled after a put */
    long *slots;              /* `capacity` slots, owned by the buffer; protected by lock */
    size_t capacity;          /* fixed by bbuf_init() */
    size_t head;              /* index of the oldest item; protected by lock */
    size_t count;             /* items held, 0 to capacity; protected by lock */
};

/* Makes an empty buffer of `capacity` (> 0) slots. Returns 0, or a negative errno
 * (-EINVAL for a capacity of 0, -ENOMEM, or what a pthread call returned, negated). The
 * slots are the buffer's: bbuf_destroy() frees them. */
int bbuf_init(struct bbuf *buf, size_t capacity);

/* Frees the slots. No thread may be using the buffer. */
void bbuf_destroy(struct bbuf *buf);

/* Appends `item`, waiting while the buffer is full. Thread-safe. */
void bbuf_put(struct bbuf *buf, long item);

/* Removes and returns the oldest item, waiting while the buffer is empty. Thread-safe. */
long bbuf_take(struct bbuf *buf);

#endif
