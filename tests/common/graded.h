/*
 * graded.h: how a graded test is declared.
 *
 *     GRADED(pool, reaps_every_worker) { ... cr_assert(...); ... }
 *
 * It is Criterion's Test() plus one guarantee: the test counts as passed only if its
 * body ran to the end. Criterion 2.4.1 reports PASSED when the code under test calls
 * exit(0) or _exit(0) in the middle of a test; the body's last act here is to record
 * that it finished, and the grader (scripts/grade) fails any test that did not.
 * Extra Test() options may follow the name, e.g. GRADED(s, n, .init = setup).
 *
 * Timeouts and points are not set here: they live in tests/<lab>/rubric.
 */
#ifndef CONCLAB_GRADED_H
#define CONCLAB_GRADED_H

#include <criterion/criterion.h>

/* Records that suite/name ran to its end (no-op outside the grader). */
void graded_mark_finished(const char *suite, const char *name);

#define GRADED(Suite, Name, ...)                                                                   \
    static void graded_body_##Suite##_##Name(void);                                                \
    Test(Suite, Name, .disabled = false, ##__VA_ARGS__)                                            \
    {                                                                                              \
        graded_body_##Suite##_##Name();                                                            \
        graded_mark_finished(#Suite, #Name);                                                       \
    }                                                                                              \
    static void graded_body_##Suite##_##Name(void)

#endif
