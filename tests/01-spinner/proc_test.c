/*
 * Graded tests of lab 01, part B: spinner_proc, its process-shared event and the
 * child's lifecycle.
 */
#include "graded.h"
#include "spin_check.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "spinner_proc"

GRADED(proc, draws_ten_frames_a_second_and_clears_the_line)
{
    spin_test_rate(PROGRAM);
}

GRADED(proc, stops_as_soon_as_slow_returns)
{
    spin_test_stop_latency(PROGRAM);
}

GRADED(proc, does_not_busy_wait)
{
    spin_test_no_busy_wait(PROGRAM);
}

GRADED(proc, spins_in_exactly_one_child_and_reaps_it)
{
    struct run_handle h;
    spin_start(&h, PROGRAM, "--seconds", "1", NULL);
    spin_wait_for_first_frame(&h, PROGRAM);
    struct spin_samples s;
    spin_sample(&h, 0.3, &s);
    struct run_result r;
    run_finish(&h, &r);
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract(PROGRAM, &r, &o, 3);
    if (s.valid > 0) {
        cr_assert(s.min_children == 1 && s.max_children == 1,
                  "while it spins, spinner_proc should have exactly one child process (the "
                  "spinner); /proc showed %d to %d",
                  s.min_children, s.max_children);
        cr_assert(s.max_threads == 1 && s.max_child_threads == 1,
                  "parent and child should have one thread each; /proc showed %d and %d",
                  s.max_threads, s.max_child_threads);
    }
    cr_assert(r.leftover_processes == 0,
              "spinner_proc left %d process(es) behind (a zombie, or a child still "
              "running): the parent must waitpid() for its child before it exits, or the "
              "child stays a zombie",
              r.leftover_processes);
    cr_assert(s.valid > 0, "could not look at spinner_proc in /proc while it ran");
    run_result_free(&r);

    /* The parent checks how its child ended: a spinner killed mid-run is a failure.
     * (2 s: room to find the child and kill it long before it would end by itself.) */
    spin_start(&h, PROGRAM, "--seconds", "2", NULL);
    spin_wait_for_first_frame(&h, PROGRAM);
    pid_t child = 0;
    for (int i = 0; i < 50 && child == 0; i++) {
        pid_t children[8];
        if (proc_children(h.pid, children, 8) >= 1)
            child = children[0];
        else
            nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    if (child > 0)
        kill(child, SIGKILL);
    run_finish(&h, &r);
    cr_assert(child > 0, "could not find spinner_proc's child in /proc while it spun");
    cr_assert(!r.timed_out && !(r.exited && r.exit_code == 0),
              "the spinner child of spinner_proc --seconds 2 was killed with SIGKILL after "
              "its first frame: the parent should see it when it reaps the child and fail "
              "(a message on stderr, a non-zero exit status); it ended with %s. output: %s "
              "stderr: %.300s. After waitpid(), check how the child ended "
              "(WIFEXITED(status) and WEXITSTATUS(status) == 0): a spinner that crashed "
              "or was killed is not a success",
              run_describe_end(&r), spin_excerpt(r.out), r.err);
    cr_assert(r.leftover_processes == 0,
              "spinner_proc, whose child was killed, left %d process(es) behind: the "
              "parent must still waitpid() for its child",
              r.leftover_processes);
    run_result_free(&r);
}

GRADED(proc, keeps_spinning_during_a_prime_check)
{
    struct run_result r;
    spin_run(&r, 20, PROGRAM, "--slow=prime", "--prime", "288230376151711813", NULL);
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract(PROGRAM, &r, &o, 3);
    cr_assert(o.prime_line, "expected a line '288230376151711813 is prime ...'. output: %s",
              spin_excerpt(r.out));
    cr_assert(r.leftover_processes == 0,
              "spinner_proc left %d process(es) behind (a zombie, or a child still running): "
              "the parent must waitpid() for its child before it exits",
              r.leftover_processes);
    run_result_free(&r);
}

GRADED(proc, cleans_up_after_ctrl_c)
{
    struct run_handle h;
    spin_start(&h, PROGRAM, "--seconds", "5", NULL);
    spin_wait_for_first_frame(&h, PROGRAM);
    pid_t children[8];
    int count = proc_children(h.pid, children, 8);
    /* What a terminal does on Ctrl-C: SIGINT to the whole foreground process group. */
    struct timespec pause = {0, 150 * 1000000L};
    nanosleep(&pause, NULL);
    kill(-h.pid, SIGINT);
    struct run_result r;
    run_finish(&h, &r);
    cr_assert(count == 1,
              "before Ctrl-C, spinner_proc should have one child; /proc "
              "showed %d",
              count);
    cr_assert(!r.timed_out && r.wall_s < 3,
              "after Ctrl-C (SIGINT to the process group) spinner_proc should end at once; "
              "it %s after %.1f s: slow() must return the signal (sigtimedwait takes a "
              "blocked SIGINT), then the parent set the event and reap the child, and the "
              "child see the event set and end: a child that keeps its copy of the write end "
              "after fork() (proc_event_become_waiter) never sees end of file",
              r.timed_out ? "was still running" : "ended", r.wall_s);
    cr_assert(r.signaled && r.signal == SIGINT,
              "after Ctrl-C, spinner_proc should die of SIGINT, as the shell expects (a shell "
              "tells a program killed by SIGINT from one that exits 130: bash ends a script's "
              "loop only for the first), but it ended with %s: once the child is reaped, "
              "restore SIGINT's default action and raise it again, and unblock it "
              "(sigprocmask SIG_UNBLOCK) so that it is delivered: a blocked signal stays "
              "pending, and exit(130) or _exit(130) is not death by a signal",
              run_describe_end(&r));
    cr_assert(r.leftover_processes == 0,
              "after Ctrl-C spinner_proc left %d process(es) behind (a zombie or an orphan): "
              "the parent must stop and reap its child even when interrupted: block SIGINT "
              "(sigprocmask, before fork()) so that slow()'s sigtimedwait() takes it instead "
              "of it killing the parent; then set the event, waitpid() for the child, and "
              "only then die of SIGINT",
              r.leftover_processes);
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_description(PROGRAM, &r, &o);
    cr_assert(o.frames >= 1 && o.cleared_last,
              "after Ctrl-C, expected the spinner line cleared ('\\r', blanks, '\\r') after "
              "the last frame, as when slow() returns; it was left on the screen. Ctrl-C "
              "sends SIGINT to the child too: it must not die of it mid-frame (block SIGINT "
              "before fork(), so that the child inherits the mask) but be stopped through "
              "the event, and clear its line before the parent reaps it. output: %s",
              spin_excerpt(r.out));
    run_result_free(&r);
}

/* The pipes a process holds beyond stdin, stdout and stderr: fills inodes (at most max),
 * returns how many, or -1 if /proc could not be read. */
static int pipes_held(pid_t pid, unsigned long *inodes, int max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *dir = opendir(path);
    if (dir == NULL)
        return -1;
    int n = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && n < max) {
        int fd = atoi(entry->d_name);
        if (entry->d_name[0] == '.' || fd <= 2)
            continue;
        char target[128];
        ssize_t len = readlinkat(dirfd(dir), entry->d_name, target, sizeof target - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        unsigned long inode;
        if (sscanf(target, "pipe:[%lu]", &inode) == 1)
            inodes[n++] = inode;
    }
    closedir(dir);
    return n;
}

/* Whether one pipe appears twice among inodes[0..n): both of its ends are held. */
static bool holds_both_ends(const unsigned long *inodes, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (inodes[i] == inodes[j])
                return true;
    return false;
}

GRADED(proc, each_process_keeps_only_its_end_of_the_event)
{
    struct run_handle h;
    spin_start(&h, PROGRAM, "--seconds", "1", NULL);
    spin_wait_for_first_frame(&h, PROGRAM);
    /* Look for a while, and judge the last look: right after fork() each process may
     * still hold both ends for a moment. */
    bool looked = false, parent_both = false, child_both = false;
    int parent_pipes = 0, child_pipes = 0;
    for (int i = 0; i < 10; i++) {
        pid_t children[4];
        unsigned long parent[16], child[16];
        int np = pipes_held(h.pid, parent, 16);
        int count = proc_children(h.pid, children, 4);
        int nc = count == 1 ? pipes_held(children[0], child, 16) : -1;
        if (np >= 0 && nc >= 0 && proc_state(h.pid) != 'Z' && proc_state(children[0]) != 'Z') {
            looked = true;
            parent_pipes = np;
            child_pipes = nc;
            parent_both = holds_both_ends(parent, np);
            child_both = holds_both_ends(child, nc);
        }
        struct timespec pause = {0, 25 * 1000000L};
        nanosleep(&pause, NULL);
    }
    struct run_result r;
    run_finish(&h, &r);
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract(PROGRAM, &r, &o, 3);
    cr_assert(looked, "could not look at spinner_proc and its one child in /proc while it ran");
    cr_assert(!parent_both,
              "while the child spins, the parent holds both ends of one pipe (%d pipe fds "
              "beyond 0-2): after fork(), each process must keep only its end of the event: "
              "the parent (the setter) closes the read end (proc_event_become_setter)",
              parent_pipes);
    cr_assert(!child_both,
              "while it spins, the child holds both ends of one pipe (%d pipe fds beyond "
              "0-2): after fork(), each process must keep only its end of the event: the "
              "child (the waiter) closes the write end (proc_event_become_waiter)",
              child_pipes);
    run_result_free(&r);
}

/* "calling fini" lines ld.so writes (LD_DEBUG=libs) for a process that runs the exit-time
 * code of exit() or a return from main(), not for one that calls _exit(): how many come
 * from a process other than `pid`. Fills *other with one of those. */
static int fini_lines_not_from(const char *err, pid_t pid, int *other)
{
    int count = 0;
    for (const char *p = strstr(err, "calling fini"); p != NULL;
         p = strstr(p + 1, "calling fini")) {
        const char *line = p;
        while (line > err && line[-1] != '\n')
            line--;
        int who = atoi(line);
        if (who != 0 && who != (int)pid) {
            count++;
            *other = who;
        }
    }
    return count;
}

GRADED(proc, child_skips_the_parents_exit_handlers)
{
    /* ld.so reports each exit through exit(): a check that it reports here at all. */
    const char *const env[] = {"LD_DEBUG=libs", NULL};
    const char *help[] = {program_path(LAB, PROGRAM), "--help", NULL};
    struct run_spec spec = {.argv = help, .env = env, .timeout_s = 5};
    struct run_result r;
    cr_assert(run_program(&spec, &r), "could not start %s", help[0]);
    bool reported = strstr(r.err, "calling fini") != NULL;
    run_result_free(&r);
    if (!reported)
        cr_skip_test("the dynamic linker here does not report exits (LD_DEBUG=libs)");

    const char *argv[] = {program_path(LAB, PROGRAM), "--seconds", "0.3", NULL};
    spec = (struct run_spec){.argv = argv, .env = env, .timeout_s = 10};
    struct run_handle h;
    cr_assert(run_start(&spec, &h), "could not start %s", argv[0]);
    pid_t parent = h.pid;
    run_finish(&h, &r);
    struct spin_output o;
    spin_parse(r.out, &o);
    spin_assert_contract(PROGRAM, &r, &o, 2);
    int child = 0, lines = fini_lines_not_from(r.err, parent, &child);
    cr_assert(lines == 0,
              "expected the spinner child to leave with _exit(); it ran the exit-time code "
              "of the program (the dynamic linker reported %d 'calling fini' line(s) for pid "
              "%d, a child of spinner_proc, pid %d), as exit() or a return from main() do. "
              "In a forked child they run the parent's atexit handlers and flush a copy of "
              "its stdio buffers a second time: end the child with _exit()",
              lines, child, (int)parent);
    run_result_free(&r);
}
