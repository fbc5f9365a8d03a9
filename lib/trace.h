/*
 * trace: timelines of who ran when, written as a Chrome Trace Event Format file.
 *
 * A program started with `--trace FILE` calls trace_start() once, before it starts any
 * thread or forks any worker. From then on every thread of the program, and of every
 * process forked from it, records events: spans (a name, a start and an end), instants
 * (a name and a time) and thread names. When the starting process exits (after it has
 * joined its threads and reaped its children), it writes FILE once:
 *
 *   {"traceEvents": [...], "displayTimeUnit": "ms", "otherData": {...}}
 *
 * with "X" events for spans, "i" events ("s": "t") for instants and "M" events naming
 * each process and thread; "ts" and "dur" are microseconds since trace_start(), "pid"
 * and "tid" the kernel's ids. The file opens as it is in https://ui.perfetto.dev and in
 * chrome://tracing, and scripts/plot-trace draws it. "otherData" holds the command line,
 * the machine, the number of events and the number dropped.
 * A starting process killed by a signal, or that leaves with _exit(), writes nothing
 * (call trace_finish() first if it must); a child's exit never writes.
 *
 * Recording: each thread claims one buffer of TRACE_BUFFER_EVENTS events the first time
 * it records (one atomic add), then appends to it with no lock: the buffer is its own.
 * Times come from CLOCK_MONOTONIC. The buffers live in one MAP_SHARED mapping made by
 * trace_start(), so a forked child's events are in the parent's memory when it writes
 * the file. A child must not exec() if it is to be traced.
 *
 * Bounds: at most TRACE_MAX_BUFFERS threads and processes record (each thread that ever
 * records, for the whole run), each at most TRACE_BUFFER_EVENTS events: the mapping is
 * TRACE_MAX_BUFFERS * TRACE_BUFFER_EVENTS * 64 bytes (128 MiB, 2 MiB a thread) of address space, of
 * which only the pages written are used. When a thread's buffer is full its further events are
 * dropped and counted; a thread that finds no free buffer drops all its events, counted
 * too. The counts are written in the file (otherData "dropped_events", and per thread in
 * the thread_name metadata's args), and trace_start's caller sees them in stderr only
 * if the program prints them: the file is the record.
 *
 * Strings: `cat`, `name` and argument keys are stored as pointers and read when the
 * file is written, so they must be string literals (or other static storage of the
 * program, which a forked child shares at the same address). trace_name_thread() and
 * trace_name_process() copy their argument.
 *
 * Cost: with tracing off, each mark below is one test of the global `trace_enabled`,
 * which is false for the whole run: a predictable branch. With tracing on, a mark
 * reads the clock and stores 64 bytes.
 *
 * Thread-safety: trace_start() must be called before any other thread exists; every
 * other function may be called from any thread or forked process at any time. The marks
 * take no lock, but a thread's first mark formats its default name (snprintf): they are
 * not for signal handlers.
 */
#ifndef CONCLAB_TRACE_H
#define CONCLAB_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACE_MAX_BUFFERS   64
#define TRACE_BUFFER_EVENTS 32768
#define TRACE_NAME_MAX      48 /* bytes of a thread or process name, with its '\0' */

/* True once trace_start() has succeeded; never changes after that. Read it, never write it.
 * Built with -DCONCLAB_TRACE_COMPILED_OUT, it is the constant false and the compiler
 * removes every mark (how docs/kit-internals.md measures what an unused mark costs). */
#ifdef CONCLAB_TRACE_COMPILED_OUT
#define trace_enabled false
#else
extern bool trace_enabled;
#endif

/* Starts tracing into `path` (written at exit; an existing file is replaced): maps the
 * buffers, remembers argv as the command line and `process_name` as the name of this
 * process, and registers the writer with atexit(). Call it once, before any thread or
 * child exists. Returns 0, -EALREADY if tracing was already started, or the -errno of a
 * failed call (then tracing stays off and nothing is written). Not thread-safe. */
int trace_start(const char *path, int argc, char *const argv[], const char *process_name);

/* Writes the file now, once: later calls, and the atexit() writer, do nothing. Only
 * the starting process writes; in another process (a forked child) this does nothing.
 * Call it after every other thread has stopped recording and every child has exited.
 * Returns 0 (also when tracing is off) or the -errno of the failed write. */
int trace_finish(void);

/* The trace clock: CLOCK_MONOTONIC in nanoseconds, or 0 when tracing is off (so that a
 * mark's start time costs nothing either). */
int64_t trace_clock_ns(void);

/* The out-of-line halves of the marks below; call the marks, not these. */
void trace_record_span(const char *cat, const char *name, int64_t start_ns, int64_t end_ns,
                       const char *key0, int64_t value0, const char *key1, int64_t value1);
void trace_record_instant(const char *cat, const char *name, int64_t at_ns, const char *key0,
                          int64_t value0);
void trace_record_thread_name(const char *name);
void trace_record_process_name(const char *name);

/* The start time of a span: trace_clock_ns() if tracing, else 0 with no clock read. */
static inline int64_t trace_now(void)
{
    return trace_enabled ? trace_clock_ns() : 0;
}

/* A span of the calling thread from `start_ns` (a trace_now()) to now. */
static inline void trace_span(const char *cat, const char *name, int64_t start_ns)
{
    if (trace_enabled)
        trace_record_span(cat, name, start_ns, trace_clock_ns(), NULL, 0, NULL, 0);
}

/* A span from `start_ns` to `end_ns` (both trace_now() values), with up to two integer
 * arguments shown by the viewer (a NULL key is left out). */
static inline void trace_span_at(const char *cat, const char *name, int64_t start_ns,
                                 int64_t end_ns, const char *key0, int64_t value0, const char *key1,
                                 int64_t value1)
{
    if (trace_enabled)
        trace_record_span(cat, name, start_ns, end_ns, key0, value0, key1, value1);
}

/* An instant event of the calling thread, now, with one optional integer argument. */
static inline void trace_instant(const char *cat, const char *name, const char *key, int64_t value)
{
    if (trace_enabled)
        trace_record_instant(cat, name, trace_clock_ns(), key, value);
}

/* The same at time `at_ns` (a trace_now() value). */
static inline void trace_instant_at(const char *cat, const char *name, int64_t at_ns,
                                    const char *key, int64_t value)
{
    if (trace_enabled)
        trace_record_instant(cat, name, at_ns, key, value);
}

/* Names the calling thread's track ("cpu 1", "worker 3"); the name is copied, and cut
 * to TRACE_NAME_MAX - 1 bytes. The last name given wins. */
static inline void trace_name_thread(const char *name)
{
    if (trace_enabled)
        trace_record_thread_name(name);
}

/* Names the calling process (a forked worker: "worker 3"); copied like a thread name. */
static inline void trace_name_process(const char *name)
{
    if (trace_enabled)
        trace_record_process_name(name);
}

#endif
