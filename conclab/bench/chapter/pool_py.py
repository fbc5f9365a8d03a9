"""pool_py: the Python side of scripts/bench-pool.

    pool_py.py sequential [--timeline] (--numbers FILE | --range A B)
    pool_py.py mp-pool N [--chunksize C] [--timeline] (--numbers FILE | --range A B)
    pool_py.py futures N [--chunksize C] [--timeline] (--numbers FILE | --range A B)

The same trial-division check as lab 03's C programs, run one after another, on a
multiprocessing.Pool (imap_unordered: results in completion order), or on a
concurrent.futures.ProcessPoolExecutor (map with a chunk size). Each result line is
"<n right-aligned in 16> <P or blank> <seconds>s", then "K checks in X.XXs", so that
the benchmark reads C and Python output the same way. With --timeline a line also says
" from S to E": when its check started and ended, in seconds after the pool started
(time.perf_counter is the system-wide monotonic clock on Linux, so times taken in
different processes compare). Standard library only.
"""

import argparse
import math
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor


def is_prime(n):
    """The chapter's algorithm: odd divisors up to the integer square root."""
    if n < 2:
        return False
    if n == 2:
        return True
    if n % 2 == 0:
        return False
    root = math.isqrt(n)
    for i in range(3, root + 1, 2):
        if n % i == 0:
            return False
    return True


def check(n):
    start = time.perf_counter()
    prime = is_prime(n)
    return n, prime, start, time.perf_counter()


def load_numbers(args):
    if args.range:
        first, last = args.range
        return list(range(first, last + 1))
    with (sys.stdin if args.numbers == "-" else open(args.numbers)) as f:
        return [int(line) for line in f if line.strip()]


def main():
    parser = argparse.ArgumentParser(prog="pool_py.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["sequential", "mp-pool", "futures"])
    parser.add_argument("workers", nargs="?", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--chunksize", type=int, default=1)
    parser.add_argument("--timeline", action="store_true",
                        help="also print when each check started and ended")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--numbers", metavar="FILE")
    source.add_argument("--range", nargs=2, type=int, metavar=("A", "B"))
    args = parser.parse_args()
    if args.workers < 1 or args.chunksize < 1:
        parser.error("N and --chunksize must be at least 1")
    numbers = load_numbers(args)
    out = sys.stdout
    t0 = time.perf_counter()

    def report(result):
        n, prime, start, end = result
        line = f"{n:16} {'P' if prime else ' '} {end - start:9.6f}s"
        if args.timeline:
            line += f" from {start - t0:.6f} to {end - t0:.6f}"
        out.write(line + "\n")

    if args.mode == "sequential":
        for result in map(check, numbers):
            report(result)
    elif args.mode == "mp-pool":
        with multiprocessing.Pool(args.workers) as pool:
            for result in pool.imap_unordered(check, numbers, args.chunksize):
                report(result)
    else:
        with ProcessPoolExecutor(args.workers) as executor:
            for result in executor.map(check, numbers, chunksize=args.chunksize):
                report(result)
    out.write(f"{len(numbers)} checks in {time.perf_counter() - t0:.2f}s\n")

if __name__ == "__main__":
    main()
