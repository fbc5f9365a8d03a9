/*
 * pool_util: running procs and threads and reading their output.
 */
#include "pool_util.h"

#include "primes.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const uint64_t pool_chapter_numbers[20] = {
    2ULL,
    142702110479723ULL,
    299593572317531ULL,
    3333333333333301ULL,
    3333333333333333ULL,
    3333335652092209ULL,
    4444444444444423ULL,
    4444444444444444ULL,
    4444444488888889ULL,
    5555553133149889ULL,
    5555555555555503ULL,
    5555555555555555ULL,
    6666666666666666ULL,
    6666666666666719ULL,
    6666667141414921ULL,
    7777777536340681ULL,
    7777777777777753ULL,
    7777777777777777ULL,
    9999999999999917ULL,
    9999999999999999ULL,
};

static const bool chapter_prime[20] = {
    true, true,  true,  true, false, false, true, false, false, false,
    true, false, false, true, false, false, true, false, true,  false,
};

/* The first primes above 10^13 (about 3 ms of checking each) and 10^14 (about 10 ms),
 * listed so that the tests spend no time finding them. */
static const uint64_t primes_above_1e13[] = {
    10000000000037ULL, 10000000000051ULL, 10000000000099ULL, 10000000000129ULL, 10000000000183ULL,
    10000000000259ULL, 10000000000267ULL, 10000000000273ULL, 10000000000279ULL, 10000000000283ULL,
    10000000000313ULL, 10000000000343ULL, 10000000000391ULL, 10000000000411ULL, 10000000000433ULL,
    10000000000453ULL, 10000000000591ULL, 10000000000609ULL, 10000000000643ULL, 10000000000649ULL,
    10000000000657ULL, 10000000000687ULL, 10000000000691ULL, 10000000000717ULL, 10000000000729ULL,
    10000000000751ULL, 10000000000759ULL, 10000000000777ULL, 10000000000853ULL, 10000000000883ULL,
    10000000000943ULL, 10000000000957ULL, 10000000000987ULL, 10000000000993ULL, 10000000001011ULL,
    10000000001023ULL, 10000000001087ULL, 10000000001093ULL, 10000000001141ULL, 10000000001161ULL,
    10000000001177ULL, 10000000001191ULL, 10000000001207ULL, 10000000001239ULL, 10000000001261ULL,
    10000000001267ULL, 10000000001269ULL, 10000000001291ULL,
};
static const uint64_t primes_above_1e14[] = {
    100000000000031ULL, 100000000000067ULL, 100000000000097ULL, 100000000000099ULL,
    100000000000133ULL, 100000000000139ULL, 100000000000169ULL, 100000000000183ULL,
    100000000000261ULL, 100000000000357ULL, 100000000000367ULL, 100000000000403ULL,
    100000000000423ULL, 100000000000469ULL, 100000000000487ULL, 100000000000493ULL,
    100000000000541ULL, 100000000000601ULL, 100000000000643ULL, 100000000000657ULL,
    100000000000709ULL, 100000000000721ULL, 100000000000753ULL, 100000000000777ULL,
};

/* The primality of n, from the lists above when they have it (the tests check many
 * large primes: recomputing would double their cost), else computed. */
static bool expected_prime(uint64_t n)
{
    static const uint64_t *const lists[] = {primes_above_1e13, primes_above_1e14};
    static const size_t sizes[] = {sizeof primes_above_1e13 / sizeof(uint64_t),
                                   sizeof primes_above_1e14 / sizeof(uint64_t)};
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; i < sizes[l]; i++)
            if (lists[l][i] == n)
                return true;
    for (size_t i = 0; i < 20; i++)
        if (pool_chapter_numbers[i] == n)
            return chapter_prime[i];
    if (n == PRIMES_SLOW_PRIME)
        return true;
    return primes_is_prime(n);
}

static const char *skip_blanks(const char *p)
{
    while (*p == ' ')
        p++;
    return p;
}

bool pool_parse_line(const char *text, struct pool_line *line)
{
    *line = (struct pool_line){.worker = -1};
    const char *p = skip_blanks(text);
    if (*p < '0' || *p > '9')
        return false;
    char *end;
    errno = 0;
    line->n = strtoull(p, &end, 10);
    if (errno == ERANGE || *end != ' ')
        return false;
    line->number_end = (int)(end - text);
    /* One or more blanks, P or a blank, one or more blanks: with a blank flag the
     * blanks simply run on to the seconds, which start with a digit. */
    p = skip_blanks(end);
    line->prime = *p == 'P';
    if (line->prime) {
        if (p[1] != ' ')
            return false;
        p = skip_blanks(p + 1);
    }
    if (*p < '0' || *p > '9')
        return false;
    line->seconds = strtod(p, &end);
    if (end == p || *end != 's')
        return false;
    const char *point = memchr(p, '.', (size_t)(end - p));
    line->decimals = point != NULL ? (int)(end - point - 1) : 0;
    p = skip_blanks(end + 1);
    if (*p == '\0')
        return true;
    if (strncmp(p, "worker ", 7) != 0)
        return false;
    line->worker = strtol(p + 7, &end, 10);
    if (end == p + 7)
        return false;
    line->has_worker = true;
    line->timed = sscanf(end, " from %lf to %lf", &line->from, &line->to) == 2;
    return true;
}

static bool is_error_line(const char *line)
{
    const char *p = skip_blanks(line);
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9')
        p++;
    return strncmp(p, " error", 6) == 0;
}

void pool_parse(const char *out, struct pool_output *po)
{
    *po = (struct pool_output){0};
    size_t lines = count_lines(out) + 1;
    po->lines = calloc(lines, sizeof *po->lines);
    po->errors = calloc(lines, sizeof *po->errors);
    po->text = strdup(out);
    char *copy = strdup(out);
    cr_assert(po->lines != NULL && po->errors != NULL && po->text != NULL && copy != NULL,
              "out of memory in the test");
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (is_error_line(line))
            po->errors[po->error_count++] = strdup(line);
        else if (pool_parse_line(line, &po->lines[po->count]))
            po->count++;
    }
    free(copy);
}

void pool_output_free(struct pool_output *po)
{
    for (size_t i = 0; i < po->error_count; i++)
        free(po->errors[i]);
    free(po->errors);
    free(po->lines);
    free(po->text);
}

const char *pool_unreadable_line(const char *out, uint64_t n, char *buf, size_t size)
{
    for (const char *line = out; *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        const char *p = skip_blanks(line);
        char *after;
        if (*p >= '0' && *p <= '9' && strtoull(p, &after, 10) == n && after <= line + len &&
            (*after < '0' || *after > '9')) {
            snprintf(buf, size, "%.*s", (int)len, line);
            struct pool_line parsed;
            if (!is_error_line(buf) && !pool_parse_line(buf, &parsed))
                return buf;
        }
        line += len + (end != NULL);
    }
    return NULL;
}

/* The likely cause of a missing line, with the line the tests could not read if the
 * program printed one for it. */
static const char *why_missing(const struct pool_output *po, uint64_t n, const char *if_missing)
{
    static char why[512];
    char line[128];
    if (pool_unreadable_line(po->text, n, line, sizeof line) != NULL)
        snprintf(why, sizeof why, "there is a line for it, '%s', but it is not a result line: %s",
                 line, POOL_LINE_FORMAT);
    else
        snprintf(why, sizeof why, "%s", if_missing);
    return why;
}

#define POOL_IF_MISSING                                                                            \
    "a result lost: did the parent stop before every worker sent its sentinel (count "             \
    "sentinels, not results or an empty job pipe), or did a worker end without posting its "       \
    "last results?"
#define POOL_IF_TWICE                                                                              \
    "is a job handed out twice, or was a line printed twice (a forked child that leaves with "     \
    "exit() instead of _exit() flushes its copy of the parent's stdout buffer)?"

void pool_assert_results_or(const struct pool_output *po, const uint64_t *numbers, size_t count,
                            const char *what, const char *if_missing)
{
    if (if_missing == NULL)
        if_missing = POOL_IF_MISSING;
    size_t *want = calloc(count, sizeof *want);
    size_t *seen = calloc(count, sizeof *seen);
    cr_assert(want != NULL && seen != NULL, "out of memory in the test");
    for (size_t i = 0; i < po->count; i++) {
        const struct pool_line *l = &po->lines[i];
        size_t k = 0;
        while (k < count && numbers[k] != l->n)
            k++;
        cr_assert(k < count,
                  "%s: a result line for %" PRIu64 ", which is not in the input: is each job "
                  "read whole (one record per read), and its number copied into the result?",
                  what, l->n);
        bool prime = expected_prime(l->n);
        cr_assert_eq(l->prime, prime,
                     "%s: %" PRIu64 " is %s, but its line says %s: is the P taken from the "
                     "result of primes_is_prime() for that very number?",
                     what, l->n, prime ? "prime" : "not prime", l->prime ? "P" : "not P");
        seen[k]++;
    }
    for (size_t i = 0; i < count; i++) {
        size_t k = 0;
        while (numbers[k] != numbers[i])
            k++;
        want[k]++;
    }
    for (size_t k = 0; k < count; k++) {
        if (want[k] == 0)
            continue;
        cr_assert_eq(seen[k], want[k],
                     "%s: expected %zu result line(s) for %" PRIu64 ", found %zu (%zu result "
                     "lines in all, %zu numbers in the input): %s",
                     what, want[k], numbers[k], seen[k], po->count, count,
                     seen[k] < want[k] ? why_missing(po, numbers[k], if_missing) : POOL_IF_TWICE);
    }
    cr_assert_eq(po->count, count, "%s: expected %zu result lines, found %zu", what, count,
                 po->count);
    free(want);
    free(seen);
}

void pool_assert_results(const struct pool_output *po, const uint64_t *numbers, size_t count,
                         const char *what)
{
    pool_assert_results_or(po, numbers, count, what, NULL);
}

void pool_assert_range(const struct pool_output *po, uint64_t first, uint64_t last,
                       const char *what)
{
    size_t count = (size_t)(last - first + 1);
    unsigned *seen = calloc(count, sizeof *seen);
    cr_assert_not_null(seen, "out of memory in the test");
    for (size_t i = 0; i < po->count; i++) {
        const struct pool_line *l = &po->lines[i];
        cr_assert(l->n >= first && l->n <= last,
                  "%s: a result line for %" PRIu64 ", which is not in the input: is each job "
                  "read whole (one record per read)?",
                  what, l->n);
        bool prime = primes_is_prime(l->n);
        cr_assert_eq(l->prime, prime, "%s: %" PRIu64 " is %s, but its line says %s", what, l->n,
                     prime ? "prime" : "not prime", l->prime ? "P" : "not P");
        seen[l->n - first]++;
    }
    for (size_t i = 0; i < count; i++)
        cr_assert_eq(seen[i], 1,
                     "%s: expected one result line for %" PRIu64 ", found %u (%zu result lines "
                     "in all, %zu numbers in the input): %s",
                     what, first + i, seen[i], po->count, count,
                     seen[i] == 0 ? why_missing(po, first + i, POOL_IF_MISSING) : POOL_IF_TWICE);
    free(seen);
}

size_t pool_distinct_workers(const struct pool_output *po)
{
    size_t distinct = 0;
    for (size_t i = 0; i < po->count; i++) {
        size_t j = 0;
        while (j < i && po->lines[j].worker != po->lines[i].worker)
            j++;
        distinct += j == i;
    }
    return distinct;
}

static void fill_argv(const char **argv, size_t size, const char *program, const char *const *args)
{
    argv[0] = program_path(LAB, program);
    size_t i = 0;
    for (; args != NULL && args[i] != NULL && i + 2 < size; i++)
        argv[i + 1] = args[i];
    argv[i + 1] = NULL;
}

struct run_result pool_run(const char *program, const char *const *args, const char *input,
                           const char *const *env, double timeout_s)
{
    const char *argv[24];
    fill_argv(argv, 24, program, args);
    struct run_spec spec = {.argv = argv, .stdin_text = input, .env = env, .timeout_s = timeout_s};
    struct run_result result;
    cr_assert(run_program(&spec, &result), "could not start %s: %s", argv[0], result.err);
    return result;
}

void pool_start(const char *program, const char *const *args, const char *input, double timeout_s,
                struct run_handle *handle)
{
    const char *argv[24];
    fill_argv(argv, 24, program, args);
    struct run_spec spec = {.argv = argv, .stdin_text = input, .timeout_s = timeout_s};
    cr_assert(run_start(&spec, handle), "could not start %s", argv[0]);
}

char *pool_numbers_text(const uint64_t *numbers, size_t count)
{
    size_t size = count * 24 + 1;
    char *text = calloc(1, size);
    size_t used = 0;
    for (size_t i = 0; i < count; i++)
        used += (size_t)snprintf(text + used, size - used, "%" PRIu64 "\n", numbers[i]);
    return text;
}

void pool_primes_from(uint64_t from, uint64_t *out, size_t count)
{
    const uint64_t *list = from == 10000000000000ULL    ? primes_above_1e13
                           : from == 100000000000000ULL ? primes_above_1e14
                                                        : NULL;
    size_t size = from == 10000000000000ULL ? sizeof primes_above_1e13 / sizeof(uint64_t)
                  : list != NULL            ? sizeof primes_above_1e14 / sizeof(uint64_t)
                                            : 0;
    uint64_t n = from | 1;
    for (size_t i = 0; i < count; i++) {
        if (i < size) {
            out[i] = list[i];
            n = list[i] + 2;
            continue;
        }
        while (!primes_is_prime(n))
            n += 2;
        out[i] = n;
        n += 2;
    }
}

/* True if two jobs of different workers ran at overlapping times. */
static bool workers_overlapped(const struct pool_output *po)
{
    for (size_t i = 0; i < po->count; i++)
        for (size_t j = i + 1; j < po->count; j++) {
            const struct pool_line *a = &po->lines[i], *b = &po->lines[j];
            if (a->worker != b->worker && a->from < b->to && b->from < a->to)
                return true;
        }
    return false;
}

void pool_assert_checks_overlap(const char *program)
{
    skip_unless_cpus(2);
    uint64_t numbers[8];
    pool_primes_from(100000000000000ULL, numbers, 8); /* about 10 ms each */
    char *input = pool_numbers_text(numbers, 8);
    struct run_result r = pool_run(
        program, (const char *[]){"2", "--timeline", "--numbers", "-", NULL}, input, NULL, 30);
    cr_assert(r.exited && r.exit_code == 0, "%s 2 --timeline: expected exit status 0, got %s",
              program, run_describe_end(&r));
    struct pool_output po;
    pool_parse(r.out, &po);
    pool_assert_results(&po, numbers, 8, "--timeline run");
    for (size_t i = 0; i < po.count; i++)
        cr_assert(po.lines[i].timed && po.lines[i].from <= po.lines[i].to,
                  "--timeline: expected each result line to end in 'from S to E' (S <= E), "
                  "got one for %" PRIu64 " without it",
                  po.lines[i].n);
    cr_assert(workers_overlapped(&po),
              "%s 2: expected checks on two different workers to overlap in time, but the "
              "recorded intervals never overlap: do the workers take jobs while others "
              "compute, or does the parent wait for each result before handing out the "
              "next job?\n%.800s",
              program, r.out);
    pool_output_free(&po);
    free(input);
    run_result_free(&r);
}

/* The CPU time (user + system) in a /proc stat file, or -1. */
static double stat_cpu_seconds(const char *path)
{
    char text[1024];
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    /* The fields after the name, which may hold spaces: state is field 3, utime 14. */
    const char *p = strrchr(text, ')');
    unsigned long utime, stime;
    if (p == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

double pool_cpu_seconds(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    return stat_cpu_seconds(path);
}

double pool_thread_cpu_seconds(pid_t pid, long tid)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task/%ld/stat", (int)pid, tid);
    return stat_cpu_seconds(path);
}

/* The threads of pid but the main one; returns how many (at most max). */
static int other_threads(pid_t pid, long *ids, int max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *dir = opendir(path);
    if (dir == NULL)
        return -1;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && count < max) {
        long tid = atol(e->d_name);
        if (tid > 0 && tid != pid)
            ids[count++] = tid;
    }
    closedir(dir);
    return count;
}

size_t pool_watch_workers(const struct run_handle *h, bool threads, long *ids, size_t max,
                          double timeout_s)
{
    size_t seen = 0;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        char state = proc_state(h->pid);
        if (state == 0 || state == 'Z')
            return seen;
        long now_ids[256];
        int count;
        if (threads) {
            count = other_threads(h->pid, now_ids, 256);
        } else {
            pid_t kids[256];
            count = proc_children(h->pid, kids, 256);
            for (int i = 0; i < count && i < 256; i++)
                now_ids[i] = kids[i];
        }
        for (int i = 0; i < count && i < 256; i++) {
            size_t k = 0;
            while (k < seen && ids[k] != now_ids[i])
                k++;
            if (k == seen && seen < max)
                ids[seen++] = now_ids[i];
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 >
            timeout_s)
            return seen;
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
}

/* The CPU time of worker `id` of `pid`: a thread of it, or a child process. */
static double worker_cpu_seconds(pid_t pid, bool threads, long id)
{
    return threads ? pool_thread_cpu_seconds(pid, id) : pool_cpu_seconds((pid_t)id);
}

int pool_wait_for_busy(pid_t pid, bool threads, int want, double cpu_s, long *ids, double timeout_s)
{
    int busy = 0;
    for (int waited_ms = 0; waited_ms <= (int)(timeout_s * 1000); waited_ms += 5) {
        long all[64];
        int count;
        if (threads) {
            count = other_threads(pid, all, 64);
        } else {
            pid_t kids[64];
            count = proc_children(pid, kids, 64);
            for (int i = 0; i < count && i < 64; i++)
                all[i] = kids[i];
        }
        busy = 0;
        for (int i = 0; i < count && i < 64 && busy < want; i++)
            if (worker_cpu_seconds(pid, threads, all[i]) >= cpu_s)
                ids[busy++] = all[i];
        if (busy == want)
            return busy;
        struct timespec pause = {0, 5000000};
        nanosleep(&pause, NULL);
    }
    return busy;
}

int pool_wait_for_busy_workers(pid_t parent, int want, double cpu_s, pid_t *kids, double timeout_s)
{
    long ids[64];
    int busy = pool_wait_for_busy(parent, false, want < 64 ? want : 64, cpu_s, ids, timeout_s);
    for (int i = 0; i < busy; i++)
        kids[i] = (pid_t)ids[i];
    return busy;
}

bool pool_cpu_while_two_compute(pid_t pid, bool threads, const long workers[2], double *waiter_cpu,
                                double *worker_cpu)
{
    double waiter0 = threads ? pool_thread_cpu_seconds(pid, pid) : pool_cpu_seconds(pid);
    double start[2], now[2], waiter = waiter0;
    for (int i = 0; i < 2; i++)
        start[i] = now[i] = worker_cpu_seconds(pid, threads, workers[i]);
    bool measured = false;
    /* Until each worker has computed 0.5 s more (10 s at most). */
    for (int waited = 0; waited < 1000 && !measured && waiter0 >= 0; waited++) {
        nanosleep(&(struct timespec){0, 10000000}, NULL);
        waiter = threads ? pool_thread_cpu_seconds(pid, pid) : pool_cpu_seconds(pid);
        for (int i = 0; i < 2; i++)
            now[i] = worker_cpu_seconds(pid, threads, workers[i]);
        if (waiter < 0 || now[0] < 0 || now[1] < 0)
            break;
        measured = now[0] - start[0] >= 0.5 && now[1] - start[1] >= 0.5;
    }
    *waiter_cpu = waiter - waiter0;
    *worker_cpu = (now[0] - start[0] + now[1] - start[1]) / 2;
    return measured;
}

void pool_assert_completion_order(const char *program)
{
    /* A first worker takes 2^61 - 1 (seconds of checking); a second one checks the
     * small numbers behind it in milliseconds. Their lines must come out while the
     * slow check still runs: printed as they arrive, in completion order. */
    const char *input = "2305843009213693951\n11\n13\n17\n19\n";
    const char *quick = "              19 P", *slow = "2305843009213693951 P";
    struct run_handle h;
    const char *argv[] = {program_path(LAB, program), "2", "--numbers", "-", NULL};
    struct run_spec spec = {.argv = argv, .stdin_text = input, .timeout_s = 30};
    cr_assert(run_start(&spec, &h), "could not start %s", argv[0]);
    bool shown = run_wait_for_output(&h, quick, 20);
    char *so_far = run_output_so_far(&h);
    kill(-h.pid, SIGKILL); /* the slow check has served its purpose */
    struct run_result r;
    run_finish(&h, &r);
    cr_assert(shown,
              "%s 2 on 2^61-1 then 11, 13, 17, 19: expected the line of 19 ('%s ...') within "
              "20 s, while another worker checks 2^61-1 (seconds), but it never came (%s): "
              "does each worker take the next job as soon as it is free?\n%.600s",
              program, quick, run_describe_end(&r), so_far);
    cr_assert(strstr(so_far, slow) == NULL,
              "%s 2 on 2^61-1 then 11, 13, 17, 19: the line of 19 appeared only together "
              "with that of 2^61-1, which took seconds more: expected each result printed as "
              "it arrives, in completion order (not in input order, and not all at the end: "
              "flush stdout before waiting for the next result)\n%.600s",
              program, so_far);
    free(so_far);
    run_result_free(&r);
}
