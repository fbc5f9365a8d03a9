"""Building a lab for grading: the student's side and the checker (see separated()).

The tree graded is labs/ with the impl's student files laid over it (conclab.overlay);
compiler messages are mapped back to the files the student knows.
"""

import glob
import os
import re
import subprocess
from dataclasses import dataclass

from conclab import kit
from conclab.grading.sandbox import sandbox

KIT = kit.ROOT


# How an outcome of a lab that did not build begins (the board shows the compiler's
# messages once, above the lab's tests, and then only this line per test).
BUILD_FAILED = "the lab does not build"
TSAN_BUILD_FAILED = "the ThreadSanitizer build failed"


@dataclass
class BuildFailure:
    """Sent to grade()'s progress callback once per lab whose build failed."""
    lab: str
    messages: str
    what: str = BUILD_FAILED


@dataclass
class LabBuild:
    ok: bool  # the student's side: programs, drivers (and, not separated, the tests)
    log: str = ""
    tsan_ok: bool = True
    tsan_log: str = ""
    checker: str = ""  # the test binary
    checker_ok: bool = True  # its build is the kit's own: a failure is a grader error
    checker_log: str = ""



# ------------------------------------------------------------------ building


def make_command(impl, out, lab, san=None, extra=()):
    cmd = ["make", "--no-print-directory", "-C", KIT, "-j2", "impl", f"IMPL={impl}",
           f"OUT={out}", f"LAB={lab}", "NO_DEPS_CHECK=1"]
    if san:
        cmd.append(f"SAN={san}")
    return cmd + list(extra)


def run_make(cmd, timeout=600, as_student=False):
    """Runs a build; (ok, its output). as_student: as the sandbox uid, for student code."""
    extra = sandbox().popen_args(timeout, as_student=True) if as_student else {}
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=timeout, text=True,
                              errors="replace", **extra)
        return proc.returncode == 0, proc.stdout
    except subprocess.TimeoutExpired:
        return False, f"the build did not finish within {timeout} s"


def compiler_messages(log, limit=4000):
    """The compiler's own lines, not make's chatter."""
    chatter = re.compile(r"^(  (CC|LD|OVERLAY) |make(\[\d+\])?: )")
    lines = [l for l in log.splitlines() if not chatter.match(l)]
    text = "\n".join(lines).strip()
    return text[-limit:] if len(text) > limit else text


def _name_sources(log, out, shown_as):
    """Compiler lines name the overlaid copy (<out>/src/<lab>/<file>): name the file the
    student knows instead, shown_as/<lab>/<file> for a student file, labs/... otherwise."""
    def shown(m):
        lab, name = m.group(1), m.group(2)
        where = shown_as if name in kit.student_files(lab) else "labs"
        return f"{where}/{lab}/{name}"
    for prefix in {os.path.join(out, "src"), os.path.relpath(os.path.join(out, "src"), KIT)}:
        log = re.sub(re.escape(prefix) + r"/(\d\d-[\w.-]+)/([\w.-]+)", shown, log)
    return log


# Where a student's build may read from: the lab tree it was given, lib/, the public
# tests (drivers), and the system's headers. Anything else a student file pulls in (the
# reference, a hidden test, a file of the instructor's) fails the build.
SYSTEM_PREFIXES = ("/usr/", "/lib/", "/lib64/", "/opt/")


def foreign_includes(out, lab, src):
    """Files the student's side of lab was compiled from that it may not use, read from
    the dependency files gcc wrote (-MMD) beside its objects."""
    allowed = [os.path.realpath(p) + os.sep for p in
               (src, kit.path("lib"), kit.path("labs"), kit.path("tests"))]
    foreign = set()
    for folder in (os.path.join(out, lab), os.path.join(out, lab, "drivers.obj")):
        for dep in glob.glob(os.path.join(folder, "*.d")):
            with open(dep, encoding="utf-8", errors="replace") as f:
                words = f.read().replace("\\\n", " ").split()
            for word in words:
                if word.endswith(":"):
                    continue
                path = os.path.realpath(os.path.join(KIT, word))
                if path.startswith(SYSTEM_PREFIXES) or any(path.startswith(a) for a in allowed):
                    if not (kit.is_hidden_test(os.path.relpath(path, KIT))
                            or kit.is_solution(os.path.relpath(path, KIT))):
                        continue
                foreign.add(word)
    return sorted(foreign)


def separated(lab):
    """Whether the lab's verdicts are decided apart from the student's code: as root, the
    checker (test binary, no student code) runs as root and the student's programs and
    drivers as the sandbox uid, which also builds them. Otherwise (not root: a student's
    own machine) one build and one uid do it all."""
    return sandbox().uid is not None


def build_lab(impl, out, tsan_out, lab, need_tsan, shown_as="labs", checker_out=None,
              checker_prebuilt=False):
    """Builds one lab of the tree impl lays over labs/ (see conclab.overlay). Separated
    (see separated()), the student's side is built as the sandbox uid (make TESTS=0) and
    the checker apart, as root, from the kit's files only (make checker), in
    checker_out (default: out + ".checker"). The checker holds nothing of impl's, so
    gradings of several trees one after the other (the self-check's) may share one;
    checker_prebuilt: checker_out was built from this kit's files already (a batch's,
    Gradescope's setup.sh): it is used as it is, make is not run for it."""
    if not separated(lab):
        ok, log = run_make(make_command(impl, out, lab))
        build = LabBuild(ok, _name_sources(log, out, shown_as))
        if need_tsan:
            ok, log = run_make(make_command(impl, tsan_out, lab, "thread"))
            build.tsan_ok, build.tsan_log = ok, _name_sources(log, tsan_out, shown_as)
        build.checker = os.path.join(out, lab, "tests")
        return build
    box = sandbox()
    box.own(out, out + ".lib")
    ok, log = run_make(make_command(impl, out, lab, extra=["TESTS=0", f"BUILD={out}.lib"]),
                       as_student=True)
    build = LabBuild(ok, _name_sources(log, out, shown_as))
    src = os.path.join(out, "src") if os.path.realpath(impl) != kit.path("labs") \
        else kit.path("labs")
    foreign = foreign_includes(out, lab, src) if ok else []
    if foreign:
        build.ok = False
        build.log = ("your files include files that are not part of the lab (only the "
                     "lab's own headers, lib/ and the system's may be included):\n  "
                     + "\n  ".join(foreign))
    if need_tsan:
        box.own(tsan_out, tsan_out + ".lib")
        ok, log = run_make(make_command(impl, tsan_out, lab, "thread",
                                        extra=["TESTS=0", f"BUILD={tsan_out}.lib"]),
                           as_student=True)
        build.tsan_ok, build.tsan_log = ok, _name_sources(log, tsan_out, shown_as)
    checker = checker_out or out + ".checker"
    build.checker = os.path.join(checker, lab, "tests")
    if checker_prebuilt:
        build.checker_ok = os.access(build.checker, os.X_OK)
        build.checker_log = "" if build.checker_ok else f"no prebuilt checker {build.checker}"
        return build
    build.checker_ok, build.checker_log = run_make(checker_command(checker, lab))
    return build


def checker_command(checker, lab):
    """The make command that builds lab's checker (its test binary: the kit's tests, the
    harness and lib/, no student file) in the folder checker."""
    return ["make", "--no-print-directory", "-C", KIT, "-j2", "checker", f"OUT={checker}",
            f"BUILD={checker}.lib", f"LAB={lab}", "NO_DEPS_CHECK=1"]
