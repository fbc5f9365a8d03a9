/*
 * records: whole records through a pipe, in PIPE_BUF-sized writes, through cut reads.
 */
#include "records.h"

#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

int records_pipe(int fds[2], bool blocking_writes)
{
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
        return -errno;
    if (!blocking_writes)
        return 0;
    int flags = fcntl(fds[1], F_GETFL);
    if (flags >= 0 && fcntl(fds[1], F_SETFL, flags & ~O_NONBLOCK) == 0)
        return 0;
    int err = errno;
    close(fds[0]);
    close(fds[1]);
    return -err;
}

ssize_t records_write(int fd, const void *records, size_t count, size_t size)
{
    if (size == 0 || size > PIPE_BUF)
        return -EINVAL;
    const unsigned char *bytes = records;
    size_t per_write = PIPE_BUF / size, done = 0;
    int64_t start = trace_now();
    while (done < count) {
        size_t n = count - done < per_write ? count - done : per_write;
        ssize_t w = write(fd, bytes + done * size, n * size);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break; /* the pipe is full: nothing of this write went in */
        if (w < 0)
            return -errno;
        if ((size_t)w != n * size)
            return -EIO; /* a pipe never takes part of such a write: not a pipe? */
        done += n;
    }
    trace_span_at("records", "write records", start, trace_now(), "records", (int64_t)done, "asked",
                  (int64_t)count);
    return (ssize_t)done;
}

void records_reader_init(struct records_reader *reader, int fd, size_t size)
{
    *reader = (struct records_reader){.fd = fd, .size = size};
}

ssize_t records_read(struct records_reader *reader, void *records, size_t max)
{
    size_t size = reader->size;
    if (size == 0 || size > RECORDS_MAX_SIZE || max == 0 || max > SSIZE_MAX / size)
        return -EINVAL;
    unsigned char *bytes = records;
    int64_t start = trace_now();
    for (;;) {
        /* The piece kept from last time is the start of the first record. */
        memcpy(bytes, reader->partial, reader->pending);
        ssize_t got = read(reader->fd, bytes + reader->pending, max * size - reader->pending);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (got < 0)
            return -errno;
        if (got == 0)
            return 0; /* end of file: no writer left */
        size_t have = reader->pending + (size_t)got, whole = have / size;
        reader->pending = have - whole * size;
        memcpy(reader->partial, bytes + whole * size, reader->pending);
        if (whole > 0) {
            trace_span_at("records", "read records", start, trace_now(), "records", (int64_t)whole,
                          NULL, 0);
            return (ssize_t)whole;
        }
        /* Only a piece arrived; its rest may be there already: read again. */
    }
}
