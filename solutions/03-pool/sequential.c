/*
 * sequential: check each number for primality, one after another.
 *
 * The baseline the process pool and the threads are measured against. For each
 * number it prints the number right-aligned in 16 columns, P if prime, and the
 * seconds that number took; then the total time.
 */
#include "clock.h"
#include "die.h"
#include "numlist.h"
#include "pool.h"
#include "primes.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* Loads the numbers the options name into *numbers: the chapter's 20 without options.
 * Bad input ends the program with a message and status 2. */
static void load_numbers(struct numlist *numbers, const struct numlist_source *source)
{
    numlist_from_options(numbers, source);
}

int main(int argc, char *argv[])
{
    struct numlist_source source = pool_parse_sequential_options(argc, argv);
    struct numlist numbers;
    load_numbers(&numbers, &source);

    printf("Checking %zu numbers sequentially:\n", numbers.count);
    double start = clock_seconds();
    for (size_t i = 0; i < numbers.count; i++) {
        uint64_t n = numbers.values[i];
        double t0 = clock_seconds();
        bool prime = primes_is_prime(n);
        double elapsed = clock_seconds() - t0;
        printf("%16" PRIu64 " %c %9.6fs\n", n, prime ? 'P' : ' ', elapsed);
        /* Flush per line, so that a pipe shows progress as it happens. */
        fflush(stdout);
    }
    printf("Total time: %.2fs\n", clock_seconds() - start);

    numlist_free(&numbers);
    if (fflush(stdout) != 0)
        die_errno("stdout");
    return EXIT_SUCCESS;
}
