/*
 * mailbox: a worker's results on their way to the parent (struct worker_mailbox, in
 * worker.h), seen from both sides.
 *
 * The mailboxes live in memory that the parent maps with mmap(MAP_SHARED |
 * MAP_ANONYMOUS) before it forks: parent and workers then see the same pages, not
 * copies. A worker keeps each result in its mailbox and posts a whole batch in one
 * write(2) to the result pipe: one write per batch, not per result, is what lets tiny
 * jobs go fast. While a worker lives only it touches its mailbox; once it has died and
 * been reaped, the parent takes what it left there.
 *
 * Worker side (mailbox_keep, mailbox_post, mailbox_take_job): no stdio, no malloc, so
 * they are safe in a child forked from any parent. Parent side (mailbox_map,
 * mailbox_unmap, mailbox_empty): one thread.
 *
 * With --trace (lib/trace.h), the worker side marks the worker's timeline: a "job" span
 * from the job's mailbox_take_job() to the mailbox_keep() of its result (args: the
 * number and whether it is prime), "pill" and "sentinel" instants, "post results" and
 * "wait for a job" spans.
 */
#ifndef CONCLAB_MAILBOX_H
#define CONCLAB_MAILBOX_H

#include "pool.h"
#include "worker.h"

#include <stddef.h>
#include <stdint.h>

/* Adds `result` to the worker's mailbox, which must have room (fewer than WORKER_BATCH
 * unposted): the entry first, then the count that makes it count. */
void mailbox_keep(struct worker_mailbox *box, const struct pool_result *result);

/* Posts the unposted results in one write(2) of at most PIPE_BUF bytes to the result
 * pipe `results_fd` (blocking): the kernel puts it in the pipe in one piece even when
 * other workers write too. Then the mailbox is empty. Returns 0, or -1 with errno set. */
int mailbox_post(struct worker_mailbox *box, int results_fd);

/* Takes one job from the job pipe `jobs_fd` (O_NONBLOCK, shared by all workers) into
 * *job. When the pipe is empty it first posts what the mailbox holds, then sleeps until
 * a job arrives. Returns 1 with a job, 0 at end of file (the parent is gone), or -1 with
 * errno set (EIO for a torn job). */
int mailbox_take_job(struct worker_mailbox *box, int jobs_fd, int results_fd, struct pool_job *job);

/* Maps `count` (> 0) empty mailboxes, shared with every child forked afterwards.
 * Returns NULL with errno set on failure. Release with mailbox_unmap(). */
struct worker_mailbox *mailbox_map(unsigned count);

/* Unmaps what mailbox_map(count) returned. NULL is ignored. */
void mailbox_unmap(struct worker_mailbox *boxes, unsigned count);

/* Empties the mailbox of a worker that died and was reaped: copies the results it had
 * not posted into out[] and returns how many; *current gets the seq of the job it was
 * on, 0 if it died between jobs. The mailbox is then ready for a replacement. */
size_t mailbox_empty(struct worker_mailbox *box, struct pool_result out[WORKER_BATCH],
                     uint64_t *current);

#endif
