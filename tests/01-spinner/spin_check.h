/*
 * spin_check: helpers shared by the lab 01 tests. They run a spinner program and read
 * its output the way a terminal would show it.
 *
 * The output contract of every spinner program:
 *   "spinner object: <...>\n"           a description of the spinner, before it starts
 *   "\r\\ thinking!" "\r| thinking!"     frames \ | / - \ | ... , one write each
 *   "\r" + blanks + "\r"                 the line cleared when the spinner stops
 *   other lines (e.g. "<n> is prime ...")
 *   "Answer: 42\n"
 */
#ifndef CONCLAB_SPIN_CHECK_H
#define CONCLAB_SPIN_CHECK_H

#include "harness.h"

#include <stdbool.h>
#include <stddef.h>

#define LAB "01-spinner"

/* What the output showed. */
struct spin_output {
    bool description; /* the first line starts with "spinner object: " */
    int descriptions; /* how many times "spinner object: " appears */
    char first_line[160];
    int frames;        /* frames drawn ("\r<c> thinking!") */
    int out_of_order;  /* index of the first frame not in \|/- order, or -1 */
    int clears;        /* clear sequences ("\r", >= 11 blanks, "\r") */
    bool cleared_last; /* a clear comes after the last frame and before the answer */
    bool answer;       /* a line "Answer: 42" */
    bool answer_last;  /* ...and it is the last line */
    bool frame_after_answer;
    bool prime_line; /* a line "<n> is prime ..." */
    bool nap_line;   /* a line "nap: ..." */
};

/* Reads `out` into *o. */
void spin_parse(const char *out, struct spin_output *o);

/* Runs lab program `program` with the arguments that follow (NULL-terminated) and
 * returns its result; fails the test if it could not start. timeout_s 0 means 10 s. */
void spin_run(struct run_result *r, double timeout_s, const char *program, ...);

/* Starts it, for observing while it runs. */
void spin_start(struct run_handle *h, const char *program, ...);

/* For spinner_uring runs: if the program exited 77 (io_uring unavailable), skips the
 * test with its message when io_uring really is unavailable here, and fails it when a
 * ring can be created here. */
void spin_skip_if_no_uring(const struct run_result *r);

/* A printable excerpt of the output for messages: \r shown as "\r", cut to fit. */
const char *spin_excerpt(const char *out);

/* Asserts the whole output contract: description, frames in order, at least
 * `min_frames`, a clear after the last frame, "Answer: 42" last, exit status 0. */
void spin_assert_contract(const char *program, const struct run_result *r,
                          const struct spin_output *o, int min_frames);

/* Asserts the description line: printed once, first, before any frame. */
void spin_assert_description(const char *program, const struct run_result *r,
                             const struct spin_output *o);

/* The same, with the likely causes to give when fewer than min_frames were drawn. */
void spin_assert_contract_why(const char *program, const struct run_result *r,
                              const struct spin_output *o, int min_frames, const char *few_why);

/* The checks every spinner program gets, one graded test each (see *_test.c). */

/* --seconds 1: the output contract, and 8 to 12 frames (10 per second). */
void spin_test_rate(const char *program);

/* Up to three runs of --seconds 0.21 (each after a --help run that measures the cost
 * of starting and ending the program): the program must end within a few ms of slow()
 * returning, not after the rest of a 100 ms frame. */
void spin_test_stop_latency(const char *program);

/* --seconds 0.5: CPU time (user + system) at most 5 % of the wall time. */
void spin_test_no_busy_wait(const char *program);

/* Runs the ThreadSanitizer build of lab program (or driver) `program` with `args`
 * (NULL-terminated) and stdin_text (NULL: /dev/null) into *r, and fails the test with
 * `why` (the likely causes) and the start of the report if ThreadSanitizer reports
 * anything. Fails the test if CONCLAB_TSAN_BIN is not set. */
void spin_run_tsan(struct run_result *r, const char *program, const char *const *args,
                   const char *stdin_text, double timeout_s, const char *why);

/* Waits for the first frame of a started run; fails the test if none comes. */
void spin_wait_for_first_frame(struct run_handle *h, const char *program);

/* What /proc showed of a running program, over several samples. */
struct spin_samples {
    int valid;                    /* samples taken while the program was alive */
    int min_threads, max_threads; /* of the program itself */
    int min_children, max_children;
    pid_t child; /* a child seen in some sample, or 0 */
    int max_child_threads;
};

/* Samples the program every 20 ms for `seconds` of wall time. */
void spin_sample(struct run_handle *h, double seconds, struct spin_samples *s);

#endif
