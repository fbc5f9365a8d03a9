/*
 * interp: units of "bytecode", the eval-breaker check between them, and blocking calls
 * that let the GIL go.
 */
#include "interp.h"

#include "clock.h"
#include "trace.h"

#include <stdbool.h>

/* LCG steps per unit: about a microsecond on a 2020s core. */
#define INTERP_UNIT_STEPS 800

void interp_init(struct interp *interp, struct gil *gil)
{
    interp->gil = gil;
    atomic_init(&interp->running, 0);
    atomic_init(&interp->max_running, 0);
    atomic_init(&interp->entries, 0);
}

uint64_t interp_unit(uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < INTERP_UNIT_STEPS; i++)
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x;
}

/* Records one more thread inside a unit, and the highest count seen. */
static void interp_enter(struct interp *interp)
{
    int now = atomic_fetch_add_explicit(&interp->running, 1, memory_order_relaxed) + 1;
    int max = atomic_load_explicit(&interp->max_running, memory_order_relaxed);
    while (now > max &&
           !atomic_compare_exchange_weak_explicit(&interp->max_running, &max, now,
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

/* ---------------------------------------------------------------- tracing (trace.h)
 * A thread's hold is one span from the time it got the GIL (or ran its first unit) to
 * the end of its last unit before another thread started one or took the GIL. Each thread keeps its
 * open span here; only it touches it. */
static _Thread_local struct {
    bool open;             /* a hold span is open */
    bool asked;            /* the drop request was seen set during this hold */
    int64_t start;         /* trace clock: the span's start */
    int64_t last_end;      /* trace clock: the end of the thread's last unit */
    uint64_t entries_seen; /* interp->entries then: units started by anyone */
} hold;

static const char *hold_name(const struct interp *interp)
{
    return interp->gil->mode == GIL_MODE_NONE ? "runs (no GIL)" : "holds the GIL";
}

static void hold_open(struct interp *interp, int64_t now)
{
    hold.open = true;
    hold.asked = false;
    hold.start = now;
    hold.last_end = now;
    hold.entries_seen = atomic_load(&interp->entries);
}

static void hold_close(struct interp *interp, int64_t end)
{
    if (hold.open)
        trace_span_at("gil", hold_name(interp), hold.start, end, NULL, 0, NULL, 0);
    hold.open = false;
}

/* Before the eval breaker: the thread's last unit has just ended. */
static void trace_before_breaker(struct interp *interp)
{
    if (!hold.open)
        return;
    hold.last_end = trace_clock_ns();
    hold.entries_seen = atomic_load(&interp->entries);
    bool asked = atomic_load_explicit(&interp->gil->drop_request, memory_order_relaxed);
    if (asked && !hold.asked)
        trace_instant("gil", "asked to drop", NULL, 0);
    hold.asked = asked;
}

/* After it, as a unit starts: if another thread started a unit since this one's last,
 * the GIL went away and came back: close the hold at the last unit and mark the gap. */
static void trace_unit_start(struct interp *interp)
{
    uint64_t before = atomic_fetch_add(&interp->entries, 1);
    int64_t now = trace_clock_ns();
    if (!hold.open) {
        hold_open(interp, now);
        return;
    }
    if (before == hold.entries_seen || interp->gil->mode == GIL_MODE_NONE)
        return;
    int64_t end = hold.last_end;
    bool asked = hold.asked;
    hold_close(interp, end);
    if (asked)
        trace_instant_at("gil", "forced switch", end, NULL, 0);
    else if (interp->gil->mode == GIL_MODE_OLD)
        trace_instant_at("gil", "tick drop", end, NULL, 0);
    trace_span_at("gil", "waits for the GIL", end, now, NULL, 0, NULL, 0);
    hold_open(interp, now);
}

void interp_acquire(struct interp *interp)
{
    int64_t start = trace_now();
    gil_acquire(interp->gil);
    if (trace_enabled) {
        int64_t now = trace_clock_ns();
        if (interp->gil->mode != GIL_MODE_NONE)
            trace_span_at("gil", "waits for the GIL", start, now, NULL, 0, NULL, 0);
        /* Taking the GIL counts as a start: a thread that had it has lost it. */
        atomic_fetch_add(&interp->entries, 1);
        hold_open(interp, now);
    }
}

void interp_release(struct interp *interp)
{
    if (trace_enabled)
        hold_close(interp, trace_clock_ns());
    gil_release(interp->gil);
}

uint64_t interp_run(struct interp *interp, uint64_t units)
{
    uint64_t x = units;
    for (uint64_t i = 0; i < units; i++) {
        if (trace_enabled)
            trace_before_breaker(interp);
        /* The eval loop's check between bytecodes: the only place a CPU-bound holder
         * lets the GIL go. */
        gil_eval_breaker(interp->gil);
        if (trace_enabled)
            trace_unit_start(interp);
        interp_enter(interp);
        x = interp_unit(x);
        atomic_fetch_sub_explicit(&interp->running, 1, memory_order_relaxed);
    }
    return x;
}

int interp_blocking_sleep(struct interp *interp, int64_t ns)
{
    /* Py_BEGIN_ALLOW_THREADS: nothing below touches interpreter state. */
    interp_release(interp);
    int64_t start = trace_now();
    int ret = clock_sleep_ns(ns);
    trace_span("io", "sleeps", start);
    /* Py_END_ALLOW_THREADS */
    interp_acquire(interp);
    return ret;
}

int interp_max_overlap(struct interp *interp)
{
    return atomic_load(&interp->max_running);
}
