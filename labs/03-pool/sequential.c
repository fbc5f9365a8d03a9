/*
 * sequential: check each number for primality, one after another.
 *
 * The baseline the process pool and the threads are measured against. For each
 * number it prints the number right-aligned in 16 columns, P if prime, and the
 * seconds that number took; then the total time.
 */
#include "cli.h"
#include "clock.h"
#include "die.h"
#include "numlist.h"
#include "primes.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static const char usage[] =
    "Usage: sequential [--numbers FILE | --range FIRST LAST]\n"
    "Check numbers for primality one at a time and time each check.\n"
    "\n"
    "  --numbers FILE     one number per line (0 to 2^64-1); '-' reads standard input\n"
    "  --range FIRST LAST every number from FIRST to LAST\n"
    "  -h, --help         show this help and exit\n"
    "  -V, --version      show the version and exit\n"
    "\n"
    "Without --numbers or --range it checks the chapter's 20 numbers.\n"
    "Exit status: 0 ok, 1 failure, 2 bad usage or input.\n";

/* Loads the numbers the options ask for into *numbers: the chapter's 20 without
 * options. Bad input ends the program with a message and status 2. */
static void load_numbers(struct numlist *numbers, const char *path, const char *first,
                         const char *last)
{
    /* TODO(lab 03, part A): load the numbers the options ask for. numlist.h has a
     * function that does it, including the error messages for bad input. */
    *numbers = (struct numlist){0};
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        {"numbers", required_argument, NULL, 'n'},
        {"range", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {0},
    };
    const char *numbers_path = NULL, *range_first = NULL, *range_last = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, ":hV", options, NULL)) != -1) {
        switch (opt) {
        case 'n':
            numbers_path = optarg;
            break;
        case 'r':
            /* --range takes two values: the second is the next argument. */
            range_first = optarg;
            range_last = optind < argc ? argv[optind++] : NULL;
            break;
        case 'h':
            cli_help(usage);
        case 'V':
            cli_version();
        case ':':
            cli_missing_value(argv[optind - 1]);
        default:
            cli_unknown_option(argv[optind - 1]);
        }
    }
    if (optind < argc)
        cli_usage_error("unexpected argument '%s'", argv[optind]);

    struct numlist numbers;
    load_numbers(&numbers, numbers_path, range_first, range_last);

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
