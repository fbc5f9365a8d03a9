/*
 * Graded tests of lab 03, part A: the sequential baseline.
 */
#include "graded.h"
#include "harness.h"
#include "pool_util.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Checks that output holds one well-formed line for each expected number, and no other
 * result line. A line the tests cannot read is quoted, with the format it should have. */
static void assert_results(const char *output, const struct expected *want, size_t count,
                           const char *what)
{
    char *copy = strdup(output);
    cr_assert_not_null(copy);
    size_t *seen = calloc(count, sizeof *seen);
    size_t result_lines = 0;
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        struct pool_line parsed;
        if (!pool_parse_line(line, &parsed))
            continue;
        result_lines++;
        size_t i = 0;
        while (i < count && want[i].n != parsed.n)
            i++;
        cr_assert(i < count, "%s: a result line for a number not in the input: '%s'", what, line);
        cr_assert_eq(parsed.prime, want[i].prime, "%s: %" PRIu64 " is %s, but its line says '%s'",
                     what, parsed.n,
                     want[i].prime ? "prime (expected a P)" : "not prime (expected no P)", line);
        seen[i]++;
    }
    for (size_t i = 0; i < count; i++) {
        char unread[128];
        const char *line = pool_unreadable_line(output, want[i].n, unread, sizeof unread);
        cr_assert(seen[i] != 0 || line == NULL,
                  "%s: expected one result line for %" PRIu64 "; there is a line for it, '%s', "
                  "but not in the format of the handout: %s",
                  what, want[i].n, line, POOL_LINE_FORMAT);
        cr_assert_eq(seen[i], 1,
                     "%s: expected one result line for %" PRIu64 ", found %zu (%zu result lines "
                     "in all): %s",
                     what, want[i].n, seen[i], result_lines,
                     seen[i] == 0 ? "is every number of the input checked and printed, or did "
                                    "the program end early (an exit() in the loop)?"
                                  : "a line printed twice: is a number checked twice, or "
                                    "does a forked child carry on with the parent's work?");
    }
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
    struct run_spec spec = {.argv = argv, .stdin_text = input, .timeout_s = 10};
    struct run_result result;
    cr_assert(run_program(&spec, &result), "could not start %s", argv[0]);
    cr_assert(!result.timed_out,
              "sequential timed out: still running after 10 s (an endless loop, a deadlock, "
              "or a read of stdin nobody asked for?); its output ended with: %.200s",
              result.out_len > 200 ? result.out + result.out_len - 200 : result.out);
    return result;
}

/* Fails unless the run ended with exit status `code`; says how it ended instead. */
static void assert_exit_status(const struct run_result *r, int code, const char *what)
{
    cr_assert(r->exited && r->exit_code == code,
              "%s: expected exit status %d, got %s%s (stderr: %.200s)", what, code,
              run_describe_end(r),
              !r->signaled           ? ""
              : r->signal == SIGXFSZ ? ": it wrote more than the tests' output cap (8 MiB), "
                                       "an endless loop that prints?"
                                     : ": it crashed",
              r->err);
}

GRADED(sequential, checks_the_20_numbers)
{
    struct run_result r = run_sequential((const char *[]){NULL}, NULL);
    assert_exit_status(&r, 0, "sequential, the chapter's 20 numbers");
    assert_results(r.out, chapter_numbers, 20, "the chapter's 20 numbers");
    cr_assert(strstr(r.out, "Total time: ") != NULL,
              "expected a last line 'Total time: X.XXs', but the output has none (is it printed, "
              "and is stdout flushed before the program ends? _exit() skips stdio's flush): "
              "%.200s",
              r.out_len > 200 ? r.out + r.out_len - 200 : r.out);
    run_result_free(&r);
}

GRADED(sequential, gets_the_edge_cases_right)
{
    size_t count = sizeof edge_numbers / sizeof edge_numbers[0];
    char *input = numbers_text(edge_numbers, count);
    struct run_result r = run_sequential((const char *[]){"--numbers", "-", NULL}, input);
    assert_exit_status(&r, 0, "sequential --numbers - with valid numbers");
    assert_results(r.out, edge_numbers, count, "edge cases read from stdin");
    free(input);
    run_result_free(&r);
}

/* The line that starts at p, for messages (cut at 60 characters). */
static const char *line_at(const char *p)
{
    static char line[64];
    size_t len = strcspn(p, "\n");
    snprintf(line, sizeof line, "%.*s", (int)(len < 60 ? len : 60), p);
    return line;
}

GRADED(sequential, prints_the_chapter_format)
{
    struct run_result r = run_sequential((const char *[]){"--range", "10", "13", NULL}, NULL);
    assert_exit_status(&r, 0, "sequential --range 10 13");
    const char *p = r.out;
    if (strncmp(p, "Checking", 8) == 0)
        p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != '\0');
    for (uint64_t n = 10; n <= 13; n++) {
        bool prime = n == 11 || n == 13;
        char *line = strndup(p, strcspn(p, "\n"));
        struct pool_line l;
        cr_assert(pool_parse_line(line, &l),
                  "line %d: expected the result line of %" PRIu64 " (%s), got '%s'", (int)(n - 9),
                  n, POOL_LINE_FORMAT, line_at(p));
        cr_assert(l.n == n,
                  "line %d: expected the result of %" PRIu64 " (the numbers in input "
                  "order, one after another), got '%s'",
                  (int)(n - 9), n, line_at(p));
        cr_assert(l.number_end == 16,
                  "line %d: expected the number right-aligned in 16 columns (its last digit in "
                  "column 16, as printf's %%16 puts it), but it ends in column %d: '%s'",
                  (int)(n - 9), l.number_end, line_at(p));
        cr_assert(l.prime == prime, "line %d: %" PRIu64 " is %s: expected %s, got '%s'",
                  (int)(n - 9), n, prime ? "prime" : "not prime",
                  prime ? "a P after it" : "a blank after it", line_at(p));
        cr_assert(l.decimals == 6,
                  "line %d: expected the seconds with 6 decimals, then 's' (printf's %%9.6f), "
                  "got %d decimals: '%s'",
                  (int)(n - 9), l.decimals, line_at(p));
        cr_assert(!l.has_worker, "line %d: sequential has no workers, but the line names one: '%s'",
                  (int)(n - 9), line_at(p));
        free(line);
        p += strcspn(p, "\n");
        cr_assert(*p == '\n', "expected more lines after '%s'", line_at(p));
        p++;
    }
    double total;
    cr_assert(sscanf(p, "Total time: %lfs", &total) == 1,
              "expected 'Total time: X.XXs' after the results, got '%s' (is it printed, and "
              "is stdout flushed before the program ends? _exit() skips stdio's flush)",
              line_at(p));
    run_result_free(&r);
}

GRADED(sequential, checks_every_number_of_a_range)
{
    struct run_result r = run_sequential((const char *[]){"--range", "20", "40", NULL}, NULL);
    assert_exit_status(&r, 0, "sequential --range 20 40");
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
    cr_assert(r.exited && r.exit_code == 2,
              "%s: expected exit status 2 (bad input), got %s: numlist_from_options() reports "
              "bad input and exits 2 for you",
              why, run_describe_end(&r));
    cr_assert(r.err_len > 0, "%s: expected an error message on stderr, got none", why);
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
    assert_exit_status(&help, 0, "sequential --help");
    cr_assert(strstr(help.out, "Usage") != NULL, "--help: expected a usage text on stdout");
    run_result_free(&help);
}
