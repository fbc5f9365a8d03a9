/*
 * loop_base: the structs, the ready queue and the list of tasks of the event loop (see
 * loop_base.h). The event loop itself is in loop.c.
 */
#include "loop_base.h"

#include "clock.h"
#include "coro.h"
#include "trace.h"

#include <errno.h>
#include <stdlib.h>

/* The coroutine body of every task. */
static void task_entry(void *arg)
{
    struct task *task = arg;
    task->result = task->fn(task->loop, task->arg);
}

struct task *loop_task_new(struct loop *loop, const char *name, task_fn fn, void *arg)
{
    struct task *task = calloc(1, sizeof *task);
    if (task == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    task->coro = coro_create(task_entry, task, 0);
    if (task->coro == NULL) {
        free(task);
        errno = ENOMEM;
        return NULL;
    }
    task->loop = loop;
    task->fn = fn;
    task->arg = arg;
    task->name = name;
    task->id = loop->next_id++;
    task->next_all = loop->all;
    loop->all = task;
    trace_instant("loop", "new task", "task", task->id);
    return task;
}

void loop_task_free(struct loop *loop, struct task *task)
{
    for (struct task **link = &loop->all; *link != NULL; link = &(*link)->next_all) {
        if (*link == task) {
            *link = task->next_all;
            break;
        }
    }
    coro_destroy(task->coro);
    free(task);
}

/* Appends `task` to the ready queue; `why` names the reason in the trace. */
static void make_ready(struct loop *loop, struct task *task, int wake_result, const char *why)
{
    trace_instant("loop", why, "task", task->id);
    task->state = TASK_READY;
    task->wake_result = wake_result;
    task->next_ready = NULL;
    if (loop->ready_tail != NULL)
        loop->ready_tail->next_ready = task;
    else
        loop->ready_head = task;
    loop->ready_tail = task;
}

void loop_make_ready(struct loop *loop, struct task *task, int wake_result)
{
    /* Why, as this module sees it: by itself, a yield; from the loop (no task running)
     * for a task that has run, the completion of its wait; else started or woken by
     * another task (loop_spawn, loop_cancel). */
    const char *why = loop->current == task                    ? "yield"
                      : loop->current == NULL && task->started ? "completion"
                                                               : "ready";
    make_ready(loop, task, wake_result, why);
}

void loop_free_tasks(struct loop *loop)
{
    while (loop->all != NULL)
        loop_task_free(loop, loop->all);
    loop->ready_head = loop->ready_tail = NULL;
}

void loop_finish(struct loop *loop, struct task *task)
{
    trace_instant("loop", "done", "task", task->id);
    task->state = TASK_DONE;
    /* The joiner may have been woken already (cancelled while it waited). */
    if (task->joiner != NULL && task->joiner->state == TASK_WAITING) {
        make_ready(loop, task->joiner, 0, "joined");
        task->joiner = NULL;
    }
}

struct task *loop_pop_ready(struct loop *loop)
{
    struct task *task = loop->ready_head;
    if (task != NULL) {
        loop->ready_head = task->next_ready;
        if (loop->ready_head == NULL)
            loop->ready_tail = NULL;
    }
    return task;
}

struct io_uring_sqe *loop_get_sqe(struct loop *loop)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&loop->ring);
    if (sqe == NULL && io_uring_submit(&loop->ring) >= 0)
        sqe = io_uring_get_sqe(&loop->ring);
    /* A request is being prepared: by the running task, or by the loop (task 0). */
    if (sqe != NULL)
        trace_instant("loop", "submission", "task", loop->current ? loop->current->id : 0);
    return sqe;
}

int loop_sleep(struct loop *loop, int64_t ns)
{
    return loop_sleep_until(loop, clock_now_ns() + (ns > 0 ? ns : 0));
}

int loop_task_id(const struct task *task)
{
    return task->id;
}

const char *loop_task_name(const struct task *task)
{
    return task->name;
}

bool loop_task_done(const struct task *task)
{
    return task->state == TASK_DONE;
}
