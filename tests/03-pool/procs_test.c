/*
 * Graded tests of lab 03, part B and robustness: procs, the process pool.
 */
#include "graded.h"
#include "pool_util.h"
#include "primes.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Checks the common end of a run that should succeed. */
static void assert_clean_success(const struct run_result *r, const char *what)
{
    cr_assert(!r->timed_out,
              "%s: did not finish within the timeout: does every worker get a poison pill, "
              "and does the parent count one sentinel per worker? (stderr: %.200s)",
              what, r->err);
    cr_assert(r->exited && r->exit_code == 0, "%s: expected exit status 0, got %s (stderr: %.300s)",
              what, run_describe_end(r), r->err);
    cr_assert_eq(r->leftover_processes, 0,
                 "%s: expected every worker reaped, but %d process(es) were left behind "
                 "(running or zombie): does the parent waitpid() for each worker?",
                 what, r->leftover_processes);
}

GRADED(procs, checks_the_20_numbers)
{
    struct run_result r = pool_run("procs", (const char *[]){"2", NULL}, NULL, NULL, 20);
    assert_clean_success(&r, "procs 2");
    struct pool_output po;
    pool_parse(r.out, &po);
    pool_assert_results(&po, pool_chapter_numbers, 20, "procs 2, the chapter's 20 numbers");
    pool_output_free(&po);
    run_result_free(&r);
}

GRADED(procs, prints_the_chapter_format)
{
    struct run_result r =
        pool_run("procs", (const char *[]){"3", "--range", "10", "13", NULL}, NULL, NULL, 10);
    assert_clean_success(&r, "procs 3 --range 10 13");
    cr_assert(strncmp(r.out, "Checking 4 numbers with 3 processes:\n", 37) == 0,
              "expected the first line 'Checking 4 numbers with 3 processes:', got '%.60s'", r.out);
    const char *prefixes[] = {"              10   ", "              11 P ", "              12   ",
                              "              13 P "};
    for (size_t i = 0; i < 4; i++)
        cr_assert(strstr(r.out, prefixes[i]) != NULL,
                  "expected a line starting '%s' (the number right-aligned in 16 columns, "
                  "then P or a blank), output:\n%.400s",
                  prefixes[i], r.out);
    const char *last = r.out + r.out_len;
    while (last > r.out && last[-1] == '\n')
        last--;
    while (last > r.out && last[-1] != '\n')
        last--;
    double seconds;
    cr_assert(sscanf(last, "4 checks in %lfs", &seconds) == 1,
              "expected the last line '4 checks in X.XXs', got '%.60s'", last);
    struct pool_output po;
    pool_parse(r.out, &po);
    cr_assert_eq(po.count, 4,
                 "expected 4 result lines ending in 'worker <pid>', found %zu:\n%.400s", po.count,
                 r.out);
    pool_output_free(&po);
    run_result_free(&r);
}

GRADED(procs, checks_numbers_from_stdin_with_more_workers_than_jobs)
{
    static const uint64_t numbers[] = {1,
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
    assert_clean_success(&r, "procs 16 --numbers - (11 numbers)");
    struct pool_output po;
    pool_parse(r.out, &po);
    pool_assert_results(&po, numbers, count, "procs 16 with 11 numbers from stdin");
    pool_output_free(&po);
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
    struct run_result r;
    run_finish(&h, &r);
    assert_clean_success(&r, "procs 3 with 24 primes");
    struct pool_output po;
    pool_parse(r.out, &po);
    pool_assert_results(&po, numbers, 24, "procs 3 with 24 primes");
    size_t distinct = pool_distinct_workers(&po);
    cr_assert_eq(distinct, 3,
                 "expected the results to name 3 distinct workers, found %zu: does each "
                 "result carry the pid of the worker that computed it, and does the parent "
                 "start exactly N workers?",
                 distinct);
    for (size_t i = 0; i < po.count; i++)
        cr_assert(po.lines[i].worker != parent,
                  "the result for %" PRIu64 " names the parent (pid %d): the workers, not "
                  "the parent, must check the numbers",
                  po.lines[i].n, (int)parent);
    pool_output_free(&po);
    free(input);
    run_result_free(&r);
}

GRADED(procs, runs_checks_in_parallel)
{
    pool_assert_checks_overlap("procs");
}

GRADED(procs, stops_every_worker_with_a_poison_pill)
{
    /* More workers than jobs, and a run long enough for all of them to start. */
    for (int round = 0; round < 3; round++) {
        const char *n = round == 0 ? "1" : round == 1 ? "5" : "12";
        struct run_result r =
            pool_run("procs", (const char *[]){n, "--range", "100", "140", NULL}, NULL, NULL, 10);
        char what[64];
        snprintf(what, sizeof what, "procs %s --range 100 140", n);
        assert_clean_success(&r, what);
        double seconds;
        const char *summary = strstr(r.out, "41 checks in ");
        cr_assert(summary != NULL && sscanf(summary, "41 checks in %lfs", &seconds) == 1,
                  "%s: expected the summary '41 checks in X.XXs' once all workers took their "
                  "pill, output ends with '%.100s'",
                  what, r.out_len > 100 ? r.out + r.out_len - 100 : r.out);
        run_result_free(&r);
    }
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

/* The pipe ends a process holds: inode and access mode of each fd >= 3 that is a pipe. */
struct pipe_end {
    unsigned long inode;
    bool writes; /* opened for writing */
};

static int pipe_ends(pid_t pid, struct pipe_end *ends, int max)
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
        char link[128], target[128] = "";
        snprintf(link, sizeof link, "/proc/%d/fd/%d", (int)pid, fd);
        ssize_t len = readlink(link, target, sizeof target - 1);
        unsigned long inode;
        if (len <= 0 || sscanf(target, "pipe:[%lu]", &inode) != 1)
            continue;
        char info[128];
        snprintf(info, sizeof info, "/proc/%d/fdinfo/%d", (int)pid, fd);
        FILE *f = fopen(info, "r");
        if (f == NULL)
            continue;
        char line[128];
        unsigned flags = 0;
        while (fgets(line, sizeof line, f) != NULL)
            if (sscanf(line, "flags: %o", &flags) == 1)
                break;
        fclose(f);
        ends[count++] = (struct pipe_end){inode, (flags & O_ACCMODE) != O_RDONLY};
    }
    closedir(dir);
    return count;
}

GRADED(procs, workers_hold_only_their_pipe_ends)
{
    /* Slow numbers keep the workers busy while we look at their fds. */
    uint64_t slow[6];
    for (size_t i = 0; i < 6; i++)
        slow[i] = PRIMES_SLOW_PRIME;
    char *input = pool_numbers_text(slow, 6);
    struct run_handle h;
    pool_start("procs", (const char *[]){"2", "--numbers", "-", NULL}, input, 30, &h);
    pid_t kids[8];
    int n = 0;
    for (int tries = 0; tries < 40 && n < 2; tries++) {
        sleep_s(0.05);
        n = proc_children(h.pid, kids, 8);
    }
    sleep_s(0.1); /* let the workers finish setting up their fds */
    n = proc_children(h.pid, kids, 8);
    bool checked_one = false;
    pid_t culprit = 0;
    unsigned long shared_inode = 0;
    for (int i = 0; i < n && i < 8 && culprit == 0; i++) {
        struct pipe_end ends[64];
        int count = pipe_ends(kids[i], ends, 64);
        if (count < 0)
            continue;
        checked_one = true;
        for (int a = 0; a < count; a++)
            for (int b = 0; b < count; b++)
                if (ends[a].inode == ends[b].inode && !ends[a].writes && ends[b].writes) {
                    culprit = kids[i];
                    shared_inode = ends[a].inode;
                }
    }
    kill(h.pid, SIGKILL);
    struct run_result r;
    run_finish(&h, &r);
    cr_assert(checked_one,
              "expected procs 2 to have started worker processes within 2 s, found none "
              "(output: %.200s)",
              r.out);
    cr_assert(culprit == 0,
              "worker %d holds both the read end and the write end of the same pipe "
              "(pipe:[%lu]): a worker must close the pipe ends it does not use, or it never "
              "sees end of file on the pipe it reads",
              (int)culprit, shared_inode);
    free(input);
    run_result_free(&r);
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
              "with a worker crashing on %" PRIu64 ", procs 2 did not finish within 20 s: "
              "does the parent notice the death (SIGCHLD, waitpid) and start a replacement?",
              crash_on);
    cr_assert(r.exited && r.exit_code != 0,
              "a worker crashed: expected a non-zero exit status, got %s", run_describe_end(&r));
    cr_assert_eq(r.leftover_processes, 0,
                 "expected every worker reaped, also the crashed one, found %d left",
                 r.leftover_processes);
    struct pool_output po;
    pool_parse(r.out, &po);
    uint64_t others[15];
    size_t k = 0;
    for (size_t i = 0; i < 16; i++)
        if (numbers[i] != crash_on)
            others[k++] = numbers[i];
    pool_assert_results(&po, others, 15, "the 15 numbers that do not crash their worker");
    cr_assert_eq(po.error_count, 1,
                 "expected exactly one error line ('%" PRIu64 " error: worker <pid> killed "
                 "by signal 11 ...'), found %zu in:\n%.1500s",
                 crash_on, po.error_count, r.out);
    const char *line = po.errors[0];
    cr_assert(
        strtoull(line, NULL, 10) == crash_on && strstr(line, "worker") != NULL &&
            (strstr(line, "signal 11") || strstr(line, "SIGSEGV") || strstr(line, "Segmentation")),
        "expected the error line to name %" PRIu64 ", the worker, and signal 11 "
        "(SIGSEGV), got '%s'",
        crash_on, line);
    pool_output_free(&po);
    free(input);
    run_result_free(&r);
}

GRADED(procs, recovers_when_every_worker_crashes)
{
    /* One worker, three crashing jobs among ten: each time the only worker dies. */
    const uint64_t crash_on = 1000003ULL;
    const uint64_t numbers[] = {11, crash_on, 12, 13, crash_on, 14, 15, crash_on, 16, 17};
    char *input = pool_numbers_text(numbers, 10);
    char env_var[64];
    snprintf(env_var, sizeof env_var, "CONCLAB_CRASH_ON=%" PRIu64, crash_on);
    const char *env[] = {env_var, NULL};
    struct run_result r =
        pool_run("procs", (const char *[]){"1", "--numbers", "-", NULL}, input, env, 20);
    cr_assert(!r.timed_out,
              "procs 1 whose worker crashes three times did not finish within 20 s: does "
              "every dead worker get a replacement, and a poison pill of its own?");
    cr_assert(r.exited && r.exit_code != 0, "expected a non-zero exit status, got %s",
              run_describe_end(&r));
    cr_assert_eq(r.leftover_processes, 0, "expected every worker reaped, found %d left",
                 r.leftover_processes);
    struct pool_output po;
    pool_parse(r.out, &po);
    const uint64_t fine[] = {11, 12, 13, 14, 15, 16, 17};
    pool_assert_results(&po, fine, 7, "the 7 numbers that do not crash");
    cr_assert_eq(po.error_count, 3, "expected 3 error lines for %" PRIu64 ", found %zu:\n%.800s",
                 crash_on, po.error_count, r.out);
    pool_output_free(&po);
    free(input);
    run_result_free(&r);
}

GRADED(procs, stops_cleanly_on_sigint)
{
    /* Eight slow primes: about 6 s of work for two workers. */
    uint64_t slow[8];
    for (size_t i = 0; i < 8; i++)
        slow[i] = PRIMES_SLOW_PRIME;
    char *input = pool_numbers_text(slow, 8);
    struct run_handle h;
    pool_start("procs", (const char *[]){"2", "--numbers", "-", NULL}, input, 20, &h);
    cr_assert(run_wait_for_output(&h, "Checking", 5),
              "expected the line 'Checking 8 numbers with 2 processes:' within 5 s");
    sleep_s(0.3);
    kill(h.pid, SIGINT);
    struct run_result r;
    run_finish(&h, &r);
    cr_assert(!r.timed_out, "after SIGINT, procs did not end within the timeout");
    cr_assert(r.exited && r.exit_code == 130,
              "after SIGINT: expected exit status 130 (128 + SIGINT) from a handled "
              "interrupt, got %s",
              run_describe_end(&r));
    cr_assert(r.wall_s < 4.0,
              "after SIGINT at 0.3 s, procs ran for %.1f s: it should stop its workers "
              "(kill them) rather than let them finish",
              r.wall_s);
    cr_assert_eq(r.leftover_processes, 0,
                 "after SIGINT: expected every worker stopped and reaped, found %d left",
                 r.leftover_processes);
    cr_assert(strstr(r.out, " checks in ") != NULL,
              "after SIGINT: expected a partial summary 'K checks in X.XXs ...', got:\n%.300s",
              r.out);
    free(input);
    run_result_free(&r);
}

/* Bad input is refused with status 2, a message, and no results. */
static void assert_rejected(const char *const *args, const char *why)
{
    struct run_result r = pool_run("procs", args, NULL, NULL, 10);
    cr_assert(r.exited && r.exit_code == 2, "%s: expected exit status 2, got %s", why,
              run_describe_end(&r));
    cr_assert(r.err_len > 0, "%s: expected an error message on stderr", why);
    cr_assert(strstr(r.out, "checks in") == NULL, "%s: expected no results, got '%.200s'", why,
              r.out);
    cr_assert_eq(r.leftover_processes, 0, "%s: expected no process left", why);
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
              "procs --help: expected a usage text and exit status 0");
    run_result_free(&help);
}
