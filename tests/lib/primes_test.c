#include "primes.h"

#include <criterion/criterion.h>

Test(primes, isqrt_is_exact_at_the_edges)
{
    cr_assert_eq(primes_isqrt(0), 0);
    cr_assert_eq(primes_isqrt(1), 1);
    cr_assert_eq(primes_isqrt(3), 1);
    cr_assert_eq(primes_isqrt(4), 2);
    cr_assert_eq(primes_isqrt(UINT64_MAX), 4294967295ULL);
    cr_assert_eq(primes_isqrt(4294967295ULL * 4294967295ULL), 4294967295ULL);
    cr_assert_eq(primes_isqrt(4294967295ULL * 4294967295ULL - 1), 4294967294ULL);
    /* Around 2^52..2^63, where a double's square root can be off by one. */
    for (uint64_t r = (1ULL << 26); r < (1ULL << 32); r = r * 3 + 7) {
        cr_assert_eq(primes_isqrt(r * r), r, "isqrt(%llu^2)", (unsigned long long)r);
        cr_assert_eq(primes_isqrt(r * r - 1), r - 1, "isqrt(%llu^2 - 1)", (unsigned long long)r);
    }
}

Test(primes, small_numbers_match_a_sieve)
{
    enum { LIMIT = 10000 };
    static bool composite[LIMIT];
    for (int i = 2; i * i < LIMIT; i++)
        if (!composite[i])
            for (int j = i * i; j < LIMIT; j += i)
                composite[j] = true;
    for (int n = 0; n < LIMIT; n++)
        cr_assert_eq(primes_is_prime((uint64_t)n), n >= 2 && !composite[n], "n = %d", n);
}

Test(primes, the_chapter_numbers_are_as_published)
{
    static const bool prime[PRIMES_NUMBERS_COUNT] = {
        true, true,  true,  true, false, false, true, false, false, false,
        true, false, false, true, false, false, true, false, true,  false,
    };
    cr_assert_eq(PRIMES_NUMBERS[0], 2);
    cr_assert_eq(PRIMES_NUMBERS[19], 9999999999999999ULL);
    for (int i = 0; i < PRIMES_NUMBERS_COUNT; i++)
        cr_assert_eq(primes_is_prime(PRIMES_NUMBERS[i]), prime[i], "NUMBERS[%d]", i);
}

Test(primes, edge_cases_near_2_to_the_64)
{
    cr_assert(!primes_is_prime(UINT64_MAX)); /* 3 * 5 * 17 * 257 * ... */
    cr_assert(!primes_is_prime(UINT64_MAX - 1));
    cr_assert(primes_is_prime(4294967291ULL));
    cr_assert(!primes_is_prime(4294967291ULL * 3));
    cr_assert(!primes_is_prime(65521ULL * 65521ULL));
}

static void count_pause(void *arg)
{
    (*(int *)arg)++;
}

Test(primes, pauses_do_not_change_the_answer)
{
    int pauses = 0;
    cr_assert(primes_is_prime_with_pauses(1000003, 10, count_pause, &pauses));
    /* 1000003 is prime: odd divisors 3..999 are tried, 499 of them. */
    cr_assert_eq(pauses, 49);
    pauses = 0;
    cr_assert(!primes_is_prime_with_pauses(1000001, 1, count_pause, &pauses));
    cr_assert(primes_is_prime_with_pauses(10000000000037ULL, 1000, count_pause, &pauses) ==
              primes_is_prime(10000000000037ULL));
}
