/* Helpers for the lab 01 tests: see spin_check.h. */
#include "spin_check.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <liburing.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MESSAGE " thinking!"
#define FRAMES  "\\|/-"

void spin_parse(const char *out, struct spin_output *o)
{
    *o = (struct spin_output){.out_of_order = -1};
    const char *nl = strchr(out, '\n');
    size_t first_len = nl ? (size_t)(nl - out) : strlen(out);
    snprintf(o->first_line, sizeof o->first_line, "%.*s", (int)first_len, out);
    o->description = strncmp(out, "spinner object: ", 16) == 0 && nl != NULL;
    o->descriptions = (int)count_substr(out, "spinner object: ");

    const char *p = nl ? nl + 1 : out + strlen(out);
    const char *last_frame = NULL, *last_clear = NULL, *answer = NULL;
    while (*p != '\0') {
        if (p[0] == '\r' && p[1] != '\0' && strchr(FRAMES, p[1]) != NULL &&
            strncmp(p + 2, MESSAGE, strlen(MESSAGE)) == 0) {
            if (o->out_of_order < 0 && p[1] != FRAMES[o->frames % 4])
                o->out_of_order = o->frames;
            o->frames++;
            last_frame = p;
            if (answer != NULL)
                o->frame_after_answer = true;
            p += 2 + strlen(MESSAGE);
            continue;
        }
        if (p[0] == '\r') {
            size_t blanks = strspn(p + 1, " ");
            if (blanks >= strlen(MESSAGE) + 1 && p[1 + blanks] == '\r') {
                o->clears++;
                last_clear = p;
                p += blanks + 2;
                continue;
            }
            p++;
            continue;
        }
        /* Text: a line up to '\n' (or up to the next '\r'). */
        const char *end = p + strcspn(p, "\r\n");
        if (strncmp(p, "Answer: 42", 10) == 0 && end - p == 10) {
            answer = p;
            o->answer = true;
            o->answer_last = *end == '\n' && end[1] == '\0';
        } else if (strstr(p, " is prime") != NULL && strstr(p, " is prime") < end) {
            o->prime_line = true;
        } else if (strncmp(p, "nap:", 4) == 0) {
            o->nap_line = true;
        }
        p = *end == '\n' ? end + 1 : end;
    }
    o->cleared_last = last_frame != NULL && last_clear != NULL && last_clear > last_frame &&
                      (answer == NULL || last_clear < answer);
}

static void build_argv(const char **argv, size_t max, const char *program, va_list ap)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s", program_path(LAB, program));
    size_t n = 0;
    argv[n++] = path;
    const char *arg;
    while ((arg = va_arg(ap, const char *)) != NULL && n + 1 < max)
        argv[n++] = arg;
    argv[n] = NULL;
}

void spin_run(struct run_result *r, double timeout_s, const char *program, ...)
{
    const char *argv[32];
    va_list ap;
    va_start(ap, program);
    build_argv(argv, 32, program, ap);
    va_end(ap);
    struct run_spec spec = {.argv = argv, .timeout_s = timeout_s};
    cr_assert(run_program(&spec, r), "could not start %s: %s", argv[0], r->err);
}

void spin_start(struct run_handle *h, const char *program, ...)
{
    const char *argv[32];
    va_list ap;
    va_start(ap, program);
    build_argv(argv, 32, program, ap);
    va_end(ap);
    struct run_spec spec = {.argv = argv, .timeout_s = 10};
    cr_assert(run_start(&spec, h), "could not start %s", argv[0]);
}

void spin_run_tsan(struct run_result *r, const char *program, const char *const *args,
                   const char *stdin_text, double timeout_s, const char *why)
{
    const char *path = tsan_program_path(LAB, program);
    cr_assert(path != NULL,
              "this test needs the ThreadSanitizer build of %s, but CONCLAB_TSAN_BIN is not "
              "set: run it with `make grade` (or build with SAN=thread and set "
              "CONCLAB_TSAN_BIN=build/tsan/<impl>)",
              program);
    const char *argv[16] = {path};
    for (int i = 0; args != NULL && args[i] != NULL && i < 14; i++)
        argv[i + 1] = args[i];
    static const char *const env[] = {"TSAN_OPTIONS=exitcode=66 second_deadlock_stack=1", NULL};
    struct run_spec spec = {
        .argv = argv, .stdin_text = stdin_text, .env = env, .timeout_s = timeout_s};
    cr_assert(run_program(&spec, r), "could not start %s: %.200s", path, r->err);
    const char *report = strstr(r->err, "WARNING: ThreadSanitizer");
    cr_assert(report == NULL,
              "%s (ThreadSanitizer build): ThreadSanitizer found a data race (two threads "
              "touch the same memory without a lock between them): %s. Its report "
              "starts:\n%.1500s",
              program, why, report);
}

/* 0 if this process can create an io_uring, else -errno. */
static int uring_probe(void)
{
    struct io_uring ring;
    int ret = io_uring_queue_init(2, &ring, 0);
    if (ret == 0)
        io_uring_queue_exit(&ring);
    return ret;
}

void spin_skip_if_no_uring(const struct run_result *r)
{
    if (!r->exited || r->exit_code != 77)
        return;
    int probe = uring_probe();
    if (probe < 0) {
        char reason[300];
        snprintf(reason, sizeof reason, "io_uring unavailable here (%s): %.*s", strerror(-probe),
                 (int)strcspn(r->err, "\n"), r->err);
        cr_skip_test("%s", reason);
    }
    cr_assert_fail("spinner_uring exited 77 (io_uring unavailable) but this test could "
                   "create an io_uring: does loop_create() return io_uring_queue_init()'s "
                   "error? stderr: %s",
                   r->err);
}

const char *spin_excerpt(const char *out)
{
    static char buf[700];
    size_t n = 0;
    for (const char *p = out; *p != '\0' && n + 8 < sizeof buf; p++) {
        if (*p == '\r') {
            buf[n++] = '\\';
            buf[n++] = 'r';
        } else if (*p == '\n') {
            buf[n++] = '\\';
            buf[n++] = 'n';
        } else {
            buf[n++] = *p;
        }
    }
    if (strlen(out) > 0 && n + 8 >= sizeof buf) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

/* Which program a name stands for ("spinner_thread (ThreadSanitizer build)" too). */
enum spin_kind { SPIN_THREAD, SPIN_PROC, SPIN_URING };

static enum spin_kind kind_of(const char *program)
{
    if (strstr(program, "spinner_proc") != NULL)
        return SPIN_PROC;
    if (strstr(program, "spinner_uring") != NULL)
        return SPIN_URING;
    return SPIN_THREAD;
}

/* The likely causes of each way a spinner goes wrong, by program: what a message says
 * after what it saw. */

/* It stopped after a frame or two, long before slow() returned. */
static const char *why_too_few_frames(const char *program)
{
    static const char *const why[] = {
        [SPIN_THREAD] = "event_wait() must wait up to its timeout (one frame, 100 ms) and "
                        "return true only once the event is set: a wait that returns true at "
                        "once ends the spinner after its first frame",
        [SPIN_PROC] = "the child must run spin(), drawing until the event is set, and "
                      "proc_event_wait() must wait up to its timeout and return 1 only once "
                      "the event is set (end of file on the pipe): a wait that returns 1 at "
                      "once ends the spinner after its first frame",
        [SPIN_URING] = "loop_spawn() must make the spinner task ready, loop_run() run it "
                       "when the supervisor waits, loop_sleep_until() suspend it until its "
                       "deadline (one io_uring timeout), and loop_run() resume it when that "
                       "timeout completes: a task that never runs, a sleep that returns at "
                       "once, or a task that is never resumed, stops the spinner early",
    };
    return why[kind_of(program)];
}

/* Its wait between frames ends early: too many frames. */
static const char *why_too_many_frames(const char *program)
{
    static const char *const why[] = {
        [SPIN_THREAD] = "event_wait() returns before its 100 ms timeout: is the deadline on "
                        "CLOCK_MONOTONIC (clock_deadline_after_ns), the clock the condition "
                        "variable was created on (pthread_condattr_setclock in event_init)? A "
                        "CLOCK_MONOTONIC deadline given to a condition variable left on "
                        "CLOCK_REALTIME lies in the past, so every wait ends at once",
        [SPIN_PROC] = "proc_event_wait() returns before its timeout: poll() takes whole "
                      "milliseconds (round the rest up), and only end of file on the pipe "
                      "means the event is set",
        [SPIN_URING] = "loop_sleep_until() returns before its deadline: the timeout must be "
                       "absolute, on CLOCK_MONOTONIC (IORING_TIMEOUT_ABS), and the sleep must "
                       "wait for its own completion (-ETIME: the time has come)",
    };
    return why[kind_of(program)];
}

/* It drew on after slow() had returned: the stop signal never reached the spinner. */
static const char *why_never_stops(const char *program)
{
    static const char *const why[] = {
        [SPIN_THREAD] = "event_set() must set the flag and wake the spinner's event_wait(), "
                        "which must then return true",
        [SPIN_PROC] = "the parent must set the event (close its write end) once slow() "
                      "returns, and no other copy of the write end may stay open: a child "
                      "that keeps its copy after fork() (proc_event_become_waiter) never sees "
                      "end of file",
        [SPIN_URING] = "loop_cancel() must make the spinner's pending sleep return "
                       "-ECANCELED (take its timeout back with io_uring_prep_timeout_remove), "
                       "and loop_join() must wait for the task's end",
    };
    return why[kind_of(program)];
}

/* It hung after at most one frame: no wait ever ended. */
static const char *why_stuck(const char *program)
{
    static const char *const why[] = {
        [SPIN_THREAD] = "the spinner's event_wait() neither timed out nor was woken by "
                        "event_set(): does ETIMEDOUT end the wait, and is the deadline on the "
                        "clock of the condition variable (CLOCK_MONOTONIC)?",
        [SPIN_PROC] = "the child's proc_event_wait() neither timed out nor saw the event set, "
                      "or the parent waits for a child that never ends: does poll() get the "
                      "time left in milliseconds, and does each process close the end of the "
                      "pipe it does not use?",
        [SPIN_URING] = "slow()'s loop_sleep() never completed, nor did the spinner's sleep: "
                       "is each deadline given as absolute (IORING_TIMEOUT_ABS; a "
                       "CLOCK_MONOTONIC time read as relative is days away), is the request "
                       "submitted (io_uring_submit_and_wait when no task is ready), and does "
                       "loop_run() hand each completion to its task?",
    };
    return why[kind_of(program)];
}

/* It stopped, but a frame late. */
static const char *why_late(const char *program)
{
    static const char *const why[] = {
        [SPIN_THREAD] = "event_set() must wake the spinner (pthread_cond_broadcast on the "
                        "condition variable event_wait() waits on), which must not sleep out "
                        "its frame",
        [SPIN_PROC] = "the parent must set the event (close its write end) as soon as slow() "
                      "returns and then wait for the child with waitpid(), not a sleep, and "
                      "the child wait for the event in poll() on the read end, not sleep out "
                      "its frame",
        [SPIN_URING] = "loop_cancel() must take the sleeping spinner's timeout back "
                       "(io_uring_prep_timeout_remove), so that its sleep returns -ECANCELED "
                       "at once instead of at its deadline",
    };
    return why[kind_of(program)];
}

/* It burns CPU between frames. */
static const char *why_busy(const char *program)
{
    static const char *const why[] = {
        [SPIN_THREAD] = "does event_wait() poll the flag (a loop of short sleeps or checks) "
                        "instead of blocking on the condition variable "
                        "(pthread_cond_timedwait)?",
        [SPIN_PROC] = "does proc_event_wait() poll (a loop of short sleeps or zero timeouts) "
                      "instead of blocking in poll() for the time left?",
        [SPIN_URING] = "does loop_run() poll for completions (submitting without waiting, or "
                       "peeking in a loop) instead of blocking in io_uring_submit_and_wait() "
                       "when no task is ready?",
    };
    return why[kind_of(program)];
}

void spin_assert_description(const char *program, const struct run_result *r,
                             const struct spin_output *o)
{
    bool proc = kind_of(program) == SPIN_PROC;
    cr_assert(o->descriptions <= 1,
              "%s printed its description line ('spinner object: ...') %d times, expected "
              "once%s. output: %s",
              program, o->descriptions,
              proc ? ": the child flushed its copy of the parent's stdio buffer. Flush stdout "
                     "before fork(), and end the child with _exit(), which flushes nothing"
                   : "",
              spin_excerpt(r->out));
    cr_assert(o->description,
              "%s: the first line should describe the spinner object before it starts "
              "('spinner object: <...>'), got '%s'%s",
              program, spin_excerpt(o->first_line),
              proc ? ": is stdout flushed (fflush) before fork()? A line left in the parent's "
                     "stdio buffer comes out only when the parent flushes later, after the "
                     "child's frames"
                   : "");
}

void spin_assert_contract_why(const char *program, const struct run_result *r,
                              const struct spin_output *o, int min_frames, const char *few_why)
{
    if (r->timed_out) {
        if (o->answer)
            cr_assert_fail("%s printed 'Answer: 42' but had not exited %.0f s later, when it "
                           "was killed: it waited for a spinner that never ended: %s. "
                           "output: %s",
                           program, r->wall_s, why_never_stops(program), spin_excerpt(r->out));
        else if (o->frames >= 3)
            cr_assert_fail("%s drew %d frames and was still spinning when it was killed "
                           "after %.0f s: the spinner did not stop when slow() returned: %s. "
                           "output: %s",
                           program, o->frames, r->wall_s, why_never_stops(program),
                           spin_excerpt(r->out));
        else
            cr_assert_fail("%s drew %d frame(s), then nothing until it was killed after "
                           "%.0f s: %s output: %s",
                           program, o->frames, r->wall_s, why_stuck(program), spin_excerpt(r->out));
    }
    cr_assert(r->exited && r->exit_code == 0, "%s should exit 0, but it ended with %s; stderr: %s",
              program, run_describe_end(r), r->err);
    spin_assert_description(program, r, o);
    bool proc = kind_of(program) == SPIN_PROC;
    cr_assert(o->frames >= min_frames,
              "%s: expected at least %d frames ('\\r<c> thinking!', 10 a second while slow() "
              "runs), saw %d: the spinner stopped, or never started, long before slow() "
              "returned: %s. output: %s",
              program, min_frames, o->frames, few_why, spin_excerpt(r->out));
    cr_assert(o->out_of_order < 0,
              "%s: frame %d is out of order: expected the frames \\ | / - repeating. "
              "output: %s",
              program, o->out_of_order, spin_excerpt(r->out));
    cr_assert(o->answer, "%s: expected a line 'Answer: 42'. output: %s", program,
              spin_excerpt(r->out));
    cr_assert(!o->frame_after_answer,
              "%s: a frame was drawn after 'Answer: 42': the spinner must have stopped "
              "(and been %s) before the answer is printed",
              program, proc ? "reaped with waitpid()" : "joined");
    cr_assert(o->cleared_last,
              "%s: expected the spinner line cleared ('\\r', blanks, '\\r') after the last "
              "frame and before 'Answer: 42'%s. output: %s",
              program,
              proc ? ": the child clears it (spinner_view_clear) once the event is set, before "
                     "it leaves with _exit(), and the parent prints the answer only after "
                     "waitpid()"
                   : "",
              spin_excerpt(r->out));
    cr_assert(o->answer_last, "%s: 'Answer: 42' should be the last line. output: %s", program,
              spin_excerpt(r->out));
}

void spin_assert_contract(const char *program, const struct run_result *r,
                          const struct spin_output *o, int min_frames)
{
    spin_assert_contract_why(program, r, o, min_frames, why_too_few_frames(program));
}

void spin_test_rate(const char *program)
{
    struct run_result r;
    spin_run(&r, 10, program, "--seconds", "1", NULL);
    if (strcmp(program, "spinner_uring") == 0)
        spin_skip_if_no_uring(&r);
    struct spin_output o;
    spin_parse(r.out, &o);
    /* Many frames in no time: the wait between frames ends at once. */
    if (o.frames > 12 && r.exited && r.exit_code == 0)
        cr_assert_fail("%s --seconds 1: expected 8 to 12 frames (10 per second), saw %d: %s",
                       program, o.frames, why_too_many_frames(program));
    spin_assert_contract(program, &r, &o, 3);
    cr_assert(o.frames >= 8,
              "%s --seconds 1: expected 8 to 12 frames (10 per second), saw %d: does each wait "
              "between frames last one frame (100 ms), not more, and end early only when the "
              "spinner is told to stop?",
              program, o.frames);
    cr_assert(o.clears == 1,
              "%s: expected the line cleared once, at the end; it was "
              "cleared %d times",
              program, o.clears);
    run_result_free(&r);
}

void spin_test_stop_latency(const char *program)
{
    /* slow() ends 10 ms into a frame: a spinner that sleeps out the frame before it
     * looks at the event ends about 90 ms late; one woken by it, a few ms late. What
     * starting and ending the program costs is measured just before, with --help, and
     * taken off; the best of three pairs keeps a loaded machine from failing a correct
     * program. */
    const double seconds = 0.21, allowed = 0.045;
    double best = 1e9, best_wall = 0, best_base = 0;
    for (int run = 0; run < 3 && best >= allowed; run++) {
        struct run_result base, r;
        spin_run(&base, 5, program, "--help", NULL);
        spin_run(&r, 5, program, "--seconds", "0.21", NULL);
        if (strcmp(program, "spinner_uring") == 0)
            spin_skip_if_no_uring(&r);
        struct spin_output o;
        spin_parse(r.out, &o);
        spin_assert_contract(program, &r, &o, 2);
        double late = r.wall_s - seconds - base.wall_s;
        if (late < best) {
            best = late;
            best_wall = r.wall_s;
            best_base = base.wall_s;
        }
        run_result_free(&base);
        run_result_free(&r);
    }
    cr_assert(best < allowed,
              "%s --seconds 0.21 should end within %.0f ms of slow() returning; at best it "
              "ended %.0f ms after (it ran %.0f ms; starting and ending the program alone "
              "took %.0f ms), as if the spinner slept out the rest of its frame: %s",
              program, allowed * 1000, best * 1000, best_wall * 1000, best_base * 1000,
              why_late(program));
}

void spin_test_no_busy_wait(const char *program)
{
    struct run_result r;
    spin_run(&r, 10, program, "--seconds", "0.5", NULL);
    if (strcmp(program, "spinner_uring") == 0)
        spin_skip_if_no_uring(&r);
    struct spin_output o;
    spin_parse(r.out, &o);
    if (o.frames > 8 && r.exited && r.exit_code == 0)
        cr_assert_fail("%s --seconds 0.5: expected about 5 frames, saw %d: it draws without "
                       "pause because %s",
                       program, o.frames, why_too_many_frames(program));
    spin_assert_contract(program, &r, &o, 4);
    double cpu = r.user_s + r.sys_s;
    cr_assert(cpu <= 0.05 * r.wall_s,
              "%s: while it only sleeps and spins, it used %.0f ms of CPU in %.0f ms "
              "(%.1f %%); expected at most 5 %%: %s",
              program, cpu * 1000, r.wall_s * 1000, 100 * cpu / r.wall_s, why_busy(program));
    run_result_free(&r);
}

void spin_wait_for_first_frame(struct run_handle *h, const char *program)
{
    /* The first frame, not the description line (which may say "thinking!" too). */
    if (!run_wait_for_output(h, "\r\\ thinking!", 3)) {
        struct run_result r;
        run_finish(h, &r);
        if (strcmp(program, "spinner_uring") == 0)
            spin_skip_if_no_uring(&r);
        cr_assert_fail("%s: no first frame ('\\r\\\\ thinking!') within 3 s: %s. output: %s",
                       program, why_too_few_frames(program), spin_excerpt(r.out));
    }
}

void spin_sample(struct run_handle *h, double seconds, struct spin_samples *s)
{
    *s = (struct spin_samples){.min_threads = 1 << 20, .min_children = 1 << 20};
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double end = (double)now.tv_sec + (double)now.tv_nsec / 1e9 + seconds;
    for (;;) {
        char state = proc_state(h->pid);
        pid_t children[8];
        int threads = proc_thread_count(h->pid);
        int count = proc_children(h->pid, children, 8);
        /* Count the sample only if the program was alive throughout it. */
        if (state != 0 && state != 'Z' && proc_state(h->pid) != 'Z' && threads > 0 && count >= 0) {
            s->valid++;
            if (threads < s->min_threads)
                s->min_threads = threads;
            if (threads > s->max_threads)
                s->max_threads = threads;
            if (count < s->min_children)
                s->min_children = count;
            if (count > s->max_children)
                s->max_children = count;
            if (count >= 1) {
                s->child = children[0];
                int ct = proc_thread_count(children[0]);
                if (ct > s->max_child_threads)
                    s->max_child_threads = ct;
            }
        }
        /* By the clock, not by a count of samples: on a loaded machine each sample may
         * take longer, and the program's end must stay out of the window. */
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)now.tv_sec + (double)now.tv_nsec / 1e9 >= end)
            break;
        struct timespec pause = {0, 20 * 1000000L};
        nanosleep(&pause, NULL);
    }
}
