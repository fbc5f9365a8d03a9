/*
 * Unit tests of lib/coro: stackful coroutines on ucontext.
 */
#include "coro.h"

#include <criterion/criterion.h>
#include <string.h>

struct counter {
    int steps;
    int seen[8];
};

/* Records its progress, yielding between steps. */
static void count_to_three(void *arg)
{
    struct counter *c = arg;
    for (int i = 1; i <= 3; i++) {
        c->seen[c->steps++] = i;
        coro_yield();
    }
}

Test(coro, runs_until_each_yield_and_finishes)
{
    struct counter c = {0};
    struct coro *co = coro_create(count_to_three, &c, 0);
    cr_assert_not_null(co);
    cr_assert_eq(c.steps, 0, "a coroutine must not start before coro_resume()");
    for (int i = 1; i <= 3; i++) {
        coro_resume(co);
        cr_assert_eq(c.steps, i, "each resume runs to the next yield");
        cr_assert(!coro_finished(co));
    }
    coro_resume(co); /* returns from the function */
    cr_assert(coro_finished(co));
    coro_resume(co); /* resuming a finished coroutine does nothing */
    cr_assert_eq(c.steps, 3);
    coro_destroy(co);
}

Test(coro, yield_outside_a_coroutine_does_nothing)
{
    coro_yield(); /* the main flow is not a coroutine: this returns at once */
    struct counter c = {0};
    struct coro *co = coro_create(count_to_three, &c, 0);
    cr_assert_not_null(co);
    coro_resume(co);
    cr_assert_eq(c.steps, 1);
    coro_yield(); /* back in the main flow: must not resume the suspended coroutine */
    cr_assert_eq(c.steps, 1, "a yield from the main flow ran the coroutine (%d steps)", c.steps);
    while (!coro_finished(co))
        coro_resume(co);
    coro_destroy(co);
}

/* Two coroutines interleaved by the main flow, as an event loop would. */
struct ping {
    char *log;
    char mark;
};

static void ping(void *arg)
{
    struct ping *p = arg;
    for (int i = 0; i < 3; i++) {
        strncat(p->log, &p->mark, 1);
        coro_yield();
    }
}

Test(coro, interleaves_two_coroutines)
{
    char log[16] = "";
    struct ping a = {log, 'a'}, b = {log, 'b'};
    struct coro *ca = coro_create(ping, &a, 0), *cb = coro_create(ping, &b, 0);
    while (!coro_finished(ca) || !coro_finished(cb)) {
        coro_resume(ca);
        coro_resume(cb);
    }
    cr_assert_str_eq(log, "ababab");
    coro_destroy(ca);
    coro_destroy(cb);
}

/* Uses a good part of a small stack, to show the stack really is the coroutine's. */
static int deep(int n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    return n == 0 ? pad[0] : deep(n - 1) + 1;
}

static void recurse(void *arg)
{
    int *out = arg;
    coro_yield();
    *out = deep(40);
}

Test(coro, has_a_stack_of_its_own)
{
    int out = -1;
    struct coro *co = coro_create(recurse, &out, 64 * 1024);
    cr_assert_not_null(co);
    coro_resume(co);
    coro_resume(co);
    cr_assert_eq(out, 40);
    cr_assert(coro_finished(co));
    coro_destroy(co);
    coro_destroy(NULL);
}
