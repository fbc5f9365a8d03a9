/*
 * interp: units of "bytecode", the eval-breaker check between them, and blocking calls
 * that let the GIL go.
 */
#include "interp.h"

#include "clock.h"

/* LCG steps per unit: about a microsecond on a 2020s core. */
#define INTERP_UNIT_STEPS 800

void interp_init(struct interp *interp, struct gil *gil)
{
    interp->gil = gil;
    atomic_init(&interp->running, 0);
    atomic_init(&interp->max_running, 0);
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

uint64_t interp_run(struct interp *interp, uint64_t units)
{
    uint64_t x = units;
    for (uint64_t i = 0; i < units; i++) {
        /* The eval loop's check between bytecodes: the only place a CPU-bound holder
         * lets the GIL go. */
        gil_eval_breaker(interp->gil);
        interp_enter(interp);
        x = interp_unit(x);
        atomic_fetch_sub_explicit(&interp->running, 1, memory_order_relaxed);
    }
    return x;
}

int interp_blocking_sleep(struct interp *interp, int64_t ns)
{
    /* Py_BEGIN_ALLOW_THREADS: nothing below touches interpreter state. */
    gil_release(interp->gil);
    int ret = clock_sleep_ns(ns);
    /* Py_END_ALLOW_THREADS */
    gil_acquire(interp->gil);
    return ret;
}

int interp_max_overlap(struct interp *interp)
{
    return atomic_load(&interp->max_running);
}
