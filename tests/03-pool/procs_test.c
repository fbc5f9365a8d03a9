/*
 * Graded tests of lab 03, part B and robustness: procs, the process pool.
 */
#include "clock.h"
#include "graded.h"
#include "pool.h"
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
#include <time.h>
#include <unistd.h>

/* What pool.c's exit handler prints when it runs in a forked child. */
#define CHILD_RAN_EXIT_HANDLERS "ran its parent's exit handlers"

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* The end of a text, for messages: its last `keep` bytes. */
static const char *tail(const char *text, size_t len, size_t keep)
{
    return len > keep ? text + len - keep : text;
}

/* Fails if a worker left with exit() instead of _exit(): pool.c's exit handler then ran
 * in it, and said so on stderr. */
static void assert_workers_used__exit(const struct run_result *r, const char *what)
{
    const char *said = strstr(r->err, CHILD_RAN_EXIT_HANDLERS);
    cr_assert(said == NULL,
              "%s: a worker left with exit() (or returned from main) instead of _exit(): it "
              "ran the parent's exit handlers (pool.c's says so on stderr: '%.160s'), and it "
              "flushes its copies of the parent's stdio buffers, printing lines twice. A "
              "forked child ends with _exit().",
              what, said != NULL ? r->err : "");
}

/* Checks the common end of a run that should succeed. */
static void assert_clean_success(const struct run_result *r, const char *what)
{
    cr_assert(!r->timed_out,
              "%s: timed out (%s): did a worker miss its poison pill (one per worker, after "
              "the jobs), does the parent count one sentinel per worker, or did it deadlock "
              "on a full pipe? (output ends with: %.200s; stderr: %.200s)",
              what, run_describe_end(r), tail(r->out, r->out_len, 200), r->err);
    cr_assert(r->exited && r->exit_code == 0,
              "%s: expected exit status 0, got %s (stderr: %.300s; output ends with: %.300s)", what,
              run_describe_end(r), r->err, tail(r->out, r->out_len, 300));
    cr_assert_eq(r->leftover_processes, 0,
                 "%s: expected every worker reaped, but %d process(es) were left behind "
                 "(running or zombie): does the parent waitpid() for each worker, and does "
                 "each worker stop at its poison pill?",
                 what, r->leftover_processes);
}

/* Runs procs with stdin text and extra environment (or NULL). */
static void start_procs(const char *const *args, const char *input, const char *const *env,
                        double timeout_s, struct run_handle *h)
{
    const char *argv[16] = {program_path(LAB, "procs")};
    for (size_t i = 0; args[i] != NULL && i < 14; i++)
        argv[i + 1] = args[i];
    struct run_spec spec = {.argv = argv, .stdin_text = input, .env = env, .timeout_s = timeout_s};
    cr_assert(run_start(&spec, h), "could not start %s", argv[0]);
}

GRADED(procs, checks_the_20_numbers)
{
    struct run_result r = pool_run("procs", (const char *[]){"2", NULL}, NULL, NULL, 20);
    cr_assert(!r.timed_out, "procs 2: timed out (%s)", run_describe_end(&r));
    /* The results first: a missing one says more than the exit status it causes. */
    struct pool_output po;
    pool_parse(r.out, &po);
    pool_assert_results(&po, pool_chapter_numbers, 20, "procs 2, the chapter's 20 numbers");
    pool_output_free(&po);
    assert_clean_success(&r, "procs 2");
    run_result_free(&r);
}

GRADED(procs, prints_the_chapter_format)
{
    struct run_result r =
        pool_run("procs", (const char *[]){"3", "--range", "10", "13", NULL}, NULL, NULL, 10);
    assert_clean_success(&r, "procs 3 --range 10 13");
    cr_assert(strncmp(r.out, "Checking 4 numbers with 3 processes:\n", 37) == 0,
              "expected the first line 'Checking 4 numbers with 3 processes:' (report_start() "
              "prints it), got '%.60s'",
              r.out);
    struct pool_output po;
    pool_parse(r.out, &po);
    pool_assert_results(&po, (const uint64_t[]){10, 11, 12, 13}, 4, "procs 3 --range 10 13");
    for (size_t i = 0; i < po.count; i++)
        cr_assert(po.lines[i].number_end == 16 && po.lines[i].has_worker,
                  "expected each result line to be the number right-aligned in 16 columns, P "
                  "or a blank, the seconds, then 'worker <pid>' (pool_print_result() prints "
                  "it), got one for %" PRIu64 " that is not:\n%.400s",
                  po.lines[i].n, r.out);
    const char *last = r.out + r.out_len;
    while (last > r.out && last[-1] == '\n')
        last--;
    while (last > r.out && last[-1] != '\n')
        last--;
    double seconds;
    cr_assert(sscanf(last, "4 checks in %lfs", &seconds) == 1,
              "expected the last line '4 checks in X.XXs' (report_finish() prints it), got "
              "'%.60s'",
              last);
    pool_output_free(&po);
    run_result_free(&r);
}

GRADED(procs, checks_numbers_from_stdin_with_more_workers_than_jobs)
{
    /* 0 is a number like any other: a pill is a job with seq 0, not n == 0. */
    static const uint64_t numbers[] = {0,
                                       1,
                                       2,
                                       3,
                                       4,
                                       9,
                                       25,
                                       4293001441ULL,
                                       4294967291ULL,
                                       18446744073709551615ULL,
                                       9223372036854775809ULL};
    size_t count = sizeof numbers / sizeof numbers[0];
    char *input = pool_numbers_text(numbers, count);
    struct run_result r =
        pool_run("procs", (const char *[]){"16", "--numbers", "-", NULL}, input, NULL, 20);
    const char *what = "procs 16 --numbers - (11 numbers, 0 among them)";
    cr_assert(!r.timed_out, "%s: timed out (%s)", what, run_describe_end(&r));
    struct pool_output po;
    pool_parse(r.out, &po);
    pool_assert_results_or(&po, numbers, count, what,
                           "a result lost: is the number 0 taken for a poison pill? A pill is "
                           "a job whose seq is POOL_POISON_PILL; 0 is a number to check. Or "
                           "did the parent stop before every worker sent its sentinel?");
    pool_output_free(&po);
    assert_clean_success(&r, what);
    free(input);
    run_result_free(&r);
}

GRADED(procs, uses_n_distinct_worker_processes)
{
    /* 24 primes of about 10 ms each: every worker gets some, even on a busy machine. */
    uint64_t numbers[24];
    pool_primes_from(100000000000000ULL, numbers, 24);
    char *input = pool_numbers_text(numbers, 24);
    struct run_handle h;
    pool_start("procs", (const char *[]){"3", "--numbers", "-", NULL}, input, 30, &h);
    pid_t parent = h.pid;
    long children[256];
    size_t seen = pool_watch_workers(&h, false, children, 256, 30);
    struct run_result r;
    run_finish(&h, &r);
    assert_clean_success(&r, "procs 3 with 24 primes");
    struct pool_output po;
    pool_parse(r.out, &po);
    pool_assert_results(&po, numbers, 24, "procs 3 with 24 primes");
    size_t distinct = pool_distinct_workers(&po);
    cr_assert_eq(distinct, 3,
                 "expected the results to name 3 distinct workers, found %zu: does each "
                 "result carry the pid of the worker that computed it (getpid() in the "
                 "worker), and does the parent start exactly N workers?",
                 distinct);
    for (size_t i = 0; i < po.count; i++) {
        cr_assert(po.lines[i].worker != parent,
                  "the result for %" PRIu64 " names the parent (pid %d): the workers, not "
                  "the parent, must check the numbers",
                  po.lines[i].n, (int)parent);
        size_t k = 0;
        while (k < seen && children[k] != po.lines[i].worker)
            k++;
        cr_assert(k < seen,
                  "the result for %" PRIu64 " names worker %ld, which was never a child "
                  "process of procs (%zu seen): a result names the pid of the worker that "
                  "checked it, getpid() in that worker",
                  po.lines[i].n, po.lines[i].worker, seen);
    }
    pool_output_free(&po);
    free(input);
    run_result_free(&r);
}

GRADED(procs, runs_checks_in_parallel)
{
    pool_assert_checks_overlap("procs");
}

/* One worker on a stream of primes of about 40 ms each: its results must reach the
 * parent while it goes on, not in one batch at its pill. Watched by the worker's CPU
 * time, not the clock: once it has computed 0.6 s, a dozen results or so are done. */
static void assert_a_steady_stream_is_shown(void)
{
    uint64_t numbers[30];
    pool_primes_from(1000000000000000ULL, numbers, 30);
    char *input = pool_numbers_text(numbers, 30);
    struct run_handle h;
    pool_start("procs", (const char *[]){"1", "--numbers", "-", NULL}, input, 30, &h);
    pid_t worker;
    int busy = pool_wait_for_busy_workers(h.pid, 1, 0.6, &worker, 20);
    char *so_far = run_output_so_far(&h);
    kill(-h.pid, SIGKILL);
    struct run_result r;
    run_finish(&h, &r);
    struct pool_output po;
    pool_parse(so_far, &po);
    cr_assert(busy == 1,
              "procs 1 on 30 primes of about 40 ms: its worker did not compute 0.6 s "
              "within 20 s (%s; output: %.200s)",
              run_describe_end(&r), r.out);
    cr_assert(po.count >= 3,
              "procs 1 on 30 primes of about 40 ms each: once the worker had computed 0.6 s "
              "(a dozen results or so), the parent had printed %zu result line(s). A worker "
              "keeps results in its mailbox only briefly: it posts them once the oldest has "
              "waited WORKER_POST_AFTER_NS (worker.h), not only when the batch is full or at "
              "its pill, so that a slow stream of results is still shown as it comes.\n%.300s",
              po.count, so_far);
    pool_output_free(&po);
    free(so_far);
    free(input);
    run_result_free(&r);
}

GRADED(procs, prints_results_as_they_arrive)
{
    pool_assert_completion_order("procs");
    assert_a_steady_stream_is_shown();
}

/* The pipe ends (fds >= 3) and other fds a process holds. */
struct fd_info {
    int fd;
    char target[96];     /* what /proc/<pid>/fd/<fd> links to */
    unsigned long inode; /* of a pipe; 0 for anything else */
    bool writes;         /* opened for writing */
};

static int fds_of(pid_t pid, struct fd_info *fds, int max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *dir = opendir(path);
    if (dir == NULL)
        return -1;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && count < max) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] == '.' || fd < 3)
            continue;
        struct fd_info *info = &fds[count];
        *info = (struct fd_info){.fd = fd};
        char link[128];
        snprintf(link, sizeof link, "/proc/%d/fd/%d", (int)pid, fd);
        ssize_t len = readlink(link, info->target, sizeof info->target - 1);
        if (len <= 0)
            continue;
        info->target[len] = '\0';
        if (sscanf(info->target, "pipe:[%lu]", &info->inode) != 1)
            info->inode = 0;
        char fdinfo[128];
        snprintf(fdinfo, sizeof fdinfo, "/proc/%d/fdinfo/%d", (int)pid, fd);
        FILE *f = fopen(fdinfo, "r");
        if (f == NULL)
            continue;
        char line[128];
        unsigned flags = 0;
        while (fgets(line, sizeof line, f) != NULL)
            if (sscanf(line, "flags: %o", &flags) == 1)
                break;
        fclose(f);
        info->writes = (flags & O_ACCMODE) != O_RDONLY;
        count++;
    }
    closedir(dir);
    return count;
}

/* The fd of the job pipe's read end in worker `kid`: the pipe it holds for reading
 * only. -1 if it has none (yet). */
static int job_pipe_fd(pid_t kid)
{
    struct fd_info fds[64];
    int count = fds_of(kid, fds, 64);
    for (int a = 0; a < count; a++) {
        if (fds[a].inode == 0 || fds[a].writes)
            continue;
        bool also_writes = false;
        for (int b = 0; b < count; b++)
            also_writes |= fds[b].inode == fds[a].inode && fds[b].writes;
        if (!also_writes)
            return fds[a].fd;
    }
    return -1;
}

/* Opens, through /proc, a write end of the job pipe of the running procs `parent` (found
 * through one of its workers) and returns it, or -1 if no worker showed one within
 * timeout_s. While the test holds it, the workers never see end of file on the job pipe,
 * as when the parent keeps its own write end open: only a poison pill stops them. */
static int hold_job_pipe_open(pid_t parent, double timeout_s)
{
    for (int waited_ms = 0; waited_ms <= (int)(timeout_s * 1000); waited_ms++) {
        pid_t kids[64];
        int count = proc_children(parent, kids, 64);
        for (int i = 0; i < count && i < 64; i++) {
            int fd = job_pipe_fd(kids[i]);
            if (fd < 0)
                continue;
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)kids[i], fd);
            int held = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
            if (held >= 0)
                return held;
        }
        if (count < 0 && proc_state(parent) == 0)
            return -1;
        sleep_s(0.001);
    }
    return -1;
}

/* Runs procs while the test holds its job pipe open: every worker must stop at a pill. */
static void assert_stops_at_pills(const char *const *args, const char *input,
                                  const char *const *env, const char *what)
{
    struct run_handle h;
    start_procs(args, input, env, 10, &h);
    int held = hold_job_pipe_open(h.pid, 10);
    struct run_result r;
    run_finish(&h, &r);
    if (held >= 0)
        close(held);
    cr_assert(held >= 0,
              "%s: expected worker processes that read jobs from a pipe, found none within "
              "10 s (%s; output: %.200s)",
              what, run_describe_end(&r), r.out);
    cr_assert(!r.timed_out,
              "%s: timed out (%s). The test held the job pipe open, as the parent must until "
              "every worker has stopped, so no worker could see end of file: a worker stops "
              "only at its poison pill. Does feed_jobs() put one pill per worker (and per "
              "replacement) after the jobs, does worker_run() post its sentinel and return "
              "at the pill, and does the parent count one sentinel per worker? (output ends "
              "with: %.200s)",
              what, run_describe_end(&r), tail(r.out, r.out_len, 200));
    cr_assert_eq(r.leftover_processes, 0,
                 "%s: %d worker(s) were left behind (running or zombie): does each one stop at "
                 "its poison pill, and does the parent waitpid() for each?",
                 what, r.leftover_processes);
    run_result_free(&r);
}

GRADED(procs, stops_every_worker_with_a_poison_pill)
{
    /* 24 primes of about 10 ms each keep the job pipe busy while the test takes hold of
     * it: 1, 3 and 12 workers, then 2 workers of which one crashes and is replaced. */
    uint64_t numbers[24];
    pool_primes_from(100000000000000ULL, numbers, 24);
    char *input = pool_numbers_text(numbers, 24);
    const char *counts[] = {"1", "3", "12"};
    for (int round = 0; round < 3; round++) {
        char what[96];
        snprintf(what, sizeof what, "procs %s on 24 primes, with the job pipe held open",
                 counts[round]);
        assert_stops_at_pills((const char *[]){counts[round], "--numbers", "-", NULL}, input, NULL,
                              what);
    }
    char env_var[64];
    snprintf(env_var, sizeof env_var, "CONCLAB_CRASH_ON=%" PRIu64, numbers[20]);
    assert_stops_at_pills((const char *[]){"2", "--numbers", "-", NULL}, input,
                          (const char *[]){env_var, NULL},
                          "procs 2 on 24 primes, a worker crashing on the 21st and replaced, "
                          "with the job pipe held open");
    free(input);
}

GRADED(procs, reaps_every_worker)
{
    for (int round = 0; round < 4; round++) {
        struct run_result r =
            pool_run("procs", (const char *[]){"4", "--range", "1", "400", NULL}, NULL, NULL, 10);
        assert_clean_success(&r, "procs 4 --range 1 400");
        run_result_free(&r);
    }
}

/* A worker that exits normally is reaped like any other: its sentinel may still be in
 * the pipe then, and the parent must read it before it judges the worker dead. */
static void assert_no_warning(const struct run_result *r, const char *what)
{
    cr_assert(r->err_len == 0,
              "%s: a run where no worker dies wrote on stderr: %.300s. When the parent reaps "
              "a worker that exited normally, its sentinel may still wait unread in the "
              "result pipe: read what is there (collect_results) before deciding that the "
              "worker died without its sentinel, and replace only a worker that really died.",
              what, r->err);
}

/* Runs at the job pipe's capacity: the jobs fill it, or all but a few of its places,
 * so that some poison pills find no room and must wait for the workers to make some. A
 * parent that fills the pipe before it forks writes them in two goes. */
static void assert_pills_fit_at_capacity(void)
{
    int fds[2];
    cr_assert(pipe(fds) == 0, "pipe: %s", strerror(errno));
    int capacity = fcntl(fds[0], F_GETPIPE_SZ);
    close(fds[0]);
    close(fds[1]);
    cr_assert(capacity > 0, "F_GETPIPE_SZ: %s", strerror(errno));
    const long jobs = capacity / (long)sizeof(struct pool_job);
    const struct {
        const char *procs;
        long count;
    } runs[] = {{"2", jobs - 1}, {"2", jobs}, {"3", jobs - 2}, {"3", jobs + 1}};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        char last[24], what[64];
        snprintf(last, sizeof last, "%ld", runs[i].count);
        snprintf(what, sizeof what, "procs %s --range 1 %s", runs[i].procs, last);
        struct run_result r = pool_run(
            "procs", (const char *[]){runs[i].procs, "--range", "1", last, NULL}, NULL, NULL, 8);
        cr_assert(!r.timed_out,
                  "%s timed out (%s). The job pipe holds %ld jobs (%d bytes): here the jobs "
                  "leave no room for some of the poison pills, which must be written later, "
                  "once the workers have made room. Does the parent count a pill as sent only "
                  "once it is written, and keep asking poll() for room in the job pipe while "
                  "pills are left to write, not only jobs? (output ends with: %.150s)",
                  what, run_describe_end(&r), jobs, capacity, tail(r.out, r.out_len, 150));
        assert_clean_success(&r, what);
        assert_no_warning(&r, what);
        struct pool_output po;
        pool_parse(r.out, &po);
        pool_assert_range(&po, 1, (uint64_t)runs[i].count, what);
        pool_output_free(&po);
        run_result_free(&r);
    }
}

GRADED(procs, handles_more_than_a_pipe_holds)
{
    /* 100000 jobs of 16 bytes and as many results of 40: 1.6 MB and 4 MB, against a pipe
     * that holds 64 KiB (1 MiB at most, with F_SETPIPE_SZ). */
    struct run_result r =
        pool_run("procs", (const char *[]){"3", "--range", "1", "100000", NULL}, NULL, NULL, 20);
    cr_assert(!r.timed_out,
              "procs 3 --range 1 100000 timed out (%s). Its 100000 jobs (1.6 MB) and results "
              "(4 MB) are many times the pipe capacity (64 KiB): a parent that writes every "
              "job before it reads any result, or that waits for its workers (waitpid) before "
              "it reads their results, deadlocks once the pipes are full, its workers blocked "
              "writing results nobody reads. Feed jobs and read results in the same poll() "
              "loop, and reap after the last sentinel. (%zu bytes of output, ending with: "
              "%.150s)",
              run_describe_end(&r), r.out_len, tail(r.out, r.out_len, 150));
    assert_clean_success(&r, "procs 3 --range 1 100000");
    assert_no_warning(&r, "procs 3 --range 1 100000");
    struct pool_output po;
    pool_parse(r.out, &po);
    pool_assert_range(&po, 1, 100000, "procs 3 --range 1 100000");
    pool_output_free(&po);
    run_result_free(&r);
    assert_pills_fit_at_capacity();
}

GRADED(procs, workers_leave_with__exit)
{
    /* A replacement is forked in the middle of the run, after the parent has printed
     * results: a child that leaves with exit() runs the parent's exit handlers and flushes
     * its copy of whatever the parent's stdout buffer held. */
    uint64_t numbers[16];
    pool_primes_from(10000000000000ULL, numbers, 16);
    char *input = pool_numbers_text(numbers, 16);
    char env_var[64];
    snprintf(env_var, sizeof env_var, "CONCLAB_CRASH_ON=%" PRIu64, numbers[9]);
    struct run_result r = pool_run("procs", (const char *[]){"2", "--numbers", "-", NULL}, input,
                                   (const char *[]){env_var, NULL}, 20);
    cr_assert(!r.timed_out, "procs 2 with a worker crashing on %" PRIu64 ": timed out (%s)",
              numbers[9], run_describe_end(&r));
    assert_workers_used__exit(&r, "procs 2 with a crashing worker and its replacement");
    size_t headers = count_substr(r.out, "Checking 16 numbers");
    cr_assert_eq(headers, 1,
                 "expected the line 'Checking 16 numbers with 2 processes:' once, found it %zu "
                 "times: a forked child that leaves with exit() instead of _exit() flushes its "
                 "copy of the parent's stdout buffer (fflush(stdout) before fork(), and _exit() "
                 "in the child)",
                 headers);
    struct pool_output po;
    pool_parse(r.out, &po);
    uint64_t others[15];
    for (size_t i = 0, k = 0; i < 16; i++)
        if (i != 9)
            others[k++] = numbers[i];
    pool_assert_results(&po, others, 15, "procs 2 with a crashing worker, the 15 others");
    pool_output_free(&po);
    free(input);
    run_result_free(&r);
}

GRADED(procs, workers_hold_only_their_pipe_ends)
{
    /* Slow numbers keep the workers busy while we look at their fds; a worker that has
     * used CPU is past its setup, checking. */
    uint64_t slow[6];
    for (size_t i = 0; i < 6; i++)
        slow[i] = PRIMES_SLOW_PRIME;
    char *input = pool_numbers_text(slow, 6);
    struct run_handle h;
    pool_start("procs", (const char *[]){"2", "--numbers", "-", NULL}, input, 30, &h);
    pid_t kids[2];
    int busy = pool_wait_for_busy_workers(h.pid, 2, 0.05, kids, 10);
    char problem[512] = "";
    for (int i = 0; i < busy && problem[0] == '\0'; i++) {
        struct fd_info fds[64];
        int count = fds_of(kids[i], fds, 64);
        int reads = 0, writes = 0;
        char others[256] = "";
        for (int a = 0; a < count; a++) {
            for (int b = 0; b < count && problem[0] == '\0'; b++)
                if (fds[a].inode != 0 && fds[a].inode == fds[b].inode && !fds[a].writes &&
                    fds[b].writes)
                    snprintf(problem, sizeof problem,
                             "worker %d holds both the read end (fd %d) and the write end (fd "
                             "%d) of the same pipe (pipe:[%lu]): a worker must close the pipe "
                             "ends it does not use, or it never sees end of file on the pipe "
                             "it reads",
                             (int)kids[i], fds[a].fd, fds[b].fd, fds[a].inode);
            if (fds[a].inode != 0) {
                reads += !fds[a].writes;
                writes += fds[a].writes;
            } else {
                size_t used = strlen(others);
                snprintf(others + used, sizeof others - used, "%sfd %d -> %s", used > 0 ? ", " : "",
                         fds[a].fd, fds[a].target);
            }
        }
        if (problem[0] == '\0' && (others[0] != '\0' || reads != 1 || writes != 1))
            snprintf(problem, sizeof problem,
                     "worker %d holds, besides 0, 1 and 2, %d pipe read end(s), %d pipe write "
                     "end(s)%s%s; expected only its two: the job pipe's read end and the "
                     "result pipe's write end. In the child, close the parent's ends (and its "
                     "signalfd: sigfd_child())",
                     (int)kids[i], reads, writes, others[0] ? " and " : "", others);
    }
    kill(-h.pid, SIGKILL);
    struct run_result r;
    run_finish(&h, &r);
    cr_assert(busy == 2,
              "expected procs 2 to have 2 worker processes checking numbers within 10 s, "
              "found %d (%s; output: %.200s)",
              busy, run_describe_end(&r), r.out);
    cr_assert(problem[0] == '\0', "%s", problem);
    free(input);
    run_result_free(&r);
}

/* Each error line names the worker that died on the k-th crashing number (in input
 * order, as the jobs go out). A dead worker checks nothing after the number it died on:
 * one named by the error line that checks a later number is alive, the replacement. */
static void assert_errors_name_the_dead(const struct pool_output *po, const uint64_t *numbers,
                                        size_t count, uint64_t crash_on)
{
    size_t crash_at = 0;
    for (size_t e = 0; e < po->error_count; e++) {
        while (crash_at < count && numbers[crash_at] != crash_on)
            crash_at++;
        const char *named = strstr(po->errors[e], "worker ");
        long dead = named ? strtol(named + 7, NULL, 10) : -1;
        for (size_t i = 0; i < po->count; i++) {
            size_t at = 0;
            while (at < count && numbers[at] != po->lines[i].n)
                at++;
            cr_assert(!po->lines[i].has_worker || po->lines[i].worker != dead || at < crash_at,
                      "the error line '%s' names worker %ld as the one that died on %" PRIu64
                      ", but worker %ld then checked %" PRIu64 ", a later number: it names a "
                      "live worker, the replacement. Report the dead worker (its pid and "
                      "mailbox) before start_worker() gives its slot to the new one.",
                      po->errors[e], dead, crash_on, dead, po->lines[i].n);
        }
        crash_at++;
    }
}

GRADED(procs, recovers_from_a_crashing_worker)
{
    /* 16 primes of about 3 ms each; the worker that takes the 6th crashes on it. The
     * crash is reported, the worker replaced, the rest finished. */
    uint64_t numbers[16];
    pool_primes_from(10000000000000ULL, numbers, 16);
    const uint64_t crash_on = numbers[5];
    char *input = pool_numbers_text(numbers, 16);
    char env_var[64];
    snprintf(env_var, sizeof env_var, "CONCLAB_CRASH_ON=%" PRIu64, crash_on);
    const char *env[] = {env_var, NULL};
    struct run_result r =
        pool_run("procs", (const char *[]){"2", "--numbers", "-", NULL}, input, env, 20);
    cr_assert(!r.timed_out,
              "with a worker crashing on %" PRIu64 ", procs 2 timed out (%s): does the "
              "parent notice the death (SIGCHLD, then waitpid with WNOHANG in "
              "reap_exited_workers()) and start a replacement?",
              crash_on, run_describe_end(&r));
    cr_assert(r.exited && r.exit_code == 1,
              "a worker crashed: expected exit status 1 (report_finish() returns it after an "
              "error), got %s",
              run_describe_end(&r));
    cr_assert_eq(r.leftover_processes, 0,
                 "expected every worker reaped, also the crashed one (waitpid), found %d left",
                 r.leftover_processes);
    struct pool_output po;
    pool_parse(r.out, &po);
    uint64_t others[15];
    size_t k = 0;
    for (size_t i = 0; i < 16; i++)
        if (numbers[i] != crash_on)
            others[k++] = numbers[i];
    pool_assert_results_or(&po, others, 15, "the 15 numbers that do not crash their worker",
                           "a result lost after a crash: does a replacement take the dead "
                           "worker's slot, and does report_dead_worker() get the dead worker's "
                           "mailbox?");
    cr_assert_eq(po.error_count, 1,
                 "expected exactly one error line ('%" PRIu64 " error: worker <pid> killed "
                 "by signal 11 ...', from report_dead_worker()), found %zu in:\n%.1500s",
                 crash_on, po.error_count, r.out);
    const char *line = po.errors[0];
    cr_assert(
        strtoull(line, NULL, 10) == crash_on && strstr(line, "worker") != NULL &&
            (strstr(line, "signal 11") || strstr(line, "SIGSEGV") || strstr(line, "Segmentation")),
        "expected the error line to name %" PRIu64 ", the worker, and signal 11 "
        "(SIGSEGV): is the wait status from waitpid() passed on? got '%s'",
        crash_on, line);
    assert_errors_name_the_dead(&po, numbers, 16, crash_on);
    pool_output_free(&po);
    free(input);
    run_result_free(&r);
}

/* One worker, three crashing jobs among ten: each time the only worker dies, of SIGSEGV,
 * or (exit_status not 0) by leaving with that status before its sentinel. */
static void assert_recovers_from_every_death(int exit_status)
{
    const uint64_t crash_on = 1000003ULL;
    const uint64_t numbers[] = {11, crash_on, 12, 13, crash_on, 14, 15, crash_on, 16, 17};
    char *input = pool_numbers_text(numbers, 10);
    char crash_env[64], status_env[64], how[64];
    snprintf(crash_env, sizeof crash_env, "CONCLAB_CRASH_ON=%" PRIu64, crash_on);
    snprintf(status_env, sizeof status_env, "CONCLAB_CRASH_STATUS=%d", exit_status);
    if (exit_status == 0)
        snprintf(how, sizeof how, "crashes (SIGSEGV)");
    else
        snprintf(how, sizeof how, "leaves with _exit(%d), no sentinel,", exit_status);
    const char *env[] = {crash_env, exit_status ? status_env : NULL, NULL};
    struct run_result r =
        pool_run("procs", (const char *[]){"1", "--numbers", "-", NULL}, input, env, 10);
    cr_assert(!r.timed_out,
              "procs 1 whose worker %s three times timed out (%s): does every dead worker get "
              "a replacement (reap_exited_workers() at SIGCHLD), and a poison pill of its "
              "own? A worker that ends before its sentinel has died, however it ended: by a "
              "signal, or with an exit status.",
              how, run_describe_end(&r));
    cr_assert(r.exited && r.exit_code == 1,
              "procs 1 whose worker %s three times: expected exit status 1, got %s", how,
              run_describe_end(&r));
    cr_assert_eq(r.leftover_processes, 0,
                 "procs 1 whose worker %s three times: expected every worker reaped "
                 "(waitpid), found %d left",
                 how, r.leftover_processes);
    struct pool_output po;
    pool_parse(r.out, &po);
    const uint64_t fine[] = {11, 12, 13, 14, 15, 16, 17};
    pool_assert_results_or(&po, fine, 7, "the 7 numbers that do not crash",
                           "a result lost: with one worker, every death needs a replacement, "
                           "or the jobs behind it are never checked");
    cr_assert_eq(po.error_count, 3,
                 "procs 1 whose worker %s on %" PRIu64 " three times: expected 3 error lines "
                 "(one per death), found %zu:\n%.800s",
                 how, crash_on, po.error_count, r.out);
    assert_errors_name_the_dead(&po, numbers, 10, crash_on);
    pool_output_free(&po);
    free(input);
    run_result_free(&r);
}

GRADED(procs, recovers_when_every_worker_crashes)
{
    assert_recovers_from_every_death(0);
    assert_recovers_from_every_death(3);
}

/* Whether process `pid` ignores signal `sig` (SigIgn in /proc/<pid>/status); -1 if it
 * cannot be read. */
static int ignores_signal(pid_t pid, int sig)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    unsigned long long mask = 0;
    int found = -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "SigIgn: %llx", &mask) == 1) {
            found = (int)((mask >> (sig - 1)) & 1);
            break;
        }
    fclose(f);
    return found;
}

/* Ctrl-C when one worker has already taken its pill, ended and been reaped, while the
 * other is still on a number of seconds: only the workers still running are stopped. */
static void assert_sigint_after_a_worker_ended(void)
{
    const char *what = "procs 2 on 2^64 - 59 and 11, Ctrl-C once the worker that checked 11 "
                       "has ended";
    struct run_handle h;
    pool_start("procs", (const char *[]){"2", "--numbers", "-", NULL}, "18446744073709551557\n11\n",
               20, &h);
    bool printed = run_wait_for_output(&h, " 11 P ", 10);
    /* The ended worker is the parent's child until it is reaped (a zombie). */
    pid_t kids[4];
    for (double end = clock_seconds() + 5;
         printed && proc_children(h.pid, kids, 4) > 1 && clock_seconds() < end;)
        nanosleep(&(struct timespec){0, 5000000}, NULL);
    kill(-h.pid, SIGINT);
    struct run_result r;
    run_finish(&h, &r);
    cr_assert(printed, "%s: expected the result for 11 within 10 s (%s; output: %.200s)", what,
              run_describe_end(&r), r.out);
    cr_assert(!r.timed_out && r.exited && r.exit_code == 130,
              "%s: expected exit status 130, got %s (stderr: %.200s). One worker had already "
              "ended and been reaped: kill() on it fails (ESRCH, its pid may even be reused). "
              "At SIGINT, kill only the workers not reaped yet.",
              what, run_describe_end(&r), r.err);
    cr_assert_eq(r.leftover_processes, 0,
                 "%s: expected every worker stopped and reaped, found %d left", what,
                 r.leftover_processes);
    cr_assert(strstr(r.out, "1 checks in ") != NULL && strstr(r.out, "(interrupted: 1 not") != NULL,
              "%s: expected the partial summary '1 checks in X.XXs (interrupted: 1 not "
              "checked)', got:\n%.300s",
              what, r.out);
    run_result_free(&r);
}

GRADED(procs, stops_cleanly_on_sigint)
{
    /* Eight primes just below 2^64: seconds of checking each. Ctrl-C comes while both
     * workers are on their first, sent as a terminal sends it: to the whole group. */
    uint64_t huge[8];
    for (size_t i = 0; i < 8; i++)
        huge[i] = 18446744073709551557ULL;
    char *input = pool_numbers_text(huge, 8);
    struct run_handle h;
    pool_start("procs", (const char *[]){"2", "--numbers", "-", NULL}, input, 20, &h);
    pid_t kids[2];
    int busy = pool_wait_for_busy_workers(h.pid, 2, 0.1, kids, 10);
    int ignoring[2] = {-1, -1};
    for (int i = 0; i < busy; i++)
        ignoring[i] = ignores_signal(kids[i], SIGINT);
    kill(-h.pid, SIGINT);
    struct run_result r;
    run_finish(&h, &r);
    cr_assert(busy == 2,
              "expected procs 2 to have 2 worker processes checking numbers within 10 s, "
              "found %d (%s; output: %.200s)",
              busy, run_describe_end(&r), r.out);
    for (int i = 0; i < 2; i++)
        cr_assert(ignoring[i] != 0,
                  "worker %d does not ignore SIGINT: a Ctrl-C, which the terminal sends to "
                  "the whole process group, would kill it before the parent decides. In the "
                  "child, sigfd_child() ignores SIGINT.",
                  (int)kids[i]);
    cr_assert(!r.timed_out,
              "after SIGINT, procs timed out (%s): it must stop its workers at once (kill "
              "them, then reap them with waitpid), not wait for them to finish their numbers "
              "(seconds each here). (output: %.300s)",
              run_describe_end(&r), r.out);
    cr_assert(r.exited && r.exit_code == 130,
              "after SIGINT: expected exit status 130 (128 + SIGINT, from report_finish() "
              "when interrupted), got %s (stderr: %.200s)",
              run_describe_end(&r), r.err);
    cr_assert_eq(r.leftover_processes, 0,
                 "after SIGINT: expected every worker stopped and reaped (kill, then "
                 "waitpid), found %d left",
                 r.leftover_processes);
    struct pool_output po;
    pool_parse(r.out, &po);
    cr_assert_eq(po.count, 0,
                 "after SIGINT, %zu number(s) were still checked: the workers finished the "
                 "numbers they were on (seconds each) instead of being stopped. At SIGINT, "
                 "the parent kills its workers (kill(pid, SIGTERM)).\n%.300s",
                 po.count, r.out);
    pool_output_free(&po);
    cr_assert(strstr(r.out, "0 checks in ") != NULL && strstr(r.out, "(interrupted: 8 not") != NULL,
              "after SIGINT: expected the partial summary '0 checks in X.XXs (interrupted: 8 not "
              "checked)' (report_finish() with interrupted true), got:\n%.300s",
              r.out);
    free(input);
    run_result_free(&r);
    assert_sigint_after_a_worker_ended();
}

/* Bad input is refused with status 2, a message, and no results. */
static void assert_rejected(const char *const *args, const char *why)
{
    struct run_result r = pool_run("procs", args, NULL, NULL, 10);
    cr_assert(r.exited && r.exit_code == 2,
              "%s: expected exit status 2 (bad usage, from pool_parse_options()), got %s", why,
              run_describe_end(&r));
    cr_assert(r.err_len > 0, "%s: expected an error message on stderr, got none", why);
    cr_assert(strstr(r.out, "checks in") == NULL, "%s: expected no results, got '%.200s'", why,
              r.out);
    cr_assert_eq(r.leftover_processes, 0, "%s: expected no process left, found %d", why,
                 r.leftover_processes);
    run_result_free(&r);
}

GRADED(procs, rejects_bad_input)
{
    /* And good input is accepted: refusing everything is not the point. */
    struct run_result good =
        pool_run("procs", (const char *[]){"2", "--range", "2", "5", NULL}, NULL, NULL, 10);
    cr_assert(good.exited && good.exit_code == 0,
              "procs 2 --range 2 5: expected exit status 0, got %s", run_describe_end(&good));
    struct pool_output po;
    pool_parse(good.out, &po);
    pool_assert_results(&po, (const uint64_t[]){2, 3, 4, 5}, 4, "procs 2 --range 2 5");
    pool_output_free(&po);
    run_result_free(&good);

    assert_rejected((const char *[]){"0", NULL}, "procs 0");
    assert_rejected((const char *[]){"abc", NULL}, "procs abc");
    assert_rejected((const char *[]){"--", "-2", NULL}, "procs -- -2");
    assert_rejected((const char *[]){"1025", NULL}, "procs 1025");
    assert_rejected((const char *[]){"99999999999999999999999", NULL},
                    "procs 99999999999999999999999");
    assert_rejected((const char *[]){"2", "3", NULL}, "procs 2 3");
    assert_rejected((const char *[]){"2", "--range", "9", NULL}, "procs 2 --range 9");
    assert_rejected((const char *[]){"2", "--numbers", "/nonexistent/n.txt", NULL},
                    "procs 2 --numbers /nonexistent/n.txt");
    struct run_result help = pool_run("procs", (const char *[]){"--help", NULL}, NULL, NULL, 10);
    cr_assert(help.exited && help.exit_code == 0 && strstr(help.out, "Usage") != NULL,
              "procs --help: expected a usage text and exit status 0, got %s",
              run_describe_end(&help));
    run_result_free(&help);
}

GRADED(procs, parent_sleeps_while_its_workers_compute)
{
    /* Two numbers of seconds each: while both workers check them, the parent has nothing
     * to write and nothing to read. It waits in poll(), asleep, using (almost) no CPU; a
     * parent that polls the job pipe for room with nothing left to write, or with a zero
     * timeout, spins and takes a share of the CPU like a worker. Measured against the
     * workers' CPU over the same window, not the clock: a busy machine slows all three. */
    char *input = pool_numbers_text((const uint64_t[]){PRIMES_SLOW_PRIME, PRIMES_SLOW_PRIME}, 2);
    struct run_handle h;
    pool_start("procs", (const char *[]){"2", "--numbers", "-", NULL}, input, 30, &h);
    long kids[2];
    int busy = pool_wait_for_busy(h.pid, false, 2, 0.05, kids, 10);
    double parent = 0, worker = 0;
    bool measured = busy == 2 && pool_cpu_while_two_compute(h.pid, false, kids, &parent, &worker);
    kill(-h.pid, SIGKILL);
    struct run_result r;
    run_finish(&h, &r);
    cr_assert(busy == 2,
              "expected procs 2 to have 2 worker processes checking numbers within 10 s, "
              "found %d (%s; output: %.200s)",
              busy, run_describe_end(&r), r.out);
    cr_assert(measured,
              "procs 2 on two numbers of seconds each: its workers did not each compute 0.5 s "
              "within 10 s, or the run ended (%s; output: %.300s)",
              run_describe_end(&r), r.out);
    cr_assert(parent < 0.25 * worker,
              "while each of its 2 workers computed %.2f s (CPU), with no job left to write "
              "and no result to read, the parent used %.2f s of CPU: expected it to sleep in "
              "one poll() (report_poll()) until a pipe or the signalfd is ready, using almost "
              "none. Does run_pool() ask for POLLOUT on the job pipe even when every job and "
              "pill has been written (then poll() returns at once, again and again: a busy "
              "loop), or poll with a zero timeout?",
              worker, parent);
    free(input);
    run_result_free(&r);
}
