/*
 * Graded test of lab 01: the command line of the three programs.
 */
#include "graded.h"
#include "spin_check.h"

#include <string.h>

static void assert_usage_error(const char *program, const char *what, const char *a, const char *b)
{
    struct run_result r;
    spin_run(&r, 5, program, a, b, NULL);
    cr_assert(r.exited && r.exit_code == 2, "%s %s %s (%s) should exit 2, got %s %d", program, a,
              b ? b : "", what, r.exited ? "exit status" : "signal",
              r.exited ? r.exit_code : r.signal);
    cr_assert(count_lines(r.err) >= 1 && strstr(r.out, "thinking!") == NULL,
              "%s %s: expected a message on stderr and no spinning", program, a);
    run_result_free(&r);
}

GRADED(cli, every_program_spins_and_rejects_bad_options)
{
    static const char *const programs[] = {"spinner_thread", "spinner_proc", "spinner_uring"};
    for (size_t i = 0; i < 3; i++) {
        const char *program = programs[i];
        struct run_result r;
        spin_run(&r, 5, program, "--help", NULL);
        cr_assert(r.exited && r.exit_code == 0 && strstr(r.out, "Usage") != NULL,
                  "%s --help should print the usage on stdout and exit 0", program);
        run_result_free(&r);

        assert_usage_error(program, "not a number", "--seconds", "abc");
        assert_usage_error(program, "negative", "--seconds", "-1");
        assert_usage_error(program, "unknown option", "--frobnicate", NULL);
        assert_usage_error(program, "unknown --slow", "--slow=nap", NULL);

        /* And with good options it does its job. */
        spin_run(&r, 5, program, "--seconds", "0.2", NULL);
        if (i == 2)
            spin_skip_if_no_uring(&r);
        struct spin_output o;
        spin_parse(r.out, &o);
        spin_assert_contract(program, &r, &o, 2);
        run_result_free(&r);
    }
}
