/*
 * Graded tests of lab 03: process and fd hygiene of sequential (instructor workflow).
 *
 * Each test also checks the results, so that a program that prints nothing (the
 * starter) cannot pass by doing nothing wrong.
 */
#include "graded.h"
#include "harness.h"
#include "hygiene.h"
#include "pool_util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LAB       "03-pool"
#define PIPE_SIZE 4096
#define KEEP_MAX  (1u << 20)

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool has_ended(pid_t pid)
{
    siginfo_t info = {0};
    return waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

static void pause_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&t, NULL);
}

/* In the child: async-signal-safe calls only, then exec. */
static void start_child(const char *const *argv, int in_fd, int out_fd, int err_fd)
{
    setpgid(0, 0);
    if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
        dup2(err_fd, STDERR_FILENO) < 0)
        _exit(127);
    syscall(SYS_close_range, 3U, ~0U, 0U);
    struct rlimit cap = {HARNESS_OUTPUT_CAP, HARNESS_OUTPUT_CAP};
    setrlimit(RLIMIT_FSIZE, &cap);
    signal(SIGPIPE, SIG_DFL);
    harness_become_student();
    execv(argv[0], (char *const *)argv);
    _exit(127);
}

/* Reads what is in the pipe now into run->out (keeping at most KEEP_MAX bytes);
 * returns false at end of file. */
static bool drain(int fd, struct piped_run *run, size_t *capacity)
{
    char chunk[8192];
    ssize_t got = read(fd, chunk, sizeof chunk);
    if (got == 0)
        return false;
    if (got < 0)
        return errno == EAGAIN || errno == EINTR;
    size_t keep = (size_t)got;
    if (run->out_len + keep > KEEP_MAX)
        keep = KEEP_MAX - run->out_len;
    if (run->out_len + keep + 1 > *capacity) {
        *capacity = (run->out_len + keep + 1) * 2;
        run->out = realloc(run->out, *capacity);
        cr_assert_not_null(run->out, "out of memory");
    }
    memcpy(run->out + run->out_len, chunk, keep);
    run->out_len += keep;
    run->out[run->out_len] = '\0';
    return true;
}

void piped_run(const char *const *argv, double timeout_s, struct piped_run *run)
{
    *run = (struct piped_run){.fds_when_full = -1, .exit_code = -1};
    size_t capacity = 4096;
    run->out = calloc(1, capacity);
    cr_assert_not_null(run->out);
    cr_assert(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "prctl failed");

    int out[2], in[2];
    cr_assert(pipe2(out, O_CLOEXEC) == 0 && pipe2(in, O_CLOEXEC) == 0, "pipe failed");
    fcntl(out[0], F_SETPIPE_SZ, PIPE_SIZE);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    cr_assert(devnull >= 0, "cannot open /dev/null");

    harness_prepare_student();
    fflush(NULL);
    long long deadline = now_ms() + (long long)(timeout_s * 1000);
    pid_t pid = fork();
    cr_assert(pid >= 0, "fork failed");
    if (pid == 0)
        start_child(argv, in[0], out[1], devnull);
    setpgid(pid, pid);
    close(in[0]);
    close(out[1]);
    close(devnull);
    fcntl(out[0], F_SETFL, O_NONBLOCK);

    /* 1. Read nothing until the pipe is full: the program then blocks in write(), in
     *    the middle of its work, and its fds can be counted at leisure. */
    while (now_ms() < deadline && !has_ended(pid)) {
        int queued = 0;
        ioctl(out[0], FIONREAD, &queued);
        if (queued >= PIPE_SIZE - 64) {
            pause_ms(50); /* let it reach the blocking write */
            run->fds_when_full = proc_fd_count(pid);
            break;
        }
        pause_ms(2);
    }
    /* 2. Read everything, until end of file, or the program has ended and nothing more
     *    comes (an orphan may hold the pipe open), or the deadline. */
    long long ended_at = -1;
    for (;;) {
        long long now = now_ms();
        if (now >= deadline) {
            run->timed_out = !has_ended(pid);
            break;
        }
        if (ended_at < 0 && has_ended(pid))
            ended_at = now;
        if (ended_at >= 0 && now - ended_at > 200)
            break;
        struct pollfd p = {.fd = out[0], .events = POLLIN};
        poll(&p, 1, 10);
        if (!drain(out[0], run, &capacity))
            break;
    }
    kill(-pid, SIGKILL);
    if (run->timed_out)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    run->exited = WIFEXITED(status);
    run->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    close(out[0]);
    close(in[1]);

    /* Whatever it left is now our child: count it, kill it, reap it. */
    pause_ms(20);
    pid_t children[256];
    int count = proc_children(getpid(), children, 256);
    for (int i = 0; i < count && i < 256; i++)
        kill(children[i], SIGKILL);
    run->leftovers = count > 0 ? count : 0;
    for (int tries = 0; tries < 2000; tries++) {
        pid_t reaped = waitpid(-1, NULL, WNOHANG);
        if (reaped < 0 && errno == ECHILD)
            break;
        if (reaped == 0)
            pause_ms(1);
    }
}

void piped_run_free(struct piped_run *run)
{
    free(run->out);
    *run = (struct piped_run){0};
}

static bool small_is_prime(uint64_t n)
{
    if (n < 2)
        return false;
    for (uint64_t d = 2; d * d <= n; d++)
        if (n % d == 0)
            return false;
    return true;
}

void assert_range_results(const char *output, uint64_t first, uint64_t last, const char *what)
{
    size_t count = (size_t)(last - first + 1);
    unsigned *seen = calloc(count, sizeof *seen);
    cr_assert_not_null(seen);
    size_t lines = 0;
    for (const char *line = output; *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char text[256];
        snprintf(text, sizeof text, "%.*s", (int)len, line);
        struct pool_line l;
        if (pool_parse_line(text, &l)) {
            lines++;
            cr_assert(l.n >= first && l.n <= last,
                      "%s: a result line for %" PRIu64 ", which is not in the input", what, l.n);
            bool prime = small_is_prime(l.n);
            cr_assert_eq(l.prime, prime, "%s: %" PRIu64 " is %s, but its line says %s", what, l.n,
                         prime ? "prime" : "not prime", l.prime ? "P" : "no P");
            seen[l.n - first]++;
        }
        line += len + (end ? 1 : 0);
    }
    for (size_t i = 0; i < count; i++) {
        char unread[128];
        const char *bad = pool_unreadable_line(output, first + i, unread, sizeof unread);
        cr_assert(seen[i] != 0 || bad == NULL,
                  "%s: expected one result line for %" PRIu64 "; there is a line for it, '%s', "
                  "but not in the format of the handout: %s",
                  what, first + i, bad, POOL_LINE_FORMAT);
        cr_assert_eq(seen[i], 1, "%s: expected one result line for %" PRIu64 ", found %u%s", what,
                     first + i, seen[i],
                     seen[i] == 0 ? " (the output stops before it: did the program end early?)"
                                  : " (printed twice: a forked child that carries on with the "
                                    "parent's work, or flushes its copy of stdout's buffer with "
                                    "exit() instead of _exit()?)");
    }
    cr_assert_eq(lines, count, "%s: expected %zu result lines (one per number), found %zu", what,
                 count, lines);
    free(seen);
}

GRADED(hygiene, leaves_no_process_behind)
{
    const char *argv[] = {program_path(LAB, "sequential"), "--range", "1", "60", NULL};
    struct run_spec spec = {.argv = argv, .timeout_s = 5};
    struct run_result r;
    cr_assert(run_program(&spec, &r), "could not start %s", argv[0]);
    cr_assert(!r.timed_out,
              "sequential --range 1 60 timed out: still running after 5 s (an endless loop, "
              "or a deadlock?)");
    cr_assert(r.exited && r.exit_code == 0,
              "sequential --range 1 60: expected exit status 0, got %s%s", run_describe_end(&r),
              !r.signaled           ? ""
              : r.signal == SIGXFSZ ? ": it wrote more than the tests' output cap (8 MiB), an "
                                      "endless loop that prints?"
                                    : ": it crashed");
    assert_range_results(r.out, 1, 60, "sequential --range 1 60");
    cr_assert_eq(r.leftover_processes, 0,
                 "sequential left %d process(es) behind (still running, or zombies never "
                 "reaped): every fork() needs its waitpid(), and a child must _exit()",
                 r.leftover_processes);
    run_result_free(&r);
}

GRADED(hygiene, holds_only_its_standard_fds)
{
    const char *argv[] = {program_path(LAB, "sequential"), "--range", "1", "2000", NULL};
    struct piped_run r;
    piped_run(argv, 5, &r);
    cr_assert(!r.timed_out,
              "sequential --range 1 2000 timed out: still running after 5 s (an endless loop, "
              "or a deadlock?)");
    cr_assert(r.exited && r.exit_code == 0,
              "sequential --range 1 2000: expected exit status 0, got %s",
              r.exited ? "another exit status" : "killed by a signal: it crashed");
    assert_range_results(r.out, 1, 2000, "sequential --range 1 2000 into a pipe");
    cr_assert(r.fds_when_full >= 0,
              "expected sequential to be still running, blocked on its full stdout pipe (4 "
              "KiB), but it never filled it (%zu bytes of output in all)",
              r.out_len);
    cr_assert(r.fds_when_full <= 3,
              "while printing its results sequential held %d file descriptors; expected "
              "only 0, 1 and 2: is a file or a dup() opened per number and never closed?",
              r.fds_when_full);
    piped_run_free(&r);
}
