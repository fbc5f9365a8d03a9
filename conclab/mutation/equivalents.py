"""equivalents: tests/mutants/equivalent, the mutants that cannot change behaviour.

One mutant a line: its id, then at least two spaces or a tab, then the reason it cannot
change what any program or test observes. `#` starts a comment. `make mutation` reports
a listed mutant as equivalent without grading it; tests/scripts/equivalents_test fails
when a listed id is no longer generated, or when grading shows the mutant is killed:
the list can only hold what is true today.
"""
import re

from conclab import kit

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
