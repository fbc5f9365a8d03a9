/*
 * trace: per-thread event buffers in one shared mapping, written as Trace Event Format
 * JSON by the starting process at exit (see trace.h).
 */
/* This file always holds the real switch, even in a build whose marks are compiled out. */
#undef CONCLAB_TRACE_COMPILED_OUT
#include "trace.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* One event: 64 bytes. An instant has dur_ns < 0. The strings are the caller's static
 * ones (see trace.h): only their addresses are stored. */
struct trace_event {
    int64_t ts_ns; /* since trace_start() */
    int64_t dur_ns;
    const char *cat;
    const char *name;
    const char *key0;
    int64_t value0;
    const char *key1;
    int64_t value1;
};

/* One thread's buffer. Only its owner writes events and names; the writer reads them
 * after the owner has stopped (trace.h), `count` published with release so that a
 * straggler's half-written event is never read. */
struct trace_buffer {
    atomic_uint_least64_t count;   /* events stored (owner: release; writer: acquire) */
    atomic_uint_least64_t dropped; /* events lost because the buffer was full */
    int32_t pid;
    int32_t tid;
    char thread_name[TRACE_NAME_MAX];
    char process_name[TRACE_NAME_MAX]; /* set by trace_name_process(); "" if never */
    struct trace_event events[TRACE_BUFFER_EVENTS];
};

/* The mapping, shared with every forked child. */
struct trace_shared {
    atomic_uint next_buffer;          /* buffers claimed so far (may pass the maximum) */
    atomic_uint_least64_t unbuffered; /* events of threads that found no free buffer */
    struct trace_buffer buffers[TRACE_MAX_BUFFERS];
};

bool trace_enabled;

/* Set by trace_start(), read-only afterwards (forked children get copies). */
static struct trace_shared *shared;
static int64_t start_ns;
static pid_t starter_pid;
static char *trace_path;
static char *command_line;
static char starter_name[TRACE_NAME_MAX];
static atomic_bool written;

/* The calling thread's buffer (NULL until its first mark), and whether it found none
 * free (then it drops every event). */
static _Thread_local struct trace_buffer *mine;
static _Thread_local bool refused;

int64_t trace_clock_ns(void)
{
    if (!trace_enabled)
        return 0;
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail with a valid pointer. */
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A forked child's only thread inherits the parent thread's buffer pointer: it must
 * claim its own. */
static void trace_after_fork_child(void)
{
    mine = NULL;
    refused = false;
}

static void copy_name(char *dst, const char *src)
{
    snprintf(dst, TRACE_NAME_MAX, "%s", src == NULL ? "" : src);
}

/* The calling thread's buffer, claimed on first use; NULL if none was free. */
static struct trace_buffer *my_buffer(void)
{
    if (mine != NULL || refused)
        return mine;
    unsigned index = atomic_fetch_add(&shared->next_buffer, 1);
    if (index >= TRACE_MAX_BUFFERS) {
        refused = true;
        return NULL;
    }
    struct trace_buffer *buffer = &shared->buffers[index];
    buffer->pid = (int32_t)getpid();
    buffer->tid = (int32_t)gettid();
    snprintf(buffer->thread_name, sizeof buffer->thread_name, "thread %d", (int)buffer->tid);
    mine = buffer;
    return mine;
}

/* Appends one event to the calling thread's buffer, or counts it as dropped. */
static void record(const struct trace_event *event)
{
    struct trace_buffer *buffer = my_buffer();
    if (buffer == NULL) {
        atomic_fetch_add_explicit(&shared->unbuffered, 1, memory_order_relaxed);
        return;
    }
    uint64_t n = atomic_load_explicit(&buffer->count, memory_order_relaxed);
    if (n >= TRACE_BUFFER_EVENTS) {
        atomic_fetch_add_explicit(&buffer->dropped, 1, memory_order_relaxed);
        return;
    }
    buffer->events[n] = *event;
    atomic_store_explicit(&buffer->count, n + 1, memory_order_release);
}

void trace_record_span(const char *cat, const char *name, int64_t start, int64_t end,
                       const char *key0, int64_t value0, const char *key1, int64_t value1)
{
    if (end < start)
        end = start;
    struct trace_event event = {start - start_ns, end - start, cat,   name, key0,
                                value0,           key1,        value1};
    record(&event);
}

void trace_record_instant(const char *cat, const char *name, int64_t at, const char *key,
                          int64_t value)
{
    struct trace_event event = {at - start_ns, -1, cat, name, key, value, NULL, 0};
    record(&event);
}

void trace_record_thread_name(const char *name)
{
    struct trace_buffer *buffer = my_buffer();
    if (buffer != NULL)
        copy_name(buffer->thread_name, name);
}

void trace_record_process_name(const char *name)
{
    struct trace_buffer *buffer = my_buffer();
    if (buffer != NULL)
        copy_name(buffer->process_name, name);
}

/* ------------------------------------------------------------------ writing the file */

/* Writes `text` as a JSON string, quotes included. */
static void put_json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* Microseconds with nanosecond precision, as the format's "ts" and "dur" want. */
static void put_us(FILE *out, int64_t ns)
{
    fprintf(out, "%lld.%03lld", (long long)(ns / 1000), (long long)(ns % 1000));
}

static void put_event(FILE *out, const struct trace_buffer *b, const struct trace_event *e)
{
    fputs(",\n{\"name\":", out);
    put_json_string(out, e->name != NULL ? e->name : "?");
    fputs(",\"cat\":", out);
    put_json_string(out, e->cat != NULL ? e->cat : "");
    fprintf(out, ",\"ph\":\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":", e->dur_ns < 0 ? "i" : "X",
            (int)b->pid, (int)b->tid);
    put_us(out, e->ts_ns);
    if (e->dur_ns >= 0) {
        fputs(",\"dur\":", out);
        put_us(out, e->dur_ns);
    } else {
        fputs(",\"s\":\"t\"", out);
    }
    if (e->key0 != NULL || e->key1 != NULL) {
        fputs(",\"args\":{", out);
        if (e->key0 != NULL) {
            put_json_string(out, e->key0);
            fprintf(out, ":%lld", (long long)e->value0);
        }
        if (e->key1 != NULL) {
            if (e->key0 != NULL)
                fputc(',', out);
            put_json_string(out, e->key1);
            fprintf(out, ":%lld", (long long)e->value1);
        }
        fputc('}', out);
    }
    fputc('}', out);
}

static void put_name_event(FILE *out, const char *what, int pid, int tid, const char *name,
                           long long dropped)
{
    fprintf(out, ",\n{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":", what,
            pid, tid);
    put_json_string(out, name);
    if (dropped >= 0)
        fprintf(out, ",\"dropped_events\":%lld", dropped);
    fputs("}}", out);
}

/* "Intel(R) Core(TM) i7 ..., 2 online CPUs, Linux 6.1.0 x86_64", as the kit's charts say. */
static void put_machine(FILE *out)
{
    char model[256] = "unknown CPU";
    FILE *cpuinfo = fopen("/proc/cpuinfo", "r");
    if (cpuinfo != NULL) {
        char line[512];
        while (fgets(line, sizeof line, cpuinfo) != NULL) {
            char *colon = strchr(line, ':');
            if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
                snprintf(model, sizeof model, "%s", colon + 2);
                model[strcspn(model, "\n")] = '\0';
                break;
            }
        }
        (void)fclose(cpuinfo); /* read-only: nothing is lost if it fails */
    }
    char machine[512];
    struct utsname u;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (uname(&u) == 0)
        snprintf(machine, sizeof machine, "%s, %ld online CPUs, %s %s %s", model, cpus, u.sysname,
                 u.release, u.machine);
    else
        snprintf(machine, sizeof machine, "%s, %ld online CPUs", model, cpus);
    put_json_string(out, machine);
}

static int write_trace(FILE *out)
{
    uint64_t total = 0;
    uint64_t dropped = atomic_load(&shared->unbuffered);
    unsigned used = atomic_load(&shared->next_buffer);
    if (used > TRACE_MAX_BUFFERS)
        used = TRACE_MAX_BUFFERS;

    fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n", out);
    /* The first element has no leading comma; the rest all do. */
    fprintf(out,
            "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"args\":{"
            "\"name\":",
            (int)starter_pid, (int)starter_pid);
    put_json_string(out, starter_name);
    fputs("}}", out);
    for (unsigned i = 0; i < used; i++) {
        const struct trace_buffer *b = &shared->buffers[i];
        uint64_t n = atomic_load_explicit(&b->count, memory_order_acquire);
        uint64_t lost = atomic_load(&b->dropped);
        total += n;
        dropped += lost;
        put_name_event(out, "thread_name", b->pid, b->tid, b->thread_name, (long long)lost);
        if (b->process_name[0] != '\0')
            put_name_event(out, "process_name", b->pid, b->pid, b->process_name, -1);
        for (uint64_t k = 0; k < n; k++)
            put_event(out, b, &b->events[k]);
    }
    fputs("\n],\n\"otherData\":{\"command\":", out);
    put_json_string(out, command_line);
    fputs(",\"machine\":", out);
    put_machine(out);
    fprintf(out,
            ",\"clock\":\"CLOCK_MONOTONIC\",\"threads\":%u,\"events\":%llu,"
            "\"dropped_events\":%llu,\"buffer_events\":%d,\"max_buffers\":%d}}\n",
            atomic_load(&shared->next_buffer), (unsigned long long)total,
            (unsigned long long)dropped, TRACE_BUFFER_EVENTS, TRACE_MAX_BUFFERS);
    return ferror(out) ? -EIO : 0;
}

int trace_finish(void)
{
    if (!trace_enabled || getpid() != starter_pid || atomic_exchange(&written, true))
        return 0;
    FILE *out = fopen(trace_path, "w");
    if (out == NULL)
        return -errno;
    int ret = write_trace(out);
    if (fclose(out) != 0 && ret == 0)
        ret = -errno;
    return ret;
}

static void trace_at_exit(void)
{
    int ret = trace_finish();
    if (ret != 0)
        fprintf(stderr, "trace: cannot write %s: %s\n", trace_path, strerror(-ret));
}

/* "prog --a 'b c'": argv joined with spaces, words with blanks or quotes single-quoted. */
static char *join_command(int argc, char *const argv[])
{
    size_t size = 1;
    for (int i = 0; i < argc; i++)
        size += 4 * strlen(argv[i]) + 3;
    char *text = malloc(size);
    if (text == NULL)
        return NULL;
    char *p = text;
    for (int i = 0; i < argc; i++) {
        const char *word = argv[i];
        bool quote = word[0] == '\0' || strpbrk(word, " \t\n'\"\\$*?") != NULL;
        if (i > 0)
            *p++ = ' ';
        if (quote)
            *p++ = '\'';
        for (const char *c = word; *c != '\0'; c++) {
            if (*c == '\'') {
                memcpy(p, "'\\''", 4);
                p += 4;
            } else {
                *p++ = *c;
            }
        }
        if (quote)
            *p++ = '\'';
    }
    *p = '\0';
    return text;
}

int trace_start(const char *path, int argc, char *const argv[], const char *process_name)
{
    if (trace_enabled)
        return -EALREADY;
    int ret = 0;
    /* Check now that the file can be written, rather than lose the trace at exit. */
    FILE *probe = fopen(path, "w");
    if (probe == NULL)
        return -errno;
    if (fclose(probe) != 0)
        return -errno;
    trace_path = strdup(path);
    command_line = join_command(argc, argv);
    if (trace_path == NULL || command_line == NULL) {
        ret = -ENOMEM;
        goto fail;
    }
    void *map = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED) {
        ret = -errno;
        goto fail;
    }
    int error = pthread_atfork(NULL, NULL, trace_after_fork_child);
    if (error == 0 && atexit(trace_at_exit) != 0)
        error = ENOMEM;
    if (error != 0) {
        /* A registered handler stays, harmless: it does nothing while tracing is off. */
        (void)munmap(map, sizeof *shared); /* a valid mapping: cannot fail */
        ret = -error;
        goto fail;
    }
    shared = map; /* zero-filled: no buffer claimed, nothing dropped */
    copy_name(starter_name, process_name);
    starter_pid = getpid();
    start_ns = 0;
    trace_enabled = true;
    start_ns = trace_clock_ns();
    return 0;

fail:
    free(trace_path);
    free(command_line);
    trace_path = NULL;
    command_line = NULL;
    return ret;
}
