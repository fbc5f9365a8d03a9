/*
 * gil_probe_driver: tries the student's lab 02 GIL the way `threads --gil` uses it, for
 * the lab 03 tests (threads_test.c), which hold no student code themselves.
 *
 * Two threads: the holder takes the GIL and keeps it until the waiter, which has asked
 * for it, sleeps in gil_acquire() (or got it: a broken GIL), and 20 ms more; then it
 * lets go. Each step has a deadline, so an unfinished GIL makes this
 * report a step as missing, never hang. The GIL is a new one, or an old one (part C of
 * lab 02) with the argument "old". It prints, one per line:
 *   held 0|1       the holder's gil_acquire() on a free GIL returned
 *   taken 0|1|2    the waiter got the GIL: 1 after the holder's release, 2 before it
 *   released 0|1   the holder's gil_release() returned once the waiter had the GIL
 */
#include "gil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct probe {
    struct gil gil;
    atomic_int held;      /* the holder has the GIL */
    atomic_int asking;    /* the waiter is calling gil_acquire() */
    atomic_int releasing; /* the holder is about to call gil_release() */
    atomic_int released;  /* the holder's gil_release() returned */
    atomic_int taken;     /* the waiter got the GIL: 1 after the release, 2 before it */
    atomic_int waiter;    /* the waiter's thread id, once it runs */
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Whether thread `tid` of this process sleeps (state S: blocked, as in a wait). */
static int is_sleeping(int tid)
{
    char path[64], text[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    const char *end = strrchr(text, ')');
    return end != NULL && end[1] == ' ' && end[2] == 'S';
}

static void *holder(void *arg)
{
    struct probe *p = arg;
    gil_acquire(&p->gil);
    atomic_store(&p->held, 1);
    /* Until the waiter is inside gil_acquire(), asleep (or has the GIL already): not a
     * guessed delay, which a busy machine can outlast. */
    for (int waited = 0; waited < 5000 && atomic_load(&p->taken) == 0 &&
                         !(atomic_load(&p->asking) && is_sleeping(atomic_load(&p->waiter)));
         waited++)
        sleep_ms(1);
    sleep_ms(20);
    atomic_store(&p->releasing, 1);
    gil_release(&p->gil);
    atomic_store(&p->released, 1);
    return NULL;
}

static void *waiter(void *arg)
{
    struct probe *p = arg;
    atomic_store(&p->waiter, (int)gettid());
    while (!atomic_load(&p->held))
        sleep_ms(1);
    atomic_store(&p->asking, 1);
    gil_acquire(&p->gil);
    atomic_store(&p->taken, atomic_load(&p->releasing) ? 1 : 2);
    gil_release(&p->gil);
    return NULL;
}

/* Waits up to `seconds` for *flag to be set; returns its value, 0 if it never was. */
static int wait_for(atomic_int *flag, int seconds)
{
    for (int ms = 0; atomic_load(flag) == 0 && ms < seconds * 1000; ms++)
        sleep_ms(1);
    return atomic_load(flag);
}

int main(int argc, char *argv[])
{
    static struct probe p; /* static: a stuck thread may outlive main's checks */
    enum gil_mode mode = argc > 1 && strcmp(argv[1], "old") == 0 ? GIL_MODE_OLD : GIL_MODE_NEW;
    if (gil_init(&p.gil, mode, 0) < 0) {
        printf("init-failed\n");
        return 1;
    }
    pthread_t h, w;
    if (pthread_create(&h, NULL, holder, &p) != 0 || pthread_create(&w, NULL, waiter, &p) != 0)
        return 1;
    printf("held %d\n", wait_for(&p.held, 5));
    fflush(stdout);
    printf("taken %d\n", wait_for(&p.taken, 10));
    fflush(stdout);
    printf("released %d\n", wait_for(&p.released, 5));
    fflush(stdout);
    _exit(0); /* a thread may still be stuck in the GIL: do not wait for it */
}
