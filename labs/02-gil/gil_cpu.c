/*
 * gil_cpu: does CPU-bound work go faster with threads under a GIL?
 *
 * The chapter's countdown experiment. A fixed amount of work (units of "bytecode") runs
 * first in one thread, then split evenly over T threads that each hold the GIL while
 * they compute. It prints both times, their ratio (threads / sequential), the GIL's
 * counters, how many cores were busy on average (CPU time / wall time), and the most
 * threads that ever ran bytecode at the same moment.
 * Under the new or old GIL the ratio stays about 1 or worse; with --mode none the
 * threads run in parallel and the ratio falls towards 1/cores.
 */
#include "cli.h"
#include "clock.h"
#include "die.h"
#include "gil.h"
#include "interp.h"
#include "trace.h"

#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#define MAX_THREADS 64

static const char usage[] =
    "Usage: gil_cpu [--threads T] [--mode new|old|none] [--interval-us N] [--work UNITS]\n"
    "               [--trace FILE]\n"
    "Run CPU-bound work sequentially, then split over T threads under a GIL, and compare.\n"
    "\n"
    "  --threads T        threads sharing the work (1 to 64, default 2)\n"
    "  --mode MODE        new (CPython 3.2+), old (Python 2) or none (default new)\n"
    "  --interval-us N    switch interval of the new GIL in microseconds (default 5000)\n"
    "  --work UNITS       units of work in total, about 1 us each (default 1000000)\n"
    "  --trace FILE       write a timeline of who held the GIL to FILE (Trace Event JSON)\n"
    "  -h, --help         show this help and exit\n"
    "  -V, --version      show the version and exit\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage.\n";

struct worker {
    pthread_t thread;
    struct interp *interp; /* shared by all workers: thread-safe */
    uint64_t units;        /* read-only for the worker */
    uint64_t checksum;     /* written by the worker, read by main after the join */
    char name[16];         /* its track's name in a trace */
};

/* One thread of the experiment: take the GIL, compute, give it back. */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    trace_name_thread(w->name);
    interp_acquire(w->interp);
    w->checksum = interp_run(w->interp, w->units);
    interp_release(w->interp);
    return NULL;
}

/* CPU time (user + system) of the whole process so far, in seconds. */
static double process_cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        die_errno("getrusage");
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Runs `work` units split over `count` threads; returns the wall time in seconds and
 * the average number of busy cores in *busy. */
static double run_threads(struct interp *interp, size_t count, uint64_t work, double *busy)
{
    struct worker workers[MAX_THREADS];
    double cpu_start = process_cpu_seconds();
    double start = clock_seconds();
    for (size_t i = 0; i < count; i++) {
        /* The first threads take one unit more when the work does not divide evenly. */
        workers[i] = (struct worker){
            .interp = interp,
            .units = work / count + (i < work % count ? 1 : 0),
        };
        snprintf(workers[i].name, sizeof workers[i].name, count == 1 ? "sequential" : "cpu %zu",
                 i + 1);
        int error = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
        if (error != 0)
            die_error("pthread_create", error);
    }
    for (size_t i = 0; i < count; i++) {
        int error = pthread_join(workers[i].thread, NULL);
        if (error != 0)
            die_error("pthread_join", error);
    }
    double wall = clock_seconds() - start;
    *busy = (process_cpu_seconds() - cpu_start) / wall;
    return wall;
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        {"threads", required_argument, NULL, 't'},     {"mode", required_argument, NULL, 'm'},
        {"interval-us", required_argument, NULL, 'i'}, {"work", required_argument, NULL, 'w'},
        {"trace", required_argument, NULL, 'T'},       CLI_HELP_OPTIONS,
    };
    uint64_t threads = 2, interval_us = 5000, work = 1000000;
    enum gil_mode mode = GIL_MODE_NEW;
    const char *trace_path = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, ":hV", options, NULL)) != -1) {
        switch (opt) {
        case 't':
            threads = cli_u64_option("--threads", optarg, 1, MAX_THREADS);
            break;
        case 'm':
            if (gil_parse_mode(optarg, &mode) != 0)
                cli_usage_error("--mode: '%s' is not a mode (expected new, old or none)", optarg);
            break;
        case 'i':
            interval_us = cli_u64_option("--interval-us", optarg, 1, 10000000);
            break;
        case 'w':
            work = cli_u64_option("--work", optarg, 1, 1000000000000ULL);
            break;
        case 'T':
            trace_path = optarg;
            break;
        default:
            cli_other_option(opt, usage, argv);
        }
    }
    cli_no_more_arguments(argc, argv);
    int error = trace_path != NULL ? trace_start(trace_path, argc, argv, "gil_cpu") : 0;
    if (error != 0)
        die_error(trace_path, error);

    struct gil gil;
    error = gil_init(&gil, mode, (int64_t)interval_us * CLOCK_NS_PER_US);
    if (error != 0)
        die_error("gil_init", error);
    struct interp interp;
    interp_init(&interp, &gil);

    printf("gil_cpu: %" PRIu64 " units of work, mode %s, interval %" PRIu64 " us\n", work,
           gil_mode_name(mode), interval_us);
    fflush(stdout);
    double busy_sequential, busy_threaded;
    double sequential = run_threads(&interp, 1, work, &busy_sequential);
    printf("sequential:  %8.3f s              cores busy %.2f\n", sequential, busy_sequential);
    fflush(stdout);

    /* Count only what the threaded run does. */
    struct gil_stats before, after;
    gil_get_stats(&gil, &before);
    double threaded = run_threads(&interp, threads, work, &busy_threaded);
    gil_get_stats(&gil, &after);
    printf("%2" PRIu64 " threads:  %8.3f s  ratio %.2f  cores busy %.2f\n", threads, threaded,
           threaded / sequential, busy_threaded);
    printf("switches %" PRIu64 ", drop requests %" PRIu64 ", forced drops %" PRIu64
           ", tick drops %" PRIu64 "\n",
           after.switches - before.switches, after.drop_requests - before.drop_requests,
           after.forced_drops - before.forced_drops, after.tick_drops - before.tick_drops);
    printf("most threads running bytecode at once: %d\n", interp_max_overlap(&interp));

    gil_destroy(&gil);
    if (fflush(stdout) != 0)
        die_errno("stdout");
    return EXIT_SUCCESS;
}
