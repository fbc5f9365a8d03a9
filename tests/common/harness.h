/*
 * harness: run the program under test as a subprocess and observe it.
 *
 * Graded tests treat most lab programs as black boxes: run with arguments, feed
 * stdin, capture stdout and stderr, time it, and look at its threads, children and
 * fds in /proc while it runs. Every run has a timeout that kills the whole process
 * group, so a hang, a deadlock or a fork bomb costs the test, never the grader.
 *
 * The child side only calls async-signal-safe functions between fork() and exec(),
 * and leaves with _exit(): that is what a Criterion test needs to stay safe.
 * Not thread-safe: run one program at a time per test process.
 */
#ifndef CONCLAB_HARNESS_H
#define CONCLAB_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Output beyond this many bytes per stream is dropped (and the writer gets SIGXFSZ). */
#define HARNESS_OUTPUT_CAP (8u << 20)

struct run_spec {
    const char *const *argv; /* argv[0] is the program's path; NULL-terminated */
    const char *stdin_text;  /* becomes the program's stdin; NULL means /dev/null */
    bool stdin_pipe;         /* instead: a pipe the test writes with run_send() */
    const char *const *env;  /* extra "NAME=VALUE" entries (NULL-terminated) or NULL */
    double timeout_s;        /* the process group is killed after this; 0 means 10 s */
    /* Called in the child just before exec (e.g. to install a seccomp filter). It must
     * be async-signal-safe; it may _exit(127) on failure. NULL for none. */
    void (*before_exec)(void);
};

struct run_result {
    bool exited; /* ended by exit(): see exit_code */
    int exit_code;
    bool signaled; /* ended by a signal: see signal (SIGKILL after a timeout) */
    int signal;
    bool timed_out; /* still running at the timeout, and killed */
    char *out;      /* stdout, NUL-terminated, at most HARNESS_OUTPUT_CAP bytes */
    size_t out_len;
    char *err; /* stderr, likewise */
    size_t err_len;
    double wall_s;          /* from start to end */
    double user_s, sys_s;   /* CPU time of the program and the children it reaped */
    int leftover_processes; /* processes it started and left behind: still running, or
                               exited but never reaped (zombies). They are killed. */
};

/* A started run: the pid is valid for /proc inspection until run_finish(). */
struct run_handle {
    pid_t pid;
    int out_fd, err_fd, pidfd;
    int in_fd; /* the write end of the program's stdin with stdin_pipe, else -1 */
    long long start_ns;
    double timeout_s;
};

/* Runs spec to completion. Returns false only if the program could not be started at
 * all (the reason is in result->err). Free the result with run_result_free(). */
bool run_program(const struct run_spec *spec, struct run_result *result);

/* The same in two steps, to look at or signal the program while it runs. */
bool run_start(const struct run_spec *spec, struct run_handle *handle);
void run_finish(struct run_handle *handle, struct run_result *result);
void run_result_free(struct run_result *result);

/* With stdin_pipe: writes text to the program's stdin. False if it could not (the
 * program closed its stdin or ended). run_close_stdin() sends end of file. */
bool run_send(struct run_handle *handle, const char *text);
void run_close_stdin(struct run_handle *handle);

/* What the program has written to stdout so far (NUL-terminated; the caller frees it). */
char *run_output_so_far(struct run_handle *handle);

/* Waits until the program has written `needle` to stdout, or has ended, or timeout_s
 * has passed. Returns true if the text appeared. */
bool run_wait_for_output(struct run_handle *handle, const char *needle, double timeout_s);

/* For a child a test forks itself (run_start does this for its programs): call
 * harness_prepare_student() before fork() and harness_become_student() in the child
 * before exec(). Under the grader as root, the child then runs as the student's sandbox
 * uid (CONCLAB_STUDENT_UID); elsewhere they do nothing. The second is async-signal-safe
 * and ends the child with status 126 if the switch fails. */
void harness_prepare_student(void);
void harness_become_student(void);

/* The path of a lab program in the build under test: $CONCLAB_BIN/<lab>/<program>
 * (CONCLAB_BIN defaults to the build this test binary sits in, so a test binary run by
 * hand tests its own build). The TSan build is under $CONCLAB_TSAN_BIN;
 * tsan_program_path() returns NULL when that variable is unset. Returned strings live
 * in a small static ring: copy one you keep for long. */
const char *program_path(const char *lab, const char *program);
const char *tsan_program_path(const char *lab, const char *program);

/* /proc views of a running process; -1 if it cannot be read (e.g. it has ended). */
int proc_thread_count(pid_t pid);
int proc_fd_count(pid_t pid);
/* Fills up to max child pids of pid; returns how many it has (may exceed max). */
int proc_children(pid_t pid, pid_t *children, int max);
/* The state letter of /proc/<pid>/stat: 'R', 'S', 'Z' (zombie), ...; 0 if unreadable. */
char proc_state(pid_t pid);

/* Online CPUs; the test is skipped (with the reason) when there are fewer than n. */
int online_cpus(void);
void skip_unless_cpus(int n);

/* How the run ended, for messages: "exit status 3", "killed by signal 11 (Segmentation
 * fault)", "timed out after 5.0 s". Returns a static buffer (overwritten by each call). */
const char *run_describe_end(const struct run_result *result);

/* Counts non-overlapping occurrences of needle in haystack. */
size_t count_substr(const char *haystack, const char *needle);
/* Counts lines ('\n'-terminated, plus a final unterminated one). */
size_t count_lines(const char *text);

#endif
