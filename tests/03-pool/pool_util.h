/*
 * pool_util: what the tests of procs and threads share.
 *
 * They run the program, parse its output into result lines, and check those against
 * primes_is_prime() (the support library's check, trusted here). The result line is
 * the one the handout specifies:
 *     "<n right-aligned in 16> <P or blank> <seconds>s  worker <id>[ from <s> to <e>]"
 * and an error line is "<n> error: <reason>".
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
    bool prime;
    long worker;
    bool timed;      /* the line had " from S to E" */
    double from, to; /* seconds after the start, with --timeline */
};

struct pool_output {
    struct pool_line *lines; /* result lines, in output order */
    size_t count;
    char **errors; /* error lines, copied */
    size_t error_count;
};

/* Parses the result and error lines of `out`; other lines are ignored. */
void pool_parse(const char *out, struct pool_output *po);
void pool_output_free(struct pool_output *po);

/* Asserts one correct result line for each of numbers[0..count) (duplicates in
 * `numbers` need as many lines), and no other. `what` names the run in messages. */
void pool_assert_results(const struct pool_output *po, const uint64_t *numbers, size_t count,
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

/* The chapter's 20 numbers. */
extern const uint64_t pool_chapter_numbers[20];

#endif
