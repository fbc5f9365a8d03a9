/*
 * die: report a fatal error and exit. For main() and the code it calls directly;
 * library functions return errors instead (0 or a negative errno value).
 *
 * die, die_errno and die_error print "<program>: <message>" on stderr and exit with
 * status 1. die_on_bug is the one function here that library code may call: it is for
 * failures that cannot happen in a correct program, and it aborts.
 * Not async-signal-safe (they use stdio): in a signal handler, use write(2) and _exit(2).
 */
#ifndef CONCLAB_DIE_H
#define CONCLAB_DIE_H

#include <stdnoreturn.h>

/* "<program>: <message>". */
noreturn void die(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* "<program>: <call>: <strerror(errno)>", for a failed syscall that set errno. */
noreturn void die_errno(const char *call);

/* "<program>: <call>: <strerror(error)>", for a call that returns its error: the kit's
 * functions and liburing return it negative (-errno), pthreads positive. Either works. */
noreturn void die_error(const char *call, int error);

/* For a call that cannot fail in a correct program, such as locking a valid mutex: if
 * `error` is not 0 (negative or positive errno), prints "<program>: <call>: <strerror>
 * (a bug)" and aborts, as assert() would: going on would break what the lock protects. */
void die_on_bug(const char *call, int error);

/* Like die() but returns: "<program>: warning: <message>". */
void warn(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
