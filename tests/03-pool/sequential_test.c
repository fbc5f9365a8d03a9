/*
 * Graded tests of lab 03, part A: the sequential baseline.
 */
#include "graded.h"
#include "harness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAB "03-pool"

struct expected {
    uint64_t n;
    bool prime;
};

static const struct expected chapter_numbers[] = {
    {2ULL, true},
    {142702110479723ULL, true},
    {299593572317531ULL, true},
    {3333333333333301ULL, true},
    {3333333333333333ULL, false},
    {3333335652092209ULL, false},
    {4444444444444423ULL, true},
    {4444444444444444ULL, false},
    {4444444488888889ULL, false},
    {5555553133149889ULL, false},
    {5555555555555503ULL, true},
    {5555555555555555ULL, false},
    {6666666666666666ULL, false},
    {6666666666666719ULL, true},
    {6666667141414921ULL, false},
    {7777777536340681ULL, false},
    {7777777777777753ULL, true},
    {7777777777777777ULL, false},
    {9999999999999917ULL, true},
    {9999999999999999ULL, false},
};

/* Edge cases: tiny numbers, squares of primes (the divisor is exactly the root), the
 * largest primes below 2^32, and 64-bit numbers with a small factor. */
static const struct expected edge_numbers[] = {
    {0, false},
    {1, false},
    {2, true},
    {3, true},
    {4, false},
    {9, false},
    {25, false},
    {49, false},
    {121, false},
    {4293001441ULL, false},           /* 65521^2: 65521 is the largest prime below 2^16 */
    {4294967291ULL, true},            /* the largest prime below 2^32 */
    {4294967279ULL, true},            /* the second largest */
    {4294967297ULL, false},           /* 2^32 + 1 = 641 * 6700417 */
    {18446744073709551615ULL, false}, /* 2^64 - 1 = 3 * 5 * 17 * ... */
    {18446744073709551614ULL, false},
    {9223372036854775809ULL, false}, /* 2^63 + 1 = 3 * 3 * 3 * 19 * ... */
};

/* One parsed result line: "<n right-aligned in 16> <P or blank> <seconds>s". */
static bool parse_result_line(const char *line, uint64_t *n, bool *prime)
{
    char flag;
    double seconds;
    char unit;
    /* The flag is one character, P or a blank, between single spaces. */
    const char *end = line + strlen(line);
    const char *s_pos = end - 1;
    if (end - line < 20 || *s_pos != 's')
        return false;
    if (sscanf(line, "%" SCNu64, n) != 1)
        return false;
    const char *after_number = line;
    while (*after_number == ' ')
        after_number++;
    while (*after_number >= '0' && *after_number <= '9')
        after_number++;
    if (after_number - line < 16 || after_number[0] != ' ' || after_number[2] != ' ')
        return false;
    flag = after_number[1];
    if (flag != 'P' && flag != ' ')
        return false;
    if (sscanf(after_number + 3, "%lf%c", &seconds, &unit) != 2 || unit != 's' || seconds < 0)
        return false;
    *prime = flag == 'P';
    return true;
}

/* Checks that output holds one well-formed line for each expected number, and no other
 * result line. */
static void assert_results(const char *output, const struct expected *want, size_t count,
                           const char *what)
{
    char *copy = strdup(output);
    cr_assert_not_null(copy);
    size_t *seen = calloc(count, sizeof *seen);
    size_t result_lines = 0;
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        uint64_t n;
        bool prime;
        if (!parse_result_line(line, &n, &prime))
            continue;
        result_lines++;
        size_t i = 0;
        while (i < count && want[i].n != n)
            i++;
        cr_assert(i < count, "%s: unexpected result line '%s'", what, line);
        cr_assert_eq(prime, want[i].prime, "%s: %" PRIu64 " is %s, but the line says '%s'", what, n,
                     want[i].prime ? "prime (expected a P)" : "not prime (expected no P)", line);
        seen[i]++;
    }
    for (size_t i = 0; i < count; i++)
        cr_assert_eq(seen[i], 1, "%s: expected one line for %" PRIu64 ", found %zu", what,
                     want[i].n, seen[i]);
    cr_assert_eq(result_lines, count, "%s: expected %zu result lines, found %zu", what, count,
                 result_lines);
    free(seen);
    free(copy);
}

static char *numbers_text(const struct expected *list, size_t count)
{
    size_t size = count * 24 + 1;
    char *text = calloc(1, size);
    for (size_t i = 0; i < count; i++)
        snprintf(text + strlen(text), size - strlen(text), "%" PRIu64 "\n", list[i].n);
    return text;
}

static struct run_result run_sequential(const char *const *args, const char *input)
{
    const char *argv[16] = {program_path(LAB, "sequential")};
    for (size_t i = 0; args[i] != NULL && i < 14; i++)
        argv[i + 1] = args[i];
    struct run_spec spec = {.argv = argv, .stdin_text = input, .timeout_s = 30};
    struct run_result result;
    cr_assert(run_program(&spec, &result), "could not start %s", argv[0]);
    cr_assert(!result.timed_out, "sequential did not finish within 30 s");
    return result;
}

GRADED(sequential, checks_the_20_numbers)
{
    struct run_result r = run_sequential((const char *[]){NULL}, NULL);
    cr_assert_eq(r.exit_code, 0, "expected exit status 0, got %d (stderr: %.200s)", r.exit_code,
                 r.err);
    assert_results(r.out, chapter_numbers, 20, "the chapter's 20 numbers");
    cr_assert(strstr(r.out, "Total time: ") != NULL, "expected a last line 'Total time: X.XXs'");
    run_result_free(&r);
}

GRADED(sequential, gets_the_edge_cases_right)
{
    size_t count = sizeof edge_numbers / sizeof edge_numbers[0];
    char *input = numbers_text(edge_numbers, count);
    struct run_result r = run_sequential((const char *[]){"--numbers", "-", NULL}, input);
    cr_assert_eq(r.exit_code, 0, "expected exit status 0 for valid numbers, got %d: %.200s",
                 r.exit_code, r.err);
    assert_results(r.out, edge_numbers, count, "edge cases read from stdin");
    free(input);
    run_result_free(&r);
}

GRADED(sequential, prints_the_chapter_format)
{
    struct run_result r = run_sequential((const char *[]){"--range", "10", "13", NULL}, NULL);
    cr_assert_eq(r.exit_code, 0, "expected exit status 0, got %s", run_describe_end(&r));
    const char *expected_prefix[] = {
        "              10   ",
        "              11 P ",
        "              12   ",
        "              13 P ",
    };
    const char *p = r.out;
    if (strncmp(p, "Checking", 8) == 0)
        p = strchr(p, '\n') + 1;
    for (size_t i = 0; i < 4; i++) {
        cr_assert(strncmp(p, expected_prefix[i], strlen(expected_prefix[i])) == 0,
                  "line %zu: expected it to start with '%s' (number right-aligned in 16 "
                  "columns, then P or a blank), got '%.40s'",
                  i + 1, expected_prefix[i], p);
        double seconds;
        int used = 0;
        cr_assert(sscanf(p + 19, "%lfs%n", &seconds, &used) == 1 && used > 0,
                  "line %zu: expected the elapsed seconds after the flag, got '%.40s'", i + 1, p);
        const char *dot = strchr(p + 19, '.');
        cr_assert(dot != NULL && strspn(dot + 1, "0123456789") == 6,
                  "line %zu: expected 6 decimals in the seconds, got '%.40s'", i + 1, p);
        p = strchr(p, '\n');
        cr_assert_not_null(p, "expected more lines");
        p++;
    }
    double total;
    cr_assert(sscanf(p, "Total time: %lfs", &total) == 1,
              "expected 'Total time: X.XXs' after the results, got '%.40s'", p);
    run_result_free(&r);
}

GRADED(sequential, checks_every_number_of_a_range)
{
    struct run_result r = run_sequential((const char *[]){"--range", "20", "40", NULL}, NULL);
    cr_assert_eq(r.exit_code, 0, "expected exit status 0, got %s", run_describe_end(&r));
    struct expected want[21];
    for (uint64_t n = 20; n <= 40; n++) {
        bool prime = n == 23 || n == 29 || n == 31 || n == 37;
        want[n - 20] = (struct expected){n, prime};
    }
    assert_results(r.out, want, 21, "--range 20 40");
    run_result_free(&r);
}

/* Each bad input must be refused with status 2 and a message on stderr. */
static void assert_rejected(const char *const *args, const char *input, const char *must_say,
                            const char *why)
{
    struct run_result r = run_sequential(args, input);
    cr_assert_eq(r.exit_code, 2, "%s: expected exit status 2, got %d", why, r.exit_code);
    cr_assert(r.err_len > 0, "%s: expected an error message on stderr", why);
    if (must_say != NULL)
        cr_assert(strstr(r.err, must_say) != NULL,
                  "%s: expected the message to say '%s', got '%.200s'", why, must_say, r.err);
    cr_assert(count_substr(r.out, "Total time") == 0,
              "%s: expected no results before the error, got '%.200s'", why, r.out);
    run_result_free(&r);
}

GRADED(sequential, rejects_bad_input)
{
    const char *from_stdin[] = {"--numbers", "-", NULL};
    assert_rejected(from_stdin, "12\nabc\n", "line 2", "a line that is not a number");
    assert_rejected(from_stdin, "7\n-5\n", "line 2", "a negative number");
    assert_rejected(from_stdin, "18446744073709551616\n", "line 1", "a number above 2^64-1");
    assert_rejected(from_stdin, "", NULL, "an empty input");
    assert_rejected((const char *[]){"--numbers", "/nonexistent/numbers.txt", NULL}, NULL,
                    "numbers.txt", "a file that does not exist");
    assert_rejected((const char *[]){"--range", "9", NULL}, NULL, NULL, "--range with one bound");
    assert_rejected((const char *[]){"--range", "9", "x", NULL}, NULL, NULL,
                    "--range with garbage");
    assert_rejected((const char *[]){"--bogus", NULL}, NULL, NULL, "an unknown option");

    struct run_result help = run_sequential((const char *[]){"--help", NULL}, NULL);
    cr_assert_eq(help.exit_code, 0, "--help: expected exit status 0, got %d", help.exit_code);
    cr_assert(strstr(help.out, "Usage") != NULL, "--help: expected a usage text on stdout");
    run_result_free(&help);
}
