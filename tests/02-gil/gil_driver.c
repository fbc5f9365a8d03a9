/*
 * gil_driver: runs the student's GIL for the graded tests of lab 02, parts A to C.
 *
 * The tests (gil_test.c) hold no student code: they start this program, built from the
 * student's gil.c and the given modules, send it commands on stdin and judge what it
 * prints. It only runs threads and reports what it saw; every verdict is the test's.
 * Times are nanoseconds of CLOCK_MONOTONIC since the driver started, each taken in the
 * thread it is about: a holder's "released" just before it calls gil_release, a
 * waiter's "requested" just before it calls gil_acquire and "acquired" just after.
 * Work is units of "bytecode" (interp_unit, or interp_run: the given eval loop, which
 * also counts how many threads ever ran a unit at once). Each report is one line.
 *
 *   hammer MODE T INTERVAL_US CHECK MAX SECTION RUN_MS
 *       T threads, from a barrier: acquire, SECTION x (eval breaker, one unit that also
 *       increments a plain shared counter), release; until MAX units or RUN_MS.
 *       "hammer-thread K units N times S E S E ..." (each unit's start and end), then
 *       "hammer counter C switches S"
 *   wake MODE INTERVAL_US HOLD_MS HOW
 *       the driver takes the GIL, starts a waiter, and once it is about to acquire,
 *       holds the GIL HOLD_MS more (HOW: sleep, or work: units and eval breakers, with
 *       no tick drop in old mode, or poke: sleeping 1 ms at a time and broadcasting
 *       `cond` in between, under the mutex, a wake-up that changes nothing): "wake
 *       requested R released L acquired A early E requests D forced F" (E: the waiter
 *       held the GIL before the release), or "wake stuck" (3 s)
 *   drop-early INTERVAL_US HOLD_MS       (new GIL) the same, holding by sleeping:
 *       "drop-early requested R released L acquired A requests D forced F"
 *   drop-cpu INTERVAL_US GIVEUP_MS       (new GIL) the holder runs units and eval
 *       breakers until the waiter has the GIL, or GIVEUP_MS:
 *       "drop-cpu requested R acquired A got G requests D forced F"
 *   handover INTERVAL_US TRIALS          drop-cpu TRIALS times on one GIL (2 s each, up
 *       to the first that fails): "handover got G forced F requests D"
 *   compete INTERVAL_US RUN_MS           two CPU-bound threads (interp_run, one unit at
 *       a time) from a barrier: "compete-thread K turns N max-gap G" (turns: times it
 *       ran a unit after the other one did; gap: longest time between two of its
 *       units), then "compete overlap O requests D forced F"
 *   relay INTERVAL_US GIVEUP_MS         (new GIL) three threads: the driver takes the
 *       GIL and starts two waiters; it holds the GIL (sleeping, no eval breaker) until
 *       a drop request, then 2.5 intervals more, and releases it (forced). The waiter
 *       that takes it runs units and eval breakers until the other has had the GIL, or
 *       GIVEUP_MS: "relay released L first-acquired A second-acquired B got G asked D
 *       requests T forced F" (D: drop requests counted when the second took the GIL)
 *   hold-still INTERVAL_US WAITERS       (new GIL) the driver takes the GIL and starts
 *       the waiters: "waiter K tid T", then "holding"; it holds the GIL, never calling
 *       the eval breaker, until the command "release": "hold-still released L early E"
 *       (E: a waiter had the GIL before the release), then "waiter K acquired A" (or
 *       "hold-still stuck")
 *   io T SLEEP_MS UNITS INTERVAL_US      (new GIL) T threads from a barrier: acquire,
 *       interp_run(UNITS), interp_blocking_sleep(SLEEP_MS), interp_run(UNITS), release:
 *       "io-thread K ret R before B after A" (around the blocking call), then
 *       "io overlap O switches S"
 *   ticks CHECK CALLS                    (old GIL) one thread: acquire, CALLS eval
 *       breakers, release: "ticks drops T requests D forced F switches S"
 *   old-handover CHECK GIVEUP_MS         (old GIL) a holder runs interp_run (so only
 *       tick drops can let the GIL go) until a waiter has it, or GIVEUP_MS; both on one
 *       core, the holder at the lowest priority (if the system allows):
 *       "old-handover got G acquired A released L ticks T overlap O pinned P niced N"
 *   forced-release INTERVAL_US TRIALS    (new GIL) per trial: the driver holds the GIL
 *       (sleeping) until a waiter has raised a drop request, releases it, and at once
 *       asks for it again; the waiter runs a few units and releases:
 *       "forced-release trial K pending P forced F released L returned R
 *        reacquired Q waiter-requested W waiter-acquired A waiter-done D" (F: forced
 *        drops counted by the release); it stops after a trial with no request, then
 *       "forced-release forced F requests D"
 *   spurious-forced INTERVAL_US POKE_MS  (new GIL) a holder thread takes the GIL; a
 *       waiter asks for it until it has raised a drop request, and is then frozen (a
 *       signal handler that blocks it until the driver lets it go), not holding the
 *       mutex; the holder calls gil_release (forced: a request is pending) while the
 *       driver broadcasts `switch_cond` every ms for POKE_MS (wake-ups with no switch),
 *       after 10 ms without, then lets the waiter go: "spurious-forced clean C requests
 *       D returned-unpoked U returned-early E released L returned R waiter-acquired A"
 *       (C: the waiter was frozen without the mutex, so the check means something; U,
 *       E: gil_release had returned before the first broadcast, before the waiter was
 *       let go)
 *   tsan-release INTERVAL_US TRIALS      (new GIL) per trial a holder sleeps 10
 *       intervals (no eval breaker, no lock) while a waiter raises a drop request,
 *       then calls gil_release: "tsan-release forced F requests D"
 *   tsan-stats MODE THREADS CHECK RUN_MS  THREADS threads acquire, run 1 to 20 units
 *       of interp_run, release, again, while another thread reads gil_get_stats all
 *       the time: "tsan-stats switches S requests D forced F ticks T overlap O"
 *   tsan-ticks CHECK ROUNDS              (old GIL) ROUNDS times: a holder pinned to one
 *       core at the lowest priority runs the eval loop until a waiter on that core,
 *       woken by a tick drop, has the GIL and has read gil_get_stats:
 *       "tsan-ticks got G ticks T pinned P niced N"
 * A command still running after 12 s is reported as "<command> stuck" (so is a thread
 * that a scenario cannot join), and the driver ends. A command it cannot parse ends it
 * with status 2.
 */
#include "clock.h"
#include "gil.h"
#include "interp.h"

#include "driver_io.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MS CLOCK_NS_PER_MS

static int64_t base_ns; /* the driver's time zero: every reported time is after it */

static int64_t now_ns(void)
{
    return clock_now_ns() - base_ns;
}

static void start_thread(pthread_t *thread, void *(*fn)(void *), void *arg)
{
    int error = pthread_create(thread, NULL, fn, arg);
    if (error != 0) {
        report("thread-failed %s", strerror(error));
        exit(1);
    }
}

/* Joins thread within seconds; if it is still blocked, reports "<what> stuck" and ends
 * the driver (a thread blocked for good: nothing more to learn). */
static void join_or_stuck(pthread_t thread, double seconds, const char *what)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    int64_t ns = (int64_t)(seconds * 1e9) + deadline.tv_nsec;
    deadline.tv_sec += (time_t)(ns / CLOCK_NS_PER_S);
    deadline.tv_nsec = (long)(ns % CLOCK_NS_PER_S);
    if (pthread_timedjoin_np(thread, NULL, &deadline) != 0) {
        report("%s stuck", what);
        _exit(0);
    }
}

static void init_gil(struct gil *gil, enum gil_mode mode, int64_t interval_ns)
{
    int error = gil_init(gil, mode, interval_ns);
    if (error != 0) {
        report("init-failed %d", error);
        exit(1);
    }
}

/* Waits until *flag is true or timeout_ns passed; returns the flag. */
static bool wait_for_flag(atomic_bool *flag, int64_t timeout_ns)
{
    int64_t deadline = now_ns() + timeout_ns;
    while (!atomic_load(flag) && now_ns() < deadline)
        clock_sleep_ns(200 * CLOCK_NS_PER_US);
    return atomic_load(flag);
}

static void burn_unit(uint64_t seed)
{
    volatile uint64_t sink = interp_unit(seed);
    (void)sink;
}

/* ------------------------------------------------------------ a waiter */

struct waiter {
    struct gil *gil;
    struct interp *interp; /* for work_units */
    uint64_t work_units;   /* units to run (interp_run) while holding the GIL */
    atomic_bool requested, acquired;
    int64_t requested_ns, acquired_ns, done_ns;
    pid_t tid;
};

static void waiter_init(struct waiter *w, struct gil *gil)
{
    *w = (struct waiter){.gil = gil};
    atomic_init(&w->requested, false);
    atomic_init(&w->acquired, false);
}

static void *waiter_main(void *arg)
{
    struct waiter *w = arg;
    w->tid = gettid();
    w->requested_ns = now_ns();
    atomic_store(&w->requested, true);
    gil_acquire(w->gil);
    w->acquired_ns = now_ns();
    atomic_store(&w->acquired, true);
    if (w->work_units > 0)
        interp_run(w->interp, w->work_units);
    w->done_ns = now_ns();
    gil_release(w->gil);
    return NULL;
}

/* Starts a waiter and returns once it is about to call gil_acquire. */
static void start_waiter(pthread_t *thread, struct waiter *w)
{
    start_thread(thread, waiter_main, w);
    if (!wait_for_flag(&w->requested, 5000 * MS)) {
        report("waiter-not-started");
        exit(1);
    }
}

/* ------------------------------------------------------------ hammer */

struct hammer {
    struct gil *gil;
    pthread_barrier_t *start;
    long *counter; /* plain long: only the GIL protects it */
    int max_units, section;
    int64_t run_ns;
    int units;      /* units this thread ran */
    int64_t *times; /* start and end of each unit */
};

static void *hammer_main(void *arg)
{
    struct hammer *h = arg;
    pthread_barrier_wait(h->start);
    int64_t deadline = now_ns() + h->run_ns;
    while (h->units < h->max_units && now_ns() < deadline) {
        gil_acquire(h->gil);
        for (int i = 0; i < h->section && h->units < h->max_units; i++) {
            gil_eval_breaker(h->gil);
            int64_t start = now_ns();
            burn_unit((uint64_t)start);
            long seen = *h->counter;
            *h->counter = seen + 1;
            h->times[2 * h->units] = start;
            h->times[2 * h->units + 1] = now_ns();
            h->units++;
        }
        gil_release(h->gil);
    }
    return NULL;
}

static void hammer(char *args)
{
    char mode_name[16];
    int threads = 0, max_units = 0, section = 0, run_ms = 0;
    long long interval_us = 0, check = 0;
    enum gil_mode mode = GIL_MODE_NEW;
    if (sscanf(args, "%15s %d %lld %lld %d %d %d", mode_name, &threads, &interval_us, &check,
               &max_units, &section, &run_ms) != 7 ||
        gil_parse_mode(mode_name, &mode) != 0 || threads < 1 || threads > 64 || max_units < 1 ||
        max_units > 100000 || section < 1 || check < 1)
        usage_error(args);
    struct gil gil;
    init_gil(&gil, mode, interval_us * CLOCK_NS_PER_US);
    gil_set_check_interval(&gil, (uint64_t)check);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    long counter = 0;
    struct hammer *h = calloc((size_t)threads, sizeof *h);
    pthread_t *t = calloc((size_t)threads, sizeof *t);
    if (h == NULL || t == NULL)
        exit(1);
    for (int i = 0; i < threads; i++) {
        h[i] = (struct hammer){.gil = &gil,
                               .start = &start,
                               .counter = &counter,
                               .max_units = max_units,
                               .section = section,
                               .run_ns = run_ms * MS,
                               .times = calloc(2 * (size_t)max_units, sizeof(int64_t))};
        if (h[i].times == NULL)
            exit(1);
        start_thread(&t[i], hammer_main, &h[i]);
    }
    for (int i = 0; i < threads; i++)
        join_or_stuck(t[i], run_ms / 1000.0 + 5, "hammer");
    for (int i = 0; i < threads; i++) {
        char *line = malloc((size_t)h[i].units * 2 * 22 + 64);
        if (line == NULL)
            exit(1);
        size_t len = (size_t)sprintf(line, "hammer-thread %d units %d times", i + 1, h[i].units);
        for (int k = 0; k < 2 * h[i].units; k++)
            len += (size_t)sprintf(line + len, " %" PRId64, h[i].times[k]);
        report("%s", line);
        free(line);
        free(h[i].times);
    }
    struct gil_stats stats;
    gil_get_stats(&gil, &stats);
    report("hammer counter %ld switches %" PRIu64, counter, stats.switches);
    free(h);
    free(t);
    pthread_barrier_destroy(&start);
    gil_destroy(&gil);
}

/* ------------------------------------------------------------ wake and drop-early */

/* Wakes every thread waiting on cond without changing anything: what a spurious
 * wake-up (which POSIX allows) looks like to the waiters. */
static void poke(struct gil *gil, pthread_cond_t *cond)
{
    pthread_mutex_lock(&gil->mutex);
    pthread_cond_broadcast(cond);
    pthread_mutex_unlock(&gil->mutex);
}

enum hold_how { HOLD_SLEEP, HOLD_WORK, HOLD_POKE };

/* Holds the GIL for hold_ns: sleeping, working (units and eval breakers), or sleeping
 * 1 ms at a time and poking `cond` in between. */
static void hold_for(struct gil *gil, int64_t hold_ns, enum hold_how how)
{
    int64_t end = now_ns() + hold_ns;
    uint64_t seed = 1;
    while (now_ns() < end) {
        if (how == HOLD_WORK) {
            gil_eval_breaker(gil);
            burn_unit(seed++);
        } else if (how == HOLD_POKE) {
            clock_sleep_ns(MS < end - now_ns() ? MS : end - now_ns());
            poke(gil, &gil->cond);
        } else {
            clock_sleep_ns(end - now_ns());
        }
    }
}

static void wake(char *args)
{
    char mode_name[16], how[16];
    long long interval_us = 0;
    int hold_ms = 0;
    enum gil_mode mode = GIL_MODE_NEW;
    if (sscanf(args, "%15s %lld %d %15s", mode_name, &interval_us, &hold_ms, how) != 4 ||
        gil_parse_mode(mode_name, &mode) != 0 ||
        (strcmp(how, "sleep") && strcmp(how, "work") && strcmp(how, "poke")))
        usage_error(args);
    struct gil gil;
    init_gil(&gil, mode, interval_us * CLOCK_NS_PER_US);
    gil_set_check_interval(&gil, UINT64_MAX); /* working: no tick drop */
    gil_acquire(&gil);
    struct waiter w;
    waiter_init(&w, &gil);
    pthread_t thread;
    start_waiter(&thread, &w);
    hold_for(&gil, hold_ms * MS,
             strcmp(how, "work") == 0   ? HOLD_WORK
             : strcmp(how, "poke") == 0 ? HOLD_POKE
                                        : HOLD_SLEEP);
    bool early = atomic_load(&w.acquired);
    int64_t released = now_ns();
    gil_release(&gil);
    join_or_stuck(thread, 3, "wake");
    struct gil_stats stats;
    gil_get_stats(&gil, &stats);
    report("wake requested %" PRId64 " released %" PRId64 " acquired %" PRId64
           " early %d requests %" PRIu64 " forced %" PRIu64,
           w.requested_ns, released, w.acquired_ns, early, stats.drop_requests, stats.forced_drops);
    gil_destroy(&gil);
}

static void drop_early(char *args)
{
    long long interval_us = 0;
    int hold_ms = 0;
    if (sscanf(args, "%lld %d", &interval_us, &hold_ms) != 2)
        usage_error(args);
    struct gil gil;
    init_gil(&gil, GIL_MODE_NEW, interval_us * CLOCK_NS_PER_US);
    gil_acquire(&gil);
    struct waiter w;
    waiter_init(&w, &gil);
    pthread_t thread;
    start_waiter(&thread, &w);
    hold_for(&gil, hold_ms * MS, HOLD_SLEEP);
    int64_t released = now_ns();
    gil_release(&gil);
    join_or_stuck(thread, 3, "drop-early");
    struct gil_stats stats;
    gil_get_stats(&gil, &stats);
    report("drop-early requested %" PRId64 " released %" PRId64 " acquired %" PRId64
           " requests %" PRIu64 " forced %" PRIu64,
           w.requested_ns, released, w.acquired_ns, stats.drop_requests, stats.forced_drops);
    gil_destroy(&gil);
}

/* ------------------------------------------------------------ a CPU-bound holder */

/* The calling thread holds the GIL: it runs units and eval breakers until the waiter
 * has had the GIL or give_up_ns passed, then releases. Returns whether it got it. */
static bool hold_busy_until_taken(struct gil *gil, struct waiter *w, int64_t give_up_ns)
{
    int64_t give_up = now_ns() + give_up_ns;
    uint64_t seed = 1;
    while (!atomic_load(&w->acquired) && now_ns() < give_up) {
        gil_eval_breaker(gil);
        burn_unit(seed++);
    }
    bool got = atomic_load(&w->acquired);
    gil_release(gil);
    return got;
}

static void drop_cpu(char *args)
{
    long long interval_us = 0;
    int give_up_ms = 0;
    if (sscanf(args, "%lld %d", &interval_us, &give_up_ms) != 2)
        usage_error(args);
    struct gil gil;
    init_gil(&gil, GIL_MODE_NEW, interval_us * CLOCK_NS_PER_US);
    gil_acquire(&gil);
    struct waiter w;
    waiter_init(&w, &gil);
    pthread_t thread;
    start_thread(&thread, waiter_main, &w);
    bool got = hold_busy_until_taken(&gil, &w, give_up_ms * MS);
    join_or_stuck(thread, 3, "drop-cpu");
    struct gil_stats stats;
    gil_get_stats(&gil, &stats);
    report("drop-cpu requested %" PRId64 " acquired %" PRId64 " got %d requests %" PRIu64
           " forced %" PRIu64,
           w.requested_ns, w.acquired_ns, got, stats.drop_requests, stats.forced_drops);
    gil_destroy(&gil);
}

static void handover(char *args)
{
    long long interval_us = 0;
    int trials = 0;
    if (sscanf(args, "%lld %d", &interval_us, &trials) != 2 || trials < 1)
        usage_error(args);
    struct gil gil;
    init_gil(&gil, GIL_MODE_NEW, interval_us * CLOCK_NS_PER_US);
    int got = 0;
    for (int i = 0; i < trials; i++) {
        gil_acquire(&gil);
        struct waiter w;
        waiter_init(&w, &gil);
        pthread_t thread;
        start_thread(&thread, waiter_main, &w);
        bool taken = hold_busy_until_taken(&gil, &w, 2000 * MS);
        join_or_stuck(thread, 3, "handover");
        if (!taken)
            break; /* the GIL does not hand over: one failure says it all */
        got++;
    }
    struct gil_stats stats;
    gil_get_stats(&gil, &stats);
    report("handover got %d forced %" PRIu64 " requests %" PRIu64, got, stats.forced_drops,
           stats.drop_requests);
    gil_destroy(&gil);
}

/* ------------------------------------------------------------ two CPU-bound threads */

struct competitor {
    struct interp *interp;
    pthread_barrier_t *start;
    atomic_int *last_runner; /* id of the thread that ran the previous unit */
    int id;
    int64_t run_ns;
    long turns;
    int64_t max_gap_ns;
};

static void *competitor_main(void *arg)
{
    struct competitor *c = arg;
    pthread_barrier_wait(c->start);
    int64_t end = now_ns() + c->run_ns;
    gil_acquire(c->interp->gil);
    int64_t last = now_ns();
    for (;;) {
        if (atomic_exchange(c->last_runner, c->id) != c->id)
            c->turns++;
        interp_run(c->interp, 1); /* the eval breaker, then one unit */
        int64_t now = now_ns();
        if (now - last > c->max_gap_ns)
            c->max_gap_ns = now - last;
        last = now;
        if (now >= end)
            break;
    }
    gil_release(c->interp->gil);
    return NULL;
}

static void compete(char *args)
{
    long long interval_us = 0;
    int run_ms = 0;
    if (sscanf(args, "%lld %d", &interval_us, &run_ms) != 2)
        usage_error(args);
    struct gil gil;
    init_gil(&gil, GIL_MODE_NEW, interval_us * CLOCK_NS_PER_US);
    struct interp interp;
    interp_init(&interp, &gil);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, 2);
    atomic_int last_runner = 0;
    struct competitor c[2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        c[i] = (struct competitor){.interp = &interp,
                                   .start = &start,
                                   .last_runner = &last_runner,
                                   .id = i + 1,
                                   .run_ns = run_ms * MS};
        start_thread(&t[i], competitor_main, &c[i]);
    }
    for (int i = 0; i < 2; i++)
        join_or_stuck(t[i], run_ms / 1000.0 + 5, "compete");
    for (int i = 0; i < 2; i++)
        report("compete-thread %d turns %ld max-gap %" PRId64, i + 1, c[i].turns, c[i].max_gap_ns);
    struct gil_stats stats;
    gil_get_stats(&gil, &stats);
    report("compete overlap %d requests %" PRIu64 " forced %" PRIu64, interp_max_overlap(&interp),
           stats.drop_requests, stats.forced_drops);
    pthread_barrier_destroy(&start);
    gil_destroy(&gil);
}

/* ------------------------------------------------------------ three threads */

struct relay {
    struct gil *gil;
    atomic_int taken; /* relayers that have had the GIL */
    int64_t give_up_ns;
};

struct relayer {
    struct relay *relay;
    struct relayer *other;
    atomic_bool requested, acquired;
    int64_t acquired_ns;
    int order;      /* 1: took the GIL first, 2: second */
    uint64_t asked; /* drop requests counted when this thread took the GIL */
    bool got;       /* first: the other one had the GIL before this one released it */
};

static void *relayer_main(void *arg)
{
    struct relayer *r = arg;
    struct gil *gil = r->relay->gil;
    atomic_store(&r->requested, true);
    gil_acquire(gil);
    r->acquired_ns = now_ns();
    struct gil_stats stats;
    gil_get_stats(gil, &stats);
    r->asked = stats.drop_requests;
    atomic_store(&r->acquired, true);
    r->order = atomic_fetch_add(&r->relay->taken, 1) + 1;
    if (r->order == 1) {
        /* CPU-bound until the other one has had the GIL: only its drop request can
         * let it in. */
        int64_t give_up = now_ns() + r->relay->give_up_ns;
        uint64_t seed = 1;
        while (!atomic_load(&r->other->acquired) && now_ns() < give_up) {
            gil_eval_breaker(gil);
            burn_unit(seed++);
        }
        r->got = atomic_load(&r->other->acquired);
    }
    gil_release(gil);
    return NULL;
}

static void relay(char *args)
{
    long long interval_us = 0;
    int give_up_ms = 0;
    if (sscanf(args, "%lld %d", &interval_us, &give_up_ms) != 2 || interval_us < 1 ||
        give_up_ms < 1)
        usage_error(args);
    int64_t interval = interval_us * CLOCK_NS_PER_US;
    struct gil gil;
    init_gil(&gil, GIL_MODE_NEW, interval);
    struct relay shared = {.gil = &gil, .give_up_ns = give_up_ms * MS};
    atomic_init(&shared.taken, 0);
    struct relayer r[2];
    for (int i = 0; i < 2; i++) {
        r[i] = (struct relayer){.relay = &shared, .other = &r[1 - i]};
        atomic_init(&r[i].requested, false);
        atomic_init(&r[i].acquired, false);
    }
    gil_acquire(&gil);
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        start_thread(&t[i], relayer_main, &r[i]);
        if (!wait_for_flag(&r[i].requested, 5000 * MS)) {
            report("waiter-not-started");
            exit(1);
        }
    }
    /* Hold the GIL without an eval breaker until a drop request, then 2.5 intervals more:
     * both waiters time out again meanwhile, and the release falls mid-interval. */
    struct gil_stats stats;
    int64_t give_up = now_ns() + 20 * interval + 3000 * MS;
    do {
        clock_sleep_ns(MS);
        gil_get_stats(&gil, &stats);
    } while (stats.drop_requests == 0 && now_ns() < give_up);
    clock_sleep_ns(5 * interval / 2);
    int64_t released = now_ns();
    gil_release(&gil);
    for (int i = 0; i < 2; i++)
        join_or_stuck(t[i], give_up_ms / 1000.0 + 5, "relay");
    struct relayer *first = r[0].order == 1 ? &r[0] : &r[1];
    struct relayer *second = first == &r[0] ? &r[1] : &r[0];
    gil_get_stats(&gil, &stats);
    report("relay released %" PRId64 " first-acquired %" PRId64 " second-acquired %" PRId64
           " got %d asked %" PRIu64 " requests %" PRIu64 " forced %" PRIu64,
           released, first->acquired_ns, second->acquired_ns, first->got, second->asked,
           stats.drop_requests, stats.forced_drops);
    gil_destroy(&gil);
}

/* ------------------------------------------------------------ waiters that must sleep */

static void hold_still(char *args)
{
    long long interval_us = 0;
    int waiters = 0;
    if (sscanf(args, "%lld %d", &interval_us, &waiters) != 2 || waiters < 1 || waiters > 16)
        usage_error(args);
    struct gil gil;
    init_gil(&gil, GIL_MODE_NEW, interval_us * CLOCK_NS_PER_US);
    gil_acquire(&gil);
    struct waiter w[16];
    pthread_t t[16];
    for (int i = 0; i < waiters; i++) {
        waiter_init(&w[i], &gil);
        start_waiter(&t[i], &w[i]);
        report("waiter %d tid %d", i + 1, (int)w[i].tid);
    }
    report("holding");
    /* Like a C extension that keeps the GIL and never reaches an eval breaker: the
     * waiters can only wait, until the test says "release". */
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL || strncmp(line, "release", 7) != 0)
        usage_error("(expected: release)");
    bool early = false;
    for (int i = 0; i < waiters; i++)
        early |= atomic_load(&w[i].acquired);
    int64_t released = now_ns();
    gil_release(&gil);
    for (int i = 0; i < waiters; i++)
        join_or_stuck(t[i], 5, "hold-still");
    report("hold-still released %" PRId64 " early %d", released, early);
    for (int i = 0; i < waiters; i++)
        report("waiter %d acquired %" PRId64, i + 1, w[i].acquired_ns);
    gil_destroy(&gil);
}

/* ------------------------------------------------------------ blocking calls */

struct io_thread {
    struct interp *interp;
    pthread_barrier_t *start;
    uint64_t units;
    int64_t sleep_ns;
    int ret;
    int64_t before_ns, after_ns;
};

static void *io_main(void *arg)
{
    struct io_thread *t = arg;
    pthread_barrier_wait(t->start);
    gil_acquire(t->interp->gil);
    interp_run(t->interp, t->units);
    t->before_ns = now_ns();
    t->ret = interp_blocking_sleep(t->interp, t->sleep_ns);
    t->after_ns = now_ns();
    interp_run(t->interp, t->units);
    gil_release(t->interp->gil);
    return NULL;
}

static void io(char *args)
{
    int threads = 0, sleep_ms = 0;
    long long units = 0, interval_us = 0;
    if (sscanf(args, "%d %d %lld %lld", &threads, &sleep_ms, &units, &interval_us) != 4 ||
        threads < 1 || threads > 16 || units < 0)
        usage_error(args);
    struct gil gil;
    init_gil(&gil, GIL_MODE_NEW, interval_us * CLOCK_NS_PER_US);
    struct interp interp;
    interp_init(&interp, &gil);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    struct io_thread t[16];
    pthread_t th[16];
    for (int i = 0; i < threads; i++) {
        t[i] = (struct io_thread){.interp = &interp,
                                  .start = &start,
                                  .units = (uint64_t)units,
                                  .sleep_ns = sleep_ms * MS};
        start_thread(&th[i], io_main, &t[i]);
    }
    for (int i = 0; i < threads; i++)
        join_or_stuck(th[i], 8, "io");
    for (int i = 0; i < threads; i++)
        report("io-thread %d ret %d before %" PRId64 " after %" PRId64, i + 1, t[i].ret,
               t[i].before_ns, t[i].after_ns);
    struct gil_stats stats;
    gil_get_stats(&gil, &stats);
    report("io overlap %d switches %" PRIu64, interp_max_overlap(&interp), stats.switches);
    pthread_barrier_destroy(&start);
    gil_destroy(&gil);
}

/* ------------------------------------------------------------ the old GIL */

static void ticks(char *args)
{
    long long check = 0, calls = 0;
    if (sscanf(args, "%lld %lld", &check, &calls) != 2 || check < 1 || calls < 0)
        usage_error(args);
    struct gil gil;
    init_gil(&gil, GIL_MODE_OLD, 0);
    gil_set_check_interval(&gil, (uint64_t)check);
    gil_acquire(&gil);
    for (long long i = 0; i < calls; i++)
        gil_eval_breaker(&gil);
    gil_release(&gil);
    struct gil_stats stats;
    gil_get_stats(&gil, &stats);
    report("ticks drops %" PRIu64 " requests %" PRIu64 " forced %" PRIu64 " switches %" PRIu64,
           stats.tick_drops, stats.drop_requests, stats.forced_drops, stats.switches);
    gil_destroy(&gil);
}

struct old_holder {
    struct interp *interp;
    struct waiter *waiter;
    int cpu; /* the core both threads run on, or -1 */
    int64_t give_up_ns;
    bool got;            /* the waiter had the GIL before this thread released it */
    int64_t released_ns; /* when this thread called gil_release */
    bool pinned, niced;
    void *(*waiter_main)(void *); /* NULL: waiter_main */
};

/* Puts the calling thread on one core; true if it worked. */
static bool pin_to(int cpu)
{
    if (cpu < 0)
        return false;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

static void *old_holder_main(void *arg)
{
    struct old_holder *h = arg;
    h->pinned = pin_to(h->cpu);
    gil_acquire(h->interp->gil);
    pthread_t thread;
    /* The waiter: on the same core, at the usual priority. */
    if (h->waiter_main != NULL) {
        start_thread(&thread, h->waiter_main, h->waiter);
        wait_for_flag(&h->waiter->requested, 5000 * MS);
    } else {
        start_waiter(&thread, h->waiter);
    }
    /* The lowest priority: when a tick drop wakes the waiter, the scheduler lets the
     * waiter run before this thread takes the GIL back. Where that is not allowed the
     * handover only takes longer. */
    h->niced = setpriority(PRIO_PROCESS, (id_t)gettid(), 19) == 0;
    int64_t give_up = now_ns() + h->give_up_ns;
    /* Only the given eval loop, which calls gil_eval_breaker between units: the GIL
     * can change hands only at a tick drop. */
    while (!atomic_load(&h->waiter->acquired) && now_ns() < give_up)
        interp_run(h->interp, 16);
    h->got = atomic_load(&h->waiter->acquired);
    h->released_ns = now_ns();
    gil_release(h->interp->gil);
    join_or_stuck(thread, 3, "old-handover");
    return NULL;
}

static void old_handover(char *args)
{
    long long check = 0;
    int give_up_ms = 0;
    if (sscanf(args, "%lld %d", &check, &give_up_ms) != 2 || check < 1)
        usage_error(args);
    struct gil gil;
    init_gil(&gil, GIL_MODE_OLD, 0);
    gil_set_check_interval(&gil, (uint64_t)check);
    struct interp interp;
    interp_init(&interp, &gil);
    struct waiter w;
    waiter_init(&w, &gil);
    cpu_set_t allowed;
    int cpu = -1;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0)
        for (int i = 0; i < CPU_SETSIZE && cpu < 0; i++)
            if (CPU_ISSET(i, &allowed))
                cpu = i;
    struct old_holder h = {
        .interp = &interp, .waiter = &w, .cpu = cpu, .give_up_ns = give_up_ms * MS};
    pthread_t thread;
    start_thread(&thread, old_holder_main, &h);
    join_or_stuck(thread, give_up_ms / 1000.0 + 5, "old-handover");
    struct gil_stats stats;
    gil_get_stats(&gil, &stats);
    report("old-handover got %d acquired %" PRId64 " released %" PRId64 " ticks %" PRIu64
           " overlap %d pinned %d niced %d",
           h.got, w.acquired_ns, h.released_ns, stats.tick_drops, interp_max_overlap(&interp),
           h.pinned, h.niced);
    gil_destroy(&gil);
}

/* ------------------------------------------------------------ forced release */

static void forced_release(char *args)
{
    long long interval_us = 0;
    int trials = 0;
    if (sscanf(args, "%lld %d", &interval_us, &trials) != 2 || trials < 1)
        usage_error(args);
    int64_t interval = interval_us * CLOCK_NS_PER_US;
    struct gil gil;
    init_gil(&gil, GIL_MODE_NEW, interval);
    struct interp interp;
    interp_init(&interp, &gil);
    for (int k = 1; k <= trials; k++) {
        gil_acquire(&gil);
        struct gil_stats before, now;
        gil_get_stats(&gil, &before);
        struct waiter w;
        waiter_init(&w, &gil);
        w.interp = &interp;
        w.work_units = 200;
        pthread_t thread;
        start_waiter(&thread, &w);
        /* Hold the GIL without an eval breaker until the waiter has asked for it. */
        int64_t give_up = now_ns() + 20 * interval + 2000 * MS;
        do {
            clock_sleep_ns(interval / 10);
            gil_get_stats(&gil, &now);
        } while (now.drop_requests == before.drop_requests && now_ns() < give_up);
        uint64_t pending = now.drop_requests - before.drop_requests;
        int64_t released = now_ns();
        gil_release(&gil);
        int64_t returned = now_ns();
        struct gil_stats after;
        gil_get_stats(&gil, &after);
        gil_acquire(&gil);
        int64_t reacquired = now_ns();
        gil_release(&gil);
        join_or_stuck(thread, 5, "forced-release");
        report("forced-release trial %d pending %" PRIu64 " forced %" PRIu64 " released %" PRId64
               " returned %" PRId64 " reacquired %" PRId64 " waiter-requested %" PRId64
               " waiter-acquired %" PRId64 " waiter-done %" PRId64,
               k, pending, after.forced_drops - now.forced_drops, released, returned, reacquired,
               w.requested_ns, w.acquired_ns, w.done_ns);
        if (pending == 0)
            break; /* no drop request: nothing here can be forced */
    }
    struct gil_stats stats;
    gil_get_stats(&gil, &stats);
    report("forced-release forced %" PRIu64 " requests %" PRIu64, stats.forced_drops,
           stats.drop_requests);
    gil_destroy(&gil);
}

/* ------------------------------------------------------------ a forced release, poked */

/* A thread that gets SIGUSR1 blocks in the handler until a byte comes on this pipe. */
static int freeze_pipe[2] = {-1, -1};
static atomic_bool frozen;

static void freeze_handler(int signo)
{
    (void)signo;
    int saved = errno;
    atomic_store(&frozen, true);
    char byte;
    while (read(freeze_pipe[0], &byte, 1) < 0 && errno == EINTR)
        continue;
    atomic_store(&frozen, false);
    errno = saved;
}

static void freeze_setup(void)
{
    if (freeze_pipe[0] >= 0)
        return;
    struct sigaction action = {.sa_handler = freeze_handler};
    sigemptyset(&action.sa_mask);
    if (pipe(freeze_pipe) != 0 || sigaction(SIGUSR1, &action, NULL) != 0) {
        report("freeze-failed %s", strerror(errno));
        exit(1);
    }
}

static void unfreeze(void)
{
    if (write(freeze_pipe[1], "x", 1) != 1) {
        report("freeze-failed %s", strerror(errno));
        exit(1);
    }
}

struct releaser {
    struct gil *gil;
    atomic_bool holding, go, releasing, returned;
    int64_t released_ns, returned_ns;
};

static void *releaser_main(void *arg)
{
    struct releaser *r = arg;
    gil_acquire(r->gil);
    atomic_store(&r->holding, true);
    while (!atomic_load(&r->go))
        clock_sleep_ns(200 * CLOCK_NS_PER_US);
    r->released_ns = now_ns();
    atomic_store(&r->releasing, true);
    gil_release(r->gil);
    r->returned_ns = now_ns();
    atomic_store(&r->returned, true);
    return NULL;
}

static void spurious_forced(char *args)
{
    long long interval_us = 0;
    int poke_ms = 0;
    if (sscanf(args, "%lld %d", &interval_us, &poke_ms) != 2 || poke_ms < 1)
        usage_error(args);
    freeze_setup();
    struct gil gil;
    init_gil(&gil, GIL_MODE_NEW, interval_us * CLOCK_NS_PER_US);
    struct releaser r = {.gil = &gil};
    atomic_init(&r.holding, false);
    atomic_init(&r.go, false);
    atomic_init(&r.releasing, false);
    atomic_init(&r.returned, false);
    pthread_t holder, thread;
    start_thread(&holder, releaser_main, &r);
    atomic_bool *holding = &r.holding;
    if (!wait_for_flag(holding, 5000 * MS)) {
        report("spurious-forced stuck");
        _exit(0);
    }
    struct waiter w;
    waiter_init(&w, &gil);
    start_waiter(&thread, &w);
    /* Until the waiter has asked the holder (which never reaches an eval breaker). */
    struct gil_stats stats;
    int64_t give_up = now_ns() + 3000 * MS;
    do {
        clock_sleep_ns(MS);
        gil_get_stats(&gil, &stats);
    } while (stats.drop_requests == 0 && now_ns() < give_up);
    /* Freeze the waiter: it cannot take the GIL until it is let go. Without a request
     * (or with a waiter that already has the GIL) there is nothing to check. */
    bool clean = false, unpoked = false;
    if (stats.drop_requests > 0 && !atomic_load(&w.acquired)) {
        int error = pthread_kill(thread, SIGUSR1);
        if (error != 0) {
            report("freeze-failed %s", strerror(error));
            exit(1);
        }
        atomic_bool *is_frozen = &frozen;
        clean = wait_for_flag(is_frozen, 2000 * MS);
    }
    /* Frozen while it held the mutex (it was raising a request), the holder could not
     * even start its release: the run would say nothing. */
    if (clean && pthread_mutex_trylock(&gil.mutex) == 0)
        pthread_mutex_unlock(&gil.mutex);
    else
        clean = false;
    atomic_store(&r.go, true);
    if (clean) {
        /* First 10 ms after the holder calls gil_release with no wake-up at all, then
         * one every ms. */
        wait_for_flag(&r.releasing, 5000 * MS);
        clock_sleep_ns(10 * MS);
        unpoked = atomic_load(&r.returned);
        for (int i = 0; i < poke_ms; i++) {
            clock_sleep_ns(MS);
            poke(&gil, &gil.switch_cond);
        }
    }
    bool early = atomic_load(&r.returned);
    if (atomic_load(&frozen))
        unfreeze();
    join_or_stuck(thread, 5, "spurious-forced");
    join_or_stuck(holder, 5, "spurious-forced");
    report("spurious-forced clean %d requests %" PRIu64 " returned-unpoked %d returned-early %d"
           " released %" PRId64 " returned %" PRId64 " waiter-acquired %" PRId64,
           clean, stats.drop_requests, unpoked, early, r.released_ns, r.returned_ns, w.acquired_ns);
    gil_destroy(&gil);
}

/* ------------------------------------------------------------ for ThreadSanitizer */

/* Scenarios where a field of struct gil accessed without its lock (or a plain access
 * to drop_request) meets another thread's access with nothing ordering them, so that
 * the driver built with ThreadSanitizer reports it. */

static void tsan_release(char *args)
{
    long long interval_us = 0;
    int trials = 0;
    if (sscanf(args, "%lld %d", &interval_us, &trials) != 2 || trials < 1 || interval_us < 1)
        usage_error(args);
    struct gil gil;
    init_gil(&gil, GIL_MODE_NEW, interval_us * CLOCK_NS_PER_US);
    for (int k = 0; k < trials; k++) {
        gil_acquire(&gil);
        struct waiter w;
        waiter_init(&w, &gil);
        pthread_t thread;
        start_waiter(&thread, &w);
        /* No lock and no eval breaker meanwhile: only gil_release looks at the request
         * the waiter raised. */
        clock_sleep_ns(10 * interval_us * CLOCK_NS_PER_US);
        gil_release(&gil);
        join_or_stuck(thread, 5, "tsan-release");
    }
    struct gil_stats stats;
    gil_get_stats(&gil, &stats);
    report("tsan-release forced %" PRIu64 " requests %" PRIu64, stats.forced_drops,
           stats.drop_requests);
    gil_destroy(&gil);
}

struct stats_worker {
    struct interp *interp;
    pthread_barrier_t *start;
    int64_t run_ns;
    unsigned seed;
};

static void *stats_worker_main(void *arg)
{
    struct stats_worker *s = arg;
    pthread_barrier_wait(s->start);
    int64_t end = now_ns() + s->run_ns;
    while (now_ns() < end) {
        gil_acquire(s->interp->gil);
        interp_run(s->interp, 1 + (uint64_t)(rand_r(&s->seed) % 20));
        gil_release(s->interp->gil);
    }
    return NULL;
}

struct monitor {
    struct gil *gil;
    atomic_bool stop;
};

static void *monitor_main(void *arg)
{
    struct monitor *m = arg;
    struct gil_stats stats;
    while (!atomic_load(&m->stop)) {
        gil_get_stats(m->gil, &stats);
        sched_yield();
    }
    return NULL;
}

static void tsan_stats(char *args)
{
    char mode_name[16];
    int threads = 0, run_ms = 0;
    long long check = 0;
    enum gil_mode mode = GIL_MODE_NEW;
    if (sscanf(args, "%15s %d %lld %d", mode_name, &threads, &check, &run_ms) != 4 ||
        gil_parse_mode(mode_name, &mode) != 0 || threads < 1 || threads > 16 || check < 1)
        usage_error(args);
    struct gil gil;
    init_gil(&gil, mode, 200 * CLOCK_NS_PER_US);
    gil_set_check_interval(&gil, (uint64_t)check);
    struct interp interp;
    interp_init(&interp, &gil);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    struct monitor m = {.gil = &gil};
    atomic_init(&m.stop, false);
    pthread_t monitor, t[16];
    start_thread(&monitor, monitor_main, &m);
    struct stats_worker s[16];
    for (int i = 0; i < threads; i++) {
        s[i] = (struct stats_worker){
            .interp = &interp, .start = &start, .run_ns = run_ms * MS, .seed = (unsigned)i + 1};
        start_thread(&t[i], stats_worker_main, &s[i]);
    }
    for (int i = 0; i < threads; i++)
        join_or_stuck(t[i], run_ms / 1000.0 + 5, "tsan-stats");
    atomic_store(&m.stop, true);
    join_or_stuck(monitor, 5, "tsan-stats");
    struct gil_stats stats;
    gil_get_stats(&gil, &stats);
    report("tsan-stats switches %" PRIu64 " requests %" PRIu64 " forced %" PRIu64 " ticks %" PRIu64
           " overlap %d",
           stats.switches, stats.drop_requests, stats.forced_drops, stats.tick_drops,
           interp_max_overlap(&interp));
    pthread_barrier_destroy(&start);
    gil_destroy(&gil);
}

static void *stats_waiter_main(void *arg)
{
    struct waiter *w = arg;
    atomic_store(&w->requested, true);
    gil_acquire(w->gil);
    /* Right after the handover, while the old holder may still be in its tick drop. */
    struct gil_stats stats;
    gil_get_stats(w->gil, &stats);
    atomic_store(&w->acquired, true);
    gil_release(w->gil);
    return NULL;
}

static void tsan_ticks(char *args)
{
    long long check = 0;
    int rounds = 0;
    if (sscanf(args, "%lld %d", &check, &rounds) != 2 || check < 1 || rounds < 1)
        usage_error(args);
    struct gil gil;
    init_gil(&gil, GIL_MODE_OLD, 0);
    gil_set_check_interval(&gil, (uint64_t)check);
    struct interp interp;
    interp_init(&interp, &gil);
    cpu_set_t allowed;
    int cpu = -1;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0)
        for (int i = 0; i < CPU_SETSIZE && cpu < 0; i++)
            if (CPU_ISSET(i, &allowed))
                cpu = i;
    int got = 0;
    bool pinned = false, niced = false;
    for (int k = 0; k < rounds; k++) {
        struct waiter w;
        waiter_init(&w, &gil);
        struct old_holder h = {
            .interp = &interp, .waiter = &w, .cpu = cpu, .give_up_ns = 1000 * MS};
        h.waiter_main = stats_waiter_main;
        pthread_t thread;
        start_thread(&thread, old_holder_main, &h);
        join_or_stuck(thread, 5, "tsan-ticks");
        got += h.got;
        pinned = h.pinned;
        niced = h.niced;
    }
    struct gil_stats stats;
    gil_get_stats(&gil, &stats);
    report("tsan-ticks got %d ticks %" PRIu64 " pinned %d niced %d", got, stats.tick_drops, pinned,
           niced);
    gil_destroy(&gil);
}

/* ------------------------------------------------------------ commands */

/* A command runs in a thread of its own, so that a scenario blocked for good in the
 * code under test is reported ("<command> stuck") instead of silencing the driver. */
#define COMMAND_TIMEOUT_S 12

struct command {
    const char *name;
    void (*run)(char *args);
    char *args;
};

static void *command_main(void *arg)
{
    struct command *c = arg;
    c->run(c->args);
    return NULL;
}

int main(void)
{
    base_ns = clock_now_ns();
    static const struct command commands[] = {
        {"hammer", hammer, NULL},
        {"wake", wake, NULL},
        {"drop-early", drop_early, NULL},
        {"drop-cpu", drop_cpu, NULL},
        {"handover", handover, NULL},
        {"compete", compete, NULL},
        {"relay", relay, NULL},
        {"hold-still", hold_still, NULL},
        {"io", io, NULL},
        {"ticks", ticks, NULL},
        {"old-handover", old_handover, NULL},
        {"forced-release", forced_release, NULL},
        {"spurious-forced", spurious_forced, NULL},
        {"tsan-release", tsan_release, NULL},
        {"tsan-stats", tsan_stats, NULL},
        {"tsan-ticks", tsan_ticks, NULL},
    };
    static char line[4096];
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        size_t name_len = strcspn(line, " ");
        char *args = line[name_len] ? line + name_len + 1 : line + name_len;
        size_t i = 0;
        while (i < sizeof commands / sizeof commands[0] &&
               (strlen(commands[i].name) != name_len ||
                strncmp(line, commands[i].name, name_len) != 0))
            i++;
        if (i == sizeof commands / sizeof commands[0])
            usage_error(line);
        struct command c = commands[i];
        c.args = args;
        pthread_t thread;
        start_thread(&thread, command_main, &c);
        join_or_stuck(thread, COMMAND_TIMEOUT_S, c.name);
    }
    return 0;
}
