#include "harness.h"

#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int make_memfd(const char *name, const char *contents)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (contents != NULL) {
        size_t len = strlen(contents);
        if (write(fd, contents, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) != 0) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

/* environ plus the extras, built before fork() because the child may not allocate. */
static char **build_env(const char *const *extra)
{
    size_t base = 0, more = 0;
    while (environ[base] != NULL)
        base++;
    while (extra != NULL && extra[more] != NULL)
        more++;
    char **env = calloc(base + more + 1, sizeof *env);
    if (env == NULL)
        return NULL;
    /* Extras come first: getenv() returns the first match, so they override. */
    for (size_t i = 0; i < more; i++)
        env[i] = (char *)extra[i];
    /* The grader's "test finished" mark file is not the program's business. */
    size_t kept = more;
    for (size_t i = 0; i < base; i++)
        if (strncmp(environ[i], "CONCLAB_MARK_FILE=", 18) != 0)
            env[kept++] = environ[i];
    return env;
}

/* Who runs the code under test. Under the grader as root the test itself (this process:
 * it holds no student code) stays root, and every program or driver it starts runs as
 * the student's sandbox uid, CONCLAB_STUDENT_UID, capped at CONCLAB_STUDENT_NPROC tasks:
 * that uid can then neither read this process's environment or files, nor signal or
 * trace it, nor forge its verdict. Read before fork(): getenv is not async-signal-safe. */
static struct {
    bool drop;
    uid_t uid;
    rlim_t nproc;
} student;

void harness_prepare_student(void)
{
    const char *uid = getenv("CONCLAB_STUDENT_UID");
    const char *nproc = getenv("CONCLAB_STUDENT_NPROC");
    student.drop = uid != NULL && *uid != '\0' && geteuid() == 0;
    student.uid = student.drop ? (uid_t)strtoul(uid, NULL, 10) : 0;
    student.nproc = nproc != NULL && *nproc != '\0' ? (rlim_t)strtoul(nproc, NULL, 10) : 512;
}

void harness_become_student(void)
{
    if (!student.drop)
        return;
    struct rlimit tasks = {student.nproc, student.nproc};
    if (setrlimit(RLIMIT_NPROC, &tasks) < 0 || setgroups(0, NULL) < 0 ||
        setgid((gid_t)student.uid) < 0 || setuid(student.uid) < 0 || getuid() == 0) {
        static const char msg[] = "harness: cannot switch to the student's uid\n";
        ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)ignored;
        _exit(126);
    }
}

/* In the child, between fork() and exec(): async-signal-safe calls only. */
static void exec_child(const struct run_spec *spec, char **env, int in_fd, int out_fd, int err_fd,
                       rlim_t cpu_s)
{
    /* Its own process group, so that a timeout can kill everything it started. */
    setpgid(0, 0);
    if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
        dup2(err_fd, STDERR_FILENO) < 0)
        _exit(127);
    /* The program starts with exactly fds 0, 1 and 2, so fd-leak checks are exact. */
    syscall(SYS_close_range, 3U, ~0U, 0U);

    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    struct rlimit file_cap = {HARNESS_OUTPUT_CAP, HARNESS_OUTPUT_CAP};
    setrlimit(RLIMIT_FSIZE, &file_cap);
    /* A backstop if the wall-clock kill never comes: no more CPU than every core busy
     * for the whole timeout. (Processes and threads are capped by RLIMIT_NPROC: the
     * student's uid's, set in harness_become_student, or the grader's when not root.) */
    struct rlimit cpu_cap = {cpu_s, cpu_s + 2};
    struct rlimit current;
    if (getrlimit(RLIMIT_CPU, &current) == 0 && current.rlim_max != RLIM_INFINITY) {
        if (cpu_cap.rlim_max > current.rlim_max)
            cpu_cap.rlim_max = current.rlim_max;
        if (cpu_cap.rlim_cur > cpu_cap.rlim_max)
            cpu_cap.rlim_cur = cpu_cap.rlim_max;
    }
    setrlimit(RLIMIT_CPU, &cpu_cap);
    /* Restore default signal handling that the runner may have changed. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);

    harness_become_student();
    if (spec->before_exec != NULL)
        spec->before_exec();
    execve(spec->argv[0], (char *const *)spec->argv, env);
    static const char msg[] = "harness: exec failed\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(127);
}

bool run_start(const struct run_spec *spec, struct run_handle *handle)
{
    *handle = (struct run_handle){.pid = -1, .out_fd = -1, .err_fd = -1, .pidfd = -1, .in_fd = -1};
    handle->timeout_s = spec->timeout_s > 0 ? spec->timeout_s : 10.0;

    /* Orphans of the program are re-parented to us, so leftovers can be counted. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        return false;

    int in_fd = -1;
    if (spec->stdin_pipe) {
        int ends[2];
        if (pipe2(ends, O_CLOEXEC) < 0)
            return false;
        in_fd = ends[0];
        handle->in_fd = ends[1];
    } else {
        in_fd = spec->stdin_text ? make_memfd("stdin", spec->stdin_text)
                                 : open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    handle->out_fd = make_memfd("stdout", NULL);
    handle->err_fd = make_memfd("stderr", NULL);
    char **env = build_env(spec->env);
    if (in_fd < 0 || handle->out_fd < 0 || handle->err_fd < 0 || env == NULL)
        goto fail;

    rlim_t cpu_s = (rlim_t)(handle->timeout_s * online_cpus()) + 2;
    harness_prepare_student();
    fflush(NULL); /* or buffered test output would be written twice */
    handle->start_ns = now_ns();
    pid_t pid = fork();
    if (pid < 0)
        goto fail;
    if (pid == 0)
        exec_child(spec, env, in_fd, handle->out_fd, handle->err_fd, cpu_s);

    setpgid(pid, pid); /* also here, so that the group exists before we might kill it */
    handle->pid = pid;
    handle->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    close(in_fd);
    free(env);
    return true;

fail:
    if (in_fd >= 0)
        close(in_fd);
    free(env);
    return false;
}

static char *read_capped(int fd, size_t *len_out)
{
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 0)
        size = 0;
    size_t len = (size_t)size > HARNESS_OUTPUT_CAP ? HARNESS_OUTPUT_CAP : (size_t)size;
    char *text = malloc(len + 1);
    if (text == NULL)
        cr_assert_fail("out of memory reading the program's output");
    ssize_t got = pread(fd, text, len, 0);
    len = got > 0 ? (size_t)got : 0;
    text[len] = '\0';
    *len_out = len;
    return text;
}

/* True once the program has ended (it stays unreaped until run_finish()). */
static bool has_ended(struct run_handle *handle)
{
    siginfo_t info = {0};
    return waitid(P_PID, (id_t)handle->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == handle->pid;
}

bool run_wait_for_output(struct run_handle *handle, const char *needle, double timeout_s)
{
    long long deadline = now_ns() + (long long)(timeout_s * 1e9);
    for (;;) {
        size_t len;
        char *out = read_capped(handle->out_fd, &len);
        bool found = strstr(out, needle) != NULL;
        free(out);
        if (found)
            return true;
        if (now_ns() >= deadline || has_ended(handle))
            return false;
        struct timespec pause = {0, 2000000};
        nanosleep(&pause, NULL);
    }
}

/* Waits for the pid until the deadline; true if it ended in time. */
static bool wait_until(struct run_handle *handle, long long deadline_ns)
{
    for (;;) {
        if (has_ended(handle))
            return true;
        long long left_ms = (deadline_ns - now_ns()) / 1000000;
        if (left_ms <= 0)
            return false;
        if (handle->pidfd >= 0) {
            /* A pidfd becomes readable when the process ends. */
            struct pollfd p = {.fd = handle->pidfd, .events = POLLIN};
            poll(&p, 1, (int)(left_ms > 1000 ? 1000 : left_ms));
        } else {
            struct timespec pause = {0, 1000000};
            nanosleep(&pause, NULL);
        }
    }
}

/* Counts our remaining children (the program's orphans and unreaped zombies), kills
 * them, and reaps them. */
static int collect_leftovers(void)
{
    int leftovers = 0;
    pid_t children[256];
    int count = proc_children(getpid(), children, 256);
    for (int i = 0; i < count && i < 256; i++) {
        leftovers++;
        kill(children[i], SIGKILL);
    }
    /* Reap without blocking forever: every child was just sent SIGKILL. */
    for (int tries = 0; tries < 2000; tries++) {
        pid_t pid = waitpid(-1, NULL, WNOHANG);
        if (pid < 0 && errno == ECHILD)
            break;
        if (pid == 0) {
            struct timespec pause = {0, 1000000};
            nanosleep(&pause, NULL);
        }
    }
    return leftovers;
}

bool run_send(struct run_handle *handle, const char *text)
{
    /* A program that has ended must fail the test, not kill it with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    size_t len = strlen(text), done = 0;
    while (handle->in_fd >= 0 && done < len) {
        ssize_t n = write(handle->in_fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += (size_t)n;
    }
    return handle->in_fd >= 0;
}

void run_close_stdin(struct run_handle *handle)
{
    if (handle->in_fd >= 0)
        close(handle->in_fd);
    handle->in_fd = -1;
}

char *run_output_so_far(struct run_handle *handle)
{
    size_t len;
    return read_capped(handle->out_fd, &len);
}

void run_finish(struct run_handle *handle, struct run_result *result)
{
    *result = (struct run_result){0};
    run_close_stdin(handle);
    long long deadline = handle->start_ns + (long long)(handle->timeout_s * 1e9);
    if (!wait_until(handle, deadline)) {
        result->timed_out = true;
        kill(-handle->pid, SIGKILL);
        kill(handle->pid, SIGKILL);
    }

    int status = 0;
    struct rusage usage = {0};
    while (wait4(handle->pid, &status, 0, &usage) < 0 && errno == EINTR)
        continue;
    result->wall_s = (double)(now_ns() - handle->start_ns) / 1e9;
    result->exited = WIFEXITED(status);
    result->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result->signaled = WIFSIGNALED(status);
    result->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    result->user_s = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6;
    result->sys_s = (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;

    /* Give exiting orphans a moment to be re-parented to us before counting. */
    struct timespec settle = {0, 20000000};
    nanosleep(&settle, NULL);
    kill(-handle->pid, SIGKILL); /* nothing of the run may outlive it */
    result->leftover_processes = collect_leftovers();

    result->out = read_capped(handle->out_fd, &result->out_len);
    result->err = read_capped(handle->err_fd, &result->err_len);
    close(handle->out_fd);
    close(handle->err_fd);
    if (handle->pidfd >= 0)
        close(handle->pidfd);
    handle->pid = -1;
}

bool run_program(const struct run_spec *spec, struct run_result *result)
{
    struct run_handle handle;
    if (!run_start(spec, &handle)) {
        *result = (struct run_result){0};
        result->err = strdup("harness: could not start the program");
        result->out = strdup("");
        return false;
    }
    run_finish(&handle, result);
    return true;
}

void run_result_free(struct run_result *result)
{
    free(result->out);
    free(result->err);
    *result = (struct run_result){0};
}

static const char *path_in(const char *root, const char *lab, const char *program)
{
    static char ring[8][PATH_MAX];
    static unsigned next;
    char *path = ring[next++ % 8];
    int len = snprintf(path, PATH_MAX, "%s/%s/%s", root, lab, program);
    if (len < 0 || len >= PATH_MAX)
        cr_assert_fail("harness: the path of %s/%s under %.100s is too long", lab, program, root);
    return path;
}

/* The build this test binary sits in: build/<impl>/<lab>/tests -> build/<impl>. Run by
 * hand, a test binary therefore tests the programs built beside it, never another build. */
static const char *own_build_root(void)
{
    static char root[PATH_MAX];
    if (root[0] == '\0') {
        ssize_t len = readlink("/proc/self/exe", root, sizeof root - 1);
        if (len <= 0) {
            snprintf(root, sizeof root, "%s", ".");
            return root;
        }
        root[len] = '\0';
        for (int up = 0; up < 2; up++) {
            char *slash = strrchr(root, '/');
            if (slash == NULL || slash == root)
                break;
            *slash = '\0';
        }
    }
    return root;
}

const char *program_path(const char *lab, const char *program)
{
    const char *root = getenv("CONCLAB_BIN");
    return path_in(root && *root ? root : own_build_root(), lab, program);
}

const char *tsan_program_path(const char *lab, const char *program)
{
    const char *root = getenv("CONCLAB_TSAN_BIN");
    return root && *root ? path_in(root, lab, program) : NULL;
}

static int count_dir_entries(const char *path)
{
    DIR *dir = opendir(path);
    if (dir == NULL)
        return -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL)
        if (entry->d_name[0] != '.')
            count++;
    closedir(dir);
    return count;
}

int proc_thread_count(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    return count_dir_entries(path);
}

int proc_fd_count(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    return count_dir_entries(path);
}

int proc_children(pid_t pid, pid_t *children, int max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *dir = opendir(path);
    if (dir == NULL)
        return -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        char file[PATH_MAX];
        snprintf(file, sizeof file, "/proc/%d/task/%s/children", (int)pid, entry->d_name);
        FILE *in = fopen(file, "r");
        if (in == NULL)
            continue;
        int child;
        while (fscanf(in, "%d", &child) == 1) {
            if (count < max)
                children[count] = child;
            count++;
        }
        fclose(in);
    }
    closedir(dir);
    return count;
}

char proc_state(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *in = fopen(path, "r");
    if (in == NULL)
        return 0;
    char buf[512];
    size_t len = fread(buf, 1, sizeof buf - 1, in);
    fclose(in);
    buf[len] = '\0';
    /* The command name may hold spaces and parentheses: the state follows the last ')'. */
    char *close_paren = strrchr(buf, ')');
    return (close_paren && close_paren[1] == ' ') ? close_paren[2] : 0;
}

int online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

void skip_unless_cpus(int n)
{
    int have = online_cpus();
    if (have < n)
        cr_skip_test("needs at least %d CPUs to observe parallelism; this machine has %d", n, have);
}

const char *run_describe_end(const struct run_result *result)
{
    static char text[128];
    if (result->timed_out)
        snprintf(text, sizeof text, "timed out after %.1f s and was killed", result->wall_s);
    else if (result->signaled)
        snprintf(text, sizeof text, "killed by signal %d (%s)", result->signal,
                 strsignal(result->signal));
    else if (result->exited)
        snprintf(text, sizeof text, "exit status %d", result->exit_code);
    else
        snprintf(text, sizeof text, "an unknown end");
    return text;
}

size_t count_substr(const char *haystack, const char *needle)
{
    size_t count = 0, len = strlen(needle);
    if (len == 0)
        return 0;
    for (const char *p = strstr(haystack, needle); p != NULL; p = strstr(p + len, needle))
        count++;
    return count;
}

size_t count_lines(const char *text)
{
    size_t lines = 0;
    const char *p = text;
    for (; *p != '\0'; p++)
        if (*p == '\n')
            lines++;
    if (p != text && p[-1] != '\n')
        lines++;
    return lines;
}
