#include "proc_event.h"

#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

/* TODO(lab 01, part B): implement the event of proc_event.h: a pipe whose write end,
 * held only by the setter, is closed to set the event. A wait ends when the read end
 * reports end of file or the timeout has passed, whatever signals arrive meanwhile.
 * Report errors as -errno. Concept: an event shared across fork(), and which process
 * holds which end (a forgotten end means the event is never seen).
 * If you prefer another mechanism (see the README), keep the header's functions and
 * change what the struct holds. The stubs below compile but do nothing. */

int proc_event_init(struct proc_event *ev)
{
    ev->read_fd = ev->write_fd = -1;
    return 0;
}

int proc_event_become_waiter(struct proc_event *ev)
{
    return 0;
}

int proc_event_become_setter(struct proc_event *ev)
{
    return 0;
}

int proc_event_set(struct proc_event *ev)
{
    return 0;
}

int proc_event_wait(struct proc_event *ev, int64_t timeout_ns)
{
    return 1; /* wrong: claims "set" without waiting */
}

void proc_event_close(struct proc_event *ev)
{
}
