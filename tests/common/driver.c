#include "driver.h"

#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void driver_start(struct driver *d, const char *lab, const char *program, double timeout_s)
{
    *d = (struct driver){.program = program};
    const char *argv[] = {program_path(lab, program), NULL};
    struct run_spec spec = {.argv = argv, .stdin_pipe = true, .timeout_s = timeout_s};
    cr_assert(run_start(&spec, &d->run), "could not start the test driver %s", argv[0]);
}

void driver_send(struct driver *d, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *line = NULL;
    int len = vasprintf(&line, format, args);
    va_end(args);
    cr_assert(len >= 0, "out of memory");
    bool sent = run_send(&d->run, line) && run_send(&d->run, "\n");
    free(line);
    cr_assert(sent,
              "the test driver %s ended before it was told everything: a crash or "
              "an exit() in the code under test?",
              d->program);
}

/* The next whole line of its stdout past read_upto, or NULL if none is complete yet. */
static char *next_line(struct driver *d)
{
    char *out = run_output_so_far(&d->run);
    char *start = out + d->read_upto;
    char *end = strchr(start, '\n');
    char *line = NULL;
    if (end != NULL) {
        line = strndup(start, (size_t)(end - start));
        d->read_upto += (size_t)(end - start) + 1;
    }
    free(out);
    return line;
}

static bool has_ended(struct driver *d)
{
    siginfo_t info = {0};
    return waitid(P_PID, (id_t)d->run.pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == d->run.pid;
}

char *driver_expect(struct driver *d, const char *prefix, double timeout_s)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double deadline = (double)now.tv_sec + (double)now.tv_nsec / 1e9 + timeout_s;
    for (;;) {
        char *line;
        while ((line = next_line(d)) != NULL) {
            if (strncmp(line, prefix, strlen(prefix)) == 0)
                return line;
            free(line);
        }
        bool ended = has_ended(d);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)now.tv_sec + (double)now.tv_nsec / 1e9 >= deadline)
            return NULL;
        if (ended) {
            /* What it wrote before it ended may still hold the line. */
            line = next_line(d);
            if (line == NULL)
                return NULL;
            if (strncmp(line, prefix, strlen(prefix)) == 0)
                return line;
            free(line);
            continue;
        }
        struct timespec pause = {0, 2 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

void driver_finish(struct driver *d, struct run_result *result)
{
    run_close_stdin(&d->run);
    run_finish(&d->run, result);
}
