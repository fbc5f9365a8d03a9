/*
 * gil_base: creating and destroying a GIL, its counters and its mode names (see
 * gil_base.h). Taking and releasing it is gil.c.
 */
#include "gil_base.h"

#include "die.h"

#include <errno.h>
#include <string.h>

const void *gil_self(void)
{
    /* Each thread has its own copy of this variable, hence its own address. */
    static _Thread_local char tag;
    return &tag;
}

int gil_init(struct gil *gil, enum gil_mode mode, int64_t interval_ns)
{
    if (mode != GIL_MODE_NONE && mode != GIL_MODE_NEW && mode != GIL_MODE_OLD)
        return -EINVAL;
    if (interval_ns < 0)
        return -EINVAL;
    memset(gil, 0, sizeof *gil);
    gil->mode = mode;
    gil->interval_ns = interval_ns == 0 ? GIL_DEFAULT_INTERVAL_NS : interval_ns;
    gil->check_interval = GIL_DEFAULT_CHECK_INTERVAL;
    atomic_init(&gil->drop_request, false);
    if (mode == GIL_MODE_NONE)
        return 0;

    /* The condition variables use CLOCK_MONOTONIC, so a wall-clock change cannot
     * stretch or cut a switch interval. */
    pthread_condattr_t attr;
    int error = pthread_condattr_init(&attr);
    if (error != 0)
        return -error;
    error = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (error != 0)
        goto out_attr;
    error = pthread_mutex_init(&gil->mutex, NULL);
    if (error != 0)
        goto out_attr;
    error = pthread_cond_init(&gil->cond, &attr);
    if (error != 0)
        goto out_mutex;
    error = pthread_cond_init(&gil->switch_cond, &attr);
    if (error != 0)
        goto out_cond;
    pthread_condattr_destroy(&attr);
    return 0;

out_cond:
    pthread_cond_destroy(&gil->cond);
out_mutex:
    pthread_mutex_destroy(&gil->mutex);
out_attr:
    pthread_condattr_destroy(&attr);
    return -error;
}

void gil_destroy(struct gil *gil)
{
    if (gil->mode == GIL_MODE_NONE)
        return;
    pthread_cond_destroy(&gil->switch_cond);
    pthread_cond_destroy(&gil->cond);
    pthread_mutex_destroy(&gil->mutex);
}

void gil_set_check_interval(struct gil *gil, uint64_t ticks)
{
    gil->check_interval = ticks == 0 ? 1 : ticks;
}

void gil_get_stats(struct gil *gil, struct gil_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    if (gil->mode == GIL_MODE_NONE)
        return;
    die_on_bug("pthread_mutex_lock", pthread_mutex_lock(&gil->mutex));
    stats->switches = gil->switch_number;
    stats->drop_requests = gil->drop_requests;
    stats->forced_drops = gil->forced_drops;
    stats->tick_drops = gil->tick_drops;
    die_on_bug("pthread_mutex_unlock", pthread_mutex_unlock(&gil->mutex));
}

int gil_parse_mode(const char *text, enum gil_mode *mode)
{
    static const enum gil_mode modes[] = {GIL_MODE_NEW, GIL_MODE_OLD, GIL_MODE_NONE};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (text != NULL && strcmp(text, gil_mode_name(modes[i])) == 0) {
            *mode = modes[i];
            return 0;
        }
    }
    return -EINVAL;
}

const char *gil_mode_name(enum gil_mode mode)
{
    switch (mode) {
    case GIL_MODE_NEW:
        return "new";
    case GIL_MODE_OLD:
        return "old";
    case GIL_MODE_NONE:
        return "none";
    }
    return "?";
}
