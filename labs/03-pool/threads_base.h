/*
 * threads_base: the given half of threads.c: what main() does around the lesson.
 *
 * Why apart: threads.c holds what the student writes (the check a worker makes, the
 * worker loop, the poison pills and the loop that prints results) and reads top to
 * bottom like the chapter's threads version of procs.py; the rest (command line, the
 * two queues and the GIL, starting and joining the threads, the last line) is the same
 * for every solution. For main() and its helpers only; threads_put() is thread-safe.
 */
#ifndef CONCLAB_THREADS_BASE_H
#define CONCLAB_THREADS_BASE_H

#include "gil.h"
#include "pool.h"
#include "queue.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the worker threads share. The queues synchronise themselves; the GIL too. */
struct threads_shared {
    struct queue jobs;    /* struct pool_job: the jobs, then one pill per worker */
    struct queue results; /* struct pool_result: results and sentinels */
    struct gil gil;       /* held while computing when use_gil */
    bool use_gil;         /* read-only once the workers run */
};

/* One run of threads: main()'s state. */
struct threads_run {
    struct pool_options opts;     /* the command line (pool.h) */
    struct threads_shared shared; /* what every worker is given */
    struct pool_job *jobs;        /* every job, in the order they are handed out; owned */
    pthread_t *tids;              /* opts.workers threads; owned */
    int64_t t0_ns;                /* clock_now_ns() when the first job went in */
};

/* Parses the command line (pool_parse_options), sets up both queues and, with --gil,
 * the GIL, prints the heading line and puts every job into run->shared.jobs. Bad usage
 * exits 2, any other failure exits 1. */
void threads_open(struct threads_run *run, int argc, char *argv[]);

/* queue_put() that ends the program (status 1) if the queue cannot grow. */
void threads_put(struct queue *queue, const void *item);

/* Starts run->opts.workers threads running worker(&run->shared). Exits 1 on failure. */
void threads_start(struct threads_run *run, void *(*worker)(void *));

/* Joins every thread, prints "<checked> checks in X.XXs" and frees the run. Returns the
 * exit status: 0 if `checked` is the number of jobs, else 1. */
int threads_finish(struct threads_run *run, size_t checked);

#endif
