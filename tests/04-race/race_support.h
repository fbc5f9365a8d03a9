/*
 * race_support: what the graded tests of lab 04 share.
 *
 * Every run of a lab program goes through race_run() (or race_start() and
 * race_finish(), for a test that watches the run): it starts the program (the normal
 * build, or the ThreadSanitizer build), waits at most `timeout_s`, and fails the test
 * with a message that names the run when the program hung, crashed or (TSan build)
 * reported anything. When a run hangs, race_look() tells what its threads were doing,
 * from /proc: waiting for a lock or a condition variable (a futex), sleeping, or
 * running. A hang message says what was observed, never only what it might mean.
 */
#ifndef CONCLAB_RACE_SUPPORT_H
#define CONCLAB_RACE_SUPPORT_H

#include "harness.h"

#include <stdbool.h>
#include <stddef.h>

#define RACE_LAB "04-race"

/* Which build to run. */
enum race_build { RACE_PLAIN, RACE_TSAN };

/* What one thread was doing during a short look at a stuck process. */
enum race_doing {
    RACE_FUTEX,    /* blocked in a futex: waiting for a mutex or a condition variable */
    RACE_SLEEPING, /* in a sleep (nanosleep): a pause, or a back-off */
    RACE_RUNNING,  /* on a CPU, or it used CPU time during the look */
    RACE_OTHER,    /* blocked in something else (a pipe, waitpid, ...) */
    RACE_EXITED,   /* a child process that has exited and waits to be reaped */
};

#define RACE_MAX_THREADS 80

/* The threads of a process (and of its child processes), looked at twice, 0.3 s apart. */
struct race_threads {
    int count;
    struct {
        char name[32]; /* "main", the thread's name ("mover 2"), or "thread <tid>" */
        enum race_doing doing;
        char where[40]; /* the kernel function it waits in (wchan), or "" */
    } thread[RACE_MAX_THREADS];
};

/* Looks at the threads of pid and of its children, twice, 0.3 s apart. */
void race_look(pid_t pid, struct race_threads *threads);

/* How many threads whose name starts with `prefix` (NULL: every thread) were `doing`. */
int race_count(const struct race_threads *threads, const char *prefix, enum race_doing doing);

/* What the threads did, for a message: "main: waiting (futex); mover 0: running; ..." */
const char *race_describe_threads(const struct race_threads *threads);

/* Runs `program` with `args` (NULL-terminated, at most 30) and `stdin_text` (or NULL).
 * Fails the test unless it ended by itself within timeout_s and was not killed by a
 * signal; for RACE_TSAN also unless TSan stayed silent. `hang_hint` completes the
 * message "did not finish within N s; <what its threads did>. ..." and says what a
 * hang suggests. Exit status is not checked here: see race_expect_exit(). `what` names
 * the run in messages and must stay valid until the result is freed. The result is the
 * caller's to free. */
struct run_result race_run(enum race_build build, const char *program, const char *const *args,
                           const char *stdin_text, double timeout_s, const char *what,
                           const char *hang_hint);

/* The same in steps, for a test that watches the run: race_start() starts it (failing
 * the test if it cannot), race_ended() says whether it has ended, race_finish() waits
 * for its end (or kills it at once with kill_now) and collects the result, without
 * judging it; race_check_end() then fails the test if TSan reported anything or the
 * run was killed by a signal other than ours. */
void race_start(enum race_build build, const char *program, const char *const *args,
                const char *stdin_text, double timeout_s, struct run_handle *handle);
bool race_ended(struct run_handle *handle);
struct run_result race_finish(struct run_handle *handle, bool kill_now);
void race_check_end(enum race_build build, const struct run_result *r, const char *what);

/* Fails the test unless the run exited with `code` (`hint` says what to look at), and
 * then unless it left no process behind. */
void race_expect_exit(const struct run_result *r, int code, const char *what, const char *hint);

/* A short description of a run for messages, e.g. "procs_racy 2 --range 1 7
 * --delay collect=20000", in one of a few static buffers. */
const char *race_describe(const char *program, const char *const *args);

/* Where the last `lines` lines of out start (out itself if it has fewer). */
const char *race_last_lines(const char *out, size_t lines);

/* The last line of out that starts with `prefix`, or NULL. */
const char *race_find_line(const char *out, const char *prefix);

/* Seconds on the monotonic clock, for tests that pace their watching. */
double race_now(void);

#endif
