/*
 * procs_base: the given half of procs.c: the parent's state, and what main() does
 * before the workers start and after they are gone.
 *
 * Why apart: procs.c holds what the student writes (starting a worker, the poison
 * pills, counting sentinels, reaping, the parent's loop, stopping at Ctrl-C) and reads
 * top to bottom like the chapter's procs.py; the rest (command line, pipes, the jobs'
 * order, what is printed) is the same for every solution. Single-threaded: for the
 * parent only, and a worker calls none of it.
 */
#ifndef CONCLAB_PROCS_BASE_H
#define CONCLAB_PROCS_BASE_H

#include "channels.h"
#include "pool.h"
#include "report.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One worker slot. It keeps its index when its worker dies and a replacement takes over. */
struct slot {
    pid_t pid;     /* the worker now in this slot */
    bool finished; /* its sentinel arrived: it took a poison pill */
    bool reaped;   /* waitpid() collected it */
};

/* The parent's whole state. Single-threaded: only main() and its helpers touch it. */
struct parent {
    struct pool_options opts;
    struct channels ch;                /* the pipes, the signalfd, the mailboxes */
    struct pool_job *jobs;             /* every job, in the order they are handed out */
    size_t job_count, next_job;        /* jobs[next_job..] are not in the job pipe yet */
    unsigned pills_wanted, pills_sent; /* how many to send (0 until set); sent so far */
    struct slot *slots;                /* one per worker, all zero until started */
    unsigned slot_count, sentinels;    /* sentinels: how many workers took their pill */
    struct report report;              /* what was printed, per job */
};

/* Parses the command line (pool_parse_options), opens the channels (channels_open) for
 * one worker per slot, orders the jobs (order.h) and prints the heading (report_start).
 * Bad usage exits 2, any other failure exits 1. Call it before any fork. */
void procs_open(struct parent *p, int argc, char *argv[]);

/* Writes as many of jobs[0..count) as the job pipe has room for now, whole records only
 * (records_write). Returns how many went in; a write error ends the program. */
size_t procs_write_jobs(struct parent *p, const struct pool_job *jobs, size_t count);

/* Reads every whole record now in the result pipe, without blocking: prints each
 * result (report_result) and hands each sentinel to on_sentinel. A read error ends the
 * program. */
void procs_collect_results(struct parent *p,
                           void (*on_sentinel)(struct parent *p, const struct pool_result *r));

/* Prints the last line (report_finish; `completed` false: the run was interrupted),
 * closes the channels and frees the parent's memory. Returns the exit status. */
int procs_close(struct parent *p, bool completed);

#endif
