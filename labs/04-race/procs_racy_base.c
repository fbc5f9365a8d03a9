/*
 * procs_racy_base: the given half of procs_racy.c (see procs_racy_base.h).
 */
#include "procs_racy_base.h"

#include "cli.h"
#include "clock.h"
#include "delay.h"
#include "die.h"
#include "primes.h"
#include "record.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const delay_points[] = {"worker", "collect", NULL};

static const char usage[] =
    "Usage: procs_racy [PROCS] [--numbers FILE | --range FIRST LAST] [--delay POINT=US]...\n"
    "Check numbers for primality with PROCS worker processes (default: one per CPU).\n"
    "\n"
    "  --numbers FILE      one number per line; '-' reads standard input\n"
    "  --range FIRST LAST  every number from FIRST to LAST\n"
    "  --primes-only       workers send (and the parent prints) results for primes only\n"
    "  --delay POINT=US    pause US microseconds at a point, to widen a race window:\n"
    "                        worker   a worker, after taking a job, before checking it\n"
    "                        collect  the parent, after reading each result\n"
    "  -h, --help          show this help and exit\n"
    "  -V, --version       show the version and exit\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage or input.\n";

/* Parses the command line into *run (procs, primes_only, numbers). */
static void parse_options(struct racy_run *run, int argc, char *argv[])
{
    static const struct option options[] = {
        NUMLIST_OPTIONS,
        {"primes-only", no_argument, NULL, 'p'},
        {"delay", required_argument, NULL, 'd'},
        CLI_HELP_OPTIONS,
    };
    struct numlist_source source = {0};
    int opt;
    while ((opt = getopt_long(argc, argv, ":hV", options, NULL)) != -1) {
        if (opt == 'p')
            run->primes_only = true;
        else if (opt == 'd')
            delay_option(optarg, delay_points);
        else if (!numlist_option(&source, opt, argc, argv))
            cli_other_option(opt, usage, argv);
    }
    run->procs = cli_count_argument(argc, argv, "PROCS", RACY_MAX_PROCS);
    numlist_from_options(&run->numbers, &source);
}

struct racy_run *racy_start(int argc, char *argv[],
                            void (*worker)(int jobs_fd, int results_fd, bool primes_only))
{
    struct racy_run *run = calloc(1, sizeof *run);
    if (run == NULL)
        die("out of memory");
    parse_options(run, argc, argv);

    int jobs[2], results[2];
    if (pipe(jobs) < 0 || pipe(results) < 0)
        die_errno("pipe");
    int ret = record_queue_jobs(jobs[1], &run->numbers, run->procs);
    if (ret < 0)
        die("cannot queue %zu jobs: %s (try fewer numbers)", run->numbers.count, strerror(-ret));
    if (close(jobs[1]) < 0)
        die_errno("close");

    printf("Checking %zu numbers with %u processes:\n", run->numbers.count, run->procs);
    fflush(stdout); /* or each child would inherit, and print, a copy of this line */
    run->t0 = clock_seconds();
    for (unsigned i = 0; i < run->procs; i++) {
        run->pids[i] = fork();
        if (run->pids[i] < 0)
            die_errno("fork");
        if (run->pids[i] == 0) {
            close(results[0]);
            worker(jobs[0], results[1], run->primes_only);
            _exit(EXIT_FAILURE); /* not reached: a worker leaves with _exit() */
        }
    }
    /* If the parent kept the write end of the result pipe, a read would never see end
     * of file. */
    if (close(results[1]) < 0)
        die_errno("close");
    run->jobs_fd = jobs[0];
    run->results_fd = results[0];
    return run;
}

void racy_check_jobs(int jobs_fd, int results_fd, bool primes_only)
{
    for (;;) {
        struct job job;
        int got = record_read(jobs_fd, &job, sizeof job);
        if (got <= 0)
            _exit(EXIT_FAILURE); /* the parent sends a stop job to each worker */
        if (job.stop)
            return;
        delay_at("worker");
        double t0 = clock_seconds();
        struct result r = {.n = job.n, .prime = primes_is_prime(job.n), .tag = RESULT_NUMBER};
        r.elapsed = clock_seconds() - t0;
        if (primes_only && !r.prime)
            continue;
        if (record_write(results_fd, &r, sizeof r) != 0)
            _exit(EXIT_FAILURE);
    }
}

bool racy_read_result(int results_fd, struct result *r)
{
    int got = record_read(results_fd, r, sizeof *r);
    if (got < 0)
        die_error("read results", got);
    if (got > 0)
        delay_at("collect");
    return got > 0;
}

void racy_print_result(const struct result *r)
{
    printf("%16" PRIu64 " %c %9.6fs\n", r->n, r->prime ? 'P' : ' ', r->elapsed);
    fflush(stdout);
}

int racy_finish(struct racy_run *run, size_t checked)
{
    int status = EXIT_SUCCESS;
    for (unsigned i = 0; i < run->procs; i++) {
        int wstatus;
        if (waitpid(run->pids[i], &wstatus, 0) < 0)
            die_errno("waitpid");
        if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
            warn("worker %d failed", (int)run->pids[i]);
            status = EXIT_FAILURE;
        }
    }
    if (close(run->results_fd) < 0)
        die_errno("close");
    printf("%zu %s in %.2fs\n", checked, run->primes_only ? "primes" : "checks",
           clock_seconds() - run->t0);
    numlist_free(&run->numbers);
    free(run);
    if (fflush(stdout) != 0)
        die_errno("stdout");
    return status;
}
