/*
 * record: fixed-size records over pipes, and the job queue of procs_racy.
 *
 * A record is a small struct sent with one write(2) and received with one read(2). A
 * pipe never splits or interleaves a write of at most PIPE_BUF bytes, so with records
 * smaller than that several processes may write to one pipe and several may read from
 * another: each read gets one whole record, from one writer.
 *
 * Functions return 0 (or 1, see record_read()) or a negative errno value, and resume
 * after EINTR. They are thread-safe and async-signal-safe (only read(2) and write(2)),
 * except record_queue_jobs(), which is for the parent before it forks.
 */
#ifndef CONCLAB_RECORD_H
#define CONCLAB_RECORD_H

#include "numlist.h"

#include <stddef.h>
#include <stdint.h>

/* One job of procs_racy's job pipe: a number to check, or the order to stop. */
struct job {
    uint64_t n;
    uint64_t stop; /* 1: no more jobs, exit (a number may be 0, so 0 can't mean stop) */
};

/* Writes `size` (at most PIPE_BUF) bytes at `record` to fd in one write. Returns 0 or
 * -errno (-EIO for a short write, which a pipe never does for such a size). */
int record_write(int fd, const void *record, size_t size);

/* Reads one record of `size` bytes from fd into `record`. Returns 1, 0 at end of file,
 * or -errno (-EIO if only part of a record came). */
int record_read(int fd, void *record, size_t size);

/* Writes a job for each of `numbers`, then a stop job for each of `procs` workers, into
 * the pipe `fd`, making the pipe large enough first so that this never blocks. Returns
 * 0 or -errno (-EPERM or -EBUSY: the pipe cannot be made that large). */
int record_queue_jobs(int fd, const struct numlist *numbers, unsigned procs);

#endif
