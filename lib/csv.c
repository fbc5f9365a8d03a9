#include "csv.h"

#include <string.h>

static int write_field(FILE *out, const char *field)
{
    if (strpbrk(field, ",\"\r\n") == NULL)
        return fputs(field, out) < 0 ? -1 : 0;

    if (fputc('"', out) == EOF)
        return -1;
    for (const char *p = field; *p != '\0'; p++) {
        if (*p == '"' && fputc('"', out) == EOF)
            return -1;
        if (fputc(*p, out) == EOF)
            return -1;
    }
    return fputc('"', out) == EOF ? -1 : 0;
}

int csv_write_comment(FILE *out, const char *text)
{
    return fprintf(out, "# %s\n", text) < 0 ? -1 : 0;
}

int csv_write_row(FILE *out, size_t count, const char *const fields[])
{
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && fputc(',', out) == EOF)
            return -1;
        if (write_field(out, fields[i]) < 0)
            return -1;
    }
    return fputc('\n', out) == EOF ? -1 : 0;
}

const char *csv_format_double(char *buf, size_t size, double value)
{
    snprintf(buf, size, "%.6f", value);
    return buf;
}
