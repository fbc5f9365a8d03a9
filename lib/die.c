#include "die.h"

#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

noreturn void die(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "%s: ", cli_program_name());
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(EXIT_FAILURE);
}

noreturn void die_errno(const char *call)
{
    die_error(call, errno);
}

noreturn void die_error(const char *call, int error)
{
    die("%s: %s", call, strerror(error < 0 ? -error : error));
}

void die_on_bug(const char *call, int error)
{
    if (error == 0)
        return;
    fprintf(stderr, "%s: %s: %s (a bug: this call cannot fail in a correct program)\n",
            cli_program_name(), call, strerror(error < 0 ? -error : error));
    abort();
}

void warn(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "%s: warning: ", cli_program_name());
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
}
