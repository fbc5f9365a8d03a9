"""Facts about the kit that every tool shares, each defined once.

A lab is a folder labs/NN-name/ with a lab.mk (what make builds) and a student-files
list (what a student edits). tests/NN-name/rubric makes it graded. solutions/NN-name/
holds the reference's version of exactly the student files, and tests/mutants/NN-name/
holds known-wrong submissions as patches against them.
"""
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB_NAME = re.compile(r"^\d\d-[\w.-]+$")

# What students never get: the handout leaves these out, and the Gradescope bundle
# and batch grading carry them neither (the reference, the mutants, the kit's own tests).
SOLUTION_PREFIXES = ("solutions/", "tests/mutants/")
# The instructor's own tools and guides: not in the handout.
INSTRUCTOR_ONLY_PREFIXES = ("conclab/instructor/", "conclab/mutation/", "tests/scripts/",
                            "docs/classroom/")
INSTRUCTOR_ONLY_FILES = frozenset({
    "scripts/make-handout", "scripts/check-handout", "scripts/make-gradescope",
    "scripts/grade-batch", "scripts/grade-submission", "scripts/mutant", "scripts/mutation",
    "scripts/make-classroom",
    "conclab/grading/submission.py", "docs/instructors.md", "docs/kit-internals.md",
    "compile_commands.json",
})
# The walkthroughs of the reference (docs/NN-name.md) show the design of the parts a
# student writes: the handout leaves them out unless asked (make handout WALKTHROUGHS=1).
WALKTHROUGH = re.compile(r"^docs/\d\d-[^/]+\.md$")
NEVER_SHIPPED_PREFIXES = ("build/", ".git/", ".cache/")
HIDDEN_TEST = re.compile(r"^tests/\d\d-[^/]+/hidden_[^/]*$")


def path(*parts):
    """A path inside the kit."""
    return os.path.join(ROOT, *parts)


def labs(root=ROOT):
    """Every lab of the kit (folders of labs/ with a lab.mk), in order."""
    folder = os.path.join(root, "labs")
    return sorted(d for d in os.listdir(folder)
                  if LAB_NAME.match(d) and os.path.isfile(os.path.join(folder, d, "lab.mk")))


def rubric_labs(root=ROOT):
    """The labs that have a rubric (tests/NN-name/rubric), in order."""
    tests = os.path.join(root, "tests")
    return sorted(d for d in os.listdir(tests)
                  if LAB_NAME.match(d) and os.path.isfile(os.path.join(tests, d, "rubric")))


def student_files(lab, root=ROOT):
    """The files a student edits in lab, from labs/<lab>/student-files; [] if none."""
    try:
        with open(os.path.join(root, "labs", lab, "student-files"), encoding="utf-8") as f:
            words = [line.split("#", 1)[0].strip() for line in f]
    except FileNotFoundError:
        return []
    return [w for w in words if w]


def uses(lab, root=ROOT):
    """The other labs whose modules lab links in (USES in labs/<lab>/lab.mk); [] if none."""
    try:
        with open(os.path.join(root, "labs", lab, "lab.mk"), encoding="utf-8") as f:
            for line in f:
                name, sep, value = line.split("#", 1)[0].partition(":=")
                if sep and name.strip() == "USES":
                    return value.split()
    except FileNotFoundError:
        pass
    return []


def lab_files(lab, root=ROOT):
    """The files of labs/<lab>/ that a build uses (the handout text is not one)."""
    folder = os.path.join(root, "labs", lab)
    return sorted(n for n in os.listdir(folder)
                  if os.path.isfile(os.path.join(folder, n)) and n != "README.md")


def kit_files(root=ROOT):
    """The kit's files, relative: git's tracked and untracked-not-ignored files, or
    every file of a walk outside git (builds and caches left out)."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, check=True).stdout
        files = [f for f in out.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d not in (".git", "build", ".cache", "__pycache__")]
            files += [os.path.relpath(os.path.join(folder, n), root) for n in names]
    return sorted(f for f in files
                  if os.path.isfile(os.path.join(root, f))
                  and not os.path.islink(os.path.join(root, f))
                  and not f.startswith(NEVER_SHIPPED_PREFIXES)
                  and "__pycache__" not in f and not f.endswith((".o", ".d", ".pyc")))


def is_solution(rel):
    """Whether rel gives a solution away: the reference or a mutant."""
    return rel.startswith(SOLUTION_PREFIXES)


def is_instructor_only(rel):
    return rel.startswith(INSTRUCTOR_ONLY_PREFIXES) or rel in INSTRUCTOR_ONLY_FILES


def is_hidden_test(rel):
    return bool(HIDDEN_TEST.match(rel))


def in_handout(rel, walkthroughs=False):
    """Whether rel (a kit file) goes into the student handout."""
    if WALKTHROUGH.match(rel) and not walkthroughs:
        return False
    return not (is_solution(rel) or is_instructor_only(rel) or is_hidden_test(rel))


def in_grader(rel):
    """Whether rel goes into a grader's copy of the kit (Gradescope, batches): the
    hidden tests do, the reference and the mutants never."""
    return not is_solution(rel) and rel != "compile_commands.json"
