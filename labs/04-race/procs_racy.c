/*
 * procs_racy: the process pool of lab 03, with the stop condition that the chapter's
 * first procs.py got wrong.
 *
 * The parent fills a job pipe with the numbers and one "stop" job per worker, then
 * forks the workers. Each worker takes jobs until it takes a stop job, sending one
 * result per number on the result pipe (with --primes-only, one per prime). The parent
 * prints the results as they come.
 *
 * This is the first procs.py of the chapter, in C: the parent stops collecting when the
 * job pipe holds no more bytes. That stop condition is a race (run it a few times with
 * --delay, see README.md).
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
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PROCS 256

/* One result on the result pipe. Like a job (record.h), it is a record: smaller than
 * PIPE_BUF and sent with one write, so the workers' results never mix. */
struct result {
    uint64_t n;
    double elapsed;
    uint32_t prime;
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
    /* TODO(lab 04, part A): when a worker leaves this loop, it knows something the
     * parent needs and cannot see for itself. What is it? Concept: who can tell that
     * the work is finished. */
    _exit(EXIT_SUCCESS);
}

/* How many bytes wait unread in the pipe `fd`. */
static int pipe_bytes(int fd)
{
    int bytes;
    if (ioctl(fd, FIONREAD, &bytes) < 0)
        die_errno("ioctl FIONREAD");
    return bytes;
}

/* Prints results until the job pipe is empty. Returns how many numbers were checked. */
static size_t report(int results_fd, int jobs_fd)
{
    size_t checked = 0;
    /* TODO(lab 04, part A): "no job left in the pipe" is taken to mean "every result
     * is in". Find the interleavings where it is false, in both directions: results
     * lost, and a wait for a result that never comes. Then stop on a condition that
     * cannot race. Concept: a race condition on a check-then-act. */
    while (pipe_bytes(jobs_fd) > 0) {
        struct result r;
        int got = record_read(results_fd, &r, sizeof r);
        if (got < 0)
            die_error("read results", got);
        if (got == 0)
            die("the result pipe closed while the parent waited for one more result: "
                "every worker had already exited");
        delay_at("collect");
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
     * a read would never see end of file. It keeps the read end of the job pipe, to
     * look at how many jobs are left. */
    if (close(results[1]) < 0)
        die_errno("close");

    size_t checked = report(results[0], jobs[0]);
    if (close(jobs[0]) < 0)
        die_errno("close");

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
