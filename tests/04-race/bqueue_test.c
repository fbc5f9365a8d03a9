/*
 * Graded tests of lab 04, part C: the bounded buffer must deliver every item exactly
 * once and never hang, with any mix of producers, consumers and capacity.
 *
 * `--delay put=US` makes producers slow, so that every consumer waits on an empty
 * buffer; `--delay take=US` makes consumers slow, so that every producer waits on a
 * full one. A single put or take then wakes threads that all want to act.
 */
#include "graded.h"
#include "race_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hang_hint[] =
    "a thread is still waiting: a wake-up was lost, or a stop item was lost or taken "
    "twice. Is every wait in bbuf.c ready for a wake-up after which the buffer is "
    "still full (or empty)?";

static void run_bqueue(enum race_build build, const char *producers, const char *consumers,
                       const char *capacity, const char *items, const char *delay)
{
    const char *args[12] = {"--producers", producers, "--consumers", consumers,
                            "--capacity",  capacity,  "--items",     items};
    size_t n = 8;
    if (delay) {
        args[n++] = "--delay";
        args[n++] = delay;
    }
    const char *what = race_describe(build == RACE_TSAN ? "bqueue (TSan build)" : "bqueue", args);
    struct run_result r = race_run(build, "bqueue", args, NULL, 10, what, hang_hint);
    race_expect_exit(&r, 0, what,
                     "Items were lost or taken twice: a put overwrote an item in a full "
                     "buffer, or a take read a slot of an empty one. When a thread wakes "
                     "up in bbuf_put() or bbuf_take(), does the condition it waited for "
                     "still hold?");
    cr_assert(strstr(r.out, "delivered: all") != NULL,
              "%s: expected a line 'delivered: all "
              "N items, each exactly once', got: %.300s",
              what, r.out);
    run_result_free(&r);
}

GRADED(bqueue, delivers_every_item_under_stress)
{
    run_bqueue(RACE_PLAIN, "1", "4", "1", "100", "put=300");
    run_bqueue(RACE_PLAIN, "4", "1", "1", "40", "take=300");
    run_bqueue(RACE_PLAIN, "3", "3", "2", "1500", NULL);
    run_bqueue(RACE_PLAIN, "2", "5", "3", "300", "put=100");
    run_bqueue(RACE_PLAIN, "6", "2", "2", "60", "take=200");
}

GRADED(bqueue, is_clean_under_thread_sanitizer)
{
    run_bqueue(RACE_TSAN, "1", "3", "1", "60", "put=300");
    run_bqueue(RACE_TSAN, "3", "1", "1", "30", "take=300");
    run_bqueue(RACE_TSAN, "2", "2", "4", "500", NULL);
}
