/*
 * procs_racy: the process pool of lab 03, with the stop condition the chapter's
 * first procs.py got wrong, and fixed.
 *
 * The parent fills a job pipe with the numbers and one "stop" job per worker, then
 * forks the workers. Each worker takes jobs until it takes a stop job, sending one
 * result per number on the result pipe (with --primes-only, one per prime). The parent
 * prints the results as they come.
 *
 * The question of this file: when has the parent seen every result? Not when the job
 * pipe looks empty: a worker may still be checking its last number, and results may
 * still wait unread in the result pipe. Nor after as many results as numbers: with
 * --primes-only a worker sends nothing for a composite. Only the workers know they are
 * done, so each one says so with a last "done" record, and the parent counts those.
 */
#include "die.h"
#include "procs_racy_base.h"
#include "record.h"

#include <stdbool.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <unistd.h>

/* The tag of a worker's last record: it has sent all its results and is exiting. */
#define RESULT_DONE 1

/* The body of a worker process: it never returns. With primes_only, it sends a result
 * only for a prime: then nobody but the workers knows how many results will come. */
static noreturn void worker(int jobs_fd, int results_fd, bool primes_only)
{
    racy_check_jobs(jobs_fd, results_fd, primes_only);
    /* Only this worker knows it has sent its last result: say so. */
    struct result done = {.tag = RESULT_DONE};
    _exit(record_write(results_fd, &done, sizeof done) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

/* Prints results until every worker has said it is done. Returns how many numbers
 * were checked. */
static size_t report(int results_fd, unsigned procs)
{
    size_t checked = 0;
    unsigned procs_done = 0;
    while (procs_done < procs) {
        struct result r;
        if (!racy_read_result(results_fd, &r))
            die("the result pipe closed before every worker said it was done: "
                "did a worker crash?");
        if (r.tag == RESULT_DONE) {
            procs_done++;
            continue;
        }
        checked++;
        racy_print_result(&r);
    }
    return checked;
}

int main(int argc, char *argv[])
{
    struct racy_run *run = racy_start(argc, argv, worker);
    /* The parent has no use for the job pipe: the workers' "done" tells it when to stop. */
    if (close(run->jobs_fd) < 0)
        die_errno("close");
    size_t checked = report(run->results_fd, run->procs);
    return racy_finish(run, checked);
}
