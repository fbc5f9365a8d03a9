"""plot-chapter: the chapter's two pictures, measured on this machine.

    scripts/plot-chapter [--bin DIR] [--out DIR] [--quick] [options]

1. Processes and C threads scale, GIL threads do not: `procs N`, `threads N` and
   `threads --gil N` on the chapter's 20 numbers, for N = 1..K, R runs each
   (scripts/bench-workers), drawn by scripts/plot-workers:
       procs-runtime.png      the counterpart of Fluent Python's Figure 19-2
       chapter-runtime.png    the three programs on one chart
       chapter-speedup.png    their speedups, Amdahl fits and Karp-Flatt metrics
2. The convoy effect: the latency of an I/O thread's 1 ms sleep against the number of
   CPU-bound threads, for lab 02's new GIL, its old GIL, no GIL, and CPython itself
   (python3 running the same experiment):
       gil-convoy.png

Each chart has its CSV beside it (and a .gp gnuplot script). A program that is not built
is skipped with a message; so is a series whose every run failed.

Exit status: 0 at least one chart drawn, 1 nothing could be drawn, 2 bad usage,
130 interrupted.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

PROG = "plot-chapter"
from conclab import kit
from conclab.bench import bench_workers, plot_workers

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chapter")
KIT_ROOT = kit.ROOT


def shown(path):
    """A path as the user will want to read it: relative unless that climbs out."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def say(message):
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def usage_error(message):
    print(f"{PROG}: {message}\nTry '{PROG} --help'.", file=sys.stderr)
    sys.exit(2)


# ------------------------------------------------------------------ part 1: scaling

def bench_series(bench, program, extra, label, csv_path, counts, reps, quiet):
    """Runs bench-workers for one program; returns True if the CSV has some ok row."""
    if not os.access(program, os.X_OK):
        say(f"skipping '{label}': {shown(program)} is not built")
        return False
    workers = f"{counts[0]}-{counts[-1]}"
    argv = [sys.executable, bench, "-w", workers, "-r", str(reps), "-l", label,
            "-o", csv_path, "-t", "120"] + (["-q"] if quiet else []) + \
        ["--", program] + extra
    say(f"timing '{label}' for {workers} workers x {reps} runs")
    child = subprocess.Popen(argv)
    try:
        status = child.wait()
    except KeyboardInterrupt:
        # Ctrl-C in a terminal reaches bench-workers too; a SIGINT sent to this script
        # alone must be passed on, so that it stops its run and keeps its rows.
        try:
            child.wait(timeout=1)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGINT)
            child.wait()
        raise
    if status == 130:
        raise KeyboardInterrupt
    if status == 2:
        say(f"bench-workers refused the command for '{label}'")
        return False
    with open(csv_path, encoding="utf-8") as f:
        ok = any(line.rstrip().endswith(",ok") for line in f if not line.startswith("#"))
    if not ok:
        say(f"'{label}': every run failed (see {shown(csv_path)}): no series")
    return ok


def plot_series(plot, csvs, out, name, title, stat):
    argv = [sys.executable, plot, "-q", "-o", out, "-n", name, "--title", title,
            "--stat", stat] + csvs
    if subprocess.run(argv).returncode != 0:
        say(f"plot-workers failed for {name}")
        return False
    say(f"wrote {shown(os.path.join(out, name))}-runtime.png and -speedup.png")
    return True


# ------------------------------------------------------------------ part 2: convoy

# The same experiment as gil_io, on CPython's real GIL: the main thread sleeps 1 ms K
# times while C threads run pure bytecode, and prints gil_io's summary line.
CPYTHON_CONVOY = r"""
import statistics, sys, threading, time
cpu_threads, iterations, sleep_s = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) / 1e6
stop = False
def spin():
    n = 0
    while not stop:
        n += 1
workers = [threading.Thread(target=spin) for _ in range(cpu_threads)]
for w in workers:
    w.start()
time.sleep(0.05)
latency = []
for _ in range(iterations):
    start = time.perf_counter()
    time.sleep(sleep_s)
    latency.append(time.perf_counter() - start)
stop = True
for w in workers:
    w.join()
latency.sort()
p99 = latency[min(len(latency) - 1, int(0.99 * len(latency)))]
print("CPython %s, switch interval %.0f us" % (sys.version.split()[0],
                                              sys.getswitchinterval() * 1e6))
print("I/O iteration latency: median %.3f ms  p99 %.3f ms  max %.3f ms"
      % (statistics.median(latency) * 1e3, p99 * 1e3, latency[-1] * 1e3))
"""

LATENCY_LINE = re.compile(r"median\s+([0-9.]+)\s*ms.*?p99\s+([0-9.]+)\s*ms.*?max\s+"
                          r"([0-9.]+)\s*ms")


def run_convoy(argv, timeout):
    """Runs one convoy experiment; returns (median, p99, max) in ms, or a status string."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              start_new_session=True)
    except subprocess.TimeoutExpired:
        return "timeout"
    if done.returncode != 0:
        return f"exit {done.returncode}" if done.returncode > 0 else \
            f"signal {-done.returncode}"
    m = LATENCY_LINE.search(done.stdout)
    if m:
        return tuple(float(x) for x in m.groups())
    try:  # scripts/gil_bench.py prints one JSON object
        result = json.loads(done.stdout.strip().splitlines()[-1])
        return (float(result["median_ms"]), float(result["p99_ms"]), float(result["max_ms"]))
    except (ValueError, KeyError, IndexError, TypeError):
        return "no latency in the output"


def python_version(python):
    try:
        out = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out = ""
    return ".".join(out.split(".")[:2]) or "?"


def convoy(bench_mod, plot_mod, gil_io, out, cpu_counts, reps, iterations, quiet):
    series = []  # (label, argv builder)
    if os.access(gil_io, os.X_OK):
        for mode, label in (("new", "C model, new GIL (3.2+)"), ("old", "C model, old GIL (2.x)"),
                            ("none", "C model, no GIL")):
            series.append((label, lambda c, mode=mode: [
                gil_io, "--mode", mode, "--cpu-threads", str(c),
                "--iterations", str(iterations)]))
    else:
        say(f"skipping the C model of the convoy: {shown(gil_io)} is not built")
    python = shutil.which("python3")
    gil_bench = os.path.join(HERE, "gil_bench.py")
    if python and os.path.exists(gil_bench):
        # Lab 02's CPython side of the comparison, so both tools measure the same thing.
        series.append(("CPython " + python_version(python), lambda c: [
            python, gil_bench, "io", "--cpu-threads", str(c), "--iterations",
            str(iterations)]))
    elif python:
        series.append(("CPython " + python_version(python), lambda c: [
            python, "-c", CPYTHON_CONVOY, str(c), str(iterations), "1000"]))
    else:
        say("no python3: the convoy chart has no CPython series")
    if not series:
        return False

    csv_path = os.path.join(out, "gil-convoy.csv")
    class HeaderArgs:
        label = "gil convoy"
        command = ["gil_io", "--cpu-threads", "{n}", "--iterations", str(iterations)]
        counts = cpu_counts
    HeaderArgs.reps = reps
    total = reps * len(cpu_counts) * len(series)
    done, start = 0, time.monotonic()
    last_print = start
    rows = {}
    with open(csv_path, "w", encoding="utf-8") as f:
        for line in bench_mod.header_lines(HeaderArgs):
            f.write(f"# {line}\n")
        f.write("series,cpu_threads,repetition,median_ms,p99_ms,max_ms,status\n")
        for rep in range(1, reps + 1):
            for c in cpu_counts:
                for label, argv_for in series:
                    result = run_convoy(argv_for(c), timeout=120)
                    done += 1
                    if isinstance(result, tuple):
                        rows.setdefault((label, c), []).append(result)
                        f.write(f'"{label}",{c},{rep},{result[0]:.4f},{result[1]:.4f},'
                                f'{result[2]:.4f},ok\n')
                    else:
                        f.write(f'"{label}",{c},{rep},,,,{result}\n')
                        say(f"convoy '{label}' with {c} CPU threads: {result}")
                    f.flush()
                    now = time.monotonic()
                    if not quiet and (sys.stderr.isatty() or now - last_print >= 5
                                      or done == total):
                        last_print = now
                        eta = (now - start) / done * (total - done)
                        print(f"\r{PROG}: convoy run {done}/{total}, {now - start:.0f}s "
                              f"elapsed, ETA {eta:.0f}s ",
                              end="" if sys.stderr.isatty() else "\n",
                              file=sys.stderr, flush=True)
    if not quiet and sys.stderr.isatty():
        print(file=sys.stderr)

    # Medians over the runs; gnuplot draws.
    meta = {}
    with open(csv_path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"#\s*([a-z ]+):\s*(.*)", line)
            if m and m.group(1) not in meta:
                meta[m.group(1)] = m.group(2).strip()
    blocks, plots = [], []
    colors = plot_mod.COLORS
    summary = [["series", "cpu_threads", "runs", "median_ms", "min_median_ms",
                "max_median_ms", "median_p99_ms"]]
    for i, (label, _) in enumerate(series):
        points = [(c, rows[(label, c)]) for c in cpu_counts if (label, c) in rows]
        if not points:
            say(f"convoy '{label}': no successful run: left out")
            continue
        blocks.append(f"$convoy{i} << EOD")
        for c, results in points:
            medians = [r[0] for r in results]
            p99 = statistics.median(r[1] for r in results)
            blocks.append(f"{c} {statistics.median(medians):.4f} {min(medians):.4f} "
                          f"{max(medians):.4f} {p99:.4f}")
            summary.append([label, c, len(results), f"{statistics.median(medians):.4f}",
                            f"{min(medians):.4f}", f"{max(medians):.4f}", f"{p99:.4f}"])
        blocks.append("EOD")
        color = colors[i % len(colors)]
        plots.append(f"$convoy{i} using 1:2:3:4 with yerrorlines pt 7 ps 0.8 lw 2 "
                     f"lc rgb '{color}' title {plot_mod.gp_string(label + ': median')}")
        plots.append(f"$convoy{i} using 1:5 with lines dt 2 lw 1 lc rgb '{color}' "
                     f"title {plot_mod.gp_string('  p99')}")
    if not plots:
        return False
    with open(os.path.join(out, "gil-convoy-summary.csv"), "w", encoding="utf-8") as f:
        for row in summary:
            f.write(",".join(f'"{x}"' if "," in str(x) else str(x) for x in row) + "\n")

    subtitle = plot_mod.machine_line(meta, str(reps))
    title = ("The convoy effect: one I/O thread sleeping 1 ms while CPU-bound threads "
             "hold the GIL\n" + subtitle)
    height = 520 + 17 * len(plots)
    script = ["# Written by scripts/plot-chapter; edit and run: gnuplot gil-convoy.gp", ""]
    script += blocks
    script += [
        "set termoption noenhanced",
        "set grid lc rgb '#dddddd'",
        f"set title {plot_mod.gp_string(title)} font ',11'",
        "set xlabel 'CPU-bound threads'",
        f"set xrange [{cpu_counts[0] - 0.3}:{cpu_counts[-1] + 0.3}]",
        "set xtics 1",
        "set ylabel 'latency of one 1 ms sleep (ms): median of runs, bars min-max'",
        "set logscale y",
        "set yrange [0.5:*]",
        "set key below horizontal maxcols 2 Left reverse samplen 3 width 2",
        "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 3 lc rgb '#777777'",
        "set label 'the sleep itself (1 ms)' at graph 0.99, first 1.1 right tc rgb '#777777'",
        "set arrow from graph 0, first 6 to graph 1, first 6 nohead dt 3 lc rgb '#777777'",
        "set label 'sleep + 5 ms switch interval' at graph 0.99, first 6.6 right "
        "tc rgb '#777777'",
    ]
    plot_cmd = "plot " + ", \\\n     ".join(plots)
    for ext, term in (("png", f"pngcairo size 1000,{height} font 'DejaVu Sans,10'"),
                      ("svg", f"svg size 1000,{height} dynamic font 'DejaVu Sans,11'")):
        script += ["", f"set terminal {term}", f"set output 'gil-convoy.{ext}'", plot_cmd]
    script += ["set output", ""]
    with open(os.path.join(out, "gil-convoy.gp"), "w", encoding="utf-8") as f:
        f.write("\n".join(script))
    result = subprocess.run(["gnuplot", "gil-convoy.gp"], cwd=out, capture_output=True,
                            text=True)
    if result.returncode != 0:
        say(f"gnuplot failed on gil-convoy.gp:\n{result.stderr}")
        return False
    say(f"wrote {shown(os.path.join(out, 'gil-convoy.png'))}")
    for row in summary[1:]:
        if not quiet:
            print(f"  convoy {row[0]}, {row[1]} CPU threads: median {row[3]} ms, "
                  f"p99 {row[6]} ms", file=sys.stderr)
    return True


# ------------------------------------------------------------------ main

def main(argv):
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a killed run still tidies up
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join("build", "labs"), metavar="DIR",
                        help="the build of one impl, holding 02-gil/ and 03-pool/ "
                             "(default build/labs)")
    parser.add_argument("--out", default=os.path.join("build", "plots"), metavar="DIR",
                        help="where CSVs and charts go (default build/plots)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer counts and runs: under a minute on 2 cores")
    parser.add_argument("-k", "--max-workers", metavar="K",
                        help="worker counts 1..K (default max(8, 2 x CPUs); quick: 2 x CPUs)")
    parser.add_argument("-r", "--reps", metavar="R",
                        help="runs per worker count (default 5; quick: 2)")
    parser.add_argument("--max-cpu-threads", metavar="C",
                        help="convoy: CPU-bound threads 0..C (default 4; quick: 2)")
    parser.add_argument("--only", choices=["scaling", "convoy"],
                        help="draw only one of the two pictures")
    parser.add_argument("--stat", choices=["median", "min"], default="median",
                        help="run-time charts: median of the runs (default) or the fastest "
                             "(best of R, for a machine busy with other jobs)")
    parser.add_argument("-q", "--quiet", action="store_true", help="less progress output")
    args = parser.parse_args(argv)

    def number(text, what, low, high):
        if text is None:
            return None
        if not re.fullmatch(r"[0-9]+", text) or not low <= int(text) <= high:
            usage_error(f"{what}: '{text}' is not a whole number from {low} to {high}")
        return int(text)

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    k = number(args.max_workers, "--max-workers", 1, 1024) or \
        (2 * cpus if args.quick else max(8, 2 * cpus))
    reps = number(args.reps, "--reps", 1, 1000) or (2 if args.quick else 5)
    max_c = number(args.max_cpu_threads, "--max-cpu-threads", 0, 64)
    if max_c is None:
        max_c = 2 if args.quick else 4
    iterations = 25 if args.quick else 200
    if not os.path.isdir(args.bin):
        usage_error(f"--bin: {args.bin} is not a folder (build it first: make impl IMPL=...)")
    if not shutil.which("gnuplot"):
        say("gnuplot is not installed (apt-get install gnuplot-nox, or scripts/deps install)")
        return 1
    os.makedirs(args.out, exist_ok=True)

    bench = kit.path("scripts", "bench-workers")
    plot = kit.path("scripts", "plot-workers")
    bench_mod, plot_mod = bench_workers, plot_workers
    pool = os.path.join(args.bin, "03-pool")
    drawn = 0
    try:
        if args.only in (None, "scaling"):
            counts = list(range(1, k + 1))
            csvs = []
            for program, extra, label, name in (
                    ("procs", ["{n}"], "procs", "procs"),
                    ("threads", ["{n}"], "threads", "threads"),
                    ("threads", ["--gil", "{n}"], "threads --gil", "threads-gil")):
                path = os.path.join(args.out, name + ".csv")
                if bench_series(bench, os.path.join(pool, program), extra, label, path,
                                counts, reps, args.quiet):
                    csvs.append(path)
            if any(c.endswith("procs.csv") for c in csvs):
                drawn += plot_series(plot, [os.path.join(args.out, "procs.csv")], args.out,
                                     "procs", "procs N, the 20 numbers", args.stat)
            if csvs:
                drawn += plot_series(plot, csvs, args.out, "chapter",
                                     "the 20 numbers: processes, threads, GIL threads",
                                     args.stat)
        if args.only in (None, "convoy"):
            drawn += convoy(bench_mod, plot_mod, os.path.join(args.bin, "02-gil", "gil_io"),
                            args.out, list(range(0, max_c + 1)), reps, iterations,
                            args.quiet)
    except KeyboardInterrupt:
        say("interrupted: the CSVs keep the runs finished so far")
        return 130
    if not drawn:
        say("no chart could be drawn (are the programs built? make impl IMPL=...)")
        return 1
    say(f"charts and CSVs are in {shown(args.out)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
