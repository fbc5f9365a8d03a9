"""stress: grade the reference many times on a loaded machine; list the tests that flip.

  scripts/stress [--lab NN-name] [--runs 30] [--filter GLOB] [--busy N] [--minutes M]
                 [--impl DIR]
  make stress [LAB=NN-name] [RUNS=30] [FILTER=glob] [MINUTES=M]

A graded test must give the same verdict on a quiet machine and on a busy one (the
graders of a course share theirs). This builds the reference once, starts N busy loops
(default: one per core, so that every core is contended), grades every test of the
lab(s) RUNS times exactly as `make grade` does (each test alone, the rubric's timeout,
the sandbox), stops the loops, and reports per test how many runs passed and failed.
A test that fails (or meets a grader error) in any run "flips": its messages are
listed, most frequent first, and the exit status is 1. A test skipped in some runs
(it says why: io_uring missing, the machine too busy to show its mechanism) is listed
with its reason but is not a flip: a skip costs a student nothing. Exit 0: no flip;
2: bad usage.
Each lab is built in build/stress/<lab>/, so a stress run does not disturb `make test`
or `make grade` in the same tree (two labs may be stressed at once).
"""
import argparse
import collections
import fnmatch
import os
import re
import signal
import subprocess
import sys
import time

from conclab import grading as g
from conclab import kit

KIT = kit.ROOT
BUSY_LOOP = "while True: pass"


def start_busy(n):
    """n processes that spin on a core each, at normal priority: the load."""
    return [subprocess.Popen([sys.executable, "-c", BUSY_LOOP], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True) for _ in range(n)]


def stop_busy(loops):
    for p in loops:
        try:
            os.kill(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()


def _terminated(signum, frame):
    raise KeyboardInterrupt


def whole_number(minimum, wanted):
    """An argparse type: a whole number of at least minimum ("must be " + wanted)."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"'{text}' must be {wanted}")
        return value
    return parse


positive = whole_number(1, "at least 1")
not_negative = whole_number(0, "0 or more")


def first_line(message):
    line = (message.strip().splitlines() or ["(no message)"])[0]
    return line[:300]


def build(impl, lab, where, entries):
    """Builds lab of impl once, before the load starts; the runs' builds are then no-ops."""
    build = g.build_lab(impl, os.path.join(where, "out"), os.path.join(where, "tsan"), lab,
                        any(e.tsan for e in entries), os.path.relpath(impl, KIT),
                        os.path.join(where, "checker"))
    if not (build.ok and build.tsan_ok and build.checker_ok):
        log = build.log if not build.ok else build.tsan_log if not build.tsan_ok \
            else build.checker_log
        raise RuntimeError(f"{lab} does not build:\n" + g.compiler_messages(log))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="stress", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.split("\n")[2:]))
    parser.add_argument("--lab", action="append",
                        help="stress only this lab (repeatable; default: every lab)")
    parser.add_argument("--runs", type=positive, default=30,
                        help="how many times each test is graded (default 30)")
    parser.add_argument("--filter", help="grade only the tests matching this glob")
    parser.add_argument("--busy", type=not_negative, default=os.cpu_count() or 2,
                        help="busy loops to run meanwhile (default: one per core, "
                        f"{os.cpu_count() or 2} here)")
    parser.add_argument("--minutes", type=positive,
                        help="start no run after this many minutes (fewer runs then)")
    parser.add_argument("--impl", default="solutions",
                        help="the tree graded (default: solutions, the reference)")
    args = parser.parse_args(argv)
    labs = g.rubric_labs()
    for lab in args.lab or []:
        if lab not in labs:
            parser.error(f"unknown lab '{lab}' (labs: {', '.join(labs)})")
    impl = os.path.abspath(os.path.join(KIT, args.impl))
    if not os.path.isdir(impl):
        parser.error(f"--impl {args.impl}: no such folder")
    labs = args.lab or labs
    plan = {}
    for lab in labs:
        entries = g.read_rubric(lab)
        if args.filter:
            entries = [e for e in entries if fnmatch.fnmatch(e.test, args.filter)
                       or fnmatch.fnmatch(f"{lab}/{e.test}", args.filter)]
        if entries:
            plan[lab] = entries
    if not plan:
        parser.error(f"--filter {args.filter}: no graded test matches")

    where = {lab: os.path.join(KIT, "build", "stress", lab) for lab in plan}
    print(f"stress: {args.runs} run(s) of {sum(len(e) for e in plan.values())} test(s) "
          f"of {', '.join(plan)} ({os.path.relpath(impl, KIT)}), with {args.busy} busy "
          f"loop(s) on {os.cpu_count()} CPU(s)", flush=True)
    try:
        for lab, entries in plan.items():
            build(impl, lab, where[lab], entries)
    except RuntimeError as e:
        print(f"stress: {e}", file=sys.stderr)
        return 1

    # SIGTERM (a kill, a CI timeout) ends the runs as Ctrl-C does: the loops are stopped.
    signal.signal(signal.SIGTERM, _terminated)
    outcomes = collections.defaultdict(list)  # (lab, test) -> [Outcome]
    started = time.monotonic()
    loops = start_busy(args.busy)
    print(f"busy loops: pid(s) {' '.join(str(p.pid) for p in loops) or 'none'}", flush=True)
    try:
        for run in range(1, args.runs + 1):
            if args.minutes and time.monotonic() - started > 60 * args.minutes:
                print(f"stress: {args.minutes} min are up: {run - 1} run(s) made", flush=True)
                break
            failed = []
            for lab, entries in plan.items():
                report = g.grade(impl, labs=[lab], tests={e.test for e in entries},
                                 out=os.path.join(where[lab], "out"),
                                 tsan_out=os.path.join(where[lab], "tsan"),
                                 checker_out=os.path.join(where[lab], "checker"),
                                 shown_as=os.path.relpath(impl, KIT))
                for o in report.outcomes:
                    outcomes[(lab, o.entry.test)].append(o)
                    if o.status != "PASS":
                        failed.append(f"{lab}/{o.entry.test} ({o.status})")
            print(f"run {run}/{args.runs} ({time.monotonic() - started:.0f} s): "
                  + (f"{len(failed)} not passed: {', '.join(failed)}" if failed
                     else "every test passed"), flush=True)
    except KeyboardInterrupt:
        print("stress: interrupted; the runs so far:", flush=True)
    finally:
        stop_busy(loops)

    flips, skipped = [], []
    print(f"\n{'passed':>6} {'failed':>6} {'other':>6}  test")
    for (lab, test), runs in outcomes.items():
        count = collections.Counter(o.status for o in runs)
        other = len(runs) - count["PASS"] - count["FAIL"]
        print(f"{count['PASS']:>6} {count['FAIL']:>6} {other:>6}  {lab}/{test}")
        if count["FAIL"] or count["ERROR"]:
            flips.append((lab, test, runs))
        elif count["SKIP"]:
            skipped.append((lab, test, runs))
    for lab, test, runs in skipped:
        reasons = collections.Counter(first_line(o.message) for o in runs if o.status == "SKIP")
        print(f"SKIP  {lab}/{test}: skipped in {sum(reasons.values())}/{len(runs)} run(s), "
              f"not a flip: {reasons.most_common(1)[0][0]}")
    print(f"\n{len(flips)} test(s) flipped in {len(next(iter(outcomes.values()), []))} "
          f"run(s) ({time.monotonic() - started:.0f} s under load)")
    for lab, test, runs in flips:
        # Messages that differ only in their figures are one kind of failure: counted
        # together, shown by their first example.
        kinds, example = collections.Counter(), {}
        for o in runs:
            if o.status != "PASS":
                line = f"{o.status}: {first_line(o.message)}"
                key = re.sub(r"\d+(\.\d+)?", "#", line)
                kinds[key] += 1
                example.setdefault(key, line)
        print(f"FLIP  {lab}/{test}: passed {sum(o.status == 'PASS' for o in runs)}"
              f"/{len(runs)}")
        for key, n in kinds.most_common(5):
            print(f"        {n}x {example[key]}")
    return 1 if flips else 0


if __name__ == "__main__":
    sys.exit(main())
