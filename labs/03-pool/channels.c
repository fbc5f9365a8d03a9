/*
 * channels: two pipes, a signalfd and the mailboxes, made together or not at all.
 */
#include "channels.h"

#include "mailbox.h"
#include "pool.h"
#include "sigfd.h"

#include <errno.h>
#include <unistd.h>

_Static_assert(sizeof(struct pool_result) <= RECORDS_MAX_SIZE,
               "a reader must be able to hold a piece of a result");

int channels_open(struct channels *ch, unsigned slots)
{
    *ch = (struct channels){.slots = slots};
    int jobs[2], results[2];
    int err = records_pipe(jobs, false);
    if (err < 0)
        return err;
    err = records_pipe(results, true);
    if (err < 0)
        goto close_jobs;
    ch->signals = sigfd_open();
    if (ch->signals < 0) {
        err = ch->signals;
        goto close_results;
    }
    ch->mailboxes = mailbox_map(slots);
    if (ch->mailboxes == NULL) {
        err = -errno;
        close(ch->signals);
        goto close_results;
    }
    ch->jobs_in = jobs[0];
    ch->jobs_out = jobs[1];
    records_reader_init(&ch->results, results[0], sizeof(struct pool_result));
    ch->results_out = results[1];
    return 0;

close_results:
    close(results[0]);
    close(results[1]);
close_jobs:
    close(jobs[0]);
    close(jobs[1]);
    return err;
}

void channels_close(struct channels *ch)
{
    mailbox_unmap(ch->mailboxes, ch->slots);
    close(ch->jobs_in);
    close(ch->jobs_out);
    close(ch->results.fd);
    close(ch->results_out);
    close(ch->signals);
}
