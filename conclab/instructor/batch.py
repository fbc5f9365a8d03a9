"""grade-batch: grade every submission in a folder, several at a time, each boxed in.

  scripts/grade-batch [options] DIR

Each entry of DIR that is a folder, a .tar.gz/.tgz/.tar or a .zip (what Gradescope and
LMSs export) is one submission, named after it. Each is graded by
scripts/grade-submission in a fresh copy of the kit that takes only the whitelisted
files (each lab's labs/NN-name/student-files), with hidden tests, and under limits of
its own:
  wall time      --timeout S for the whole submission (default 900), then everything
                 of it is killed (timeout -k);
  CPU time       --cpu S per process (default 600; each test binary also gets
                 its timeout x CPUs);
  processes      --procs N tasks per test (default 512): RLIMIT_NPROC of an
                 unprivileged uid of its own when run as root (see docs/instructors.md);
  file size      --fsize MiB per file written (default 64);
  output size    a program's stdout/stderr is capped at 8 MiB by the test harness, a
                 test's log at 64 KiB by the grader, the feedback at --output-cap KiB
                 (default 256).
-j N submissions run at once (default: CPUs / 2, at least 1; at most 64). One that
crashes, hangs or floods costs its own slot up to its own limits, nothing more. While
it runs it shows done/total and an estimate of the time left (one updating line on a
terminal, a plain line per submission otherwise).

Writes to OUT (--out, default build/batch):
  grades.csv                    submission, points per lab, total, max, note: merged by
                                submission, so regrading one replaces its row only
  summary.txt                   per lab: how many, mean, median, full marks, and the
                                distribution of scores in quarters
  feedback/<name>/feedback.txt  what the student would see: files taken/ignored, tests
  feedback/<name>/results.json  Gradescope's format (and junit.xml)
  checker/                      as root, the kit's test binaries, built once for the
                                batch (they hold no student code) and used by each grading
Exit status 0 when every submission got its row (a submission stopped by its limits
scores 0 with a note), 1 when the batch itself failed, 2 for bad usage.
"""
import argparse
import concurrent.futures
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

from conclab import grading as g
from conclab import kit
from conclab.grading.sandbox import switches_uid
from conclab.instructor import batch_report as report

KIT = kit.ROOT
SCRIPTS = os.path.join(KIT, "scripts")
ARCHIVE = re.compile(r"\.(tar\.gz|tgz|tar|zip)$", re.I)
MAX_JOBS = 64


def submissions(folder):
    """[(name, path)] of the submissions in folder, names made unique."""
    found, seen = [], set()
    for entry in sorted(os.listdir(folder)):
        path = os.path.join(folder, entry)
        if entry.startswith("."):
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            name = entry
        elif os.path.isfile(path) and ARCHIVE.search(entry):
            name = ARCHIVE.sub("", entry)
        else:
            continue
        name = re.sub(r"[^\w.@+-]", "_", name) or "submission"
        base, n = name, 2
        while name in seen:
            name, n = f"{base}-{n}", n + 1
        seen.add(name)
        found.append((name, os.path.abspath(path)))
    return found


def positive(text, most=10**7):
    """A whole number from 1 to most, or a usage error that names the value."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number")
    if not 1 <= value <= most:
        raise argparse.ArgumentTypeError(f"{text} is not between 1 and {most}")
    return value


def jobs(text):
    return positive(text, MAX_JOBS)


def become_subreaper():
    """Orphans of this process's descendants become its children (Linux prctl)."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_CHILD_SUBREAPER = 36
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def kill_descendants():
    """Kills and reaps every remaining descendant (as a subreaper, they all come back to
    us, even those that left the session or changed uid)."""
    for _ in range(200):
        children = set()
        for task in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{task}/children") as f:
                    children |= {int(p) for p in f.read().split()}
            except OSError:
                pass
        if not children:
            break
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 1
        while time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                time.sleep(0.005)


def grade_one(args):
    """Grades one submission (run by xargs, one process per submission)."""
    name, path = args.one
    feedback = os.path.join(args.out, "feedback", name)
    shutil.rmtree(feedback, ignore_errors=True)
    os.makedirs(feedback)
    work = os.path.join(args.out, "work", name)
    shutil.rmtree(work, ignore_errors=True)
    results = os.path.join(feedback, "results.json")
    cmd = ["timeout", "-k", "10", str(args.timeout),
           "prlimit", f"--cpu={args.cpu}", f"--fsize={args.fsize << 20}", "--core=0", "--",
           sys.executable, os.path.join(SCRIPTS, "grade-submission"), "--submission", path,
           "--work", work, "--results", results]
    for lab in args.lab or []:
        cmd += ["--lab", lab]
    if args.filter:
        cmd += ["--filter", args.filter]
    if args.checker:
        cmd += ["--checker", args.checker]
    env = dict(os.environ, CONCLAB_MAX_PROCS=str(args.procs))
    started = time.monotonic()
    become_subreaper()
    cap = args.output_cap << 10
    kept = 0
    with open(os.path.join(feedback, "feedback.txt"), "wb") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)

        def copy_capped():
            # Read all of it (a blocked writer would stall the grading); keep `cap` bytes.
            nonlocal kept
            for chunk in iter(lambda: proc.stdout.read(65536), b""):
                if kept < cap:
                    out.write(chunk[:cap - kept])
                    kept += len(chunk[:cap - kept])

        reader = threading.Thread(target=copy_capped)
        reader.start()
        rc = proc.wait()
        kill_descendants()  # what the wall-time kill left: a test binary's own session
        reader.join()
        if kept >= cap:
            out.write(b"\n[feedback cut at %d KiB]\n" % args.output_cap)
    seconds = time.monotonic() - started
    shutil.rmtree(work, ignore_errors=True)
    if rc != 0 or not os.path.isfile(results):
        why = (f"ran out of its {args.timeout} s wall-time limit" if rc in (124, 137)
               else f"stopped with status {rc}")
        with open(results, "w", encoding="utf-8") as f:
            json.dump({"score": 0, "tests": [], "output":
                       f"The grading of this submission {why}; nothing was scored."}, f)
    with open(os.path.join(feedback, "seconds"), "w") as f:
        f.write(f"{seconds:.1f}\n")
    print(f"  {name}: graded in {seconds:.0f} s", flush=True)
    return 0


class Progress:
    """done/total and an estimate of the time left: one line rewritten in place on a
    terminal, one plain line per finished submission otherwise."""

    def __init__(self, total, stream=sys.stdout):
        self.total, self.done, self.stream = total, 0, stream
        self.started = time.monotonic()
        self.tty = stream.isatty()
        self.lock = threading.Lock()

    def finished(self, name, seconds):
        with self.lock:
            self.done += 1
            elapsed = time.monotonic() - self.started
            left = elapsed / self.done * (self.total - self.done)
            text = (f"[{self.done}/{self.total}] {name} graded in {seconds:.0f} s; "
                    f"{elapsed:.0f} s so far, about {left:.0f} s left")
            if self.tty:
                self.stream.write("\r\033[K" + text + ("\n" if self.done == self.total
                                                        else ""))
            else:
                self.stream.write(text + "\n")
            self.stream.flush()


def build_checker(out, labs):
    """As root, the submissions' verdicts come from a checker (the kit's tests, no student
    code: see docs/kit-internals.md) that is the same for all of them: it is built once,
    here, into OUT/checker, and each grading uses it as it is. Returns its folder, or None
    (not root: each grading builds its own tests with the student's code; or the build
    failed: each grading then builds it and reports the failure as a grader error)."""
    if not switches_uid():
        return None
    checker = os.path.join(out, "checker")
    with open(checker + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another batch into the same OUT builds it too
        for lab in labs:
            ok, log = g.run_make(g.checker_command(checker, lab))
            if not ok:
                print(f"grade-batch: the kit's tests of {lab} do not build; each "
                      f"submission will report it:\n{log[-1500:]}", file=sys.stderr)
                return None
    return checker


def run_all(args, subs):
    """Grades the submissions, args.jobs at a time, each in its own boxed-in process."""
    forwarded = [f"--out={args.out}", f"--timeout={args.timeout}", f"--cpu={args.cpu}",
                 f"--procs={args.procs}", f"--fsize={args.fsize}",
                 f"--output-cap={args.output_cap}"] + [f"--lab={l}" for l in args.lab or []] \
        + ([f"--filter={args.filter}"] if args.filter else []) \
        + ([f"--checker={args.checker}"] if args.checker else [])
    progress = Progress(len(subs))
    failed = []

    def one(sub):
        name, path = sub
        started = time.monotonic()
        proc = subprocess.run([sys.executable, os.path.join(SCRIPTS, "grade-batch"),
                               *forwarded, "--one", name, path], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              errors="replace")
        if proc.returncode != 0:
            failed.append(f"{name}: {proc.stderr.strip()[-300:]}")
        progress.finished(name, time.monotonic() - started)

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(one, subs))
    return failed


def main():
    parser = argparse.ArgumentParser(
        prog="grade-batch", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("dir", nargs="?",
                        help="folder of submissions (folders, .tar.gz, .tgz, .tar or .zip)")
    parser.add_argument("-j", "--jobs", type=jobs,
                        default=max(1, (os.cpu_count() or 2) // 2),
                        help=f"submissions graded at once (1 to {MAX_JOBS})")
    parser.add_argument("-o", "--out", default=os.path.join(KIT, "build", "batch"))
    parser.add_argument("--lab", action="append", help="grade only this lab (repeatable)")
    parser.add_argument("--timeout", type=positive, default=900,
                        help="wall seconds per submission")
    parser.add_argument("--cpu", type=positive, default=600, help="CPU seconds per process")
    parser.add_argument("--procs", type=positive, default=512, help="tasks per test")
    parser.add_argument("--fsize", type=positive, default=64, help="MiB per file written")
    parser.add_argument("--output-cap", type=positive, default=256,
                        help="KiB of feedback kept per submission")
    parser.add_argument("--filter", help="grade only tests matching this glob (for tests "
                        "of the kit; never for real grading)")
    parser.add_argument("--one", nargs=2, metavar=("NAME", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--checker", help=argparse.SUPPRESS)  # set by build_checker()
    args = parser.parse_args()
    args.out = os.path.abspath(args.out)
    labs = kit.rubric_labs()
    for lab in args.lab or []:
        if lab not in labs:
            parser.error(f"unknown lab '{lab}' (labs: {', '.join(labs)})")
    if args.one:
        return grade_one(args)
    if not args.dir:
        parser.error("the folder of submissions is missing")
    if not os.path.isdir(args.dir):
        parser.error(f"{args.dir} is not a folder")
    subs = submissions(args.dir)
    if not subs:
        parser.error(f"{args.dir} holds no submission (folders, .tar.gz, .tgz, .tar or "
                     f".zip files)")
    labs = args.lab or labs

    os.makedirs(args.out, exist_ok=True)
    os.chmod(args.out, 0o755)
    os.makedirs(os.path.join(args.out, "work"), mode=0o755, exist_ok=True)
    os.chmod(os.path.join(args.out, "work"), 0o755)  # the sandbox uid reaches the builds
    started = time.monotonic()
    print(f"grade-batch: {len(subs)} submission(s), {args.jobs} at a time, into "
          f"{os.path.relpath(args.out, os.getcwd())}/", flush=True)
    args.checker = build_checker(args.out, labs)
    failed = run_all(args, subs)
    rows = [report.row_of(args.out, name, labs) for name, _ in subs]
    path = os.path.join(args.out, "grades.csv")
    merged, columns = report.merge_csv(path, rows, labs)
    width = max(len(r["submission"]) for r in rows)
    for r in rows:
        print(f"  {r['submission']:<{width}}  {r['total']:>6g}/{r['max']:<6g} {r['note']}")
    lines = report.summary(merged, columns)
    with open(os.path.join(args.out, "summary.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"grade-batch: {len(rows)} graded in {time.monotonic() - started:.0f} s; "
          f"{os.path.relpath(path, os.getcwd())} holds {len(merged)} row(s)")
    for f in failed:
        print(f"grade-batch: {f}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
