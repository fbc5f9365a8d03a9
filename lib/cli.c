#include "cli.h"

#include <ctype.h>
#include <errno.h> /* program_invocation_short_name (GNU) */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

const char *cli_program_name(void)
{
    return program_invocation_short_name;
}

const char *cli_parse_problem(int error)
{
    switch (error) {
    case CLI_PARSE_OK:
        return "is fine";
    case CLI_PARSE_EMPTY:
        return "is empty: a number was expected";
    case CLI_PARSE_NOT_A_NUMBER:
        return "is not a whole number";
    case CLI_PARSE_NEGATIVE:
        return "is negative";
    case CLI_PARSE_TOO_LARGE:
        return "is too large (above 2^64 - 1)";
    case CLI_PARSE_OUT_OF_RANGE:
        return "is out of range";
    default:
        return "is not valid";
    }
}

int cli_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    if (text == NULL || *text == '\0')
        return CLI_PARSE_EMPTY;
    if (*text == '-' && isdigit((unsigned char)text[1]))
        return CLI_PARSE_NEGATIVE;
    /* strtoull accepts blanks, signs and "0x": insist on plain digits first. */
    for (const char *p = text; *p != '\0'; p++)
        if (!isdigit((unsigned char)*p))
            return CLI_PARSE_NOT_A_NUMBER;

    errno = 0;
    unsigned long long value = strtoull(text, NULL, 10);
    if (errno == ERANGE)
        return CLI_PARSE_TOO_LARGE;
    if (value < min || value > max)
        return CLI_PARSE_OUT_OF_RANGE;
    *out = value;
    return CLI_PARSE_OK;
}

int cli_parse_long(const char *text, long min, long max, long *out)
{
    if (text == NULL || *text == '\0')
        return CLI_PARSE_EMPTY;
    const char *digits = (*text == '-') ? text + 1 : text;
    if (*digits == '\0')
        return CLI_PARSE_NOT_A_NUMBER;
    for (const char *p = digits; *p != '\0'; p++)
        if (!isdigit((unsigned char)*p))
            return CLI_PARSE_NOT_A_NUMBER;

    errno = 0;
    long value = strtol(text, NULL, 10);
    if (errno == ERANGE)
        return (*text == '-') ? CLI_PARSE_OUT_OF_RANGE : CLI_PARSE_TOO_LARGE;
    if (value < min || value > max)
        return (value < 0 && min >= 0) ? CLI_PARSE_NEGATIVE : CLI_PARSE_OUT_OF_RANGE;
    *out = value;
    return CLI_PARSE_OK;
}

int cli_parse_double(const char *text, double min, double max, double *out)
{
    if (text == NULL || *text == '\0')
        return CLI_PARSE_EMPTY;
    /* Only digits, one dot and a leading minus: no "inf", "nan", hex or exponents. */
    const char *p = (*text == '-') ? text + 1 : text;
    int digits = 0, dots = 0;
    for (; *p != '\0'; p++) {
        if (isdigit((unsigned char)*p))
            digits++;
        else if (*p == '.' && dots == 0)
            dots++;
        else
            return CLI_PARSE_NOT_A_NUMBER;
    }
    if (digits == 0)
        return CLI_PARSE_NOT_A_NUMBER;

    errno = 0;
    double value = strtod(text, NULL);
    if (errno == ERANGE || !isfinite(value))
        return CLI_PARSE_TOO_LARGE;
    if (value < min || value > max)
        return (value < 0 && min >= 0) ? CLI_PARSE_NEGATIVE : CLI_PARSE_OUT_OF_RANGE;
    *out = value;
    return CLI_PARSE_OK;
}

uint64_t cli_u64_option(const char *option, const char *text, uint64_t min, uint64_t max)
{
    uint64_t value = 0;
    int error = cli_parse_u64(text, min, max, &value);
    if (error != CLI_PARSE_OK)
        cli_usage_error("%s: '%s' %s (expected %llu to %llu)", option, text,
                        cli_parse_problem(error), (unsigned long long)min, (unsigned long long)max);
    return value;
}

long cli_long_option(const char *option, const char *text, long min, long max)
{
    long value = 0;
    int error = cli_parse_long(text, min, max, &value);
    if (error != CLI_PARSE_OK)
        cli_usage_error("%s: '%s' %s (expected %ld to %ld)", option, text, cli_parse_problem(error),
                        min, max);
    return value;
}

double cli_double_option(const char *option, const char *text, double min, double max)
{
    double value = 0;
    int error = cli_parse_double(text, min, max, &value);
    if (error != CLI_PARSE_OK)
        cli_usage_error("%s: '%s' %s (expected %g to %g)", option, text, cli_parse_problem(error),
                        min, max);
    return value;
}

noreturn void cli_unknown_option(const char *word)
{
    bool negative = word[0] == '-' && word[1] >= '0' && word[1] <= '9';
    if (negative)
        cli_usage_error("'%s': a negative number is not a valid value here", word);
    cli_usage_error("unknown option '%s'", word);
}

noreturn void cli_missing_value(const char *word)
{
    cli_usage_error("option '%s' needs a value", word);
}

noreturn void cli_other_option(int opt, const char *usage, char *const argv[])
{
    switch (opt) {
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

void cli_no_more_arguments(int argc, char *const argv[])
{
    if (optind < argc)
        cli_usage_error("unexpected argument '%s'", argv[optind]);
}

unsigned cli_count_argument(int argc, char *argv[], const char *name, unsigned max)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned count = cpus < 1 ? 1 : (unsigned long)cpus > max ? max : (unsigned)cpus;
    if (optind < argc)
        count = (unsigned)cli_u64_option(name, argv[optind++], 1, max);
    cli_no_more_arguments(argc, argv);
    return count;
}

noreturn void cli_usage_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "%s: ", cli_program_name());
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", cli_program_name());
    exit(EXIT_USAGE);
}

noreturn void cli_help(const char *usage)
{
    fputs(usage, stdout);
    exit(fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

noreturn void cli_version(void)
{
    printf("%s (conclab) %s\n", cli_program_name(), CONCLAB_VERSION);
    exit(fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
