"""bench-workers: time a command for worker counts 1..K, R times each, into CSV.

    scripts/bench-workers [options] -- COMMAND ARG... ({n} is the worker count)

    scripts/bench-workers -k 8 -r 5 -o procs.csv -- build/solutions/03-pool/procs {n}

The order is interleaved: every worker count once (round 1), then every count again
(round 2), and so on, so that drift on a shared or thermally throttled machine spreads
over all counts instead of biasing the last ones.

Each run is measured with wait4(2): wall time on the monotonic clock, user and system
CPU time of the process and of every descendant it waited for (a pool's workers), and
the largest resident set of any one of them. The max RSS comes from GNU time
(/usr/bin/time) when it is installed: a child spawned straight from Python inherits
Python's own RSS as its high-water mark (exec records the old address space's peak), so
wait4's figure would never drop below ~13 MB. A run that exits non-zero, is killed, or
times out is recorded with its status and empty times: it never counts as a time.

Rows are written and flushed as runs finish, so Ctrl-C keeps every finished row (the
interrupted run is dropped) and exits 130. Progress goes to stderr.

Python 3 standard library only (the kit's grader already needs python3).
"""

import argparse
import datetime
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

PROG = "bench-workers"
PLACEHOLDER = "{n}"
COLUMNS = ["series", "command", "workers", "repetition", "wall_s", "user_s", "sys_s",
           "maxrss_kb", "status"]
from conclab import kit

KIT_ROOT = kit.ROOT


class UsageError(Exception):
    pass


def usage_error(message):
    print(f"{PROG}: {message}", file=sys.stderr)
    print(f"Try '{PROG} --help'.", file=sys.stderr)
    sys.exit(2)


# ------------------------------------------------------------------ arguments

def positive_int(text, what, low=1, high=1_000_000):
    if not re.fullmatch(r"[0-9]+", text or ""):
        raise UsageError(f"{what}: '{text}' is not a whole number")
    value = int(text)
    if not low <= value <= high:
        raise UsageError(f"{what}: '{text}' is out of range (expected {low} to {high})")
    return value


def parse_workers(text):
    """'1-8', '1,2,4,8' or '1-4,8,16' -> sorted list of distinct counts."""
    counts = set()
    for part in text.split(","):
        m = re.fullmatch(r"\s*([0-9]+)\s*(?:-\s*([0-9]+)\s*)?", part)
        if not m:
            raise UsageError(f"--workers: '{text}' is not a list like 1-8 or 1,2,4,8")
        low = positive_int(m.group(1), "--workers", 1, 4096)
        high = positive_int(m.group(2), "--workers", 1, 4096) if m.group(2) else low
        if high < low:
            raise UsageError(f"--workers: range '{part.strip()}' goes backwards")
        counts.update(range(low, high + 1))
    return sorted(counts)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog=PROG, add_help=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage=f"{PROG} [options] -- COMMAND [ARG...]",
        description="Run COMMAND for worker counts 1..K, R times each, interleaved, and\n"
                    f"write one CSV row per run. '{PLACEHOLDER}' in COMMAND or its "
                    "arguments is replaced\nby the worker count (use 'sh -c \"...{n}...\"' "
                    "for pipes or redirections).",
        epilog="CSV columns: " + ",".join(COLUMNS) + "\n"
               "  status is 'ok', 'exit N', 'signal N', 'timeout' or 'error: ...';\n"
               "  times are empty when status is not 'ok'. Lines starting with '#' name\n"
               "  the machine, the kit version, the date and the command.\n\n"
               "Exit status: 0 every run ok, 1 some run failed, 2 bad usage, 130 interrupted.\n\n"
               "Example:\n"
               f"  {PROG} -k 8 -r 5 -o procs.csv -- build/solutions/03-pool/procs {{n}}")
    parser.add_argument("-k", "--max-workers", metavar="K",
                        help="worker counts 1..K (default: 2 x online CPUs)")
    parser.add_argument("-w", "--workers", metavar="LIST",
                        help="explicit counts instead of -k, e.g. 1-8 or 1,2,4,8")
    parser.add_argument("-r", "--reps", metavar="R", default="5",
                        help="repetitions of each count (default 5)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the CSV here (default: standard output)")
    parser.add_argument("-a", "--append", action="store_true",
                        help="append rows to an existing FILE (adds a series to it)")
    parser.add_argument("-l", "--label", metavar="NAME",
                        help="series name for the plots (default: the command's name "
                             "and options)")
    parser.add_argument("-t", "--timeout", metavar="SECONDS", default="600",
                        help="kill a run after this long and record 'timeout' (default 600)")
    parser.add_argument("--warmup", metavar="W", default="0",
                        help="untimed runs before measuring, at the first count (default 0)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("-h", "--help", action="help", help="show this help and exit")
    parser.add_argument("command", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    # argparse exits 2 on its own errors, with a usage line: that is the contract.
    args = parser.parse_args(argv)
    command = args.command
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise UsageError("no command given (put it after '--', with {n} for the worker count)")
    if not any(PLACEHOLDER in word for word in command):
        raise UsageError(f"the command has no '{PLACEHOLDER}' placeholder for the worker "
                         f"count: {' '.join(command)}")
    if args.workers and args.max_workers:
        raise UsageError("give either --workers or --max-workers, not both")
    if args.workers:
        args.counts = parse_workers(args.workers)
    else:
        k = positive_int(args.max_workers, "--max-workers", 1, 4096) if args.max_workers \
            else 2 * (os.cpu_count() or 1)
        args.counts = list(range(1, k + 1))
    args.reps = positive_int(args.reps, "--reps", 1, 10_000)
    args.warmup = positive_int(args.warmup, "--warmup", 0, 100)
    try:
        args.timeout = float(args.timeout)
    except ValueError:
        raise UsageError(f"--timeout: '{args.timeout}' is not a number of seconds")
    if not 0 < args.timeout < 1e6:
        raise UsageError(f"--timeout: '{args.timeout}' is out of range")
    if args.append and not args.output:
        raise UsageError("--append needs --output FILE")
    exe = command[0].replace(PLACEHOLDER, "1")
    if shutil.which(exe) is None:
        raise UsageError(f"command not found or not executable: {exe}")
    args.command = command
    if not args.label:
        args.label = default_label(command)
    return args


def default_label(command):
    """'build/x/03-pool/threads --gil {n}' -> 'threads --gil'."""
    words = [os.path.basename(command[0])] + [w for w in command[1:] if PLACEHOLDER not in w]
    return " ".join(words)


# ------------------------------------------------------------------ the machine

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def physical_cores():
    """Distinct (package, core) pairs from sysfs; None when unknown."""
    cores = set()
    base = "/sys/devices/system/cpu"
    try:
        for name in os.listdir(base):
            if not re.fullmatch(r"cpu[0-9]+", name):
                continue
            topo = os.path.join(base, name, "topology")
            try:
                with open(os.path.join(topo, "physical_package_id")) as f:
                    pkg = f.read().strip()
                with open(os.path.join(topo, "core_id")) as f:
                    core = f.read().strip()
                cores.add((pkg, core))
            except OSError:
                continue
    except OSError:
        return None
    return len(cores) or None


def kit_version():
    version = "unknown"
    try:
        with open(os.path.join(KIT_ROOT, "lib", "cli.h")) as f:
            m = re.search(r'#define\s+CONCLAB_VERSION\s+"([^"]+)"', f.read())
            if m:
                version = m.group(1)
    except OSError:
        pass
    try:
        described = subprocess.run(["git", "-C", KIT_ROOT, "describe", "--always", "--dirty"],
                                   capture_output=True, text=True, timeout=5)
        if described.returncode == 0 and described.stdout.strip():
            version += f" (git {described.stdout.strip()})"
    except (OSError, subprocess.SubprocessError):
        pass
    return version


def header_lines(args):
    online = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = physical_cores()
    uname = os.uname()
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    counts = args.counts
    contiguous = counts == list(range(counts[0], counts[-1] + 1))
    return [
        "conclab bench-workers: one row per run; status other than ok means no time",
        f"kit: conclab {kit_version()}",
        f"machine: {cpu_model()}",
        f"cpus: {online}",
        f"cores: {cores if cores else 'unknown'}",
        f"kernel: {uname.sysname} {uname.release} {uname.machine}",
        f"date: {now.isoformat().replace('+00:00', 'Z')}",
        f"loadavg at start: {load}",
        "maxrss: " + ("largest single process, by GNU time" if gnu_time() else
                      "largest single process, by wait4 (no GNU time: includes the "
                      "runner's own RSS, ~13 MB floor)"),
        f"series: {args.label}",
        f"command: {' '.join(args.command)}",
        "workers: " + (f"{counts[0]}..{counts[-1]}" if contiguous
                       else ",".join(map(str, counts)))
        + f"; repetitions: {args.reps}; order: interleaved",
    ]


# ------------------------------------------------------------------ one run

def gnu_time():
    """Path of GNU time, or None (then max RSS comes from wait4 and includes Python's)."""
    for path in ("/usr/bin/time", "/bin/time"):
        if os.access(path, os.X_OK):
            try:
                probe = subprocess.run([path, "-f", "%M", "true"], capture_output=True,
                                       text=True, timeout=5)
            except (OSError, subprocess.SubprocessError):
                continue
            if probe.returncode == 0 and probe.stderr.strip().isdigit():
                return path
    return None


def csv_field(value):
    text = str(value)
    if any(c in text for c in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


class Interrupted(Exception):
    pass


class Runner:
    """Spawns one run in its own process group, so a timeout or Ctrl-C reaches all of it."""

    def __init__(self, timeout):
        self.timeout = timeout
        self.pgid = None
        self.stderr_file = tempfile.TemporaryFile()
        self.gnu_time = gnu_time()
        self.time_file = tempfile.NamedTemporaryFile(prefix="bench-workers-", suffix=".time")

    def kill_group(self, sig):
        if self.pgid is not None:
            try:
                os.killpg(self.pgid, sig)
            except ProcessLookupError:
                pass

    def run(self, argv):
        """Returns (status, wall, user, sys, maxrss_kb, last stderr line)."""
        self.stderr_file.seek(0)
        self.stderr_file.truncate()
        timed_out = threading.Event()

        def on_timeout():
            timed_out.set()
            self.kill_group(signal.SIGKILL)

        if self.gnu_time:
            argv = [self.gnu_time, "-f", "%M", "-o", self.time_file.name] + argv
        start = time.perf_counter()
        try:
            pid = os.posix_spawnp(argv[0], argv, os.environ, setsid=True, file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
                (os.POSIX_SPAWN_DUP2, self.stderr_file.fileno(), 2),
            ])
        except OSError as e:
            return (f"error: {e.strerror}", None, None, None, None, "")
        self.pgid = pid
        timer = threading.Timer(self.timeout, on_timeout)
        timer.daemon = True
        timer.start()
        try:
            _, wstatus, usage = os.wait4(pid, 0)
        except KeyboardInterrupt:
            # Stop the whole run, reap it, and let the caller keep what it has.
            self.kill_group(signal.SIGINT)
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                done, _ = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                time.sleep(0.02)
            else:
                self.kill_group(signal.SIGKILL)
                os.waitpid(pid, 0)
            raise Interrupted()
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        # Leftover descendants (a program that leaked workers) must not outlive the run.
        self.kill_group(signal.SIGKILL)
        self.pgid = None

        maxrss = usage.ru_maxrss
        status = None
        if self.gnu_time:
            # GNU time writes "Command terminated by signal N" or "Command exited with
            # non-zero status N" before the format line, and exits 128+N for a signal.
            try:
                with open(self.time_file.name, errors="replace") as f:
                    lines = f.read().strip().splitlines()
            except OSError:
                lines = []
            for line in lines:
                m = re.match(r"Command terminated by signal ([0-9]+)", line)
                if m:
                    status = f"signal {m.group(1)}"
            if lines and lines[-1].strip().isdigit():
                maxrss = int(lines[-1].strip())
        if timed_out.is_set():
            status = "timeout"
        elif status:
            pass
        elif os.WIFSIGNALED(wstatus):
            status = f"signal {os.WTERMSIG(wstatus)}"
        elif os.WEXITSTATUS(wstatus) != 0:
            status = f"exit {os.WEXITSTATUS(wstatus)}"
        else:
            status = "ok"
        last = ""
        if status != "ok":
            self.stderr_file.seek(0)
            lines = self.stderr_file.read()[-4096:].decode(errors="replace").strip().splitlines()
            last = lines[-1] if lines else ""
        return (status, wall, usage.ru_utime, usage.ru_stime, maxrss, last)


# ------------------------------------------------------------------ progress

def fmt_duration(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m"


class Progress:
    def __init__(self, total, quiet):
        self.total = total
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.start = time.monotonic()
        self.last_print = 0.0
        self.width = 0

    def show(self, done, workers, rep, note=""):
        if self.quiet:
            return
        now = time.monotonic()
        elapsed = now - self.start
        eta = elapsed / done * (self.total - done) if done else 0.0
        text = (f"{PROG}: run {done}/{self.total} (workers {workers}, round {rep}), "
                f"{fmt_duration(elapsed)} elapsed, ETA {fmt_duration(eta)}")
        if note:
            text += f"  [{note}]"
        if self.tty:
            pad = max(0, self.width - len(text))
            sys.stderr.write("\r" + text + " " * pad)
            self.width = len(text)
            sys.stderr.flush()
        elif note or done == self.total or now - self.last_print >= 5:
            print(text, file=sys.stderr)
            self.last_print = now

    def say(self, message):
        if self.tty and self.width and not self.quiet:
            sys.stderr.write("\n")
            self.width = 0
        print(f"{PROG}: {message}", file=sys.stderr)

    def finish(self):
        if self.tty and self.width and not self.quiet:
            sys.stderr.write("\n")
            self.width = 0


# ------------------------------------------------------------------ main

def _main(argv):
    try:
        args = parse_args(argv)
    except UsageError as e:
        usage_error(str(e))

    if args.output:
        try:
            existed = os.path.exists(args.output) and os.path.getsize(args.output) > 0
            out = open(args.output, "a" if args.append else "w", encoding="utf-8")
        except OSError as e:
            usage_error(f"cannot write {args.output}: {e.strerror}")
        write_columns = not (args.append and existed)
    else:
        out = sys.stdout
        write_columns = True

    for line in header_lines(args):
        out.write(f"# {line}\n")
    if write_columns:
        out.write(",".join(COLUMNS) + "\n")
    out.flush()

    runner = Runner(args.timeout)
    plan = [(rep, n) for rep in range(1, args.reps + 1) for n in args.counts]
    progress = Progress(len(plan), args.quiet)
    failures = 0
    done = 0
    command_text = " ".join(args.command)

    def argv_for(n):
        return [w.replace(PLACEHOLDER, str(n)) for w in args.command]

    # Ctrl-C arrives as KeyboardInterrupt; SIGTERM is treated the same way.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        for _ in range(args.warmup):
            runner.run(argv_for(args.counts[0]))
        for rep, n in plan:
            progress.show(done, n, rep)
            status, wall, user, sys_t, rss, last = runner.run(argv_for(n))
            row = [args.label, command_text, n, rep]
            if status == "ok":
                row += [f"{wall:.6f}", f"{user:.6f}", f"{sys_t:.6f}", rss]
            else:
                row += ["", "", "", ""]
                failures += 1
            row.append(status)
            out.write(",".join(csv_field(v) for v in row) + "\n")
            out.flush()
            done += 1
            note = ""
            if status != "ok":
                note = f"workers {n}: {status}" + (f": {last}" if last else "")
            progress.show(done, n, rep, note)
    except (Interrupted, KeyboardInterrupt):
        progress.finish()
        out.flush()
        where = args.output or "standard output"
        progress.say(f"interrupted: kept {done} of {len(plan)} runs in {where}")
        if out is not sys.stdout:
            out.close()
        return 130
    progress.finish()
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    elapsed = time.monotonic() - progress.start
    out.write(f"# loadavg at end: {load}; {len(plan)} runs in {elapsed:.1f}s\n")
    out.flush()
    if out is not sys.stdout:
        out.close()
    if failures:
        progress.say(f"{failures} of {len(plan)} runs failed (recorded with their status)")
        return 1
    return 0


def main(argv):
    try:
        return _main(argv)
    except BrokenPipeError:  # its output piped into head, say
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
