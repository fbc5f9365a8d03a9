/*
 * gil_io: the convoy effect. How long does an I/O-bound thread wait for the GIL?
 *
 * One I/O thread does K iterations of "sleep 1 ms" (a blocking call that releases the
 * GIL) while C CPU-bound threads compute under the GIL. Each iteration is timed from the
 * start of the sleep until the thread holds the GIL again; the program prints the median,
 * the 99th percentile and the maximum. With no CPU thread an iteration takes about the
 * sleep; with one, under the new GIL, the I/O thread waits a whole switch interval before
 * its drop request makes the CPU thread let go: about sleep + interval.
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
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_CPU_THREADS 64
/* Units a CPU thread runs between two looks at the stop flag. */
#define CPU_CHUNK_UNITS 100

static const char usage[] =
    "Usage: gil_io [--cpu-threads C] [--iterations K] [--sleep-us N] [--mode new|old|none]\n"
    "              [--interval-us N] [--trace FILE]\n"
    "Time an I/O thread's sleeps while CPU-bound threads hold the GIL (the convoy effect).\n"
    "\n"
    "  --cpu-threads C    CPU-bound threads (0 to 64, default 1)\n"
    "  --iterations K     sleeps of the I/O thread (1 to 1000000, default 200)\n"
    "  --sleep-us N       length of one sleep in microseconds (default 1000)\n"
    "  --mode MODE        new (CPython 3.2+), old (Python 2) or none (default new)\n"
    "  --interval-us N    switch interval of the new GIL in microseconds (default 5000)\n"
    "  --trace FILE       write a timeline of who held the GIL to FILE (Trace Event JSON)\n"
    "  -h, --help         show this help and exit\n"
    "  -V, --version      show the version and exit\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage.\n";

struct experiment {
    struct interp interp; /* thread-safe */
    atomic_bool stop;     /* set by main once the I/O thread is done */
    uint64_t iterations;  /* read-only after start */
    int64_t sleep_ns;     /* read-only after start */
    int64_t *latency_ns;  /* written by the I/O thread only, read by main after join */
    int sleep_error;      /* I/O thread, read by main after join */
};

static void *cpu_main(void *arg)
{
    struct experiment *e = arg;
    trace_name_thread("cpu");
    interp_acquire(&e->interp);
    while (!atomic_load(&e->stop))
        interp_run(&e->interp, CPU_CHUNK_UNITS);
    interp_release(&e->interp);
    return NULL;
}

static void *io_main(void *arg)
{
    struct experiment *e = arg;
    trace_name_thread("io");
    interp_acquire(&e->interp);
    for (uint64_t i = 0; i < e->iterations; i++) {
        int64_t start = clock_now_ns();
        int ret = interp_blocking_sleep(&e->interp, e->sleep_ns);
        e->latency_ns[i] = clock_now_ns() - start;
        if (ret != 0) {
            e->sleep_error = ret;
            break;
        }
        /* A few bytecodes of work with the result, as a real I/O loop would do. */
        interp_run(&e->interp, 1);
    }
    interp_release(&e->interp);
    return NULL;
}

static int compare_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of sorted values, nearest rank. */
static double quantile_ms(const int64_t *sorted, uint64_t count, double q)
{
    uint64_t rank = (uint64_t)(q * (double)count + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > count)
        rank = count;
    return (double)sorted[rank - 1] / CLOCK_NS_PER_MS;
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        {"cpu-threads", required_argument, NULL, 'c'},
        {"iterations", required_argument, NULL, 'k'},
        {"sleep-us", required_argument, NULL, 's'},
        {"mode", required_argument, NULL, 'm'},
        {"interval-us", required_argument, NULL, 'i'},
        {"trace", required_argument, NULL, 'T'},
        CLI_HELP_OPTIONS,
    };
    uint64_t cpu_threads = 1, iterations = 200, sleep_us = 1000, interval_us = 5000;
    enum gil_mode mode = GIL_MODE_NEW;
    const char *trace_path = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, ":hV", options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            cpu_threads = cli_u64_option("--cpu-threads", optarg, 0, MAX_CPU_THREADS);
            break;
        case 'k':
            iterations = cli_u64_option("--iterations", optarg, 1, 1000000);
            break;
        case 's':
            sleep_us = cli_u64_option("--sleep-us", optarg, 0, 10000000);
            break;
        case 'm':
            if (gil_parse_mode(optarg, &mode) != 0)
                cli_usage_error("--mode: '%s' is not a mode (expected new, old or none)", optarg);
            break;
        case 'i':
            interval_us = cli_u64_option("--interval-us", optarg, 1, 10000000);
            break;
        case 'T':
            trace_path = optarg;
            break;
        default:
            cli_other_option(opt, usage, argv);
        }
    }
    cli_no_more_arguments(argc, argv);
    int error = trace_path != NULL ? trace_start(trace_path, argc, argv, "gil_io") : 0;
    if (error != 0)
        die_error(trace_path, error);

    struct gil gil;
    error = gil_init(&gil, mode, (int64_t)interval_us * CLOCK_NS_PER_US);
    if (error != 0)
        die_error("gil_init", error);
    struct experiment e = {.iterations = iterations, .sleep_ns = sleep_us * CLOCK_NS_PER_US};
    interp_init(&e.interp, &gil);
    atomic_init(&e.stop, false);
    e.latency_ns = calloc(iterations, sizeof *e.latency_ns);
    if (e.latency_ns == NULL)
        die("out of memory for %" PRIu64 " latencies", iterations);

    printf("gil_io: 1 I/O thread sleeping %" PRIu64 " us x %" PRIu64 ", %" PRIu64
           " CPU threads, mode %s, interval %" PRIu64 " us\n",
           sleep_us, iterations, cpu_threads, gil_mode_name(mode), interval_us);
    fflush(stdout);

    pthread_t cpu[MAX_CPU_THREADS], io;
    for (uint64_t i = 0; i < cpu_threads; i++) {
        error = pthread_create(&cpu[i], NULL, cpu_main, &e);
        if (error != 0)
            die_error("pthread_create", error);
    }
    /* Let the CPU threads take the GIL first, as in a program already busy computing. */
    clock_sleep_ns(cpu_threads > 0 ? 20 * CLOCK_NS_PER_MS : 0);
    error = pthread_create(&io, NULL, io_main, &e);
    if (error != 0)
        die_error("pthread_create", error);
    error = pthread_join(io, NULL);
    if (error != 0)
        die_error("pthread_join", error);
    atomic_store(&e.stop, true);
    for (uint64_t i = 0; i < cpu_threads; i++) {
        error = pthread_join(cpu[i], NULL);
        if (error != 0)
            die_error("pthread_join", error);
    }
    if (e.sleep_error != 0)
        die_error("clock_nanosleep", -e.sleep_error);

    struct gil_stats stats;
    gil_get_stats(&gil, &stats);
    qsort(e.latency_ns, iterations, sizeof *e.latency_ns, compare_i64);
    printf("I/O iteration latency: median %.3f ms  p99 %.3f ms  max %.3f ms\n",
           quantile_ms(e.latency_ns, iterations, 0.5), quantile_ms(e.latency_ns, iterations, 0.99),
           quantile_ms(e.latency_ns, iterations, 1.0));
    printf("switches %" PRIu64 ", drop requests %" PRIu64 ", forced drops %" PRIu64
           ", tick drops %" PRIu64 "\n",
           stats.switches, stats.drop_requests, stats.forced_drops, stats.tick_drops);
    printf("most threads running bytecode at once: %d\n", interp_max_overlap(&e.interp));

    free(e.latency_ns);
    gil_destroy(&gil);
    if (fflush(stdout) != 0)
        die_errno("stdout");
    return EXIT_SUCCESS;
}
