/*
 * pool: command line, --help, output lines and the crash hook shared by procs and threads.
 */
#include "pool.h"

#include "cli.h"
#include "die.h"
#include "primes.h"
#include "trace.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const char sequential_usage[] =
    "Usage: sequential [--numbers FILE | --range FIRST LAST]\n"
    "Check numbers for primality one at a time and time each check.\n"
    "\n"
    "  --numbers FILE     one number per line (0 to 2^64-1); '-' reads standard input\n"
    "  --range FIRST LAST every number from FIRST to LAST\n"
    "  -h, --help         show this help and exit\n"
    "  -V, --version      show the version and exit\n"
    "\n"
    "Without --numbers or --range it checks the chapter's 20 numbers.\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage or input.\n";

const char pool_procs_usage[] =
    "Usage: procs [N] [--numbers FILE | --range FIRST LAST] [--timeline]\n"
    "             [--largest-first | --balanced] [--trace FILE]\n"
    "Check numbers for primality with N worker processes (default: one per online CPU).\n"
    "\n"
    "  N                  how many workers, 1 to 1024\n"
    "  --numbers FILE     one number per line (0 to 2^64-1); '-' reads standard input\n"
    "  --range FIRST LAST every number from FIRST to LAST\n"
    "  --timeline         also print when each check started and ended (seconds)\n"
    "  --largest-first    hand out the costliest checks first (estimated)\n"
    "  --balanced         hand out in an order planned so that the workers finish together\n"
    "  --trace FILE       write a timeline of the run to FILE (Chrome Trace Event Format:\n"
    "                     open it in https://ui.perfetto.dev, or draw it: scripts/plot-trace)\n"
    "  -h, --help         show this help and exit\n"
    "  -V, --version      show the version and exit\n"
    "\n"
    "Without --numbers or --range it checks the chapter's 20 numbers. A result line\n"
    "names the worker (its pid) that checked the number.\n"
    "Exit status: 0 ok, 1 a worker died or another failure, 2 bad usage or input,\n"
    "130 interrupted by SIGINT.\n";

const char pool_threads_usage[] =
    "Usage: threads [N] [--gil[=MODE]] [--numbers FILE | --range FIRST LAST] [--timeline]\n"
    "               [--largest-first | --balanced] [--trace FILE]\n"
    "Check numbers for primality with N threads (default: one per online CPU).\n"
    "\n"
    "  N                  how many worker threads, 1 to 1024\n"
    "  --gil[=MODE]       hold lab 02's simulated GIL while computing; MODE is new\n"
    "                     (the default), old or none\n"
    "  --numbers FILE     one number per line (0 to 2^64-1); '-' reads standard input\n"
    "  --range FIRST LAST every number from FIRST to LAST\n"
    "  --timeline         also print when each check started and ended (seconds)\n"
    "  --largest-first    hand out the costliest checks first (estimated)\n"
    "  --balanced         hand out in an order planned so that the workers finish together\n"
    "  --trace FILE       write a timeline of the run to FILE (Chrome Trace Event Format:\n"
    "                     open it in https://ui.perfetto.dev, or draw it: scripts/plot-trace)\n"
    "  -h, --help         show this help and exit\n"
    "  -V, --version      show the version and exit\n"
    "\n"
    "Without --numbers or --range it checks the chapter's 20 numbers. A result line\n"
    "names the worker (its thread id) that checked the number.\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage or input.\n";

/* What the exit handler needs: who parsed the command line (the parent), and, with
 * --gil, how many worker threads there were. */
static pid_t parent_pid;
static unsigned gil_workers; /* 0 without --gil */

/* Runs at exit(). In the parent with --gil: reports the watch of the checks (primes.h)
 * on stderr. In a forked child: the child left with exit() (or returned from main), so
 * it ran its parent's exit handlers and flushed its copies of the parent's stdio
 * buffers (lines printed twice): says so on stderr. */
static void pool_at_exit(void)
{
    if (getpid() != parent_pid) {
        char line[256];
        int len = snprintf(line, sizeof line,
                           "%s: child %d ran its parent's exit handlers: a forked child "
                           "must leave with _exit(), not exit() or a return from main\n",
                           program_invocation_short_name, (int)getpid());
        /* write(2), not stdio: here stdio holds copies of the parent's buffers. At exit,
         * a failed write leaves nothing to do. */
        ssize_t written = len > 0 ? write(STDERR_FILENO, line, (size_t)len) : 0;
        (void)written;
        return;
    }
    if (gil_workers == 0)
        return;
    struct primes_watch watch;
    primes_watch_read(&watch);
    fprintf(stderr,
            "threads --gil: at most %d of %u threads computed at once; %" PRIu64
            " times a check paused while another computed\n",
            watch.most_inside, gil_workers, watch.handovers);
}

/* Records the order asked for: --largest-first and --balanced exclude each other. */
static void set_order(struct pool_options *opts, enum pool_order order)
{
    if (opts->order != POOL_ORDER_INPUT && opts->order != order)
        cli_usage_error("--largest-first and --balanced exclude each other");
    opts->order = order;
}

void pool_parse_options(int argc, char *argv[], const char *usage, bool allow_gil,
                        struct pool_options *opts)
{
    static const struct option options[] = {
        NUMLIST_OPTIONS,
        {"timeline", no_argument, NULL, 't'},
        {"largest-first", no_argument, NULL, 'L'},
        {"balanced", no_argument, NULL, 'B'},
        {"gil", optional_argument, NULL, 'g'},
        {"trace", required_argument, NULL, 'T'},
        CLI_HELP_OPTIONS,
    };
    struct numlist_source source = {0};
    const char *trace_path = NULL;
    *opts = (struct pool_options){0};
    int opt;
    while ((opt = getopt_long(argc, argv, ":hV", options, NULL)) != -1) {
        switch (opt) {
        case 't':
            opts->timeline = true;
            break;
        case 'L':
        case 'B':
            set_order(opts, opt == 'L' ? POOL_ORDER_LARGEST_FIRST : POOL_ORDER_BALANCED);
            break;
        case 'g':
            if (!allow_gil)
                cli_usage_error("--gil is an option of threads only");
            opts->gil_mode = optarg != NULL ? optarg : "new";
            break;
        case 'T':
            trace_path = optarg;
            break;
        default:
            if (!numlist_option(&source, opt, argc, argv))
                cli_other_option(opt, usage, argv);
        }
    }

    opts->workers = cli_count_argument(argc, argv, "N", POOL_MAX_WORKERS);

    numlist_from_options(&opts->numbers, &source);
    /* Before any worker exists: the workers record into buffers mapped here. */
    int err =
        trace_path != NULL ? trace_start(trace_path, argc, argv, program_invocation_short_name) : 0;
    if (err < 0)
        die_error(trace_path, err); /* exit 1: a failure, not bad usage */

    parent_pid = getpid();
    gil_workers = opts->gil_mode != NULL ? opts->workers : 0;
    if (atexit(pool_at_exit) != 0)
        die("atexit: cannot register the exit handler");
}

struct numlist_source pool_parse_sequential_options(int argc, char *argv[])
{
    static const struct option options[] = {NUMLIST_OPTIONS, CLI_HELP_OPTIONS};
    struct numlist_source source = {0};
    int opt;
    while ((opt = getopt_long(argc, argv, ":hV", options, NULL)) != -1)
        if (!numlist_option(&source, opt, argc, argv))
            cli_other_option(opt, sequential_usage, argv);
    cli_no_more_arguments(argc, argv);
    return source;
}

int pool_print_result(FILE *out, const struct pool_result *result, bool timeline, int64_t t0_ns)
{
    double elapsed = (double)(result->end_ns - result->start_ns) / 1e9;
    if (!timeline)
        return fprintf(out, "%16" PRIu64 " %c %9.6fs  worker %" PRId32 "\n", result->n,
                       result->prime ? 'P' : ' ', elapsed, result->worker);
    return fprintf(out, "%16" PRIu64 " %c %9.6fs  worker %" PRId32 " from %.6f to %.6f\n",
                   result->n, result->prime ? 'P' : ' ', elapsed, result->worker,
                   (double)(result->start_ns - t0_ns) / 1e9,
                   (double)(result->end_ns - t0_ns) / 1e9);
}

int pool_print_crash(FILE *out, uint64_t n, pid_t worker, int status)
{
    if (WIFSIGNALED(status))
        return fprintf(out, "%16" PRIu64 " error: worker %d killed by signal %d (%s)\n", n,
                       (int)worker, WTERMSIG(status), strsignal(WTERMSIG(status)));
    return fprintf(out, "%16" PRIu64 " error: worker %d exited with status %d\n", n, (int)worker,
                   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

void pool_crash_hook(uint64_t n)
{
    static int armed = -1; /* -1: environment not read yet, 0: no hook, 1: crash_on set */
    static uint64_t crash_on, exit_status;
    if (armed < 0) {
        const char *text = getenv(POOL_CRASH_ENV);
        armed = text != NULL && cli_parse_u64(text, 0, UINT64_MAX, &crash_on) == CLI_PARSE_OK;
        text = getenv(POOL_CRASH_STATUS_ENV);
        if (text == NULL || cli_parse_u64(text, 1, 255, &exit_status) != CLI_PARSE_OK)
            exit_status = 0;
    }
    if (!armed || n != crash_on)
        return;
    trace_instant("pool", "crash", "n", (int64_t)n);
    if (exit_status != 0)
        _exit((int)exit_status);
    /* Die the way a bad pointer would make it die, without leaving a core file. */
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
    _exit(139); /* not reached: SIGSEGV is fatal once its action is the default */
}
