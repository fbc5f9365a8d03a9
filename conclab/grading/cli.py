"""grade: build an implementation of the labs and grade it (what `make grade` runs).

  scripts/grade                      grade labs/ (your work)
  scripts/grade --impl solutions     grade the reference
  scripts/grade --lab 03-pool        one lab;  --filter 'procs/*'  some tests

Prints PASS/FAIL/SKIP per test with points and hints, per-lab subtotals and
"Score: X/Y"; writes build/grade/results.json (Gradescope) and build/grade/junit.xml.
Exit status 0 when grading ran, whatever the score (--strict: 1 below full marks);
2 for bad usage.
"""
import argparse
import os
import sys
import time

from conclab import grading as g
from conclab import kit


def main():
    parser = argparse.ArgumentParser(
        prog="grade", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--impl", default="labs", help="folder of lab folders (default labs)")
    parser.add_argument("--lab", action="append", help="grade only this lab (repeatable)")
    parser.add_argument("--filter", help="glob on suite/name, e.g. 'procs/*'")
    parser.add_argument("--part", help="only the tests of this part of the handout (A, B, ...)")
    parser.add_argument("--strict", action="store_true", help="exit 1 below full marks")
    parser.add_argument("--out", help="build folder (default build/<impl name>)")
    parser.add_argument("--results", default=os.path.join(kit.ROOT, "build", "grade"),
                        help="where results.json and junit.xml go (default build/grade)")
    parser.add_argument("--shown-as", help="how compiler messages name the student files' "
                        "folder (default: the --impl folder)")
    parser.add_argument("--visible-only", action="store_true",
                        help="leave out tests marked hidden in the rubric")
    parser.add_argument("--checker", metavar="DIR",
                        help="the test binaries, already built from this kit's files in DIR "
                        "(make checker OUT=DIR; a batch's, Gradescope's setup.sh): used as "
                        "they are")
    parser.add_argument("--build-checker", metavar="DIR",
                        help="only build the labs' test binaries (the kit's tests, no student "
                        "code) into DIR, for later runs with --checker DIR (Gradescope's "
                        "setup.sh), and exit")
    args = parser.parse_args()

    if not os.path.isdir(os.path.join(kit.ROOT, args.impl)):
        parser.error(f"--impl {args.impl}: no such folder")
    if args.checker and not os.path.isdir(args.checker):
        parser.error(f"--checker {args.checker}: no such folder")
    known = g.rubric_labs()
    for lab in args.lab or []:
        if lab not in known:
            parser.error(f"unknown lab '{lab}' (labs: {', '.join(known)})")
    try:
        for lab in args.lab or known:
            g.read_rubric(lab)
    except g.RubricError as e:
        print(f"grade: {e}", file=sys.stderr)
        return 2

    if args.build_checker:
        for lab in args.lab or known:
            ok, log = g.run_make(g.checker_command(os.path.abspath(args.build_checker), lab))
            if not ok:
                print(f"grade: the tests of {lab} do not build:\n{log[-3000:]}",
                      file=sys.stderr)
                return 1
        return 0

    started = time.monotonic()
    current = {"lab": None}

    def progress(item):
        if isinstance(item, str):
            print(item, flush=True)
            return
        lab = item.lab if isinstance(item, g.BuildFailure) else item.entry.lab
        if lab != current["lab"]:
            current["lab"] = lab
            print(f"== {lab}", flush=True)
        if isinstance(item, g.BuildFailure):
            g.print_build_failure(item)
        else:
            g.print_outcome(item)
        sys.stdout.flush()

    print(f"Grading {args.impl}/ ...", flush=True)
    report = g.grade(args.impl, labs=args.lab, test_filter=args.filter, part=args.part,
                     out=args.out,
                     include_hidden=not args.visible_only, progress=progress,
                     shown_as=args.shown_as,
                     checker_out=os.path.abspath(args.checker) if args.checker else None,
                     checker_prebuilt=bool(args.checker))
    if not report.outcomes:
        print("grade: no test matched", file=sys.stderr)
        return 2
    g.write_reports(report, args.results)
    g.print_summary(report)
    g.print_next_steps(report)
    print(f"(graded in {time.monotonic() - started:.1f} s; reports in "
          f"{os.path.relpath(args.results, os.getcwd())}/results.json and junit.xml)")
    if args.strict and report.score() < report.max_score():
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
