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

/* Everything here is touched only by the loop's thread: no locks. */
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
    int in_flight; /* timeouts submitted and not yet completed */
};

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

static void free_task(struct task *task)
{
    coro_destroy(task->coro);
    free(task);
}

void loop_destroy(struct loop *loop)
{
    if (loop == NULL)
        return;
    /* Pending timeouts die with the ring; their tasks' stacks are simply dropped. */
    io_uring_queue_exit(&loop->ring);
    struct task *task = loop->all;
    while (task != NULL) {
        struct task *next = task->next_all;
        free_task(task);
        task = next;
    }
    free(loop);
}

static void make_ready(struct loop *loop, struct task *task, int wake_result)
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

static struct task *pop_ready(struct loop *loop)
{
    struct task *task = loop->ready_head;
    if (task != NULL) {
        loop->ready_head = task->next_ready;
        if (loop->ready_head == NULL)
            loop->ready_tail = NULL;
    }
    return task;
}

/* The coroutine body of every task. */
static void task_entry(void *arg)
{
    struct task *task = arg;
    task->result = task->fn(task->loop, task->arg);
}

struct task *loop_spawn(struct loop *loop, const char *name, task_fn fn, void *arg)
{
    struct task *task = calloc(1, sizeof *task);
    if (task == NULL)
        return NULL;
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
    make_ready(loop, task, 0);
    return task;
}

/* Marks task finished and wakes the task joining it, if any. */
static void finish(struct loop *loop, struct task *task)
{
    task->state = TASK_DONE;
    /* The joiner may have been woken already (cancelled while it waited). */
    if (task->joiner != NULL && task->joiner->state == TASK_WAITING) {
        make_ready(loop, task->joiner, 0);
        task->joiner = NULL;
    }
}

/* Runs one ready task until it waits or ends. */
static void run_task(struct loop *loop, struct task *task)
{
    if (!task->started && task->cancel_requested) {
        /* Cancelled before its first step: like asyncio, its body never runs. */
        task->result = -ECANCELED;
        finish(loop, task);
        return;
    }
    task->started = true;
    task->state = TASK_RUNNING;
    loop->current = task;
    coro_resume(task->coro);
    loop->current = NULL;
    if (coro_finished(task->coro))
        finish(loop, task);
}

/* Suspends the current task (already queued or registered to be woken) and returns
 * what its waker says, a pending cancellation taking precedence. */
static int suspend(struct loop *loop, struct task *task)
{
    (void)loop;
    coro_yield();
    if (task->cancel_requested) {
        task->cancel_requested = false;
        return -ECANCELED;
    }
    return task->wake_result;
}

/* A free submission queue entry, submitting queued ones to make room if needed. */
static struct io_uring_sqe *get_sqe(struct loop *loop)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&loop->ring);
    if (sqe == NULL) {
        io_uring_submit(&loop->ring);
        sqe = io_uring_get_sqe(&loop->ring);
    }
    return sqe;
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
    struct io_uring_sqe *sqe = get_sqe(loop);
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
    return suspend(loop, task);
}

int loop_sleep(struct loop *loop, int64_t ns)
{
    return loop_sleep_until(loop, clock_now_ns() + (ns > 0 ? ns : 0));
}

int loop_yield(struct loop *loop)
{
    struct task *task = loop->current;
    if (task == NULL)
        return -EINVAL;
    make_ready(loop, task, 0);
    return suspend(loop, task);
}

void loop_cancel(struct loop *loop, struct task *task)
{
    if (task->state == TASK_DONE)
        return;
    task->cancel_requested = true;
    /* The flag is seen when the task's timeout ends on its own. */
    if (!task->timer_armed && task->state == TASK_WAITING) {
        make_ready(loop, task, -ECANCELED); /* waiting in loop_join(): wake it */
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
        int ret = suspend(loop, self);
        if (task->state != TASK_DONE) {
            task->joiner = NULL;
            return ret < 0 ? ret : -EINVAL;
        }
    }
    *result = task->result;
    /* Unlink it from the list of all tasks, and free it. */
    for (struct task **link = &loop->all; *link != NULL; link = &(*link)->next_all) {
        if (*link == task) {
            *link = task->next_all;
            break;
        }
    }
    free_task(task);
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
        make_ready(loop, task, cqe->res == -ETIME ? 0 : cqe->res);
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
        while (last != NULL && (task = pop_ready(loop)) != NULL) {
            run_task(loop, task);
            if (task == last)
                break;
        }
    }
    *result = first->result;
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
