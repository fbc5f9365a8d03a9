/*
 * coro: stackful coroutines for a single-threaded event loop.
 *
 * A coroutine is a function running on its own stack. coro_resume() runs it until it
 * calls coro_yield() or returns; the next coro_resume() continues right after that
 * coro_yield(). This is the stack switching that Python's `await` does for free; the
 * scheduling (who runs next, and why) is the event loop's business, not this module's.
 *
 * Built on ucontext (makecontext, getcontext, setcontext). The stacks are mmap'ed with a
 * guard page, so an overflow faults instead of corrupting memory. Under AddressSanitizer and
 * ThreadSanitizer every switch is announced to the sanitizer, so both keep working.
 *
 * Thread-safety: a coroutine belongs to the thread that created it; resume it only
 * from that thread. Different threads may run their own coroutines independently.
 */
#ifndef CONCLAB_CORO_H
#define CONCLAB_CORO_H

#include <stdbool.h>
#include <stddef.h>

/* A stack big enough for printf, the loop's code and some recursion. */
#define CORO_DEFAULT_STACK_SIZE (256u * 1024u)

struct coro;
typedef void (*coro_fn)(void *arg);

/* Creates a coroutine that will run fn(arg) on a fresh stack of `stack_size` bytes
 * (0 means CORO_DEFAULT_STACK_SIZE). It does not start until the first coro_resume().
 * Returns NULL with errno set (ENOMEM, or what getcontext() reported) on failure. The
 * coroutine and its stack are the caller's: free them with coro_destroy(). */
struct coro *coro_create(coro_fn fn, void *arg, size_t stack_size);

/* Runs co until it yields or its function returns. Call it from outside co (the main
 * flow or another coroutine); resuming a finished coroutine does nothing. Cannot fail
 * (a failed context switch is a bug: it aborts). */
void coro_resume(struct coro *co);

/* Called by the running coroutine: suspends it and returns to whoever resumed it.
 * Returns when it is resumed again. Does nothing outside a coroutine. */
void coro_yield(void);

/* true once co's function has returned. */
bool coro_finished(const struct coro *co);

/* Frees co and its stack. co must not be running; destroying a suspended coroutine
 * abandons its stack (nothing on it is cleaned up). NULL is allowed. */
void coro_destroy(struct coro *co);

#endif
