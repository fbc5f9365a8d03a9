#include "spinner_cli.h"

#include "cli.h"
#include "die.h"
#include "primes.h"
#include "trace.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void spinner_cli_parse(int argc, char *argv[], const char *usage, int flags,
                       struct spinner_options *opts)
{
    enum {
        OPT_SECONDS = 256,
        OPT_SLOW,
        OPT_PRIME,
        OPT_BLOCKING,
        OPT_NAP,
        OPT_NAP_EVERY,
        OPT_TRACE
    };
    static const struct option basic[] = {
        {"seconds", required_argument, NULL, OPT_SECONDS},
        {"slow", required_argument, NULL, OPT_SLOW},
        {"prime", required_argument, NULL, OPT_PRIME},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {0},
    };
    static const struct option cooperative[] = {
        {"seconds", required_argument, NULL, OPT_SECONDS},
        {"slow", required_argument, NULL, OPT_SLOW},
        {"prime", required_argument, NULL, OPT_PRIME},
        {"blocking", no_argument, NULL, OPT_BLOCKING},
        {"nap", no_argument, NULL, OPT_NAP},
        {"nap-every", required_argument, NULL, OPT_NAP_EVERY},
        {"trace", required_argument, NULL, OPT_TRACE},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {0},
    };
    *opts = (struct spinner_options){
        .seconds = SPINNER_DEFAULT_SECONDS,
        .slow = SPINNER_SLOW_SLEEP,
        .prime = PRIMES_SLOW_PRIME,
        .nap_every = SPINNER_DEFAULT_NAP_EVERY,
    };
    bool nap_every_given = false, prime_given = false;
    const char *trace_path = NULL;
    const struct option *options = (flags & SPINNER_CLI_COOPERATIVE) ? cooperative : basic;

    opterr = 0; /* we print our own one-line message */
    int opt;
    while ((opt = getopt_long(argc, argv, ":hV", options, NULL)) != -1) {
        switch (opt) {
        case OPT_SECONDS:
            opts->seconds = cli_double_option("--seconds", optarg, 0, SPINNER_MAX_SECONDS);
            break;
        case OPT_SLOW:
            if (strcmp(optarg, "sleep") == 0)
                opts->slow = SPINNER_SLOW_SLEEP;
            else if (strcmp(optarg, "prime") == 0)
                opts->slow = SPINNER_SLOW_PRIME;
            else
                cli_usage_error("--slow: '%s' is not 'sleep' or 'prime'", optarg);
            break;
        case OPT_PRIME:
            opts->prime = cli_u64_option("--prime", optarg, 0, UINT64_MAX);
            prime_given = true;
            break;
        case OPT_BLOCKING:
            opts->blocking = true;
            break;
        case OPT_NAP:
            opts->nap = true;
            break;
        case OPT_NAP_EVERY:
            opts->nap_every = cli_u64_option("--nap-every", optarg, 1, UINT64_MAX);
            nap_every_given = true;
            break;
        case OPT_TRACE:
            trace_path = optarg;
            break;
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
    if (optind < argc)
        cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (prime_given && opts->slow != SPINNER_SLOW_PRIME)
        cli_usage_error("--prime needs --slow=prime");
    if (opts->nap && opts->slow != SPINNER_SLOW_PRIME)
        cli_usage_error("--nap needs --slow=prime (it makes the prime check cooperative)");
    if (nap_every_given && !opts->nap)
        cli_usage_error("--nap-every needs --nap");
    if (opts->blocking && opts->slow != SPINNER_SLOW_SLEEP)
        cli_usage_error("--blocking applies to --slow=sleep only");
    int err = trace_path != NULL ? trace_start(trace_path, argc, argv, cli_program_name()) : 0;
    if (err < 0)
        die_error(trace_path, err); /* exit 1: a failure, not bad usage */
}

void spinner_report_prime(const struct spinner_prime_check *check)
{
    if (!check->done)
        return;
    printf("%" PRIu64 " is %s (checked in %.2fs)\n", check->n, check->prime ? "prime" : "not prime",
           check->seconds);
    fflush(stdout);
}
