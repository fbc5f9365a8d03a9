/*
 * Graded tests of lab 04, part C: the bounded buffer must deliver every item exactly
 * once and never hang, with any mix of producers, consumers and capacity.
 *
 * `--delay put=US` makes producers slow, so that every consumer waits on an empty
 * buffer; `--delay take=US` makes consumers slow, so that every producer waits on a
 * full one. A single put or take then wakes threads that all want to act.
 * `--spurious US` wakes every waiting thread every US microseconds for no reason, as
 * pthreads allows: the handout's promise that a buffer stays correct then.
 */
#include "graded.h"
#include "race_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hang_hint[] =
    "The threads above that wait (futex) wait for a wake-up that never came: a lost "
    "wake-up. After every put and every take, is a thread that can now go on woken: the "
    "right condition variable (not_empty after a put, not_full after a take), signalled "
    "after every change and not only when the buffer was empty or full? With "
    "pthread_cond_signal the one thread woken must be one that can use the change (one "
    "condition variable per condition); pthread_cond_broadcast wakes them all. A stop "
    "item lost or taken twice also leaves a consumer waiting.";

static const char wrong_items_hint[] =
    "Items were lost, taken twice or made up: a put overwrote an item of a full buffer, "
    "or a take read a slot of an empty one. When a thread wakes up in bbuf_put() or "
    "bbuf_take(), does it check its condition again, in a while loop, under the mutex? A "
    "wake-up only says that the buffer changed: another thread may have got there first "
    "(Mesa semantics). And is every look at count made with the mutex held?";

static const char spurious_hint[] =
    "With --spurious, waiting threads are woken although nothing changed, as pthreads "
    "allows at any time (a spurious wake-up). A thread that acts on a wake-up without "
    "checking its condition again (if instead of while) takes from an empty buffer or "
    "puts into a full one.";

static void run_bqueue(enum race_build build, const char *producers, const char *consumers,
                       const char *capacity, const char *items, const char *delay,
                       const char *spurious)
{
    const char *args[14] = {"--producers", producers, "--consumers", consumers,
                            "--capacity",  capacity,  "--items",     items};
    size_t n = 8;
    if (delay) {
        args[n++] = "--delay";
        args[n++] = delay;
    }
    if (spurious) {
        args[n++] = "--spurious";
        args[n++] = spurious;
    }
    const char *what = race_describe(build == RACE_TSAN ? "bqueue (TSan build)" : "bqueue", args);
    struct run_result r = race_run(build, "bqueue", args, NULL, 10, what, hang_hint);
    race_expect_exit(&r, 0, what, spurious ? spurious_hint : wrong_items_hint);
    cr_assert(strstr(r.out, "delivered: all") != NULL,
              "%s: expected a line 'delivered: all N items, each exactly once', got: %.300s", what,
              race_last_lines(r.out, 3));
    run_result_free(&r);
}

GRADED(bqueue, delivers_every_item_under_stress)
{
    run_bqueue(RACE_PLAIN, "1", "4", "1", "100", "put=300", NULL);
    run_bqueue(RACE_PLAIN, "4", "1", "1", "40", "take=300", NULL);
    run_bqueue(RACE_PLAIN, "3", "3", "2", "1500", NULL, NULL);
    run_bqueue(RACE_PLAIN, "2", "5", "3", "300", "put=100", NULL);
    run_bqueue(RACE_PLAIN, "6", "2", "2", "60", "take=200", NULL);
}

GRADED(bqueue, delivers_every_item_despite_spurious_wake_ups)
{
    /* One producer and one consumer: only a spurious wake-up can wake a thread whose
     * condition does not hold. A waker thread of the checker broadcasts both condition
     * variables every 100 us, under the buffer's mutex. */
    run_bqueue(RACE_PLAIN, "1", "1", "1", "300", "put=200", "100");
    run_bqueue(RACE_PLAIN, "1", "1", "1", "300", "take=200", "100");
    run_bqueue(RACE_PLAIN, "2", "2", "2", "2000", NULL, "50");
}

GRADED(bqueue, is_clean_under_thread_sanitizer)
{
    run_bqueue(RACE_TSAN, "1", "3", "1", "60", "put=300", NULL);
    run_bqueue(RACE_TSAN, "3", "1", "1", "30", "take=300", NULL);
    run_bqueue(RACE_TSAN, "2", "2", "4", "500", NULL, "200");
}
