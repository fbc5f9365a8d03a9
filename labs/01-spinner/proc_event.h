/*
 * proc_event: an event that works across fork(), for one setter and its waiters.
 *
 * The choice made here: a pipe whose write end is held only by the setter. Setting the
 * event means closing that end; a waiter sees end-of-file (poll() reports the pipe
 * readable) as soon as the last write end is gone. Why a pipe:
 *   - nothing to share but two file descriptors, which fork() copies for us;
 *   - if the setter dies for any reason (a crash, SIGKILL) the kernel closes its end,
 *     so the waiter is told anyway and never spins forever as an orphan;
 *   - poll() has the timeout a spinner needs between frames.
 * The price: every process must close the end it does not use, right after fork();
 * a forgotten write end in a waiter means the event can never be seen as set.
 * (The alternatives — eventfd, a POSIX semaphore, a PTHREAD_PROCESS_SHARED mutex and
 * condition variable in MAP_SHARED memory — are discussed in the lab's README.)
 *
 * Not thread-safe: one thread per process uses it. Functions return 0 or -errno.
 */
#ifndef CONCLAB_PROC_EVENT_H
#define CONCLAB_PROC_EVENT_H

#include <stdint.h>

struct proc_event {
    int read_fd;  /* the waiters' end; -1 once closed */
    int write_fd; /* the setter's end; closing it sets the event; -1 once closed */
};

/* Creates an unset event (both ends close on exec). Returns 0 or -errno. */
int proc_event_init(struct proc_event *ev);

/* After fork(), in the process that will wait: closes the setter's end. Returns 0 or
 * -errno (the end is closed either way). */
int proc_event_become_waiter(struct proc_event *ev);

/* After fork(), in the process that will set it: closes the waiters' end. Returns 0 or
 * -errno (the end is closed either way). */
int proc_event_become_setter(struct proc_event *ev);

/* Sets the event (closes the write end). Setting it twice is harmless. Returns 0 or
 * -errno. */
int proc_event_set(struct proc_event *ev);

/* Waits until the event is set or timeout_ns has passed (negative: no limit).
 * Returns 1 if set, 0 on timeout, -errno on error. Signals do not cut the wait short. */
int proc_event_wait(struct proc_event *ev, int64_t timeout_ns);

/* Closes whatever ends are still open. Cannot fail: an error of close() is ignored. */
void proc_event_close(struct proc_event *ev);

#endif
