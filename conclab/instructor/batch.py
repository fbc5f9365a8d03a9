"""grade-batch: grade every submission in a folder, several at a time, each boxed in.

  scripts/grade-batch [options] DIR

Each entry of DIR that is a folder or a .tar.gz/.tgz is one submission, named after it.
Each is graded by scripts/grade-submission in a fresh copy of the kit that takes only
the whitelisted files (each lab's labs/NN-name/student-files), with hidden tests, and under
limits of its own:
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
-j N submissions run at once (xargs -P; default: CPUs / 2, at least 1). One that
crashes, hangs or floods costs its own slot up to its own limits, nothing more.

Writes to OUT (--out, default build/batch):
  grades.csv                    submission, points per lab, total, max, note
  feedback/<name>/feedback.txt  what the student would see: files taken/ignored, tests
  feedback/<name>/results.json  Gradescope's format (and junit.xml)
Exit status 0 when every submission got its row (a submission stopped by its limits
scores 0 with a note), 1 when the batch itself failed, 2 for bad usage.
"""
import argparse
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

from conclab import kit

KIT = kit.ROOT
SCRIPTS = os.path.join(KIT, "scripts")
ARCHIVE = re.compile(r"\.(tar\.gz|tgz)$")


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


def positive(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be above 0")
    return value


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


def collect(args, subs, labs):
    rows = []
    for name, _ in subs:
        feedback = os.path.join(args.out, "feedback", name)
        row = {"submission": name, **{lab: 0 for lab in labs}, "total": 0, "max": 0,
               "note": ""}
        try:
            with open(os.path.join(feedback, "results.json"), encoding="utf-8") as f:
                results = json.load(f)
        except (OSError, ValueError):
            row["note"] = "no results (the grader did not run)"
            rows.append(row)
            continue
        for t in results.get("tests", []):
            lab = t.get("name", "").split(":", 1)[0]
            if lab in row:
                row[lab] += t.get("score", 0)
        row["total"] = results.get("score", 0)
        row["max"] = results.get("max_score", sum(t.get("max_score", 0)
                                                  for t in results.get("tests", [])))
        if not results.get("tests"):
            row["note"] = results.get("output", "").splitlines()[0][:200]
        elif "does not build" in json.dumps(results):
            row["note"] = "build failed: " + ", ".join(
                sorted({t["name"].split(":")[0] for t in results["tests"]
                        if "does not build" in t.get("output", "")}))
        rows.append(row)
    fields = ["submission", *labs, "total", "max", "note"]
    path = os.path.join(args.out, "grades.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:g}" if isinstance(v, float) else v)
                             for k, v in row.items()})
    return path, rows


def main():
    parser = argparse.ArgumentParser(
        prog="grade-batch", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("dir", nargs="?", help="folder of submissions (folders or .tar.gz)")
    parser.add_argument("-j", "--jobs", type=positive,
                        default=max(1, (os.cpu_count() or 2) // 2))
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
        parser.error(f"{args.dir} holds no submission (folders or .tar.gz files)")
    labs = args.lab or labs

    os.makedirs(args.out, exist_ok=True)
    os.chmod(args.out, 0o755)
    os.makedirs(os.path.join(args.out, "work"), mode=0o755, exist_ok=True)
    os.chmod(os.path.join(args.out, "work"), 0o755)  # the sandbox uid reaches the builds
    started = time.monotonic()
    print(f"grade-batch: {len(subs)} submission(s), {args.jobs} at a time, into "
          f"{os.path.relpath(args.out, os.getcwd())}/", flush=True)
    forwarded = [f"--out={args.out}", f"--timeout={args.timeout}", f"--cpu={args.cpu}",
                 f"--procs={args.procs}", f"--fsize={args.fsize}",
                 f"--output-cap={args.output_cap}"] + [f"--lab={l}" for l in args.lab or []] \
        + ([f"--filter={args.filter}"] if args.filter else [])
    # xargs runs the submissions, -j at a time: two arguments (name, path) per job.
    listing = b"".join(f"{n}\0{p}\0".encode() for n, p in subs)
    proc = subprocess.run(["xargs", "-0", "-n", "2", "-P", str(args.jobs), sys.executable,
                           os.path.abspath(__file__), *forwarded, "--one"], input=listing)
    path, rows = collect(args, subs, labs)
    width = max(len(r["submission"]) for r in rows)
    for r in rows:
        print(f"  {r['submission']:<{width}}  {r['total']:>6g}/{r['max']:<6g} {r['note']}")
    print(f"grade-batch: {len(rows)} graded in {time.monotonic() - started:.0f} s; "
          f"{os.path.relpath(path, os.getcwd())}")
    return 0 if proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
