/*
 * sigfd: block the signals, then read them from a file descriptor.
 */
#include "sigfd.h"

#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

int sigfd_open(void)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGCHLD);
    /* Blocked, they stay pending until read from the fd instead of being delivered. */
    if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
        return -errno;
    int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int sigfd_read(int fd)
{
    int found = 0;
    for (;;) {
        struct signalfd_siginfo info;
        ssize_t got = read(fd, &info, sizeof info);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return found;
        if (got < 0)
            return -errno;
        if (got != (ssize_t)sizeof info)
            return -EIO; /* a signalfd returns whole records */
        if (info.ssi_signo == SIGINT)
            found |= SIGFD_INTERRUPT;
        else if (info.ssi_signo == SIGCHLD)
            found |= SIGFD_CHILD;
    }
}

int sigfd_child(int fd)
{
    /* Ignore SIGINT before unblocking it: a pending SIGINT is then discarded, not
     * delivered with its default action. */
    struct sigaction ignore = {.sa_handler = SIG_IGN};
    sigemptyset(&ignore.sa_mask);
    sigset_t none;
    sigemptyset(&none);
    if (close(fd) < 0 || sigaction(SIGINT, &ignore, NULL) < 0 ||
        sigprocmask(SIG_SETMASK, &none, NULL) < 0)
        return -errno;
    return 0;
}
