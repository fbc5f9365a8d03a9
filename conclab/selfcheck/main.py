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
"""
import argparse
import fcntl
import glob
import os
import re
import shutil
import subprocess
import sys
import time

from conclab import grading as g
from conclab import kit
from conclab.grading.rubric import part_titles
from conclab.selfcheck.graded import check_mutants, check_solutions, check_starter
from conclab.selfcheck.tally import Tally, section

KIT = kit.ROOT
SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "WARNING: ThreadSanitizer", "ERROR: ThreadSanitizer",
                     "ERROR: UndefinedBehaviorSanitizer")


def make(*args, timeout=900):
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


def check_lib(t):
    section("support library unit tests")
    for san, label in ((None, "plain"), ("address", "ASan+UBSan")):
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


def check_builds(t, labs):
    section("warning-free builds (-Wall -Wextra -Werror)")
    compilers = [("gcc", "build")]
    if shutil.which("clang"):
        compilers.append(("clang", "build/clang"))
    else:
        t.skip("clang build", "clang is not installed")
    for cc, root in compilers:
        for impl in ("labs", "solutions"):
            ok, log = make("impl", f"IMPL={impl}", f"CC={cc}", f"BUILD={root}",
                           *(["libtests"] if impl == "labs" else []))
            if ok:
                t.ok(f"{cc}: {impl}/ builds with no warning")
            else:
                t.fail(f"{cc}: {impl}/ build", g.compiler_messages(log))


def check_rubrics(t, labs):
    section("rubrics match the tests")
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


def check_sanitizers(t, labs):
    section("sanitizers on the reference")
    env = dict(os.environ,
               ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:exitcode=66:abort_on_error=0",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1",
               TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1")
    for san, root in (("address", "asan"), ("thread", "tsan")):
        ok, log = make("impl", "IMPL=solutions", f"SAN={san}")
        if not ok:
            t.fail(f"solutions/ build with SAN={san}", g.compiler_messages(log))
    runs = 0
    for lab in labs:
        path = os.path.join(KIT, "tests", lab, "sanitize")
        if not os.path.isfile(path):
            t.fail(f"{lab}: no tests/{lab}/sanitize: the reference is never run under "
                   f"the sanitizers")
            continue
        with open(path, encoding="utf-8") as f:
            lines = [l.split("#", 1)[0].split() for l in f]
        lab_runs = 0
        for words in lines:
            if not words:
                continue
            if len(words) < 3 or words[0] not in ("address", "thread", "both"):
                t.fail(f"{lab}/sanitize: bad line: {' '.join(words)}")
                continue
            kinds = ("address", "thread") if words[0] == "both" else (words[0],)
            for kind in kinds:
                root = "asan" if kind == "address" else "tsan"
                binary = os.path.join(KIT, "build", root, "solutions", lab, words[2])
                cmd = ["timeout", "-k", "5", "120", binary] + words[3:]
                label = f"{lab}: {kind}: {' '.join(words[2:])}"
                proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, errors="replace",
                                      env=env, cwd=os.path.dirname(binary))
                lab_runs += 1
                report = [r for r in SANITIZER_REPORTS if r in proc.stderr]
                if report:
                    t.fail(label + " reports an error", proc.stderr[-3000:])
                elif proc.returncode == 77:
                    t.skip(label, proc.stderr.strip().splitlines()[-1:] or "unsupported")
                elif str(proc.returncode) != words[1]:
                    t.fail(f"{label}: exit status {proc.returncode}, expected {words[1]}",
                           proc.stderr[-1500:])
                else:
                    t.ok(label)
        runs += lab_runs
        if lab_runs == 0:
            t.fail(f"{lab}: tests/{lab}/sanitize runs nothing")
    if runs == 0 and labs:
        t.fail("no sanitizer run was executed")


def check_scripts(t):
    section("script tests (tests/scripts/)")
    # The tests are tests/scripts/*_test; the folder's other files are their tools.
    scripts = sorted(p for p in glob.glob(os.path.join(KIT, "tests", "scripts", "*_test"))
                     if os.access(p, os.X_OK) and not os.path.isdir(p))
    if not scripts:
        t.skip("script tests", "none in tests/scripts/")
    for path in scripts:
        name = os.path.relpath(path, KIT)
        try:
            proc = subprocess.run(["timeout", "-k", "5", "300", path],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, errors="replace",
                                  cwd=KIT)
        except OSError as e:
            t.fail(name, str(e))
            continue
        if proc.returncode == 0:
            t.ok(name)
        elif proc.returncode == 77:
            t.skip(name, (proc.stdout.strip().splitlines() or ["unsupported"])[-1])
        else:
            t.fail(f"{name} (exit {proc.returncode})", proc.stdout[-3000:])


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
    print(f"conclab self-check: labs {', '.join(labs)}; {os.cpu_count()} CPUs", flush=True)
    if "lib" in wanted:
        check_lib(t)
    if wanted & {"builds", "rubrics", "solutions", "starter"}:
        check_builds(t, labs)
    if "rubrics" in wanted:
        check_rubrics(t, labs)
    if "solutions" in wanted:
        check_solutions(t, labs)
    if "starter" in wanted:
        check_starter(t, labs)
    if "mutants" in wanted:
        check_mutants(t, labs, args.mutant)
    if "sanitizers" in wanted:
        check_sanitizers(t, labs)
    if "scripts" in wanted and not args.lab:
        check_scripts(t)

    elapsed = time.monotonic() - started
    print(f"\nself-check took {elapsed:.0f} s")
    if t.failures:
        print("failed checks:")
        for f in t.failures:
            print(f"  - {f}")
    print(f"selfcheck: {t.passed} passed, {t.failed} failed, {t.skipped} skipped")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
