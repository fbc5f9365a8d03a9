/*
 * channels: what joins the parent of procs to its workers.
 *
 *     parent --jobs_out--> [job pipe] --jobs_in--> workers --results_out--> [result pipe]
 *       ^                                                                        |
 *       +-------------------------------- results.fd -----------------------------+
 *
 * Two pipes carry the records (records.h); a signalfd brings SIGINT and SIGCHLD into
 * the parent's poll loop (sigfd.h); one mailbox per worker slot is shared memory that
 * outlives a worker's death (mailbox.h). Everything is made before the first fork, so
 * every worker inherits it, and each worker closes the parent's ends it must not hold.
 *
 * Every end but results_out is non-blocking: the parent never blocks on a pipe, and a
 * worker that finds the job pipe empty posts its results before it sleeps (worker.c).
 * A worker's write of results may block. For the parent, one thread.
 */
#ifndef CONCLAB_CHANNELS_H
#define CONCLAB_CHANNELS_H

#include "records.h"
#include "worker.h"

struct channels {
    int jobs_in;                      /* the job pipe's read end: the workers' */
    int jobs_out;                     /* its write end: the parent's */
    struct records_reader results;    /* the result pipe's read end: the parent's */
    int results_out;                  /* its write end: the workers' */
    int signals;                      /* the parent's signalfd (sigfd.h) */
    struct worker_mailbox *mailboxes; /* one per worker slot, shared */
    unsigned slots;                   /* how many mailboxes */
};

/* Opens both pipes, blocks SIGINT and SIGCHLD into a signalfd (sigfd_open) and maps
 * `slots` (> 0) mailboxes. Returns 0, or -errno with nothing left open. Call it before
 * any thread or child starts. Release with channels_close(). */
int channels_open(struct channels *ch, unsigned slots);

/* Closes every fd and unmaps the mailboxes. Their errors are ignored: at the end of the
 * run nothing is left to do about them. */
void channels_close(struct channels *ch);

#endif
