/*
 * record: whole records over pipes (see record.h).
 */
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* A pipe's default capacity on Linux. */
#define RECORD_PIPE_SIZE 65536

int record_write(int fd, const void *record, size_t size)
{
    ssize_t written;
    do
        written = write(fd, record, size);
    while (written < 0 && errno == EINTR);
    if (written < 0)
        return -errno;
    return (size_t)written == size ? 0 : -EIO;
}

int record_read(int fd, void *record, size_t size)
{
    ssize_t got;
    do
        got = read(fd, record, size);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        return -errno;
    if (got == 0)
        return 0;
    return (size_t)got == size ? 1 : -EIO;
}

int record_queue_jobs(int fd, const struct numlist *numbers, unsigned procs)
{
    size_t bytes = (numbers->count + procs) * sizeof(struct job);
    if (bytes > RECORD_PIPE_SIZE && fcntl(fd, F_SETPIPE_SZ, (int)bytes) < 0)
        return -errno;
    for (size_t i = 0; i < numbers->count; i++) {
        struct job job = {.n = numbers->values[i]};
        int ret = record_write(fd, &job, sizeof job);
        if (ret < 0)
            return ret;
    }
    for (unsigned i = 0; i < procs; i++) {
        struct job stop = {.stop = 1};
        int ret = record_write(fd, &stop, sizeof stop);
        if (ret < 0)
            return ret;
    }
    return 0;
}
