/*
 * gil_base: the given half of the GIL of gil.h; gil.c, the lock itself, is the other.
 *
 * Given here (gil_base.c): gil_init, gil_destroy, gil_set_check_interval, gil_get_stats,
 * gil_parse_mode and gil_mode_name, as gil.h declares them, and the one helper below.
 * In gil.c, because they are the lesson: gil_acquire, gil_release and gil_eval_breaker.
 * A pthread call that fails on a valid GIL is a bug: gil.c stops the program with
 * die_on_bug() (lib/die.h), as CPython's Py_FatalError would.
 */
#ifndef CONCLAB_GIL_BASE_H
#define CONCLAB_GIL_BASE_H

#include "gil.h"

/* The calling thread's identity, the value gil.c keeps in gil->last_holder: the address
 * of a thread-local variable, the same for the thread's whole life and different from
 * every other running thread's. Never NULL. Thread-safe and async-signal-safe. */
const void *gil_self(void);

#endif
