/*
 * transfer: threads move money between accounts while an auditor checks that the
 * total never changes. A deadlock hangs the program; a transfer that is not one step
 * shows up as an audit that finds money missing or doubled, and one that moves its
 * money the wrong way as an account whose balance at the end is not what the transfers
 * made it.
 *
 * Thread t makes TRANSFERS transfers of 1 to 10 between accounts picked by its own
 * pseudo-random sequence (the same every run). With two accounts and two threads,
 * thread 0 always moves money from account 0 to account 1 and thread 1 the other
 * way: the textbook deadlock.
 *
 * Main audits between short pauses, as an auditor would, not in a tight loop: a tight
 * loop would hold the locks nearly all the time, and starve transfers that back off.
 * With --progress MS, a reporter thread prints the number of completed transfers every
 * MS milliseconds: a count that stops means no transfer can complete any more (a
 * deadlock, or a livelock), one that crawls means they complete, slowly.
 *
 * This file is the lab's checker: the transfers themselves are in bank.c.
 */
#include "bank.h"
#include "cli.h"
#include "clock.h"
#include "delay.h"
#include "die.h"

#include <getopt.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_THREADS  64
#define MAX_ACCOUNTS 64
#define OPENING      1000L /* the opening balance of every account */
#define AUDIT_PAUSE  100   /* microseconds between two audits */

struct shared {
    struct account accounts[MAX_ACCOUNTS];
    unsigned account_count; /* fixed before the threads start */
    long transfers;         /* per thread; likewise */
    long total;             /* likewise: transfers by every thread together */
    long progress_ms;       /* likewise: the reporter's period, 0 for no reporter */
    atomic_int running;     /* transfer threads not finished yet */
    atomic_long completed;  /* transfers completed, by every thread */
};

struct mover {
    struct shared *shared;
    unsigned index;
    long moved[MAX_ACCOUNTS]; /* what this thread's transfers added to each account */
};

static const char *const delay_points[] = {"between", NULL};

static const char usage[] =
    "Usage: transfer [--threads T] [--accounts A] [--transfers N] [--progress MS]\n"
    "                [--delay POINT=US]...\n"
    "Move money between A accounts with T threads, N transfers each, while an auditor\n"
    "checks that the total never changes; at the end, each account must hold what the\n"
    "transfers made it.\n"
    "\n"
    "  --threads T        transfer threads, 1 to 64 (default 2)\n"
    "  --accounts A       accounts, 2 to 64 (default 2)\n"
    "  --transfers N      transfers per thread, 1 to 10000000 (default 100000)\n"
    "  --progress MS      print the number of completed transfers every MS ms\n"
    "                     (1 to 60000): does it stop, or only slow down?\n"
    "  --delay POINT=US   pause US microseconds at a point, to widen a race window:\n"
    "                       between  a transfer, between taking its two locks\n"
    "  -h, --help         show this help and exit\n"
    "  -V, --version      show the version and exit\n"
    "\n"
    "Exit status: 0 the money added up, 1 it did not, 2 bad usage.\n"
    "A deadlock makes it hang: stop it with Ctrl-C.\n";

/* xorshift64: a small, fast pseudo-random sequence, private to each thread. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static void *move_money(void *arg)
{
    struct mover *m = arg;
    struct shared *s = m->shared;
    char name[16]; /* shown by gdb, top -H and /proc: "mover 3" */
    snprintf(name, sizeof name, "mover %u", m->index);
    pthread_setname_np(pthread_self(), name); /* only a name: a failure does not matter */
    uint64_t state = 0x9E3779B97F4A7C15ULL * (m->index + 1);
    for (long i = 0; i < s->transfers; i++) {
        unsigned from, to;
        if (s->account_count == 2) {
            from = m->index % 2; /* even threads 0 -> 1, odd threads 1 -> 0 */
            to = 1 - from;
        } else {
            from = (unsigned)(next_random(&state) % s->account_count);
            to = (from + 1 + (unsigned)(next_random(&state) % (s->account_count - 1))) %
                 s->account_count;
        }
        long amount = 1 + (long)(next_random(&state) % 10);
        bank_transfer(&s->accounts[from], &s->accounts[to], amount);
        m->moved[from] -= amount; /* private to this thread: main reads it after join */
        m->moved[to] += amount;
        atomic_fetch_add(&s->completed, 1);
    }
    atomic_fetch_sub(&s->running, 1);
    return NULL;
}

/* Prints how many transfers have completed, every progress_ms, until none is running.
 * It takes no lock, so it keeps reporting while the other threads are stuck. */
static void *report_progress(void *arg)
{
    struct shared *s = arg;
    pthread_setname_np(pthread_self(), "reporter");
    while (atomic_load(&s->running) > 0) {
        printf("progress: %ld of %ld transfers\n", atomic_load(&s->completed), s->total);
        if (fflush(stdout) != 0)
            die_errno("stdout");
        die_on_bug("clock_nanosleep", clock_sleep_ns(s->progress_ms * CLOCK_NS_PER_MS));
    }
    return NULL;
}

static void start(pthread_t *thread, void *(*body)(void *), void *arg)
{
    int error = pthread_create(thread, NULL, body, arg);
    if (error != 0)
        die_error("pthread_create", error);
}

static void join(pthread_t thread)
{
    int error = pthread_join(thread, NULL);
    if (error != 0)
        die_error("pthread_join", error);
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        {"threads", required_argument, NULL, 't'},   {"accounts", required_argument, NULL, 'a'},
        {"transfers", required_argument, NULL, 'n'}, {"progress", required_argument, NULL, 'p'},
        {"delay", required_argument, NULL, 'd'},     CLI_HELP_OPTIONS,
    };
    long threads = 2, accounts = 2, transfers = 100000, progress_ms = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":hV", options, NULL)) != -1) {
        switch (opt) {
        case 't':
            threads = cli_long_option("--threads", optarg, 1, MAX_THREADS);
            break;
        case 'a':
            accounts = cli_long_option("--accounts", optarg, 2, MAX_ACCOUNTS);
            break;
        case 'n':
            transfers = cli_long_option("--transfers", optarg, 1, 10000000);
            break;
        case 'p':
            progress_ms = cli_long_option("--progress", optarg, 1, 60000);
            break;
        case 'd':
            delay_option(optarg, delay_points);
            break;
        default:
            cli_other_option(opt, usage, argv);
        }
    }
    cli_no_more_arguments(argc, argv);

    static struct shared shared;
    shared.account_count = (unsigned)accounts;
    shared.transfers = transfers;
    shared.total = transfers * threads;
    shared.progress_ms = progress_ms;
    for (unsigned i = 0; i < shared.account_count; i++) {
        int error = bank_open(&shared.accounts[i], i, OPENING);
        if (error < 0)
            die_error("bank_open", error);
    }
    long expected = OPENING * accounts;
    atomic_init(&shared.running, (int)threads);
    atomic_init(&shared.completed, 0);

    printf("Moving money between %ld accounts with %ld threads, %ld transfers each:\n", accounts,
           threads, transfers);
    fflush(stdout);
    double t0 = clock_seconds();
    pthread_t movers[MAX_THREADS], reporter;
    struct mover args[MAX_THREADS];
    for (long i = 0; i < threads; i++) {
        args[i] = (struct mover){.shared = &shared, .index = (unsigned)i};
        start(&movers[i], move_money, &args[i]);
    }
    if (progress_ms > 0)
        start(&reporter, report_progress, &shared);

    /* Main is the auditor: it checks the total while the transfers run. */
    long audits = 0, wrong_audits = 0, first_wrong = 0;
    while (atomic_load(&shared.running) > 0) {
        long total = bank_audit(shared.accounts, shared.account_count);
        audits++;
        if (total != expected && wrong_audits++ == 0)
            first_wrong = total;
        die_on_bug("clock_nanosleep", clock_sleep_ns(AUDIT_PAUSE * CLOCK_NS_PER_US));
    }
    for (long i = 0; i < threads; i++)
        join(movers[i]);
    if (progress_ms > 0)
        join(reporter);
    long final_total = bank_audit(shared.accounts, shared.account_count);
    /* Each account must hold its opening balance plus what every transfer moved into
     * it, less what every transfer moved out: a right total alone does not show a
     * transfer that moved its money the wrong way. */
    unsigned wrong_accounts = 0, first_account = 0;
    long first_expected = 0;
    for (unsigned a = 0; a < shared.account_count; a++) {
        long balance = OPENING;
        for (long i = 0; i < threads; i++)
            balance += args[i].moved[a];
        if (shared.accounts[a].balance != balance && wrong_accounts++ == 0) {
            first_account = a;
            first_expected = balance;
        }
    }

    printf("audits: %ld during the run, %ld found a wrong total", audits, wrong_audits);
    if (wrong_audits > 0)
        printf(" (the first: %ld, expected %ld)", first_wrong, expected);
    printf("\ntotal: %ld at the end, expected %ld\n", final_total, expected);
    if (wrong_accounts == 0)
        printf("balances: all %u as expected\n", shared.account_count);
    else
        printf("balances: %u of %u wrong (account %u holds %ld, expected %ld)\n", wrong_accounts,
               shared.account_count, first_account, shared.accounts[first_account].balance,
               first_expected);
    printf("Total time: %.2fs\n", clock_seconds() - t0);
    for (unsigned i = 0; i < shared.account_count; i++)
        bank_close(&shared.accounts[i]);
    bool ok = wrong_audits == 0 && final_total == expected && wrong_accounts == 0;
    if (fflush(stdout) != 0)
        die_errno("stdout");
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
