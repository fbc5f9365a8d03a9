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

static const char usage[] =
    "Usage: threads [N] [--gil[=MODE]] [--numbers FILE | --range FIRST LAST] [--timeline]\n"
    "               [--largest-first | --balanced]\n"
    "Check numbers for primality with N threads (default: one per online CPU).\n"
    "\n"
    "  N                  how many worker threads, 1 to 1024\n"
    "  --gil[=MODE]       hold lab 02's simulated GIL while computing; MODE is new\n"
    "                     (the default), old or none\n"
    "  --numbers FILE     one number per line (0 to 2^64-1); '-' reads standard input\n"
    "  --range FIRST LAST every number from FIRST to LAST\n"
    "  --timeline         also print when each check started and ended (seconds)\n"
    "  --largest-first    hand out the costliest checks first (estimated)\n"
    "  --balanced         hand out in an order planned so that the workers finish together\n"
    "  -h, --help         show this help and exit\n"
    "  -V, --version      show the version and exit\n"
    "\n"
    "Without --numbers or --range it checks the chapter's 20 numbers. A result line\n"
    "names the worker (its thread id) that checked the number.\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage or input.\n";

/* What the workers share. The queues synchronise themselves; the GIL too. */
struct shared {
    struct queue jobs;    /* struct pool_job: the jobs, then one pill per worker */
    struct queue results; /* struct pool_result: results and sentinels */
    struct gil gil;       /* held while computing when use_gil */
    bool use_gil;         /* read-only once the workers run */
};

static void eval_breaker(void *arg)
{
    gil_eval_breaker(arg);
}

static bool check(struct shared *s, uint64_t n)
{
    /* TODO(lab 03, part D): with s->use_gil, hold the GIL (lab 02) for the whole check
     * and call its eval breaker every DIVISORS_PER_BREAK divisors: that is what
     * primes_is_prime_with_pauses() and eval_breaker() are for. Without it, just check.
     * Concept: the GIL lets one thread compute at a time. */
    (void)eval_breaker;
    return s->use_gil ? false : primes_is_prime(n);
}

static void put_or_die(struct queue *queue, const void *item)
{
    int err = queue_put(queue, item);
    if (err < 0)
        die_error("queue_put", err);
}

static void *worker(void *arg)
{
    /* TODO(lab 03, part C): the worker loop, as in procs but with the queues: take jobs
     * from s->jobs until the poison pill, put a result for each (timed, named with this
     * thread's gettid()) into s->results, and a sentinel at the end.
     * Concepts: poison pill, sentinel, a thread-safe queue between threads. */
    (void)check;
    (void)put_or_die;
    return arg;
}

int main(int argc, char *argv[])
{
    struct pool_options opts;
    pool_parse_options(argc, argv, usage, true, &opts);
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
    struct pool_job *jobs = calloc(count, sizeof *jobs);
    pthread_t *tids = calloc(opts.workers, sizeof *tids);
    if (jobs == NULL || tids == NULL)
        die("out of memory");
    for (size_t i = 0; i < count; i++)
        jobs[i] = (struct pool_job){.seq = i + 1, .n = opts.numbers.values[i]};
    order_jobs(jobs, count, opts.order, opts.workers);

    if (s.use_gil)
        printf("Checking %zu numbers with %u threads holding a %s GIL:\n", count, opts.workers,
               gil_mode_name(mode));
    else
        printf("Checking %zu numbers with %u threads:\n", count, opts.workers);
    fflush(stdout);
    int64_t t0 = clock_now_ns();

    /* TODO(lab 03, part C): put every job and then one poison pill per worker into
     * s.jobs, start opts.workers threads running worker(), print each result from
     * s.results as it arrives (pool_print_result) until every thread has sent its
     * sentinel, then join them all. Flush stdout before waiting, so a pipe shows
     * progress. Concepts: producer and consumers, sentinel counting, join. */
    size_t checked = 0;
    (void)tids;
    (void)worker;
    (void)t0;
    fprintf(stderr, "threads: not implemented yet\n");
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
