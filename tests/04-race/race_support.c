/*
 * race_support: running the lab's programs for the graded tests.
 */
#include "race_support.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

double race_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *race_describe(const char *program, const char *const *args)
{
    static char ring[4][512];
    static unsigned next;
    char *text = ring[next++ % 4];
    snprintf(text, sizeof ring[0], "%s", program);
    for (size_t i = 0; args[i] != NULL; i++)
        snprintf(text + strlen(text), sizeof ring[0] - strlen(text), " %s", args[i]);
    return text;
}

const char *race_last_lines(const char *out, size_t lines)
{
    const char *start = out + strlen(out);
    if (start > out && start[-1] == '\n')
        start--;
    while (start > out) {
        if (start[-1] == '\n' && lines-- <= 1)
            break;
        start--;
    }
    return start;
}

const char *race_find_line(const char *out, const char *prefix)
{
    const char *found = NULL;
    size_t len = strlen(prefix);
    for (const char *line = out; line != NULL && *line != '\0';) {
        if (strncmp(line, prefix, len) == 0)
            found = line;
        const char *newline = strchr(line, '\n');
        line = newline ? newline + 1 : NULL;
    }
    return found;
}

/* ---- What the threads of a stuck program are doing, from /proc ---- */

/* One look at one thread. */
struct sample {
    pid_t tid;
    char name[32];
    char state;
    unsigned long long cpu; /* utime + stime, in clock ticks */
    char wchan[40];
};

/* Reads the first line of path into buf ("" if it cannot). */
static void read_line(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *in = fopen(path, "r");
    if (in == NULL)
        return;
    if (fgets(buf, (int)size, in) == NULL)
        buf[0] = '\0';
    fclose(in);
    buf[strcspn(buf, "\n")] = '\0';
}

/* Adds the threads of process pid to samples (at most max in all); returns the count. */
static int sample_process(pid_t pid, bool main_process, struct sample *samples, int count, int max)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *dir = opendir(path);
    if (dir == NULL)
        return count;
    char main_name[32];
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    read_line(path, main_name, sizeof main_name);
    struct dirent *entry;
    while (count < max && (entry = readdir(dir)) != NULL) {
        pid_t tid = (pid_t)atoi(entry->d_name);
        if (tid <= 0)
            continue;
        struct sample *s = &samples[count];
        *s = (struct sample){.tid = tid};
        char stat[512], comm[32];
        snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
        read_line(path, stat, sizeof stat);
        snprintf(path, sizeof path, "/proc/%d/task/%d/comm", (int)pid, (int)tid);
        read_line(path, comm, sizeof comm);
        snprintf(path, sizeof path, "/proc/%d/task/%d/wchan", (int)pid, (int)tid);
        read_line(path, s->wchan, sizeof s->wchan);
        /* The name may hold spaces and parentheses: the fields follow the last ')'. */
        char *fields = strrchr(stat, ')');
        if (fields == NULL)
            continue;
        unsigned long long utime = 0, stime = 0;
        if (sscanf(fields + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &s->state,
                   &utime, &stime) != 3)
            continue;
        s->cpu = utime + stime;
        if (tid == pid)
            snprintf(s->name, sizeof s->name, main_process ? "main" : "process %d", (int)pid);
        else if (strcmp(comm, main_name) != 0)
            snprintf(s->name, sizeof s->name, "%s", comm); /* named by the program */
        else
            snprintf(s->name, sizeof s->name, "thread %d", (int)tid);
        count++;
    }
    closedir(dir);
    return count;
}

static int sample_all(pid_t pid, struct sample *samples, int max)
{
    int count = sample_process(pid, true, samples, 0, max);
    pid_t children[16];
    int n = proc_children(pid, children, 16);
    for (int i = 0; i < n && i < 16; i++)
        count = sample_process(children[i], false, samples, count, max);
    return count;
}

void race_look(pid_t pid, struct race_threads *threads)
{
    static struct sample first[RACE_MAX_THREADS], second[RACE_MAX_THREADS];
    int n1 = sample_all(pid, first, RACE_MAX_THREADS);
    struct timespec pause = {0, 300000000};
    nanosleep(&pause, NULL);
    int n2 = sample_all(pid, second, RACE_MAX_THREADS);
    threads->count = 0;
    for (int j = 0; j < n2; j++) {
        const struct sample *now = &second[j];
        /* The checkers' own helpers sleep by design: they say nothing about the code. */
        if (strcmp(now->name, "reporter") == 0 || strcmp(now->name, "waker") == 0)
            continue;
        const struct sample *before = NULL;
        for (int i = 0; i < n1 && before == NULL; i++)
            if (first[i].tid == now->tid)
                before = &first[i];
        enum race_doing doing;
        if (now->state == 'R' || (before && (before->state == 'R' || before->cpu != now->cpu)))
            doing = RACE_RUNNING;
        else if (strstr(now->wchan, "futex") != NULL)
            doing = RACE_FUTEX;
        else if (strstr(now->wchan, "sleep") != NULL)
            doing = RACE_SLEEPING;
        else
            doing = RACE_OTHER;
        int k = threads->count++;
        snprintf(threads->thread[k].name, sizeof threads->thread[k].name, "%s", now->name);
        threads->thread[k].doing = doing;
        if (now->state == 'Z' || now->state == 'X')
            threads->thread[k].doing = RACE_EXITED;
        if (now->wchan[0] == '\0' || strcmp(now->wchan, "0") == 0)
            snprintf(threads->thread[k].where, sizeof threads->thread[k].where, "state %c",
                     now->state);
        else
            snprintf(threads->thread[k].where, sizeof threads->thread[k].where, "%s", now->wchan);
    }
}

int race_count(const struct race_threads *threads, const char *prefix, enum race_doing doing)
{
    int count = 0;
    for (int i = 0; i < threads->count; i++)
        count += threads->thread[i].doing == doing &&
                 (prefix == NULL || strncmp(threads->thread[i].name, prefix, strlen(prefix)) == 0);
    return count;
}

const char *race_describe_threads(const struct race_threads *threads)
{
    static char text[900];
    static const char *const doing[] = {
        [RACE_FUTEX] = "waiting (futex: a lock or a condition variable)",
        [RACE_SLEEPING] = "sleeping",
        [RACE_RUNNING] = "running",
        [RACE_OTHER] = "blocked in",
        [RACE_EXITED] = "exited (not reaped yet)",
    };
    text[0] = '\0';
    for (int i = 0; i < threads->count && strlen(text) < sizeof text - 100; i++) {
        size_t used = strlen(text);
        snprintf(text + used, sizeof text - used, "%s%s: %s%s%s", i > 0 ? "; " : "",
                 threads->thread[i].name, doing[threads->thread[i].doing],
                 threads->thread[i].doing == RACE_OTHER ? " " : "",
                 threads->thread[i].doing == RACE_OTHER ? threads->thread[i].where : "");
    }
    if (threads->count == 0)
        snprintf(text, sizeof text, "(its threads could not be read)");
    return text;
}

/* ---- Running a program ---- */

void race_start(enum race_build build, const char *program, const char *const *args,
                const char *stdin_text, double timeout_s, struct run_handle *handle)
{
    const char *path;
    if (build == RACE_TSAN) {
        path = tsan_program_path(RACE_LAB, program);
        cr_assert(path != NULL,
                  "this test needs the ThreadSanitizer build of %s, but CONCLAB_TSAN_BIN is "
                  "not set: run it with `make grade` (or build with SAN=thread and set "
                  "CONCLAB_TSAN_BIN=build/tsan/<impl>)",
                  program);
    } else {
        path = program_path(RACE_LAB, program);
    }
    const char *argv[32] = {path};
    size_t i = 0;
    for (; args[i] != NULL; i++) {
        cr_assert(i < 30, "too many arguments");
        argv[i + 1] = args[i];
    }
    argv[i + 1] = NULL;
    /* halt_on_error would hide later reports; exitcode makes any report visible in the
     * exit status too. */
    static const char *const env[] = {"TSAN_OPTIONS=exitcode=66 second_deadlock_stack=1", NULL};
    struct run_spec spec = {.argv = argv,
                            .stdin_text = stdin_text,
                            .env = build == RACE_TSAN ? env : NULL,
                            .timeout_s = timeout_s};
    cr_assert(run_start(&spec, handle), "could not start %s", path);
}

bool race_ended(struct run_handle *handle)
{
    siginfo_t info = {0};
    return waitid(P_PID, (id_t)handle->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == handle->pid;
}

struct run_result race_finish(struct run_handle *handle, bool kill_now)
{
    if (kill_now) {
        kill(-handle->pid, SIGKILL);
        kill(handle->pid, SIGKILL);
    }
    struct run_result r;
    run_finish(handle, &r);
    if (kill_now)
        r.timed_out = true;
    return r;
}

void race_check_end(enum race_build build, const struct run_result *r, const char *what)
{
    const char *report = build == RACE_TSAN ? strstr(r->err, "WARNING: ThreadSanitizer") : NULL;
    cr_assert(report == NULL,
              "%s: ThreadSanitizer found a problem (two threads touch the same memory "
              "without a lock or an atomic between them, or locks are taken in "
              "conflicting orders). Its report starts:\n%.1500s",
              what, report);
    cr_assert(r->timed_out || !r->signaled, "%s: %s (stderr: %.300s)", what, run_describe_end(r),
              r->err);
}

struct run_result race_run(enum race_build build, const char *program, const char *const *args,
                           const char *stdin_text, double timeout_s, const char *what,
                           const char *hang_hint)
{
    struct run_handle handle;
    race_start(build, program, args, stdin_text, timeout_s, &handle);
    double deadline = race_now() + timeout_s;
    while (!race_ended(&handle) && race_now() < deadline) {
        struct timespec pause = {0, 5000000};
        nanosleep(&pause, NULL);
    }
    static struct race_threads threads;
    bool hung = !race_ended(&handle);
    if (hung)
        race_look(handle.pid, &threads);
    struct run_result r = race_finish(&handle, hung);
    const char *report = build == RACE_TSAN ? strstr(r.err, "WARNING: ThreadSanitizer") : NULL;
    cr_assert(!hung,
              "%s: did not finish within %.0f s. Its threads, looked at twice 0.3 s apart: %s. "
              "%s%s%.1500s",
              what, timeout_s, race_describe_threads(&threads), hang_hint,
              report ? "\nThreadSanitizer had reported, before the hang:\n" : "",
              report ? report : "");
    race_check_end(build, &r, what);
    return r;
}

void race_expect_exit(const struct run_result *r, int code, const char *what, const char *hint)
{
    cr_assert(r->exited && r->exit_code == code,
              "%s: expected exit status %d, got %s. %s\n"
              "stdout ends: %.400s\nstderr: %.400s",
              what, code, run_describe_end(r), hint,
              r->out_len > 400 ? r->out + r->out_len - 400 : r->out, r->err);
    /* Checked after the exit status: a program that dies on an error leaves its
     * children unreaped, and the error is the news. */
    cr_assert(r->leftover_processes == 0,
              "%s: left %d process(es) behind (still running, or exited and never reaped): "
              "does the parent call waitpid() for every child it forked?",
              what, r->leftover_processes);
}
