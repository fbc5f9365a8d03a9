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
    int32_t me = (int32_t)getpid();
    for (;;) {
        struct pool_job job;
        int got = mailbox_take_job(box, jobs_fd, results_fd, &job);
        if (got <= 0)
            return got == 0 ? 0 : 1;
        if (job.seq == POOL_POISON_PILL) {
            mailbox_keep(box, &(struct pool_result){.seq = POOL_SENTINEL, .worker = me});
            return mailbox_post(box, results_fd) == 0 ? 0 : 1;
        }

        atomic_store_explicit(&box->current, job.seq, memory_order_relaxed);
        pool_crash_hook(job.n);
        struct pool_result result = {.seq = job.seq, .n = job.n, .worker = me};
        result.start_ns = clock_now_ns();
        result.prime = primes_is_prime(job.n);
        result.end_ns = clock_now_ns();
        mailbox_keep(box, &result);
        atomic_store_explicit(&box->current, 0, memory_order_relaxed);

        /* Post when the batch is full or its oldest result has waited long enough. */
        uint32_t count = atomic_load_explicit(&box->unposted, memory_order_relaxed);
        if (count == WORKER_BATCH ||
            result.end_ns - box->results[0].end_ns >= WORKER_POST_AFTER_NS ||
            result.end_ns - result.start_ns >= WORKER_POST_AFTER_NS) {
            if (mailbox_post(box, results_fd) < 0)
                return 1;
        }
    }
}
