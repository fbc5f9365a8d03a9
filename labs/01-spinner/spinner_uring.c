/*
 * spinner_uring: the spinner as a coroutine on an io_uring event loop. One thread,
 * no child process.
 *
 * Three tasks take turns on one thread: the supervisor spawns the spinner, awaits
 * slow() — an io_uring timeout — then cancels the spinner, whose pending sleep returns
 * -ECANCELED so that it clears its line and ends. The C version of spinner_async.py,
 * with the chapter's experiments:
 *   --blocking         slow() calls a blocking sleep: the loop stops, no frame appears
 *   --slow=prime       a long computation blocks the loop just the same
 *   --slow=prime --nap the computation yields to the loop every --nap-every divisors,
 *                      so the spinner comes back; the program says what it cost
 *   --trace FILE       a timeline: each task's running spans, cut at its waits, and
 *                      what the loop did in between (loop_base.h)
 */
#include "cli.h"
#include "clock.h"
#include "die.h"
#include "loop.h"
#include "primes.h"
#include "spinner_cli.h"
#include "spinner_view.h"
#include "trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "Usage: spinner_uring [--seconds S] [--blocking]\n"
    "       spinner_uring --slow=prime [--prime N] [--nap [--nap-every N]]\n"
    "Spin a 'thinking!' spinner as a coroutine on an io_uring event loop.\n"
    "\n"
    "  --seconds S         slow() sleeps S seconds (default 3, at most 3600)\n"
    "  --blocking          slow() sleeps with a blocking call instead of the loop\n"
    "  --slow=sleep|prime  sleep, or check whether a large number is prime\n"
    "  --prime N           the number --slow=prime checks (default 2^61-1)\n"
    "  --nap               the prime check yields to the loop now and then\n"
    "  --nap-every N       ... every N divisors (default 100000)\n"
    "  --trace FILE        write a timeline of the run to FILE (Chrome Trace Event\n"
    "                      Format: open it in https://ui.perfetto.dev)\n"
    "  -h, --help          show this help and exit\n"
    "  -V, --version       show the version and exit\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage, 77 io_uring unavailable here.\n";

/* With --trace: a task's running span, from when it got the thread (its start, or the
 * return of a wait) to its next wait or its end. `woke` is what that wait returned
 * (-ECANCELED: cancelled), shown with the span. Tasks are coroutines on one thread: the
 * spans of different tasks never overlap, and between them the loop runs. */
struct run_mark {
    const char *task; /* the span's name: a string literal */
    int64_t since;
    int woke;
};

static void run_begin(struct run_mark *run, int woke)
{
    run->since = trace_now();
    run->woke = woke;
}

/* Ends the running span before a wait (an instant `wait`, with `value` as its `key`:
 * NULL at the task's end). */
static void run_end(struct run_mark *run, const char *wait, const char *key, int64_t value)
{
    if (!trace_enabled)
        return;
    trace_span_at("task", run->task, run->since, trace_now(), "woke", run->woke, NULL, 0);
    if (wait != NULL)
        trace_instant("task", wait, key, value);
}

struct supervisor_args {
    const struct spinner_options *opts;
    struct spinner_prime_check check;
    double check_cpu_s; /* CPU time the check took, naps and spinner included */
};

/* CPU time used by this process so far: unlike wall time, other programs running on
 * the machine do not inflate it, so two checks can be compared on a busy machine. */
static double cpu_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0)
        die_errno("clock_gettime");
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The spinner task: draw, sleep until the next frame is due, until cancelled. */
static intptr_t spin(struct loop *loop, void *arg)
{
    const char *message = arg;
    struct run_mark run = {.task = "spin"};
    run_begin(&run, 0);
    int64_t due = clock_now_ns();
    for (unsigned long i = 0;; i++) {
        int ret = spinner_view_draw(STDOUT_FILENO, i, message);
        if (ret < 0)
            return ret;
        trace_instant("spinner", "frame", "frame", (int64_t)i);
        /* The next frame is due one period after this one was, not one period after
         * now; frames missed while the loop was blocked are skipped, not replayed. */
        int64_t now = clock_now_ns();
        do
            due += SPINNER_FRAME_NS;
        while (due <= now);
        run_end(&run, "sleep", "us", (due - now) / 1000);
        ret = loop_sleep_until(loop, due);
        run_begin(&run, ret);
        if (ret == -ECANCELED)
            break; /* our CancelledError: clean up and end */
        if (ret < 0)
            return ret;
    }
    int ret = spinner_view_clear(STDOUT_FILENO, message);
    trace_instant("spinner", "clear", NULL, 0);
    run_end(&run, NULL, NULL, 0);
    return ret < 0 ? ret : 0;
}

/* The supervisor's running span: nap() cuts it too. */
static struct run_mark supervisor_run = {.task = "supervisor"};

/* primes_is_prime_with_pauses() calls this every --nap-every divisors. */
static void nap(void *arg)
{
    run_end(&supervisor_run, "nap", NULL, 0);
    int ret = loop_yield(arg); /* slow() is never cancelled: no -ECANCELED */
    run_begin(&supervisor_run, ret);
}

/* The work; a coroutine like the others, called directly by the supervisor. */
static int slow(struct loop *loop, const struct spinner_options *opts,
                struct spinner_prime_check *check, double *cpu_s)
{
    if (opts->slow == SPINNER_SLOW_PRIME) {
        double start = clock_seconds(), cpu_start = cpu_seconds();
        check->prime = opts->nap
                           ? primes_is_prime_with_pauses(opts->prime, opts->nap_every, nap, loop)
                           : primes_is_prime(opts->prime);
        check->seconds = clock_seconds() - start;
        *cpu_s = cpu_seconds() - cpu_start;
        check->n = opts->prime;
        check->done = true;
        return SPINNER_ANSWER;
    }
    int64_t ns = (int64_t)(opts->seconds * 1e9);
    int ret;
    if (opts->blocking) {
        ret = clock_sleep_ns(ns); /* the experiment: this blocks the loop */
    } else {
        run_end(&supervisor_run, "sleep", "us", ns / 1000);
        ret = loop_sleep(loop, ns);
        run_begin(&supervisor_run, ret);
    }
    if (ret < 0)
        die_error(opts->blocking ? "clock_nanosleep" : "loop_sleep", ret);
    return SPINNER_ANSWER;
}

static intptr_t supervisor(struct loop *loop, void *arg)
{
    struct supervisor_args *args = arg;
    run_begin(&supervisor_run, 0);
    struct task *spinner = loop_spawn(loop, "spin", spin, (void *)SPINNER_VIEW_MESSAGE);
    if (spinner == NULL)
        die_errno("loop_spawn");
    /* Like Python's repr of a Task that has not run yet. */
    printf("spinner object: <task Task-%d %s(\"%s\"), %s>\n", loop_task_id(spinner),
           loop_task_name(spinner), SPINNER_VIEW_MESSAGE,
           loop_task_done(spinner) ? "done" : "pending");
    if (fflush(stdout) != 0)
        die_errno("stdout");

    int result = slow(loop, args->opts, &args->check, &args->check_cpu_s);
    trace_instant("task", "cancel", "task", loop_task_id(spinner));
    loop_cancel(loop, spinner);
    intptr_t spin_result;
    run_end(&supervisor_run, "join", "task", loop_task_id(spinner));
    int ret = loop_join(loop, spinner, &spin_result);
    run_begin(&supervisor_run, ret);
    if (ret < 0)
        die_error("loop_join", ret);
    if (spin_result < 0 && spin_result != -ECANCELED)
        die_error("spinner", (int)spin_result);
    run_end(&supervisor_run, NULL, NULL, 0);
    return result;
}

/* The one line a user gets when there is no io_uring here, and exit status 77. */
static _Noreturn void unsupported(int err)
{
    const char *why, *fix;
    switch (-err) {
    case ENOSYS:
        why = "this kernel has no io_uring";
        fix = "use Linux 5.6 or later, or run spinner_thread or spinner_proc";
        break;
    case EPERM:
    case EACCES:
        why = "io_uring is forbidden here (a seccomp filter such as Docker's default "
              "profile, or sysctl kernel.io_uring_disabled)";
        fix = "allow io_uring_setup (e.g. docker run --security-opt seccomp=unconfined) "
              "or set kernel.io_uring_disabled=0";
        break;
    default: /* ENOMEM */
        why = "the ring's memory could not be locked";
        fix = "raise the locked-memory limit (ulimit -l)";
        break;
    }
    fprintf(stderr, "%s: io_uring unavailable: %s (io_uring_setup: %s); %s\n", cli_program_name(),
            why, strerror(-err), fix);
    exit(EXIT_UNSUPPORTED);
}

int main(int argc, char *argv[])
{
    struct spinner_options opts;
    spinner_cli_parse(argc, argv, usage, SPINNER_CLI_COOPERATIVE, &opts);
    trace_name_thread("loop");

    struct loop *loop;
    int ret = loop_create(&loop);
    if (ret == -ENOSYS || ret == -EPERM || ret == -EACCES || ret == -ENOMEM)
        unsupported(ret);
    if (ret < 0)
        die_error("io_uring_queue_init", ret);

    struct supervisor_args args = {.opts = &opts};
    intptr_t result;
    ret = loop_run(loop, supervisor, &args, &result);
    loop_destroy(loop);
    if (ret < 0)
        die_error("loop_run", ret);

    spinner_report_prime(&args.check);
    if (opts.nap) {
        /* The same check without naps (and without a spinner), to show what
         * cooperating cost, in CPU time. */
        double start = cpu_seconds();
        bool prime = primes_is_prime(opts.prime);
        double plain = cpu_seconds() - start;
        if (prime != args.check.prime)
            die("the check without naps disagrees with the check with naps");
        printf("nap: %.2fs of CPU with a nap every %llu divisors, %.2fs without: %.2f times "
               "as much\n",
               args.check_cpu_s, (unsigned long long)opts.nap_every, plain,
               plain > 0 ? args.check_cpu_s / plain : 0.0);
    }
    printf("Answer: %d\n", (int)result);
    if (fflush(stdout) != 0)
        die_errno("stdout");
    return EXIT_SUCCESS;
}
