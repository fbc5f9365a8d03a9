/*
 * die: report a fatal error and exit. For main() and the code it calls directly;
 * library functions return errors instead.
 *
 * Each prints "<program>: <message>" on stderr and exits with status 1.
 * Not async-signal-safe (they use stdio): in a signal handler, use write(2) and _exit(2).
 */
#ifndef CONCLAB_DIE_H
#define CONCLAB_DIE_H

#include <stdnoreturn.h>

/* "<program>: <message>". */
noreturn void die(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* "<program>: <call>: <strerror(errno)>", for a failed syscall that set errno. */
noreturn void die_errno(const char *call);

/* "<program>: <call>: <strerror(error)>", for APIs that return the error instead of
 * setting errno: pthreads return it as a positive number, liburing as a negative one. */
noreturn void die_error(const char *call, int error);

/* Like die() but returns: "<program>: warning: <message>". */
void warn(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
