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

/* TODO(lab 03, part D): write check(s, n), the check a worker makes of each number (for
 * part C, one that returns primes_is_prime(n) will do). With --gil (s->use_gil) it
 * holds lab 02's GIL, s->gil, for the whole check, and lets the eval breaker
 * (gil_eval_breaker()) run every DIVISORS_PER_BREAK divisors:
 * primes_is_prime_with_pauses() calls a function you give it that often. Concept: the
 * GIL lets one thread compute at a time. */

static void *worker(void *arg)
{
    /* TODO(lab 03, part C): the worker loop, as in procs but with the queues: take jobs
     * from the job queue until the poison pill, put a result for each (checked with
     * check(), timed, named with this thread's gettid()) into the result queue, and a
     * sentinel at the end. Concepts: poison pill, sentinel, a thread-safe queue between
     * threads. */
    return NULL;
}

int main(int argc, char *argv[])
{
    struct threads_run run;
    threads_open(&run, argc, argv); /* ... and puts every job into run.shared.jobs */
    /* TODO(lab 03, part C): then one poison pill per worker. Concept: the pills come out
     * of a first-in first-out queue only after every job. */
    threads_start(&run, worker);

    size_t checked = 0;
    /* TODO(lab 03, part C): print each result from run.shared.results as it arrives
     * (pool_print_result(), with run.opts.timeline and run.t0_ns), counting them in
     * `checked`, until every thread has sent its sentinel. Flush stdout before waiting,
     * so that a pipe shows progress. Concepts: producer and consumers, counting
     * sentinels, not results. */
    return threads_finish(&run, checked);
}
