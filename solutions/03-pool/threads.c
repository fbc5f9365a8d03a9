/*
 * threads: check numbers for primality with N threads and two blocking queues.
 *
 * The same design as procs, with threads instead of processes: main puts every job
 * and then one poison pill per worker into the job queue; each worker takes jobs and
 * puts results into the result queue until it takes a pill, then puts a sentinel.
 * Main prints results as they arrive and counts sentinels to know when all is done.
 *
 * With --gil, each worker holds lab 02's simulated GIL while it checks a number and
 * calls the eval breaker every few divisions: the chapter's "thread-based nonsolution",
 * where only one thread computes at any moment, however many cores there are.
 */
#include "cli.h"
#include "clock.h"
#include "die.h"
#include "gil.h"
#include "order.h"
#include "pool.h"
#include "primes.h"
#include "queue.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

/* How many divisors a GIL worker tries between two calls of the eval breaker: a few
 * microseconds of work, so a drop request is answered well within the interval. */
#define DIVISORS_PER_BREAK 256

/* What the workers share. The queues synchronise themselves; the GIL too. */
struct shared {
    struct queue jobs;    /* struct pool_job: the jobs, then one pill per worker */
    struct queue results; /* struct pool_result: results and sentinels */
    struct gil gil;       /* held while computing when use_gil */
    bool use_gil;         /* read-only once the workers run */
};

/* primes_is_prime_with_pauses() calls a void (*)(void *): this one hands it to the GIL. */
static void eval_breaker(void *arg)
{
    gil_eval_breaker(arg);
}

static bool check(struct shared *s, uint64_t n)
{
    if (!s->use_gil)
        return primes_is_prime(n);
    gil_acquire(&s->gil);
    bool prime = primes_is_prime_with_pauses(n, DIVISORS_PER_BREAK, eval_breaker, &s->gil);
    gil_release(&s->gil);
    return prime;
}

static void put_or_die(struct queue *queue, const void *item)
{
    int err = queue_put(queue, item);
    if (err < 0)
        die_error("queue_put", err);
}

static void *worker(void *arg)
{
    struct shared *s = arg;
    int32_t me = (int32_t)gettid();
    for (;;) {
        struct pool_job job;
        queue_get(&s->jobs, &job);
        if (job.seq == POOL_POISON_PILL) {
            struct pool_result sentinel = {.seq = POOL_SENTINEL, .worker = me};
            put_or_die(&s->results, &sentinel);
            return NULL;
        }
        struct pool_result result = {.seq = job.seq, .n = job.n, .worker = me};
        result.start_ns = clock_now_ns();
        result.prime = check(s, job.n);
        result.end_ns = clock_now_ns();
        put_or_die(&s->results, &result);
    }
}

int main(int argc, char *argv[])
{
    struct pool_options opts;
    pool_parse_options(argc, argv, pool_threads_usage, true, &opts);
    struct shared s = {0};
    enum gil_mode mode = GIL_MODE_NONE;
    if (opts.gil_mode != NULL && gil_parse_mode(opts.gil_mode, &mode) < 0)
        cli_usage_error("--gil=%s: expected new, old or none", opts.gil_mode);
    s.use_gil = opts.gil_mode != NULL;

    int err = queue_init(&s.jobs, sizeof(struct pool_job));
    if (err == 0)
        err = queue_init(&s.results, sizeof(struct pool_result));
    if (err < 0)
        die_error("queue_init", err);
    if (s.use_gil && (err = gil_init(&s.gil, mode, 0)) < 0)
        die_error("gil_init", err);

    size_t count = opts.numbers.count;
    struct pool_job *jobs = order_make_jobs(&opts.numbers, opts.order, opts.workers);
    pthread_t *tids = calloc(opts.workers, sizeof *tids);
    if (jobs == NULL || tids == NULL)
        die("out of memory");

    if (s.use_gil)
        printf("Checking %zu numbers with %u threads holding a %s GIL:\n", count, opts.workers,
               gil_mode_name(mode));
    else
        printf("Checking %zu numbers with %u threads:\n", count, opts.workers);
    fflush(stdout);
    int64_t t0 = clock_now_ns();

    for (size_t i = 0; i < count; i++)
        put_or_die(&s.jobs, &jobs[i]);
    for (unsigned i = 0; i < opts.workers; i++)
        put_or_die(&s.jobs, &(struct pool_job){.seq = POOL_POISON_PILL});
    for (unsigned i = 0; i < opts.workers; i++) {
        err = pthread_create(&tids[i], NULL, worker, &s);
        if (err != 0)
            die_error("pthread_create", err);
    }

    /* Print results as they come, until every worker has sent its sentinel. */
    size_t checked = 0;
    for (unsigned sentinels = 0; sentinels < opts.workers;) {
        struct pool_result r;
        if (!queue_try_get(&s.results, &r)) {
            fflush(stdout); /* about to wait: show what we have */
            queue_get(&s.results, &r);
        }
        if (r.seq == POOL_SENTINEL) {
            sentinels++;
            continue;
        }
        checked++;
        pool_print_result(stdout, &r, opts.timeline, t0);
    }
    for (unsigned i = 0; i < opts.workers; i++) {
        err = pthread_join(tids[i], NULL);
        if (err != 0)
            die_error("pthread_join", err);
    }
    printf("%zu checks in %.2fs\n", checked, (double)(clock_now_ns() - t0) / 1e9);

    if (s.use_gil)
        gil_destroy(&s.gil);
    queue_destroy(&s.results);
    queue_destroy(&s.jobs);
    free(tids);
    free(jobs);
    numlist_free(&opts.numbers);
    if (fflush(stdout) != 0)
        die_errno("stdout");
    return checked == count ? EXIT_SUCCESS : EXIT_FAILURE;
}
