"""make-classroom: the GitHub Classroom workflow, derived from the rubrics.

  scripts/make-classroom [--by test|part|lab] [--lab NN-name ...] [--out FILE]

Writes a GitHub Actions workflow for a GitHub Classroom assignment (copy it to
.github/workflows/classroom.yml in the assignment's template repository). Each grading
step runs `make grade ... STRICT=1` through GitHub Classroom's command grader, whose
verdict is the exit status: 0 gives the step its max-score, anything else 0. So a step
is all-or-nothing, and the split decides the partial credit:
  --by test   one step per graded test (default): the same points as `make grade`;
  --by part   one step per part of the handout (fewer, coarser steps);
  --by lab    one step per lab.
The reporter step then sums the steps. Hidden tests are left out (the template
repository is the students' own). `make handout` puts the default workflow in the
handout as .github/workflows/classroom.yml; `make classroom` writes it to
build/dist/classroom.yml; the kit keeps a copy in docs/classroom/classroom.yml, which
tests/scripts/classroom_test holds to what this command writes.
"""
import argparse
import os
import re

from conclab import grading as g
from conclab import kit
from conclab.grading.rubric import part_titles

HEADER = """\
# GitHub Classroom autograding for conclab, written by scripts/make-classroom from the
# rubrics ({by}). Copy it to .github/workflows/classroom.yml in the
# template repository (the handout, or a repository made from it).
# A step passes (and earns its max-score) when `make grade ... STRICT=1` exits 0, that
# is, when every selected test passes (a test skipped on the runner counts as passed).
name: Autograding Tests
"on":
  - push
  - workflow_dispatch
  - repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Install the kit's packages and build the labs
        run: make deps && make labs
"""


def steps(by, labs):
    """[(id, name, make grade arguments, points, timeout in minutes)] in rubric order."""
    out = []
    for lab in labs:
        entries = [e for e in g.read_rubric(lab) if not e.hidden]
        titles = part_titles(lab)
        if by == "lab":
            groups = [(lab, f"LAB={lab}", entries)]
        elif by == "part":
            parts = sorted({e.part for e in entries})
            groups = [(f"{lab} part {p}" + (f": {titles[p]}" if p in titles else ""),
                       f"LAB={lab} PART={p}", [e for e in entries if e.part == p])
                      for p in parts]
        else:
            groups = [(f"{lab} {e.test}", f"LAB={lab} FILTER={e.test}", [e]) for e in entries]
        for name, selection, chosen in groups:
            # A step id starts with a letter (GitHub Actions' rule): lab01-..., lab02-...
            ident = "lab" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
            seconds = sum(e.timeout for e in chosen) + 300  # and the builds (TSan's too)
            out.append((ident, name, selection, sum(e.points for e in chosen),
                        -(-seconds // 60)))
    return out


def workflow(by, labs):
    """The workflow's text."""
    lines = [HEADER.format(by=f"one step per {by}")]
    ids = []
    for ident, name, selection, points, minutes in steps(by, labs):
        ids.append(ident)
        lines.append(f"""\
      - name: {name}
        id: {ident}
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: {name}
          command: make grade {selection} STRICT=1
          timeout: {minutes}
          max-score: {g.format_points(points)}
""")
    env = "".join(f"          {i.upper()}_RESULTS: \"${{{{steps.{i}.outputs.result}}}}\"\n"
                  for i in ids)
    lines.append(f"""\
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
{env}        with:
          runners: {",".join(ids)}
""")
    return "".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="make-classroom", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--by", choices=("test", "part", "lab"), default="test")
    parser.add_argument("--lab", action="append", help="only this lab (repeatable)")
    parser.add_argument("--out", default=kit.path("build", "dist", "classroom.yml"))
    args = parser.parse_args(argv)
    known = kit.rubric_labs()
    for lab in args.lab or []:
        if lab not in known:
            parser.error(f"unknown lab '{lab}' (labs: {', '.join(known)})")
    labs = args.lab or known
    text = workflow(args.by, labs)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    total = sum(e.points for lab in labs for e in g.read_rubric(lab) if not e.hidden)
    print(f"make-classroom: {os.path.relpath(args.out)}: {len(steps(args.by, labs))} steps, "
          f"{g.format_points(total)} points; copy it to .github/workflows/classroom.yml "
          f"in the template repository")
    return 0
