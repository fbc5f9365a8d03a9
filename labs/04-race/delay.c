/*
 * delay: pauses at named points, configured once before the threads start.
 */
#include "delay.h"

#include "cli.h"
#include "clock.h"
#include "die.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define DELAY_MAX_POINTS 8
#define DELAY_MAX_NAME   24

/* Written only by delay_set() before any thread starts; read-only afterwards. */
static struct {
    char name[DELAY_MAX_NAME];
    int64_t us;
} table[DELAY_MAX_POINTS];
static int table_used;

static int find(const char *point)
{
    for (int i = 0; i < table_used; i++)
        if (strcmp(table[i].name, point) == 0)
            return i;
    return -1;
}

/* Records the pause of "name=MICROSECONDS" if name is in `points`. Returns 0 or -EINVAL. */
static int delay_set(const char *spec, const char *const points[])
{
    const char *equals = strchr(spec, '=');
    if (equals == NULL || equals == spec || (size_t)(equals - spec) >= DELAY_MAX_NAME)
        return -EINVAL;
    char name[DELAY_MAX_NAME];
    memcpy(name, spec, (size_t)(equals - spec));
    name[equals - spec] = '\0';

    bool known = false;
    for (size_t i = 0; points[i] != NULL; i++)
        known = known || strcmp(points[i], name) == 0;
    if (!known)
        return -EINVAL;

    uint64_t us;
    if (cli_parse_u64(equals + 1, 0, DELAY_MAX_US, &us) != CLI_PARSE_OK)
        return -EINVAL;

    int slot = find(name);
    if (slot < 0) {
        if (table_used == DELAY_MAX_POINTS)
            return -EINVAL;
        slot = table_used++;
        strcpy(table[slot].name, name);
    }
    table[slot].us = (int64_t)us;
    return 0;
}

void delay_at(const char *point)
{
    int slot = find(point);
    if (slot >= 0 && table[slot].us > 0)
        die_on_bug("clock_nanosleep", clock_sleep_ns(table[slot].us * CLOCK_NS_PER_US));
}

void delay_option(const char *spec, const char *const points[])
{
    if (delay_set(spec, points) == 0)
        return;
    char known[160] = "";
    for (size_t i = 0; points[i] != NULL; i++)
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i > 0 ? ", " : "",
                 points[i]);
    cli_usage_error("--delay: '%s' is not POINT=MICROSECONDS (points: %s; at most %lld us)", spec,
                    known, DELAY_MAX_US);
}
