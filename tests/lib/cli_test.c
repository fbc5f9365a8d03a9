#include "cli.h"

#include <criterion/criterion.h>
#include <stdint.h>

Test(cli, parses_plain_numbers_only)
{
    uint64_t v = 0;
    cr_assert_eq(cli_parse_u64("42", 0, 100, &v), CLI_PARSE_OK);
    cr_assert_eq(v, 42);
    cr_assert_eq(cli_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), CLI_PARSE_OK);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(cli_parse_u64("", 0, 9, &v), CLI_PARSE_EMPTY);
    cr_assert_eq(cli_parse_u64("4x", 0, 9, &v), CLI_PARSE_NOT_A_NUMBER);
    cr_assert_eq(cli_parse_u64(" 4", 0, 9, &v), CLI_PARSE_NOT_A_NUMBER);
    cr_assert_eq(cli_parse_u64("+4", 0, 9, &v), CLI_PARSE_NOT_A_NUMBER);
    cr_assert_eq(cli_parse_u64("0x10", 0, 99, &v), CLI_PARSE_NOT_A_NUMBER);
    cr_assert_eq(cli_parse_u64("-1", 0, 9, &v), CLI_PARSE_NEGATIVE);
    cr_assert_eq(cli_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), CLI_PARSE_TOO_LARGE);
    cr_assert_eq(cli_parse_u64("0", 1, 1024, &v), CLI_PARSE_OUT_OF_RANGE);
    cr_assert_eq(cli_parse_u64("1025", 1, 1024, &v), CLI_PARSE_OUT_OF_RANGE);
}

Test(cli, parses_signed_and_decimal_numbers)
{
    long l = 0;
    cr_assert_eq(cli_parse_long("-5", -10, 10, &l), CLI_PARSE_OK);
    cr_assert_eq(l, -5);
    cr_assert_eq(cli_parse_long("-5", 0, 10, &l), CLI_PARSE_NEGATIVE);
    cr_assert_eq(cli_parse_long("-", 0, 10, &l), CLI_PARSE_NOT_A_NUMBER);
    cr_assert_eq(cli_parse_long("99999999999999999999", 0, 10, &l), CLI_PARSE_TOO_LARGE);
    double d = 0;
    cr_assert_eq(cli_parse_double("0.25", 0, 1, &d), CLI_PARSE_OK);
    cr_assert_float_eq(d, 0.25, 1e-12);
    cr_assert_eq(cli_parse_double("3", 0, 10, &d), CLI_PARSE_OK);
    cr_assert_eq(cli_parse_double("nan", 0, 10, &d), CLI_PARSE_NOT_A_NUMBER);
    cr_assert_eq(cli_parse_double("1e3", 0, 10, &d), CLI_PARSE_NOT_A_NUMBER);
    cr_assert_eq(cli_parse_double("1.2.3", 0, 10, &d), CLI_PARSE_NOT_A_NUMBER);
    cr_assert_eq(cli_parse_double("-0.5", 0, 10, &d), CLI_PARSE_NEGATIVE);
    cr_assert_eq(cli_parse_double("11", 0, 10, &d), CLI_PARSE_OUT_OF_RANGE);
}

Test(cli, bad_option_values_exit_2, .exit_code = 2)
{
    cli_u64_option("--workers", "zero", 1, 1024);
}
