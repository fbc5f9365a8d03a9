/*
 * Graded tests of lab 03, part C: the blocking queue, called directly.
 *
 * A broken queue may hang a thread forever: every join here has a deadline, and a
 * thread still stuck at the deadline fails the test (the test process then exits).
 */
#include "graded.h"
#include "queue.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void join_within(pthread_t thread, double seconds, const char *what)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += (time_t)seconds;
    int err = pthread_timedjoin_np(thread, NULL, &deadline);
    cr_assert(err == 0, "%s: a thread was still blocked after %.0f s (%s)", what, seconds,
              err == ETIMEDOUT ? "a lost wake-up, or an item lost" : strerror(err));
}

static void init_queue(struct queue *q, size_t size)
{
    int err = queue_init(q, size);
    cr_assert(err == 0, "queue_init(%zu): expected 0, got %d", size, err);
}

GRADED(queue, is_first_in_first_out)
{
    struct queue q;
    init_queue(&q, sizeof(uint64_t));
    uint64_t item = 12345;
    cr_assert(!queue_try_get(&q, &item), "queue_try_get on an empty queue: expected false");
    cr_assert_eq(item, 12345, "queue_try_get on an empty queue must leave *item alone");
    for (uint64_t round = 0; round < 3; round++) {
        /* 1000 items: more than any small initial capacity, so the queue must grow. */
        for (uint64_t i = 0; i < 1000; i++) {
            uint64_t v = round * 1000 + i;
            cr_assert(queue_put(&q, &v) == 0, "queue_put: expected 0 (the queue is unbounded)");
        }
        for (uint64_t i = 0; i < 1000; i++) {
            if (i % 2 == 0)
                queue_get(&q, &item);
            else
                cr_assert(queue_try_get(&q, &item), "queue_try_get: expected an item");
            cr_assert_eq(item, round * 1000 + i,
                         "expected items back in the order they were put: %" PRIu64 " put %" PRIu64
                         "th, got %" PRIu64,
                         round * 1000 + i, i + 1, item);
        }
    }
    /* Records bigger than a pointer are copied whole. */
    struct queue big;
    init_queue(&big, 40);
    char in[40], out[40] = {0};
    for (int i = 0; i < 40; i++)
        in[i] = (char)(i * 7 + 1);
    cr_assert(queue_put(&big, in) == 0);
    queue_get(&big, out);
    cr_assert(memcmp(in, out, 40) == 0, "a 40-byte item did not come back intact");
    queue_destroy(&big);
    queue_destroy(&q);
}

struct getter {
    struct queue *q;
    atomic_bool done;
    uint64_t item;
};

static void *get_one(void *arg)
{
    struct getter *g = arg;
    queue_get(g->q, &g->item);
    atomic_store(&g->done, true);
    return NULL;
}

GRADED(queue, get_blocks_while_empty)
{
    struct queue q;
    init_queue(&q, sizeof(uint64_t));
    struct getter g = {.q = &q};
    pthread_t t;
    cr_assert(pthread_create(&t, NULL, get_one, &g) == 0);
    struct timespec pause = {0, 200 * 1000 * 1000};
    nanosleep(&pause, NULL);
    cr_assert(!atomic_load(&g.done),
              "queue_get returned from an empty queue: it must wait until an item is put");
    uint64_t v = 42;
    cr_assert(queue_put(&q, &v) == 0);
    join_within(t, 5, "queue_get waiting on an empty queue, then one put");
    cr_assert_eq(g.item, 42, "expected the getter to receive 42, got %" PRIu64, g.item);
    queue_destroy(&q);
}

GRADED(queue, wakes_every_waiting_getter)
{
    /* Rounds of: 8 getters wait on an empty queue, then 8 puts in a burst. A queue
     * that wakes only one getter when several items arrive loses wake-ups. */
    struct queue q;
    init_queue(&q, sizeof(uint64_t));
    for (int round = 0; round < 50; round++) {
        struct getter g[8];
        pthread_t t[8];
        for (int i = 0; i < 8; i++) {
            g[i] = (struct getter){.q = &q};
            cr_assert(pthread_create(&t[i], NULL, get_one, &g[i]) == 0);
        }
        struct timespec pause = {0, 2 * 1000 * 1000};
        nanosleep(&pause, NULL);
        for (uint64_t i = 0; i < 8; i++)
            cr_assert(queue_put(&q, &i) == 0);
        unsigned seen = 0;
        for (int i = 0; i < 8; i++) {
            join_within(t[i], 5, "8 getters waiting, then 8 puts");
            cr_assert(g[i].item < 8 && !(seen & (1u << g[i].item)),
                      "round %d: a getter received %" PRIu64 ", which was not put or was "
                      "received twice",
                      round, g[i].item);
            seen |= 1u << g[i].item;
        }
    }
    queue_destroy(&q);
}

/* Many producers and consumers: item = producer << 32 | sequence. */
enum { PRODUCERS = 4, CONSUMERS = 6, PER_PRODUCER = 20000 };
#define END_MARK UINT64_MAX

struct traffic {
    struct queue q;
    _Atomic uint32_t seen[PRODUCERS][PER_PRODUCER];
    atomic_int bad; /* items nobody put */
    atomic_int out_of_order;
};

struct producer {
    struct traffic *t;
    uint64_t id;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    for (uint64_t i = 0; i < PER_PRODUCER; i++) {
        uint64_t v = p->id << 32 | i;
        if (queue_put(&p->t->q, &v) != 0)
            atomic_fetch_add(&p->t->bad, 1);
        if (i % 64 == 0)
            sched_yield(); /* let the queue run empty now and then */
    }
    return NULL;
}

static void *consume(void *arg)
{
    struct traffic *t = arg;
    uint64_t last[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++)
        last[i] = UINT64_MAX;
    for (;;) {
        uint64_t v;
        queue_get(&t->q, &v);
        if (v == END_MARK)
            return NULL;
        uint64_t who = v >> 32, seq = v & 0xffffffffu;
        if (who >= PRODUCERS || seq >= PER_PRODUCER) {
            atomic_fetch_add(&t->bad, 1);
            continue;
        }
        /* One producer's items leave a FIFO queue in order: each consumer sees them
         * in increasing order. */
        if (last[who] != UINT64_MAX && seq <= last[who])
            atomic_fetch_add(&t->out_of_order, 1);
        last[who] = seq;
        atomic_fetch_add(&t->seen[who][seq], 1);
    }
}

GRADED(queue, many_producers_and_consumers_lose_nothing)
{
    struct traffic *t = calloc(1, sizeof *t);
    cr_assert_not_null(t);
    init_queue(&t->q, sizeof(uint64_t));
    pthread_t prod[PRODUCERS], cons[CONSUMERS];
    struct producer p[PRODUCERS];
    for (int i = 0; i < CONSUMERS; i++)
        cr_assert(pthread_create(&cons[i], NULL, consume, t) == 0);
    for (int i = 0; i < PRODUCERS; i++) {
        p[i] = (struct producer){t, (uint64_t)i};
        cr_assert(pthread_create(&prod[i], NULL, produce, &p[i]) == 0);
    }
    for (int i = 0; i < PRODUCERS; i++)
        join_within(prod[i], 20, "producers putting items");
    cr_assert_eq(atomic_load(&t->bad), 0, "queue_put failed %d time(s): expected 0 every time",
                 atomic_load(&t->bad));
    for (int i = 0; i < CONSUMERS; i++) {
        uint64_t end = END_MARK;
        cr_assert(queue_put(&t->q, &end) == 0);
    }
    for (int i = 0; i < CONSUMERS; i++)
        join_within(cons[i], 20, "consumers getting every item, then an end mark each");
    cr_assert_eq(atomic_load(&t->bad), 0,
                 "consumers received %d item(s) that no producer put (or a put failed): "
                 "does queue_get check again, in a loop, that the queue is not empty after "
                 "it wakes up?",
                 atomic_load(&t->bad));
    for (int who = 0; who < PRODUCERS; who++)
        for (int seq = 0; seq < PER_PRODUCER; seq++)
            cr_assert_eq(atomic_load(&t->seen[who][seq]), 1,
                         "item %d of producer %d was received %u times, expected once", seq, who,
                         atomic_load(&t->seen[who][seq]));
    cr_assert_eq(atomic_load(&t->out_of_order), 0,
                 "a consumer received a producer's items out of order %d time(s): the queue "
                 "must be first in, first out",
                 atomic_load(&t->out_of_order));
    cr_assert(!queue_try_get(&t->q, &(uint64_t){0}), "expected the queue empty at the end");
    queue_destroy(&t->q);
    free(t);
}
