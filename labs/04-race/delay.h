/*
 * delay: make a race show on demand by pausing at a named point.
 *
 * A race depends on timing: two threads must reach the racy lines together. Each
 * program of this lab marks its racy points with delay_at("name"), and the user asks
 * for pauses with `--delay name=MICROSECONDS` (repeatable). A pause inside a window
 * makes the bad interleaving happen nearly every time, which is how the handout shows
 * each race and how the tests stress each fix (OSTEP's homework does the same).
 *
 * Set the pauses up before starting any thread or process; after that, delay_at() is
 * thread-safe (it only reads the table) and may be called from forked children.
 */
#ifndef CONCLAB_DELAY_H
#define CONCLAB_DELAY_H

/* The longest pause one point may ask for: 10 s. */
#define DELAY_MAX_US 10000000LL

/* Pauses as long as was asked for `point` (not at all if nothing was). Cannot fail. */
void delay_at(const char *point);

/* For main() only: parses the value of --delay, "name=MICROSECONDS", and records the
 * pause for that point. `points` lists the names the program knows (NULL-terminated).
 * An unknown name, or a number not in [0, DELAY_MAX_US], exits 2 with a message that
 * lists the known points. Not thread-safe: call it before any thread or child starts. */
void delay_option(const char *spec, const char *const points[]);

#endif
