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

/* For main() only: loads the list the shared options ask for. `path` is the value of
 * --numbers, `first` and `last` those of --range (all NULL: the chapter's 20 numbers).
 * Bad input prints one line naming the problem and exits 2; no memory exits 1. */
void numlist_from_options(struct numlist *list, const char *path, const char *first,
                          const char *last);

#endif
