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


def changed_blocks(before, after):
    """[(first line number, old lines, new lines)] of each region that differs."""
    old, new = before.decode(errors="replace").splitlines(), after.decode(
        errors="replace").splitlines()
    return [(i1 + 1, old[i1:i2], new[j1:j2]) for op, i1, i2, j1, j2
            in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
            if op != "equal"]


def one_line_diff(before, after):
    """`L42: old text => new text`, one such part per changed region joined by ` ... `:
    what the mutant changes, for a report's line."""
    return " ... ".join(f"L{line}: {_squeeze(old) or '(nothing)'} => "
                        f"{_squeeze(new) or '(deleted)'}"
                        for line, old, new in changed_blocks(before, after))


def unified_diff(before, after, name):
    return "".join(difflib.unified_diff(
        before.decode(errors="replace").splitlines(True),
        after.decode(errors="replace").splitlines(True), f"a/{name}", f"b/{name}"))
