/*
 * loop_base: the given half of the event loop of loop.h; loop.c is the other half.
 *
 * Given here: the two structs the loop works on; making a task, with the coroutine it
 * runs on; the ready queue (a FIFO of the tasks that can run); the list of every task
 * not yet joined, so that loop_destroy() can free them; marking a task done; finding a
 * free submission queue entry; and the small functions of loop.h (loop_sleep() and the
 * task accessors). In loop.c, because they are the lesson: the ring, running tasks and
 * suspending them, the io_uring requests of a wait and of a cancellation, and the loop
 * that reaps their completions.
 *
 * Like the loop, nothing here is thread-safe: a loop and its tasks belong to the thread
 * that runs loop_run(), so no field needs a lock. Functions return NULL or an errno
 * value the way loop.h says.
 *
 * With --trace (lib/trace.h) these functions mark what the loop does with its tasks,
 * each instant with the task's number: "new task"; "submission" (loop_get_sqe: a request
 * prepared, task 0 for the loop itself); "completion" (loop_make_ready from the loop,
 * outside any task, for a task that has run: its wait completed), "yield" (made ready by
 * itself), "ready" (spawned, or woken by another task), "joined" (its loop_join() is
 * over: loop_finish woke it); "done" (loop_finish).
 */
#ifndef CONCLAB_LOOP_BASE_H
#define CONCLAB_LOOP_BASE_H

#include "loop.h"

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

enum task_state {
    TASK_READY,   /* in the ready queue */
    TASK_RUNNING, /* the current task */
    TASK_WAITING, /* suspended until a completion or another task's end */
    TASK_DONE,    /* its function has returned (or it was cancelled unstarted) */
};

/* A task. loop.c may add fields. */
struct task {
    struct loop *loop;
    struct coro *coro; /* runs fn on the task's own stack */
    task_fn fn;
    void *arg;
    const char *name; /* not owned */
    int id;
    enum task_state state;
    bool started;
    bool cancel_requested;             /* loop_cancel() was called; the next wait reports it */
    bool timer_armed;                  /* a timeout of this task is in the kernel */
    int wake_result;                   /* what the wait that suspended the task returns */
    intptr_t result;                   /* fn's return value, once TASK_DONE */
    struct __kernel_timespec deadline; /* the armed timeout, absolute: the kernel reads it */
    struct task *joiner;               /* the task suspended in loop_join() on this one */
    struct task *next_ready;           /* the link of the ready queue */
    struct task *next_all;             /* the link of the list of all tasks */
};

struct loop {
    struct io_uring ring;
    struct task *ready_head, *ready_tail; /* FIFO of TASK_READY tasks */
    struct task *all;                     /* every task not yet joined */
    struct task *current;                 /* the running task; NULL in the loop */
    int next_id;                          /* the number of the next task */
    int in_flight;                        /* requests submitted and not yet completed */
};

/* Allocates a task, numbers it and adds it to loop->all. Its coroutine (lib/coro.h), a
 * stack of its own, runs fn(loop, arg) from the first coro_resume() and stores what fn
 * returns in task->result. The task is not ready yet. Returns NULL with errno set
 * (ENOMEM). The task is the loop's: loop_task_free() frees it. */
struct task *loop_task_new(struct loop *loop, const char *name, task_fn fn, void *arg);

/* Removes `task` from loop->all and frees it with its coroutine (coro_destroy()). */
void loop_task_free(struct loop *loop, struct task *task);

/* Frees every task of loop->all, in whatever state, and empties the ready queue: for
 * loop_destroy(), once the ring is gone. A suspended task's stack is dropped as it is. */
void loop_free_tasks(struct loop *loop);

/* Marks `task` TASK_DONE and makes ready the task waiting in loop_join() for it, if any
 * still waits. */
void loop_finish(struct loop *loop, struct task *task);

/* Appends `task` to the ready queue (state TASK_READY); the wait that suspended it will
 * return `wake_result`. */
void loop_make_ready(struct loop *loop, struct task *task, int wake_result);

/* Takes the first task off the ready queue; NULL if it is empty. */
struct task *loop_pop_ready(struct loop *loop);

/* A free submission queue entry of loop->ring, submitting the queued ones to make room
 * if the queue is full. Returns NULL if there is still none. */
struct io_uring_sqe *loop_get_sqe(struct loop *loop);

#endif
