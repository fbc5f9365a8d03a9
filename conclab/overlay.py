"""The one overlay: labs/ with a set of student files laid over it.

Every tree that is graded is made here: the reference (labs/ + solutions/), a student's
work (labs/ itself, or a submission's whitelisted files), a mutant (the reference with
a patch applied: conclab.selfcheck.mutants). Only a lab's student files
(labs/<lab>/student-files) are ever taken from the overlay; every other file, and a
student file the overlay lacks, comes from labs/.

  python3 -m conclab.overlay --impl DIR --into DIR     (what `make impl IMPL=DIR` runs)
"""
import argparse
import os
import shutil
import stat
import sys

from conclab import kit


def student_file_in(impl, lab, name):
    """impl/<lab>/<name> if it is a regular file (not a link), else None."""
    candidate = os.path.join(impl, lab, name)
    try:
        st = os.lstat(candidate)
    except OSError:
        return None
    return candidate if stat.S_ISREG(st.st_mode) else None


def sources(impl, lab, root=kit.ROOT):
    """{file name: source path} of one lab of the tree `impl` lays over labs/."""
    taken = {}
    for name in kit.lab_files(lab, root):
        taken[name] = os.path.join(root, "labs", lab, name)
    for name in kit.student_files(lab, root):
        found = student_file_in(impl, lab, name) if impl else None
        if found:
            taken[name] = found
    return taken


def _sync(src, dest):
    """Copies src to dest unless dest already holds the same bytes (so that make
    rebuilds only what changed)."""
    with open(src, "rb") as f:
        data = f.read()
    try:
        with open(dest, "rb") as f:
            if f.read() == data:
                return
    except OSError:
        pass
    tmp = dest + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, dest)


def build_tree(impl, into, labs=None, root=kit.ROOT):
    """Makes `into` a complete tree of labs (default: all): labs/ with impl's student
    files over it. Files of `into` that the tree does not hold are removed."""
    for lab in labs or kit.labs(root):
        folder = os.path.join(into, lab)
        os.makedirs(folder, exist_ok=True)
        wanted = sources(impl, lab, root)
        for name, src in wanted.items():
            _sync(src, os.path.join(folder, name))
        for name in os.listdir(folder):
            if name not in wanted:
                target = os.path.join(folder, name)
                shutil.rmtree(target) if os.path.isdir(target) else os.remove(target)
    return into


def main(argv=None):
    parser = argparse.ArgumentParser(prog="overlay", description=__doc__.split("\n\n")[0])
    parser.add_argument("--impl", required=True,
                        help="a folder of lab folders holding student files")
    parser.add_argument("--into", required=True, help="where the complete tree goes")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.impl):
        print(f"overlay: {args.impl} is not a folder", file=sys.stderr)
        return 2
    if os.path.realpath(args.into) == os.path.realpath(kit.path("labs")):
        print("overlay: refusing to write into labs/", file=sys.stderr)
        return 2
    build_tree(args.impl, args.into)
    return 0


if __name__ == "__main__":
    sys.exit(main())
