#include "numlist.h"

#include "cli.h"
#include "die.h"
#include "primes.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static int reserve(struct numlist *list, size_t count)
{
    uint64_t *values = realloc(list->values, (count ? count : 1) * sizeof *values);
    if (values == NULL)
        return -ENOMEM;
    list->values = values;
    return 0;
}

int numlist_default(struct numlist *list)
{
    *list = (struct numlist){0};
    if (reserve(list, PRIMES_NUMBERS_COUNT) < 0)
        return -ENOMEM;
    memcpy(list->values, PRIMES_NUMBERS, sizeof PRIMES_NUMBERS);
    list->count = PRIMES_NUMBERS_COUNT;
    return 0;
}

int numlist_range(struct numlist *list, uint64_t first, uint64_t last)
{
    *list = (struct numlist){0};
    if (first > last || last - first >= NUMLIST_MAX_COUNT)
        return -EINVAL;
    size_t count = (size_t)(last - first) + 1;
    if (reserve(list, count) < 0)
        return -ENOMEM;
    for (size_t i = 0; i < count; i++)
        list->values[i] = first + i;
    list->count = count;
    return 0;
}

/* Cuts the blanks around a line in place. */
static char *trim(char *line)
{
    size_t len = strlen(line);
    while (len > 0 && strchr(" \t\r\n", line[len - 1]) != NULL)
        line[--len] = '\0';
    while (*line == ' ' || *line == '\t')
        line++;
    return line;
}

int numlist_read(struct numlist *list, FILE *in, const char *name, char *err, size_t err_size)
{
    *list = (struct numlist){0};
    size_t capacity = 0;
    char *line = NULL;
    size_t line_size = 0;
    size_t line_no = 0;
    size_t blank_since = 0; /* the first of the blank lines read since the last number */
    int result = 0;
    ssize_t got;

    while ((got = getline(&line, &line_size, in)) >= 0) {
        line_no++;
        if (memchr(line, '\0', (size_t)got) != NULL) {
            snprintf(err, err_size,
                     "%s: line %zu: holds a NUL byte, which is not part of a "
                     "number",
                     name, line_no);
            result = -EINVAL;
            break;
        }
        char *text = trim(line);
        if (*text == '\0') {
            /* Blank lines may end the input (an editor's final newline, say); between
             * numbers they are a mistake, reported when the next number comes. */
            if (blank_since == 0)
                blank_since = line_no;
            continue;
        }
        if (blank_since != 0) {
            snprintf(err, err_size,
                     "%s: line %zu: a blank line among the numbers (one "
                     "number per line)",
                     name, blank_since);
            result = -EINVAL;
            break;
        }
        uint64_t value;
        int parse = cli_parse_u64(text, 0, UINT64_MAX, &value);
        if (parse != 0) {
            snprintf(err, err_size, "%s: line %zu: '%.40s' %s", name, line_no, text,
                     cli_parse_problem(parse));
            result = -EINVAL;
            break;
        }
        if (list->count == NUMLIST_MAX_COUNT) {
            snprintf(err, err_size, "%s: line %zu: more than %d numbers", name, line_no,
                     NUMLIST_MAX_COUNT);
            result = -E2BIG;
            break;
        }
        if (list->count == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            if (reserve(list, capacity) < 0) {
                snprintf(err, err_size, "%s: out of memory", name);
                result = -ENOMEM;
                break;
            }
        }
        list->values[list->count++] = value;
    }
    if (result == 0 && ferror(in)) {
        result = -errno;
        snprintf(err, err_size, "%s: read error: %s", name, strerror(errno));
    }
    if (result == 0 && list->count == 0) {
        snprintf(err, err_size, "%s: no numbers to check (the input is empty)", name);
        result = -ENODATA;
    }
    free(line);
    if (result != 0)
        numlist_free(list);
    return result;
}

/* Opens `path` ("-" means standard input) and reads it as numlist_read() does. */
static int read_path(struct numlist *list, const char *path, char *err, size_t err_size)
{
    *list = (struct numlist){0};
    if (strcmp(path, "-") == 0)
        return numlist_read(list, stdin, "<stdin>", err, err_size);

    FILE *in = fopen(path, "r");
    if (in == NULL) {
        int saved = errno;
        snprintf(err, err_size, "%s: %s", path, strerror(saved));
        return -saved;
    }
    int result = numlist_read(list, in, path, err, err_size);
    fclose(in);
    return result;
}

void numlist_free(struct numlist *list)
{
    free(list->values);
    *list = (struct numlist){0};
}

bool numlist_option(struct numlist_source *source, int opt, int argc, char *argv[])
{
    if (opt == 'n') {
        source->path = optarg;
        return true;
    }
    if (opt != 'r')
        return false;
    source->first = optarg;
    source->last = optind < argc ? argv[optind++] : NULL;
    return true;
}

void numlist_from_options(struct numlist *list, const struct numlist_source *source)
{
    const char *path = source->path, *first = source->first, *last = source->last;
    if (path != NULL && first != NULL)
        cli_usage_error("--numbers and --range cannot be used together");

    int result;
    if (path != NULL) {
        char err[256];
        result = read_path(list, path, err, sizeof err);
        if (result == -ENOMEM)
            die("%s", err);
        if (result < 0) {
            fprintf(stderr, "%s: %s\n", cli_program_name(), err);
            exit(EXIT_USAGE);
        }
        return;
    }
    if (first != NULL) {
        if (last == NULL)
            cli_usage_error("--range needs two numbers: --range FIRST LAST");
        uint64_t a = cli_u64_option("--range", first, 0, UINT64_MAX);
        uint64_t b = cli_u64_option("--range", last, 0, UINT64_MAX);
        if (a > b)
            cli_usage_error("--range %s %s: FIRST is greater than LAST", first, last);
        if (b - a >= NUMLIST_MAX_COUNT)
            cli_usage_error("--range %s %s: more than %d numbers", first, last, NUMLIST_MAX_COUNT);
        result = numlist_range(list, a, b);
    } else {
        result = numlist_default(list);
    }
    if (result < 0)
        die_error("numlist", result);
}
