/*
 * proc_event_driver: runs the student's process-shared event (proc_event.c) for the
 * graded tests of lab 01, part B.
 *
 * The tests (proc_event_test.c) hold no student code: they start this program, built
 * from the student's proc_event.c, send it commands on stdin and judge what it prints;
 * they time the reports themselves. It uses only the functions of proc_event.h, so it
 * fits any design of the struct. There is one event at a time, in this one process.
 *
 *   fds              "fds N": the file descriptors this process holds beyond 0, 1, 2
 *   exec-fds         forks a child that execs this program again, which reports
 *                    "exec-fds N": the descriptors beyond 0, 1, 2 a program started
 *                    with exec() after this point inherits
 *   new              proc_event_init(): "new RC"
 *   set              proc_event_set(): "set RC"
 *   close            proc_event_close(): "closed"
 *   wait MS          proc_event_wait(MS ms; negative: no limit): "waited RET"
 *   storm MS         from now on a signal (SIGALRM, whose handler does nothing) comes every
 *                    MS ms, interrupting whatever system call is under way: "storming"
 *   calm             no more signals: "calm"
 *   slow-signal AT D one signal AT ms from now, whose handler takes D ms: "armed"
 *   open             opens /dev/null, a file unrelated to the event (it gets the lowest
 *                    free descriptor, maybe one the event closed): "opened FD"
 *   is-open          whether that file is still open on its descriptor: "is-open 1|0"
 *   close-unrelated  closes that file: "unrelated closed"
 * A command it cannot parse ends it with status 2.
 */
#include "proc_event.h"

#include "driver_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL

static struct proc_event the_event;

/* How long the SIGALRM handler takes, in ms (0: it returns at once). */
static volatile sig_atomic_t handler_ms;

static void on_alarm(int sig)
{
    (void)sig;
    if (handler_ms > 0) {
        struct timespec d = {handler_ms / 1000, (long)(handler_ms % 1000) * 1000000L};
        nanosleep(&d, NULL); /* async-signal-safe */
    }
}

/* The file of "open", unrelated to the event, and its identity. */
static int unrelated = -1;
static struct stat unrelated_stat;

static void fail(const char *what)
{
    fprintf(stderr, "proc_event_driver: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* The descriptors this process holds beyond 0, 1 and 2 (the listing's own excepted). */
static int count_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL)
        fail("/proc/self/fd");
    int n = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        int fd = atoi(entry->d_name);
        if (fd > 2 && fd != dirfd(dir))
            n++;
    }
    closedir(dir);
    return n;
}

static void exec_fds(void)
{
    fflush(stdout);
    pid_t child = fork();
    if (child < 0)
        fail("fork");
    if (child == 0) {
        execl("/proc/self/exe", "proc_event_driver", "--count-fds", (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            fail("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        report("exec-fds failed");
}

/* Whether the unrelated file is still open on its descriptor (not closed, nor the
 * descriptor reused by another file). */
static int unrelated_is_open(void)
{
    struct stat now;
    if (unrelated < 0 || fstat(unrelated, &now) < 0)
        return 0;
    return now.st_dev == unrelated_stat.st_dev && now.st_ino == unrelated_stat.st_ino &&
           now.st_rdev == unrelated_stat.st_rdev;
}

/* A SIGALRM every period_ms ms, or after first_ms once (period 0), or none (both 0). */
static void alarm_every(long first_ms, long period_ms)
{
    struct itimerval t = {
        .it_interval = {period_ms / 1000, (period_ms % 1000) * 1000},
        .it_value = {first_ms / 1000, (first_ms % 1000) * 1000},
    };
    if (setitimer(ITIMER_REAL, &t, NULL) < 0)
        fail("setitimer");
}

int main(int argc, char *argv[])
{
    if (argc == 2 && strcmp(argv[1], "--count-fds") == 0) {
        report("exec-fds %d", count_fds());
        return 0;
    }
    /* SA_RESTART keeps the reading of commands going; poll(), ppoll(), sem_timedwait()
     * and the like are never restarted: they fail with EINTR whatever the flag. */
    struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGALRM, &sa, NULL) < 0)
        fail("sigaction");

    static char line[256];
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        long a = 0, b = 0;
        if (strcmp(line, "fds") == 0) {
            report("fds %d", count_fds());
        } else if (strcmp(line, "exec-fds") == 0) {
            exec_fds();
        } else if (strcmp(line, "new") == 0) {
            report("new %d", proc_event_init(&the_event));
        } else if (strcmp(line, "set") == 0) {
            report("set %d", proc_event_set(&the_event));
        } else if (strcmp(line, "close") == 0) {
            proc_event_close(&the_event);
            report("closed");
        } else if (strcmp(line, "open") == 0) {
            unrelated = open("/dev/null", O_RDONLY);
            if (unrelated < 0 || fstat(unrelated, &unrelated_stat) < 0)
                fail("/dev/null");
            report("opened %d", unrelated);
        } else if (strcmp(line, "is-open") == 0) {
            report("is-open %d", unrelated_is_open());
        } else if (strcmp(line, "close-unrelated") == 0) {
            if (unrelated >= 0)
                close(unrelated);
            unrelated = -1;
            report("unrelated closed");
        } else if (sscanf(line, "wait %ld", &a) == 1) {
            report("waited %d", proc_event_wait(&the_event, a < 0 ? -1 : a * MS));
        } else if (sscanf(line, "storm %ld", &a) == 1 && a > 0) {
            handler_ms = 0;
            alarm_every(a, a);
            report("storming");
        } else if (strcmp(line, "calm") == 0) {
            alarm_every(0, 0);
            report("calm");
        } else if (sscanf(line, "slow-signal %ld %ld", &a, &b) == 2 && a > 0 && b >= 0) {
            handler_ms = (sig_atomic_t)b;
            alarm_every(a, 0);
            report("armed");
        } else {
            usage_error(line);
        }
    }
    return 0;
}
