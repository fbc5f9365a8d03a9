"""check-handout: prove the student handout is complete and gives nothing away.

  scripts/check-handout [--tarball FILE] [--lab NN-name ...] [--filter GLOB] [--keep]

Builds the handout with scripts/make-handout (or checks FILE), unpacks it in a
temporary folder, and fails unless:
  1. it holds no solutions/, tests/mutants/, tests/scripts/, hidden test source
     (tests/*/hidden_*), instructor tool, and no rubric line flagged hidden;
  2. no file of solutions/ that differs from its labs/ counterpart, no mutant file and
     no hidden test source appears in it, whole (after collapsing whitespace), and no
     handout file holds half (at least 5) or 20 of the lines that only such a file has;
  3. `make` builds it, each lab's test binary holds exactly the tests of its (public)
     rubric, and `make grade` runs, writes results.json and scores 0 (Score: 0/Y, Y > 0).
Exit status 0 pass, 1 fail, 2 bad usage.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

from conclab import grading as g
from conclab import kit
from conclab.instructor import markdown

KIT = kit.ROOT

# A handout file holding this many of a secret file's distinctive lines leaks it: half
# of them (at least 5), or 20, whichever is fewer.
LINE_LEAK_LIMIT = 20
MIN_LINE = 24          # shorter lines (braces, returns, includes) are not distinctive

failures = []


def check(ok, what, detail=""):
    print(f"  {'ok  ' if ok else 'FAIL'}  {what}", flush=True)
    if not ok:
        failures.append(what)
        for line in detail.strip().splitlines()[:15]:
            print(f"          {line}")


def normalize(text):
    return re.sub(r"\s+", " ", text).strip()


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def secret_files():
    """Instructor-only content that must not reach students: {label: text}. A reference
    file the same as its starter is no secret; a mutant's secret is what its patch adds
    beyond the starter's own lines (the rest of it is the reference, already a secret)."""
    public = set()
    for rel in kit.kit_files(KIT):
        if rel.startswith("labs/"):
            public |= {normalize(l) for l in read(os.path.join(KIT, rel)).splitlines()}
    secrets = {}
    for rel in kit.kit_files(KIT):
        path = os.path.join(KIT, rel)
        if rel.startswith("solutions/"):
            starter = os.path.join(KIT, "labs", rel[len("solutions/"):])
            if os.path.isfile(starter) and normalize(read(starter)) == normalize(read(path)):
                continue
            secrets[rel] = read(path)
        elif rel.startswith("tests/mutants/") and rel.endswith(".patch"):
            added = [l[1:] for l in read(path).splitlines()
                     if l.startswith("+") and not l.startswith("+++")
                     and normalize(l[1:]) not in public]
            if added:
                secrets[rel] = "\n".join(added)
        elif kit.is_hidden_test(rel):
            secrets[rel] = read(path)
    return secrets


def distinctive_lines(text, public_lines):
    lines = {normalize(l) for l in text.splitlines()}
    return {l for l in lines if len(l) >= MIN_LINE and l not in public_lines}


def check_contents(root):
    names = []
    for folder, _, files in os.walk(root):
        names += [os.path.relpath(os.path.join(folder, f), root) for f in files]
    bad = [n for n in names if not kit.in_handout(n)]
    check(not bad, f"no instructor-only file among its {len(names)} files", "\n".join(bad))
    hidden = []
    for rubric in glob.glob(os.path.join(root, "tests", "*", "rubric")):
        for line in read(rubric).splitlines():
            words = line.split("#", 1)[0].split()
            if len(words) >= 3 and "hidden" in words[3:]:
                hidden.append(f"{os.path.relpath(rubric, root)}: {line}")
    check(not hidden, "no rubric line flagged hidden", "\n".join(hidden))

    # What the student legitimately has: the starter's lines are not secrets.
    public_lines = set()
    for path in glob.glob(os.path.join(KIT, "labs", "*", "*")):
        if os.path.isfile(path):
            public_lines |= {normalize(l) for l in read(path).splitlines()}
    secrets = secret_files()
    handout = {n: read(os.path.join(root, n)) for n in names}
    normalized = {n: normalize(t) for n, t in handout.items()}
    whole, partial = [], []
    for label, text in secrets.items():
        secret = normalize(text)
        lines = distinctive_lines(text, public_lines)
        for name, content in handout.items():
            if secret and secret in normalized[name]:
                whole.append(f"{label} is in {name}")
                continue
            ours = {normalize(l) for l in content.splitlines()}
            common = lines & ours
            if len(common) >= max(5, min(LINE_LEAK_LIMIT, (len(lines) + 1) // 2)):
                partial.append(f"{name} holds {len(common)} lines of {label}")
    check(not whole, f"none of {len(secrets)} solution/mutant/hidden files is in it",
          "\n".join(whole))
    check(not partial, "no handout file holds many of their distinctive lines",
          "\n".join(partial))


# Make targets and words that need the reference, which a handout does not carry.
NEEDS_REFERENCE = ("make solutions", "make demo", "IMPL=solutions", "build/solutions")


def check_promises(root):
    """Every page of the handout keeps its promises there: its relative links lead to a
    file or folder of the handout, each `make TARGET` it names is a target of the
    handout's Makefile, each `scripts/NAME` exists, and it names nothing that needs the
    reference (solutions/ is not in a handout)."""
    with open(os.path.join(root, "Makefile"), encoding="utf-8") as f:
        targets = set(re.findall(r"^([a-zA-Z][\w.-]*)\s*:", f.read(), re.M))
    dead, unknown, reference = [], [], []
    for folder, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".md"):
                continue
            path = os.path.join(folder, name)
            page = os.path.relpath(path, root)
            text = read(path)
            for href, target in markdown.links(page, text):
                if not os.path.exists(os.path.join(root, target)):
                    dead.append(f"{page}: ({href})")
            made, scripts = markdown.commands(text)
            unknown += [f"{page}: make {m}" for m in sorted(made - targets)]
            unknown += [f"{page}: scripts/{s}" for s in sorted(scripts)
                        if not os.path.exists(os.path.join(root, "scripts", s))]
            reference += [f"{page}: {w}" for w in NEEDS_REFERENCE if w in text]
    check(not dead, "no dead link in the handout's pages", "\n".join(dead))
    check(not unknown, "every make target and script the pages name is in the handout",
          "\n".join(unknown))
    check(not reference, "no page tells a student to run what needs the reference",
          "\n".join(reference))


def run(cmd, cwd, timeout=600):
    try:
        proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace",
                              timeout=timeout)
        return proc.returncode, proc.stdout
    except subprocess.TimeoutExpired as e:
        return None, (e.stdout or b"").decode(errors="replace") + f"\n(timed out: {timeout} s)"


def check_builds_and_grades(root, labs, test_filter=None):
    rc, out = run(["make", "-j2", "--no-print-directory"], root)
    check(rc == 0, "`make` builds the handout", out[-3000:])
    for lab in labs:
        binary = os.path.join(root, "build", "labs", lab, "tests")
        if not os.access(binary, os.X_OK):
            check(False, f"{lab}: the handout builds a test binary")
            continue
        in_binary = set(g.list_tests(binary))
        rubric = set()
        for line in read(os.path.join(root, "tests", lab, "rubric")).splitlines():
            words = line.split("#", 1)[0].split()
            if len(words) >= 3:
                rubric.add(words[1])
        check(in_binary == rubric, f"{lab}: its tests are exactly its public rubric's "
              f"({len(rubric)})", f"in binary only: {sorted(in_binary - rubric)}\n"
              f"in rubric only: {sorted(rubric - in_binary)}")
    cmd = ["make", "--no-print-directory", "grade"]
    if len(labs) == 1:
        cmd.append(f"LAB={labs[0]}")
    if test_filter:
        cmd.append(f"FILTER={test_filter}")
    rc, out = run(cmd, root)
    score = re.findall(r"^Score: ([\d.]+)/([\d.]+)$", out, re.M)
    check(rc == 0 and score and float(score[-1][1]) > 0,
          f"`{' '.join(cmd[2:])}` runs and prints a score ({'/'.join(score[-1]) if score else 'none'})",
          out[-3000:])
    check(bool(score) and float(score[-1][0]) == 0, "the starter scores 0", out[-3000:])
    try:
        with open(os.path.join(root, "build", "grade", "results.json"), encoding="utf-8") as f:
            results = json.load(f)
        ok = results.get("score") == 0 and all(t["visibility"] == "visible"
                                               for t in results["tests"])
    except (OSError, ValueError, KeyError):
        ok = False
    check(ok, "results.json is valid, scores 0, and has no hidden test")


def main():
    parser = argparse.ArgumentParser(
        prog="check-handout", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--tarball", help="check this handout instead of building one")
    parser.add_argument("--lab", action="append", help="grade only this lab (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the unpacked handout")
    parser.add_argument("--filter", help="grade only the tests matching this glob")
    parser.add_argument("--no-build", action="store_true",
                        help="check the contents and the pages only (quick)")
    args = parser.parse_args()
    if args.tarball and not os.path.isfile(args.tarball):
        parser.error(f"--tarball {args.tarball}: no such file")
    labs = args.lab or g.rubric_labs()
    for lab in labs:
        if lab not in g.rubric_labs():
            parser.error(f"unknown lab '{lab}'")

    tmp = tempfile.mkdtemp(prefix="conclab-handout-check-")
    os.chmod(tmp, 0o755)  # the grader's sandbox uid must reach the build
    try:
        tarball = args.tarball
        if not tarball:
            tarball = os.path.join(tmp, "conclab-handout.tar.gz")
            rc, out = run([sys.executable, os.path.join(KIT, "scripts", "make-handout"),
                           "--out", tarball], KIT)
            check(rc == 0, "make-handout builds the tarball", out)
            if rc != 0:
                return 1
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, filter="data")
        root = os.path.join(tmp, "conclab")
        check(os.path.isfile(os.path.join(root, "Makefile")), "it unpacks into conclab/")
        check_contents(root)
        check_promises(root)
        if not args.no_build:
            check_builds_and_grades(root, labs, args.filter)
    finally:
        if args.keep:
            print(f"  (kept in {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"check-handout: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
