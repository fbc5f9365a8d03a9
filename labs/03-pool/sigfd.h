/*
 * sigfd: SIGINT and SIGCHLD as a file descriptor, for the parent of procs.
 *
 * A signal handler may call only async-signal-safe functions, and a flag it sets can be
 * missed between the check and the sleep. Linux offers another way: block the signals
 * and read them from a signalfd(2), which poll(2) watches like a pipe. The parent of
 * procs then learns of Ctrl-C (SIGINT) and of an ended worker (SIGCHLD) in the same loop
 * that feeds jobs and reads results, with no handler at all.
 *
 * Pending signals of one kind merge: one SIGCHLD may stand for several children that
 * ended, so its reader collects every ended child (waitpid with WNOHANG), not one.
 */
#ifndef CONCLAB_SIGFD_H
#define CONCLAB_SIGFD_H

/* What sigfd_read() found, or-ed together. */
#define SIGFD_INTERRUPT 1 /* SIGINT: the user asked to stop */
#define SIGFD_CHILD     2 /* SIGCHLD: at least one child ended */

/* Blocks SIGINT and SIGCHLD in the calling thread and returns a signalfd that receives
 * them instead (O_NONBLOCK, O_CLOEXEC; the caller closes it), or -errno. Call it before
 * any thread or child starts: they inherit the blocked mask. */
int sigfd_open(void);

/* Reads every signal pending on `fd`. Returns SIGFD_INTERRUPT and SIGFD_CHILD or-ed
 * together (0 if none was pending), or -errno. */
int sigfd_read(int fd);

/* In a child just forked: closes the parent's signalfd `fd`, ignores SIGINT (Ctrl-C goes
 * to the terminal's whole process group, and the parent decides) and unblocks every
 * signal. Returns 0, or -errno. Async-signal-safe: safe between fork() and _exit(). */
int sigfd_child(int fd);

#endif
