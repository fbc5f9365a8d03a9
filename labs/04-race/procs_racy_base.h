/*
 * procs_racy_base: the given half of procs_racy.c: the command line, the pipes, the
 * workers' loop, and reaping.
 *
 * Why apart: part A is one question, when has the parent seen every result? procs_racy.c
 * holds only what answers it (how a worker ends, how the parent decides to stop reading)
 * and reads top to bottom like the chapter's first procs.py; what is the same in every
 * answer is here. For the parent before and after its workers run, except
 * racy_check_jobs(), which is the workers' (it is async-signal-safe: read(2), write(2)).
 */
#ifndef CONCLAB_PROCS_RACY_BASE_H
#define CONCLAB_PROCS_RACY_BASE_H

#include "numlist.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RACY_MAX_PROCS 256

/* The value of `tag` in every result racy_check_jobs() sends. */
#define RESULT_NUMBER 0

/* One record on the result pipe. Like a job (record.h), it is smaller than PIPE_BUF and
 * sent with one write, so the workers' records never mix. */
struct result {
    uint64_t n;     /* the number checked */
    double elapsed; /* seconds the check took */
    uint32_t prime; /* 1 if n is prime */
    uint32_t tag;   /* RESULT_NUMBER; any other value is free for a record of your own */
};

/* One run of procs_racy: the parent's state. Owned by racy_start(), freed by
 * racy_finish(). */
struct racy_run {
    unsigned procs;         /* how many workers: PROCS, 1 to RACY_MAX_PROCS */
    bool primes_only;       /* --primes-only: a worker sends results for primes only */
    struct numlist numbers; /* the numbers to check */
    int jobs_fd;            /* the parent's read end of the job pipe, still open */
    int results_fd;         /* the parent's read end of the result pipe */
    pid_t pids[RACY_MAX_PROCS];
    double t0; /* clock_seconds() when the workers were started */
};

/* Parses the command line, fills the job pipe (record_queue_jobs(): a job per number,
 * then a stop job per worker) and closes its write end, prints the heading, and forks
 * the workers: each child runs worker(job pipe, result pipe, primes_only), which must
 * not return. The parent keeps the read ends of both pipes (jobs_fd, results_fd) and no
 * write end. Bad usage exits 2, any other failure 1. Free with racy_finish(). */
struct racy_run *racy_start(int argc, char *argv[],
                            void (*worker)(int jobs_fd, int results_fd, bool primes_only));

/* A worker's loop: takes jobs from `jobs_fd` until it takes a stop job, and sends a
 * result (tag RESULT_NUMBER) for each number on `results_fd`; with primes_only, for
 * each prime only. Pauses at the delay point "worker" after taking each job. Returns
 * when it has taken its stop job; on a read or write error, or end of file, the worker
 * exits with status 1. */
void racy_check_jobs(int jobs_fd, int results_fd, bool primes_only);

/* Reads the next record from the result pipe into *r, waiting for it, then pauses at
 * the delay point "collect". Returns true, or false at end of file (every write end is
 * closed); a read error ends the program. */
bool racy_read_result(int results_fd, struct result *r);

/* Prints a result line ("<n> P <seconds>s") and flushes stdout. */
void racy_print_result(const struct result *r);

/* Reaps every worker (one that failed: a warning, and status 1), closes the result
 * pipe, prints "<checked> checks in X.XXs" (with --primes-only: "primes") and frees
 * the run. Returns the exit status. */
int racy_finish(struct racy_run *run, size_t checked);

#endif
