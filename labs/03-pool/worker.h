/*
 * worker: the loop each worker process of procs runs.
 *
 * The chapter's worker(): take a job from the job pipe, check the number, post the
 * result on the result pipe; at the poison pill, post a sentinel and stop. Records are
 * read and written whole, and a write of at most PIPE_BUF bytes is atomic, so the
 * results of many workers never interleave inside one record.
 *
 * Each worker also has a mailbox in memory it shares with the parent (mmap
 * MAP_SHARED, set up before fork). It says which job the worker is on, and holds the
 * results it has computed but not yet posted: posting a batch in one write instead of
 * one write per result is what lets tiny jobs go fast. If the worker dies, the parent
 * reads the mailbox to recover those results and to name the number that killed it.
 * mailbox.h has the functions that take a job, keep a result and post a batch.
 */
#ifndef CONCLAB_WORKER_H
#define CONCLAB_WORKER_H

#include "pool.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>

/* Results posted in one write at most; the write stays within PIPE_BUF. */
#define WORKER_BATCH 64
_Static_assert(WORKER_BATCH * sizeof(struct pool_result) <= PIPE_BUF,
               "a batch of results must fit in one atomic pipe write");

/* A worker posts its batch when this much time has passed since the oldest result
 * in it was computed, so that a slow stream of results is still shown promptly. */
#define WORKER_POST_AFTER_NS 1000000LL

/* Shared between one worker (the writer) and the parent (which reads it only after
 * the worker has died). Rule: the worker fills results[i] before it raises `unposted`
 * past i, and lowers `unposted` only after the write(2) that posted them returned. */
struct worker_mailbox {
    _Atomic uint64_t current;  /* seq of the job being checked; 0 between jobs */
    _Atomic uint32_t unposted; /* results[0 .. unposted) are computed, not yet posted */
    struct pool_result results[WORKER_BATCH];
};

/* Runs the worker loop in a child process until the poison pill or the end of the job
 * pipe. `jobs_fd` is the read end of the job pipe (O_NONBLOCK, shared by all workers),
 * `results_fd` the write end of the result pipe, `box` this worker's mailbox. Returns
 * the status for _exit(): 0 after the pill or at end of input, 1 if a read or write
 * failed. Uses no stdio and no malloc, so it is safe in a child forked from any parent. */
int worker_run(int jobs_fd, int results_fd, struct worker_mailbox *box);

#endif
