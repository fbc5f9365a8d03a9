"""plot-trace: a timeline chart of a --trace file (Chrome Trace Event Format JSON).

    scripts/plot-trace TRACE [--out PREFIX] [--title TEXT] [--from MS] [--to MS]

Writes PREFIX.png, PREFIX.svg and PREFIX.gp (the gnuplot script: edit it and run
`gnuplot PREFIX.gp`); PREFIX defaults to TRACE without its .json ending.

One row per thread (or worker process), named as the program named it; the spans of
each row as coloured bars, one colour per kind ("holds the GIL", "waits for the GIL",
"sleeps", "computes", ...; waits, pauses and sleeps drawn thinner); instant events
("asked to drop", "forced switch", ...) as markers above their row. The time axis is in
milliseconds since the trace started; --from and --to cut a window out of it. The
subtitle names the machine and the command, as the trace's otherData recorded them.

The kit's programs write such files with --trace FILE (lib/trace.h); the same file opens
in https://ui.perfetto.dev. Exit status: 0 charts written, 1 gnuplot failed or the trace
has no events, 2 bad usage or an unreadable trace.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

PROG = "plot-trace"
# Colours of the kit's span kinds; other kinds take the palette in turn.
KNOWN = {
    "holds the GIL": "#2ca02c",
    "runs (no GIL)": "#1f77b4",
    "computes": "#1f77b4",
    "waits for the GIL": "#d62728",
    "paused": "#ff7f0e",
    "sleeps": "#9467bd",
}
PALETTE = ["#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#aec7e8", "#ffbb78"]
THIN_WORDS = ("wait", "paus", "sleep", "idle", "block")
POINT_TYPES = [11, 7, 2, 5, 9, 13, 1, 3]  # triangle down, circle, x, square, ...


def usage_error(message):
    print(f"{PROG}: {message}", file=sys.stderr)
    print(f"Try '{PROG} --help'.", file=sys.stderr)
    sys.exit(2)


def gp_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def read_trace(path):
    """Returns (events, otherData) of a trace file; exits 2 if it is not one."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        usage_error(f"cannot read {path}: {e.strerror}")
    except ValueError as e:
        usage_error(f"{path} is not JSON: {e}")
    if isinstance(data, list):  # the format's array form
        return data, {}
    if not isinstance(data, dict) or not isinstance(data.get("traceEvents"), list):
        usage_error(f"{path} has no traceEvents list: not a Trace Event Format file")
    return data["traceEvents"], data.get("otherData") or {}


class Track:
    def __init__(self, pid, tid):
        self.pid, self.tid = pid, tid
        self.name = f"thread {tid}"
        self.first = float("inf")
        self.spans = []     # (start_ms, end_ms, kind)
        self.instants = []  # (ms, kind)


def collect(events):
    """Tracks by (pid, tid), process names by pid, and the time origin (µs)."""
    tracks, processes = {}, {}  # processes: pid -> name, the starting process first
    timed = [e for e in events if e.get("ph") in ("X", "B", "E", "i", "I")]
    origin = min((float(e["ts"]) for e in timed), default=0.0)

    def track(e):
        key = (e.get("pid", 0), e.get("tid", 0))
        if key not in tracks:
            tracks[key] = Track(*key)
        return tracks[key]

    open_spans = {}
    for e in events:
        ph = e.get("ph")
        if ph == "M":
            name = (e.get("args") or {}).get("name")
            if e.get("name") == "thread_name" and name:
                track(e).name = name
            elif e.get("name") == "process_name" and name:
                processes[e.get("pid", 0)] = name
            continue
        if ph not in ("X", "B", "E", "i", "I"):
            continue
        t = track(e)
        ms = (float(e["ts"]) - origin) / 1000
        t.first = min(t.first, ms)
        kind = e.get("name", "?")
        if ph == "X":
            t.spans.append((ms, ms + float(e.get("dur", 0)) / 1000, kind))
        elif ph == "B":
            open_spans.setdefault((t.pid, t.tid), []).append((ms, kind))
        elif ph == "E":
            stack = open_spans.get((t.pid, t.tid))
            if stack:
                start, kind = stack.pop()
                t.spans.append((start, ms, kind))
        else:
            t.instants.append((ms, kind))
    # A track with no event at all (only a name) is left out.
    shown = [t for t in tracks.values() if t.spans or t.instants]
    return shown, processes


def row_label(track, processes, many_processes):
    if many_processes and track.pid in processes and processes[track.pid] != track.name:
        return f"{processes[track.pid]}: {track.name}"
    return track.name


def subtitle(other, path):
    parts = []
    if other.get("command"):
        parts.append(other["command"])
    else:
        parts.append(os.path.basename(path))
    line = parts[0]
    if len(line) > 150:
        line = line[:147] + "..."
    machine = other.get("machine", "machine unknown")
    dropped = other.get("dropped_events") or 0
    if dropped:
        machine += f"; {dropped} events dropped (buffers full)"
    return line + "\n" + machine


def gnuplot_script(tracks, processes, other, args, out_base):
    many = len({t.pid for t in tracks}) > 1
    # The process that wrote the trace names itself first (lib/trace.c): its rows first.
    starter = next(iter(processes), None)
    tracks = sorted(tracks, key=lambda t: (t.pid != starter, t.first, t.tid))
    rows = {id(t): len(tracks) - i for i, t in enumerate(tracks)}  # first track on top
    lo = args.from_ms if args.from_ms is not None else 0.0
    hi = args.to_ms
    if hi is None:
        hi = max([e for t in tracks for _, e, _ in t.spans] +
                 [m for t in tracks for m, _ in t.instants] + [lo + 1])

    span_kinds, instant_kinds = [], []
    for t in tracks:
        for _, _, k in t.spans:
            if k not in span_kinds:
                span_kinds.append(k)
        for _, k in t.instants:
            if k not in instant_kinds:
                instant_kinds.append(k)
    colors, spare = {}, iter(PALETTE * 4)
    for k in span_kinds + instant_kinds:
        colors[k] = KNOWN.get(k) or next(spare)

    lines = ["# Written by scripts/plot-trace; edit and run: gnuplot thisfile.gp", ""]
    for i, kind in enumerate(span_kinds):
        thin = any(w in kind.lower() for w in THIN_WORDS)
        half = 0.14 if thin else 0.3
        lines.append(f"$span{i} << EOD")
        lines.append(f"# {kind}: x y dx dy (ms, row)")
        for t in tracks:
            for s, e, k in t.spans:
                if k != kind or e < lo or s > hi:
                    continue
                s, e = max(s, lo), min(e, hi)
                lines.append(f"{(s + e) / 2:.6f} {rows[id(t)]} {(e - s) / 2:.6f} {half}")
        lines.append("EOD")
    for i, kind in enumerate(instant_kinds):
        lines.append(f"$instant{i} << EOD")
        lines.append(f"# {kind}: x y (ms, row)")
        for t in tracks:
            for m, k in t.instants:
                if k == kind and lo <= m <= hi:
                    lines.append(f"{m:.6f} {rows[id(t)] + 0.38 + 0.1 * (i % 3)}")
        lines.append("EOD")

    title = args.title or processes.get(starter) or "trace"
    ytics = ", ".join(f"{gp_string(row_label(t, processes, many))} {rows[id(t)]}"
                      for t in tracks)
    common = [
        "set termoption noenhanced",
        f"set title {gp_string(title + ': who ran when' + chr(10) + subtitle(other, args.trace))}"
        " font ',11'",
        "set grid xtics lc rgb '#dddddd'",
        "set border lc rgb '#555555'",
        f"set xrange [{lo:.6f}:{hi:.6f}]",
        f"set yrange [0.4:{len(tracks) + 0.85}]",
        f"set ytics ({ytics}) scale 0",
        "set xlabel 'time since the trace started (ms)'",
        "set key below horizontal Left reverse samplen 2 spacing 1.1 width 1",
        "set style fill solid 1.0 noborder",
    ]
    plots = []
    for i, kind in enumerate(span_kinds):
        plots.append(f"$span{i} using 1:2:3:4 with boxxyerror lc rgb '{colors[kind]}' "
                     f"title {gp_string(kind)}")
    for i, kind in enumerate(instant_kinds):
        pt = POINT_TYPES[i % len(POINT_TYPES)]
        plots.append(f"$instant{i} using 1:2 with points pt {pt} ps 0.8 "
                     f"lc rgb '{colors[kind]}' title {gp_string(kind)}")
    if not plots:
        plots.append("NaN notitle")

    base = os.path.basename(out_base)
    height = 200 + 46 * len(tracks) + 18 * ((len(span_kinds) + len(instant_kinds) + 3) // 4)
    for ext, term in (("png", f"pngcairo size 1200,{height} font 'DejaVu Sans,10'"),
                      ("svg", f"svg size 1200,{height} dynamic font 'DejaVu Sans,11'")):
        lines += ["", f"set terminal {term}", f"set output {gp_string(base + '.' + ext)}"]
        lines += common + ["plot " + ", \\\n     ".join(plots)]
    lines += ["set output", ""]
    return "\n".join(lines)


def main(argv):
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\n", 1)[1])
    parser.add_argument("trace", help="a trace file written with --trace")
    parser.add_argument("-o", "--out", help="output prefix (default: TRACE without .json)")
    parser.add_argument("--title", default="", help="chart title (default: the program)")
    parser.add_argument("--from", dest="from_ms", type=float, metavar="MS",
                        help="start of the window shown, in ms")
    parser.add_argument("--to", dest="to_ms", type=float, metavar="MS",
                        help="end of the window shown, in ms")
    args = parser.parse_args(argv)
    if args.from_ms is not None and args.to_ms is not None and args.to_ms <= args.from_ms:
        usage_error("--to must be after --from")
    events, other = read_trace(args.trace)
    if not shutil.which("gnuplot"):
        print(f"{PROG}: gnuplot is not installed (apt-get install gnuplot-nox, or "
              "brew install gnuplot)", file=sys.stderr)
        return 1
    tracks, processes = collect(events)
    if not tracks:
        print(f"{PROG}: {args.trace} has no spans or instants to draw", file=sys.stderr)
        return 1
    out_base = args.out or (args.trace[:-5] if args.trace.endswith(".json") else args.trace)
    out_dir = os.path.dirname(os.path.abspath(out_base))
    os.makedirs(out_dir, exist_ok=True)
    script = gnuplot_script(tracks, processes, other, args, out_base)
    gp_path = out_base + ".gp"
    with open(gp_path, "w", encoding="utf-8") as f:
        f.write(script)
    result = subprocess.run(["gnuplot", os.path.basename(gp_path)], cwd=out_dir,
                            capture_output=True, text=True)
    if result.returncode != 0:
        print(f"{PROG}: gnuplot failed:\n{result.stderr}", file=sys.stderr)
        return 1
    if result.stderr.strip():
        print(f"{PROG}: gnuplot said: {result.stderr.strip()}", file=sys.stderr)
    for ext in ("png", "svg"):
        print(f"{out_base}.{ext}")
    return 0
