#include "primes.h"

#include <math.h>

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
    /* root < 2^32, so i + 2 cannot overflow. */
    for (uint64_t i = 3; i <= root; i += 2) {
        if (n % i == 0)
            return false;
        if (pause != NULL && --until_pause == 0) {
            pause(arg);
            until_pause = every;
        }
    }
    return true;
}

bool primes_is_prime(uint64_t n)
{
    return primes_is_prime_with_pauses(n, 0, NULL, NULL);
}
