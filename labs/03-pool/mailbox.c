/*
 * mailbox: kept, posted in batches, and read back after a worker's death.
 */
#include "mailbox.h"

#include "trace.h"

#include <errno.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

/* The trace (lib/trace.h) of this worker process: when it took the job it is on. A
 * job's span runs from mailbox_take_job() to the mailbox_keep() of its result, so it
 * shows what the worker did, whatever its result says. */
static uint64_t traced_seq;
static int64_t traced_taken_ns;

/* Marks what a worker does with a record: a job's span ends when its result is kept. */
static void trace_kept(const struct pool_result *result)
{
    if (!trace_enabled)
        return;
    if (result->seq == POOL_SENTINEL) {
        trace_instant("pool", "sentinel", NULL, 0);
        return;
    }
    int64_t now = trace_now();
    trace_span_at("pool", "job", result->seq == traced_seq ? traced_taken_ns : now, now, "n",
                  (int64_t)result->n, "prime", result->prime);
    traced_seq = 0;
}

/* Marks a job taken: a poison pill, or the start of a job's span. */
static void trace_taken(const struct pool_job *job)
{
    if (!trace_enabled)
        return;
    static bool named; /* per worker process: a child gets the parent's false */
    if (!named) {
        trace_name_process("worker");
        trace_name_thread("worker");
        named = true;
    }
    if (job->seq == POOL_POISON_PILL) {
        trace_instant("pool", "pill", NULL, 0);
        return;
    }
    traced_seq = job->seq;
    traced_taken_ns = trace_now();
}

void mailbox_keep(struct worker_mailbox *box, const struct pool_result *result)
{
    trace_kept(result);
    uint32_t count = atomic_load_explicit(&box->unposted, memory_order_relaxed);
    box->results[count] = *result;
    atomic_store_explicit(&box->unposted, count + 1, memory_order_release);
}

int mailbox_post(struct worker_mailbox *box, int results_fd)
{
    uint32_t count = atomic_load_explicit(&box->unposted, memory_order_relaxed);
    if (count == 0)
        return 0;
    size_t size = count * sizeof box->results[0];
    int64_t start = trace_now();
    for (;;) {
        ssize_t w = write(results_fd, box->results, size);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        if (w != (ssize_t)size) {
            errno = EIO; /* a pipe takes such a write whole or not at all */
            return -1;
        }
        /* Only now: had the worker died before, the parent would find them here. */
        atomic_store_explicit(&box->unposted, 0, memory_order_release);
        trace_span_at("pool", "post results", start, trace_now(), "results", count, NULL, 0);
        return 0;
    }
}

int mailbox_take_job(struct worker_mailbox *box, int jobs_fd, int results_fd, struct pool_job *job)
{
    for (;;) {
        ssize_t r = read(jobs_fd, job, sizeof *job);
        if (r == (ssize_t)sizeof *job) {
            trace_taken(job);
            return 1;
        }
        if (r == 0)
            return 0; /* no writer left: the parent is gone */
        if (r > 0) {
            errno = EIO; /* jobs are written whole: a torn one means a broken writer */
            return -1;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        /* No job now: post what we have before we sleep, or the parent waits for it. */
        if (mailbox_post(box, results_fd) < 0)
            return -1;
        struct pollfd wait_for_job = {.fd = jobs_fd, .events = POLLIN};
        int64_t start = trace_now();
        if (poll(&wait_for_job, 1, -1) < 0 && errno != EINTR)
            return -1;
        trace_span("pool", "wait for a job", start);
    }
}

struct worker_mailbox *mailbox_map(unsigned count)
{
    /* Anonymous pages are zeroed: every mailbox starts empty, between jobs. */
    void *boxes = mmap(NULL, count * sizeof(struct worker_mailbox), PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return boxes == MAP_FAILED ? NULL : boxes;
}

void mailbox_unmap(struct worker_mailbox *boxes, unsigned count)
{
    if (boxes != NULL)
        munmap(boxes, count * sizeof *boxes);
}

size_t mailbox_empty(struct worker_mailbox *box, struct pool_result out[WORKER_BATCH],
                     uint64_t *current)
{
    /* The worker raised `unposted` only after it filled the entries below it (worker.h),
     * and waitpid() has ordered all its writes before these reads. */
    uint32_t unposted = atomic_load(&box->unposted);
    size_t count = unposted < WORKER_BATCH ? unposted : WORKER_BATCH;
    for (size_t k = 0; k < count; k++)
        out[k] = box->results[k];
    *current = atomic_load(&box->current);
    atomic_store(&box->unposted, 0);
    atomic_store(&box->current, 0);
    return count;
}
