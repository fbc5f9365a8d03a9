"""edits: a mutant is a few replacements of byte ranges of one reference file.

Byte offsets come from clang's extents, so an edit touches exactly the node it means and
nothing else (not a look-alike on the same line, not a comment). The report shows a
mutant as the lines it changes, before and after, squeezed onto one line.
"""
import difflib
import re
from dataclasses import dataclass

SHOWN_CHARS = 150  # of each side of a one-line diff


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str


def apply(data, edits):
    """data (bytes) with the edits made. Edits must not overlap."""
    out, at = [], 0
    for e in sorted(edits, key=lambda e: e.start):
        if e.start < at:
            raise ValueError(f"overlapping edits at byte {e.start}")
        out += [data[at:e.start], e.text.encode()]
        at = e.end
    out.append(data[at:])
    return b"".join(out)


def _squeeze(lines):
    text = " / ".join(re.sub(r"\s+", " ", l).strip() for l in lines if l.strip())
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 3] + "..."


def _opcodes(old, new):
    return [b for b in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
            if b[0] != "equal"]


def changed_blocks(before, after, gap=2):
    """[(first line number, old lines, new lines)] of each region that differs; regions
    at most gap lines apart are one (a statement moved by one shows as one change)."""
    old, new = before.decode(errors="replace").splitlines(), after.decode(
        errors="replace").splitlines()
    regions = []
    for _, i1, i2, j1, j2 in _opcodes(old, new):
        if regions and i1 - regions[-1][1] <= gap:
            regions[-1][1], regions[-1][3] = i2, j2
        else:
            regions.append([i1, i2, j1, j2])
    return [(i1 + 1, old[i1:i2], new[j1:j2]) for i1, i2, j1, j2 in regions]


def one_line_diff(before, after):
    """What the mutant changes, for a report's line: `L42: old text => new text`, one
    such part per changed region joined by ` ... `, or `L42: text => moved before L37`
    for lines that only moved."""
    old, new = before.decode(errors="replace").splitlines(), after.decode(
        errors="replace").splitlines()
    blocks = _opcodes(old, new)
    if sorted(b[0] for b in blocks) == ["delete", "insert"]:
        gone = next(b for b in blocks if b[0] == "delete")
        came = next(b for b in blocks if b[0] == "insert")
        if _squeeze(old[gone[1]:gone[2]]) == _squeeze(new[came[3]:came[4]]):
            where = f"before L{came[1] + 1}" if came[1] < len(old) else "to the end"
            return f"L{gone[1] + 1}: {_squeeze(old[gone[1]:gone[2]])} => moved {where}"
    return " ... ".join(f"L{line}: {_squeeze(o) or '(nothing)'} => "
                        f"{_squeeze(n) or '(deleted)'}"
                        for line, o, n in changed_blocks(before, after))


def unified_diff(before, after, name):
    return "".join(difflib.unified_diff(
        before.decode(errors="replace").splitlines(True),
        after.decode(errors="replace").splitlines(True), f"a/{name}", f"b/{name}"))
