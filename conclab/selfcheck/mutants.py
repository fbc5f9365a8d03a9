"""Known-wrong submissions, kept as patches against the reference's student files.

tests/mutants/<lab>/<name>.patch is a unified diff (paths a/<file>, b/<file>, relative to
the lab folder) preceded by its metadata, one `key: value` line each:
  what:       the mistake, in a sentence
  must-fail:  graded tests (suite/name) that must fail on it (repeatable, space-separated)
  hint:       words the student must read in the failure of at least one of those tests,
              comma-separated (case does not matter): the cause, named by concept
              ("while", "broadcast", "_exit", "lock order", "pipe capacity", ...)
A patch may instead be a *design the handout accepts* that differs from the reference (a
fairness check: the tests must not reward the reference's structure), with
  must-pass:  graded tests that must pass on it, or `all` (every test of the lab)
and no must-fail line: the self-check requires full marks on those tests.
A mutant's tree is the reference with the patch applied, laid over labs/ by the one
overlay; the labs it uses (lab.mk's USES: lab 03 runs lab 02's GIL) are the reference's
too, so that a mutant is one mistake. A patch that no longer applies cleanly (the reference moved under it) is an
error that names the mutant: it is never skipped.
"""
import glob
import os
import shutil
import subprocess
from dataclasses import dataclass, field

from conclab import kit


class StaleMutant(Exception):
    """The patch does not apply to the reference any more."""


@dataclass
class Mutant:
    lab: str
    name: str
    path: str
    what: str = ""
    must_fail: list = field(default_factory=list)
    must_pass: list = field(default_factory=list)  # ["all"]: every graded test of the lab
    hint: list = field(default_factory=list)

    @property
    def label(self):
        return f"{self.lab}/{self.name}"


def read(path):
    """The Mutant stored at path (its metadata read; the patch itself is not applied)."""
    lab = os.path.basename(os.path.dirname(path))
    mutant = Mutant(lab, os.path.basename(path)[:-len(".patch")], path)
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(("--- ", "diff ")):
                break
            key, _, value = line.partition(":")
            if key.strip() == "what":
                mutant.what = value.strip()
            elif key.strip() == "must-fail":
                mutant.must_fail += value.split("#", 1)[0].split()
            elif key.strip() == "must-pass":
                mutant.must_pass += value.split("#", 1)[0].split()
            elif key.strip() == "hint":
                mutant.hint += [w.strip() for w in value.split(",") if w.strip()]
    return mutant


def all_mutants(lab, root=kit.ROOT):
    """Every mutant of lab, by name."""
    return [read(p) for p in sorted(glob.glob(os.path.join(root, "tests", "mutants", lab,
                                                           "*.patch")))]


def make_impl(mutant, into, root=kit.ROOT):
    """Writes into/<lab>/ the reference's student files with the mutant's patch applied:
    a folder of student files for the overlay. Raises StaleMutant if it does not apply."""
    folder = os.path.join(into, mutant.lab)
    shutil.rmtree(into, ignore_errors=True)
    for lab in [mutant.lab] + kit.uses(mutant.lab, root):
        os.makedirs(os.path.join(into, lab), exist_ok=True)
        for name in kit.student_files(lab, root):
            # The reference's version, or the starter's where the reference keeps it as is.
            for tree in ("solutions", "labs"):
                src = os.path.join(root, tree, lab, name)
                if os.path.isfile(src):
                    shutil.copyfile(src, os.path.join(into, lab, name))
                    break
    # --fuzz=0: a hunk whose context moved away is stale, not "close enough".
    proc = subprocess.run(["patch", "--batch", "--forward", "--fuzz=0", "--silent",
                           "--no-backup-if-mismatch", "-p1", "-d", folder, "-i",
                           os.path.abspath(mutant.path)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    leftovers = glob.glob(os.path.join(folder, "*.rej")) + glob.glob(os.path.join(folder,
                                                                                  "*.orig"))
    if proc.returncode != 0 or leftovers:
        raise StaleMutant(f"mutant {mutant.label}: its patch "
                          f"{os.path.relpath(mutant.path, root)} no longer applies to "
                          f"solutions/{mutant.lab}/ (remake it against the reference):\n"
                          + proc.stdout.strip())
    return into


def main(argv=None):
    """scripts/mutant: list the mutants, or build one's programs to run by hand."""
    import argparse
    parser = argparse.ArgumentParser(
        prog="mutant", description="List the known-wrong submissions, or build one "
        "(the reference with its patch, laid over labs/) to run its programs by hand.")
    parser.add_argument("mutant", nargs="?", help="LAB/NAME, e.g. 02-gil/no-forced-switching")
    args = parser.parse_args(argv)
    every = {m.label: m for lab in kit.labs() for m in all_mutants(lab)}
    if not args.mutant:
        for m in every.values():
            print(f"{m.label:<48} {m.what}")
        return 0
    if args.mutant not in every:
        parser.error(f"no mutant {args.mutant} (see: scripts/mutant with no argument)")
    m = every[args.mutant]
    base = kit.path("build", "mutants", m.lab, m.name)
    try:
        impl = make_impl(m, os.path.join(base, "impl"))
    except StaleMutant as e:
        print(f"mutant: {e}")
        return 1
    out = os.path.join(base, "out")
    proc = subprocess.run(["make", "--no-print-directory", "-C", kit.ROOT, "impl",
                           f"IMPL={impl}", f"OUT={out}", f"LAB={m.lab}"])
    if proc.returncode != 0:
        return 1
    print(f"mutant {m.label} ({m.what}): its programs are in "
          f"{os.path.relpath(os.path.join(out, m.lab), os.getcwd())}/")
    return 0


def missing_hint_words(mutant, outcomes):
    """The hint words of mutant that no failing must-fail test's message holds."""
    said = " ".join(o.message for o in outcomes if o.status == "FAIL").lower()
    return [w for w in mutant.hint if w.lower() not in said]
