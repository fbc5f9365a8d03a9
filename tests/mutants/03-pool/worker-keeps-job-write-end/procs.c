/*
 * procs: check numbers for primality with a pool of N worker processes.
 *
 * The chapter's procs.py, in C. The parent writes every job into one job pipe, then
 * one poison pill per worker; the workers (worker.c) share that pipe, take one job at
 * a time and post results on one result pipe. The parent prints each result as it
 * arrives and counts the workers' sentinels, not the results, to know when all is
 * done: a result can still be on its way when the job pipe looks empty.
 *
 * Made robust: a worker that dies is reaped, the number it was checking is reported
 * as an error and a replacement takes its place; SIGINT stops and reaps every worker,
 * prints a partial summary and exits 130. One poll(2) loop waits for all of it: room
 * in the job pipe, results in the result pipe, and signals (through a signalfd).
 */
#include "cli.h"
#include "clock.h"
#include "die.h"
#include "order.h"
#include "pool.h"
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long the parent waits for news before it flushes its output. */
#define FLUSH_AFTER_MS 10

static const char usage[] =
    "Usage: procs [N] [--numbers FILE | --range FIRST LAST] [--timeline]\n"
    "             [--largest-first | --balanced]\n"
    "Check numbers for primality with N worker processes (default: one per online CPU).\n"
    "\n"
    "  N                  how many workers, 1 to 1024\n"
    "  --numbers FILE     one number per line (0 to 2^64-1); '-' reads standard input\n"
    "  --range FIRST LAST every number from FIRST to LAST\n"
    "  --timeline         also print when each check started and ended (seconds)\n"
    "  --largest-first    hand out the costliest checks first (estimated)\n"
    "  --balanced         hand out in an order planned so that the workers finish together\n"
    "  -h, --help         show this help and exit\n"
    "  -V, --version      show the version and exit\n"
    "\n"
    "Without --numbers or --range it checks the chapter's 20 numbers. A result line\n"
    "names the worker (its pid) that checked the number.\n"
    "Exit status: 0 ok, 1 a worker died or another failure, 2 bad usage or input,\n"
    "130 interrupted by SIGINT.\n";

/* What the parent knows of one worker slot. A slot keeps its index when its worker
 * dies and a replacement takes over. Only the parent touches these. */
struct slot {
    pid_t pid;     /* the worker now in this slot */
    bool finished; /* its sentinel arrived: it took a poison pill */
    bool reaped;   /* waitpid() collected it */
};

/* The parent's whole state. Single-threaded: only main() and its helpers touch it. */
struct parent {
    struct pool_options opts;
    struct pool_job *jobs; /* every job, in the order they are handed out */
    size_t job_count;
    size_t next_job;       /* jobs[next_job..] are not in the job pipe yet */
    unsigned pills_wanted; /* one per worker still to stop, plus one per replacement */
    unsigned pills_sent;

    int jobs_out;   /* write end of the job pipe (non-blocking) */
    int results_in; /* read end of the result pipe (non-blocking) */
    int jobs_in;    /* the workers' ends, kept only to hand to replacements */
    int results_out;
    int signals; /* signalfd for SIGINT and SIGCHLD */

    struct slot *slots;
    unsigned slot_count;
    unsigned sentinels;               /* how many workers took their pill */
    struct worker_mailbox *mailboxes; /* MAP_SHARED, one per slot: see worker.h */

    unsigned char *outcome; /* per job seq - 1: 0 pending, 1 checked, 2 error */
    size_t checked, errors;
    char pending[sizeof(struct pool_result)]; /* a partial record read from the pipe */
    size_t pending_len;
    int64_t t0_ns;
};

enum { OUTCOME_PENDING, OUTCOME_CHECKED, OUTCOME_ERROR };

static void start_worker(struct parent *p, unsigned i)
{
    /* The child inherits a copy of stdout's buffer: empty it first, or the child's
     * exit could print the same lines twice (it uses _exit, but be safe). */
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die_errno("fork");
    if (pid == 0) {
        /* Hold only the ends a worker uses: with a copy of the job pipe's write end,
         * a worker would never see end of file on it. */
        /* MUTANT: keeps p->jobs_out, the job pipe's write end */
        close(p->results_in);
        close(p->signals);
        signal(SIGINT, SIG_IGN); /* Ctrl-C is the parent's to handle */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        _exit(worker_run(p->jobs_in, p->results_out, &p->mailboxes[i]));
    }
    p->slots[i] = (struct slot){.pid = pid};
}

/* Handles one record from the result pipe or from a dead worker's mailbox. A result
 * already handled is skipped silently when `recovered`: a worker may die after its
 * write(2) and before it emptied its mailbox. */
static void handle_result(struct parent *p, const struct pool_result *r, bool recovered)
{
    if (r->seq == POOL_SENTINEL) {
        for (unsigned i = 0; i < p->slot_count; i++) {
            if (p->slots[i].pid == r->worker && !p->slots[i].finished) {
                p->slots[i].finished = true;
                p->sentinels++;
                return;
            }
        }
        warn("sentinel from unknown worker %d", (int)r->worker);
        return;
    }
    if (r->seq > p->job_count || p->outcome[r->seq - 1] != OUTCOME_PENDING) {
        if (recovered)
            return;
        warn("unexpected result for job %llu", (unsigned long long)r->seq);
        return;
    }
    p->outcome[r->seq - 1] = OUTCOME_CHECKED;
    p->checked++;
    pool_print_result(stdout, r, p->opts.timeline, p->t0_ns);
}

/* Reads and handles every result now in the pipe. */
static void drain_results(struct parent *p)
{
    char buf[PIPE_BUF];
    for (;;) {
        memcpy(buf, p->pending, p->pending_len);
        ssize_t got = read(p->results_in, buf + p->pending_len, sizeof buf - p->pending_len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && errno == EAGAIN)
            return;
        if (got < 0)
            die_errno("read results");
        if (got == 0)
            return; /* cannot happen while we hold results_out, but be safe */
        size_t have = p->pending_len + (size_t)got, used = 0;
        while (have - used >= sizeof(struct pool_result)) {
            struct pool_result r;
            memcpy(&r, buf + used, sizeof r);
            handle_result(p, &r, false);
            used += sizeof r;
        }
        p->pending_len = have - used;
        memcpy(p->pending, buf + used, p->pending_len);
    }
}

/* Writes as many jobs, then pills, as the job pipe has room for. Each write holds
 * whole records and at most PIPE_BUF bytes, so it goes in entirely or not at all. */
static void feed_jobs(struct parent *p)
{
    enum { BATCH = PIPE_BUF / sizeof(struct pool_job) };
    while (p->next_job < p->job_count) {
        size_t n = p->job_count - p->next_job < BATCH ? p->job_count - p->next_job : BATCH;
        ssize_t w = write(p->jobs_out, &p->jobs[p->next_job], n * sizeof(struct pool_job));
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            return;
        if (w < 0)
            die_errno("write jobs");
        p->next_job += (size_t)w / sizeof(struct pool_job);
    }
    struct pool_job pills[BATCH] = {{0}};
    while (p->pills_sent < p->pills_wanted) {
        unsigned n =
            p->pills_wanted - p->pills_sent < BATCH ? p->pills_wanted - p->pills_sent : BATCH;
        ssize_t w = write(p->jobs_out, pills, n * sizeof pills[0]);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            return;
        if (w < 0)
            die_errno("write poison pills");
        p->pills_sent += (unsigned)((size_t)w / sizeof pills[0]);
    }
}

/* A worker died without taking its pill: report the number it was on, if any, and
 * start a replacement in its slot. */
static void recover(struct parent *p, unsigned i, int status)
{
    /* What it posted is in the pipe (its writes completed before it died): read that
     * first. Then take the results it computed but had not posted from its mailbox. */
    drain_results(p);
    struct worker_mailbox *box = &p->mailboxes[i];
    uint32_t unposted = atomic_load(&box->unposted);
    for (uint32_t k = 0; k < unposted && k < WORKER_BATCH; k++)
        handle_result(p, &box->results[k], true);
    uint64_t seq = atomic_load(&box->current);
    atomic_store(&box->unposted, 0);
    atomic_store(&box->current, 0);
    if (seq != 0 && seq <= p->job_count && p->outcome[seq - 1] == OUTCOME_PENDING) {
        p->outcome[seq - 1] = OUTCOME_ERROR;
        p->errors++;
        pool_print_crash(stdout, p->opts.numbers.values[seq - 1], p->slots[i].pid, status);
    } else {
        warn("worker %d died between jobs (%s)", (int)p->slots[i].pid,
             WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exit");
    }
    /* If the pills may have started, the dead worker may have eaten one: the
     * replacement needs its own. A spare pill left in the pipe harms nobody. */
    if (p->next_job == p->job_count)
        p->pills_wanted++;
    start_worker(p, i);
}

/* Reaps every worker that has ended. A worker that ends without its sentinel died. */
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
        if (!s->finished) {
            /* Perhaps it did post a sentinel that we have not read yet. */
            drain_results(p);
            if (!s->finished)
                recover(p, i, status);
        }
    }
}

/* Reads the pending signals. Returns true if SIGINT is among them. */
static bool handle_signals(struct parent *p)
{
    bool interrupted = false, child = false;
    struct signalfd_siginfo info;
    for (;;) {
        ssize_t got = read(p->signals, &info, sizeof info);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && errno == EAGAIN)
            break;
        if (got != (ssize_t)sizeof info)
            die_errno("read signalfd");
        if (info.ssi_signo == SIGINT)
            interrupted = true;
        else if (info.ssi_signo == SIGCHLD)
            child = true;
    }
    if (child && !interrupted)
        reap_exited_workers(p);
    return interrupted;
}

/* Waits for every worker not reaped yet (after the sentinels, or after SIGTERM). */
static void reap_all(struct parent *p)
{
    for (unsigned i = 0; i < p->slot_count; i++) {
        if (p->slots[i].reaped)
            continue;
        int status;
        while (waitpid(p->slots[i].pid, &status, 0) < 0) {
            if (errno != EINTR)
                die_errno("waitpid");
        }
        p->slots[i].reaped = true;
    }
}

/* The loop of the parent: feed jobs, print results, watch signals, until every worker
 * has posted its sentinel. Returns false if SIGINT arrived first. */
static bool run_pool(struct parent *p)
{
    while (p->sentinels < p->slot_count) {
        bool feeding = p->next_job < p->job_count || p->pills_sent < p->pills_wanted;
        struct pollfd fds[3] = {
            {.fd = p->signals, .events = POLLIN},
            {.fd = p->results_in, .events = POLLIN},
            {.fd = feeding ? p->jobs_out : -1, .events = POLLOUT},
        };
        /* Flush stdout when idle for FLUSH_AFTER_MS, not per line: a pipe still sees
         * progress, and a flood of tiny jobs costs no write(2) per result. */
        int ready = poll(fds, 3, FLUSH_AFTER_MS);
        if (ready == 0) {
            if (fflush(stdout) != 0)
                die_errno("stdout");
            ready = poll(fds, 3, -1);
        }
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            die_errno("poll");
        if (fds[0].revents & POLLIN && handle_signals(p))
            return false;
        if (fds[1].revents & (POLLIN | POLLHUP))
            drain_results(p);
        if (fds[2].revents & (POLLOUT | POLLERR))
            feed_jobs(p);
    }
    return true;
}

static void set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        die_errno("fcntl");
}

static void setup(struct parent *p)
{
    /* SIGINT and SIGCHLD arrive through a file descriptor that poll() watches. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
        die_errno("sigprocmask");
    p->signals = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (p->signals < 0)
        die_errno("signalfd");

    int jobs[2], results[2];
    if (pipe2(jobs, O_CLOEXEC) < 0 || pipe2(results, O_CLOEXEC) < 0)
        die_errno("pipe2");
    p->jobs_in = jobs[0];
    p->jobs_out = jobs[1];
    p->results_in = results[0];
    p->results_out = results[1];
    /* The parent never blocks on a pipe. Workers share one description of the job
     * pipe's read end: non-blocking, so that a worker notices an empty pipe and posts
     * its results before it sleeps (worker.c). */
    set_nonblocking(p->jobs_out);
    set_nonblocking(p->results_in);
    set_nonblocking(p->jobs_in);

    p->job_count = p->opts.numbers.count;
    p->jobs = calloc(p->job_count, sizeof *p->jobs);
    p->outcome = calloc(p->job_count, 1);
    p->slot_count = p->opts.workers;
    p->slots = calloc(p->slot_count, sizeof *p->slots);
    if (p->jobs == NULL || p->outcome == NULL || p->slots == NULL)
        die("out of memory");
    for (size_t i = 0; i < p->job_count; i++)
        p->jobs[i] = (struct pool_job){.seq = i + 1, .n = p->opts.numbers.values[i]};
    order_jobs(p->jobs, p->job_count, p->opts.order, p->slot_count);
    p->pills_wanted = p->slot_count;

    p->mailboxes = mmap(NULL, p->slot_count * sizeof *p->mailboxes, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p->mailboxes == MAP_FAILED)
        die_errno("mmap");
}

static void teardown(struct parent *p)
{
    munmap(p->mailboxes, p->slot_count * sizeof *p->mailboxes);
    close(p->jobs_in);
    close(p->jobs_out);
    close(p->results_in);
    close(p->results_out);
    close(p->signals);
    free(p->slots);
    free(p->outcome);
    free(p->jobs);
    numlist_free(&p->opts.numbers);
}

int main(int argc, char *argv[])
{
    struct parent p = {0};
    pool_parse_options(argc, argv, usage, false, &p.opts);
    setup(&p);

    printf("Checking %zu numbers with %u processes:\n", p.job_count, p.slot_count);
    fflush(stdout);
    p.t0_ns = clock_now_ns();
    for (unsigned i = 0; i < p.slot_count; i++)
        start_worker(&p, i);

    bool completed = run_pool(&p);
    if (!completed) {
        /* SIGINT: stop the workers now rather than let them finish their numbers. */
        for (unsigned i = 0; i < p.slot_count; i++)
            if (!p.slots[i].reaped)
                kill(p.slots[i].pid, SIGTERM);
    }
    reap_all(&p);
    drain_results(&p);

    double elapsed = (double)(clock_now_ns() - p.t0_ns) / 1e9;
    size_t unchecked = p.job_count - p.checked - p.errors;
    if (!completed) {
        printf("%zu checks in %.2fs (interrupted: %zu not checked)\n", p.checked, elapsed,
               unchecked);
    } else {
        /* Every worker took its pill, so every job was taken: a job with neither a
         * result nor an error was lost by a worker that died as it took it. */
        for (size_t i = 0; i < p.job_count; i++) {
            if (p.outcome[i] == OUTCOME_PENDING) {
                printf("%16llu error: no result (its worker died)\n",
                       (unsigned long long)p.opts.numbers.values[i]);
                p.errors++;
            }
        }
        if (p.errors > 0)
            printf("%zu checks in %.2fs, %zu error%s\n", p.checked, elapsed, p.errors,
                   p.errors == 1 ? "" : "s");
        else
            printf("%zu checks in %.2fs\n", p.checked, elapsed);
    }
    teardown(&p);
    if (fflush(stdout) != 0)
        die_errno("stdout");
    if (!completed)
        return 128 + SIGINT;
    return p.errors > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
