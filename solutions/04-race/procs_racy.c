/*
 * procs_racy: the process pool of lab 03, with the stop condition the chapter's
 * first procs.py got wrong, and fixed.
 *
 * The parent fills a job pipe with the numbers and one "stop" job per worker, then
 * forks the workers. Each worker takes jobs until it takes a stop job, sending one
 * result per number on the result pipe (with --primes-only, one per prime). The parent
 * prints the results as they come.
 *
 * The question of this file: when has the parent seen every result? Not when the job
 * pipe looks empty: a worker may still be checking its last number, and results may
 * still wait unread in the result pipe. Nor after as many results as numbers: with
 * --primes-only a worker sends nothing for a composite. Only the workers know they are
 * done, so each one says so with a last "done" result, and the parent counts those.
 */
#include "cli.h"
#include "clock.h"
#include "delay.h"
#include "die.h"
#include "numlist.h"
#include "primes.h"
#include "record.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PROCS 256

/* One result on the result pipe. Like a job (record.h), it is a record: smaller than
 * PIPE_BUF and sent with one write, so the workers' results never mix. */
struct result {
    uint64_t n;
    double elapsed;
    uint32_t prime;
    uint32_t done; /* 1: this worker has sent all its results and is exiting */
};

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

/* The body of a worker process: it never returns. With primes_only, it sends a result
 * only for a prime: then nobody but the workers knows how many results will come. */
static noreturn void worker(int jobs_fd, int results_fd, bool primes_only)
{
    for (;;) {
        struct job job;
        int got = record_read(jobs_fd, &job, sizeof job);
        if (got <= 0)
            _exit(EXIT_FAILURE); /* the parent sends a stop job to each worker */
        if (job.stop)
            break;
        delay_at("worker");
        double t0 = clock_seconds();
        struct result r = {.n = job.n, .prime = primes_is_prime(job.n)};
        r.elapsed = clock_seconds() - t0;
        if (primes_only && !r.prime)
            continue;
        if (record_write(results_fd, &r, sizeof r) != 0)
            _exit(EXIT_FAILURE);
    }
    /* Only this worker knows it has sent its last result: say so. */
    struct result done = {.done = 1};
    _exit(record_write(results_fd, &done, sizeof done) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

/* Prints results until every worker has said it is done. Returns how many numbers
 * were checked. */
static size_t report(int results_fd, unsigned procs)
{
    size_t checked = 0;
    unsigned procs_done = 0;
    while (procs_done < procs) {
        struct result r;
        int got = record_read(results_fd, &r, sizeof r);
        if (got < 0)
            die_error("read results", got);
        if (got == 0)
            die("the result pipe closed before every worker said it was done: "
                "did a worker crash?");
        delay_at("collect");
        if (r.done) {
            procs_done++;
            continue;
        }
        checked++;
        printf("%16" PRIu64 " %c %9.6fs\n", r.n, r.prime ? 'P' : ' ', r.elapsed);
        fflush(stdout);
    }
    return checked;
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        {"numbers", required_argument, NULL, 'n'},
        {"range", required_argument, NULL, 'r'},
        {"primes-only", no_argument, NULL, 'p'},
        {"delay", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {0},
    };
    const char *numbers_path = NULL, *range_first = NULL, *range_last = NULL;
    bool primes_only = false;
    int opt;
    while ((opt = getopt_long(argc, argv, ":hV", options, NULL)) != -1) {
        switch (opt) {
        case 'n':
            numbers_path = optarg;
            break;
        case 'r':
            range_first = optarg;
            range_last = optind < argc ? argv[optind++] : NULL;
            break;
        case 'p':
            primes_only = true;
            break;
        case 'd':
            delay_option(optarg, delay_points);
            break;
        case 'h':
            cli_help(usage);
        case 'V':
            cli_version();
        case ':':
            cli_missing_value(argv[optind - 1]);
        default:
            cli_unknown_option(argv[optind - 1]);
        }
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned procs = cpus > 0 ? (unsigned)cpus : 1;
    if (optind < argc)
        procs = (unsigned)cli_u64_option("PROCS", argv[optind++], 1, MAX_PROCS);
    if (optind < argc)
        cli_usage_error("unexpected argument '%s'", argv[optind]);

    struct numlist numbers;
    numlist_from_options(&numbers, numbers_path, range_first, range_last);

    int jobs[2], results[2];
    if (pipe(jobs) < 0 || pipe(results) < 0)
        die_errno("pipe");
    int ret = record_queue_jobs(jobs[1], &numbers, procs);
    if (ret < 0)
        die("cannot queue %zu jobs: %s (try fewer numbers)", numbers.count, strerror(-ret));
    if (close(jobs[1]) < 0)
        die_errno("close");

    printf("Checking %zu numbers with %u processes:\n", numbers.count, procs);
    fflush(stdout); /* or each child would inherit, and print, a copy of this line */
    double t0 = clock_seconds();
    pid_t pids[MAX_PROCS];
    for (unsigned i = 0; i < procs; i++) {
        pids[i] = fork();
        if (pids[i] < 0)
            die_errno("fork");
        if (pids[i] == 0) {
            close(results[0]);
            worker(jobs[0], results[1], primes_only);
        }
    }
    /* Keep only the ends the parent uses: if it kept the write end of the result pipe,
     * a read would never see end of file. */
    if (close(jobs[0]) < 0 || close(results[1]) < 0)
        die_errno("close");

    size_t checked = report(results[0], procs);

    int status = EXIT_SUCCESS;
    for (unsigned i = 0; i < procs; i++) {
        int wstatus;
        if (waitpid(pids[i], &wstatus, 0) < 0)
            die_errno("waitpid");
        if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
            warn("worker %d failed", (int)pids[i]);
            status = EXIT_FAILURE;
        }
    }
    if (close(results[0]) < 0)
        die_errno("close");
    printf("%zu %s in %.2fs\n", checked, primes_only ? "primes" : "checks", clock_seconds() - t0);
    numlist_free(&numbers);
    if (fflush(stdout) != 0)
        die_errno("stdout");
    return status;
}
