/*
 * Graded tests of lab 04, part D: transfers must never deadlock, whatever the
 * directions, and each must move its money in one step.
 *
 * `--delay between=US` pauses a transfer between taking its two locks: two transfers
 * in opposite directions that take them in different orders then deadlock every time.
 */
#include "graded.h"
#include "race_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hang_hint[] =
    "a deadlock? Two transfers each hold one account's lock and wait for the other's. "
    "In which order do transfers (and bank_audit) take the locks?";

static void run_transfer(enum race_build build, const char *threads, const char *accounts,
                         const char *transfers, const char *delay)
{
    const char *args[10] = {"--threads", threads, "--accounts", accounts, "--transfers", transfers};
    size_t n = 6;
    if (delay) {
        args[n++] = "--delay";
        args[n++] = delay;
    }
    const char *what =
        race_describe(build == RACE_TSAN ? "transfer (TSan build)" : "transfer", args);
    struct run_result r = race_run(build, "transfer", args, NULL, 8, what, hang_hint);
    race_expect_exit(&r, 0, what,
                     "The money did not add up: an audit saw a transfer half done, or an "
                     "update was lost. Does a transfer hold both accounts' locks while it "
                     "moves the money?");
    cr_assert(race_find_line(r.out, "audits: ") != NULL && race_find_line(r.out, "total: "),
              "%s: expected the lines 'audits: ...' and 'total: ...', got: %.300s", what, r.out);
    run_result_free(&r);
}

GRADED(transfer, never_deadlocks_under_stress)
{
    run_transfer(RACE_PLAIN, "2", "2", "200", "between=200");
    run_transfer(RACE_PLAIN, "4", "3", "100", "between=100");
    run_transfer(RACE_PLAIN, "8", "5", "60", "between=100");
    run_transfer(RACE_PLAIN, "2", "2", "100000", NULL);
    run_transfer(RACE_PLAIN, "6", "16", "20000", NULL);
}

GRADED(transfer, moves_money_in_one_step)
{
    /* The auditor (main) adds up the balances while transfers pause between locks. */
    run_transfer(RACE_PLAIN, "3", "4", "150", "between=300");
    run_transfer(RACE_PLAIN, "2", "2", "150", "between=300");
}

GRADED(transfer, is_clean_under_thread_sanitizer)
{
    run_transfer(RACE_TSAN, "2", "2", "300", "between=50");
    run_transfer(RACE_TSAN, "4", "4", "2000", NULL);
}
