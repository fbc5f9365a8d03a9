"""bench-trace: what the --trace marks cost, off and on.

    scripts/bench-trace [--rounds R] [--bin DIR] [--nomarks DIR]

Runs each workload three ways: built with every mark compiled out (-DCONCLAB_TRACE_COMPILED_OUT,
in --nomarks DIR, default build/nomarks/solutions), with the marks but without --trace,
and with --trace (both from --bin DIR, default build/solutions). The runs are interleaved
(round 1 runs every command once, then round 2, ...) so that a change in the machine's
load spreads over all of them, and each run's CPU time (user + system, from
getrusage of the child) is recorded beside its wall time: on a shared machine CPU time is
the steadier measure of work done. Prints the medians and the ratios to the build without
marks.

Build the two trees first:

    make impl IMPL=solutions LAB=02-gil && make impl IMPL=solutions LAB=03-pool
    for lab in 02-gil 03-pool; do
      CPPFLAGS=-DCONCLAB_TRACE_COMPILED_OUT make impl IMPL=solutions LAB=$lab BUILD=build/nomarks
    done

Exit status: 0 ok, 1 a run failed, 2 bad usage.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

PRIMES = ["142702110479723", "299593572317531", "3333333333333301", "3333335652092209",
          "4444444444444423"]


def workloads(numbers):
    return [
        ("gil_cpu, 1 thread", "02-gil/gil_cpu", ["--threads", "1", "--work", "300000"]),
        ("gil_cpu, 2 threads, new GIL", "02-gil/gil_cpu", ["--threads", "2", "--work", "300000"]),
        ("threads 2 --gil, 5 primes", "03-pool/threads", ["2", "--gil", "--numbers", numbers]),
    ]


def run(argv):
    """(wall seconds, CPU seconds) of one run; exits 1 if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        print(f"bench-trace: {' '.join(argv)} failed ({result.returncode}): {result.stderr}",
              file=sys.stderr)
        sys.exit(1)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv):
    parser = argparse.ArgumentParser(
        prog="bench-trace", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--bin", default="build/solutions")
    parser.add_argument("--nomarks", default="build/nomarks/solutions")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        numbers = os.path.join(tmp, "numbers")
        with open(numbers, "w") as f:
            f.write("\n".join(PRIMES) + "\n")
        trace = os.path.join(tmp, "trace.json")
        rows = []
        for label, program, extra in workloads(numbers):
            for tree in (args.bin, args.nomarks):
                if not os.access(os.path.join(tree, program), os.X_OK):
                    parser.error(f"{os.path.join(tree, program)} is not built (see --help)")
            variants = [("no marks", [os.path.join(args.nomarks, program)] + extra),
                        ("marks, tracing off", [os.path.join(args.bin, program)] + extra),
                        ("tracing on", [os.path.join(args.bin, program)] + extra +
                         ["--trace", trace])]
            samples = {name: [] for name, _ in variants}
            for _ in range(args.rounds):
                for name, cmd in variants:
                    samples[name].append(run(cmd))
            base = statistics.median(c for _, c in samples["no marks"])
            for name, cmd in variants:
                wall = statistics.median(w for w, _ in samples[name])
                cpu = statistics.median(c for _, c in samples[name])
                rows.append((label, name, wall, cpu, cpu / base))
    print(f"# bench-trace: median of {args.rounds} interleaved rounds; "
          f"load average {os.getloadavg()[0]:.1f} at the end, {os.cpu_count()} CPUs")
    print(f"{'workload':30} {'variant':20} {'wall s':>8} {'CPU s':>8} {'CPU / no marks':>15}")
    for label, name, wall, cpu, ratio in rows:
        print(f"{label:30} {name:20} {wall:8.3f} {cpu:8.3f} {ratio:15.3f}")
    return 0
