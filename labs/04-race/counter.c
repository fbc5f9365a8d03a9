/*
 * counter: count the primes among some numbers with several workers that share one
 * counter (Mastering Concurrency, ch. 14: race conditions).
 *
 * Each worker checks one block of the numbers and adds one to the shared count for
 * each prime it finds. With --procs the workers are processes. The count and its
 * update are tally.c's (the part you write, see tally.h): this file is given.
 */
#include "cli.h"
#include "clock.h"
#include "delay.h"
#include "die.h"
#include "numlist.h"
#include "primes.h"
#include "tally.h"

#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WORKERS 256

/* What one worker does: the numbers at indexes first to end - 1. */
struct slice {
    struct tally *tally;
    const struct numlist *numbers;
    size_t first, end;
};

static const char *const delay_points[] = {"work", "window", NULL};

static const char usage[] =
    "Usage: counter [WORKERS] [--procs] [--numbers FILE | --range FIRST LAST]\n"
    "               [--delay POINT=US]...\n"
    "Count the primes among numbers with WORKERS threads (default: one per CPU) that\n"
    "add to one shared counter.\n"
    "\n"
    "  --procs             use worker processes sharing a MAP_SHARED counter\n"
    "  --numbers FILE      one number per line; '-' reads standard input\n"
    "  --range FIRST LAST  every number from FIRST to LAST (default: 1 to 1000000)\n"
    "  --delay POINT=US    pause US microseconds at a point, to widen a race window:\n"
    "                        work    before checking each number\n"
    "                        window  between reading the count and writing it back\n"
    "  -h, --help          show this help and exit\n"
    "  -V, --version       show the version and exit\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage or input.\n";

static void count_slice(const struct slice *s)
{
    for (size_t i = s->first; i < s->end; i++) {
        delay_at("work");
        if (primes_is_prime(s->numbers->values[i]))
            tally_add_one(s->tally);
    }
}

static void *thread_main(void *arg)
{
    count_slice(arg);
    return NULL;
}

static void run_threads(struct slice *slices, unsigned workers)
{
    pthread_t threads[MAX_WORKERS];
    for (unsigned i = 0; i < workers; i++) {
        int error = pthread_create(&threads[i], NULL, thread_main, &slices[i]);
        if (error != 0)
            die_error("pthread_create", error);
    }
    for (unsigned i = 0; i < workers; i++) {
        int error = pthread_join(threads[i], NULL);
        if (error != 0)
            die_error("pthread_join", error);
    }
}

static void run_processes(struct slice *slices, unsigned workers)
{
    pid_t pids[MAX_WORKERS];
    fflush(stdout); /* or each child would inherit, and print, what is buffered */
    for (unsigned i = 0; i < workers; i++) {
        pids[i] = fork();
        if (pids[i] < 0)
            die_errno("fork");
        if (pids[i] == 0) {
            count_slice(&slices[i]);
            _exit(EXIT_SUCCESS);
        }
    }
    bool failed = false;
    for (unsigned i = 0; i < workers; i++) {
        int status;
        if (waitpid(pids[i], &status, 0) < 0)
            die_errno("waitpid");
        failed = failed || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    if (failed)
        die("a worker process failed");
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        {"procs", no_argument, NULL, 'p'},
        NUMLIST_OPTIONS,
        {"delay", required_argument, NULL, 'd'},
        CLI_HELP_OPTIONS,
    };
    struct numlist_source source = {0};
    bool use_procs = false;
    int opt;
    while ((opt = getopt_long(argc, argv, ":hV", options, NULL)) != -1) {
        if (opt == 'p')
            use_procs = true;
        else if (opt == 'd')
            delay_option(optarg, delay_points);
        else if (!numlist_option(&source, opt, argc, argv))
            cli_other_option(opt, usage, argv);
    }
    unsigned workers = cli_count_argument(argc, argv, "WORKERS", MAX_WORKERS);
    if (source.path == NULL && source.first == NULL)
        source = (struct numlist_source){.first = "1", .last = "1000000"};

    struct numlist numbers;
    numlist_from_options(&numbers, &source);
    struct tally *tally = tally_create();
    struct slice slices[MAX_WORKERS];
    for (unsigned i = 0; i < workers; i++)
        slices[i] = (struct slice){.tally = tally,
                                   .numbers = &numbers,
                                   .first = numbers.count * i / workers,
                                   .end = numbers.count * (i + 1) / workers};

    printf("Counting primes among %zu numbers with %u %s:\n", numbers.count, workers,
           use_procs ? "processes" : "threads");
    double t0 = clock_seconds();
    if (use_procs)
        run_processes(slices, workers);
    else
        run_threads(slices, workers);
    printf("primes: %ld\n", tally_value(tally));
    printf("Total time: %.2fs\n", clock_seconds() - t0);

    tally_destroy(tally);
    numlist_free(&numbers);
    if (fflush(stdout) != 0)
        die_errno("stdout");
    return EXIT_SUCCESS;
}
