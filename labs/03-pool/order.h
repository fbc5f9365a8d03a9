/*
 * order: in which order a pool hands out its jobs.
 *
 * The workers of lab 03 take jobs from one shared queue, each as soon as it is free. So
 * the order of that queue decides which worker checks which number, and that decides
 * when the last worker is done. The costs behind the orders are estimates, made without
 * the checks themselves.
 */
#ifndef CONCLAB_ORDER_H
#define CONCLAB_ORDER_H

#include "numlist.h"
#include "pool.h"

#include <stddef.h>

/* Puts `jobs` (count of them) in the order `order` asks for, for `workers` workers
 * that share one queue. POOL_ORDER_INPUT leaves them as they are, and so does any
 * order when out of memory. Thread-safe on distinct arrays. */
void order_jobs(struct pool_job *jobs, size_t count, enum pool_order order, unsigned workers);

/* Returns a new array of one job per number of `numbers` (job seq i + 1 checks
 * values[i]), put in the order `order` asks for (order_jobs). NULL if out of memory.
 * The caller frees it. Thread-safe. */
struct pool_job *order_make_jobs(const struct numlist *numbers, enum pool_order order,
                                 unsigned workers);

#endif
