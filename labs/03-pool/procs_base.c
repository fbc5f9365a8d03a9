/*
 * procs_base: the given half of procs.c (see procs_base.h).
 */
#include "procs_base.h"

#include "die.h"
#include "order.h"
#include "records.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

void procs_open(struct parent *p, int argc, char *argv[])
{
    *p = (struct parent){0};
    pool_parse_options(argc, argv, pool_procs_usage, false, &p->opts);
    p->slot_count = p->opts.workers;
    p->job_count = p->opts.numbers.count;
    int err = channels_open(&p->ch, p->slot_count);
    if (err < 0)
        die_error("channels_open", err);
    p->jobs = order_make_jobs(&p->opts.numbers, p->opts.order, p->slot_count);
    p->slots = calloc(p->slot_count, sizeof *p->slots);
    if (p->jobs == NULL || p->slots == NULL ||
        report_init(&p->report, stdout, &p->opts.numbers, p->opts.timeline) < 0)
        die("out of memory");
    report_start(&p->report, p->slot_count);
}

size_t procs_write_jobs(struct parent *p, const struct pool_job *jobs, size_t count)
{
    ssize_t written = records_write(p->ch.jobs_out, jobs, count, sizeof *jobs);
    if (written < 0)
        die_error("write jobs", (int)written);
    return (size_t)written;
}

void procs_collect_results(struct parent *p,
                           void (*on_sentinel)(struct parent *p, const struct pool_result *r))
{
    struct pool_result batch[PIPE_BUF / sizeof(struct pool_result)];
    ssize_t got;
    while ((got = records_read(&p->ch.results, batch, sizeof batch / sizeof batch[0])) > 0) {
        for (ssize_t k = 0; k < got; k++) {
            if (batch[k].seq == POOL_SENTINEL)
                on_sentinel(p, &batch[k]);
            else
                report_result(&p->report, &batch[k]);
        }
    }
    if (got < 0)
        die_error("read results", (int)got);
}

int procs_close(struct parent *p, bool completed)
{
    int status = report_finish(&p->report, !completed);
    if (status < 0)
        die_errno("stdout");
    channels_close(&p->ch);
    report_free(&p->report);
    free(p->slots);
    free(p->jobs);
    numlist_free(&p->opts.numbers);
    return status;
}
