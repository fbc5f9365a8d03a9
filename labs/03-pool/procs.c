/*
 * procs: check numbers for primality with a pool of N worker processes.
 *
 * The chapter's procs.py, with two pipes for its two queues. The parent puts every job
 * into the job pipe, then one poison pill per worker; the workers (worker.c) take jobs
 * one at a time and post results on the result pipe. The parent prints each result as it
 * arrives and counts sentinels, not results, to know when all is done (a result can
 * still be on its way when the job pipe looks empty). Then it reaps every worker.
 *
 * Made robust: a worker that dies is reaped, the number it was on is reported, and a
 * replacement takes its slot; SIGINT stops and reaps every worker. One poll(2) loop
 * waits for all of it. Given: channels.h (pipes, signalfd, mailboxes), records.h (whole
 * records through a pipe), report.h (what is printed).
 */
#include "channels.h"
#include "die.h"
#include "order.h"
#include "pool.h"
#include "records.h"
#include "report.h"
#include "sigfd.h"
#include "worker.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

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
    unsigned pills_wanted, pills_sent; /* one per worker and per replacement; sent so far */
    struct slot *slots;                /* one per worker */
    unsigned slot_count, sentinels;    /* sentinels: how many workers took their pill */
    struct report report;              /* what was printed, per job */
};

/* Forks the worker of slot i. The child runs worker_run() and never returns here. */
static void start_worker(struct parent *p, unsigned i)
{
    /* TODO(lab 03, part B): start one worker process for slot i and record its pid in
     * p->slots[i]. Flush stdout first: the child gets a copy of its buffer. The child
     * holds only the pipe ends a worker uses (p->ch.jobs_in and p->ch.results_out),
     * gives Ctrl-C back to the parent with sigfd_child(), runs worker_run() with its own
     * mailbox and leaves with _exit(), never exit(). Concepts: fork, fd inheritance, why
     * a stray write end prevents end of file. */
}

/* Writes as many of jobs[0..count) as the job pipe has room for now; returns how many. */
static size_t write_jobs(struct parent *p, const struct pool_job *jobs, size_t count)
{
    ssize_t written = records_write(p->ch.jobs_out, jobs, count, sizeof *jobs);
    if (written < 0)
        die_error("write jobs", (int)written);
    return (size_t)written;
}

/* Puts jobs, then poison pills, into the job pipe, as many as it has room for now. */
static void feed_jobs(struct parent *p)
{
    p->next_job += write_jobs(p, &p->jobs[p->next_job], p->job_count - p->next_job);
    /* TODO(lab 03, part B): once every job is in the pipe, put p->pills_wanted poison
     * pills (jobs with seq POOL_POISON_PILL) after them, counting them in p->pills_sent.
     * Only what fits goes in now; the rest at the next call. Concept: one poison pill
     * per worker, behind the jobs of a first-in first-out pipe. */
}

/* One record from the result pipe: a result to print, or a worker's sentinel. */
static void handle_result(struct parent *p, const struct pool_result *r)
{
    if (r->seq != POOL_SENTINEL) {
        report_result(&p->report, r);
        return;
    }
    /* TODO(lab 03, part B): a worker took its poison pill: mark its slot finished and
     * count the sentinel; the parent is done when every slot has sent one. Concept:
     * counting sentinels, not results, to know when all work is done. */
}

/* Reads and handles every whole result now in the result pipe. */
static void collect_results(struct parent *p)
{
    struct pool_result batch[PIPE_BUF / sizeof(struct pool_result)];
    ssize_t got;
    while ((got = records_read(&p->ch.results, batch, sizeof batch / sizeof batch[0])) > 0)
        for (ssize_t k = 0; k < got; k++)
            handle_result(p, &batch[k]);
    if (got < 0)
        die_error("read results", (int)got);
}

/* TODO(lab 03, robustness): a worker can die before it sends its sentinel. Write
 * reap_exited_workers(), for run_pool() to call at SIGCHLD: collect, without waiting,
 * every worker that has ended. One whose sentinel is not in the result pipe either has
 * died: report it (report_dead_worker() reads its mailbox) and start a replacement in its
 * slot, with a poison pill of its own if the pills may have started. Concepts: waitpid
 * with WNOHANG, zombies, keeping a pool at strength. */

/* Waits for every worker not reaped yet, so that none is left a zombie. */
static void reap_all(struct parent *p)
{
    /* TODO(lab 03, part B): collect each worker that no one has collected yet, marking
     * its slot reaped. Concepts: waitpid, and why a child nobody waits for stays a
     * zombie. */
}

/* The parent's loop: feed jobs, print results, watch signals, until every worker has
 * posted its sentinel. Returns false if SIGINT came first. */
static bool run_pool(struct parent *p)
{
    /* TODO(lab 03, part B): the parent's loop, until every worker has sent its sentinel:
     * wait with report_poll() on the signalfd, the result pipe and, while jobs or pills
     * are left to write, the job pipe; then handle what is ready: signals (sigfd_read();
     * stop at SIGINT; at SIGCHLD, the robustness TODO above), results
     * (collect_results()), room for jobs (feed_jobs()). Concepts: one loop waiting on
     * several sources; why "the job pipe looks empty" is not "all work is done". */
    return true;
}

int main(int argc, char *argv[])
{
    struct parent p = {0};
    pool_parse_options(argc, argv, pool_procs_usage, false, &p.opts);
    p.slot_count = p.opts.workers;
    p.pills_wanted = p.slot_count; /* one poison pill per worker */
    p.job_count = p.opts.numbers.count;
    int err = channels_open(&p.ch, p.slot_count);
    if (err < 0)
        die_error("channels_open", err);
    p.jobs = order_make_jobs(&p.opts.numbers, p.opts.order, p.slot_count);
    p.slots = calloc(p.slot_count, sizeof *p.slots);
    if (p.jobs == NULL || p.slots == NULL ||
        report_init(&p.report, stdout, &p.opts.numbers, p.opts.timeline) < 0)
        die("out of memory");

    report_start(&p.report, p.slot_count);
    /* Fill the job pipe first: each worker then finds a job waiting the moment it starts. */
    feed_jobs(&p);
    for (unsigned i = 0; i < p.slot_count; i++)
        start_worker(&p, i);
    bool completed = run_pool(&p);
    if (!completed) {
        /* TODO(lab 03, robustness): SIGINT: stop every worker still running now, rather
         * than let it finish its number. Concept: signals to children. */
    }
    reap_all(&p);
    collect_results(&p); /* what the last workers posted before they ended */

    int status = report_finish(&p.report, !completed);
    if (status < 0)
        die_errno("stdout");
    channels_close(&p.ch);
    report_free(&p.report);
    free(p.slots);
    free(p.jobs);
    numlist_free(&p.opts.numbers);
    return status;
}
