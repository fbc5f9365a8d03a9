/*
 * race_support: what the graded tests of lab 04 share.
 *
 * Every run of a lab program goes through race_run(): it starts the program (the
 * normal build, or the ThreadSanitizer build), waits at most `timeout_s`, and fails
 * the test with a message that names the run when the program hung, crashed, left a
 * process behind, or (TSan build) reported anything.
 */
#ifndef CONCLAB_RACE_SUPPORT_H
#define CONCLAB_RACE_SUPPORT_H

#include "harness.h"

#include <stdbool.h>
#include <stddef.h>

#define RACE_LAB "04-race"

/* Which build to run. */
enum race_build { RACE_PLAIN, RACE_TSAN };

/* Runs `program` with `args` (NULL-terminated, at most 30) and `stdin_text` (or NULL).
 * Fails the test unless it ended by itself within timeout_s, and left no process
 * behind; for RACE_TSAN also unless TSan stayed silent. `hang_hint` completes the
 * message "did not finish within N s: ..." and says what a hang suggests. Exit status
 * is not checked here: see race_expect_exit(). `what` names the run in messages and
 * must stay valid until the result is freed. The result is the caller's to free. */
struct run_result race_run(enum race_build build, const char *program, const char *const *args,
                           const char *stdin_text, double timeout_s, const char *what,
                           const char *hang_hint);

/* Fails the test unless the run exited with `code`; `hint` says what to look at. */
void race_expect_exit(const struct run_result *r, int code, const char *what, const char *hint);

/* A short description of a run for messages, e.g. "procs_racy 2 --range 1 7
 * --delay collect=20000", in one of a few static buffers. */
const char *race_describe(const char *program, const char *const *args);

/* The last line of out that starts with `prefix`, or NULL. */
const char *race_find_line(const char *out, const char *prefix);

#endif
