/*
 * threads_base: the given half of threads.c (see threads_base.h).
 */
#include "threads_base.h"

#include "cli.h"
#include "clock.h"
#include "die.h"
#include "order.h"

#include <stdio.h>
#include <stdlib.h>

void threads_open(struct threads_run *run, int argc, char *argv[])
{
    *run = (struct threads_run){0};
    struct pool_options *opts = &run->opts;
    struct threads_shared *s = &run->shared;
    pool_parse_options(argc, argv, pool_threads_usage, true, opts);
    enum gil_mode mode = GIL_MODE_NONE;
    if (opts->gil_mode != NULL && gil_parse_mode(opts->gil_mode, &mode) < 0)
        cli_usage_error("--gil=%s: expected new, old or none", opts->gil_mode);
    s->use_gil = opts->gil_mode != NULL;

    int err = queue_init(&s->jobs, sizeof(struct pool_job));
    if (err == 0)
        err = queue_init(&s->results, sizeof(struct pool_result));
    if (err < 0)
        die_error("queue_init", err);
    if (s->use_gil && (err = gil_init(&s->gil, mode, 0)) < 0)
        die_error("gil_init", err);

    size_t count = opts->numbers.count;
    run->jobs = order_make_jobs(&opts->numbers, opts->order, opts->workers);
    run->tids = calloc(opts->workers, sizeof *run->tids);
    if (run->jobs == NULL || run->tids == NULL)
        die("out of memory");

    if (s->use_gil)
        printf("Checking %zu numbers with %u threads holding a %s GIL:\n", count, opts->workers,
               gil_mode_name(mode));
    else
        printf("Checking %zu numbers with %u threads:\n", count, opts->workers);
    fflush(stdout);
    run->t0_ns = clock_now_ns();
    for (size_t i = 0; i < count; i++)
        threads_put(&s->jobs, &run->jobs[i]);
}

void threads_put(struct queue *queue, const void *item)
{
    int err = queue_put(queue, item);
    if (err < 0)
        die_error("queue_put", err);
}

void threads_start(struct threads_run *run, void *(*worker)(void *))
{
    for (unsigned i = 0; i < run->opts.workers; i++) {
        int err = pthread_create(&run->tids[i], NULL, worker, &run->shared);
        if (err != 0)
            die_error("pthread_create", err);
    }
}

int threads_finish(struct threads_run *run, size_t checked)
{
    for (unsigned i = 0; i < run->opts.workers; i++) {
        int err = pthread_join(run->tids[i], NULL);
        if (err != 0)
            die_error("pthread_join", err);
    }
    printf("%zu checks in %.2fs\n", checked, (double)(clock_now_ns() - run->t0_ns) / 1e9);

    size_t count = run->opts.numbers.count;
    if (run->shared.use_gil)
        gil_destroy(&run->shared.gil);
    queue_destroy(&run->shared.results);
    queue_destroy(&run->shared.jobs);
    free(run->tids);
    free(run->jobs);
    numlist_free(&run->opts.numbers);
    if (fflush(stdout) != 0)
        die_errno("stdout");
    return checked == count ? EXIT_SUCCESS : EXIT_FAILURE;
}
