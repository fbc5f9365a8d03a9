/*
 * loop_driver: runs the student's event loop (loop.c) for the graded tests of lab 01,
 * part C.
 *
 * The tests (loop_test.c) hold no student code: they start this program, built from the
 * student's loop.c, send it commands on stdin and judge what it prints. Each command
 * creates a loop, runs one small scenario of tasks on it (loop_run) and destroys it;
 * each report is one line. A task "T" is spawned by the main task with loop_spawn().
 *
 *   run V             T sleeps 1 ms and returns V; main joins it ("main joined RC result
 *                     R") and returns R + 1: "run RC result R" (RC: loop_run's return, R:
 *                     the result it gave)
 *   cancel-unstarted  main spawns T1 and T2 (each returns 7), cancels T2 at once and joins
 *                     both: "cancel-unstarted T1 joined RC result R ran 0|1 T2 joined RC
 *                     result R ran 0|1"
 *   two-sleepers LONG SHORT
 *                     main spawns A, which sleeps LONG ms and returns 1, then B, which
 *                     sleeps SHORT ms and returns 2, and joins both: A and B fall asleep in
 *                     the same round of the loop (their timeouts go to the kernel in one
 *                     submission). "A slept RET after E ms", "B slept RET after E ms" when
 *                     each sleep returns, then "two-sleepers A RC result R B RC result R"
 *   cancel-sleeping MS
 *                     T sleeps MS ms (loop_sleep); main sleeps 20 ms, so that T is asleep,
 *                     cancels T and joins it: "T slept RET" when T's sleep returns; T then
 *                     sleeps 100 ms more: "T resleep returned RET after E ms"; then
 *                     "cancel-sleeping joined RC result R" (T returns 7 after its sleeps)
 *   cancel-self MS    T cancels itself, then sleeps MS ms, then sleeps 1 ms: "T slept RET1
 *                     then RET2", then "cancel-self joined RC result R"
 *   cancel-joining MS A sleeps MS ms; B joins A; main sleeps 20 ms, cancels B and joins it,
 *                     then cancels A and joins it: "B joined RET after E ms" when B's join
 *                     returns (E: since the join began), then "cancel-joining B result R1
 *                     A result R2"
 *   cancel-joining-after-sleep MS
 *                     the same, but B sleeps 1 ms before it joins A
 *   cancel-joining-resleep
 *                     A sleeps 100 ms and returns 7; B joins A; main sleeps 20 ms, cancels
 *                     B and joins it, then joins A. B, once its join returned, sleeps
 *                     300 ms: "B joined RET then slept RET2 after E ms", then
 *                     "cancel-joining-resleep B result R1 A result R2"
 * After each command's reports comes "done". A command it cannot parse ends it with
 * status 2. When io_uring is unavailable here
 * (loop_create fails with -ENOSYS, -EPERM, -EACCES or -ENOMEM) it prints one line on
 * stderr and exits 77, as spinner_uring does; another failure of loop_create or of a
 * loop function the scenario needs is reported as "error WHAT RC".
 */
#include "loop.h"

#include "clock.h"
#include "driver_io.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MS 1000000LL

/* What the scenario's tasks share; one scenario runs at a time. */
static struct {
    long ms, short_ms;
    bool sleep_first;
    bool b_joined_a; /* B's join of A succeeded: A is freed, main must not join it */
    intptr_t value, a_result;
    struct task *t, *a;
} sc;

static struct loop *new_loop(void)
{
    struct loop *loop = NULL;
    int ret = loop_create(&loop);
    if (ret == -ENOSYS || ret == -EPERM || ret == -EACCES || ret == -ENOMEM) {
        fprintf(stderr, "loop_driver: io_uring unavailable: %s\n", strerror(-ret));
        exit(77);
    }
    if (ret < 0 || loop == NULL) {
        report("error loop_create %d", ret);
        return NULL;
    }
    return loop;
}

/* Runs main_fn as the main task of a fresh loop; the result goes to *result. */
static int run_scenario(task_fn main_fn, intptr_t *result)
{
    struct loop *loop = new_loop();
    if (loop == NULL)
        return -1;
    *result = INTPTR_MIN;
    int ret = loop_run(loop, main_fn, NULL, result);
    loop_destroy(loop);
    return ret;
}

static intptr_t t_returns_value(struct loop *loop, void *arg)
{
    (void)arg;
    int ret = loop_sleep(loop, 1 * MS);
    if (ret != 0)
        report("error loop_sleep %d", ret);
    return sc.value;
}

static intptr_t main_joins_and_returns(struct loop *loop, void *arg)
{
    (void)arg;
    struct task *t = loop_spawn(loop, "T", t_returns_value, NULL);
    if (t == NULL)
        return -1000;
    intptr_t r = INTPTR_MIN;
    int rc = loop_join(loop, t, &r);
    report("main joined %d result %ld", rc, (long)r);
    return r + 1;
}

/* Milliseconds since `start_ns` (clock_now_ns()). */
static long ms_since(int64_t start_ns)
{
    return (long)((clock_now_ns() - start_ns) / MS);
}

/* ------------------------------------------------------------ two-sleepers */

static intptr_t sleeper(struct loop *loop, long ms, const char *name, intptr_t value)
{
    int64_t start = clock_now_ns();
    int ret = loop_sleep(loop, ms * MS);
    report("%s slept %d after %ld ms", name, ret, ms_since(start));
    return value;
}

static intptr_t a_sleeps_long(struct loop *loop, void *arg)
{
    (void)arg;
    return sleeper(loop, sc.ms, "A", 1);
}

static intptr_t b_sleeps_short(struct loop *loop, void *arg)
{
    (void)arg;
    return sleeper(loop, sc.short_ms, "B", 2);
}

static intptr_t main_two_sleepers(struct loop *loop, void *arg)
{
    (void)arg;
    /* Both are ready; they run one after the other when main waits, A first, and each
     * queues its timeout before the loop next submits. */
    struct task *a = loop_spawn(loop, "A", a_sleeps_long, NULL);
    struct task *b = loop_spawn(loop, "B", b_sleeps_short, NULL);
    if (a == NULL || b == NULL)
        return -1000;
    intptr_t ra = INTPTR_MIN, rb = INTPTR_MIN;
    int rca = loop_join(loop, a, &ra);
    int rcb = loop_join(loop, b, &rb);
    report("two-sleepers A %d result %ld B %d result %ld", rca, (long)ra, rcb, (long)rb);
    return 0;
}

/* ------------------------------------------------------------ cancel-unstarted */

static intptr_t t_notes_it_ran(struct loop *loop, void *arg)
{
    (void)loop;
    *(bool *)arg = true;
    return 7;
}

static intptr_t main_cancel_unstarted(struct loop *loop, void *arg)
{
    (void)arg;
    bool ran1 = false, ran2 = false;
    struct task *t1 = loop_spawn(loop, "T1", t_notes_it_ran, &ran1);
    struct task *t2 = loop_spawn(loop, "T2", t_notes_it_ran, &ran2);
    if (t1 == NULL || t2 == NULL)
        return -1000;
    loop_cancel(loop, t2);
    intptr_t r1 = INTPTR_MIN, r2 = INTPTR_MIN;
    int rc1 = loop_join(loop, t1, &r1);
    int rc2 = loop_join(loop, t2, &r2);
    report("cancel-unstarted T1 joined %d result %ld ran %d T2 joined %d result %ld ran %d", rc1,
           (long)r1, ran1, rc2, (long)r2, ran2);
    return 0;
}

/* ------------------------------------------------------------ cancel-sleeping */

static intptr_t t_sleeps(struct loop *loop, void *arg)
{
    (void)arg;
    int ret = loop_sleep(loop, sc.ms * MS);
    report("T slept %d", ret);
    return 7;
}

static intptr_t t_sleeps_then_again(struct loop *loop, void *arg)
{
    (void)arg;
    int ret = loop_sleep(loop, sc.ms * MS);
    report("T slept %d", ret);
    int64_t start = clock_now_ns();
    ret = loop_sleep(loop, 100 * MS);
    report("T resleep returned %d after %ld ms", ret, ms_since(start));
    return 7;
}

static intptr_t main_cancel_sleeping(struct loop *loop, void *arg)
{
    (void)arg;
    struct task *t = loop_spawn(loop, "T", t_sleeps_then_again, NULL);
    if (t == NULL)
        return -1000;
    int ret = loop_sleep(loop, 20 * MS);
    if (ret != 0)
        report("error loop_sleep %d", ret);
    loop_cancel(loop, t);
    intptr_t r = INTPTR_MIN;
    int rc = loop_join(loop, t, &r);
    report("cancel-sleeping joined %d result %ld", rc, (long)r);
    return 0;
}

/* ------------------------------------------------------------ cancel-self */

static intptr_t t_cancels_itself(struct loop *loop, void *arg)
{
    (void)arg;
    loop_cancel(loop, sc.t);
    int first = loop_sleep(loop, sc.ms * MS);
    int second = loop_sleep(loop, 1 * MS);
    report("T slept %d then %d", first, second);
    return 7;
}

static intptr_t main_cancel_self(struct loop *loop, void *arg)
{
    (void)arg;
    sc.t = loop_spawn(loop, "T", t_cancels_itself, NULL);
    if (sc.t == NULL)
        return -1000;
    intptr_t r = INTPTR_MIN;
    int rc = loop_join(loop, sc.t, &r);
    report("cancel-self joined %d result %ld", rc, (long)r);
    return 0;
}

/* ------------------------------------------------------------ cancel-joining */

static intptr_t b_joins_a(struct loop *loop, void *arg)
{
    (void)arg;
    if (sc.sleep_first) {
        int ret = loop_sleep(loop, 1 * MS);
        if (ret != 0)
            report("error loop_sleep %d", ret);
    }
    intptr_t r = INTPTR_MIN;
    int64_t start = clock_now_ns();
    int ret = loop_join(loop, sc.a, &r);
    report("B joined %d after %ld ms", ret, ms_since(start));
    sc.b_joined_a = ret == 0;
    sc.a_result = r;
    return 8;
}

/* Spawns A and B (which joins A), cancels B 20 ms in, and joins B into *rb. Then A's
 * result: the one B's join got if that join wrongly succeeded (A is freed then), else
 * A's own, after cancelling A if cancel_a. Returns -1000 if a spawn failed. */
static intptr_t cancel_b_joining_a(struct loop *loop, task_fn a_body, task_fn b_body, bool cancel_a,
                                   intptr_t *rb, intptr_t *ra)
{
    sc.a = loop_spawn(loop, "A", a_body, NULL);
    struct task *b = loop_spawn(loop, "B", b_body, NULL);
    if (sc.a == NULL || b == NULL)
        return -1000;
    int ret = loop_sleep(loop, 20 * MS);
    if (ret != 0)
        report("error loop_sleep %d", ret);
    loop_cancel(loop, b);
    int rc = loop_join(loop, b, rb);
    if (rc != 0)
        report("error loop_join %d", rc);
    if (sc.b_joined_a) {
        *ra = sc.a_result;
        return 0;
    }
    if (cancel_a)
        loop_cancel(loop, sc.a);
    rc = loop_join(loop, sc.a, ra);
    if (rc != 0)
        report("error loop_join %d", rc);
    return 0;
}

static intptr_t main_cancel_joining(struct loop *loop, void *arg)
{
    (void)arg;
    intptr_t rb = INTPTR_MIN, ra = INTPTR_MIN;
    if (cancel_b_joining_a(loop, t_sleeps, b_joins_a, true, &rb, &ra) != 0)
        return -1000;
    report("cancel-joining B result %ld A result %ld", (long)rb, (long)ra);
    return 0;
}

/* ------------------------------------------------------------ cancel-joining-resleep */

static intptr_t a_sleeps_100ms(struct loop *loop, void *arg)
{
    (void)arg;
    int ret = loop_sleep(loop, 100 * MS);
    if (ret != 0)
        report("error loop_sleep %d", ret);
    return 7;
}

static intptr_t b_joins_a_then_sleeps(struct loop *loop, void *arg)
{
    (void)arg;
    intptr_t r = INTPTR_MIN;
    int joined = loop_join(loop, sc.a, &r);
    sc.b_joined_a = joined == 0;
    sc.a_result = r;
    int64_t start = clock_now_ns();
    int slept = loop_sleep(loop, 300 * MS);
    report("B joined %d then slept %d after %ld ms", joined, slept, ms_since(start));
    return 8;
}

static intptr_t main_cancel_joining_resleep(struct loop *loop, void *arg)
{
    (void)arg;
    intptr_t rb = INTPTR_MIN, ra = INTPTR_MIN;
    if (cancel_b_joining_a(loop, a_sleeps_100ms, b_joins_a_then_sleeps, false, &rb, &ra) != 0)
        return -1000;
    report("cancel-joining-resleep B result %ld A result %ld", (long)rb, (long)ra);
    return 0;
}

/* ------------------------------------------------------------ commands */

int main(void)
{
    static char line[256];
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        memset(&sc, 0, sizeof sc);
        long a = 0, b = 0;
        intptr_t result;
        task_fn scenario = NULL;
        if (sscanf(line, "run %ld", &a) == 1) {
            sc.value = a;
            int rc = run_scenario(main_joins_and_returns, &result);
            report("run %d result %ld", rc, (long)result);
            report("done");
            continue;
        }
        if (sscanf(line, "two-sleepers %ld %ld", &a, &b) == 2 && a > 0 && b > 0) {
            scenario = main_two_sleepers;
            sc.short_ms = b;
        } else if (strcmp(line, "cancel-unstarted") == 0)
            scenario = main_cancel_unstarted;
        else if (sscanf(line, "cancel-sleeping %ld", &a) == 1 && a > 0)
            scenario = main_cancel_sleeping;
        else if (sscanf(line, "cancel-self %ld", &a) == 1 && a > 0)
            scenario = main_cancel_self;
        else if (sscanf(line, "cancel-joining-after-sleep %ld", &a) == 1 && a > 0) {
            scenario = main_cancel_joining;
            sc.sleep_first = true;
        } else if (sscanf(line, "cancel-joining %ld", &a) == 1 && a > 0)
            scenario = main_cancel_joining;
        else if (strcmp(line, "cancel-joining-resleep") == 0)
            scenario = main_cancel_joining_resleep;
        else
            usage_error(line);
        sc.ms = a;
        int rc = run_scenario(scenario, &result);
        if (rc != 0 || result != 0)
            report("error loop_run %d result %ld", rc, (long)result);
        report("done");
    }
    return 0;
}
