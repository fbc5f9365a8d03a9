"""plot-workers: charts of run time and speedup against worker count, from bench-workers CSVs.

    scripts/plot-workers [-o DIR] [-n NAME] [--title TEXT] CSV...

Writes, in DIR (default: beside the first CSV):
    NAME-runtime.png/.svg   median run time per worker count, min-max bars, the lowest
                            median marked with a dotted line, the ideal T1/n, a line at
                            the number of CPUs
    NAME-speedup.png/.svg   measured speedup T1/Tn, the Amdahl fit (serial fraction by
                            least squares) and the Karp-Flatt metric per point
    NAME-summary.csv        the numbers behind the charts
    NAME.gp                 the gnuplot script (run `gnuplot NAME.gp` after editing it)

Every series of every CSV goes on the same charts, labelled with its name (bench-workers
--label). The statistics are computed here with the Python standard library; gnuplot
draws. Failed runs are left out of the statistics and counted in the legend.

The model. With p = min(n, P) workers actually running at once on P CPUs, Amdahl's law
says T(n) = T1 * (f + (1 - f) / p), so 1/S(n) - 1/p = f * (1 - 1/p): a line through the
origin in f. The fit is the least-squares slope over every n >= 2 (P from the CSV's
'# cpus:' line, or --cpus). The Karp-Flatt metric e(n) = (1/S - 1/p) / (1 - 1/p) is the
same quantity for one point: flat e means a fixed serial part, rising e means overhead
that grows with the workers (contention, more workers than CPUs).

Exit status: 0 charts written, 1 no usable data or gnuplot failed, 2 bad usage.
"""

import argparse
import csv
import os
import re
import shutil
import statistics
import subprocess
import sys

PROG = "plot-workers"
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
          "#17becf"]


def usage_error(message):
    print(f"{PROG}: {message}", file=sys.stderr)
    print(f"Try '{PROG} --help'.", file=sys.stderr)
    sys.exit(2)


def warn(message):
    print(f"{PROG}: {message}", file=sys.stderr)


# ------------------------------------------------------------------ reading

class Series:
    def __init__(self, name):
        self.name = name
        self.times = {}      # workers -> list of wall seconds of ok runs
        self.failed = 0
        self.commands = []

    def add(self, workers, wall):
        self.times.setdefault(workers, []).append(wall)


def read_csv(path, series, meta):
    """Adds the rows of one bench-workers CSV to `series` (name -> Series)."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        usage_error(f"cannot read {path}: {e.strerror}")
    body = []
    for line in lines:
        if line.startswith("#"):
            m = re.match(r"#\s*([a-z ]+):\s*(.*)", line)
            if m and m.group(1) not in meta:
                meta[m.group(1)] = m.group(2).strip()
        elif line.strip():
            body.append(line)
    rows = list(csv.DictReader(body))
    needed = {"series", "workers", "wall_s", "status"}
    if not body or not needed <= set(rows[0].keys() if rows else body[0].split(",")):
        usage_error(f"{path} is not a bench-workers CSV (expected columns "
                    f"{', '.join(sorted(needed))})")
    for row in rows:
        name = row["series"] or "unnamed"
        s = series.setdefault(name, Series(name))
        cmd = row.get("command", "")
        if cmd and cmd not in s.commands:
            s.commands.append(cmd)
        try:
            workers = int(row["workers"])
        except (TypeError, ValueError):
            warn(f"{path}: skipping a row with workers '{row['workers']}'")
            continue
        if row["status"] != "ok" or not row["wall_s"]:
            s.failed += 1
            continue
        try:
            s.add(workers, float(row["wall_s"]))
        except ValueError:
            s.failed += 1


# ------------------------------------------------------------------ statistics

# The statistic each point shows: the median (the chapter's choice, the default), or the
# minimum, "best of R" (what the program costs when nothing else takes the CPU: the
# better estimate on a machine shared with other jobs). The key stays "median" below.
STAT = "median"


def summarize(s, cpus):
    """Per worker count: median, min, max, runs; then speedup, Karp-Flatt, Amdahl fit."""
    s.points = []
    for n in sorted(s.times):
        t = s.times[n]
        center = statistics.median(t) if STAT == "median" else min(t)
        s.points.append({"workers": n, "runs": len(t), "median": center,
                         "true_median": statistics.median(t), "min": min(t), "max": max(t)})
    s.best = min(s.points, key=lambda p: p["median"]) if s.points else None
    s.t1 = next((p["median"] for p in s.points if p["workers"] == 1), None)
    s.fit = None
    if s.t1 is None:
        return
    xs, ys = [], []
    for p in s.points:
        n = p["workers"]
        speedup = s.t1 / p["median"]
        p["speedup"] = speedup
        procs = min(n, cpus)
        if procs >= 2:
            x = 1 - 1 / procs
            y = 1 / speedup - 1 / procs
            p["karp_flatt"] = y / x
            xs.append(x)
            ys.append(y)
    if xs:
        s.fit = sum(x * y for x, y in zip(xs, ys)) / sum(x * x for x in xs)


def fmt_seconds(t):
    return f"{t:.3f}s" if t < 10 else f"{t:.2f}s"


# ------------------------------------------------------------------ gnuplot

def gp_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def machine_line(meta, reps):
    parts = []
    if meta.get("machine"):
        parts.append(meta["machine"])
    if meta.get("cpus"):
        cores = meta.get("cores")
        parts.append(f"{meta['cpus']} CPUs" + (f" ({cores} cores)" if cores and
                                                cores not in ("unknown", meta["cpus"])
                                                else ""))
    if meta.get("kernel"):
        parts.append(" ".join(meta["kernel"].split()[:2]))
    if meta.get("date"):
        parts.append(meta["date"][:10])
    if meta.get("kit"):
        parts.append(meta["kit"])
    runs = []
    if reps:
        runs.append(f"median of {reps} runs per point" if STAT == "median"
                    else f"best of {reps} runs per point")
    load = meta.get("loadavg at start", "").split()
    if load:
        # A busy machine explains a chart that does not scale: say how busy it was.
        runs.append(f"load average {load[0]} at start")
    line = ", ".join(parts) or "machine unknown"
    if runs:
        # The title is 1000 pixels wide: about 110 characters fit on one line.
        runs_text = ", ".join(runs)
        line += ("\n" if len(line) + 2 + len(runs_text) > 100 else ", ") + runs_text
    return line


def gnuplot_script(all_series, meta, cpus, title, out_base):
    lines = ["# Written by scripts/plot-workers; edit and run: gnuplot thisfile.gp", ""]
    reps = sorted({p["runs"] for s in all_series for p in s.points})
    reps_text = str(reps[0]) if len(reps) == 1 else f"{reps[0]}-{reps[-1]}"
    subtitle = machine_line(meta, reps_text)
    max_n = max(p["workers"] for s in all_series for p in s.points)

    for i, s in enumerate(all_series):
        lines.append(f"$runtime{i} << EOD")
        lines.append("# workers median min max runs")
        for p in s.points:
            lines.append(f"{p['workers']} {p['median']:.6f} {p['min']:.6f} {p['max']:.6f} "
                         f"{p['runs']}")
        lines.append("EOD")
        if s.t1 is not None:
            lines.append(f"$speedup{i} << EOD")
            lines.append("# workers speedup karp_flatt")
            for p in s.points:
                kf = p.get("karp_flatt")
                lines.append(f"{p['workers']} {p['speedup']:.6f} "
                             + (f"{kf:.6f}" if kf is not None else "NaN"))
            lines.append("EOD")
    lines += [
        "",
        f"P = {cpus}",
        "procs(n) = (n < P ? n : P)",
        "amdahl(n, f) = 1.0 / (f + (1.0 - f) / procs(n))",
        "set termoption noenhanced",
        "set grid lc rgb '#dddddd'",
        "set border lc rgb '#555555'",
        f"set xrange [0.5:{max_n + 0.5}]",
        f"set xtics {1 if max_n <= 24 else 2}",
        "set xlabel 'workers (n)'",
        "set key below horizontal maxcols 3 Left reverse samplen 3 spacing 1.1 width 1",
        "set samples 400",
    ]

    def chart_title(what):
        head = f"{title}: {what} vs workers" if title else f"{what.capitalize()} vs workers"
        return head + "\n" + subtitle

    def runtime_plot():
        out = [
            f"set title {gp_string(chart_title('run time'))} font ',11'",
            f"set ylabel 'wall time (s): {STAT}, bars min-max'",
            "set yrange [0:*]",
            "unset y2tics", "unset y2label",
            "unset arrow", "unset label",
            f"set arrow from {cpus}, graph 0 to {cpus}, graph 1 nohead lc rgb '#999999' lw 1",
            f"set label {gp_string(f'{cpus} CPUs')} at {cpus}, graph 0.97 offset 0.5,0 "
            "tc rgb '#777777'",
        ]
        plots = []
        for i, s in enumerate(all_series):
            color = COLORS[i % len(COLORS)]
            failed = (f" ({s.failed} failed run{'' if s.failed == 1 else 's'} left out)"
                      if s.failed else "")
            best = s.best
            out.append(f"set arrow from graph 0, first {best['median']:.6f} to graph 1, "
                       f"first {best['median']:.6f} nohead dt 3 lw 1.5 lc rgb '{color}'")
            plots.append(f"$runtime{i} using 1:2:3:4 with yerrorbars pt 7 ps 0.7 "
                         f"lc rgb '{color}' notitle")
            plots.append(f"$runtime{i} using 1:2 with lines lw 2 lc rgb '{color}' "
                         f"title {gp_string(s.name + failed)}")
            best_text = f"  lowest {STAT} {fmt_seconds(best['median'])} at n={best['workers']}"
            plots.append(f"NaN with lines dt 3 lw 1.5 lc rgb '{color}' "
                         f"title {gp_string(best_text)}")
            if s.t1 is not None:
                plots.append(f"[1:{max_n}] {s.t1:.6f} / x with lines dt 2 lw 1 "
                             f"lc rgb '{color}' title {gp_string('  ideal T1/n')}")
        out.append("plot " + ", \\\n     ".join(plots))
        return out

    kf_values = [p["karp_flatt"] for s in all_series for p in s.points if "karp_flatt" in p]
    y2_top = max([1.0] + [1.1 * v for v in kf_values])
    y_top = 1.1 * max([cpus] + [p["speedup"] for s in all_series for p in s.points
                                if "speedup" in p])

    def speedup_plot():
        out = [
            f"set title {gp_string(chart_title('speedup'))} font ',11'",
            f"set ylabel 'speedup T1/Tn ({STAT}s)'",
            f"set yrange [0:{y_top:.2f}]",
            "set y2label 'Karp-Flatt serial fraction e(n)'",
            f"set y2range [0:{y2_top:.2f}]",
            "set y2tics 0.2 nomirror",
            "set ytics nomirror",
            "unset arrow", "unset label",
            f"set arrow from {cpus}, graph 0 to {cpus}, graph 1 nohead lc rgb '#999999' lw 1",
            f"set label {gp_string(f'{cpus} CPUs')} at {cpus}, graph 0.97 offset 0.5,0 "
            "tc rgb '#777777'",
        ]
        plots = []
        for i, s in enumerate(all_series):
            if s.t1 is None:
                continue
            color = COLORS[i % len(COLORS)]
            plots.append(f"$speedup{i} using 1:2 with linespoints pt 7 ps 0.8 lw 2 "
                         f"lc rgb '{color}' title {gp_string(s.name)}")
            if s.fit is not None:
                f_plot = min(max(s.fit, 0.0), 1.0)
                note = ("" if 0 <= s.fit <= 1 else
                        " (>1: workers only add cost)" if s.fit > 1 else " (< 0)")
                plots.append(f"[1:{max_n}] amdahl(x, {f_plot:.6f}) with lines dt 4 lw 1.5 "
                             f"lc rgb '{color}' title "
                             f"{gp_string(f'  Amdahl fit: serial fraction {s.fit:.3f}{note}')}")
                plots.append(f"$speedup{i} using 1:3 axes x1y2 with points pt 6 ps 1.1 "
                             f"lc rgb '{color}' title {gp_string('  Karp-Flatt e(n) (right axis)')}")
        # Data first: a range in front of the first plot element would set the x range.
        plots.append(f"[1:{max_n}] procs(x) with lines dt 2 lc rgb '#999999' "
                     f"title {gp_string(f'ideal: min(n, {cpus} CPUs)')}")
        out.append("plot " + ", \\\n     ".join(plots))
        return out

    base = os.path.basename(out_base)
    # The key sits below the plot, one line per entry: grow the canvas with it.
    height = 520 + 17 * (3 * len(all_series) + 1)
    for ext, term in (("png", f"pngcairo size 1000,{height} font 'DejaVu Sans,10'"),
                      ("svg", f"svg size 1000,{height} dynamic font 'DejaVu Sans,11'")):
        lines += ["", f"set terminal {term}",
                  f"set output {gp_string(base + '-runtime.' + ext)}"] + runtime_plot()
        lines += ["", f"set output {gp_string(base + '-speedup.' + ext)}"] + speedup_plot()
    lines += ["set output", ""]
    return "\n".join(lines)


def write_summary(path, all_series, cpus):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["series", "workers", "runs", "median_s", "min_s", "max_s", "speedup",
                    "karp_flatt", "amdahl_serial_fraction", "cpus", "statistic"])
        for s in all_series:
            for p in s.points:
                sp = p.get("speedup")
                kf = p.get("karp_flatt")
                w.writerow([s.name, p["workers"], p["runs"], f"{p['true_median']:.6f}",
                            f"{p['min']:.6f}", f"{p['max']:.6f}",
                            f"{sp:.4f}" if sp is not None else "",
                            f"{kf:.4f}" if kf is not None else "",
                            f"{s.fit:.4f}" if s.fit is not None else "", cpus, STAT])


# ------------------------------------------------------------------ main

def main(argv):
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\n", 1)[1])
    parser.add_argument("csv", nargs="+", metavar="CSV", help="bench-workers output files")
    parser.add_argument("-o", "--out-dir", metavar="DIR",
                        help="where the charts go (default: the first CSV's folder)")
    parser.add_argument("-n", "--name", help="file name prefix (default: first CSV's name)")
    parser.add_argument("--title", default="", help="chart title prefix")
    parser.add_argument("--cpus", metavar="P",
                        help="CPUs for the Amdahl model (default: the CSV's '# cpus:')")
    parser.add_argument("--stat", choices=["median", "min"], default="median",
                        help="what a point shows: the median of its runs (default) or the "
                             "fastest, best of R (for a machine shared with other jobs)")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not list the files")
    args = parser.parse_args(argv)
    global STAT
    STAT = args.stat

    if not shutil.which("gnuplot"):
        print(f"{PROG}: gnuplot is not installed (apt-get install gnuplot-nox, or "
              "scripts/deps install)", file=sys.stderr)
        return 1
    series, meta = {}, {}
    for path in args.csv:
        read_csv(path, series, meta)
    if args.cpus is not None:
        if not re.fullmatch(r"[0-9]+", args.cpus) or not 1 <= int(args.cpus) <= 4096:
            usage_error(f"--cpus: '{args.cpus}' is not a whole number from 1 to 4096")
        cpus = int(args.cpus)
    else:
        m = re.match(r"[0-9]+", meta.get("cpus", ""))
        cpus = int(m.group(0)) if m else (os.cpu_count() or 1)
    if args.name is not None and not re.fullmatch(r"[A-Za-z0-9._-]+", args.name):
        usage_error(f"--name: '{args.name}' must be letters, digits, '.', '_' or '-'")

    usable = []
    for s in series.values():
        summarize(s, cpus)
        if not s.points:
            warn(f"series '{s.name}': no successful run ({s.failed} failed): left out")
            continue
        if s.t1 is None:
            warn(f"series '{s.name}': no run with 1 worker: no speedup for it")
        usable.append(s)
    if not usable:
        print(f"{PROG}: no successful runs in {', '.join(args.csv)}: nothing to plot",
              file=sys.stderr)
        return 1

    out_dir = args.out_dir or os.path.dirname(os.path.abspath(args.csv[0]))
    os.makedirs(out_dir, exist_ok=True)
    name = args.name or re.sub(r"\.csv$", "", os.path.basename(args.csv[0]))
    out_base = os.path.join(out_dir, name)
    script = gnuplot_script(usable, meta, cpus, args.title, out_base)
    with open(out_base + ".gp", "w", encoding="utf-8") as f:
        f.write(script)
    write_summary(out_base + "-summary.csv", usable, cpus)
    result = subprocess.run(["gnuplot", os.path.basename(out_base + ".gp")], cwd=out_dir,
                            capture_output=True, text=True)
    if result.returncode != 0:
        print(f"{PROG}: gnuplot failed:\n{result.stderr}", file=sys.stderr)
        return 1
    if result.stderr.strip():
        warn("gnuplot said: " + result.stderr.strip())
    if not args.quiet:
        for suffix in ("-runtime.png", "-runtime.svg", "-speedup.png", "-speedup.svg",
                       "-summary.csv"):
            print(out_base + suffix)
        for s in usable:
            fit = f", serial fraction {s.fit:.3f}" if s.fit is not None else ""
            print(f"  {s.name}: lowest {STAT} {fmt_seconds(s.best['median'])} at "
                  f"n={s.best['workers']}{fit}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
