#include "loop.h"

#include "clock.h"
#include "coro.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>

#define LOOP_RING_ENTRIES 64

/* user_data of requests that wake no task (a timeout removal). */
#define LOOP_NO_TASK 0

enum task_state {
    TASK_READY,   /* in the ready queue */
    TASK_RUNNING, /* the current task */
    TASK_WAITING, /* suspended until a completion or another task's end */
    TASK_DONE,    /* its function has returned (or it was cancelled unstarted) */
};

/* Everything here is touched only by the loop's thread: no locks. You may add fields. */
struct task {
    struct loop *loop;
    struct coro *coro;
    task_fn fn;
    void *arg;
    const char *name;
    int id;
    enum task_state state;
    bool started;
    bool cancel_requested;             /* loop_cancel() was called; the next wait reports it */
    bool timer_armed;                  /* a timeout of this task is in the kernel */
    int wake_result;                   /* what the wait that suspended the task returns */
    intptr_t result;                   /* fn's return value, once TASK_DONE */
    struct __kernel_timespec deadline; /* the armed timeout, absolute */
    struct task *joiner;               /* the task suspended in loop_join() on this one */
    struct task *next_ready;
    struct task *next_all; /* every task not yet joined, for loop_destroy() */
};

struct loop {
    struct io_uring ring;
    struct task *ready_head, *ready_tail; /* FIFO of TASK_READY tasks */
    struct task *all;                     /* every task not yet joined */
    struct task *current;                 /* the running task; NULL in the loop */
    int next_id;
    int in_flight; /* requests submitted and not yet completed */
};

/* The ready queue: given, it is plumbing. (The attributes only silence "unused" until
 * your code calls these: then drop them.) */
__attribute__((unused)) static void make_ready(struct loop *loop, struct task *task,
                                               int wake_result)
{
    task->state = TASK_READY;
    task->wake_result = wake_result;
    task->next_ready = NULL;
    if (loop->ready_tail != NULL)
        loop->ready_tail->next_ready = task;
    else
        loop->ready_head = task;
    loop->ready_tail = task;
}

__attribute__((unused)) static struct task *pop_ready(struct loop *loop)
{
    struct task *task = loop->ready_head;
    if (task != NULL) {
        loop->ready_head = task->next_ready;
        if (loop->ready_head == NULL)
            loop->ready_tail = NULL;
    }
    return task;
}

int loop_create(struct loop **out)
{
    struct loop *loop = calloc(1, sizeof *loop);
    if (loop == NULL)
        return -ENOMEM;
    /* TODO(lab 01, part C): create the io_uring (LOOP_RING_ENTRIES entries) and return
     * its error as is when that fails: spinner_uring turns -ENOSYS, -EPERM and -ENOMEM
     * into "unsupported here" (exit 77). Practise: liburing's -errno convention. */
    loop->next_id = 1;
    *out = loop;
    return 0;
}

void loop_destroy(struct loop *loop)
{
    /* TODO(lab 01, part C): release the ring and every task not yet joined. */
    free(loop);
}

struct task *loop_spawn(struct loop *loop, const char *name, task_fn fn, void *arg)
{
    struct task *task = calloc(1, sizeof *task);
    if (task == NULL)
        return NULL;
    task->loop = loop;
    task->fn = fn;
    task->arg = arg;
    task->name = name;
    task->id = loop->next_id++;
    task->next_all = loop->all;
    loop->all = task;
    /* TODO(lab 01, part C): give the task a coroutine (lib/coro.h) that runs fn and
     * keeps its result, and make it ready. Practise: a task is a function with its own
     * stack, started later by the loop. */
    return task;
}

int loop_sleep_until(struct loop *loop, int64_t deadline_ns)
{
    /* TODO(lab 01, part C): suspend the current task until deadline_ns with an io_uring
     * timeout on an absolute deadline, tagged so that its completion finds the task;
     * report a cancellation (requested before or during the sleep) as -ECANCELED.
     * Practise: submission (an SQE whose memory outlives the call) and suspension. */
    return 0; /* wrong: returns at once */
}

int loop_sleep(struct loop *loop, int64_t ns)
{
    return loop_sleep_until(loop, clock_now_ns() + (ns > 0 ? ns : 0));
}

int loop_yield(struct loop *loop)
{
    /* TODO(lab 01, part C): let the other ready tasks and the completions in, then
     * continue: asyncio.sleep(0). */
    return 0;
}

void loop_cancel(struct loop *loop, struct task *task)
{
    /* TODO(lab 01, part C): ask the task to stop. A sleeping task must wake at once
     * (take its timeout back from the kernel); a task that has not started must never
     * run. Practise: cancellation as a result the task sees, like CancelledError. */
}

int loop_join(struct loop *loop, struct task *task, intptr_t *result)
{
    /* TODO(lab 01, part C): suspend the current task until `task` has ended, then hand
     * over its result and free it. */
    *result = -ECANCELED;
    return 0;
}

int loop_run(struct loop *loop, task_fn main, void *arg, intptr_t *result)
{
    /* TODO(lab 01, part C): the loop itself. Run main as the first task; then, until it
     * is done: submit what the tasks queued, wait for completions only when no task is
     * ready, hand each completion (CQE) to its task, and run the ready tasks. Practise:
     * the io_uring submission/completion cycle, and why a task that never waits stops
     * everything. The stub calls main directly, without a loop. */
    *result = main(loop, arg);
    return 0;
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
