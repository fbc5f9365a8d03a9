/*
 * loop: the event loop of loop.h. Tasks are coroutines; every wait is an io_uring
 * request whose completion makes its task ready again. The structs, the ready queue and
 * the task list are given in loop_base.h.
 */
#include "loop.h"

#include "clock.h"
#include "coro.h"
#include "loop_base.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>

#define LOOP_RING_ENTRIES 64

/* user_data of requests that wake no task (a timeout removal). */
#define LOOP_NO_TASK 0

int loop_create(struct loop **out)
{
    struct loop *loop = calloc(1, sizeof *loop);
    if (loop == NULL)
        return -ENOMEM;
    int ret = io_uring_queue_init(LOOP_RING_ENTRIES, &loop->ring, 0);
    if (ret < 0) {
        free(loop);
        return ret;
    }
    loop->next_id = 1;
    *out = loop;
    return 0;
}

void loop_destroy(struct loop *loop)
{
    if (loop == NULL)
        return;
    /* The ring first: pending timeouts die with it, and nothing in the kernel points
     * into a task any more. */
    io_uring_queue_exit(&loop->ring);
    loop_free_tasks(loop);
    free(loop);
}

struct task *loop_spawn(struct loop *loop, const char *name, task_fn fn, void *arg)
{
    struct task *task = loop_task_new(loop, name, fn, arg);
    if (task != NULL)
        loop_make_ready(loop, task, 0); /* it runs when the current task next waits */
    return task;
}

/* Runs one ready task until it waits or ends. */
static void run_task(struct loop *loop, struct task *task)
{
    if (!task->started && task->cancel_requested) {
        /* Cancelled before its first step: like asyncio, its body never runs. */
        task->result = -ECANCELED;
        loop_finish(loop, task);
        return;
    }
    task->started = true;
    task->state = TASK_RUNNING;
    loop->current = task;
    coro_resume(task->coro);
    loop->current = NULL;
    if (coro_finished(task->coro))
        loop_finish(loop, task);
}

/* Suspends the current task (already queued or registered to be woken) and returns
 * what its waker says, a pending cancellation taking precedence. */
static int suspend(struct task *task)
{
    coro_yield();
    if (task->cancel_requested) {
        task->cancel_requested = false;
        return -ECANCELED;
    }
    return task->wake_result;
}

int loop_sleep_until(struct loop *loop, int64_t deadline_ns)
{
    struct task *task = loop->current;
    if (task == NULL)
        return -EINVAL;
    if (task->cancel_requested) {
        task->cancel_requested = false;
        return -ECANCELED;
    }
    struct io_uring_sqe *sqe = loop_get_sqe(loop);
    if (sqe == NULL)
        return -EBUSY;
    /* An absolute deadline: the next frame is due at a fixed time, however long this
     * frame took to draw, so the frames do not drift. */
    task->deadline.tv_sec = deadline_ns / CLOCK_NS_PER_S;
    task->deadline.tv_nsec = deadline_ns % CLOCK_NS_PER_S;
    io_uring_prep_timeout(sqe, &task->deadline, 0, IORING_TIMEOUT_ABS);
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)task);
    task->timer_armed = true;
    task->state = TASK_WAITING;
    loop->in_flight++;
    return suspend(task);
}

int loop_yield(struct loop *loop)
{
    struct task *task = loop->current;
    if (task == NULL)
        return -EINVAL;
    loop_make_ready(loop, task, 0);
    return suspend(task);
}

void loop_cancel(struct loop *loop, struct task *task)
{
    if (task->state == TASK_DONE)
        return;
    task->cancel_requested = true;
    if (task->timer_armed) {
        /* Take its timeout back: it completes at once with -ECANCELED. If the sqe
         * cannot be had, the timeout ends on its own and the flag is seen then. */
        struct io_uring_sqe *sqe = loop_get_sqe(loop);
        if (sqe != NULL) {
            io_uring_prep_timeout_remove(sqe, (uint64_t)(uintptr_t)task, 0);
            io_uring_sqe_set_data64(sqe, LOOP_NO_TASK);
            loop->in_flight++;
        }
    } else if (task->state == TASK_WAITING) {
        loop_make_ready(loop, task, -ECANCELED); /* waiting in loop_join(): wake it */
    }
}

int loop_join(struct loop *loop, struct task *task, intptr_t *result)
{
    struct task *self = loop->current;
    if (self == NULL || self == task)
        return -EINVAL;
    if (task->state != TASK_DONE) {
        task->joiner = self;
        self->state = TASK_WAITING;
        int ret = suspend(self);
        if (task->state != TASK_DONE) {
            task->joiner = NULL;
            return ret < 0 ? ret : -EINVAL;
        }
    }
    *result = task->result;
    loop_task_free(loop, task);
    return 0;
}

/* Hands each completion to its task. */
static void reap(struct loop *loop)
{
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&loop->ring, head, cqe)
    {
        seen++;
        loop->in_flight--;
        struct task *task = (struct task *)(uintptr_t)io_uring_cqe_get_data64(cqe);
        if (task == NULL)
            continue; /* a removal's own completion */
        task->timer_armed = false;
        /* -ETIME: the timeout expired, which is what a sleep wants. */
        loop_make_ready(loop, task, cqe->res == -ETIME ? 0 : cqe->res);
    }
    io_uring_cq_advance(&loop->ring, seen);
}

int loop_run(struct loop *loop, task_fn main, void *arg, intptr_t *result)
{
    struct task *first = loop_spawn(loop, "main", main, arg);
    if (first == NULL)
        return -ENOMEM;
    while (first->state != TASK_DONE) {
        int ret;
        if (loop->ready_head != NULL) {
            /* Tasks are ready: hand queued requests to the kernel without waiting. */
            ret = io_uring_submit(&loop->ring);
        } else if (loop->in_flight > 0 || io_uring_sq_ready(&loop->ring) > 0) {
            /* Nothing to run: block until at least one request completes. */
            ret = io_uring_submit_and_wait(&loop->ring, 1);
        } else {
            return -EDEADLK;
        }
        if (ret < 0 && ret != -EINTR)
            return ret;
        reap(loop);
        /* Run the tasks ready now, once each; those they make ready wait for the next
         * round, after the completions, so a yielding task cannot starve the timers. */
        struct task *last = loop->ready_tail;
        struct task *task;
        while (last != NULL && (task = loop_pop_ready(loop)) != NULL) {
            run_task(loop, task);
            if (task == last)
                break;
        }
    }
    *result = first->result;
    return 0;
}
