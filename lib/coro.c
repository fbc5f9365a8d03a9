#include "coro.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

/* Which sanitizer is on: gcc defines __SANITIZE_*__, clang answers __has_feature. */
#if defined(__SANITIZE_ADDRESS__)
#define CORO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORO_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define CORO_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CORO_TSAN 1
#endif
#endif

#ifdef CORO_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef CORO_TSAN
#include <sanitizer/tsan_interface.h>
#endif

struct coro {
    ucontext_t context; /* where the coroutine resumes */
    ucontext_t caller;  /* where coro_yield() and the end of fn return to */
    coro_fn fn;
    void *arg;
    bool finished;
    struct coro *resumer; /* the coroutine that resumed this one (NULL: main flow) */
    void *mapping;        /* guard page + stack, from mmap */
    size_t mapping_size;
    void *stack; /* the usable part of the mapping */
    size_t stack_size;
#ifdef CORO_ASAN
    void *fake_stack;          /* ASan's per-fiber fake stack while suspended */
    const void *caller_bottom; /* the stack we return to, as ASan needs it */
    size_t caller_size;
#endif
#ifdef CORO_TSAN
    void *tsan_fiber;  /* TSan's view of this coroutine */
    void *tsan_caller; /* TSan's view of whoever resumed it */
#endif
};

/* The coroutine running on this thread; NULL in the main flow. */
static _Thread_local struct coro *running;

/* Saves the current context in *from and continues in *to; returns when someone later
 * continues in *from. This is swapcontext(), written as getcontext() + setcontext()
 * because ASan's swapcontext() interceptor prints a warning at its first use even when
 * the switches are announced to it as below. */
static void switch_context(ucontext_t *from, const ucontext_t *to)
{
    volatile bool resumed = false; /* on this stack: true when we are continued */
    if (getcontext(from) < 0)
        abort(); /* cannot fail for a valid pointer */
    if (!resumed) {
        resumed = true;
        setcontext(to);
        abort(); /* setcontext() returns only on failure */
    }
}

/* Under ASan, every switch is bracketed: __sanitizer_start_switch_fiber() before
 * leaving a stack (saving that stack's fake frames, or NULL when leaving it for good),
 * __sanitizer_finish_switch_fiber() on arrival (learning the stack we came from). */

/* Every coroutine starts here, on its own stack. makecontext() passes only ints, so the
 * coroutine is found through `running`, which coro_resume() has just set. */
static void trampoline(void)
{
    struct coro *co = running;
#ifdef CORO_ASAN
    __sanitizer_finish_switch_fiber(NULL, &co->caller_bottom, &co->caller_size);
#endif
    co->fn(co->arg);
    co->finished = true;
    /* Leave for good: ASan may drop this fiber's fake stack (save = NULL). */
#ifdef CORO_ASAN
    __sanitizer_start_switch_fiber(NULL, co->caller_bottom, co->caller_size);
#endif
#ifdef CORO_TSAN
    __tsan_switch_to_fiber(co->tsan_caller, 0);
#endif
    setcontext(&co->caller);
    abort(); /* setcontext() returns only on failure, and then nothing can continue */
}

/* Sets co->context to start trampoline() on co's stack. In a function of its own:
 * getcontext() "returns twice" as far as the compiler knows, which must not touch the
 * locals of coro_create(). Returns 0 or -errno. */
static int prepare_context(struct coro *co)
{
    if (getcontext(&co->context) < 0)
        return -errno;
    co->context.uc_stack.ss_sp = co->stack;
    co->context.uc_stack.ss_size = co->stack_size;
    co->context.uc_link = NULL; /* the trampoline never returns */
    makecontext(&co->context, trampoline, 0);
    return 0;
}

struct coro *coro_create(coro_fn fn, void *arg, size_t stack_size)
{
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        page = 4096;
    if (stack_size == 0)
        stack_size = CORO_DEFAULT_STACK_SIZE;
    stack_size = (stack_size + (size_t)page - 1) / (size_t)page * (size_t)page;

    struct coro *co = calloc(1, sizeof *co);
    if (co == NULL)
        return NULL;
    co->fn = fn;
    co->arg = arg;
    co->mapping_size = stack_size + (size_t)page;
    co->mapping = mmap(NULL, co->mapping_size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (co->mapping == MAP_FAILED) {
        free(co);
        errno = ENOMEM;
        return NULL;
    }
    /* The lowest page is the guard: stacks grow down, into it. */
    int err = mprotect(co->mapping, (size_t)page, PROT_NONE) < 0 ? -ENOMEM : 0;
    co->stack = (char *)co->mapping + page;
    co->stack_size = stack_size;
    if (err == 0)
        err = prepare_context(co);
    if (err < 0) {
        munmap(co->mapping, co->mapping_size);
        free(co);
        errno = -err;
        return NULL;
    }
#ifdef CORO_TSAN
    co->tsan_fiber = __tsan_create_fiber(0);
#endif
    return co;
}

void coro_resume(struct coro *co)
{
    if (co->finished || co == running)
        return;
    co->resumer = running;
    running = co;
#ifdef CORO_TSAN
    co->tsan_caller = __tsan_get_current_fiber();
#endif
#ifdef CORO_ASAN
    void *fake_stack = NULL;
    __sanitizer_start_switch_fiber(&fake_stack, co->stack, co->stack_size);
#endif
#ifdef CORO_TSAN
    __tsan_switch_to_fiber(co->tsan_fiber, 0);
#endif
    switch_context(&co->caller, &co->context);
#ifdef CORO_ASAN
    __sanitizer_finish_switch_fiber(fake_stack, NULL, NULL);
#endif
    running = co->resumer;
}

void coro_yield(void)
{
    struct coro *co = running;
    if (co == NULL)
        return;
#ifdef CORO_ASAN
    __sanitizer_start_switch_fiber(&co->fake_stack, co->caller_bottom, co->caller_size);
#endif
#ifdef CORO_TSAN
    __tsan_switch_to_fiber(co->tsan_caller, 0);
#endif
    switch_context(&co->context, &co->caller);
#ifdef CORO_ASAN
    __sanitizer_finish_switch_fiber(co->fake_stack, &co->caller_bottom, &co->caller_size);
#endif
}

bool coro_finished(const struct coro *co)
{
    return co->finished;
}

void coro_destroy(struct coro *co)
{
    if (co == NULL)
        return;
#ifdef CORO_TSAN
    __tsan_destroy_fiber(co->tsan_fiber);
#endif
    munmap(co->mapping, co->mapping_size);
    free(co);
}
