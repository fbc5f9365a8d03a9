"""The rubric of a lab: tests/<lab>/rubric.

One graded test per line, `points suite/name timeout [hidden] [tsan] [visibility=V]`
(hidden: not in the handout; tsan: also run against the ThreadSanitizer build; V: the
test's visibility on Gradescope, see VISIBILITIES); a line `part X`
starts the tests of the handout's part X, whose title is the lab README's heading
`## Part X...` (so the handout's words are written once, in the handout).
"""

import re
from dataclasses import dataclass

from conclab import kit


@dataclass
class RubricEntry:
    lab: str
    test: str  # "suite/name"
    points: float
    timeout: int
    hidden: bool = False
    tsan: bool = False
    part: str = ""  # the handout's part letter, "" before the first `part` line
    visibility: str = ""  # on Gradescope; "" means the default (see gradescope_visibility)

    def gradescope_visibility(self):
        """visible for a public test; after_due_date for a hidden one unless the rubric
        says otherwise (`visibility=...`)."""
        return self.visibility or ("after_due_date" if self.hidden else "visible")


# Gradescope's per-test visibilities (its autograder specification).
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")

class RubricError(Exception):
    pass


def read_rubric(lab):
    """Parses tests/<lab>/rubric: `points suite/name timeout [hidden] [tsan]` per line."""
    path = kit.path("tests", lab, "rubric")
    entries = []
    part = ""
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            words = line.split()
            where = f"{path}:{number}"
            if words[0] == "part":
                if len(words) != 2 or not re.match(r"^[A-Z]$", words[1]):
                    raise RubricError(f"{where}: expected 'part X' with one capital letter")
                part = words[1]
                continue
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
            visibility = ""
            for flag in sorted(flags):
                if flag.startswith("visibility="):
                    visibility = flag.split("=", 1)[1]
                    if visibility not in VISIBILITIES:
                        raise RubricError(f"{where}: visibility must be one of "
                                          f"{', '.join(VISIBILITIES)}")
                    flags.discard(flag)
            unknown = flags - {"hidden", "tsan"}
            if unknown:
                raise RubricError(f"{where}: unknown flag(s) {', '.join(sorted(unknown))}")
            if points == int(points):
                points = int(points)
            entries.append(RubricEntry(lab, words[1], points, timeout,
                                       "hidden" in flags, "tsan" in flags, part, visibility))
    names = [e.test for e in entries]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise RubricError(f"{path}: listed twice: {', '.join(sorted(duplicates))}")
    return entries


rubric_labs = kit.rubric_labs  # the labs that have a rubric


def part_titles(lab):
    """{letter: title} from the lab handout's headings `## Part X: title` (or `X - title`)."""
    titles = {}
    try:
        with open(kit.path("labs", lab, "README.md"), encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^##\s+Part\s+([A-Z])\b\s*[:.\u2014-]*\s*(.*?)\s*$", line)
                if m:
                    titles.setdefault(m.group(1), m.group(2).replace("`", ""))
    except OSError:
        pass
    return titles
