/*
 * driver: a test's conversation with a driver, the program that runs the student's
 * functions for it (tests/<lab>/<name>_driver.c).
 *
 * A test that judges functions (not programs) holds no student code itself: it starts
 * the lab's driver, built from the student's files, sends it commands (lines on its
 * stdin) and reads its reports (lines on its stdout). Under the grader the driver runs
 * as the student's sandbox uid, so the test, its verdict and its files stay out of the
 * student code's reach (docs/kit-internals.md, "Who decides a verdict").
 *
 * Every function fails the test (cr_assert) when the driver cannot be started or
 * written to; a report that does not come is the caller's to judge (NULL).
 */
#ifndef CONCLAB_DRIVER_H
#define CONCLAB_DRIVER_H

#include "harness.h"

#include <stdbool.h>

struct driver {
    struct run_handle run;
    const char *program;
    size_t read_upto; /* bytes of its stdout already handed out as lines */
};

/* Starts build/<impl>/<lab>/<program> (program_path) with a pipe as its stdin; it is
 * killed after timeout_s. */
void driver_start(struct driver *d, const char *lab, const char *program, double timeout_s);

/* Sends one command line (printf format; the newline is added). */
void driver_send(struct driver *d, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* The next report line that starts with prefix, waiting up to timeout_s for it; lines
 * before it are skipped. NULL if it does not come (the driver ended, or the time ran
 * out). The caller frees the line. */
char *driver_expect(struct driver *d, const char *prefix, double timeout_s);

/* Ends the conversation: closes the driver's stdin, waits for it to end (or kills it
 * at its timeout) and fills *result like run_finish(). */
void driver_finish(struct driver *d, struct run_result *result);

#endif
