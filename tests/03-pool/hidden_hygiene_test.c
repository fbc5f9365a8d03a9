/*
 * Hidden graded test of lab 03 (instructor-only: a file named hidden_*.c is left out of
 * the student handout, and its rubric lines say `hidden`).
 *
 * A program given --range has no business reading stdin: on a terminal nobody types
 * into, it would wait forever.
 */
#include "graded.h"
#include "harness.h"
#include "hygiene.h"

#define LAB "03-pool"

GRADED(hygiene, does_not_read_stdin_unasked)
{
    const char *argv[] = {program_path(LAB, "sequential"), "--range", "1", "60", NULL};
    struct piped_run r;
    piped_run(argv, 5, &r);
    cr_assert(!r.timed_out,
              "sequential --range 1 60 was still running after 5 s with a stdin that "
              "never ends: does it read stdin though only '--numbers -' asks for that?");
    cr_assert(r.exited && r.exit_code == 0, "sequential --range 1 60: expected exit status 0");
    assert_range_results(r.out, 1, 60, "sequential --range 1 60");
    piped_run_free(&r);
}
