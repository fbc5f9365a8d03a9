/*
 * order: largest first, and a balanced order planned on paper.
 *
 * Largest first (the LPT rule) leaves the short jobs for the end, where they fill the
 * gaps; with a few long jobs it can still finish a few percent after the best schedule.
 * Balanced starts from largest first, then runs the pool on paper with the estimated
 * costs and swaps pairs of jobs for as long as that makes the paper pool finish sooner.
 */
#include "order.h"

#include "primes.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* Balancing tries every pair of jobs, and each try replays the whole queue: worth it
 * for a few dozen long jobs, where one of them decides the finish. With many jobs,
 * largest first already leaves little to gain. */
enum { BALANCE_MAX_JOBS = 64, BALANCE_MAX_ROUNDS = 8 };

struct costed_job {
    uint64_t cost;
    struct pool_job job;
};

/* The cost of checking n, estimated cheaply: a number with a factor below 1000 is found
 * composite at once; any other costs about isqrt(n) / 2 divisions. */
static uint64_t estimated_cost(uint64_t n)
{
    if (n < 1000 * 1000)
        return n < 2 ? 0 : primes_isqrt(n);
    for (uint64_t d = 2; d < 1000; d += (d == 2) ? 1 : 2)
        if (n % d == 0)
            return 0;
    return primes_isqrt(n);
}

static int compare_costliest_first(const void *a, const void *b)
{
    uint64_t x = ((const struct costed_job *)a)->cost, y = ((const struct costed_job *)b)->cost;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* When the last of `workers` workers would be done if each took the next job in line
 * as soon as it was free, and each job took its estimated cost. `free_at` is scratch
 * space for `workers` times. */
static uint64_t paper_finish(const struct costed_job *jobs, size_t count, unsigned workers,
                             uint64_t *free_at)
{
    for (unsigned w = 0; w < workers; w++)
        free_at[w] = 0;
    for (size_t i = 0; i < count; i++) {
        unsigned first_free = 0;
        for (unsigned w = 1; w < workers; w++)
            if (free_at[w] < free_at[first_free])
                first_free = w;
        free_at[first_free] += jobs[i].cost;
    }
    uint64_t finish = 0;
    for (unsigned w = 0; w < workers; w++)
        if (free_at[w] > finish)
            finish = free_at[w];
    return finish;
}

static void swap_jobs(struct costed_job *a, struct costed_job *b)
{
    struct costed_job t = *a;
    *a = *b;
    *b = t;
}

/* A local search: keeps each swap of two jobs that makes the paper pool finish sooner,
 * until no swap helps or BALANCE_MAX_ROUNDS rounds are done. */
static void balance(struct costed_job *jobs, size_t count, unsigned workers, uint64_t *free_at)
{
    uint64_t best = paper_finish(jobs, count, workers, free_at);
    bool improved = true;
    for (int round = 0; improved && round < BALANCE_MAX_ROUNDS; round++) {
        improved = false;
        for (size_t i = 0; i + 1 < count; i++) {
            for (size_t j = i + 1; j < count; j++) {
                if (jobs[i].cost == jobs[j].cost)
                    continue;
                swap_jobs(&jobs[i], &jobs[j]);
                uint64_t finish = paper_finish(jobs, count, workers, free_at);
                if (finish < best) {
                    best = finish;
                    improved = true;
                } else {
                    swap_jobs(&jobs[i], &jobs[j]);
                }
            }
        }
    }
}

void order_jobs(struct pool_job *jobs, size_t count, enum pool_order order, unsigned workers)
{
    if (order == POOL_ORDER_INPUT || count < 2)
        return;
    /* Estimate each cost once, not at every comparison. */
    struct costed_job *costed = malloc(count * sizeof *costed);
    uint64_t *free_at = calloc(workers > 0 ? workers : 1, sizeof *free_at);
    if (costed != NULL && free_at != NULL) {
        for (size_t i = 0; i < count; i++)
            costed[i] = (struct costed_job){estimated_cost(jobs[i].n), jobs[i]};
        qsort(costed, count, sizeof *costed, compare_costliest_first);
        bool worth_balancing = workers >= 2 && count > workers && count <= BALANCE_MAX_JOBS;
        if (order == POOL_ORDER_BALANCED && worth_balancing)
            balance(costed, count, workers, free_at);
        for (size_t i = 0; i < count; i++)
            jobs[i] = costed[i].job;
    }
    free(free_at);
    free(costed);
}

struct pool_job *order_make_jobs(const struct numlist *numbers, enum pool_order order,
                                 unsigned workers)
{
    struct pool_job *jobs = calloc(numbers->count > 0 ? numbers->count : 1, sizeof *jobs);
    if (jobs == NULL)
        return NULL;
    for (size_t i = 0; i < numbers->count; i++)
        jobs[i] = (struct pool_job){.seq = i + 1, .n = numbers->values[i]};
    order_jobs(jobs, numbers->count, order, workers);
    return jobs;
}
