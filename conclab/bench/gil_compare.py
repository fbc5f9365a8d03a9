"""gil_compare: lab 02-gil's C model of the GIL next to CPython's, in one run.

Started by scripts/gil-compare. For each round it runs, in alternating order, the C
programs of the lab (gil_cpu, gil_io) and the same experiments on CPython
(scripts/gil_bench.py, run with --python), then prints the medians over the rounds side
by side. The CPU-bound ratio is compared on CPU time (under a GIL at most one core is
busy, so on a quiet machine it equals the wall-time ratio, and it barely moves when
other jobs share the machine); the wall-time ratio is shown too. Exit status: 0 done (with --check: every figure within its tolerance), 1 a
figure out of tolerance under --check or an experiment failed, 2 bad usage.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chapter")
KIT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(argv):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=300)
    if proc.returncode != 0:
        sys.exit(f"gil-compare: {' '.join(argv)} failed (exit {proc.returncode}): "
                 f"{proc.stderr.strip()[:300]}")
    return proc.stdout


def number(pattern, text):
    match = re.search(pattern, text)
    if match is None:
        sys.exit(f"gil-compare: no '{pattern}' in the output:\n{text}")
    return float(match.group(1))


def c_cpu(bin_dir, units, threads):
    out = run([os.path.join(bin_dir, "gil_cpu"), "--threads", str(threads), "--work",
               str(units)])
    seq = number(r"sequential:\s+([0-9.]+) s", out) * number(r"s\s+cores busy ([0-9.]+)", out)
    thr_line = out[out.index("threads:"):]
    thr = number(r"threads:\s+([0-9.]+) s", thr_line) * number(r"cores busy ([0-9.]+)", thr_line)
    return number(r"ratio ([0-9.]+)", out), thr / seq


def c_io(bin_dir, iterations, interval_us, cpu_threads):
    out = run([os.path.join(bin_dir, "gil_io"), "--cpu-threads", str(cpu_threads),
               "--iterations", str(iterations), "--interval-us", str(interval_us)])
    return {"median_ms": number(r"median ([0-9.]+) ms", out),
            "p99_ms": number(r"p99 ([0-9.]+) ms", out)}


def py(python, *args):
    return json.loads(run([python, os.path.join(HERE, "gil_bench.py"), *args]))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    parser = argparse.ArgumentParser(prog="gil-compare", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="repetitions (default 5)")
    parser.add_argument("--bin", default=os.path.join(KIT, "build", "solutions", "02-gil"),
                        help="folder with gil_cpu and gil_io (default build/solutions/02-gil)")
    parser.add_argument("--python", default="python3", help="the CPython to compare with")
    parser.add_argument("--iterations", type=int, default=200, help="sleeps per convoy run")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a figure is out of its tolerance")
    args = parser.parse_args()
    if args.rounds < 1 or args.iterations < 1:
        parser.error("--rounds and --iterations must be at least 1")
    for program in ("gil_cpu", "gil_io"):
        if not os.access(os.path.join(args.bin, program), os.X_OK):
            parser.error(f"no {program} in {args.bin}: "
                         "build it with 'make impl IMPL=solutions LAB=02-gil'")

    # Sizes chosen so that both sides take about half a second per CPU run.
    c_units, py_countdown = 500_000, 20_000_000
    rows = {"cpu": ([], []), "cpuwall": ([], []), "io5": ([], []), "io1": ([], []),
            "io5p99": ([], [])}
    version = py(args.python, "cpu", "--work", "1000")["python"]
    for r in range(args.rounds):
        print(f"round {r + 1} of {args.rounds} ...", file=sys.stderr, flush=True)
        c_first = r % 2 == 0  # alternate, so that a slow spell hits both sides alike
        for side in ((0, 1) if c_first else (1, 0)):
            if side == 0:
                wall, cpu = c_cpu(args.bin, c_units, 2)
                rows["cpuwall"][0].append(wall)
                rows["cpu"][0].append(cpu)
                io5 = c_io(args.bin, args.iterations, 5000, 1)
                io1 = c_io(args.bin, args.iterations, 1000, 1)
            else:
                result = py(args.python, "cpu", "--work", str(py_countdown))
                rows["cpuwall"][1].append(result["ratio"])
                rows["cpu"][1].append(result["cpu_ratio"])
                io5 = py(args.python, "io", "--iterations", str(args.iterations))
                io1 = py(args.python, "io", "--iterations", str(args.iterations),
                         "--interval-us", "1000")
            rows["io5"][side].append(io5["median_ms"])
            rows["io5p99"][side].append(io5["p99_ms"])
            rows["io1"][side].append(io1["median_ms"])

    print(f"C model ({os.path.relpath(args.bin, os.getcwd())}) vs CPython {version}: "
          f"medians of {args.rounds} round(s)")
    print(f"machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), "
          f"{cpu_model()}")
    print()
    print(f"{'experiment':44} {'C model':>9} {'CPython':>9} {'diff':>7} {'tolerance':>10}")
    failures = 0
    table = [
        ("cpu", "CPU-bound: 2 threads / sequential, CPU time", "", 0.10),
        ("cpuwall", "CPU-bound: 2 threads / sequential, wall", "", None),
        ("io5", "convoy median, 1 CPU thread, interval 5 ms", " ms", 0.15),
        ("io1", "convoy median, 1 CPU thread, interval 1 ms", " ms", 0.15),
        ("io5p99", "convoy p99, 1 CPU thread, interval 5 ms", " ms", None),
    ]
    for key, label, unit, tolerance in table:
        c = statistics.median(rows[key][0])
        p = statistics.median(rows[key][1])
        diff = (c - p) / p
        if tolerance is None:
            verdict = "(info)"
        elif abs(diff) <= tolerance:
            verdict = f"±{tolerance:.0%}  ok"
        else:
            verdict = f"±{tolerance:.0%}  OUT"
            failures += 1
        c_text, p_text = f"{c:.2f}{unit}", f"{p:.2f}{unit}"
        print(f"{label:44} {c_text:>9} {p_text:>9} {diff:>+7.0%} {verdict:>10}")
    if failures and args.check:
        print(f"gil-compare: {failures} figure(s) out of tolerance", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
