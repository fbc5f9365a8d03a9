/*
 * records: fixed-size records through a pipe, each one whole.
 *
 * procs moves its jobs and results through pipes as binary records (struct pool_job,
 * struct pool_result). POSIX makes a write(2) of at most PIPE_BUF bytes to a pipe
 * atomic: its bytes go in together, never interleaved with another writer's, and on a
 * non-blocking pipe such a write goes in entirely or fails with EAGAIN. So a writer that
 * writes whole records, at most PIPE_BUF bytes at a time, never tears one. A read(2)
 * returns what is there, up to the size asked: it may stop inside a record, and the
 * reader keeps that piece until the rest arrives.
 *
 * For the parent of procs, which never blocks on a pipe. (A worker reads one job per
 * read(2) and posts its results itself: worker.c.) Not thread-safe per reader.
 * With --trace (lib/trace.h), each records_write() is a "write records" span and each
 * records_read() that got records a "read records" span: the parent feeding jobs and
 * collecting results.
 */
#ifndef CONCLAB_RECORDS_H
#define CONCLAB_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The largest record a reader can hold a piece of. */
#define RECORDS_MAX_SIZE 64

/* Reads whole records of one size from one pipe, keeping a record cut in two by
 * read(2) until the rest arrives. */
struct records_reader {
    int fd;                                  /* the pipe's read end, O_NONBLOCK */
    size_t size;                             /* bytes per record: 1..RECORDS_MAX_SIZE */
    size_t pending;                          /* bytes of a cut record held in partial */
    unsigned char partial[RECORDS_MAX_SIZE]; /* the start of the next record */
};

/* Makes a pipe (O_CLOEXEC) whose read end does not block; its write end does not block
 * either, unless `blocking_writes`. Returns 0, or -errno (no fd left open). */
int records_pipe(int fds[2], bool blocking_writes);

/* Writes up to `count` records of `size` bytes (1..PIPE_BUF) from `records` into the
 * non-blocking pipe `fd`, whole records and at most PIPE_BUF bytes per write(2), until
 * they are all in or the pipe is full. Returns how many went in (0 if none fit), or
 * -errno (-EINVAL for a bad size). */
ssize_t records_write(int fd, const void *records, size_t count, size_t size);

/* Sets up `reader` for records of `size` bytes from the non-blocking pipe `fd`. The fd
 * stays the caller's to close. */
void records_reader_init(struct records_reader *reader, int fd, size_t size);

/* Reads whole records into `records` (room for `max` > 0 of them) without blocking.
 * Returns how many, 0 once the pipe holds no whole record (empty, or end of file), or
 * -errno (-EINVAL for a bad size). */
ssize_t records_read(struct records_reader *reader, void *records, size_t max);

#endif
