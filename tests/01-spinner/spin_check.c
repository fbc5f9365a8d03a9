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

void spin_assert_contract(const char *program, const struct run_result *r,
                          const struct spin_output *o, int min_frames)
{
    cr_assert(!r->timed_out,
              "%s did not end in time: does the spinner stop when slow() "
              "returns? output: %s",
              program, spin_excerpt(r->out));
    cr_assert(r->exited && r->exit_code == 0, "%s should exit 0, but %s %d; stderr: %s", program,
              r->exited ? "exited with" : "was killed by signal",
              r->exited ? r->exit_code : r->signal, r->err);
    cr_assert(o->description,
              "%s: the first line should describe the spinner object before it starts "
              "('spinner object: <...>'), got '%s'",
              program, o->first_line);
    cr_assert(o->frames >= min_frames,
              "%s: expected at least %d frames ('\\r<c> thinking!'), saw %d: does the "
              "spinner wait between frames instead of stopping at once? output: %s",
              program, min_frames, o->frames, spin_excerpt(r->out));
    cr_assert(o->out_of_order < 0,
              "%s: frame %d is out of order: expected the frames \\ | / - repeating. "
              "output: %s",
              program, o->out_of_order, spin_excerpt(r->out));
    cr_assert(o->answer, "%s: expected a line 'Answer: 42'. output: %s", program,
              spin_excerpt(r->out));
    cr_assert(!o->frame_after_answer,
              "%s: a frame was drawn after 'Answer: 42': the spinner must have stopped "
              "(and been joined) before the answer is printed",
              program);
    cr_assert(o->cleared_last,
              "%s: expected the spinner line cleared ('\\r', blanks, '\\r') after the last "
              "frame and before 'Answer: 42'. output: %s",
              program, spin_excerpt(r->out));
    cr_assert(o->answer_last, "%s: 'Answer: 42' should be the last line. output: %s", program,
              spin_excerpt(r->out));
}

void spin_test_rate(const char *program)
{
    struct run_result r;
    spin_run(&r, 10, program, "--seconds", "1", NULL);
    if (strcmp(program, "spinner_uring") == 0)
        spin_skip_if_no_uring(&r);
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract(program, &r, &o, 1);
    cr_assert(o.frames >= 8 && o.frames <= 12,
              "%s --seconds 1: expected 8 to 12 frames (10 per second), saw %d: %s", program,
              o.frames,
              o.frames < 8 ? "does the spinner wait a whole 100 ms between frames, and "
                             "only stop when told?"
                           : "does it wait 100 ms between frames, or return early?");
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
              "took %.0f ms): does the spinner sleep out its frame instead of being woken "
              "(event, pipe, cancelled timeout) when slow() ends?",
              program, allowed * 1000, best * 1000, best_wall * 1000, best_base * 1000);
}

void spin_test_no_busy_wait(const char *program)
{
    struct run_result r;
    spin_run(&r, 10, program, "--seconds", "0.5", NULL);
    if (strcmp(program, "spinner_uring") == 0)
        spin_skip_if_no_uring(&r);
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract(program, &r, &o, 4);
    double cpu = r.user_s + r.sys_s;
    cr_assert(cpu <= 0.05 * r.wall_s,
              "%s: while it only sleeps and spins, it used %.0f ms of CPU in %.0f ms "
              "(%.1f %%); expected at most 5 %%: does it poll (a loop of short sleeps or "
              "checks) instead of blocking until the next frame or the stop signal?",
              program, cpu * 1000, r.wall_s * 1000, 100 * cpu / r.wall_s);
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
        cr_assert_fail("%s: no first frame ('\\r\\\\ thinking!') within 3 s. output: %s", program,
                       spin_excerpt(r.out));
    }
}

void spin_sample(struct run_handle *h, double seconds, struct spin_samples *s)
{
    *s = (struct spin_samples){.min_threads = 1 << 20, .min_children = 1 << 20};
    int rounds = (int)(seconds / 0.02) + 1;
    for (int i = 0; i < rounds; i++) {
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
        struct timespec pause = {0, 20 * 1000000L};
        nanosleep(&pause, NULL);
    }
}
