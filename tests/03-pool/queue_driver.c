/*
 * queue_driver: runs the student's blocking queue for the graded tests of lab 03, part C.
 *
 * The tests (queue_test.c) hold no student code: they start this program, built from the
 * student's queue.c, send it commands on stdin and judge what it prints. Each command is
 * one line; each report is one line, written whole (a lock keeps threads' lines apart).
 *
 *   fifo N V...           put N values (hex), then get them back, alternating
 *                         queue_get and queue_try_get: "got V..."; before that a
 *                         try_get on the empty queue: "empty RETURNED ITEM"
 *   record HEX            put one 40-byte record and get it back: "record HEX"
 *   spawn-get             a thread waits in queue_get: "spawned", later "got V"
 *   put V                 queue_put(V): "put RC"
 *   join S                join the waiting thread within S seconds: "joined" or "stuck"
 *   round R V1..V8        8 threads wait in queue_get, then the 8 values are put:
 *                         "round R got V..." in the order the threads got them, or
 *                         "round R stuck" if one is still waiting after 5 s
 *   storm P C N [T]       P producers put N items each (producer << 32 | sequence), C
 *                         consumers get them, the first T of them polling with
 *                         queue_try_get, the others in queue_get (T = 0 if not given);
 *                         "storm put-errors E left L", then a line "consumer K V..."
 *                         per consumer, in the order it got them; or "storm stuck"
 *                         (a thread still running 20 s on), or "storm too-many M" as
 *                         soon as the getters together returned M items, one more than
 *                         were put (P * N items and C end marks): the driver then ends
 *   crowd N T K           put N items in a new queue, then T threads call queue_try_get
 *                         K times each (T * K < N: the queue never runs empty):
 *                         "crowd empty E left L", E the calls that returned false
 * A command it cannot parse ends it with status 2.
 */
#include "queue.h"

#include "driver_io.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define END_MARK UINT64_MAX

static bool join_within(pthread_t thread, double seconds)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += (time_t)seconds;
    return pthread_timedjoin_np(thread, NULL, &deadline) == 0;
}

static struct queue *new_queue(size_t item_size)
{
    struct queue *q = calloc(1, sizeof *q);
    if (q == NULL || queue_init(q, item_size) != 0) {
        report("init-failed");
        exit(1);
    }
    return q;
}

/* ------------------------------------------------------------ fifo and record */

static void fifo(char *args)
{
    struct queue *q = new_queue(sizeof(uint64_t));
    uint64_t untouched = 12345, item = untouched;
    bool got = queue_try_get(q, &item);
    report("empty %d %" PRIx64, got, item);
    size_t n = strtoul(strtok(args, " "), NULL, 10);
    uint64_t *values = calloc(n ? n : 1, sizeof *values);
    for (size_t i = 0; i < n; i++) {
        char *word = strtok(NULL, " ");
        values[i] = word ? strtoull(word, NULL, 16) : 0;
        if (queue_put(q, &values[i]) != 0)
            report("put-failed %zu", i);
    }
    char *line = malloc(n * 17 + 8);
    size_t len = (size_t)sprintf(line, "got");
    for (size_t i = 0; i < n; i++) {
        item = 0;
        if (i % 2 == 0)
            queue_get(q, &item);
        else if (!queue_try_get(q, &item))
            item = untouched;
        len += (size_t)sprintf(line + len, " %" PRIx64, item);
    }
    report("%s", line);
    free(line);
    free(values);
    queue_destroy(q);
    free(q);
}

static void record(const char *hex)
{
    struct queue *q = new_queue(40);
    unsigned char in[40] = {0}, out[40] = {0};
    for (int i = 0; i < 40 && hex[2 * i] && hex[2 * i + 1]; i++)
        sscanf(hex + 2 * i, "%2hhx", &in[i]);
    queue_put(q, in);
    queue_get(q, out);
    char text[81];
    for (int i = 0; i < 40; i++)
        sprintf(text + 2 * i, "%02x", out[i]);
    report("record %s", text);
    queue_destroy(q);
    free(q);
}

/* ------------------------------------------------------------ one waiting getter */

static struct queue *shared;

static void *get_one(void *arg)
{
    uint64_t *item = arg;
    queue_get(shared, item);
    report("got %" PRIx64, *item);
    return NULL;
}

/* ------------------------------------------------------------ rounds of 8 getters */

struct getter {
    uint64_t item;
    atomic_int tid; /* its thread id, once it runs */
};

static void *get_quietly(void *arg)
{
    struct getter *g = arg;
    atomic_store(&g->tid, (int)gettid());
    queue_get(shared, &g->item);
    return NULL;
}

/* Whether thread `tid` of this process sleeps (state S: blocked, e.g. in a wait). */
static bool is_sleeping(int tid)
{
    char path[64], text[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    const char *end = strrchr(text, ')');
    return end != NULL && end[1] == ' ' && end[2] == 'S';
}

/* Waits (up to 2 s) until the 8 getters are asleep, in queue_get on the empty queue:
 * then the puts find them all waiting, whatever the load. */
static void wait_until_asleep(struct getter g[8])
{
    struct timespec pause = {0, 1000 * 1000};
    for (int waited = 0; waited < 2000; waited++) {
        int asleep = 0;
        for (int i = 0; i < 8; i++) {
            int tid = atomic_load(&g[i].tid);
            asleep += tid != 0 && is_sleeping(tid);
        }
        if (asleep == 8)
            return;
        nanosleep(&pause, NULL);
    }
}

static void round_of_eight(char *args)
{
    int round = atoi(strtok(args, " "));
    uint64_t values[8];
    for (int i = 0; i < 8; i++) {
        char *word = strtok(NULL, " ");
        values[i] = word ? strtoull(word, NULL, 16) : 0;
    }
    struct getter g[8] = {{0}};
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        if (pthread_create(&t[i], NULL, get_quietly, &g[i]) != 0)
            exit(1);
    wait_until_asleep(g);
    for (int i = 0; i < 8; i++)
        queue_put(shared, &values[i]);
    for (int i = 0; i < 8; i++) {
        if (!join_within(t[i], 5)) {
            report("round %d stuck", round);
            fflush(stdout);
            _exit(0); /* a thread is blocked for good: nothing more to learn */
        }
    }
    report("round %d got %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64
           " %" PRIx64 " %" PRIx64,
           round, g[0].item, g[1].item, g[2].item, g[3].item, g[4].item, g[5].item, g[6].item,
           g[7].item);
}

/* ------------------------------------------------------------ many producers, consumers */

struct storm {
    unsigned producers, per_producer;
    int put_errors;        /* under out_lock */
    atomic_ulong taken;    /* items the getters returned, end marks included */
    unsigned long at_most; /* what a right queue returns: every item and end mark put */
};

struct worker {
    struct storm *storm;
    uint64_t id;
    bool polls;    /* a consumer that takes with queue_try_get, not queue_get */
    uint64_t *got; /* a consumer's items, in the order it got them */
    size_t count, capacity;
};

static void *produce(void *arg)
{
    struct worker *w = arg;
    for (uint64_t i = 0; i < w->storm->per_producer; i++) {
        uint64_t v = w->id << 32 | i;
        if (queue_put(shared, &v) != 0) {
            pthread_mutex_lock(&out_lock);
            w->storm->put_errors++;
            pthread_mutex_unlock(&out_lock);
        }
        if (i % 64 == 0)
            sched_yield(); /* let the queue run empty now and then */
    }
    return NULL;
}

static void *consume(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        uint64_t v;
        if (!w->polls)
            queue_get(shared, &v);
        else
            while (!queue_try_get(shared, &v))
                sched_yield(); /* empty: let a producer run */
        /* A queue that returns items it was never given (a get that does not wait)
         * would keep these threads busy until the join's deadline: stop at once. */
        if (atomic_fetch_add(&w->storm->taken, 1) >= w->storm->at_most) {
            report("storm too-many %lu", w->storm->at_most + 1);
            _exit(0);
        }
        if (v == END_MARK)
            return NULL;
        if (w->count == w->capacity) {
            w->capacity = w->capacity ? 2 * w->capacity : 1024;
            w->got = realloc(w->got, w->capacity * sizeof *w->got);
            if (w->got == NULL)
                exit(1);
        }
        w->got[w->count++] = v;
    }
}

static void storm(char *args)
{
    unsigned p = 0, c = 0, n = 0, polling = 0;
    int fields = sscanf(args, "%u %u %u %u", &p, &c, &n, &polling);
    if (fields < 3 || p == 0 || c == 0 || p > 64 || c > 64 || polling > c)
        usage_error(args);
    struct storm s = {.producers = p, .per_producer = n, .at_most = (unsigned long)p * n + c};
    struct worker *prod = calloc(p, sizeof *prod), *cons = calloc(c, sizeof *cons);
    pthread_t *pt = calloc(p, sizeof *pt), *ct = calloc(c, sizeof *ct);
    if (prod == NULL || cons == NULL || pt == NULL || ct == NULL)
        exit(1);
    for (unsigned i = 0; i < c; i++) {
        cons[i] = (struct worker){.storm = &s, .id = i, .polls = i < polling};
        if (pthread_create(&ct[i], NULL, consume, &cons[i]) != 0)
            exit(1);
    }
    for (unsigned i = 0; i < p; i++) {
        prod[i] = (struct worker){.storm = &s, .id = i};
        if (pthread_create(&pt[i], NULL, produce, &prod[i]) != 0)
            exit(1);
    }
    for (unsigned i = 0; i < p; i++)
        if (!join_within(pt[i], 20)) {
            report("storm stuck");
            _exit(0);
        }
    for (unsigned i = 0; i < c; i++) {
        uint64_t end = END_MARK;
        queue_put(shared, &end);
    }
    for (unsigned i = 0; i < c; i++)
        if (!join_within(ct[i], 20)) {
            report("storm stuck");
            _exit(0);
        }
    uint64_t left;
    report("storm put-errors %d left %d", s.put_errors, queue_try_get(shared, &left));
    for (unsigned i = 0; i < c; i++) {
        /* "consumer K" and 17 characters per item at most. */
        char *line = malloc(cons[i].count * 17 + 32);
        size_t len = (size_t)sprintf(line, "consumer %u", i);
        for (size_t k = 0; k < cons[i].count; k++)
            len += (size_t)sprintf(line + len, " %" PRIx64, cons[i].got[k]);
        report("%s", line);
        free(line);
        free(cons[i].got);
    }
    free(prod);
    free(cons);
    free(pt);
    free(ct);
}

struct crowd {
    struct queue *queue;
    pthread_barrier_t start; /* the threads start together: they must contend */
    unsigned long calls;     /* per thread */
    atomic_ulong empties;    /* calls that returned false */
};

static void *try_get_often(void *arg)
{
    struct crowd *c = arg;
    pthread_barrier_wait(&c->start);
    for (unsigned long i = 0; i < c->calls; i++) {
        uint64_t v;
        if (!queue_try_get(c->queue, &v))
            atomic_fetch_add(&c->empties, 1);
    }
    return NULL;
}

/* Pollers on a queue that never runs empty: queue_try_get may say "empty" only when it
 * is, not when another thread holds the lock. */
static void crowd(char *args)
{
    unsigned long n = 0, threads = 0, calls = 0;
    if (sscanf(args, "%lu %lu %lu", &n, &threads, &calls) != 3 || threads == 0 || threads > 16 ||
        threads * calls >= n)
        usage_error(args);
    struct crowd c = {.queue = new_queue(sizeof(uint64_t)), .calls = calls};
    atomic_init(&c.empties, 0);
    if (pthread_barrier_init(&c.start, NULL, (unsigned)threads) != 0)
        exit(1);
    for (uint64_t i = 0; i < n; i++)
        if (queue_put(c.queue, &i) != 0)
            exit(1);
    pthread_t t[16];
    for (unsigned long i = 0; i < threads; i++)
        if (pthread_create(&t[i], NULL, try_get_often, &c) != 0)
            exit(1);
    for (unsigned long i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    unsigned long left = 0;
    for (uint64_t v; queue_try_get(c.queue, &v);)
        left++;
    report("crowd empty %lu left %lu", atomic_load(&c.empties), left);
    pthread_barrier_destroy(&c.start);
    queue_destroy(c.queue);
    free(c.queue);
}

int main(void)
{
    shared = new_queue(sizeof(uint64_t));
    pthread_t waiter;
    bool waiting = false;
    uint64_t waited_item = 0;
    static char line[1 << 20];
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *args = strchr(line, ' ');
        args = args ? args + 1 : line + strlen(line);
        if (strncmp(line, "fifo ", 5) == 0) {
            fifo(args);
        } else if (strncmp(line, "record ", 7) == 0) {
            record(args);
        } else if (strcmp(line, "spawn-get") == 0 && !waiting) {
            if (pthread_create(&waiter, NULL, get_one, &waited_item) != 0)
                exit(1);
            waiting = true;
            report("spawned");
        } else if (strncmp(line, "put ", 4) == 0) {
            uint64_t v = strtoull(args, NULL, 16);
            report("put %d", queue_put(shared, &v));
        } else if (strncmp(line, "join ", 5) == 0 && waiting) {
            waiting = false;
            if (!join_within(waiter, atof(args))) {
                report("stuck");
                _exit(0);
            }
            report("joined");
        } else if (strncmp(line, "round ", 6) == 0) {
            round_of_eight(args);
        } else if (strncmp(line, "storm ", 6) == 0) {
            storm(args);
        } else if (strncmp(line, "crowd ", 6) == 0) {
            crowd(args);
        } else {
            usage_error(line);
        }
    }
    queue_destroy(shared);
    free(shared);
    return 0;
}
