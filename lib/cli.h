/*
 * cli: the command-line conventions every conclab program shares.
 *
 * Exit statuses: 0 ok, 1 failure, 2 usage error, 77 unsupported environment,
 * 128+n killed by signal n. Every program answers --help (usage on stdout, exit 0)
 * and --version, and rejects bad input with one clear line on stderr and status 2.
 *
 * The cli_parse_* functions are pure and thread-safe, and return 0 or a negative errno
 * value like every library function of the kit. The cli_*_option, cli_usage_error,
 * cli_help and cli_version functions are for main() only: they print and exit.
 */
#ifndef CONCLAB_CLI_H
#define CONCLAB_CLI_H

#include <errno.h>
#include <stdint.h>
#include <stdnoreturn.h>

#define CONCLAB_VERSION "1.0.0"

#define EXIT_USAGE       2
#define EXIT_UNSUPPORTED 77

/* Why a number did not parse: 0 means it did, and each reason is its own negative errno
 * value, so that the result follows the kit's convention and strerror() still makes sense. */
enum cli_parse_error {
    CLI_PARSE_OK = 0,
    CLI_PARSE_EMPTY = -ENODATA,       /* NULL or "" */
    CLI_PARSE_NOT_A_NUMBER = -EINVAL, /* blanks, a '+', hex, trailing garbage, ... */
    CLI_PARSE_NEGATIVE = -EDOM,       /* a minus sign where only [min, max] >= 0 is allowed */
    CLI_PARSE_TOO_LARGE = -EOVERFLOW, /* beyond what the type holds */
    CLI_PARSE_OUT_OF_RANGE = -ERANGE, /* a number, but not in [min, max] */
};

/* Parses all of `text` as a decimal number in [min, max] into *out. No sign, blanks,
 * hex or trailing garbage. Returns 0 (CLI_PARSE_OK) or a negative enum cli_parse_error
 * saying why; *out is set only on success. */
int cli_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out);
int cli_parse_long(const char *text, long min, long max, long *out);

/* The same for a finite decimal like "0.5" or "3". */
int cli_parse_double(const char *text, double min, double max, double *out);

/* A phrase that completes "'<text>' ...", e.g. "is not a whole number", for a result of
 * the cli_parse_* functions. The string is static. */
const char *cli_parse_problem(int error);

/* Parse the value of `option` (e.g. "--threads") or exit 2 with a message such as
 * "procs: --threads: 'x' is not a whole number (expected 1 to 1024)". */
uint64_t cli_u64_option(const char *option, const char *text, uint64_t min, uint64_t max);
long cli_long_option(const char *option, const char *text, long min, long max);
double cli_double_option(const char *option, const char *text, double min, double max);

/* Prints "<program>: <message>" and "Try '<program> --help'." to stderr, exits 2. */
noreturn void cli_usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* For getopt in its quiet mode (an optstring that starts with ':', so that getopt prints
 * nothing itself): what to do when it returns '?' or ':'. `word` is argv[optind - 1].
 * One line naming the word ("unknown option '--bogus'", "'-1': a negative number is not
 * a valid value here", "option '--threads' needs a value"), then "Try ...", exit 2. */
noreturn void cli_unknown_option(const char *word);
noreturn void cli_missing_value(const char *word);

/* For main()'s getopt_long() loop in its quiet mode (an optstring ":hV..."): the cases
 * every program answers the same way, so that a switch ends with
 * `default: cli_other_option(opt, usage, argv);`. 'h' prints `usage` and exits 0
 * (cli_help), 'V' exits 0 (cli_version), ':' exits 2 (cli_missing_value), and anything
 * else, an unknown option, exits 2 (cli_unknown_option). */
noreturn void cli_other_option(int opt, const char *usage, char *const argv[]);

/* For main(), once getopt_long() is done: the optional count argument `name` (e.g.
 * "WORKERS") at argv[optind], from 1 to `max`; without it, the number of online CPUs
 * (at most max). Then, as cli_no_more_arguments() does, refuses any argument after it.
 * Bad usage exits 2. */
unsigned cli_count_argument(int argc, char *argv[], const char *name, unsigned max);

/* For main(), once getopt_long() is done: if an argument is left (argv[optind] and
 * on), prints "unexpected argument '...'" and exits 2. */
void cli_no_more_arguments(int argc, char *const argv[]);

/* The getopt_long() entries of --help and --version and the table's end: the last line
 * of every program's table of long options (it needs <getopt.h>). */
/* clang-format off */
#define CLI_HELP_OPTIONS \
    {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}, {0}
/* clang-format on */

/* Prints `usage` to stdout and exits 0. */
noreturn void cli_help(const char *usage);

/* Prints "<program> (conclab) <version>" and exits 0. */
noreturn void cli_version(void);

/* The program's name as invoked, without its directory (for messages). Static string. */
const char *cli_program_name(void);

#endif
