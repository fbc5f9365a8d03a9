#include "numlist.h"
#include "primes.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

static int read_text(struct numlist *list, const char *text, char *err, size_t size)
{
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    cr_assert_not_null(in);
    int result = numlist_read(list, in, "input", err, size);
    fclose(in);
    return result;
}

Test(numlist, reads_one_number_per_line)
{
    struct numlist list;
    char err[256] = "";
    cr_assert_eq(read_text(&list, " 7\n11 \r\n18446744073709551615\n", err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(list.count, 3);
    cr_assert_eq(list.values[1], 11);
    cr_assert_eq(list.values[2], UINT64_MAX);
    numlist_free(&list);
}

Test(numlist, names_the_bad_line)
{
    struct numlist list;
    char err[256] = "";
    cr_assert_lt(read_text(&list, "1\n2\nthree\n", err, sizeof err), 0);
    cr_assert(strstr(err, "line 3") != NULL, "message: %s", err);
    cr_assert_lt(read_text(&list, "1\n-2\n", err, sizeof err), 0);
    cr_assert(strstr(err, "line 2") && strstr(err, "negative"), "message: %s", err);
    cr_assert_lt(read_text(&list, "18446744073709551616\n", err, sizeof err), 0);
    cr_assert(strstr(err, "too large") != NULL, "message: %s", err);
    cr_assert_lt(read_text(&list, "5\n\n6\n", err, sizeof err), 0);
    cr_assert(strstr(err, "line 2") != NULL, "message: %s", err);
    cr_assert_lt(read_text(&list, "", err, sizeof err), 0);
    cr_assert(strstr(err, "empty") != NULL, "message: %s", err);
    cr_assert_eq(list.count, 0);
}

Test(numlist, ranges_and_defaults)
{
    struct numlist list;
    cr_assert_eq(numlist_range(&list, 10, 12), 0);
    cr_assert_eq(list.count, 3);
    cr_assert_eq(list.values[2], 12);
    numlist_free(&list);
    cr_assert_lt(numlist_range(&list, 12, 10), 0);
    cr_assert_lt(numlist_range(&list, 0, UINT64_MAX), 0);
    cr_assert_eq(numlist_default(&list), 0);
    cr_assert_eq(list.count, PRIMES_NUMBERS_COUNT);
    cr_assert_eq(memcmp(list.values, PRIMES_NUMBERS, sizeof PRIMES_NUMBERS), 0);
    numlist_free(&list);
}

/* Reads `len` bytes (NULs included) as numlist_read's input. */
static int read_bytes(struct numlist *list, const char *bytes, size_t len, char *err, size_t size)
{
    FILE *in = fmemopen((void *)bytes, len, "r");
    cr_assert_not_null(in);
    int result = numlist_read(list, in, "input", err, size);
    fclose(in);
    return result;
}

Test(numlist, accepts_crlf_and_blank_lines_at_the_end)
{
    struct numlist list;
    char err[256] = "";
    cr_assert_eq(read_text(&list, "7\r\n11\r\n\r\n\n  \n", err, sizeof err), 0, "%s", err);
    cr_assert_eq(list.count, 2);
    cr_assert_eq(list.values[1], 11);
    numlist_free(&list);
}

Test(numlist, refuses_a_blank_line_between_numbers)
{
    struct numlist list;
    char err[256] = "";
    cr_assert_eq(read_text(&list, "7\n\n11\n", err, sizeof err), -EINVAL);
    cr_assert(strstr(err, "line 2") != NULL && strstr(err, "blank") != NULL, "%s", err);
}

Test(numlist, refuses_a_nul_byte_naming_its_line)
{
    struct numlist list;
    char err[256] = "";
    static const char input[] = "7\n1\0"
                                "3\n";
    cr_assert_eq(read_bytes(&list, input, sizeof input - 1, err, sizeof err), -EINVAL);
    cr_assert(strstr(err, "line 2") != NULL && strstr(err, "NUL") != NULL, "%s", err);
}
