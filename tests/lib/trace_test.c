#include "trace.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Criterion runs each test in its own process, so each may call trace_start() once. */

static char *temp_path(void)
{
    static char path[] = "/tmp/conclab-trace-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0, "mkstemp failed");
    close(fd);
    return path;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot open %s", path);
    static char text[1 << 22];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void *worker(void *arg)
{
    trace_name_thread((const char *)arg);
    int64_t t = trace_now();
    trace_instant("test", "hello", "n", 42);
    trace_span("test", "work", t);
    return NULL;
}

Test(trace, off_by_default_and_costs_no_clock_read)
{
    cr_assert(!trace_enabled);
    cr_assert_eq(trace_now(), 0);
    trace_instant("test", "ignored", NULL, 0);
    cr_assert_eq(trace_finish(), 0);
}

Test(trace, records_threads_and_forked_children_and_writes_once)
{
    char *path = temp_path();
    char *argv[] = {"prog", "--flag", "two words", NULL};
    cr_assert_eq(trace_start(path, 3, argv, "prog"), 0);
    cr_assert(trace_enabled);
    cr_assert_eq(trace_start(path, 3, argv, "prog"), -EALREADY);
    pthread_t a, b;
    cr_assert_eq(pthread_create(&a, NULL, worker, "thread a"), 0);
    cr_assert_eq(pthread_create(&b, NULL, worker, "thread b"), 0);
    cr_assert_eq(pthread_join(a, NULL), 0);
    cr_assert_eq(pthread_join(b, NULL), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        trace_name_process("child");
        worker("child main");
        cr_assert_eq(trace_finish(), 0); /* does nothing in a child */
        _exit(0);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cr_assert_eq(trace_finish(), 0);
    char *text = slurp(path);
    cr_assert_not_null(strstr(text, "\"displayTimeUnit\":\"ms\""));
    cr_assert_not_null(strstr(text, "\"args\":{\"name\":\"thread a\""), "%s", text);
    cr_assert_not_null(strstr(text, "\"args\":{\"name\":\"thread b\""));
    cr_assert_not_null(strstr(text, "\"args\":{\"name\":\"child main\""));
    cr_assert_not_null(strstr(text, "\"name\":\"process_name\""));
    cr_assert_not_null(strstr(text, "\"args\":{\"name\":\"child\"}"));
    cr_assert_not_null(strstr(text, "\"command\":\"prog --flag 'two words'\""));
    cr_assert_not_null(strstr(text, "\"events\":6,"), "%s", text);
    cr_assert_not_null(strstr(text, "\"dropped_events\":0,"));
    cr_assert_not_null(strstr(text, "\"ph\":\"i\""));
    cr_assert_not_null(strstr(text, "\"s\":\"t\",\"args\":{\"n\":42}"));
    /* Written once: a second call leaves the file alone. */
    cr_assert_eq(truncate(path, 0), 0);
    cr_assert_eq(trace_finish(), 0);
    cr_assert_str_empty(slurp(path));
    unlink(path);
}

Test(trace, full_buffer_drops_and_counts)
{
    char *path = temp_path();
    char *argv[] = {"prog", NULL};
    cr_assert_eq(trace_start(path, 1, argv, "prog"), 0);
    for (int i = 0; i < TRACE_BUFFER_EVENTS + 7; i++)
        trace_instant("test", "tick", NULL, 0);
    cr_assert_eq(trace_finish(), 0);
    char *text = slurp(path);
    char expect[64];
    snprintf(expect, sizeof expect, "\"events\":%d,\"dropped_events\":7,", TRACE_BUFFER_EVENTS);
    cr_assert_not_null(strstr(text, expect), "expected %s in the trace's otherData", expect);
    cr_assert_not_null(strstr(text, "\"dropped_events\":7}"), "thread metadata count");
    unlink(path);
}

Test(trace, unwritable_path_is_an_error_and_leaves_tracing_off)
{
    char *argv[] = {"prog", NULL};
    cr_assert_lt(trace_start("/nonexistent-dir/x.json", 1, argv, "prog"), 0);
    cr_assert(!trace_enabled);
}

static void *one_instant(void *arg)
{
    (void)arg;
    trace_instant("test", "one", NULL, 0);
    return NULL;
}

Test(trace, threads_beyond_the_buffers_drop_and_count)
{
    char *path = temp_path();
    char *argv[] = {"prog", NULL};
    cr_assert_eq(trace_start(path, 1, argv, "prog"), 0);
    /* One at a time, so that every thread is a new one. */
    for (int i = 0; i < TRACE_MAX_BUFFERS + 2; i++) {
        pthread_t t;
        cr_assert_eq(pthread_create(&t, NULL, one_instant, NULL), 0);
        cr_assert_eq(pthread_join(t, NULL), 0);
    }
    cr_assert_eq(trace_finish(), 0);
    char *text = slurp(path);
    char expect[64];
    snprintf(expect, sizeof expect, "\"events\":%d,\"dropped_events\":2,", TRACE_MAX_BUFFERS);
    cr_assert_not_null(strstr(text, expect), "expected %s in the trace's otherData", expect);
    unlink(path);
}
