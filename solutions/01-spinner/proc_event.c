#include "proc_event.h"

#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

int proc_event_init(struct proc_event *ev)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        ev->read_fd = ev->write_fd = -1;
        return -errno;
    }
    ev->read_fd = fds[0];
    ev->write_fd = fds[1];
    return 0;
}

/* Closes *fd if open and marks it closed. */
static int close_end(int *fd)
{
    if (*fd < 0)
        return 0;
    int ret = close(*fd);
    *fd = -1;
    /* Linux releases the fd even when close() reports EINTR: never retry. */
    return ret < 0 && errno != EINTR ? -errno : 0;
}

int proc_event_become_waiter(struct proc_event *ev)
{
    return close_end(&ev->write_fd);
}

int proc_event_become_setter(struct proc_event *ev)
{
    return close_end(&ev->read_fd);
}

int proc_event_set(struct proc_event *ev)
{
    return close_end(&ev->write_fd);
}

int proc_event_wait(struct proc_event *ev, int64_t timeout_ns)
{
    int64_t deadline = clock_now_ns() + timeout_ns;
    for (;;) {
        int timeout_ms = -1;
        if (timeout_ns >= 0) {
            int64_t left = deadline - clock_now_ns();
            if (left < 0)
                left = 0;
            /* Round up: poll() must not return before the deadline. */
            timeout_ms = (int)((left + CLOCK_NS_PER_MS - 1) / CLOCK_NS_PER_MS);
        }
        struct pollfd pfd = {.fd = ev->read_fd, .events = POLLIN};
        int n = poll(&pfd, 1, timeout_ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return 0;
        /* Readable: nobody writes, so it is end-of-file (POLLIN or POLLHUP). */
        if (pfd.revents & (POLLIN | POLLHUP))
            return 1;
        return -EIO; /* POLLERR or POLLNVAL: not a pipe we own any more */
    }
}

void proc_event_close(struct proc_event *ev)
{
    close_end(&ev->read_fd);
    close_end(&ev->write_fd);
}
