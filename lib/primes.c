#include "primes.h"

#include "trace.h"

#include <math.h>
#include <stdatomic.h>

const uint64_t PRIMES_NUMBERS[PRIMES_NUMBERS_COUNT] = {
    2ULL,
    142702110479723ULL,
    299593572317531ULL,
    3333333333333301ULL,
    3333333333333333ULL,
    3333335652092209ULL,
    4444444444444423ULL,
    4444444444444444ULL,
    4444444488888889ULL,
    5555553133149889ULL,
    5555555555555503ULL,
    5555555555555555ULL,
    6666666666666666ULL,
    6666666666666719ULL,
    6666667141414921ULL,
    7777777536340681ULL,
    7777777777777753ULL,
    7777777777777777ULL,
    9999999999999917ULL,
    9999999999999999ULL,
};

uint64_t primes_isqrt(uint64_t n)
{
    /* The double estimate can be off by one either way above 2^52; fix it exactly.
     * r <= n / r is r * r <= n without overflowing near 2^64. */
    uint64_t r = (uint64_t)sqrtl((long double)n);
    while (r > 0 && r > n / r)
        r--;
    while ((r + 1) <= n / (r + 1))
        r++;
    return r;
}

/* The watch (primes.h): relaxed atomics are enough for counts. Under a lock held across
 * the divisor loop (a GIL), the lock orders each thread's leave before the next one's
 * enter, so `inside` never reads 2. */
static atomic_int watch_inside;              /* threads trying divisors now */
static atomic_int watch_most;                /* the most ever at once */
static atomic_uintptr_t watch_last;          /* the thread that tried divisors last */
static atomic_uint_fast64_t watch_handovers; /* see struct primes_watch */
static _Thread_local char watch_self;        /* its address names the calling thread */

/* A thread starts (or, after a pause, resumes) trying divisors. */
static void watch_enter(bool resuming)
{
    int now = atomic_fetch_add_explicit(&watch_inside, 1, memory_order_relaxed) + 1;
    int most = atomic_load_explicit(&watch_most, memory_order_relaxed);
    while (now > most && !atomic_compare_exchange_weak_explicit(
                             &watch_most, &most, now, memory_order_relaxed, memory_order_relaxed))
        ;
    uintptr_t me = (uintptr_t)&watch_self;
    uintptr_t last = atomic_exchange_explicit(&watch_last, me, memory_order_relaxed);
    if (resuming && last != me)
        atomic_fetch_add_explicit(&watch_handovers, 1, memory_order_relaxed);
}

/* It stops trying divisors: at a pause, or at the end of the check. */
static void watch_leave(void)
{
    atomic_fetch_sub_explicit(&watch_inside, 1, memory_order_relaxed);
}

/* Tracing (trace.h, primes.h): a "computes" span runs from the start of a check to its
 * end, cut at a pause during which another check started or resumed: then the part
 * after the pause is a new span, and the pause a "paused" span. Only the calling thread
 * touches its `computing`. */
static atomic_uint_fast64_t trace_starts; /* checks started or resumed, by anyone */
static _Thread_local struct {
    int64_t start;  /* trace clock: start of the open span */
    int64_t paused; /* trace clock: when the last pause began */
    uint64_t seen;  /* trace_starts when it began */
} computing;

static void trace_check_start(void)
{
    atomic_fetch_add_explicit(&trace_starts, 1, memory_order_relaxed);
    computing.start = trace_clock_ns();
}

static void trace_pause_start(void)
{
    computing.paused = trace_clock_ns();
    computing.seen = atomic_load_explicit(&trace_starts, memory_order_relaxed);
}

static void trace_pause_end(uint64_t n)
{
    uint64_t before = atomic_fetch_add_explicit(&trace_starts, 1, memory_order_relaxed);
    if (before == computing.seen)
        return;
    int64_t now = trace_clock_ns();
    trace_span_at("compute", "computes", computing.start, computing.paused, "n", (int64_t)n, NULL,
                  0);
    trace_span_at("compute", "paused", computing.paused, now, NULL, 0, NULL, 0);
    computing.start = now;
}

static void trace_check_end(uint64_t n, bool prime)
{
    trace_span_at("compute", "computes", computing.start, trace_clock_ns(), "n", (int64_t)n,
                  "prime", prime);
}

void primes_watch_read(struct primes_watch *watch)
{
    watch->most_inside = atomic_load_explicit(&watch_most, memory_order_relaxed);
    watch->handovers = atomic_load_explicit(&watch_handovers, memory_order_relaxed);
}

bool primes_is_prime_with_pauses(uint64_t n, uint64_t every, void (*pause)(void *arg), void *arg)
{
    if (n < 2)
        return false;
    if (n == 2)
        return true;
    if (n % 2 == 0)
        return false;

    uint64_t root = primes_isqrt(n);
    uint64_t until_pause = every;
    bool prime = true;
    if (pause != NULL)
        watch_enter(false);
    if (trace_enabled)
        trace_check_start();
    /* root < 2^32, so i + 2 cannot overflow. */
    for (uint64_t i = 3; i <= root; i += 2) {
        if (n % i == 0) {
            prime = false;
            break;
        }
        if (pause != NULL && --until_pause == 0) {
            watch_leave();
            if (trace_enabled)
                trace_pause_start();
            pause(arg);
            if (trace_enabled)
                trace_pause_end(n);
            watch_enter(true);
            until_pause = every;
        }
    }
    if (trace_enabled)
        trace_check_end(n, prime);
    if (pause != NULL)
        watch_leave();
    return prime;
}

bool primes_is_prime(uint64_t n)
{
    return primes_is_prime_with_pauses(n, 0, NULL, NULL);
}
