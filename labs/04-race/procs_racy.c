/*
 * procs_racy: the process pool of lab 03, with the stop condition that the chapter's
 * first procs.py got wrong.
 *
 * The parent fills a job pipe with the numbers and one "stop" job per worker, then
 * forks the workers. Each worker takes jobs until it takes a stop job, sending one
 * result per number on the result pipe (with --primes-only, one per prime). The parent
 * prints the results as they come.
 *
 * This is the first procs.py of the chapter, in C: the parent stops collecting when the
 * job pipe holds no more bytes. That stop condition is a race (run it a few times with
 * --delay, see README.md). Given in procs_racy_base.c: the command line, the pipes, the
 * workers' loop and reaping (procs_racy_base.h).
 */
#include "die.h"
#include "procs_racy_base.h"

#include <stdbool.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The body of a worker process: it never returns. With primes_only, it sends a result
 * only for a prime: then nobody but the workers knows how many results will come. */
static noreturn void worker(int jobs_fd, int results_fd, bool primes_only)
{
    racy_check_jobs(jobs_fd, results_fd, primes_only);
    /* TODO(lab 04, part A): when a worker gets here, it has taken its stop job and sent
     * its last result: it knows something the parent needs and cannot see for itself.
     * What is it? Concept: who can tell that the work is finished. */
    _exit(EXIT_SUCCESS);
}

/* How many bytes wait unread in the pipe `fd`. */
static int pipe_bytes(int fd)
{
    int bytes;
    if (ioctl(fd, FIONREAD, &bytes) < 0)
        die_errno("ioctl FIONREAD");
    return bytes;
}

/* Prints results until the job pipe is empty. Returns how many numbers were checked. */
static size_t report(int results_fd, int jobs_fd)
{
    size_t checked = 0;
    /* TODO(lab 04, part A): "no job left in the pipe" is taken to mean "every result
     * is in". Find the interleavings where it is false, in both directions: results
     * lost, and a wait for a result that never comes. Then stop on a condition that
     * cannot race. Concept: a race condition on a check-then-act. */
    while (pipe_bytes(jobs_fd) > 0) {
        struct result r;
        if (!racy_read_result(results_fd, &r))
            die("the result pipe closed while the parent waited for one more result: "
                "every worker had already exited");
        checked++;
        racy_print_result(&r);
    }
    return checked;
}

int main(int argc, char *argv[])
{
    struct racy_run *run = racy_start(argc, argv, worker);
    /* The parent keeps the read end of the job pipe, to look at how many jobs are left. */
    size_t checked = report(run->results_fd, run->jobs_fd);
    if (close(run->jobs_fd) < 0)
        die_errno("close");
    return racy_finish(run, checked);
}
