/*
 * race_support: running the lab's programs for the graded tests.
 */
#include "race_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

const char *race_describe(const char *program, const char *const *args)
{
    static char ring[4][512];
    static unsigned next;
    char *text = ring[next++ % 4];
    snprintf(text, sizeof ring[0], "%s", program);
    for (size_t i = 0; args[i] != NULL; i++)
        snprintf(text + strlen(text), sizeof ring[0] - strlen(text), " %s", args[i]);
    return text;
}

const char *race_find_line(const char *out, const char *prefix)
{
    const char *found = NULL;
    size_t len = strlen(prefix);
    for (const char *line = out; line != NULL && *line != '\0';) {
        if (strncmp(line, prefix, len) == 0)
            found = line;
        const char *newline = strchr(line, '\n');
        line = newline ? newline + 1 : NULL;
    }
    return found;
}

struct run_result race_run(enum race_build build, const char *program, const char *const *args,
                           const char *stdin_text, double timeout_s, const char *what,
                           const char *hang_hint)
{
    const char *path;
    if (build == RACE_TSAN) {
        path = tsan_program_path(RACE_LAB, program);
        cr_assert(path != NULL,
                  "this test needs the ThreadSanitizer build of %s, but CONCLAB_TSAN_BIN is "
                  "not set: run it with `make grade` (or build with SAN=thread and set "
                  "CONCLAB_TSAN_BIN=build/tsan/<impl>)",
                  program);
    } else {
        path = program_path(RACE_LAB, program);
    }
    const char *argv[32] = {path};
    for (size_t i = 0; args[i] != NULL; i++) {
        cr_assert(i < 30, "too many arguments");
        argv[i + 1] = args[i];
    }
    /* halt_on_error would hide later reports; exitcode makes any report visible in the
     * exit status too. */
    const char *env[] = {"TSAN_OPTIONS=exitcode=66 second_deadlock_stack=1", NULL};
    struct run_spec spec = {.argv = argv,
                            .stdin_text = stdin_text,
                            .env = build == RACE_TSAN ? env : NULL,
                            .timeout_s = timeout_s};
    struct run_result r;
    cr_assert(run_program(&spec, &r), "could not start %s: %.200s", path, r.err);
    const char *report = build == RACE_TSAN ? strstr(r.err, "WARNING: ThreadSanitizer") : NULL;
    cr_assert(!r.timed_out, "%s: did not finish within %.0f s: %s%s%.1500s", what, timeout_s,
              hang_hint, report ? "\nThreadSanitizer had reported, before the hang:\n" : "",
              report ? report : "");
    if (build == RACE_TSAN) {
        cr_assert(report == NULL,
                  "%s: ThreadSanitizer found a problem (two threads touch the same memory "
                  "without a lock or an atomic between them, or locks are taken in "
                  "conflicting orders). Its report starts:\n%.1500s",
                  what, report);
    }
    cr_assert(!r.signaled, "%s: %s (stderr: %.300s)", what, run_describe_end(&r), r.err);
    cr_assert(r.leftover_processes == 0,
              "%s: left %d process(es) behind (still running, or exited and never reaped): "
              "does the parent call waitpid() for every child it forked?",
              what, r.leftover_processes);
    return r;
}

void race_expect_exit(const struct run_result *r, int code, const char *what, const char *hint)
{
    cr_assert(r->exited && r->exit_code == code,
              "%s: expected exit status %d, got %s. %s\n"
              "stdout ends: %.400s\nstderr: %.400s",
              what, code, run_describe_end(r), hint,
              r->out_len > 400 ? r->out + r->out_len - 400 : r->out, r->err);
}
