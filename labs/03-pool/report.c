/*
 * report: one outcome per job, and the lines that tell it.
 */
#include "report.h"

#include "clock.h"
#include "die.h"
#include "mailbox.h"
#include "trace.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

enum { OUTCOME_PENDING, OUTCOME_CHECKED, OUTCOME_ERROR };

int report_init(struct report *report, FILE *out, const struct numlist *numbers, bool timeline)
{
    *report = (struct report){.out = out, .numbers = numbers, .timeline = timeline};
    report->outcome = calloc(numbers->count > 0 ? numbers->count : 1, 1);
    return report->outcome == NULL ? -ENOMEM : 0;
}

void report_start(struct report *report, unsigned workers)
{
    fprintf(report->out, "Checking %zu numbers with %u processes:\n", report->numbers->count,
            workers);
    fflush(report->out); /* an error stays set in the stream: report_finish() sees it */
    report->t0_ns = clock_now_ns();
    trace_name_thread("parent");
    trace_instant("pool", "start", "workers", workers);
}

/* Whether job `seq` exists and has no outcome yet. */
static bool pending(const struct report *report, uint64_t seq)
{
    return seq >= 1 && seq <= report->numbers->count && report->outcome[seq - 1] == OUTCOME_PENDING;
}

/* Prints a result unless its job has an outcome already. One from a dead worker's
 * mailbox may have been posted and printed too: the worker can die after its write(2)
 * and before it empties its mailbox. So only a duplicate from the pipe is suspicious. */
static void take_result(struct report *report, const struct pool_result *result, bool recovered)
{
    if (!pending(report, result->seq)) {
        if (!recovered)
            warn("unexpected result for job %llu", (unsigned long long)result->seq);
        return;
    }
    report->outcome[result->seq - 1] = OUTCOME_CHECKED;
    report->checked++;
    pool_print_result(report->out, result, report->timeline, report->t0_ns);
}

void report_result(struct report *report, const struct pool_result *result)
{
    take_result(report, result, false);
}

void report_dead_worker(struct report *report, struct worker_mailbox *box, pid_t worker, int status)
{
    struct pool_result kept[WORKER_BATCH];
    uint64_t seq;
    size_t count = mailbox_empty(box, kept, &seq);
    trace_instant("pool", "worker died", "pid", worker);
    for (size_t k = 0; k < count; k++)
        if (kept[k].seq != POOL_SENTINEL) /* its replacement will post its own */
            take_result(report, &kept[k], true);
    if (pending(report, seq)) {
        report->outcome[seq - 1] = OUTCOME_ERROR;
        report->errors++;
        pool_print_crash(report->out, report->numbers->values[seq - 1], worker, status);
    } else {
        warn("worker %d died between jobs (%s)", (int)worker,
             WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exit");
    }
}

int report_poll(struct report *report, struct pollfd *fds, nfds_t count)
{
    int timeout_ms = REPORT_FLUSH_AFTER_MS;
    int64_t start = trace_now();
    for (;;) {
        int ready = poll(fds, count, timeout_ms);
        if (ready > 0 || (ready < 0 && errno != EINTR)) {
            trace_span_at("pool", "waits (poll)", start, trace_now(), "ready", ready, NULL, 0);
            return ready;
        }
        if (ready == 0) {
            /* Idle: show what we have, then wait as long as it takes. */
            if (fflush(report->out) != 0)
                return -1;
            timeout_ms = -1;
        }
    }
}

int report_finish(struct report *report, bool interrupted)
{
    double elapsed = (double)(clock_now_ns() - report->t0_ns) / 1e9;
    size_t count = report->numbers->count;
    if (interrupted) {
        fprintf(report->out, "%zu checks in %.2fs (interrupted: %zu not checked)\n",
                report->checked, elapsed, count - report->checked - report->errors);
    } else {
        for (size_t i = 0; i < count; i++) {
            if (report->outcome[i] == OUTCOME_PENDING) {
                fprintf(report->out, "%16llu error: no result (its worker died)\n",
                        (unsigned long long)report->numbers->values[i]);
                report->outcome[i] = OUTCOME_ERROR;
                report->errors++;
            }
        }
        if (report->errors > 0)
            fprintf(report->out, "%zu checks in %.2fs, %zu error%s\n", report->checked, elapsed,
                    report->errors, report->errors == 1 ? "" : "s");
        else
            fprintf(report->out, "%zu checks in %.2fs\n", report->checked, elapsed);
    }
    if (fflush(report->out) != 0)
        return -1;
    if (ferror(report->out)) {
        errno = EIO; /* an earlier write failed */
        return -1;
    }
    return interrupted ? 128 + SIGINT : report->errors > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

void report_free(struct report *report)
{
    free(report->outcome);
    report->outcome = NULL;
}
