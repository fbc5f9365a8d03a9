"""selfcheck: the kit checks itself (what `make test` and CI run).

It fails when any of these fails:
  1. the support library's unit tests (plain, and under ASan+UBSan);
  2. a warning-free build of lib, labs/ and solutions/ with gcc, and with clang
     where clang is installed;
  3. every GRADED test is in its lab's rubric, and every rubric line names a test;
  4. solutions/ scores full marks;
  5. the starter in labs/ passes no graded test;
  6. every known-wrong submission (tests/mutants/<lab>/<name>.patch, applied to the
     reference) fails the tests its metadata lists; a patch that no longer applies fails;
  7. the solutions run clean under ASan+UBSan and ThreadSanitizer (tests/<lab>/sanitize);
  8. the kit's script tests (tests/scripts/*_test) pass.
It prints each check and ends with one line: "selfcheck: N passed, N failed, N skipped".

It runs in two phases. Phase 1, side by side: what does not depend on timing (the
builds, each compiler and sanitizer in its own folder; the lib's unit tests; the
sanitizer runs; the script tests, a few at a time; the shared checker, then each lab's
mutant workspace, and, once the checker is built, the starter's grading, whose tests
fail whatever the load). Phase 2: the graded runs whose tests watch mechanisms in time
(the reference, each lab's mutants and listed equivalent mutants) and the script tests
that grade whole bundles, three at a time (PHASE2_LANES), with, at the lowest CPU
priority, the clang builds and handout_test in the CPU time they leave idle
(background()); then, alone, the script test that bounds a duration tightly. It ends
with the wall and CPU time of each phase.
"""
import argparse
import fcntl
import glob
import os
import re
import shutil
import subprocess
import sys
import threading
import time

from conclab import grading as g
from conclab import kit
from conclab.grading.rubric import part_titles
from conclab.mutation import equivalents
from conclab.selfcheck import mutants
from conclab.selfcheck.graded import CHECKER, check_mutants, check_solutions, check_starter
from conclab.selfcheck.tally import Phases, Tally

KIT = kit.ROOT
SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "WARNING: ThreadSanitizer", "ERROR: ThreadSanitizer",
                     "ERROR: UndefinedBehaviorSanitizer")


# A build never waits for anything: its timeout only stops a runaway make. It is far
# above what the builds need, even side by side on a machine shared by many jobs (they
# took up to 26 min there), so that a verdict never depends on the load.
BUILD_TIMEOUT_S = 3600


def make(*args, timeout=BUILD_TIMEOUT_S):
    cmd = ["make", "--no-print-directory", "-C", KIT, "-j2", "NO_DEPS_CHECK=1", *args]
    return g.run_make(cmd, timeout)


def run_criterion(binary, env=None):
    """Runs a whole Criterion binary; (ok, tests_run, output)."""
    proc = subprocess.run(["timeout", "-k", "5", "300", binary, "--jobs=2"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", env=env, cwd=KIT)
    m = re.search(r"Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+) \| Crashing: (\d+)",
                  proc.stdout)
    tested = int(m.group(1)) if m else 0
    ok = proc.returncode == 0 and m is not None and int(m.group(3)) == 0 and tested > 0
    return ok, tested, proc.stdout


# ------------------------------------------------------------------ checks


LIB_VARIANTS = ((None, "plain"), ("address", "ASan+UBSan"))


def check_lib(t, variants=LIB_VARIANTS):
    t.section("support library unit tests")
    for san, label in variants:
        args = ["libtests"] + ([f"SAN={san}"] if san else [])
        ok, log = make(*args)
        if not ok:
            t.fail(f"lib tests build ({label})", g.compiler_messages(log))
            continue
        root = os.path.join(KIT, "build", "asan" if san else "")
        passed, tested, out = run_criterion(os.path.join(root, "lib", "tests"))
        if passed:
            t.ok(f"lib unit tests ({label}): {tested} passed")
        else:
            t.fail(f"lib unit tests ({label})", out[-3000:])


def compilers(t):
    """(cc, build root) of each compiler the builds are checked with."""
    found = [("gcc", "build")]
    if shutil.which("clang"):
        found.append(("clang", "build/clang"))
    else:
        t.skip("clang build", "clang is not installed")
    return found


def check_builds(t, labs, which):
    t.section("warning-free builds (-Wall -Wextra -Werror)")
    for cc, root in which:
        for impl in ("labs", "solutions"):
            # The tests are the same files in both trees: the labs/ build compiles them
            # with each compiler. gcc's solutions/ tree keeps its test binaries (script
            # tests run `make impl IMPL=solutions` in build/, which would build them).
            extra = ["libtests"] if impl == "labs" else [] if cc == "gcc" else ["TESTS=0"]
            ok, log = make("impl", f"IMPL={impl}", f"CC={cc}", f"BUILD={root}", *extra)
            if ok:
                t.ok(f"{cc}: {impl}/ builds with no warning")
            else:
                t.fail(f"{cc}: {impl}/ build", g.compiler_messages(log))


def check_rubrics(t, labs):
    t.section("rubrics match the tests")
    for lab in labs:
        binary = os.path.join(KIT, "build", "solutions", lab, "tests")
        if not os.access(binary, os.X_OK):
            t.fail(f"{lab}: no test binary at {os.path.relpath(binary, KIT)}")
            continue
        in_binary = set(g.list_tests(binary))
        in_rubric = {e.test for e in g.read_rubric(lab)}
        parts = {e.part for e in g.read_rubric(lab)}
        titled = set(part_titles(lab))
        if "" in parts or parts - titled:
            t.fail(f"{lab}: rubric parts and handout disagree",
                   ("tests before any `part` line\n" if "" in parts else "")
                   + "".join(f"part {p} has no '## Part {p}' heading in labs/{lab}/README.md\n"
                             for p in sorted(parts - titled - {""})))
        missing = sorted(in_binary - in_rubric)
        unknown = sorted(in_rubric - in_binary)
        if missing or unknown:
            t.fail(f"{lab}: rubric and tests disagree",
                   (f"tests without points: {', '.join(missing)}\n" if missing else "")
                   + (f"rubric lines with no test: {', '.join(unknown)}" if unknown else ""))
        else:
            t.ok(f"{lab}: {len(in_rubric)} graded tests, all in the rubric")


def build_sanitized(t, san):
    """Builds solutions/ with SAN=address or thread (build/asan, build/tsan): its programs
    and drivers, what tests/<lab>/sanitize runs and the graded ThreadSanitizer tests
    start; not the test binaries (TESTS=0), which hold no student code and are built
    apart (the checker)."""
    ok, log = make("impl", "IMPL=solutions", f"SAN={san}", "TESTS=0")
    if not ok:
        t.fail(f"solutions/ build with SAN={san}", g.compiler_messages(log))


def sanitize_lines(t, labs, report):
    """{lab: [words of each valid line of tests/<lab>/sanitize]}; report: fail the
    self-check on a missing file, a bad line, or a file that runs nothing."""
    found = {}
    for lab in labs:
        path = os.path.join(KIT, "tests", lab, "sanitize")
        if not os.path.isfile(path):
            if report:
                t.fail(f"{lab}: no tests/{lab}/sanitize: the reference is never run under "
                       f"the sanitizers")
            continue
        with open(path, encoding="utf-8") as f:
            lines = [l.split("#", 1)[0].split() for l in f]
        found[lab] = []
        for words in lines:
            if not words:
                continue
            if len(words) < 3 or words[0] not in ("address", "thread", "both"):
                if report:
                    t.fail(f"{lab}/sanitize: bad line: {' '.join(words)}")
                continue
            found[lab].append(words)
        if not found[lab] and report:
            t.fail(f"{lab}: tests/{lab}/sanitize runs nothing")
    if report and labs and not any(found.values()):
        t.fail("no sanitizer run was executed")
    return found


def check_sanitizers(t, labs, kinds=("address", "thread"), report=True):
    """Runs the lines of tests/<lab>/sanitize of these kinds on the sanitized builds
    (build_sanitized); report: also check the files' form (see sanitize_lines)."""
    t.section(f"sanitizers on the reference ({', '.join(kinds)})")
    env = dict(os.environ,
               ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:exitcode=66:abort_on_error=0",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1",
               TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1")
    for lab, lines in sanitize_lines(t, labs, report).items():
        for words in lines:
            for kind in ("address", "thread"):
                if kind not in kinds or words[0] not in (kind, "both"):
                    continue
                root = "asan" if kind == "address" else "tsan"
                binary = os.path.join(KIT, "build", root, "solutions", lab, words[2])
                cmd = ["timeout", "-k", "5", "120", binary] + words[3:]
                label = f"{lab}: {kind}: {' '.join(words[2:])}"
                proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, errors="replace",
                                      env=env, cwd=os.path.dirname(binary))
                found = [r for r in SANITIZER_REPORTS if r in proc.stderr]
                if found:
                    t.fail(label + " reports an error", proc.stderr[-3000:])
                elif proc.returncode == 77:
                    t.skip(label, proc.stderr.strip().splitlines()[-1:] or "unsupported")
                elif str(proc.returncode) != words[1]:
                    t.fail(f"{label}: exit status {proc.returncode}, expected {words[1]}",
                           proc.stderr[-1500:])
                else:
                    t.ok(label)


# A script test's timeout stops a hung one; the longest (whole bundles built and graded)
# take a few minutes alone on a quiet machine, many more beside other jobs.
SCRIPT_TIMEOUT_S = 1200
# Script tests run this many at a time: they wait (timeouts, graders) as much as they
# compute.
SCRIPT_JOBS = 3


def run_script(t, path, built=None, args=()):
    """One script test (tests/scripts/*_test) with args: exit 0 passes, 77 skips. One that
    builds in build/ (NEEDS_BUILD_MARKER) waits for the event `built` (the gcc builds are
    done)."""
    name = " ".join([os.path.relpath(path, KIT), *args])
    if built is not None and needs_build(path):
        built.wait()
    started = time.monotonic()
    try:
        proc = subprocess.run(["timeout", "-k", "5", str(SCRIPT_TIMEOUT_S), path, *args],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace",
                              cwd=KIT)
    except OSError as e:
        t.fail(name, str(e))
        return
    took = f" ({time.monotonic() - started:.0f} s)"
    if proc.returncode == 0:
        t.ok(name + took)
    elif proc.returncode == 77:
        t.skip(name, (proc.stdout.strip().splitlines() or ["unsupported"])[-1])
    else:
        t.fail(f"{name} (exit {proc.returncode}){took}", proc.stdout[-3000:])


def script_tests(group=None):
    """The script tests (tests/scripts/*_test; the folder's other files are their tools)
    named in group (TIMED_SCRIPTS, GRADING_SCRIPTS, PER_LAB_SCRIPTS), or, by default, all
    the others."""
    special = TIMED_SCRIPTS + GRADING_SCRIPTS + PER_LAB_SCRIPTS + BACKGROUND_SCRIPTS
    return sorted(p for p in glob.glob(os.path.join(KIT, "tests", "scripts", "*_test"))
                  if os.access(p, os.X_OK) and not os.path.isdir(p)
                  and (os.path.basename(p) in group if group is not None
                       else os.path.basename(p) not in special))


def check_scripts(t, jobs=SCRIPT_JOBS, built=None):
    """The script tests but TIMED_SCRIPTS, `jobs` at a time, longest first (each prints as
    it ends); those that build in build/ wait for the event `built` (see run_script)."""
    t.section("script tests (tests/scripts/)")
    scripts = script_tests()
    if not scripts and not script_tests(TIMED_SCRIPTS + GRADING_SCRIPTS + PER_LAB_SCRIPTS
                                        + BACKGROUND_SCRIPTS):
        t.skip("script tests", "none in tests/scripts/")
    scripts.sort(key=lambda p: (needs_build(p),
                                os.path.basename(p) not in LONG_SCRIPTS))
    parallel(t, [(os.path.basename(p), run_script, p, built) for p in scripts], jobs)


def check_timed_scripts(t):
    """The script tests that time what they run (a bound on how long a graded test or a
    wall limit takes), one at a time after the graded runs, with nothing else running."""
    scripts = script_tests(TIMED_SCRIPTS)
    if scripts:
        t.section("script tests that time what they run (tests/scripts/)")
    for path in scripts:
        run_script(t, path)


# The script tests that take longest (whole bundles built and graded): started first.
LONG_SCRIPTS = ("mutants_test", "classroom_test", "plots_test", "commands_test")
# The script test whose checks bound a duration tightly (a test's run within its timeout
# plus the grader's margins of a second or two): run last in phase 2, alone.
TIMED_SCRIPTS = ("grader_test",)
# The script tests that build and grade whole bundles (batch_test: a hang stopped within
# its wall limit, the others graded beside it; gradescope_test: run_autograder within
# 240 s): run in phase 2's lanes, beside the reference and the mutants (phase2_lanes).
GRADING_SCRIPTS = ("batch_test", "gradescope_test")
# The script tests that grade, one lab per run (a lab's name as argument), in phase 2's
# lanes: equivalents_test grades each mutant listed as equivalent, whose timing tests
# must pass as the reference's do.
PER_LAB_SCRIPTS = ("equivalents_test",)
# The script tests that only build and compute, whatever the timing (handout_test builds
# the handout and grades the starter, which fails whatever the load), and outside build/:
# run in phase 2's background lane (see background()).
BACKGROUND_SCRIPTS = ("handout_test",)
# Phase 2's lanes: how many gradings run side by side. Each grades one test at a time,
# and the tests mostly wait (for a deadline, a child, a pipe), so three keep a 2-core
# machine about as busy as two CPU-bound loops would; the reference's verdicts are
# checked under more than that (two busy loops beside every test: make stress, see
# docs/kit-internals.md).
PHASE2_LANES = 3


# A script test that runs make in the kit's build/ (where the self-check's gcc builds
# write) says so in a comment line holding this marker; it starts once those builds are
# done, so that no two makes rewrite one binary while a test runs it.
NEEDS_BUILD_MARKER = "selfcheck: uses build/"


def needs_build(path):
    """Whether the script test at path carries NEEDS_BUILD_MARKER."""
    with open(path, encoding="utf-8", errors="replace") as f:
        return NEEDS_BUILD_MARKER in f.read()


def run_item(t, item):
    """Runs one piece of work, (name, func, *args), as func(tally, *args) with a buffered
    tally merged into t when it ends."""
    name, func, *args = item
    mine = Tally(buffered=True)
    try:
        func(mine, *args)
    except Exception as e:  # a bug of the self-check fails it, loudly
        mine.fail(f"{name}: the self-check itself failed: {e!r}")
    t.merge(mine)


def parallel(t, work, jobs):
    """Runs work, [(name, func, *args)], `jobs` at a time in threads: func(tally, *args)
    each with a buffered tally, merged into t as each ends. Each thread grades as a uid
    of its own (grading.sandbox). Phase 1 runs what is not timing sensitive this way;
    phase 2, PHASE2_LANES gradings whose tests mostly wait."""
    todo = list(work)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                item = todo.pop(0)
            run_item(t, item)

    threads = [threading.Thread(target=worker) for _ in range(max(1, min(jobs, len(todo))))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()


# The lowest CPU priority (nice 19): the background lane of phase 2 takes only the CPU
# time its graded lanes leave idle while their tests wait.
BACKGROUND_NICE = 19


def background(t, work):
    """Starts a thread that runs work, [(name, func, *args)], one after the other at the
    lowest CPU priority, each with a buffered tally merged into t; returns the thread.

    Phase 2's lanes keep the CPUs busy less than two thirds of the time (their tests wait
    for deadlines, children, pipes). What does not depend on timing (a build, a bundle
    that only the starter is graded in) fills those gaps here: on Linux a thread's nice
    value is its own (setpriority on its thread id) and the processes it starts inherit
    it, so the scheduler runs this lane's work only when a graded test leaves a CPU idle,
    and preempts it as soon as one wakes up."""
    def run():
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
        for item in work:
            run_item(t, item)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def build_checker(t, labs):
    """Builds the shared checker (graded.CHECKER) of every lab, as grade() would: the
    gradings that follow find it built (and their make of it does nothing)."""
    for lab in labs:
        ok, _ = g.run_make(g.checker_command(CHECKER, lab))
        if not ok:
            # Not a verdict: the graded checks that follow build again and report it.
            print(f"  note  {lab}: the checker's build before the graded runs failed",
                  flush=True)


def prebuild_workspaces(t, mutant_labs):
    """Builds each lab's mutant workspace from the reference, before the graded runs."""
    for lab, found in mutant_labs.items():
        tsan = any(e.tsan for e in g.read_rubric(lab)
                   if any(e.test in m.must_fail for m in found))
        work = os.path.join(KIT, "build", "selfcheck", "mutants", lab)
        built = g.build_lab(os.path.join(KIT, "solutions"), os.path.join(work, "out"),
                            os.path.join(work, "tsan"), lab, tsan, "solutions", CHECKER)
        if not (built.ok and built.tsan_ok and built.checker_ok):
            print(f"  note  {lab}: a build before the graded runs failed", flush=True)


def phase2_lanes(labs, wanted, only_mutant, scripts):
    """The work of phase 2's lanes, [(name, func, *args)], longest first (so that the
    lanes end close together): the reference, each lab's mutants, the bundle tests, each
    lab's equivalent mutants."""
    lanes = []  # (estimated seconds, work)
    listed = equivalents_per_lab()
    if "solutions" in wanted and not only_mutant:
        lanes.append((65, ("reference", check_solutions, labs)))
    if "mutants" in wanted:
        lanes += [(5 * len(mutants.all_mutants(lab)), (f"mutants of {lab}", check_mutants,
                                                        [lab], only_mutant)) for lab in labs]
    if scripts and not only_mutant:
        lanes += [(60, (os.path.basename(p), run_script, p))
                  for p in script_tests(GRADING_SCRIPTS)]
        lanes += [(25 * listed.get(lab, 0), (f"{os.path.basename(p)} {lab}", run_script, p,
                                             None, (lab,)))
                  for p in script_tests(PER_LAB_SCRIPTS) for lab in labs]
    return [work for _, work in sorted(lanes, key=lambda c: -c[0])]


def phase2(t, lanes, behind):
    """Phase 2: the lanes, PHASE2_LANES at a time, and the background lane beside them."""
    thread = background(t, behind)
    parallel(t, lanes, PHASE2_LANES)
    thread.join()


def equivalents_per_lab():
    """{lab: how many mutants tests/mutants/equivalent lists}, for phase2_lanes' estimates
    (a malformed file counts as none here: equivalents_test reports it)."""
    try:
        listed = equivalents.read()
    except equivalents.BadEquivalents:
        return {}
    labs = [mutant_id.split("/", 1)[0] for mutant_id in listed]
    return {lab: labs.count(lab) for lab in set(labs)}


def main():
    parser = argparse.ArgumentParser(prog="selfcheck", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.split("\n")[2:]))
    parser.add_argument("--lab", action="append", help="check only this lab (repeatable)")
    parser.add_argument("--mutant", help="check only this mutant (name or lab/name)")
    parser.add_argument("--only", action="append",
                        choices=["lib", "builds", "rubrics", "solutions", "starter",
                                 "mutants", "sanitizers", "scripts"],
                        help="run only these checks (repeatable)")
    args = parser.parse_args()

    labs = g.rubric_labs()
    for lab in args.lab or []:
        if lab not in labs:
            parser.error(f"unknown lab '{lab}' (labs: {', '.join(labs)})")
    labs = args.lab or labs
    try:
        for lab in labs:
            g.read_rubric(lab)
    except g.RubricError as e:
        print(f"selfcheck: {e}", file=sys.stderr)
        return 1

    wanted = set(args.only or ["lib", "builds", "rubrics", "solutions", "starter", "mutants",
                               "sanitizers", "scripts"])
    if args.mutant:
        wanted = {"mutants"}
    # Two self-checks in one tree would build and grade into the same build/ folders:
    # the second waits for the first.
    os.makedirs(os.path.join(KIT, "build"), exist_ok=True)
    lock = open(os.path.join(KIT, "build", ".selfcheck.lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("selfcheck: another self-check is running in this tree; waiting for it",
              flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    started = time.monotonic()
    t = Tally()
    phases = Phases()
    print(f"conclab self-check: labs {', '.join(labs)}; {os.cpu_count()} CPUs", flush=True)
    # Phase 1: what is not timing sensitive, side by side (each group in its own build
    # folder, in order): builds, the lib's unit tests, the sanitizer runs, the script
    # tests (once build/ is built: some of them use it).
    groups = []
    which = compilers(t) if wanted & {"builds", "rubrics", "solutions", "starter"} else []
    built = threading.Event()  # build/ is built: the script tests that use it may start

    def gcc_group(tally):
        try:
            if "lib" in wanted:
                phases.timed("|| lib unit tests (plain)", check_lib, tally, LIB_VARIANTS[:1])
            if which:
                phases.timed("|| gcc builds: labs/, solutions/", check_builds, tally, labs,
                             which[:1])
        finally:
            built.set()
    groups.append(("gcc builds", gcc_group))
    if "scripts" in wanted and not args.lab:
        groups.append(("script tests", lambda tally: phases.timed(
            "|| script tests", check_scripts, tally, SCRIPT_JOBS, built)))

    def sanitizer_group(tally, san, kind):
        if "lib" in wanted and san == "address":
            phases.timed("|| lib unit tests (ASan+UBSan)", check_lib, tally,
                         LIB_VARIANTS[1:])
        if "sanitizers" in wanted:
            phases.timed(f"|| {kind} build of solutions/", build_sanitized, tally, san)
            phases.timed(f"|| {kind} runs", check_sanitizers, tally, labs, (san,),
                         san == "address")
    if wanted & {"lib", "sanitizers"}:
        groups.append(("ASan", sanitizer_group, "address", "ASan+UBSan"))
    if "sanitizers" in wanted:
        groups.append(("TSan", sanitizer_group, "thread", "TSan"))
    if wanted & {"solutions", "starter", "mutants"} and not args.mutant:
        with_mutants = {lab: mutants.all_mutants(lab) for lab in labs} \
            if "mutants" in wanted else {}

        checker_ready = threading.Event()

        def checker_group(tally):
            try:
                phases.timed("|| checker", build_checker, tally, labs)
            finally:
                checker_ready.set()
            phases.timed("|| mutant workspaces", prebuild_workspaces, tally,
                         {lab: ms for lab, ms in with_mutants.items() if ms})
        groups.append(("checker", checker_group))
        # The starter's verdict (no graded test passes) does not depend on the load:
        # what it lacks makes its tests fail, and a busier machine only fails them
        # later. Its tests mostly wait (for output that never comes), so it is graded
        # here, in its own build folders, once the checker is built.
        if "starter" in wanted:
            def starter_group(tally):
                phases.timed("|| starter graded", check_starter, tally, labs, checker_ready)
            groups.append(("starter", starter_group))
    phases.timed("phase 1: the above, side by side", parallel, t, groups, len(groups))
    # Phase 2: the graded runs, whose tests watch mechanisms in time, in PHASE2_LANES
    # lanes (see there), each grading as a uid of its own (grading.sandbox); last,
    # alone, the script tests that bound a duration tightly.
    if "rubrics" in wanted:
        phases.timed("rubrics", check_rubrics, t, labs)
    lanes = phase2_lanes(labs, wanted, args.mutant, "scripts" in wanted and not args.lab)
    # Beside them, in the background (nice 19): the other compilers' builds, and the
    # script tests that only build and compute.
    behind = [("clang builds", lambda tally: phases.timed(
        "|| clang builds: labs/, solutions/ (background)", check_builds, tally, labs,
        which[1:]))] if which[1:] else []
    if "scripts" in wanted and not args.lab:
        behind += [(os.path.basename(p), lambda tally, p=p: phases.timed(
            f"|| {os.path.basename(p)} (background)", run_script, tally, p))
            for p in script_tests(BACKGROUND_SCRIPTS)]
    if lanes or behind:
        phases.timed(f"phase 2: reference, mutants, bundle tests, {PHASE2_LANES} at a time; "
                     f"builds in the background", phase2, t, lanes, behind)
    if "scripts" in wanted and not args.lab:
        phases.timed("script tests that time what they run", check_timed_scripts, t)
    elapsed = time.monotonic() - started
    print()
    phases.print()
    print(f"self-check took {elapsed:.0f} s")
    if t.failures:
        print("failed checks:")
        for f in t.failures:
            print(f"  - {f}")
    print(f"selfcheck: {t.passed} passed, {t.failed} failed, {t.skipped} skipped")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
