/*
 * worker: take a job, check it, post the result; the poison pill ends the loop.
 */
#include "worker.h"

#include "clock.h"
#include "mailbox.h"
#include "primes.h"

#include <stdint.h>
#include <unistd.h>

int worker_run(int jobs_fd, int results_fd, struct worker_mailbox *box)
{
    /* TODO(lab 03, part B): the worker loop of the chapter's procs.py. Take jobs one at a
     * time with mailbox_take_job() until the poison pill (or end of file); for each
     * number, record the job in box->current while it is being checked, call
     * pool_crash_hook() first (the crash test needs it), time primes_is_prime() with
     * clock_now_ns() and keep the result (mailbox_keep()), naming this process as its
     * worker. At the pill, post a sentinel and return 0. Post kept results with
     * mailbox_post() when the batch is full or when they have waited
     * WORKER_POST_AFTER_NS; a worker that never posts its results leaves the parent
     * waiting. Concepts: poison pill, sentinel, a record per atomic pipe write. */
    return 1;
}
