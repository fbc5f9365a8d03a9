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
    /* TODO(lab 03, part A): load the numbers the options ask for. numlist.h has a
     * function that does it, including the error messages for bad input. */
    *numbers = (struct numlist){0};
}

int main(int argc, char *argv[])
{
    struct numlist_source source = pool_parse_sequential_options(argc, argv);
    struct numlist numbers;
    load_numbers(&numbers, &source);

    /* TODO(lab 03, part A): check each number with primes_is_prime() and time each
     * check with clock_seconds(). Print one line per number, as sequential.py does:
     * the number right-aligned in 16 columns, 'P' or a blank, the seconds with 6
     * decimals and an 's'; then "Total time: X.XXs". This is the baseline that every
     * concurrent version of the lab is compared against. */

    numlist_free(&numbers);
    if (fflush(stdout) != 0)
        die_errno("stdout");
    return EXIT_SUCCESS;
}
