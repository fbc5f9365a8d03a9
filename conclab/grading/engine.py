"""conclab's autograder: build an implementation, run each graded test alone, score it.

Used by scripts/grade (make grade), scripts/selfcheck (make test) and the Gradescope
and batch runners. Python 3 standard library only.

A test's outcome:
  PASS  Criterion passed it AND its body ran to the end (the GRADED marker was written);
  FAIL  anything else: an assertion, a crash, a timeout, or the code under test ending
        the process early (Criterion 2.4.1 reports exit(0) as a pass; we do not);
  SKIP  the test said the environment cannot run it (cr_skip_test): its points leave
        the maximum, and its reason is shown.
"""


import contextlib
import fnmatch
import os
import re
import signal
import subprocess
import tempfile
import time

from conclab import kit
from conclab.grading import criterion
from conclab.grading.reports import Outcome, Report
from conclab.grading.build import (BUILD_FAILED, TSAN_BUILD_FAILED, BuildFailure,
                                    LabBuild, build_lab, compiler_messages, separated)
from conclab.grading.rubric import read_rubric, rubric_labs
from conclab.grading.sandbox import sandbox

KIT = kit.ROOT

# Each test binary runs under `timeout -k`, with the rubric's timeout. Criterion's own
# timeouts are not used: Debian's 2.4.1 ignores --timeout on the command line (verified:
# tests/scripts/grader_test) and can hang on per-test timeouts under load.
BACKSTOP_EXTRA_S = 1  # for Criterion's start-up, which runs before the test
KILL_AFTER_S = 3
OUTPUT_CAP = 64 * 1024  # bytes of a test binary's stdout/stderr kept for messages


# ------------------------------------------------------------------ running one test


def _read_capped(path):
    try:
        with open(path, "rb") as f:
            data = f.read(OUTPUT_CAP)
        return data.decode("utf-8", errors="replace")
    except OSError:
        return ""


def _clean_message(message):
    # "tests/03-pool/x.c:42: expected ..." -> "expected ...": the hint matters, not the line.
    return re.sub(r"^[^\s:]+\.c:\d+: ", "", message.strip())


def _excerpt(output, lines=8):
    """The last whole lines of a test binary's output, as a bounded excerpt."""
    tail = [l[:200] for l in output.strip().splitlines()[-lines:]]
    return ("; its output ended with:\n" + "\n".join(tail)) if tail else ""


# What Criterion's runner prints when it cannot start for a reason outside the code
# under test (e.g. a stale /tmp/criterion_<pid>.sock of another uid, its pid reused).
RUNNER_FAILURES = ("Could not initialize the message server",)


def run_test(test_binary, entry, env, trusted=False):
    """Runs one graded test in its own process tree; returns an Outcome. A runner that
    cannot start for a reason outside the code under test is retried once, and then
    reported as a grader error (status ERROR), which is never charged to the student."""
    for _ in range(2):
        sandbox().clear_stale_criterion_sockets()
        outcome, output = _run_once(test_binary, entry, env, trusted)
        cause = next((m for m in RUNNER_FAILURES if m in output), None)
        if cause is None or outcome.status != "FAIL":
            return outcome
    return Outcome(entry, "ERROR", f"grader error, not counted: the test runner could not "
                   f"start ({cause}), twice; regrade this submission", outcome.seconds)


def _run_once(test_binary, entry, env, trusted):
    """One run of one test: (its Outcome, the runner's output). trusted: the test binary
    holds no student code and runs as root; its reports stay in a folder only root can
    reach (otherwise the whole binary runs as the sandbox uid, which writes them)."""
    start = time.monotonic()
    box = sandbox()
    with tempfile.TemporaryDirectory(prefix="conclab-grade-") as tmp:
        if not trusted:
            box.give(tmp)
        json_path = os.path.join(tmp, "report.json")
        mark_path = os.path.join(tmp, "finished")
        log_path = os.path.join(tmp, "output")
        backstop = entry.timeout + BACKSTOP_EXTRA_S
        cmd = ["timeout", "-k", str(KILL_AFTER_S), str(backstop), test_binary,
               f"--filter={entry.test}", "--jobs=1", f"--json={json_path}"]
        test_env = dict(env, CONCLAB_MARK_FILE=mark_path)
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    env=test_env, cwd=KIT, start_new_session=True,
                                    **box.popen_args(backstop + KILL_AFTER_S,
                                                     as_student=not trusted))
            try:
                rc = proc.wait(timeout=backstop + KILL_AFTER_S + 5)
            except subprocess.TimeoutExpired:
                rc = None
            # Whatever the test started dies with it: the session holds them all.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            if rc is None:
                proc.wait()
            box.kill_all()  # and whatever escaped the session, before reading its reports
        seconds = time.monotonic() - start
        status, messages = criterion.read_verdict(json_path, entry.test)
        finished = os.path.exists(mark_path)
        output = _read_capped(log_path)
    return _verdict(entry, rc, status, messages, finished, output, seconds), output


def _verdict(entry, rc, status, messages, finished, output, seconds):
    """The Outcome of one run, from what the runner reported and how it ended."""
    messages = [_clean_message(m) for m in messages]
    if rc is None or rc in (124, 137, -9) and status is None:
        return Outcome(entry, "FAIL", f"timed out: the test did not finish within "
                       f"{entry.timeout} s (an infinite loop, a deadlock, or a wait that "
                       f"is never woken?)", seconds)
    if status == "SKIPPED":
        reason = "; ".join(messages) or "skipped"
        return Outcome(entry, "SKIP", reason, seconds)
    if status == "PASSED" and finished and rc == 0:
        return Outcome(entry, "PASS", "", seconds)
    if status == "PASSED" and finished:
        # A pass needs a runner that ended normally: one killed by a signal, or that
        # failed after the test, proves nothing.
        return Outcome(entry, "FAIL", f"the test runner did not end normally (status {rc}) "
                       f"although the test reported a pass: not counted", seconds)
    if status == "PASSED":
        return Outcome(entry, "FAIL", "the test ended before its last line: the code under "
                       "test ended the process (exit() or _exit() where it should return?)",
                       seconds)
    if status == "FAILED":
        return Outcome(entry, "FAIL", "\n".join(messages) or "an assertion failed", seconds)
    if status == "ERRORED":
        text = "; ".join(messages)
        if "timed out" in text.lower():
            text = (f"timed out after {entry.timeout} s (an infinite loop, a deadlock, "
                    f"or a wait that is never woken?)")
        elif "crash" in text.lower():
            text = "crashed (a signal such as SIGSEGV or SIGABRT ended the test)"
        return Outcome(entry, "FAIL", text, seconds)
    if status is None and "0 tests" not in output and rc == 0:
        return Outcome(entry, "FAIL", "no result was recorded for this test", seconds)
    return Outcome(entry, "FAIL", f"the test binary ended abnormally (status {rc}) and "
                   f"recorded no verdict" + _excerpt(output), seconds)


def list_tests(test_binary):
    """The suite/name of every test in a Criterion binary."""
    proc = subprocess.run([test_binary, "--list"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=30)
    tests, suite = [], None
    for line in proc.stdout.splitlines():
        m = re.match(r"^(\w+): \d+ tests?$", line)
        if m:
            suite = m.group(1)
            continue
        m = re.match(r"^[├└]── (\w+)", line)
        if m and suite:
            tests.append(f"{suite}/{m.group(1)}")
    return tests


# ------------------------------------------------------------------ grading


def grade(impl, labs=None, test_filter=None, out=None, tsan_out=None, include_hidden=True,
          build=True, progress=None, shown_as=None, part=None, checker_out=None,
          tests=None, build_lock=None, checker_prebuilt=False):
    """Builds and grades `impl`: labs/ itself, or a folder of lab folders whose student
    files are laid over labs/ (solutions/, a submission, a mutant). Compiler messages name
    student files as shown_as/<lab>/<file> (default: impl as given). checker_out: where
    the test binaries are built, separated (see build.build_lab). tests: grade only
    these (suite/name), as test_filter does for a glob. build_lock: held while a lab
    builds, when gradings of other labs into the same out run side by side.
    checker_prebuilt: checker_out holds test binaries built from this kit already (see
    build.build_lab). Returns a Report."""
    impl_abs = os.path.abspath(os.path.join(KIT, impl))
    if shown_as is None:
        inside = impl_abs.startswith(KIT + os.sep)
        shown_as = os.path.relpath(impl_abs, KIT) if inside else impl_abs
    name = os.path.basename(os.path.normpath(impl_abs))
    out = os.path.abspath(out or os.path.join(KIT, "build", name))
    tsan_out = os.path.abspath(tsan_out or os.path.join(KIT, "build", "tsan", name))
    report = Report()
    for lab in labs or rubric_labs():
        entries = [e for e in read_rubric(lab) if include_hidden or not e.hidden]
        if part:
            entries = [e for e in entries if e.part == part]
        if test_filter:
            entries = [e for e in entries if fnmatch.fnmatch(e.test, test_filter)
                       or fnmatch.fnmatch(f"{lab}/{e.test}", test_filter)]
        if tests is not None:
            entries = [e for e in entries if e.test in tests]
        if not entries:
            continue
        if not os.path.isdir(os.path.join(impl_abs, lab)):
            for e in entries:
                report.outcomes.append(Outcome(e, "FAIL", f"{impl}/{lab} does not exist"))
            continue
        if progress:
            progress(f"building {lab} ...")
        lab_build = LabBuild(True)
        if build:
            with build_lock or contextlib.nullcontext():
                lab_build = build_lab(impl_abs, out, tsan_out, lab,
                                      any(e.tsan for e in entries), shown_as, checker_out,
                                      checker_prebuilt)
        test_binary = lab_build.checker or os.path.join(out, lab, "tests")
        trusted = separated(lab)
        env = dict(os.environ, CONCLAB_BIN=out, CONCLAB_TSAN_BIN=tsan_out,
                   **(sandbox().student_env() if trusted else {}))
        built = lab_build.ok and (trusted or os.access(test_binary, os.X_OK))
        checker_ok = lab_build.checker_ok and os.access(test_binary, os.X_OK)
        if not built:
            report.build_errors[lab] = compiler_messages(lab_build.log)
            if progress:
                progress(BuildFailure(lab, report.build_errors[lab]))
        elif not lab_build.tsan_ok and progress:
            progress(BuildFailure(lab, compiler_messages(lab_build.tsan_log), TSAN_BUILD_FAILED))
        for e in entries:
            if not built:
                outcome = Outcome(e, "FAIL", f"{BUILD_FAILED}:\n" + report.build_errors[lab])
            elif e.tsan and not lab_build.tsan_ok:
                outcome = Outcome(e, "FAIL", f"{TSAN_BUILD_FAILED}:\n"
                                  + compiler_messages(lab_build.tsan_log))
            elif not checker_ok:
                outcome = Outcome(e, "ERROR", "grader error, not counted: the tests did not "
                                  "build from the kit's own files:\n"
                                  + compiler_messages(lab_build.checker_log))
            else:
                outcome = run_test(test_binary, e, env if e.tsan else
                                   {k: v for k, v in env.items() if k != "CONCLAB_TSAN_BIN"},
                                   trusted=trusted)
            report.outcomes.append(outcome)
            if progress:
                progress(outcome)
    return report
