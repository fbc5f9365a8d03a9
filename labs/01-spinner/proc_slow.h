/*
 * proc_slow: spinner_proc's given parts: its --help text and its slow(), which a Ctrl-C
 * (SIGINT) or a kill (SIGTERM) cuts short.
 *
 * The parent blocks the stop signals (see spinner_proc.c) so that they wait, pending,
 * until proc_slow() takes them with sigtimedwait(): the parent is never killed before
 * it has stopped and reaped its child.
 */
#ifndef CONCLAB_PROC_SLOW_H
#define CONCLAB_PROC_SLOW_H

#include "spinner_cli.h"

#include <signal.h>

/* spinner_proc's --help text, for spinner_cli_parse(). */
extern const char proc_slow_usage[];

/* Fills *stop with the signals that cut slow() short: SIGINT and SIGTERM. Blocks
 * nothing: that is the caller's job. Cannot fail. */
void proc_slow_stop_signals(sigset_t *stop);

/* The parent's work: sleeps opts->seconds unless a signal of `stop` arrives first, or
 * checks opts->prime into *check (then takes a signal of `stop` that arrived during the
 * check). Returns the stop signal taken, or 0. The signals of `stop` must be blocked,
 * or they are never taken here. Exits if sigtimedwait() fails. */
int proc_slow(const struct spinner_options *opts, const sigset_t *stop,
              struct spinner_prime_check *check);

#endif
