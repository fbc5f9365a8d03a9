/*
 * loop: a single-threaded event loop on io_uring, with coroutines as tasks.
 *
 * The C counterpart of the part of asyncio the spinner needs. A task is a function
 * running as a coroutine (lib/coro.h). It runs until it waits — loop_sleep(),
 * loop_yield(), loop_join() — and the loop then runs another ready task, or blocks in
 * io_uring until a timeout completes. Only one task runs at any time, so tasks share
 * memory without locks; a task that never waits (a blocking call, a long computation)
 * stops every other task, the loop included.
 *
 * Waiting is io_uring: a sleep is an IORING_OP_TIMEOUT on an absolute CLOCK_MONOTONIC
 * deadline; cancelling a sleeping task removes its timeout, and the sleep returns
 * -ECANCELED — the counterpart of asyncio's CancelledError — so the task can clean up.
 *
 * Not thread-safe: a loop and its tasks belong to the thread that runs loop_run().
 * Functions that wait must be called from inside a task; they return -EINVAL otherwise.
 */
#ifndef CONCLAB_LOOP_H
#define CONCLAB_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct task;

/* A task's body. Its return value is the task's result (see loop_join()). */
typedef intptr_t (*task_fn)(struct loop *loop, void *arg);

/* Creates a loop and its io_uring. Returns 0, or the -errno of io_uring_queue_init():
 * -ENOSYS (no io_uring in this kernel), -EPERM (forbidden by seccomp or by
 * kernel.io_uring_disabled), -ENOMEM (memlock limit), or -ENOMEM for our own memory.
 * The loop is the caller's: free it with loop_destroy(). */
int loop_create(struct loop **out);

/* Frees the loop, its ring and every task not yet joined. Not from inside a task. */
void loop_destroy(struct loop *loop);

/* Runs main(loop, arg) as the first task, and the loop until that task returns; its
 * result goes to *result. Returns 0, or -errno if io_uring failed (or -EDEADLK if
 * every task waits and nothing can wake them). */
int loop_run(struct loop *loop, task_fn main, void *arg, intptr_t *result);

/* Creates a task that will run fn(loop, arg) when the current task next waits (like
 * asyncio.create_task). `name` is kept, not copied. Returns NULL with errno set
 * (ENOMEM) on failure. The task belongs to the loop until loop_join() frees it. */
struct task *loop_spawn(struct loop *loop, const char *name, task_fn fn, void *arg);

/* Suspends the current task until CLOCK_MONOTONIC reaches `deadline_ns` (as in
 * clock_now_ns()), or for `ns` nanoseconds. Returns 0 when the time has come,
 * -ECANCELED if the task was cancelled (before or during the wait), or -errno. */
int loop_sleep_until(struct loop *loop, int64_t deadline_ns);
int loop_sleep(struct loop *loop, int64_t ns);

/* Lets every other ready task run, and the loop collect completions, then continues:
 * asyncio.sleep(0). Returns 0, or -ECANCELED if the task was cancelled. */
int loop_yield(struct loop *loop);

/* Asks `task` to stop: its pending (or next) wait returns -ECANCELED at once. A task
 * that has not started yet never runs. Cancelling a finished task does nothing. */
void loop_cancel(struct loop *loop, struct task *task);

/* Suspends the current task until `task` has ended; stores its result (-ECANCELED if
 * it was cancelled before it started) in *result and frees it. Returns 0 or -errno. */
int loop_join(struct loop *loop, struct task *task, intptr_t *result);

/* A task's number (1 for the main task, then 2, 3, ...), its name, and whether it
 * has ended. */
int loop_task_id(const struct task *task);
const char *loop_task_name(const struct task *task);
bool loop_task_done(const struct task *task);

#endif
