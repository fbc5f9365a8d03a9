"""equivalents: tests/mutants/equivalent, the mutants that cannot change behaviour.

One mutant a line: its id, then at least two spaces or a tab, then the reason it cannot
change what any program or test observes. `#` starts a comment. `make mutation` reports
a listed mutant as equivalent without grading it; tests/scripts/equivalents_test fails
when a listed id is no longer generated, or when grading shows the mutant is killed:
the list can only hold what is true today.
"""
import re

from conclab import kit
from conclab.mutation import edits, run

PATH = kit.path("tests", "mutants", "equivalent")


class BadEquivalents(Exception):
    pass


def read(path=PATH):
    """{mutant id: reason}. Raises BadEquivalents on a line without a reason or a
    mutant listed twice."""
    found = {}
    try:
        with open(path, encoding="utf-8") as f:
            lines = list(f)
    except FileNotFoundError:
        return found
    for number, line in enumerate(lines, 1):
        line = line.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        parts = re.split(r"\s{2,}|\t", line.strip(), maxsplit=1)
        if len(parts) != 2 or not parts[1].strip():
            raise BadEquivalents(f"{path}:{number}: expected '<mutant id>  <reason>'")
        if parts[0] in found:
            raise BadEquivalents(f"{path}:{number}: {parts[0]} is listed twice")
        found[parts[0]] = parts[1].strip()
    return found


TOGETHER = "listed-together"  # build/mutation/<lab>/<TOGETHER>: grade_together's tree


def grade_together(mutants, ws, order):
    """The first, cheap pass of tests/scripts/equivalents_test: one tree holding every
    mutant of `mutants` (one lab's listed ones) at once, built in ws and run on each test
    that can reach any of them (order: a run.TestOrder), stopping at the first failure.
    Returns run.grade_tree's (status, failed Outcome, message, tests run), or None when
    two of them edit the same bytes (grade them one by one then).

    A tree that survives proves each claim as grading each alone would, unless one listed
    mutant hides another's fault, which would make both of them wrong claims. A tree
    that fails proves nothing about any one of them: grade them one by one."""
    changed = {}
    for m in mutants:
        changed.setdefault(m.file, (m.original, []))[1].extend(m.edits)
    try:
        mutated = {name: edits.apply(original, made)
                   for name, (original, made) in changed.items()}
    except ValueError:
        return None
    if any(edits.apply(m.original, m.edits) != m.mutated for m in mutants):
        return None  # an edit list that does not remake its mutant: no shortcut
    diff = "".join(f"# {m.id}\n" + edits.unified_diff(m.original, m.mutated, m.file)
                   for m in mutants)
    impl = run.materialize_files(mutants[0].lab, TOGETHER, mutated, diff)
    wanted = {e.test for m in mutants for e in order.tests_for(m)}
    return run.grade_tree(impl, [e for e in order.entries if e.test in wanted], ws)
