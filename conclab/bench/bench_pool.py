"""bench-pool: lab 03's process pool against its makespan bound, and tiny-task throughput.

    scripts/bench-pool [--bin DIR] [-r REPEAT] [-n WORKERS] [--tiny COUNT] [--csv FILE]
                       [--no-python | [--python-repeat R] [--python-scaled]
                                      [--tiny-python COUNT]]

1. Makespan. `sequential` gives each number's time T_i.
   No schedule on N workers can finish before max(sum T_i / N, max T_i): that is the
   bound. `procs N` and `threads N` (in input order, --largest-first and --balanced)
   run with --timeline; their makespan is when the last check ended, counted from the
   pool's start (before the first worker is forked or created), and it is reported as
   bound / makespan (100 % = as good as possible). Beside it, `exit` is the wall time
   from outside, start to exit: it adds what the T_i leave out for `sequential` too,
   exec and dynamic linking (about 2 ms here), and the reaping of the workers.
   `order` is how close to the bound the order the jobs went out in (read from the
   timeline) would come with no overhead at all: the shared queue replayed with the
   T_i. No pool that hands out the jobs in that order can do better.
   The T_i are measured two ways, so there are two bounds:
     lone    `sequential` alone on the machine;
     loaded  N copies of `sequential` at once, so that every CPU is busy, as it is
             under the pool. A check costs a little more then (shared caches, clock
             boost), and no pool can beat this bound either.
   Each round runs every measurement once: the percentages are medians over the
   rounds of each round's bound / makespan, so that a change in the machine's speed
   between rounds cancels out. The seconds shown are medians too.
2. Throughput. COUNT trivially composite numbers (even ones), so that the pool's own
   overhead is all there is to measure: tasks per second of `procs 2` and `threads 2`.

Unless --no-python, the same workloads then run on multiprocessing.Pool and
concurrent.futures.ProcessPoolExecutor (scripts/pool_py.py), against bounds from
Python's own sequential times: the chapter's 20 numbers (about 14 s sequential in
Python) and COUNT tiny tasks. That side takes a few minutes per round, so it has its
own round count, R (default 1). For a quick look, --python-scaled swaps the 20 numbers
for smaller primes (10^12 to 10^14) and --tiny-python takes fewer tiny tasks.
Medians over the rounds; the machine line says where. Standard library only.
Exit status 0, 1 if a program failed, 2 for bad usage.
"""

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

from conclab import kit

KIT = kit.ROOT
POOL_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chapter", "pool_py.py")
LINE = re.compile(r"^\s*(\d+) ([P ]) +([0-9.]+)s")
CHECK_END = re.compile(r" from [0-9.]+ to ([0-9.]+)$")
CHECK_SPAN = re.compile(r"^\s*(\d+) .* from ([0-9.]+) to [0-9.]+$")


def run(argv, stdin_path=None):
    """Runs argv with output captured; returns (wall seconds, stdout)."""
    stdin = open(stdin_path) if stdin_path else subprocess.DEVNULL
    t0 = time.perf_counter()
    proc = subprocess.run(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    wall = time.perf_counter() - t0
    if stdin_path:
        stdin.close()
    if proc.returncode != 0:
        sys.exit(f"bench-pool: {' '.join(argv)} failed with status {proc.returncode}: "
                 f"{proc.stderr.strip()[:300]}")
    return wall, proc.stdout


def run_together(argvs):
    """Runs every argv at once, output captured; returns their stdouts."""
    procs = [subprocess.Popen(a, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for a in argvs]
    outs = []
    for argv, proc in zip(argvs, procs):
        out, err = proc.communicate()
        if proc.returncode != 0:
            sys.exit(f"bench-pool: {' '.join(argv)} failed with status {proc.returncode}: "
                     f"{err.strip()[:300]}")
        outs.append(out)
    return outs


def per_number_times(outputs):
    """Median time of each number over several sequential outputs."""
    times = {}
    for out in outputs:
        for line in out.splitlines():
            m = LINE.match(line)
            if m:
                times.setdefault(int(m.group(1)), []).append(float(m.group(3)))
    return {n: statistics.median(ts) for n, ts in times.items()}


def last_check_end(out):
    """When the last check of a --timeline run ended, in seconds after the pool's start."""
    ends = [float(m.group(1)) for m in map(CHECK_END.search, out.splitlines()) if m]
    if not ends:
        sys.exit("bench-pool: no 'from S to E' in a --timeline run: does it support --timeline?")
    return max(ends)


def start_order(out):
    """The numbers of a --timeline run in the order their checks started."""
    starts = [(float(m.group(2)), int(m.group(1)))
              for m in map(CHECK_SPAN.match, out.splitlines()) if m]
    return [n for _, n in sorted(starts)]


def order_limit(order, times, workers):
    """When workers that take jobs in this order from one queue, as soon as each is free,
    would finish if every check took its T_i and nothing else took any time."""
    free_at = [0.0] * workers
    for n in order:
        first_free = free_at.index(min(free_at))
        free_at[first_free] += times.get(n, 0.0)
    return max(free_at)


def bound(times, workers):
    return max(sum(times.values()) / workers, max(times.values()))


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} online CPUs, {model}, {platform.system()} " \
           f"{platform.release()}, load average {load:.1f} at start"


def primes_near(seq_bin, first, count):
    """The first `count` primes from `first`, found with the C sequential program."""
    _, out = run([seq_bin, "--range", str(first), str(first + 40 * count)])
    found = [int(m.group(1)) for m in map(LINE.match, out.splitlines())
             if m and m.group(2) == "P"]
    return found[:count]


def write_list(directory, name, numbers):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write("".join(f"{n}\n" for n in numbers))
    return path


def makespan_rows(label, seq_cmd, pool_cmds, repeat, workers, numbers_path):
    """Rounds of: sequential alone, N sequentials at once, then each pool once. A pool's
    percentages are medians of per-round ratios, each against its own round's bounds,
    so that a drift in the machine's speed between rounds cancels out."""
    seq = seq_cmd + ["--numbers", numbers_path]
    lone_bounds, loaded_bounds, lone_sums, lone_runs = [], [], [], []
    spans = {name: [] for name, _ in pool_cmds}
    orders = {}
    exits = {name: [] for name, _ in pool_cmds}
    for _ in range(repeat):
        lone_runs.append(run(seq)[1])
        lone = per_number_times(lone_runs[-1:])
        loaded = per_number_times(run_together([seq] * workers))
        lone_bounds.append(bound(lone, workers))
        loaded_bounds.append(bound(loaded, workers))
        lone_sums.append(sum(lone.values()))
        for name, cmd in pool_cmds:
            wall, out = run(cmd + ["--timeline", "--numbers", numbers_path])
            spans[name].append(last_check_end(out))
            orders.setdefault(name, start_order(out))
            exits[name].append(wall)
    med = statistics.median
    times = per_number_times(lone_runs)
    rows = []
    for name, _ in pool_cmds:
        sp, ex = spans[name], exits[name]
        limit = bound(times, workers) / order_limit(orders[name], times, workers)
        rows.append((label, name, workers, med(lone_sums), limit, med(lone_bounds),
                     med(loaded_bounds),
                     med(sp), med(b / s for b, s in zip(lone_bounds, sp)),
                     med(b / s for b, s in zip(loaded_bounds, sp)), med(ex),
                     med(b / e for b, e in zip(lone_bounds, ex))))
    return rows


def throughput_rows(label, cmds, repeat, count, path):
    rows = []
    for name, cmd in cmds:
        walls = [run(cmd + ["--numbers", path])[0] for _ in range(repeat)]
        med = statistics.median(walls)
        rows.append((label, name, count, med, count / med))
    return rows


def main():
    parser = argparse.ArgumentParser(prog="bench-pool", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--bin", default=os.path.join(KIT, "build", "solutions", "03-pool"),
                        help="folder with sequential, procs, threads (default: the reference)")
    parser.add_argument("-r", "--repeat", type=int, default=5, help="runs per measurement")
    parser.add_argument("-n", "--workers", type=int, default=os.cpu_count(),
                        help="N for the makespan runs (default: online CPUs)")
    parser.add_argument("--tiny", type=int, default=500000, help="tiny tasks for C")
    parser.add_argument("--tiny-python", type=int,
                        help="tiny tasks for Python (default: as many as for C)")
    parser.add_argument("--python-repeat", type=int, default=1,
                        help="rounds of the Python side (default: 1)")
    parser.add_argument("--python-scaled", action="store_true",
                        help="Python checks smaller primes instead of the 20 numbers")
    parser.add_argument("--csv", help="also write the rows to this CSV file")
    parser.add_argument("--no-python", action="store_true", help="skip the Python side")
    args = parser.parse_args()
    if args.tiny_python is None:
        args.tiny_python = args.tiny
    if min(args.repeat, args.workers, args.tiny, args.tiny_python, args.python_repeat) < 1:
        parser.error("counts must be at least 1")
    progs = {p: os.path.join(args.bin, p) for p in ("sequential", "procs", "threads")}
    for p, path in progs.items():
        if not os.access(path, os.X_OK):
            parser.error(f"{path} is missing: run make impl IMPL=solutions LAB=03-pool")
    python = not args.no_python and sys.executable

    rounds = f"median of {args.repeat} runs"
    if python:
        rounds += f" for C, of {args.python_repeat} for Python"
    print(f"# bench-pool: {machine()}; {rounds}")
    n = str(args.workers)
    span_rows, tput = [], []
    with tempfile.TemporaryDirectory() as tmp:
        _, out = run([progs["sequential"]])
        chapter_numbers = [int(m.group(1)) for m in map(LINE.match, out.splitlines()) if m]
        chapter = write_list(tmp, "chapter.txt", chapter_numbers)
        span_rows += makespan_rows("C", [progs["sequential"]],
                              [(f"{prog} {n}{flag}", [progs[prog], n] + flag.split())
                               for prog in ("procs", "threads")
                               for flag in ("", " --largest-first", " --balanced")],
                              args.repeat, args.workers, chapter)
        tiny = write_list(tmp, "tiny.txt", [10**12 + 2 * i for i in range(args.tiny)])
        tput += throughput_rows("C", [("procs 2", [progs["procs"], "2"]),
                                      ("threads 2", [progs["threads"], "2"])],
                                args.repeat, args.tiny, tiny)
        if python:
            py_list = chapter
            if args.python_scaled:
                # Python's check is ~50x slower: primes of 10^12 .. 10^14, not 10^16.
                py_numbers = (primes_near(progs["sequential"], 10**14, 4)
                              + primes_near(progs["sequential"], 10**13, 8)
                              + primes_near(progs["sequential"], 10**12, 8)
                              + [10**12 + 2 * i for i in range(4)])
                py_list = write_list(tmp, "python.txt", py_numbers)
            py = [python, POOL_PY]
            span_rows += makespan_rows("Python", py + ["sequential"],
                                  [(f"mp.Pool({n}) imap_unordered", py + ["mp-pool", n]),
                                   (f"ProcessPoolExecutor({n}) map", py + ["futures", n])],
                                  args.python_repeat, args.workers, py_list)
            py_tiny = tiny
            if args.tiny_python != args.tiny:
                py_tiny = write_list(tmp, "py_tiny.txt",
                                     [10**12 + 2 * i for i in range(args.tiny_python)])
            tput += throughput_rows("Python", [
                ("mp.Pool(2), chunksize 1", py + ["mp-pool", "2"]),
                ("mp.Pool(2), chunksize 1000", py + ["mp-pool", "2", "--chunksize", "1000"]),
                ("ProcessPoolExecutor(2), chunksize 1", py + ["futures", "2"]),
                ("ProcessPoolExecutor(2), chunksize 1000",
                 py + ["futures", "2", "--chunksize", "1000"]),
            ], args.python_repeat, args.tiny_python, py_tiny)

    print("\n## makespan against the bound max(sum Ti / N, max Ti), Ti lone and loaded")
    print(f"{'':7} {'program':30} {'N':>2} {'sum Ti':>7} {'order':>6} {'bound':>6} "
          f"{'loaded':>6} {'makespan':>8} {'of bound':>8} {'of loaded':>9} {'exit':>6} "
          f"{'of bound':>8}")
    for (lang, name, w, total, limit, lone_b, loaded_b, span, of_b, of_loaded, ex,
         ex_of_b) in span_rows:
        print(f"{lang:7} {name:30} {w:2} {total:7.3f} {100 * limit:5.1f}% {lone_b:6.3f} "
              f"{loaded_b:6.3f} {span:8.3f} {100 * of_b:7.1f}% {100 * of_loaded:8.1f}% "
              f"{ex:6.3f} {100 * ex_of_b:7.1f}%")
    print("\n## tiny tasks (even numbers): throughput")
    print(f"{'':7} {'program':40} {'tasks':>8} {'wall s':>8} {'tasks/s':>10}")
    for lang, name, count, med, rate in tput:
        print(f"{lang:7} {name:40} {count:8} {med:8.3f} {rate:10.0f}")
    if args.csv:
        with open(args.csv, "w") as f:
            f.write(f"# {machine()}\n")
            f.write("kind,language,program,workers_or_tasks,sum_ti_s,order_limit,bound_s,"
                    "loaded_bound_s,makespan_s,of_bound,of_loaded_bound,exit_s,exit_of_bound,"
                    "tasks_per_s\n")
            for (lang, name, w, total, limit, lone_b, loaded_b, span, of_b, of_loaded, ex,
                 ex_of_b) in span_rows:
                f.write(f"makespan,{lang},\"{name}\",{w},{total:.6f},{limit:.4f},{lone_b:.6f},"
                        f"{loaded_b:.6f},{span:.6f},{of_b:.4f},{of_loaded:.4f},{ex:.6f},"
                        f"{ex_of_b:.4f},\n")
            for lang, name, count, med, rate in tput:
                f.write(f"throughput,{lang},\"{name}\",{count},,,,,,,,{med:.6f},,{rate:.0f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
