/*
 * pool: what the process pool and the thread pool of lab 03 have in common.
 *
 * A job is one number to check; a result is the answer plus who computed it and when.
 * Both are small fixed-size records, so a whole record fits in one pipe write of at
 * most PIPE_BUF bytes (which the kernel never interleaves with another writer's) or
 * in one slot of a thread queue. Sequence number 0 is special both ways: a job with
 * seq 0 is the poison pill that tells a worker to stop, and a result with seq 0 is the
 * sentinel a worker posts just before it exits.
 *
 * This module also parses the shared command line (and holds the three programs' --help)
 * and prints the chapter's lines.
 * Everything here is for one thread at a time unless said otherwise.
 */
#ifndef CONCLAB_POOL_H
#define CONCLAB_POOL_H

#include "numlist.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Accepted values of the worker count N. */
#define POOL_MIN_WORKERS 1
#define POOL_MAX_WORKERS 1024

/* The seq of the poison pill (in a job) and of the sentinel (in a result). */
#define POOL_POISON_PILL 0
#define POOL_SENTINEL    0

/* Names the number whose check makes its worker crash (a test hook, see
 * pool_crash_hook()); the second, if set, makes it leave with that exit status instead
 * of dying of SIGSEGV. */
#define POOL_CRASH_ENV        "CONCLAB_CRASH_ON"
#define POOL_CRASH_STATUS_ENV "CONCLAB_CRASH_STATUS"

struct pool_job {
    uint64_t seq; /* 1 + index of the number in the list; POOL_POISON_PILL to stop */
    uint64_t n;   /* the number to check */
};

struct pool_result {
    uint64_t seq;     /* the job's seq; POOL_SENTINEL when the worker is done */
    uint64_t n;       /* the number checked */
    int64_t start_ns; /* clock_now_ns() when the check started and ended: the clock */
    int64_t end_ns;   /* is system-wide, so times from different processes compare */
    int32_t worker;   /* who checked it: a process id, or a thread id (gettid) */
    uint8_t prime;    /* 1 if n is prime */
};

/* The order in which the jobs are handed out (see order.h). */
enum pool_order {
    POOL_ORDER_INPUT,         /* as given: the chapter's way */
    POOL_ORDER_LARGEST_FIRST, /* --largest-first: the costliest checks first */
    POOL_ORDER_BALANCED,      /* --balanced: planned so that the workers finish together */
};

/* The command line of procs and threads, parsed. */
struct pool_options {
    unsigned workers;       /* N: 1..POOL_MAX_WORKERS, default the online CPUs */
    struct numlist numbers; /* owned: release with numlist_free() */
    bool timeline;          /* --timeline: print when each check started and ended */
    enum pool_order order;  /* --largest-first or --balanced; input order by default */
    const char *gil_mode;   /* --gil[=MODE] (threads only): NULL when absent */
};

/* The --help texts of procs and threads. */
extern const char pool_procs_usage[];
extern const char pool_threads_usage[];

/* Parses argv for a pool program (`allow_gil`: whether --gil is accepted) into *opts.
 * --help prints `usage` and exits 0, --version exits 0; bad usage or input prints one
 * line and exits 2. For main() only. It also registers an exit handler (atexit) that,
 * with --gil, prints on stderr how many threads ever computed at once (the watch of
 * primes_is_prime_with_pauses(), primes.h), and that complains on stderr if it runs in
 * a forked child: a child must leave with _exit(). With --trace FILE it starts the
 * trace (lib/trace.h) before it returns (or exits 1 if FILE cannot be written), so call
 * it before any thread or worker starts: the given modules then mark what the pool
 * does, and FILE is written at exit. */
void pool_parse_options(int argc, char *argv[], const char *usage, bool allow_gil,
                        struct pool_options *opts);

/* Parses argv for sequential, which takes --numbers or --range only, and returns what
 * they name, for numlist_from_options() (numlist.h). --help prints sequential's usage
 * and exits 0, --version exits 0; bad usage prints one line and exits 2. For main()
 * only. */
struct numlist_source pool_parse_sequential_options(int argc, char *argv[]);

/* Prints one result line in the chapter's format, then the worker:
 *     "             142702110479723 P  0.018312s  worker 4242"
 * With `timeline`, appends " from S to E": the start and end of the check in
 * seconds after `t0_ns`. Returns what fprintf() returns. */
int pool_print_result(FILE *out, const struct pool_result *result, bool timeline, int64_t t0_ns);

/* Prints the error line for a number whose worker died while checking it:
 *     "            3333333333333301 error: worker 4242 killed by signal 11 (...)"
 * `status` is the wait status of the worker (as waitpid() returns it). */
int pool_print_crash(FILE *out, uint64_t n, pid_t worker, int status);

/* The test hook: if the environment variable POOL_CRASH_ENV names `n`, the calling
 * process dies of SIGSEGV (without a core file), after a "crash" mark in the trace; or,
 * if POOL_CRASH_STATUS_ENV names a status from 1 to 255, it calls _exit() with it: a
 * worker that ends without its sentinel has died, however it ended.
 * Call it in a worker process, just before checking n. Does nothing otherwise. Not
 * thread-safe on first call. */
void pool_crash_hook(uint64_t n);

#endif
