/*
 * hygiene: what every lab program owes the machine it runs on, checked on sequential.
 *
 * A program that leaves processes behind, keeps file descriptors it does not need, or
 * waits for input nobody announced works on the student's terminal and breaks in a
 * pipeline or a server. These helpers run the program with its stdout into a small pipe
 * (so it can be caught in the middle of its output) and its stdin from a pipe that
 * never ends (so reading it blocks, as on a terminal nobody types into).
 */
#ifndef CONCLAB_HYGIENE_H
#define CONCLAB_HYGIENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct piped_run {
    char *out; /* stdout, NUL-terminated (at most 1 MiB kept) */
    size_t out_len;
    bool exited; /* ended by exit(): see exit_code */
    int exit_code;
    bool timed_out;    /* killed at the timeout */
    int fds_when_full; /* fds it held while blocked on a full stdout; -1 if it never was */
    int leftovers;     /* processes it left behind (orphans, unreaped zombies) */
};

/* Runs argv (argv[0] is the path) with stdout into a 4 KiB pipe that is read only once
 * full (or once the program has ended), stdin from a pipe that stays open, stderr to
 * /dev/null. Kills its process group after timeout_s. Free with piped_run_free(). */
void piped_run(const char *const *argv, double timeout_s, struct piped_run *run);
void piped_run_free(struct piped_run *run);

/* Asserts that output holds exactly one well-formed result line for each number of
 * first..last (small numbers: checked here by trial division), and says `what` if not. */
void assert_range_results(const char *output, uint64_t first, uint64_t last, const char *what);

#endif
