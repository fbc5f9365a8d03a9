/*
 * driver_io: the driver's side of a test's conversation (tests/common/driver.h is the
 * test's side): reports written one whole line at a time, and the refusal of a command
 * it cannot parse.
 *
 * Header-only, on purpose: a driver is one file built like a lab program, linked with
 * the lab's modules and lib/ only (never with the test harness), so these few lines
 * come with it. Thread-safe: report() may be called from any thread.
 */
#ifndef CONCLAB_DRIVER_IO_H
#define CONCLAB_DRIVER_IO_H

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Held while a report is written; a driver may also use it for its own counters. */
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/* Prints one report line (printf format; the newline is added) and flushes it, so the
 * test sees it at once and lines of different threads never mix. */
__attribute__((format(printf, 1, 2))) static void report(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    pthread_mutex_lock(&out_lock);
    vprintf(format, args);
    putchar('\n');
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
    va_end(args);
}

/* Ends the driver with status 2: the test sent a command it does not know. */
__attribute__((noreturn)) static void usage_error(const char *line)
{
    fprintf(stderr, "driver: cannot parse the command '%s'\n", line);
    exit(2);
}

#endif
