/*
 * report: what procs prints, and what became of each job.
 *
 * A job ends checked (its result line was printed) or in error (its worker died while
 * checking it), or is still pending. Results arrive in completion order, through the
 * result pipe and, after a worker died, from its mailbox: a result for a job that
 * already has an outcome is not printed twice. At the end report_finish() names each
 * job lost without a trace, and prints the summary.
 *
 *     Checking 20 numbers with 2 processes:
 *                    2 P  0.000001s  worker 12824
 *     4444444444444423 error: worker 13063 killed by signal 11 (Segmentation fault)
 *     19 checks in 0.83s, 1 error
 *
 * For the parent of procs only: one thread. Flush stdout before fork(), so that no child
 * inherits a copy of lines not written yet.
 *
 * With --trace (lib/trace.h) it marks the parent's timeline: "start", a "waits (poll)"
 * span per report_poll() (the parent waiting), a "worker died" instant per dead worker.
 */
#ifndef CONCLAB_REPORT_H
#define CONCLAB_REPORT_H

#include "numlist.h"
#include "pool.h"
#include "worker.h"

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* How long report_poll() waits for news before it flushes the output. */
#define REPORT_FLUSH_AFTER_MS 10

struct report {
    FILE *out;                     /* where the lines go */
    const struct numlist *numbers; /* borrowed: job seq checks numbers->values[seq - 1] */
    unsigned char *outcome;        /* owned: per job (seq - 1), pending, checked or error */
    size_t checked, errors;        /* how many jobs are checked, and in error */
    bool timeline;                 /* --timeline: print when each check ran */
    int64_t t0_ns;                 /* when the run started (clock_now_ns) */
};

/* Sets up a report on one job per number of `numbers`, none done yet, printing to `out`
 * with or without the timeline. Returns 0 or -ENOMEM. Free with report_free(). */
int report_init(struct report *report, FILE *out, const struct numlist *numbers, bool timeline);

/* Prints "Checking N numbers with W processes:", flushes, and starts the clock that the
 * --timeline times and the summary count from. */
void report_start(struct report *report, unsigned workers);

/* Prints the line of `result` (pool_print_result) and marks its job checked. A result
 * for no known job, or for one already reported, is not printed: a warning instead. */
void report_result(struct report *report, const struct pool_result *result);

/* Reports worker `worker`, which died with wait status `status` and was reaped: prints
 * the results left in its mailbox `box` that were not printed yet, then the error line
 * of the number it was on (pool_print_crash), or a warning if it was between jobs.
 * Leaves the mailbox empty for a replacement. */
void report_dead_worker(struct report *report, struct worker_mailbox *box, pid_t worker,
                        int status);

/* poll(2) on fds[0..count) with no timeout, restarted after EINTR. When nothing is ready
 * within REPORT_FLUSH_AFTER_MS it flushes the output first: a pipe reading it still sees
 * progress, and a flood of results costs no write(2) per line. Returns what poll()
 * returns (> 0), or -1 with errno set, also when the flush failed. */
int report_poll(struct report *report, struct pollfd *fds, nfds_t count);

/* Prints the end of the run and flushes. After a complete run (every worker took its
 * pill, so every job was taken) a job with no outcome was lost by a worker that died as
 * it took it: an error line each. Then the summary: "K checks in X.XXs", then ", E
 * error(s)" or, when `interrupted`, " (interrupted: M not checked)". Returns the exit
 * status of procs (0; 1 after an error; 130 when interrupted), or -1 with errno set if
 * the output failed. */
int report_finish(struct report *report, bool interrupted);

/* Frees what report_init() allocated; the numbers stay the caller's. */
void report_free(struct report *report);

#endif
