/*
 * pool_util: what the tests of procs and threads share.
 *
 * They run the program, parse its output into result lines, and check those against
 * primes_is_prime() (the support library's check, trusted here). The result line is
 * the one the handout specifies:
 *     "<n right-aligned in 16> <P or blank> <seconds>s[  worker <id>[ from <s> to <e>]]"
 * with one or more spaces between the fields (the C programs print one after the number,
 * the chapter's Python two: the handout accepts both), and an error line is
 * "<n> error: <reason>". sequential's lines have no worker.
 */
#ifndef CONCLAB_POOL_UTIL_H
#define CONCLAB_POOL_UTIL_H

#include "harness.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAB "03-pool"

struct pool_line {
    uint64_t n;
    int number_end; /* the column just after the number: 16 when right-aligned in 16 */
    bool prime;
    double seconds;  /* the time the check took */
    int decimals;    /* how many digits the seconds have after the point */
    bool has_worker; /* the line had "worker <id>" */
    long worker;     /* its id, or -1 */
    bool timed;      /* the line had " from S to E" */
    double from, to; /* seconds after the start, with --timeline */
};

struct pool_output {
    struct pool_line *lines; /* result lines, in output order */
    size_t count;
    char **errors; /* error lines, copied */
    size_t error_count;
    char *text; /* the whole output, copied: messages quote from it */
};

/* Reads one result line (see above, without the newline) into *line; returns false if
 * `text` is not one. */
bool pool_parse_line(const char *text, struct pool_line *line);

/* Parses the result and error lines of `out`; other lines are ignored. */
void pool_parse(const char *out, struct pool_output *po);
void pool_output_free(struct pool_output *po);

/* The first line of `out` that begins with the number n (after blanks) but is neither a
 * result line nor an error line, copied into buf (NUL-terminated, cut to size); NULL if
 * there is none. Messages quote it: a line the program printed but the tests could not
 * read. */
const char *pool_unreadable_line(const char *out, uint64_t n, char *buf, size_t size);

/* What a result line must look like, for messages. */
#define POOL_LINE_FORMAT                                                                           \
    "a result line is the number right-aligned in 16 columns, P if prime or a blank, the "         \
    "seconds with 6 decimals and an 's' (then, for procs and threads, 'worker <id>'), the "        \
    "fields separated by spaces"

/* Asserts one correct result line for each of numbers[0..count) (duplicates in
 * `numbers` need as many lines), and no other. `what` names the run in messages;
 * `if_missing` says the likely cause of a missing line (NULL: a worker pool's). */
void pool_assert_results(const struct pool_output *po, const uint64_t *numbers, size_t count,
                         const char *what);
void pool_assert_results_or(const struct pool_output *po, const uint64_t *numbers, size_t count,
                            const char *what, const char *if_missing);

/* Asserts one correct result line for each number of first..last, and no other: for
 * ranges too long for pool_assert_results (which is quadratic). */
void pool_assert_range(const struct pool_output *po, uint64_t first, uint64_t last,
                       const char *what);

/* How many distinct worker ids the result lines name. */
size_t pool_distinct_workers(const struct pool_output *po);

/* Runs `program` (of lab 03) with the NULL-terminated args, stdin text (or NULL), extra
 * environment (or NULL) and a timeout. Fails the test if it cannot start. */
struct run_result pool_run(const char *program, const char *const *args, const char *input,
                           const char *const *env, double timeout_s);

/* The same, started only: for tests that look at it or signal it while it runs. */
void pool_start(const char *program, const char *const *args, const char *input, double timeout_s,
                struct run_handle *handle);

/* One number per line, as --numbers reads them. The caller frees the text. */
char *pool_numbers_text(const uint64_t *numbers, size_t count);

/* The first `count` primes at or above `from` (computed here, cached per call site by
 * the caller if needed). Fills out[0..count). */
void pool_primes_from(uint64_t from, uint64_t *out, size_t count);

/* Runs `program 2 --timeline` on 8 primes of about 10 ms each and asserts that checks
 * on two different workers overlapped in time (skipped on fewer than 2 CPUs). */
void pool_assert_checks_overlap(const char *program);

/* The CPU time (user + system, seconds) that process `pid` has used; -1 if it cannot be
 * read (it has ended). */
double pool_cpu_seconds(pid_t pid);

/* Watches a started run until it ends (or timeout_s): every id seen meanwhile among its
 * children (`threads` false: procs's workers) or its threads (`threads` true, the main
 * thread left out) goes into ids[0..max). Returns how many distinct ids were seen. */
size_t pool_watch_workers(const struct run_handle *h, bool threads, long *ids, size_t max,
                          double timeout_s);

/* Waits until `want` children of `parent` have each used at least `cpu_s` seconds of
 * CPU: they are past their setup and checking numbers. Fills kids[0..want) and returns
 * how many qualified when the deadline came (fewer than `want` if it came first). */
int pool_wait_for_busy_workers(pid_t parent, int want, double cpu_s, pid_t *kids, double timeout_s);

/* The CPU time of thread `tid` of process `pid`, or -1. */
double pool_thread_cpu_seconds(pid_t pid, long tid);

/* Like pool_wait_for_busy_workers, for the workers of `pid`: its threads but the main
 * one (`threads` true), or its children. */
int pool_wait_for_busy(pid_t pid, bool threads, int want, double cpu_s, long *ids,
                       double timeout_s);

/* Watches pid's two busy workers (as pool_wait_for_busy found them) until each has
 * computed 0.5 s more (10 s at most), and gives the CPU time that the waiter (pid's main
 * thread with `threads`, else the process pid itself) and the mean worker used
 * meanwhile: measured against the workers, not the clock, which a busy machine slows.
 * Returns false if the window did not complete (a worker ended, or 10 s passed). */
bool pool_cpu_while_two_compute(pid_t pid, bool threads, const long workers[2], double *waiter_cpu,
                                double *worker_cpu);

/* Asserts that the run's output shows `quick` (the result line of a small number that a
 * second worker checks) before the line of `slow`, which a first worker is still
 * checking: results are printed as they arrive, in completion order. Ends the run. */
void pool_assert_completion_order(const char *program);

/* The chapter's 20 numbers. */
extern const uint64_t pool_chapter_numbers[20];

#endif
