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
 * waits for all of it. Given: procs_base.h (the parent's state, the command line, the
 * first and last steps), channels.h (pipes, signalfd, mailboxes), records.h (whole
 * records through a pipe), report.h (what is printed).
 */
#include "die.h"
#include "pool.h"
#include "procs_base.h"
#include "report.h"
#include "sigfd.h"
#include "worker.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Puts jobs, then poison pills, into the job pipe, as many as it has room for now. */
static void feed_jobs(struct parent *p)
{
    p->next_job += procs_write_jobs(p, &p->jobs[p->next_job], p->job_count - p->next_job);
    /* TODO(lab 03, part B): once every job is in the pipe, put p->pills_wanted poison
     * pills (jobs with seq POOL_POISON_PILL) after them, counting them in p->pills_sent.
     * Only what fits goes in now; the rest at the next call. Concept: one poison pill
     * per worker, behind the jobs of a first-in first-out pipe. */
}

/* A worker's sentinel: it took its poison pill and is about to exit. */
static void handle_sentinel(struct parent *p, const struct pool_result *r)
{
    /* TODO(lab 03, part B): mark the slot of the worker that sent it (r->worker) finished
     * and count the sentinel; the parent is done when every slot has sent one. Concept:
     * counting sentinels, not results, to know when all work is done. */
}

/* Reads every whole record now in the result pipe: prints the results, and hands each
 * sentinel to handle_sentinel(). */
static void collect_results(struct parent *p)
{
    procs_collect_results(p, handle_sentinel);
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
    struct parent p;
    procs_open(&p, argc, argv);
    /* TODO(lab 03, part B): how many poison pills must follow the jobs? Set
     * p.pills_wanted. Concept: one poison pill per worker. */
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
    return procs_close(&p, completed);
}
