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
    /* The child would inherit a copy of stdout's buffer: empty it first. */
    if (fflush(stdout) != 0)
        die_errno("stdout");
    pid_t pid = fork();
    if (pid < 0)
        die_errno("fork");
    if (pid == 0) {
        /* Hold only the ends a worker uses: with a copy of the job pipe's write end,
         * a worker would never see end of file on it. */
        if (close(p->ch.jobs_out) < 0 || close(p->ch.results.fd) < 0 ||
            sigfd_child(p->ch.signals) < 0)
            _exit(1);
        _exit(worker_run(p->ch.jobs_in, p->ch.results_out, &p->ch.mailboxes[i]));
    }
    p->slots[i] = (struct slot){.pid = pid};
}

/* Puts jobs, then poison pills, into the job pipe, as many as it has room for now. */
static void feed_jobs(struct parent *p)
{
    p->next_job += procs_write_jobs(p, &p->jobs[p->next_job], p->job_count - p->next_job);
    /* The pipe is first in, first out: a pill comes out only after every job. */
    const struct pool_job pill = {.seq = POOL_POISON_PILL};
    while (p->next_job == p->job_count && p->pills_sent < p->pills_wanted &&
           procs_write_jobs(p, &pill, 1) == 1)
        p->pills_sent++;
}

/* A worker's sentinel: it took its poison pill and is about to exit. */
static void handle_sentinel(struct parent *p, const struct pool_result *r)
{
    for (unsigned i = 0; i < p->slot_count; i++) {
        if (p->slots[i].pid == r->worker && !p->slots[i].finished) {
            p->slots[i].finished = true;
            p->sentinels++;
            return;
        }
    }
    warn("sentinel from unknown worker %d", (int)r->worker);
}

/* Reads every whole record now in the result pipe: prints the results, and hands each
 * sentinel to handle_sentinel(). */
static void collect_results(struct parent *p)
{
    procs_collect_results(p, handle_sentinel);
}

/* Worker i died without its sentinel: report it and start a replacement in its slot. */
static void replace_worker(struct parent *p, unsigned i, int status)
{
    report_dead_worker(&p->report, &p->ch.mailboxes[i], p->slots[i].pid, status);
    /* If the pills may have started, the dead worker may have eaten one: the
     * replacement needs its own. A spare pill left in the pipe harms nobody. */
    if (p->next_job == p->job_count)
        p->pills_wanted++;
    start_worker(p, i);
}

/* Reaps, without waiting, every worker that has ended. One that ended without its
 * sentinel has died. */
static void reap_exited_workers(struct parent *p)
{
    for (unsigned i = 0; i < p->slot_count; i++) {
        struct slot *s = &p->slots[i];
        if (s->reaped)
            continue;
        int status;
        pid_t r = waitpid(s->pid, &status, WNOHANG);
        if (r < 0)
            die_errno("waitpid");
        if (r == 0)
            continue;
        s->reaped = true;
        /* What it posted is in the pipe (its writes completed before it ended), its
         * sentinel perhaps among it: read that first. */
        collect_results(p);
        if (!s->finished)
            replace_worker(p, i, status);
    }
}

/* Waits for every worker not reaped yet, so that none is left a zombie. */
static void reap_all(struct parent *p)
{
    for (unsigned i = 0; i < p->slot_count; i++) {
        while (!p->slots[i].reaped && waitpid(p->slots[i].pid, NULL, 0) < 0)
            if (errno != EINTR)
                die_errno("waitpid");
        p->slots[i].reaped = true;
    }
}

/* The parent's loop: feed jobs, print results, watch signals, until every worker has
 * posted its sentinel. Returns false if SIGINT came first. */
static bool run_pool(struct parent *p)
{
    while (p->sentinels < p->slot_count) {
        bool feeding = p->next_job < p->job_count || p->pills_sent < p->pills_wanted;
        struct pollfd fds[3] = {
            {.fd = p->ch.signals, .events = POLLIN},
            {.fd = p->ch.results.fd, .events = POLLIN},
            {.fd = feeding ? p->ch.jobs_out : -1, .events = POLLOUT},
        };
        if (report_poll(&p->report, fds, 3) < 0)
            die_errno("poll");
        int news = fds[0].revents & POLLIN ? sigfd_read(p->ch.signals) : 0;
        if (news < 0)
            die_error("read signalfd", news);
        if (news & SIGFD_INTERRUPT)
            return false;
        if (news & SIGFD_CHILD)
            reap_exited_workers(p);
        if (fds[1].revents & (POLLIN | POLLHUP))
            collect_results(p);
        if (fds[2].revents & (POLLOUT | POLLERR))
            feed_jobs(p);
    }
    return true;
}

int main(int argc, char *argv[])
{
    struct parent p;
    procs_open(&p, argc, argv);
    p.pills_wanted = p.slot_count; /* one poison pill per worker */
    /* Fill the job pipe first: each worker then finds a job waiting the moment it starts. */
    feed_jobs(&p);
    for (unsigned i = 0; i < p.slot_count; i++)
        start_worker(&p, i);
    bool completed = run_pool(&p);
    if (!completed) {
        /* SIGINT: stop the workers now rather than let them finish their numbers. */
        for (unsigned i = 0; i < p.slot_count; i++)
            if (!p.slots[i].reaped && kill(p.slots[i].pid, SIGTERM) < 0)
                die_errno("kill");
    }
    reap_all(&p);
    collect_results(&p); /* what the last workers posted before they ended */
    return procs_close(&p, completed);
}
