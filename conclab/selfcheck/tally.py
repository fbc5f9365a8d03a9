"""How the self-check counts and prints its checks, and times its phases."""
import resource
import threading
import time


class Tally:
    """Counts and prints checks. A buffered Tally (one per check run in parallel with
    others) keeps its lines until merged into the main one, so that each check's lines
    stay together."""

    def __init__(self, buffered=False):
        self.passed = self.failed = self.skipped = 0
        self.failures = []
        self.buffered = buffered
        self.lines = []
        self.lock = threading.Lock()

    def _say(self, line):
        if self.buffered:
            self.lines.append(line)
        else:
            print(line, flush=True)

    def section(self, title):
        self._say(f"\n== {title}")

    def ok(self, what):
        with self.lock:
            self.passed += 1
            self._say(f"  ok    {what}")

    def fail(self, what, detail=""):
        with self.lock:
            self.failed += 1
            self.failures.append(what)
            self._say(f"  FAIL  {what}")
            lines = detail.strip().splitlines()
            if len(lines) > 15:  # the start says what failed, the end why (a traceback)
                lines = lines[:7] + [f"[... {len(lines) - 15} lines ...]"] + lines[-8:]
            for line in lines:
                self._say(f"          {line}")

    def skip(self, what, why):
        with self.lock:
            self.skipped += 1
            self._say(f"  skip  {what}: {why}")

    def merge(self, other):
        """Prints a buffered Tally's lines and adds up its counts."""
        with self.lock:
            for line in other.lines:
                self._say(line)
            self.passed += other.passed
            self.failed += other.failed
            self.skipped += other.skipped
            self.failures += other.failures


def cpu_seconds():
    """CPU time (user + system) of this process and of every child it waited for."""
    return sum(r.ru_utime + r.ru_stime for r in
               (resource.getrusage(resource.RUSAGE_SELF),
                resource.getrusage(resource.RUSAGE_CHILDREN)))


class Phases:
    """Wall and CPU time of each phase of the self-check, printed at its end. The CPU time
    of a phase run beside others (named "|| ...") is not told apart: only the whole."""

    def __init__(self):
        self.times = []
        self.lock = threading.Lock()

    def timed(self, name, func, *args):
        started, cpu = time.monotonic(), cpu_seconds()
        try:
            return func(*args)
        finally:
            with self.lock:
                self.times.append((name, time.monotonic() - started,
                                   None if name.startswith("||") else cpu_seconds() - cpu))

    def print(self):
        print("  wall s    CPU s  phase")
        for name, wall, cpu in self.times:
            print(f"  {wall:6.1f}  {'' if cpu is None else f'{cpu:7.1f}':>7}  {name}")
        print(f"  total CPU time of the self-check: {cpu_seconds():.1f} s")


def section(title):
    print(f"\n== {title}", flush=True)
