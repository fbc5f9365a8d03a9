"""mutation: how many plausible mistakes in the reference do the graded tests catch?

  scripts/mutation                        every lab: build/mutation/report.md and .csv
  scripts/mutation --lab 04-race          one lab (make mutation LAB=04-race)
  scripts/mutation --list                 the mutants that would be graded, and their diffs
  scripts/mutation --id '04-race/bank.c:bank_transfer:swap-lock-order:1'   one mutant

Runs under Debian's /usr/bin/python3, the Python that sees libclang's bindings
(python3-clang-N). Exit status: 0 when grading ran (whatever the score), 1 when it
could not (the reference does not parse or build), 2 bad usage, 77 no libclang.
"""
import argparse
import datetime
import fcntl
import os
import sys
import textwrap
import time

from conclab import grading as g
from conclab.mutation import equivalents, operators, report, run
from conclab.mutation.parse import ClangMissing, ParseError


def _spread(items, limit):
    """At most limit items, evenly spread (deterministic)."""
    if not limit or len(items) <= limit:
        return items
    return [items[(2 * k + 1) * len(items) // (2 * limit)] for k in range(limit)]


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="mutation", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]) + "\n\noperators:\n" + "\n".join(
            textwrap.fill(op.doc, 88, initial_indent=f"  {op.name:<24} ",
                          subsequent_indent=" " * 27) for op in operators.OPERATORS))
    parser.add_argument("--lab", action="append", help="only this lab (repeatable)")
    parser.add_argument("--operator", action="append", metavar="NAME",
                        help="only this operator (repeatable; see the list below)")
    parser.add_argument("--limit", type=int, default=0, metavar="N",
                        help="grade at most N mutants per lab, spread evenly")
    parser.add_argument("--cap", type=int, default=operators.CAP, metavar="K",
                        help=f"classic mutants kept per operator per function (default "
                        f"{operators.CAP}; 0: no cap)")
    parser.add_argument("--targeted-cap", type=int, default=operators.TARGETED_CAP,
                        metavar="K", help="the same for the other operators (default "
                        f"{operators.TARGETED_CAP}; 0: no cap)")
    parser.add_argument("--sample", type=int, default=operators.CLASSIC_SAMPLE, metavar="S",
                        help="then keep one classic mutant in S, by a stable hash of its "
                        f"id (default {operators.CLASSIC_SAMPLE}; 0 or 1: all)")
    parser.add_argument("--all", action="store_true",
                        help="every mutant: the same as --cap 0 --targeted-cap 0 --sample 0")
    parser.add_argument("--jobs", type=int, default=1, choices=(1, 2),
                        help="mutants graded at once (default 1; 2 re-runs each failure "
                        "alone before it counts)")
    parser.add_argument("--list", action="store_true", help="list the mutants, grade none")
    parser.add_argument("--id", action="append", metavar="ID",
                        help="grade only this mutant, even if capped or listed equivalent")
    parser.add_argument("--out", default=run.BASE, help="report folder (default build/mutation)")
    args = parser.parse_args(argv)
    if args.all:
        args.cap = args.targeted_cap = args.sample = 0
    known = g.rubric_labs()
    for lab in args.lab or []:
        if lab not in known:
            parser.error(f"unknown lab '{lab}' (labs: {', '.join(known)})")
    for name in args.operator or []:
        if name not in operators.BY_NAME:
            parser.error(f"unknown operator '{name}' (see --help)")
    if min(args.limit, args.cap, args.targeted_cap, args.sample) < 0:
        parser.error("--limit, --cap, --targeted-cap and --sample must be 0 or more")
    if args.id:
        args.lab = sorted({i.split("/", 1)[0] for i in args.id})
        for lab in args.lab:
            if lab not in known:
                parser.error(f"--id: unknown lab '{lab}' in a mutant id")
    args.lab = args.lab or known
    return args


def choose(args, lab):
    """(every mutant of lab, the ones to grade)."""
    every = operators.generate(lab, args.operator)
    if args.id:
        wanted = [m for m in every if m.id in args.id]
        return every, wanted
    picked = operators.select(every, args.cap, args.targeted_cap, args.sample)
    return every, _spread(picked, args.limit)


def main(argv=None):
    args = parse_args(argv)
    try:
        listed = equivalents.read()
    except equivalents.BadEquivalents as e:
        print(f"mutation: {e}", file=sys.stderr)
        return 1
    try:
        chosen = {lab: choose(args, lab) for lab in args.lab}
    except ClangMissing as e:
        print(f"mutation: {e}")
        return 77
    except ParseError as e:
        print(f"mutation: {e}", file=sys.stderr)
        return 1
    if args.id:
        found = {m.id for _, picked in chosen.values() for m in picked}
        missing = [i for i in args.id if i not in found]
        if missing:
            print(f"mutation: no mutant {', '.join(missing)} (see --list --all)",
                  file=sys.stderr)
            return 2
    if args.list:
        for lab, (every, picked) in chosen.items():
            print(f"{lab}: {len(every)} mutants made, {len(picked)} to grade")
            for m in picked:
                mark = "  (equivalent)" if m.id in listed else ""
                print(f"  {m.id}{mark}\n      {m.diff}")
        return 0

    os.makedirs(args.out, exist_ok=True)
    lock = open(os.path.join(args.out, ".lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("mutation: another mutation run uses this build/mutation; waiting", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    started = time.monotonic()
    total = sum(len(p) for _, p in chosen.values())
    done = [0]
    if args.id:
        listed = {}  # asked for by name: grade it even if listed

    def progress(r):
        done[0] += 1
        spent = time.monotonic() - started
        eta = spent / done[0] * (total - done[0])
        test = f" by {r.test}" if r.test else ""
        print(f"[{done[0]:>4}/{total}] {r.status:<12} {r.mutant.id}{test} ({r.seconds:.1f} s;"
              f" ETA {eta / 60:.0f} min)", flush=True)

    results, runs = [], {}
    for lab, (every, picked) in chosen.items():
        print(f"{lab}: grading the reference, then {len(picked)} mutants", flush=True)
        try:
            lab_results, base = run.run_lab(lab, picked, listed, args.jobs, progress)
        except RuntimeError as e:
            print(f"mutation: {e}", file=sys.stderr)
            return 1
        results += lab_results
        runs[lab] = (len(every), len(picked), base)
    words = list(sys.argv[1:] if argv is None else argv)
    meta = {"command": " ".join(["scripts/mutation"] + words),
            "when": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "seconds": time.monotonic() - started, "cpus": os.cpu_count(),
            "jobs": args.jobs,
            "selection": f"classic operators: {args.cap or 'all'} per operator per function"
                         f", then 1 in {args.sample or 1}; the others: "
                         f"{args.targeted_cap or 'all'} per operator per function"
                         + (f"; at most {args.limit} per lab" if args.limit else "")}
    md, csv_path = report.write(results, runs, meta, args.out)
    for lab in runs:
        c = report.tally([r for r in results if r.mutant.lab == lab])
        print(f"{lab}: score {c['score']} ({c['killed']} killed, {c['timed out']} timed out, "
              f"{c['survived']} survived, {c['equivalent']} equivalent, "
              f"{c['build failed']} build failed, {c['error']} errors)")
    print(f"mutation: {meta['seconds'] / 60:.1f} min; report in "
          f"{os.path.relpath(md)} and {os.path.relpath(csv_path)}")
    return 0
