/*
 * numlist: the list of numbers a primality program checks.
 *
 * The programs of lab 03 and lab 04 take the same inputs: the chapter's 20 numbers
 * by default, `--numbers FILE` (one number per line, "-" for standard input) or
 * `--range A B`. This module reads them and explains bad input precisely.
 * Functions return 0 or a negative errno value; the values are the list's (free them with
 * numlist_free()). Not thread-safe per list; distinct lists are independent.
 */
#ifndef CONCLAB_NUMLIST_H
#define CONCLAB_NUMLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* At most this many numbers, so that a mistaken input cannot exhaust memory. */
#define NUMLIST_MAX_COUNT 1000000

struct numlist {
    uint64_t *values; /* owned by the list; free with numlist_free() */
    size_t count;
};

/* The chapter's 20 numbers, in order. Returns 0, or -ENOMEM. */
int numlist_default(struct numlist *list);

/* Every number in [first, last]. Returns 0, -EINVAL if first > last or the range holds
 * more than NUMLIST_MAX_COUNT numbers, or -ENOMEM. */
int numlist_range(struct numlist *list, uint64_t first, uint64_t last);

/* Reads one decimal number per line from `in` (surrounding blanks and CRLF line ends
 * allowed; blank lines only at the end; any other byte, NUL included, is an error naming
 * its line). Returns 0, or a negative errno (-EINVAL bad line, -E2BIG too many,
 * -ENODATA empty input, -ENOMEM, or the read error) with a message naming the line in
 * `err` (`err_size` bytes), e.g. "input: line 3: 'x12' is not a whole number". `name` is
 * only used in messages. On error the list is left empty. */
int numlist_read(struct numlist *list, FILE *in, const char *name, char *err, size_t err_size);

/* Releases the values; the list is then empty and may be reused. */
void numlist_free(struct numlist *list);

/* What the shared options name, as given on the command line: the value of
 * --numbers FILE, or the two of --range FIRST LAST; NULL when absent. */
struct numlist_source {
    const char *path;  /* --numbers */
    const char *first; /* --range */
    const char *last;
};

/* The getopt_long() entries of --numbers ('n') and --range ('r'), for a program's table
 * of long options (it needs <getopt.h>). */
/* clang-format off */
#define NUMLIST_OPTIONS \
    {"numbers", required_argument, NULL, 'n'}, {"range", required_argument, NULL, 'r'}
/* clang-format on */

/* For main()'s getopt_long() loop: if `opt` is 'n' or 'r', keeps its value in *source
 * (--range takes the next argument as LAST) and returns true; any other opt: false. */
bool numlist_option(struct numlist_source *source, int opt, int argc, char *argv[]);

/* For main() only: loads the list `source` names (all NULL: the chapter's 20 numbers).
 * Bad input prints one line naming the problem and exits 2; no memory exits 1. */
void numlist_from_options(struct numlist *list, const struct numlist_source *source);

#endif
