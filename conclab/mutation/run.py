"""run: build a mutant and grade it test by test, stopping at its first failing test.

A mutant's folder of student files is build/mutation/<lab>/<slug>/impl/<lab>/: the
reference's student files, one of them mutated (mutant.diff beside it says how). It is
built in the lab's workspace (build/mutation/<lab>/work0/), which every mutant of the
lab reuses, so make recompiles only the file that changed; the ThreadSanitizer build is
made only when a test flagged tsan is reached.

Before the mutants, the unmutated reference is graded in the same workspace (the
baseline): a test that does not pass there cannot judge a mutant, and is left out.

Only the tests that can execute the mutated function run (conclab.mutation.reach: a
static over-approximation, so no test that could kill is left out); a mutant no test
reaches survives without a test run. They run in this order: those that killed mutants
of the same operator in the same function earlier in this run, then of the same
function, then of the same operator, then of the same file (quickest kill first within
each), then the rest in rubric order. A mutant usually dies on the first.

Each test runs through the grader's engine (grading.run_test, what grading.grade runs
for each test), with one change: its timeout is cut to TIMEOUT_FACTOR times what the
reference took in the baseline (at least MIN_TIMEOUT_S, at most the rubric's). Many
concurrency mutants deadlock, and waiting the rubric's 20 to 40 s for each would alone
blow the time budget; a test the reference passes in 1 s is not 10 times slower on a
mutant that works.

Parallel grading (--jobs 2) can make a timing test fail for the load alone, so with
more than one job a failure counts only once the test, run again with the machine to
itself, fails again. Sequential (the default) is the safe choice on a 2-core machine.
"""
import math
import os
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace

from conclab import grading as g
from conclab import kit
from conclab.mutation import reach
from conclab.mutation.edits import unified_diff

BASE = kit.path("build", "mutation")
STATUSES = ("killed", "timed out", "survived", "equivalent", "build failed", "error")
TIMEOUT_FACTOR = 3
MIN_TIMEOUT_S = 5


@dataclass
class Result:
    mutant: object
    status: str         # one of STATUSES
    test: str = ""      # the test that killed it
    message: str = ""   # the failure, the compiler's complaint, or the equivalence reason
    seconds: float = 0.0
    tests_run: int = 0


def _add_used_solutions(impl, lab):
    """The reference's student files of the labs that lab links in (USES: lab 03's
    threads --gil runs lab 02's gil.c), so that their tests judge lab's mutant, not the
    other lab's starter."""
    for used in kit.uses(lab):
        src = kit.path("solutions", used)
        if os.path.isdir(src) and not os.path.exists(os.path.join(impl, used)):
            shutil.copytree(src, os.path.join(impl, used))


def materialize(mutant, base=BASE):
    """Writes the mutant's folder of student files; returns the impl folder."""
    return materialize_files(mutant.lab, mutant.slug, {mutant.file: mutant.mutated},
                             f"# {mutant.id}\n" + unified_diff(mutant.original, mutant.mutated,
                                                               mutant.file), base)


def materialize_files(lab, slug, mutated, diff, base=BASE):
    """Writes build/mutation/<lab>/<slug>/impl: the reference's student files, those of
    mutated ({name: bytes}) replaced, and mutant.diff beside it; returns the impl folder."""
    folder = os.path.join(base, lab, slug)
    impl = os.path.join(folder, "impl")
    shutil.rmtree(impl, ignore_errors=True)
    os.makedirs(os.path.join(impl, lab))
    for name in kit.student_files(lab):
        src = kit.path("solutions", lab, name)
        if os.path.isfile(src):
            shutil.copyfile(src, os.path.join(impl, lab, name))
    _add_used_solutions(impl, lab)
    for name, data in mutated.items():
        with open(os.path.join(impl, lab, name), "wb") as f:
            f.write(data)
    with open(os.path.join(folder, "mutant.diff"), "w", encoding="utf-8") as f:
        f.write(diff)
    return impl


class Workspace:
    """One lab's build folders, reused by mutant after mutant. BUILD points make at it,
    so its dependency scan and support library stay out of the rest of build/."""

    def __init__(self, lab, slot=0, base=BASE):
        self.lab = lab
        self.root = os.path.join(base, lab, f"work{slot}")
        self.out = os.path.join(self.root, "out")
        self.tsan_out = os.path.join(self.root, "tsan-out")

    def make(self, impl, san=None):
        out = self.tsan_out if san else self.out
        return g.run_make(g.make_command(impl, out, self.lab, san, [f"BUILD={self.root}"]))

    def grade(self, impl):
        """Every graded test of the lab, by grading.grade, on what was built last."""
        return g.grade(impl, labs=[self.lab], out=self.out, tsan_out=self.tsan_out,
                       build=False)

    def run(self, entry):
        """One test of what was built last, as grading.grade runs it (CONCLAB_TSAN_BIN
        only for a tsan test), with entry's timeout."""
        env = dict(os.environ, CONCLAB_BIN=self.out)
        env.pop("CONCLAB_TSAN_BIN", None)
        if entry.tsan:
            env["CONCLAB_TSAN_BIN"] = self.tsan_out
        return g.run_test(os.path.join(self.out, self.lab, "tests"), entry, env)


def baseline(ws, entries, grade=True):
    """Builds the unmutated reference in ws and grades it: {test: Outcome}."""
    reference = os.path.join(BASE, ws.lab, "reference", "impl")
    shutil.rmtree(reference, ignore_errors=True)
    shutil.copytree(kit.path("solutions", ws.lab), os.path.join(reference, ws.lab))
    _add_used_solutions(reference, ws.lab)
    for san in [None] + (["thread"] if any(e.tsan for e in entries) else []):
        ok, log = ws.make(reference, san)
        if not ok:
            raise RuntimeError(f"the reference of {ws.lab} does not build:\n"
                               + g.compiler_messages(log))
    return {o.entry.test: o for o in ws.grade(reference).outcomes} if grade else {}


class TestOrder:
    """Which tests can kill a mutant, and which to try first: those that killed its
    kin in this run."""

    def __init__(self, entries, reaches=None):
        self.entries = entries  # rubric entries, their timeouts already cut
        self.reaches = reaches or {}  # {test: {(file, function)} or None: everything}
        self.kills = []  # (mutant, test, seconds the kill took)
        self.lock = threading.Lock()

    def can_kill(self, test, m):
        reached = self.reaches.get(test)
        return reached is None or (m.file, m.function) in reached

    def record(self, mutant, test, seconds):
        with self.lock:
            self.kills.append((mutant, test, seconds))

    def tests_for(self, m):
        keys = [lambda k: (k.file, k.function, k.operator) == (m.file, m.function, m.operator),
                lambda k: (k.file, k.function) == (m.file, m.function),
                lambda k: k.operator == m.operator,
                lambda k: k.file == m.file]
        with self.lock:
            kills = sorted(self.kills, key=lambda kill: kill[2])
        first = [t for key in keys for k, t, _ in kills if key(k)]
        by_name = {e.test: e for e in self.entries if self.can_kill(e.test, m)}
        ordered = list(dict.fromkeys(first + [e.test for e in self.entries]))
        return [by_name[t] for t in ordered if t in by_name]


class Gate:
    """Graders share the machine; a grader confirming a failure has it alone."""

    def __init__(self):
        self.cond = threading.Condition()
        self.sharing = 0
        self.alone_wanted = False

    @contextmanager
    def shared(self):
        with self.cond:
            self.cond.wait_for(lambda: not self.alone_wanted)
            self.sharing += 1
        try:
            yield
        finally:
            with self.cond:
                self.sharing -= 1
                self.cond.notify_all()

    @contextmanager
    def alone(self):
        with self.cond:
            self.cond.wait_for(lambda: not self.alone_wanted)
            self.alone_wanted = True
            self.cond.wait_for(lambda: self.sharing == 0)
        try:
            yield
        finally:
            with self.cond:
                self.alone_wanted = False
                self.cond.notify_all()


def cut_timeout(entry, reference_seconds):
    """The timeout a mutant gets for entry (see the module's docstring)."""
    cut = max(MIN_TIMEOUT_S, math.ceil(TIMEOUT_FACTOR * reference_seconds))
    return min(entry.timeout, cut)


def grade_mutant(mutant, ws, order, gate=None, confirm=False):
    """Builds and grades one mutant in ws; returns its Result."""
    started = time.monotonic()
    tests = order.tests_for(mutant)
    if not tests:
        return Result(mutant, "survived", message=f"no graded test can reach "
                      f"{mutant.function}()")
    status, failed, message, run = grade_tree(materialize(mutant), tests, ws, gate, confirm)
    test = failed.entry.test if failed else ""
    if failed:
        order.record(mutant, test, failed.seconds)
    return Result(mutant, status, test, message.strip(), time.monotonic() - started, run)


def grade_tree(impl, tests, ws, gate=None, confirm=False):
    """Builds the folder of student files impl in ws and runs tests (entries) in order,
    stopping at the first failure: (status, the failing test's Outcome or None, message,
    tests run), status one of STATUSES but "equivalent"."""
    gate = gate or Gate()
    with gate.shared():
        ok, log = ws.make(impl)
    if not ok:
        return "build failed", None, g.compiler_messages(log), 0
    tsan_ready, errors, run = False, [], 0
    for entry in tests:
        with gate.shared():
            if entry.tsan and not tsan_ready:
                ok, log = ws.make(impl, "thread")
                if not ok:
                    return ("build failed", None, "the ThreadSanitizer build failed: "
                            + g.compiler_messages(log), run)
                tsan_ready = True
            outcome = ws.run(entry)
        run += 1
        if outcome.status == "FAIL" and confirm:
            with gate.alone():
                outcome = ws.run(entry)
        if outcome.status == "FAIL":
            status = "timed out" if outcome.message.startswith("timed out") else "killed"
            return status, outcome, outcome.message, run
        if outcome.status == "ERROR":
            errors.append(f"{entry.test}: {outcome.message}")
    if errors:
        return "error", None, "; ".join(errors), run
    return "survived", None, "", run


def run_lab(lab, mutants, equivalents, jobs=1, progress=None):
    """Grades lab's mutants (those listed in equivalents are not run); returns
    ([Result], {test: Outcome} of the baseline)."""
    entries = g.read_rubric(lab)
    workspaces = [Workspace(lab, slot) for slot in range(max(1, jobs))]
    base = baseline(workspaces[0], entries)
    for ws in workspaces[1:]:
        baseline(ws, entries, grade=False)  # the first workspace's verdicts are used
    order = TestOrder([replace(e, timeout=cut_timeout(e, base[e.test].seconds))
                       for e in entries if base[e.test].status == "PASS"],
                      reach.reach(lab, [e.test for e in entries]))
    results, todo, lock, gate = [], list(mutants), threading.Lock(), Gate()

    def work(ws):
        while True:
            with lock:
                if not todo:
                    return
                m = todo.pop(0)
            if m.id in equivalents:
                r = Result(m, "equivalent", message=equivalents[m.id])
            else:
                r = grade_mutant(m, ws, order, gate, confirm=len(workspaces) > 1)
            with lock:
                results.append(r)
                if progress:
                    progress(r)

    threads = [threading.Thread(target=work, args=(ws,)) for ws in workspaces]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    index = {id(m): i for i, m in enumerate(mutants)}
    return sorted(results, key=lambda r: index[id(r.mutant)]), base
