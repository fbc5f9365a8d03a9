/*
 * bqueue: producers and consumers pass numbered items through one bounded buffer,
 * and the program checks that every item arrived exactly once.
 *
 * Producer p puts the items p*ITEMS to p*ITEMS + ITEMS - 1. When every producer has
 * finished, main puts one stop item (-1) per consumer. Consumers take until they get
 * a stop item, and tick each item off in a table. A buffer that lets a put overwrite
 * an item, or a take read an empty slot, shows up as an item missing or seen twice; a
 * buffer that loses a wake-up leaves a thread waiting forever (the program hangs).
 * With --spurious US, one more thread wakes every waiter of the buffer every US
 * microseconds although nothing changed: the spurious wake-ups that pthreads allows.
 *
 * This file is the lab's checker: the buffer itself is in bbuf.c.
 */
#include "bbuf.h"
#include "cli.h"
#include "clock.h"
#include "delay.h"
#include "die.h"

#include <getopt.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_THREADS 64
#define STOP_ITEM   (-1L)

struct shared {
    struct bbuf buf;
    long items_per_producer; /* fixed before the threads start */
    long total;              /* likewise: producers * items_per_producer */
    atomic_uint *seen;       /* seen[i]: how often item i was taken (atomic: no lock) */
    atomic_long bad_items;   /* items that were never put (garbage from an empty slot) */
    long spurious_us;        /* fixed before the threads start: 0, or the waker's period */
    atomic_bool finished;    /* set by main when every consumer has stopped */
};

struct producer {
    struct shared *shared;
    long first;
};

static const char *const delay_points[] = {"put", "take", NULL};

static const char usage[] =
    "Usage: bqueue [--producers P] [--consumers C] [--capacity K] [--items N]\n"
    "              [--spurious US] [--delay POINT=US]...\n"
    "Pass numbered items from P producer threads to C consumer threads through a\n"
    "bounded buffer of K slots, and check that every item arrives exactly once.\n"
    "\n"
    "  --producers P      producer threads, 1 to 64 (default 2)\n"
    "  --consumers C      consumer threads, 1 to 64 (default 2)\n"
    "  --capacity K       slots in the buffer, 1 to 1000000 (default 4)\n"
    "  --items N          items per producer, 1 to 1000000 (default 20000)\n"
    "  --spurious US      wake every waiting thread every US microseconds, 1 to\n"
    "                     1000000, although nothing changed (spurious wake-ups)\n"
    "  --delay POINT=US   pause US microseconds at a point, to widen a race window:\n"
    "                       put   a producer, before each put\n"
    "                       take  a consumer, after each take\n"
    "  -h, --help         show this help and exit\n"
    "  -V, --version      show the version and exit\n"
    "\n"
    "Exit status: 0 every item arrived once, 1 an item was lost or duplicated,\n"
    "2 bad usage.\n";

static void *produce(void *arg)
{
    const struct producer *p = arg;
    for (long i = 0; i < p->shared->items_per_producer; i++) {
        delay_at("put");
        bbuf_put(&p->shared->buf, p->first + i);
    }
    return NULL;
}

static void *consume(void *arg)
{
    struct shared *shared = arg;
    for (;;) {
        long item = bbuf_take(&shared->buf);
        delay_at("take");
        if (item == STOP_ITEM)
            return NULL;
        if (item < 0 || item >= shared->total)
            atomic_fetch_add(&shared->bad_items, 1);
        else
            atomic_fetch_add(&shared->seen[item], 1);
    }
}

/* Wakes every thread waiting on the buffer, every spurious_us, until main says the run
 * is over: a wake-up for no reason, which pthreads allows at any time. A buffer must
 * check its condition again after every wake-up. */
static void *wake_spuriously(void *arg)
{
    struct shared *shared = arg;
    while (!atomic_load(&shared->finished)) {
        die_on_bug("clock_nanosleep", clock_sleep_ns(shared->spurious_us * CLOCK_NS_PER_US));
        die_on_bug("pthread_mutex_lock", pthread_mutex_lock(&shared->buf.lock));
        die_on_bug("pthread_cond_broadcast", pthread_cond_broadcast(&shared->buf.not_empty));
        die_on_bug("pthread_cond_broadcast", pthread_cond_broadcast(&shared->buf.not_full));
        die_on_bug("pthread_mutex_unlock", pthread_mutex_unlock(&shared->buf.lock));
    }
    return NULL;
}

/* Starts a thread named `name` (shown by gdb, top -H and /proc). */
static void start(pthread_t *thread, void *(*body)(void *), void *arg, const char *name, long i)
{
    int error = pthread_create(thread, NULL, body, arg);
    if (error != 0)
        die_error("pthread_create", error);
    char full[16];
    snprintf(full, sizeof full, i < 0 ? "%s" : "%s %ld", name, i);
    pthread_setname_np(*thread, full); /* only a name: a failure does not matter */
}

static void join(pthread_t thread)
{
    int error = pthread_join(thread, NULL);
    if (error != 0)
        die_error("pthread_join", error);
}

/* Prints what went wrong, if anything. Returns true if every item arrived once. */
static bool check(const struct shared *shared)
{
    long missing = 0, duplicated = 0, first_missing = -1, first_duplicated = -1;
    for (long i = 0; i < shared->total; i++) {
        unsigned seen = atomic_load(&shared->seen[i]);
        if (seen == 0 && missing++ == 0)
            first_missing = i;
        if (seen > 1 && duplicated++ == 0)
            first_duplicated = i;
    }
    long bad = atomic_load(&shared->bad_items);
    if (missing > 0)
        printf("lost: %ld items never arrived (the first is item %ld)\n", missing, first_missing);
    if (duplicated > 0)
        printf("duplicated: %ld items arrived more than once (the first is item %ld)\n", duplicated,
               first_duplicated);
    if (bad > 0)
        printf("garbage: %ld values taken that no producer put\n", bad);
    return missing == 0 && duplicated == 0 && bad == 0;
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        {"producers", required_argument, NULL, 'p'},
        {"consumers", required_argument, NULL, 'c'},
        {"capacity", required_argument, NULL, 'k'},
        {"items", required_argument, NULL, 'n'},
        {"spurious", required_argument, NULL, 's'},
        {"delay", required_argument, NULL, 'd'},
        CLI_HELP_OPTIONS,
    };
    long producers = 2, consumers = 2, capacity = 4, items = 20000, spurious_us = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":hV", options, NULL)) != -1) {
        switch (opt) {
        case 'p':
            producers = cli_long_option("--producers", optarg, 1, MAX_THREADS);
            break;
        case 'c':
            consumers = cli_long_option("--consumers", optarg, 1, MAX_THREADS);
            break;
        case 'k':
            capacity = cli_long_option("--capacity", optarg, 1, 1000000);
            break;
        case 'n':
            items = cli_long_option("--items", optarg, 1, 1000000);
            break;
        case 's':
            spurious_us = cli_long_option("--spurious", optarg, 1, 1000000);
            break;
        case 'd':
            delay_option(optarg, delay_points);
            break;
        default:
            cli_other_option(opt, usage, argv);
        }
    }
    cli_no_more_arguments(argc, argv);

    static struct shared shared;
    int error = bbuf_init(&shared.buf, (size_t)capacity);
    if (error < 0)
        die_error("bbuf_init", error);
    shared.items_per_producer = items;
    shared.total = producers * items;
    shared.seen = calloc((size_t)shared.total, sizeof *shared.seen);
    if (shared.seen == NULL)
        die("out of memory");
    atomic_init(&shared.bad_items, 0);
    shared.spurious_us = spurious_us;
    atomic_init(&shared.finished, false);

    printf("Passing %ld items from %ld producers to %ld consumers through %ld slots:\n",
           shared.total, producers, consumers, capacity);
    fflush(stdout);
    double t0 = clock_seconds();
    pthread_t consumer_threads[MAX_THREADS], producer_threads[MAX_THREADS], waker;
    struct producer producer_args[MAX_THREADS];
    if (spurious_us > 0)
        start(&waker, wake_spuriously, &shared, "waker", -1);
    for (long i = 0; i < consumers; i++)
        start(&consumer_threads[i], consume, &shared, "consumer", i);
    for (long i = 0; i < producers; i++) {
        producer_args[i] = (struct producer){.shared = &shared, .first = i * items};
        start(&producer_threads[i], produce, &producer_args[i], "producer", i);
    }
    for (long i = 0; i < producers; i++)
        join(producer_threads[i]);
    for (long i = 0; i < consumers; i++)
        bbuf_put(&shared.buf, STOP_ITEM);
    for (long i = 0; i < consumers; i++)
        join(consumer_threads[i]);
    atomic_store(&shared.finished, true);
    if (spurious_us > 0)
        join(waker);

    bool ok = check(&shared);
    if (ok)
        printf("delivered: all %ld items, each exactly once\n", shared.total);
    printf("Total time: %.2fs\n", clock_seconds() - t0);
    bbuf_destroy(&shared.buf);
    free(shared.seen);
    if (fflush(stdout) != 0)
        die_errno("stdout");
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
