#include "csv.h"

#include <criterion/criterion.h>
#include <stdlib.h>

Test(csv, quotes_only_what_needs_quoting)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    cr_assert_not_null(out);
    const char *row[] = {"procs 4", "a,b", "say \"hi\"", "1.5"};
    cr_assert_eq(csv_write_comment(out, "machine: test"), 0);
    cr_assert_eq(csv_write_row(out, 4, row), 0);
    fclose(out);
    cr_assert_str_eq(text, "# machine: test\nprocs 4,\"a,b\",\"say \"\"hi\"\"\",1.5\n");
    free(text);
    char buf[32];
    cr_assert_str_eq(csv_format_double(buf, sizeof buf, 0.1234567), "0.123457");
}
