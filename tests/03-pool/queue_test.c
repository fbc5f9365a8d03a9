/*
 * Graded tests of lab 03, part C: the blocking queue.
 *
 * The student's queue runs in queue_driver (queue_driver.c, built from queue.c): these
 * tests tell it what to do and judge what it reports, so no student code runs in this
 * process. Values are random for each run, so a report must come from the queue.
 */
#include "driver.h"
#include "graded.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LAB    "03-pool"
#define DRIVER "queue_driver"

static uint64_t random_value(void)
{
    static bool seeded;
    if (!seeded) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        srand48(now.tv_nsec ^ now.tv_sec ^ getpid());
        seeded = true;
    }
    /* Below 2^63, so never the end mark and never 12345's twin by accident. */
    return ((uint64_t)mrand48() << 32 ^ (uint64_t)(uint32_t)mrand48()) >> 1;
}

/* Fails the test with what the driver said, when a report it owes does not come. */
static void no_report(struct driver *d, const char *waiting_for, const char *likely)
{
    struct run_result r;
    driver_finish(d, &r);
    cr_assert_fail("expected the driver to report \"%s\", but it did not (%s): %s\n"
                   "its output ended with: %.300s%.300s",
                   waiting_for, run_describe_end(&r), likely,
                   r.out_len > 300 ? r.out + r.out_len - 300 : r.out, r.err);
}

GRADED(queue, is_first_in_first_out)
{
    struct driver d;
    driver_start(&d, LAB, DRIVER, 20);
    enum { N = 1000 };
    uint64_t values[N];
    char *command = malloc(N * 17 + 16), *cursor = command;
    cr_assert_not_null(command);
    cursor += sprintf(cursor, "fifo %d", N);
    for (int i = 0; i < N; i++) {
        values[i] = random_value();
        cursor += sprintf(cursor, " %" PRIx64, values[i]);
    }
    driver_send(&d, "%s", command);
    free(command);

    char *empty = driver_expect(&d, "empty ", 10);
    if (empty == NULL)
        no_report(&d, "empty", "did queue_try_get block or crash on an empty queue?");
    int returned = -1;
    uint64_t item = 0;
    sscanf(empty, "empty %d %" SCNx64, &returned, &item);
    cr_assert(returned == 0, "queue_try_get on an empty queue: expected false, got true");
    cr_assert(item == 12345,
              "queue_try_get on an empty queue changed *item (to %" PRIx64
              "): it must leave it alone when it returns false",
              item);
    free(empty);

    char *got = driver_expect(&d, "got", 15);
    if (got == NULL)
        no_report(&d, "got ...",
                  "a queue_get that waits forever on a queue that holds "
                  "items, or a queue that cannot grow past its first size?");
    char *word = strtok(got + 3, " ");
    for (int i = 0; i < N; i++, word = strtok(NULL, " ")) {
        cr_assert_not_null(word, "expected %d items back, got %d", N, i);
        item = strtoull(word, NULL, 16);
        cr_assert(item == values[i],
                  "expected the items back in the order they were put: item %d put was "
                  "%" PRIx64 ", but %s returned %" PRIx64 " in its place (out of order, "
                  "lost, or a queue_try_get that found the queue empty: is the ring "
                  "buffer's head/count arithmetic right when it grows?)",
                  i + 1, values[i], i % 2 == 0 ? "queue_get" : "queue_try_get", item);
    }
    free(got);

    /* Records bigger than a pointer are copied whole. */
    char hex[81];
    for (int i = 0; i < 40; i++)
        sprintf(hex + 2 * i, "%02x", (unsigned)(random_value() & 0xff));
    driver_send(&d, "record %s", hex);
    char *record = driver_expect(&d, "record ", 10);
    if (record == NULL)
        no_report(&d, "record", "does a 40-byte item fit?");
    cr_assert(strcmp(record + 7, hex) == 0,
              "a 40-byte item did not come back intact: put %s, got %s (items are records "
              "of item_size bytes, copied whole with memcpy)",
              hex, record + 7);
    free(record);
    struct run_result r;
    driver_finish(&d, &r);
    run_result_free(&r);
}

GRADED(queue, get_blocks_while_empty)
{
    struct driver d;
    driver_start(&d, LAB, DRIVER, 20);
    driver_send(&d, "spawn-get");
    char *line = driver_expect(&d, "spawned", 5);
    if (line == NULL)
        no_report(&d, "spawned", "the driver could not start a thread");
    free(line);
    line = driver_expect(&d, "got ", 0.2);
    cr_assert_null(line,
                   "queue_get returned (%s) from an empty queue within 200 ms: it must wait "
                   "until an item is put (wait on the condition variable while count is 0)",
                   line);
    uint64_t v = random_value();
    driver_send(&d, "put %" PRIx64, v);
    line = driver_expect(&d, "got ", 5);
    if (line == NULL)
        no_report(&d, "got",
                  "queue_get still waits 5 s after an item was put: does queue_put "
                  "signal the condition variable, under the mutex?");
    cr_assert(strtoull(line + 4, NULL, 16) == v,
              "expected the waiting getter to receive %" PRIx64 ", got %s", v, line + 4);
    free(line);
    struct run_result r;
    driver_finish(&d, &r);
    run_result_free(&r);
}

GRADED(queue, wakes_every_waiting_getter)
{
    /* Rounds of: 8 getters wait on an empty queue, then 8 puts in a burst. A queue
     * that wakes only one getter when several items arrive loses wake-ups. */
    struct driver d;
    driver_start(&d, LAB, DRIVER, 60);
    for (int round = 0; round < 50; round++) {
        uint64_t v[8];
        for (int i = 0; i < 8; i++)
            v[i] = random_value();
        driver_send(&d,
                    "round %d %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64
                    " %" PRIx64 " %" PRIx64,
                    round, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "round %d ", round);
        char *line = driver_expect(&d, prefix, 10);
        if (line == NULL)
            no_report(&d, prefix, "a getter crashed or the queue deadlocked");
        cr_assert(strstr(line, "stuck") == NULL,
                  "round %d: 8 getters waited on an empty queue, 8 items were put, and a "
                  "getter was still waiting 5 s later: a lost wake-up (does every put "
                  "signal? does a woken getter check count again in a while loop?)",
                  round);
        bool taken[8] = {false};
        char *word = strtok(line + strlen(prefix) + 4, " ");
        for (int i = 0; i < 8; i++, word = strtok(NULL, " ")) {
            cr_assert_not_null(word, "round %d: expected 8 items got, in: %s", round, line);
            uint64_t item = strtoull(word, NULL, 16);
            int k = 0;
            while (k < 8 && (v[k] != item || taken[k]))
                k++;
            cr_assert(k < 8,
                      "round %d: a getter received %" PRIx64 ", which was not put or was "
                      "received twice (does queue_get take the item under the mutex, "
                      "after checking count again?)",
                      round, item);
            taken[k] = true;
        }
        free(line);
    }
    struct run_result r;
    driver_finish(&d, &r);
    run_result_free(&r);
}

GRADED(queue, many_producers_and_consumers_lose_nothing)
{
    enum { PRODUCERS = 4, CONSUMERS = 6, PER_PRODUCER = 20000 };
    struct driver d;
    driver_start(&d, LAB, DRIVER, 60);
    driver_send(&d, "storm %d %d %d", PRODUCERS, CONSUMERS, PER_PRODUCER);
    char *line = driver_expect(&d, "storm ", 50);
    if (line == NULL)
        no_report(&d, "storm", "a crash, or a queue that deadlocks under contention");
    cr_assert(strstr(line, "stuck") == NULL,
              "4 producers and 6 consumers: a thread had not finished after 20 s (a lost "
              "wake-up, an item lost, or a consumer that never got its end mark)");
    cr_assert(strncmp(line, "storm too-many", 14) != 0,
              "4 producers and 6 consumers: expected the getters to return the %d items "
              "put and 6 end marks, but they returned more (\"%s\"): queue_get returned "
              "without an item. It must wait while the queue is empty, in a while loop "
              "around pthread_cond_wait (not an if: a wait can end without a signal, or "
              "another getter can take the item first).",
              PRODUCERS * PER_PRODUCER, line);
    int put_errors = -1, left = -1;
    sscanf(line, "storm put-errors %d left %d", &put_errors, &left);
    cr_assert_eq(put_errors, 0, "queue_put failed %d time(s): expected 0 every time", put_errors);
    cr_assert_eq(left, 0,
                 "4 producers and 6 consumers: expected the queue empty at the end, but "
                 "queue_try_get found an item: its count went wrong. Did a getter take from "
                 "an empty queue? queue_get must wait in a while loop (while the queue is "
                 "empty), not an if: another getter can take the item between the signal and "
                 "the wake-up, and a wait can end without any signal.");
    free(line);

    unsigned char(*seen)[PER_PRODUCER] = calloc(PRODUCERS, sizeof *seen);
    cr_assert_not_null(seen);
    for (int c = 0; c < CONSUMERS; c++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "consumer %d", c);
        line = driver_expect(&d, prefix, 10);
        if (line == NULL)
            no_report(&d, prefix, "the driver ended early");
        long last[PRODUCERS];
        for (int i = 0; i < PRODUCERS; i++)
            last[i] = -1;
        for (char *word = strtok(line + strlen(prefix), " "); word; word = strtok(NULL, " ")) {
            uint64_t v = strtoull(word, NULL, 16);
            uint64_t who = v >> 32, seq = v & 0xffffffffu;
            cr_assert(who < PRODUCERS && seq < PER_PRODUCER,
                      "consumer %d received %" PRIx64 ", which no producer put: does "
                      "queue_get check again, in a loop, that the queue is not empty after "
                      "it wakes up?",
                      c, v);
            /* One producer's items leave a FIFO queue in order: each consumer sees
             * them in increasing order. */
            cr_assert((long)seq > last[who],
                      "consumer %d received item %" PRIu64 " of producer %" PRIu64 " after "
                      "item %ld: the queue must be first in, first out",
                      c, seq, who, last[who]);
            last[who] = (long)seq;
            cr_assert(seen[who][seq] == 0,
                      "item %" PRIu64 " of producer %" PRIu64 " was received twice, expected once",
                      seq, who);
            seen[who][seq] = 1;
        }
        free(line);
    }
    for (int who = 0; who < PRODUCERS; who++)
        for (int seq = 0; seq < PER_PRODUCER; seq++)
            cr_assert(seen[who][seq] == 1,
                      "item %d of producer %d was never received: an item lost (a put that "
                      "overwrote another, or a getter that took one twice?)",
                      seq, who);
    free(seen);

    /* Pollers on a queue that never runs empty, in rounds: the first "empty" ends it. */
    enum { ITEMS = 500000, POLLERS = 2, CALLS = 200000 };
    for (int round = 0; round < 5; round++) {
        driver_send(&d, "crowd %d %d %d", ITEMS, POLLERS, CALLS);
        line = driver_expect(&d, "crowd ", 30);
        if (line == NULL)
            no_report(&d, "crowd", "a crash, or a queue that deadlocks");
        unsigned long empties = 1, remaining = 0;
        sscanf(line, "crowd empty %lu left %lu", &empties, &remaining);
        cr_assert(empties == 0,
                  "%d items put, then %d threads called queue_try_get %d times each, so the "
                  "queue never ran empty: expected it to return an item every time, but it "
                  "returned false %lu time(s) (\"%s\"). queue_try_get may return false only "
                  "when the queue is empty: it does not wait for an item, but it does take the "
                  "lock like any other call (pthread_mutex_lock, not trylock).",
                  ITEMS, POLLERS, CALLS, empties, line);
        cr_assert_eq(remaining, (unsigned long)(ITEMS - POLLERS * CALLS),
                     "%d items put, %d taken by queue_try_get: expected %d left, found %lu", ITEMS,
                     POLLERS * CALLS, ITEMS - POLLERS * CALLS, remaining);
        free(line);
    }
    struct run_result r;
    driver_finish(&d, &r);
    run_result_free(&r);
}

GRADED(queue, is_clean_under_thread_sanitizer)
{
    /* Producers, getters that block (queue_get) and getters that poll (queue_try_get),
     * all on one queue, in the ThreadSanitizer build of the driver: it sees every access
     * to the ring and its count, whichever function makes it. */
    enum { PRODUCERS = 3, CONSUMERS = 4, POLLING = 2, PER_PRODUCER = 3000 };
    const char *path = tsan_program_path(LAB, DRIVER);
    cr_assert(path != NULL,
              "this test needs the ThreadSanitizer build of %s, but CONCLAB_TSAN_BIN is "
              "not set: run it with `make grade`",
              DRIVER);
    char input[64];
    snprintf(input, sizeof input, "storm %d %d %d %d\n", PRODUCERS, CONSUMERS, PER_PRODUCER,
             POLLING);
    const char *argv[] = {path, NULL};
    const char *env[] = {"TSAN_OPTIONS=exitcode=66 second_deadlock_stack=1", NULL};
    struct run_spec spec = {.argv = argv, .stdin_text = input, .env = env, .timeout_s = 30};
    struct run_result r;
    cr_assert(run_program(&spec, &r), "could not start %s: %.200s", path, r.err);
    const char *report = strstr(r.err, "WARNING: ThreadSanitizer");
    cr_assert(report == NULL,
              "%d producers, %d getters in queue_get and %d polling with queue_try_get: "
              "ThreadSanitizer found a data race (two threads touch the same memory without "
              "a lock between them). Is every access to the ring and its count made with "
              "the queue's mutex held, in queue_put, queue_get and queue_try_get alike (the "
              "check that the queue is not empty and the ring_pop under one lock)? Its "
              "report starts:\n%.1500s",
              PRODUCERS, CONSUMERS - POLLING, POLLING, report);
    const char *line = strstr(r.out, "storm ");
    int put_errors = -1, left = -1;
    if (line != NULL)
        sscanf(line, "storm put-errors %d left %d", &put_errors, &left);
    cr_assert(line == NULL || strncmp(line, "storm too-many", 14) != 0,
              "%d producers and %d getters (%d polling with queue_try_get): the getters "
              "returned more items than were put (\"%.*s\"): queue_get must wait, in a "
              "while loop, while the queue is empty, and queue_try_get return false then",
              PRODUCERS, CONSUMERS, POLLING, line ? (int)strcspn(line, "\n") : 0, line ? line : "");
    cr_assert(line != NULL && strncmp(line, "storm stuck", 11) != 0,
              "%d producers and %d getters (%d polling with queue_try_get): expected the "
              "report \"storm put-errors 0 left 0\", got %s (a thread still running 20 s "
              "on: a getter waiting for an item that was lost, or a wake-up missed?); the "
              "driver ended with %s%s%.300s",
              PRODUCERS, CONSUMERS, POLLING, line ? "\"storm stuck\"" : "none",
              run_describe_end(&r), r.err[0] ? "; its stderr: " : "", r.err);
    cr_assert(put_errors == 0 && left == 0,
              "%d producers and %d getters (%d polling with queue_try_get): expected "
              "\"storm put-errors 0 left 0\", got %d put error(s) and %d item(s) left: "
              "queue_put must return 0 when it stores the item, and every item put must "
              "be taken once",
              PRODUCERS, CONSUMERS, POLLING, put_errors, left);
    cr_assert(!r.timed_out && r.exited && r.exit_code == 0,
              "the ThreadSanitizer build of the queue driver should exit 0; it ended with "
              "%s. stderr: %.500s",
              run_describe_end(&r), r.err);
    run_result_free(&r);
}
