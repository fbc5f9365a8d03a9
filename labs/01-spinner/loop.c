/*
 * loop: the event loop of loop.h. Tasks are coroutines; every wait is an io_uring
 * request whose completion makes its task ready again. The structs, the ready queue and
 * the task list are given in loop_base.h: read it first.
 */
#include "loop.h"

#include "clock.h"
#include "coro.h"
#include "loop_base.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>

#define LOOP_RING_ENTRIES 64

int loop_create(struct loop **out)
{
    struct loop *loop = calloc(1, sizeof *loop);
    if (loop == NULL)
        return -ENOMEM;
    /* TODO(lab 01, part C): give the loop its io_uring (LOOP_RING_ENTRIES entries); if
     * that fails, return liburing's error unchanged: spinner_uring turns -ENOSYS, -EPERM
     * and -ENOMEM into "unsupported here" (exit 77). Concept: the -errno convention. */
    loop->next_id = 1;
    *out = loop;
    return 0;
}

void loop_destroy(struct loop *loop)
{
    if (loop == NULL)
        return;
    /* TODO(lab 01, part C): release the ring, before the tasks it may still point into.
     * Concept: who owns memory the kernel reads. */
    loop_free_tasks(loop);
    free(loop);
}

struct task *loop_spawn(struct loop *loop, const char *name, task_fn fn, void *arg)
{
    struct task *task = loop_task_new(loop, name, fn, arg);
    /* TODO(lab 01, part C): make the new task ready. Concept: like asyncio.create_task(),
     * spawning schedules a task; it starts only when the current task next waits. */
    return task;
}

int loop_sleep_until(struct loop *loop, int64_t deadline_ns)
{
    /* TODO(lab 01, part C): suspend the current task until deadline_ns with one io_uring
     * timeout whose completion leads back to the task; report a cancellation, asked for
     * before or during the sleep, as -ECANCELED. Concept: submitting a request whose
     * memory outlives the call, and suspending a coroutine until its completion. */
    return 0; /* wrong: returns at once */
}

int loop_yield(struct loop *loop)
{
    /* TODO(lab 01, part C): let the other ready tasks and the completions in, then
     * continue. Concept: cooperative scheduling (asyncio.sleep(0)). */
    return 0;
}

void loop_cancel(struct loop *loop, struct task *task)
{
    /* TODO(lab 01, part C): ask the task to stop: a sleeping task wakes at once (take
     * its timeout back from the kernel), and a task that has not started never runs.
     * Concept: cancellation as a result the task sees, like asyncio's CancelledError. */
}

int loop_join(struct loop *loop, struct task *task, intptr_t *result)
{
    /* TODO(lab 01, part C): suspend the current task until `task` has ended, then hand
     * over its result and free it. Concept: waiting for a task without blocking the
     * loop (await task). */
    *result = -ECANCELED;
    return 0;
}

int loop_run(struct loop *loop, task_fn main, void *arg, intptr_t *result)
{
    /* TODO(lab 01, part C): the loop itself. Run main as the first task; then, until it
     * is done: submit what the tasks queued, wait for completions only when no task is
     * ready, hand each completion to its task, and run the ready tasks. Concept: the
     * io_uring submission/completion cycle, and why a task that never waits stops
     * everything. The stub calls main directly, without a loop. */
    *result = main(loop, arg);
    return 0;
}
