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
    numlist_from_options(numbers, path, first, last);
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
