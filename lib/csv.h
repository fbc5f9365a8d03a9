/*
 * csv: benchmark rows in RFC 4180 CSV, for the scripts that plot them.
 *
 * A field with a comma, a quote or a line break is quoted, quotes doubled.
 * Not thread-safe on a shared FILE without external locking.
 */
#ifndef CONCLAB_CSV_H
#define CONCLAB_CSV_H

#include <stddef.h>
#include <stdio.h>

/* Writes "# <text>" and a newline: a comment line the plot scripts skip. Returns 0 or -1. */
int csv_write_comment(FILE *out, const char *text);

/* Writes `count` fields as one row ending in "\n". Returns 0, or -1 if a write failed. */
int csv_write_row(FILE *out, size_t count, const char *const fields[]);

/* Formats a double the way the scripts expect ("%.6f"), into buf. Returns buf. */
const char *csv_format_double(char *buf, size_t size, double value);

#endif
