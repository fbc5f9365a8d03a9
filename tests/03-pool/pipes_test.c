/*
 * Graded tests of lab 03, part B: what procs's two pipes carry, seen from the outside.
 *
 * The test opens, through /proc/<worker>/fd, its own ends of the running procs's job
 * pipe and result pipe. It takes out what the parent put in the job pipe (the jobs, then
 * one poison pill per worker), waits until the workers sleep on the empty pipe, then
 * kills the parent and either
 *   - plays the parent itself: writes jobs and pills, reads the results and sentinels
 *     the workers post, and reaps them (the test is a subreaper: orphans come to it);
 *   - or holds nothing: no write end of the job pipe is left, so the workers must see
 *     end of file and leave. A worker that kept a copy of the job pipe's write end never
 *     does.
 */
#include "graded.h"
#include "pool_util.h"
#include "primes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The pool's records, as pool.h lays them out (the kit's header, not student code). */
#include "pool.h"

enum { WORKERS = 2, JOBS = 40 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The fd of the pipe end of worker `kid` that it reads (`writes` false: the job pipe)
 * or writes (true: the result pipe), preferring one whose pipe it holds in that
 * direction only; its pipe's inode in *inode. -1 if there is none (yet). */
static int lone_pipe_end(pid_t kid, bool writes, unsigned long *inode)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)kid);
    DIR *dir = opendir(path);
    if (dir == NULL)
        return -1;
    struct {
        int fd;
        unsigned long inode;
        bool writes;
    } ends[64];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && count < 64) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] == '.' || fd < 3)
            continue;
        char link[96], target[96];
        snprintf(link, sizeof link, "/proc/%d/fd/%d", (int)kid, fd);
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        unsigned long ino;
        if (sscanf(target, "pipe:[%lu]", &ino) != 1)
            continue;
        char fdinfo[96], line[128];
        snprintf(fdinfo, sizeof fdinfo, "/proc/%d/fdinfo/%d", (int)kid, fd);
        FILE *f = fopen(fdinfo, "r");
        if (f == NULL)
            continue;
        unsigned flags = 0;
        while (fgets(line, sizeof line, f) != NULL)
            if (sscanf(line, "flags: %o", &flags) == 1)
                break;
        fclose(f);
        ends[count].fd = fd;
        ends[count].inode = ino;
        ends[count].writes = (flags & O_ACCMODE) != O_RDONLY;
        count++;
    }
    closedir(dir);
    /* A worker that forgot to close an end holds both ends of that pipe: then the other
     * pipe's end is the lone one. If there is none, any end of that direction. */
    int any = -1;
    for (int a = 0; a < count; a++) {
        if (ends[a].writes != writes)
            continue;
        bool both = false;
        for (int b = 0; b < count; b++)
            both |= ends[b].inode == ends[a].inode && ends[b].writes != writes;
        if (!both) {
            *inode = ends[a].inode;
            return ends[a].fd;
        }
        if (any < 0)
            any = a;
    }
    if (any < 0)
        return -1;
    *inode = ends[any].inode;
    return ends[any].fd;
}

/* Whether worker `kid` holds a write end of the pipe `inode`. */
static bool holds_write_end(pid_t kid, unsigned long inode)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)kid);
    DIR *dir = opendir(path);
    if (dir == NULL)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char link[300], target[96], want[48];
        snprintf(link, sizeof link, "/proc/%d/fd/%s", (int)kid, e->d_name);
        snprintf(want, sizeof want, "pipe:[%lu]", inode);
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        if (strcmp(target, want) != 0)
            continue;
        char fdinfo[300], line[128];
        snprintf(fdinfo, sizeof fdinfo, "/proc/%d/fdinfo/%s", (int)kid, e->d_name);
        FILE *f = fopen(fdinfo, "r");
        unsigned flags = 0;
        while (f != NULL && fgets(line, sizeof line, f) != NULL)
            if (sscanf(line, "flags: %o", &flags) == 1)
                break;
        if (f != NULL)
            fclose(f);
        found = (flags & O_ACCMODE) != O_RDONLY;
    }
    closedir(dir);
    return found;
}

/* What the test found and holds of a running procs. */
struct takeover {
    pid_t kids[WORKERS];     /* the worker processes */
    int found;               /* how many of them were found */
    int jobs_in;             /* the test's read end of the job pipe */
    unsigned long job_inode; /* that pipe's inode */
    size_t jobs, pills;      /* records taken out: jobs, and pills (seq POOL_POISON_PILL) */
    size_t jobs_after_pill;  /* jobs that came out after a pill */
    size_t torn;             /* bytes of a record that did not come whole */
    bool asleep;             /* every worker slept on the empty pipe */
};

/* Finds WORKERS workers of `parent` that read a job pipe, opens a read end of it and
 * takes out what the parent writes there until WORKERS pills have come (or 3 s), then
 * waits until every worker sleeps (state S): each has posted its results and waits
 * for a job. */
static void take_over_jobs(pid_t parent, struct takeover *t)
{
    *t = (struct takeover){.jobs_in = -1};
    for (double end = now_s() + 10; t->jobs_in < 0 && now_s() < end; pause_ms(1)) {
        pid_t kids[64];
        int count = proc_children(parent, kids, 64);
        for (int i = 0; i < count && i < 64 && t->jobs_in < 0; i++) {
            int fd = lone_pipe_end(kids[i], false, &t->job_inode);
            if (fd < 0)
                continue;
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)kids[i], fd);
            t->jobs_in = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        }
        if (count <= 0 && proc_state(parent) == 0)
            return;
    }
    if (t->jobs_in < 0)
        return;
    /* Record by record, as a worker reads them: the parent writes them whole. */
    for (double end = now_s() + 3; t->pills < WORKERS && now_s() < end;) {
        struct pool_job job;
        ssize_t got = read(t->jobs_in, &job, sizeof job);
        if (got == (ssize_t)sizeof job) {
            if (job.seq == POOL_POISON_PILL)
                t->pills++;
            else if (t->pills > 0)
                t->jobs_after_pill++;
            else
                t->jobs++;
        } else if (got > 0) {
            t->torn += (size_t)got;
        } else if (got == 0) {
            break;
        } else {
            pause_ms(1);
        }
    }
    /* The workers, the parent's children (all forked by now, or soon), asleep for 10
     * samples in a row: each finished its number, posted, and waits for a job. */
    int calm = 0;
    for (double end = now_s() + 10; calm < 10 && now_s() < end; pause_ms(10)) {
        pid_t kids[64];
        int count = proc_children(parent, kids, 64);
        t->found = 0;
        for (int i = 0; i < count && i < 64 && t->found < WORKERS; i++)
            t->kids[t->found++] = kids[i];
        bool all = count == WORKERS;
        for (int i = 0; i < t->found; i++)
            all &= proc_state(t->kids[i]) == 'S';
        calm = all ? calm + 1 : 0;
    }
    t->asleep = calm == 10;
}

/* Waits up to timeout_s for the orphaned worker `kid` to end, and reaps it (the test
 * is a subreaper, so orphans come to it). Returns its wait status, or -1 if it still
 * runs. */
static int reap_orphan(pid_t kid, double timeout_s)
{
    for (double end = now_s() + timeout_s; now_s() < end; pause_ms(2)) {
        int status;
        pid_t r = waitpid(kid, &status, WNOHANG);
        if (r == kid)
            return status;
        /* ECHILD: not re-parented to us yet. */
    }
    return -1;
}

static void describe_status(int status, char *buf, size_t size)
{
    if (status < 0)
        snprintf(buf, size, "still running 10 s after the parent died");
    else if (WIFEXITED(status))
        snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, size, "wait status %#x", (unsigned)status);
}

/* 40 jobs of about 10 ms each for 2 workers: the test takes most of them out. */
static char *slow_input(void)
{
    uint64_t numbers[JOBS];
    for (size_t i = 0; i < JOBS; i++)
        numbers[i] = 100000000000031ULL;
    return pool_numbers_text(numbers, JOBS);
}

/* The checks of what the parent put in the job pipe. */
static void assert_parent_fed(const struct takeover *t, const struct run_result *r)
{
    cr_assert(t->jobs_in >= 0,
              "expected procs 2 to start worker processes that read jobs from a pipe, found "
              "none within 10 s (%s; output: %.200s)",
              run_describe_end(r), r->out);
    cr_assert(t->torn == 0,
              "the job pipe held %zu byte(s) that did not make a whole job: the parent writes "
              "whole struct pool_job records (records_write())",
              t->torn);
    cr_assert(t->jobs > 0 || t->pills == 0,
              "the test took no job out of the job pipe before the pills: the workers had "
              "taken all %d jobs already (a very busy machine?), so this run says nothing. "
              "Rerun it.",
              JOBS);
    cr_assert(t->pills == WORKERS && t->jobs_after_pill == 0,
              "expected the parent to put one poison pill per worker (%d) into the job pipe, "
              "after every job (a job with seq POOL_POISON_PILL, in feed_jobs()); taking out "
              "what it wrote, the test found %zu pill(s) within 3 s%s",
              WORKERS, t->pills,
              t->jobs_after_pill > 0 ? ", and jobs after a pill: the pills go after every job"
                                     : "");
    cr_assert(t->found == WORKERS && t->asleep,
              "with the job pipe emptied, expected the %d workers to sleep, waiting for a job "
              "(mailbox_take_job() polls), within 10 s; found %d worker(s), %s",
              WORKERS, t->found, t->found == WORKERS ? "not all asleep: does a worker spin?" : "");
}

GRADED(procs, workers_leave_at_end_of_file_when_the_parent_dies)
{
    char *input = slow_input();
    struct run_handle h;
    pool_start("procs", (const char *[]){"2", "--numbers", "-", NULL}, input, 40, &h);
    struct takeover t;
    take_over_jobs(h.pid, &t);
    int status[WORKERS] = {-1, -1};
    bool holds_writer[WORKERS] = {false, false};
    bool ready = t.jobs_in >= 0 && t.pills == WORKERS && t.found == WORKERS && t.asleep;
    if (ready) {
        /* The test holds only a read end: once the parent is gone, no write end of the
         * job pipe is left, unless a worker kept one. */
        kill(h.pid, SIGKILL);
        for (int i = 0; i < WORKERS; i++) {
            status[i] = reap_orphan(t.kids[i], 10);
            if (status[i] < 0)
                holds_writer[i] = holds_write_end(t.kids[i], t.job_inode);
        }
    }
    if (t.jobs_in >= 0)
        close(t.jobs_in);
    kill(-h.pid, SIGKILL);
    struct run_result r;
    run_finish(&h, &r);
    assert_parent_fed(&t, &r);
    for (int i = 0; i < WORKERS; i++) {
        char how[96];
        describe_status(status[i], how, sizeof how);
        cr_assert(!holds_writer[i],
                  "worker %d was still waiting for a job 10 s after the parent died: it holds a "
                  "write end of the job pipe itself, so end of file can never come. The child "
                  "of fork() closes the pipe ends it does not use (start_worker()): the job "
                  "pipe's write end, the result pipe's read end.",
                  (int)t.kids[i]);
        cr_assert(status[i] >= 0 && WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 0,
                  "the parent died while worker %d waited on an empty job pipe; no write end "
                  "was left, so its next read was end of file: expected it to leave with "
                  "status 0 (worker_run() returns 0 when mailbox_take_job() returns 0), got "
                  "%s. A worker that goes on at end of file reuses a stale job (and dies "
                  "posting it to a pipe nobody reads: SIGPIPE); one that never returns spins "
                  "or waits forever.",
                  (int)t.kids[i], how);
    }
    free(input);
    run_result_free(&r);
}

GRADED(procs, workers_speak_the_pipe_protocol)
{
    signal(SIGPIPE, SIG_IGN); /* a write to a pipe that lost its readers fails, not kills */
    char *input = slow_input();
    struct run_handle h;
    pool_start("procs", (const char *[]){"2", "--numbers", "-", NULL}, input, 40, &h);
    struct takeover t;
    take_over_jobs(h.pid, &t);
    bool ready = t.jobs_in >= 0 && t.pills == WORKERS && t.found == WORKERS && t.asleep;

    /* The test becomes the parent: a write end of the job pipe, a read end of the
     * result pipe, opened before the parent dies so that neither pipe loses a side. */
    int jobs_out = -1, results_in = -1;
    if (ready) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)t.kids[0],
                 lone_pipe_end(t.kids[0], false, &(unsigned long){0}));
        jobs_out = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)t.kids[0],
                 lone_pipe_end(t.kids[0], true, &(unsigned long){0}));
        results_in = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        ready = jobs_out >= 0 && results_in >= 0;
    }
    /* Two jobs of the test's own, random, then a pill per worker. */
    struct timespec seed;
    clock_gettime(CLOCK_REALTIME, &seed);
    srand48(seed.tv_nsec ^ getpid());
    struct pool_job jobs[WORKERS + 2] = {0};
    for (int i = 0; i < 2; i++) {
        jobs[i].seq = 1 + (uint64_t)(lrand48() % 1000000000);
        jobs[i].n = 1000000 + (uint64_t)lrand48() % 1000000000;
    }
    jobs[1].seq = jobs[0].seq + 1 + (uint64_t)(lrand48() % 1000);
    jobs[1].n = 1000000007ULL; /* a prime */
    struct pool_result got[8];
    size_t got_bytes = 0;
    int status[WORKERS] = {-1, -1};
    int64_t sent_ns = 0, read_ns = 0;
    if (ready) {
        kill(h.pid, SIGKILL);
        pause_ms(50);
        /* What the workers posted that the parent had not read yet: not ours. */
        char stale[4096];
        while (read(results_in, stale, sizeof stale) > 0)
            continue;
        sent_ns = now_ns();
        ssize_t w = write(jobs_out, jobs, sizeof jobs);
        ready = w == (ssize_t)sizeof jobs;
        for (double end = now_s() + 10; ready && got_bytes < 4 * sizeof got[0] && now_s() < end;) {
            ssize_t n = read(results_in, (char *)got + got_bytes, sizeof got - got_bytes);
            if (n > 0)
                got_bytes += (size_t)n;
            else if (n == 0)
                break;
            else
                pause_ms(2);
        }
        read_ns = now_ns();
        close(jobs_out);
        for (int i = 0; i < WORKERS; i++)
            status[i] = reap_orphan(t.kids[i], 10);
    }
    if (jobs_out >= 0)
        close(jobs_out);
    if (results_in >= 0)
        close(results_in);
    if (t.jobs_in >= 0)
        close(t.jobs_in);
    kill(-h.pid, SIGKILL);
    struct run_result r;
    run_finish(&h, &r);
    assert_parent_fed(&t, &r);
    cr_assert(ready, "the test could not open the workers' pipes, or write its jobs to them");

    size_t count = got_bytes / sizeof got[0];
    cr_assert(got_bytes % sizeof got[0] == 0 && count == 4,
              "the test sent the workers 2 jobs and 2 pills: expected 2 results and 2 "
              "sentinels on the result pipe (whole struct pool_result records), got %zu "
              "byte(s) (%zu whole record(s)) within 10 s. Does worker_run() keep a result per "
              "job, post its mailbox (mailbox_post()), and post a sentinel at its pill?",
              got_bytes, count);
    bool result_seen[2] = {false, false}, sentinel_of[WORKERS] = {false, false};
    for (size_t k = 0; k < count; k++) {
        const struct pool_result *res = &got[k];
        int who = -1;
        for (int i = 0; i < WORKERS; i++)
            if (res->worker == t.kids[i])
                who = i;
        cr_assert(who >= 0,
                  "a record on the result pipe names worker %d, which is neither worker (%d, "
                  "%d): a result or a sentinel carries the pid of the worker that posts it, "
                  "getpid() in the worker",
                  (int)res->worker, (int)t.kids[0], (int)t.kids[1]);
        if (res->seq == POOL_SENTINEL) {
            cr_assert(!sentinel_of[who],
                      "worker %d posted two sentinels: one at its pill, then it returns",
                      (int)res->worker);
            sentinel_of[who] = true;
            continue;
        }
        int j = res->seq == jobs[0].seq ? 0 : res->seq == jobs[1].seq ? 1 : -1;
        cr_assert(j >= 0 && !result_seen[j] && res->n == jobs[j].n,
                  "a result on the result pipe has seq %" PRIu64 " and n %" PRIu64 ", but the "
                  "jobs were (%" PRIu64 ", %" PRIu64 ") and (%" PRIu64 ", %" PRIu64 "): a "
                  "result carries its job's seq and n, once",
                  res->seq, res->n, jobs[0].seq, jobs[0].n, jobs[1].seq, jobs[1].n);
        result_seen[j] = true;
        cr_assert(res->prime == primes_is_prime(jobs[j].n),
                  "the result for %" PRIu64 " says %s: wrong", jobs[j].n,
                  res->prime ? "prime" : "not prime");
        cr_assert(sent_ns <= res->start_ns && res->start_ns <= res->end_ns &&
                      res->end_ns <= read_ns,
                  "the result for %" PRIu64 " was checked from %" PRId64 " to %" PRId64
                  " ns (clock_now_ns()), but the test sent the job at %" PRId64 " and read the "
                  "result by %" PRId64 ": start_ns and end_ns are clock_now_ns() just before "
                  "and after the check",
                  jobs[j].n, res->start_ns, res->end_ns, sent_ns, read_ns);
    }
    for (int i = 0; i < WORKERS; i++) {
        cr_assert(sentinel_of[i],
                  "worker %d took a poison pill but posted no sentinel (a result with seq "
                  "POOL_SENTINEL and its pid) before it stopped",
                  (int)t.kids[i]);
        char how[96];
        describe_status(status[i], how, sizeof how);
        cr_assert(status[i] >= 0 && WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 0,
                  "worker %d took its poison pill and posted its sentinel: expected it to "
                  "leave with status 0 (worker_run() returns 0 after the pill, and the child "
                  "_exit()s with it), got %s",
                  (int)t.kids[i], how);
    }
    free(input);
    run_result_free(&r);
}
