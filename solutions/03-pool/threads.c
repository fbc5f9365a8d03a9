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
 *
 * Given in threads_base.c: the command line, the queues and the GIL, starting and
 * joining the threads (threads_base.h).
 */
#include "clock.h"
#include "gil.h"
#include "pool.h"
#include "primes.h"
#include "queue.h"
#include "threads_base.h"

#include <stdint.h>
#include <unistd.h>

/* How many divisors a GIL worker tries between two calls of the eval breaker: a few
 * microseconds of work, so a drop request is answered well within the interval. */
#define DIVISORS_PER_BREAK 256

/* primes_is_prime_with_pauses() calls a void (*)(void *): this one hands it to the GIL. */
static void eval_breaker(void *arg)
{
    gil_eval_breaker(arg);
}

static bool check(struct threads_shared *s, uint64_t n)
{
    if (!s->use_gil)
        return primes_is_prime(n);
    gil_acquire(&s->gil);
    bool prime = primes_is_prime_with_pauses(n, DIVISORS_PER_BREAK, eval_breaker, &s->gil);
    gil_release(&s->gil);
    return prime;
}

static void *worker(void *arg)
{
    struct threads_shared *s = arg;
    int32_t me = (int32_t)gettid();
    for (;;) {
        struct pool_job job;
        queue_get(&s->jobs, &job);
        if (job.seq == POOL_POISON_PILL) {
            struct pool_result sentinel = {.seq = POOL_SENTINEL, .worker = me};
            threads_put(&s->results, &sentinel);
            return NULL;
        }
        struct pool_result result = {.seq = job.seq, .n = job.n, .worker = me};
        result.start_ns = clock_now_ns();
        result.prime = check(s, job.n);
        result.end_ns = clock_now_ns();
        threads_put(&s->results, &result);
    }
}

int main(int argc, char *argv[])
{
    struct threads_run run;
    threads_open(&run, argc, argv);
    for (unsigned i = 0; i < run.opts.workers; i++)
        threads_put(&run.shared.jobs, &(struct pool_job){.seq = POOL_POISON_PILL});
    threads_start(&run, worker);

    /* Print results as they come, until every worker has sent its sentinel. */
    size_t checked = 0;
    for (unsigned sentinels = 0; sentinels < run.opts.workers;) {
        struct pool_result r;
        if (!queue_try_get(&run.shared.results, &r)) {
            fflush(stdout); /* about to wait: show what we have */
            queue_get(&run.shared.results, &r);
        }
        if (r.seq == POOL_SENTINEL) {
            sentinels++;
            continue;
        }
        checked++;
        pool_print_result(stdout, &r, run.opts.timeline, run.t0_ns);
    }
    return threads_finish(&run, checked);
}
