"""The rubric of a lab: tests/<lab>/rubric, `points suite/name timeout [hidden] [tsan]`."""

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



class RubricError(Exception):
    pass


def read_rubric(lab):
    """Parses tests/<lab>/rubric: `points suite/name timeout [hidden] [tsan]` per line."""
    path = kit.path("tests", lab, "rubric")
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


rubric_labs = kit.rubric_labs  # the labs that have a rubric
