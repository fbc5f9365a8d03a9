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

import fcntl
import fnmatch
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

KIT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Each test binary runs under `timeout -k`, with the rubric's timeout. Criterion's own
# timeouts are not used: Debian's 2.4.1 ignores --timeout on the command line (verified:
# tests/scripts/grader-selftest) and can hang on per-test timeouts under load.
BACKSTOP_EXTRA_S = 1  # for Criterion's start-up, which runs before the test
KILL_AFTER_S = 3
OUTPUT_CAP = 64 * 1024  # bytes of a test binary's stdout/stderr kept for messages

# Limits of one test binary and everything it starts (see Sandbox below).
MAX_PROCS = int(os.environ.get("CONCLAB_MAX_PROCS", "512"))  # tasks: processes + threads
FILE_CAP = 64 << 20  # RLIMIT_FSIZE: bytes in any one file it writes (its log included)
SANDBOX_UID_BASE = 64000  # root only: tests run as one of these uids, one per grader
SANDBOX_UID_COUNT = 200
SANDBOX_LOCKS = "/tmp/conclab-sandbox"


@dataclass
class RubricEntry:
    lab: str
    test: str  # "suite/name"
    points: float
    timeout: int
    hidden: bool = False
    tsan: bool = False


@dataclass
class Outcome:
    entry: RubricEntry
    status: str  # PASS, FAIL, SKIP
    message: str = ""
    seconds: float = 0.0

    @property
    def score(self):
        return self.entry.points if self.status == "PASS" else 0

    @property
    def max_score(self):
        return 0 if self.status == "SKIP" else self.entry.points


@dataclass
class LabBuild:
    ok: bool
    log: str = ""
    tsan_ok: bool = True
    tsan_log: str = ""


@dataclass
class Report:
    outcomes: list = field(default_factory=list)
    build_errors: dict = field(default_factory=dict)

    def score(self, lab=None):
        return sum(o.score for o in self.outcomes if lab in (None, o.entry.lab))

    def max_score(self, lab=None):
        return sum(o.max_score for o in self.outcomes if lab in (None, o.entry.lab))


# ------------------------------------------------------------------ sandbox


class Sandbox:
    """Where a test binary runs: its uid and its resource limits.

    RLIMIT_NPROC is what stops a fork bomb, but it never applies to root. So when the
    grader runs as root (CI, Gradescope, these machines), each test binary runs as an
    unprivileged uid of its own (64000 + n, taken with a lock file so that concurrent
    graders never share one): RLIMIT_NPROC then caps its tasks, and afterwards every
    process of that uid is killed (kill(-1) as that uid), whatever session or process
    group it escaped into. The build stays root's and read-only to that uid, so the code
    under test cannot touch the test binary or the grader's files.
    Not root: the limits apply to the user's own uid (its current task count plus
    MAX_PROCS), and the process-group kill cleans up.
    CONCLAB_SANDBOX=off turns the uid switch off; CONCLAB_SANDBOX_UID=n forces a uid.
    """

    def __init__(self):
        self.uid = None
        self._lock = None
        if os.geteuid() != 0 or os.environ.get("CONCLAB_SANDBOX", "auto") == "off":
            return
        forced = os.environ.get("CONCLAB_SANDBOX_UID")
        candidates = ([int(forced)] if forced else
                      range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + SANDBOX_UID_COUNT))
        try:
            os.makedirs(SANDBOX_LOCKS, mode=0o755, exist_ok=True)
        except OSError:
            return
        for uid in candidates:
            fd = os.open(os.path.join(SANDBOX_LOCKS, f"uid-{uid}.lock"),
                         os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self.uid, self._lock = uid, fd
            self.kill_all()  # whatever a crashed grader left behind
            return

    def describe(self):
        if self.uid is None:
            return f"limits only (uid {os.geteuid()}), at most {MAX_PROCS} tasks"
        return f"uid {self.uid}, at most {MAX_PROCS} tasks"

    def popen_args(self, timeout_s):
        """Keyword arguments for subprocess.Popen that apply the sandbox."""
        cpus = os.cpu_count() or 1
        cpu_s = int(timeout_s * cpus) + 10
        uid = self.uid

        def limits():
            nproc = MAX_PROCS if uid is not None else _task_count(os.getuid()) + MAX_PROCS
            for what, soft, hard in ((resource.RLIMIT_NPROC, nproc, nproc),
                                     (resource.RLIMIT_CPU, cpu_s, cpu_s + 5),
                                     (resource.RLIMIT_FSIZE, FILE_CAP, FILE_CAP),
                                     (resource.RLIMIT_CORE, 0, 0)):
                _, old_hard = resource.getrlimit(what)
                if old_hard != resource.RLIM_INFINITY:
                    soft, hard = min(soft, old_hard), min(hard, old_hard)
                try:
                    resource.setrlimit(what, (soft, hard))
                except (ValueError, OSError):
                    pass

        args = {"preexec_fn": limits}
        if uid is not None:
            args.update(user=uid, group=uid, extra_groups=[])
        return args

    def give(self, path):
        """Lets the sandbox uid write in the folder path."""
        if self.uid is not None:
            os.chown(path, self.uid, self.uid)

    def kill_all(self):
        """Kills every process of the sandbox uid (none escapes by setsid or setpgid)."""
        if self.uid is None:
            return
        for _ in range(20):
            pid = os.fork()
            if pid == 0:
                try:
                    os.setgroups([])
                    os.setgid(self.uid)
                    os.setuid(self.uid)
                    os.kill(-1, signal.SIGKILL)  # every process this uid may signal
                except OSError:
                    pass
                os._exit(0)
            os.waitpid(pid, 0)
            if _task_count(self.uid, processes_only=True) == 0:
                return
            time.sleep(0.01)


def _task_count(uid, processes_only=False):
    """Tasks (threads, or processes) whose real uid is uid, zombies excluded."""
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as f:
                status = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        if int(status.get("Uid", "-1").split()[0]) != uid:
            continue
        if status.get("State", "").strip().startswith("Z"):
            continue
        count += 1 if processes_only else int(status.get("Threads", "1"))
    return count


_SANDBOX = None


def sandbox():
    """The grader's sandbox, made on first use and kept for the process's life."""
    global _SANDBOX
    if _SANDBOX is None:
        _SANDBOX = Sandbox()
    return _SANDBOX


# ------------------------------------------------------------------ rubric


class RubricError(Exception):
    pass


def rubric_labs():
    """The labs that have a rubric, in order."""
    tests = os.path.join(KIT, "tests")
    return sorted(
        d for d in os.listdir(tests)
        if re.match(r"^\d\d-", d) and os.path.isfile(os.path.join(tests, d, "rubric"))
    )


def read_rubric(lab):
    """Parses tests/<lab>/rubric: `points suite/name timeout [hidden] [tsan]` per line."""
    path = os.path.join(KIT, "tests", lab, "rubric")
    entries = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            words = line.split()
            where = f"{path}:{number}"
            if len(words) < 3:
                raise RubricError(f"{where}: expected 'points suite/name timeout [flags]'")
            try:
                points = float(words[0])
                timeout = int(words[2])
            except ValueError:
                raise RubricError(f"{where}: points and timeout must be numbers")
            if not re.match(r"^\w+/\w+$", words[1]):
                raise RubricError(f"{where}: '{words[1]}' is not suite/name")
            if points < 0 or timeout <= 0:
                raise RubricError(f"{where}: points must be >= 0 and timeout > 0")
            flags = set(words[3:])
            unknown = flags - {"hidden", "tsan"}
            if unknown:
                raise RubricError(f"{where}: unknown flag(s) {', '.join(sorted(unknown))}")
            if points == int(points):
                points = int(points)
            entries.append(RubricEntry(lab, words[1], points, timeout,
                                       "hidden" in flags, "tsan" in flags))
    names = [e.test for e in entries]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise RubricError(f"{path}: listed twice: {', '.join(sorted(duplicates))}")
    return entries


# ------------------------------------------------------------------ building


def make_command(impl, out, lab, san=None, extra=()):
    cmd = ["make", "--no-print-directory", "-C", KIT, "-j2", "impl", f"IMPL={impl}",
           f"OUT={out}", f"LAB={lab}", "NO_DEPS_CHECK=1"]
    if san:
        cmd.append(f"SAN={san}")
    return cmd + list(extra)


def run_make(cmd, timeout=600):
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, text=True, errors="replace")
        return proc.returncode == 0, proc.stdout
    except subprocess.TimeoutExpired:
        return False, f"the build did not finish within {timeout} s"


def compiler_messages(log, limit=4000):
    """The compiler's own lines, not make's chatter."""
    lines = [l for l in log.splitlines() if not l.startswith("  CC ") and
             not l.startswith("  LD ")]
    text = "\n".join(lines).strip()
    return text[-limit:] if len(text) > limit else text


def build_lab(impl, out, tsan_out, lab, need_tsan):
    ok, log = run_make(make_command(impl, out, lab))
    build = LabBuild(ok, log)
    if need_tsan:
        build.tsan_ok, build.tsan_log = run_make(make_command(impl, tsan_out, lab, "thread"))
    return build


# ------------------------------------------------------------------ running one test


def _read_capped(path):
    try:
        with open(path, "rb") as f:
            data = f.read(OUTPUT_CAP)
        return data.decode("utf-8", errors="replace")
    except OSError:
        return ""


def _criterion_result(json_path, test):
    """(status, messages) of suite/name in Criterion's JSON report, or (None, [])."""
    suite, name = test.split("/")
    try:
        with open(json_path, encoding="utf-8", errors="replace") as f:
            report = json.load(f)
    except (OSError, ValueError):
        return None, []
    for s in report.get("test_suites", []):
        if s.get("name") != suite:
            continue
        for t in s.get("tests", []):
            if t.get("name") == name:
                return t.get("status"), t.get("messages", [])
    return None, []


def _clean_message(message):
    # "tests/03-pool/x.c:42: expected ..." -> "expected ...": the hint matters, not the line.
    return re.sub(r"^[^\s:]+\.c:\d+: ", "", message.strip())


def run_test(test_binary, entry, env):
    """Runs one graded test in its own process tree; returns an Outcome."""
    start = time.monotonic()
    box = sandbox()
    with tempfile.TemporaryDirectory(prefix="conclab-grade-") as tmp:
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
                                    **box.popen_args(backstop + KILL_AFTER_S))
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
        status, messages = _criterion_result(json_path, entry.test)
        finished = os.path.exists(mark_path)
        output = _read_capped(log_path)

    messages = [_clean_message(m) for m in messages]
    if rc is None or rc in (124, 137, -9) and status is None:
        return Outcome(entry, "FAIL", f"timed out: the test did not finish within "
                       f"{entry.timeout} s (an infinite loop, a deadlock, or a wait that "
                       f"is never woken?)", seconds)
    if status == "SKIPPED":
        reason = "; ".join(messages) or "skipped"
        return Outcome(entry, "SKIP", reason, seconds)
    if status == "PASSED" and finished:
        return Outcome(entry, "PASS", "", seconds)
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
    tail = output.strip().splitlines()[-5:]
    detail = "; ".join(tail)[-400:]
    return Outcome(entry, "FAIL", f"the test binary ended abnormally (status {rc})"
                   + (f": {detail}" if detail else ""), seconds)


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
          build=True, progress=None):
    """Builds and grades `impl` (a folder of lab folders). Returns a Report."""
    impl_abs = os.path.abspath(os.path.join(KIT, impl))
    name = os.path.basename(os.path.normpath(impl_abs))
    out = os.path.abspath(out or os.path.join(KIT, "build", name))
    tsan_out = os.path.abspath(tsan_out or os.path.join(KIT, "build", "tsan", name))
    report = Report()
    for lab in labs or rubric_labs():
        entries = [e for e in read_rubric(lab) if include_hidden or not e.hidden]
        if test_filter:
            entries = [e for e in entries if fnmatch.fnmatch(e.test, test_filter)
                       or fnmatch.fnmatch(f"{lab}/{e.test}", test_filter)]
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
            lab_build = build_lab(impl_abs, out, tsan_out, lab, any(e.tsan for e in entries))
        test_binary = os.path.join(out, lab, "tests")
        env = dict(os.environ, CONCLAB_BIN=out, CONCLAB_TSAN_BIN=tsan_out)
        for e in entries:
            if not lab_build.ok or not os.access(test_binary, os.X_OK):
                report.build_errors[lab] = compiler_messages(lab_build.log)
                report.outcomes.append(Outcome(
                    e, "FAIL", "the lab does not build:\n" + compiler_messages(lab_build.log)))
                continue
            if e.tsan and not lab_build.tsan_ok:
                report.outcomes.append(Outcome(
                    e, "FAIL", "the ThreadSanitizer build failed:\n"
                    + compiler_messages(lab_build.tsan_log)))
                continue
            outcome = run_test(test_binary, e, env if e.tsan else
                               {k: v for k, v in env.items() if k != "CONCLAB_TSAN_BIN"})
            report.outcomes.append(outcome)
            if progress:
                progress(outcome)
    return report


# ------------------------------------------------------------------ reports


def format_points(x):
    return f"{x:g}"


def print_outcome(o, stream=sys.stdout):
    points = f"{format_points(o.score)}/{format_points(o.entry.points)}"
    if o.status == "SKIP":
        points = f"-/{format_points(o.entry.points)}"
    print(f"  {o.status}  {points:>7}  {o.entry.test}", file=stream)
    if o.message and o.status != "PASS":
        prefix = "skipped: " if o.status == "SKIP" else ""
        for line in (prefix + o.message).splitlines()[:12]:
            print(f"                  {line}", file=stream)


def print_summary(report, stream=sys.stdout):
    labs = []
    for o in report.outcomes:
        if o.entry.lab not in labs:
            labs.append(o.entry.lab)
    print("", file=stream)
    for lab in labs:
        skipped = sum(1 for o in report.outcomes if o.entry.lab == lab and o.status == "SKIP")
        note = f" ({skipped} skipped)" if skipped else ""
        print(f"  {lab:<12} {format_points(report.score(lab)):>5}/"
              f"{format_points(report.max_score(lab))}{note}", file=stream)
    print(f"Score: {format_points(report.score())}/{format_points(report.max_score())}",
          file=stream)


def gradescope_json(report, extra_output=""):
    tests = []
    for o in report.outcomes:
        output = o.message
        if o.status == "SKIP":
            output = f"SKIPPED (not counted): {o.message}"
        tests.append({
            "name": f"{o.entry.lab}: {o.entry.test}",
            "score": o.score,
            "max_score": o.max_score,
            # Gradescope knows "passed" and "failed"; a skip scores 0 of 0 and says why.
            "status": "failed" if o.status == "FAIL" else "passed",
            "output": output,
            "visibility": "after_published" if o.entry.hidden else "visible",
        })
    result = {
        "score": report.score(),
        "max_score": report.max_score(),
        "output": extra_output or f"Score: {format_points(report.score())}/"
                                  f"{format_points(report.max_score())}",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return result


def junit_xml(report):
    root = ET.Element("testsuites")
    labs = []
    for o in report.outcomes:
        if o.entry.lab not in labs:
            labs.append(o.entry.lab)
    for lab in labs:
        outcomes = [o for o in report.outcomes if o.entry.lab == lab]
        suite = ET.SubElement(root, "testsuite", name=lab, tests=str(len(outcomes)),
                              failures=str(sum(o.status == "FAIL" for o in outcomes)),
                              skipped=str(sum(o.status == "SKIP" for o in outcomes)),
                              time=f"{sum(o.seconds for o in outcomes):.3f}")
        for o in outcomes:
            case = ET.SubElement(suite, "testcase", classname=lab, name=o.entry.test,
                                 time=f"{o.seconds:.3f}")
            ET.SubElement(case, "properties")
            prop = case.find("properties")
            ET.SubElement(prop, "property", name="points", value=format_points(o.entry.points))
            if o.status == "FAIL":
                failure = ET.SubElement(case, "failure",
                                        message=o.message.splitlines()[0] if o.message else "")
                failure.text = o.message
            elif o.status == "SKIP":
                ET.SubElement(case, "skipped", message=o.message)
    return ET.tostring(root, encoding="unicode")


def write_reports(report, directory):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "results.json"), "w", encoding="utf-8") as f:
        json.dump(gradescope_json(report), f, indent=2)
        f.write("\n")
    with open(os.path.join(directory, "junit.xml"), "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write(junit_xml(report))
        f.write("\n")
