"""make-handout: build the student handout (what `make handout` runs).

  scripts/make-handout [--out build/dist/conclab-handout.tar.gz]

The tarball unpacks into conclab/ and holds what a student needs: labs/ (the starter),
lib/, the public tests (tests/common, tests/lib, tests/NN-name), scripts/, conclab/, docs/,
Makefile, README.md, .clang-format, .ci/. It never holds:
  - solutions/ and tests/mutants/;
  - hidden tests: their code (tests/NN-name/hidden_*.c) and their rubric lines (the
    lines flagged `hidden` are removed from each tests/NN-name/rubric);
  - the instructor's tools and the kit's own script tests (conclab.kit.in_handout);
  - unless --with-walkthroughs, docs/NN-name.md (they walk through the reference).
Markdown pages lose their kit-only blocks and their links to files left out
(conclab/instructor/markdown.py). It adds .github/workflows/classroom.yml, GitHub
Classroom's autograding workflow written from the rubrics (scripts/make-classroom).
scripts/check-handout proves it. Exit status 0 on success, 1 on failure, 2 bad usage.
"""
import argparse
import io
import os
import re
import sys
import tarfile

from conclab import kit
from conclab.instructor import classroom, markdown

KIT = kit.ROOT
TOP = "conclab"
RUBRIC = re.compile(r"^tests/\d\d-[^/]+/rubric$")


def public_rubric(text):
    """The rubric without its hidden lines (comments and blank lines are kept)."""
    kept = []
    for line in text.splitlines(keepends=True):
        words = line.split("#", 1)[0].split()
        if len(words) >= 3 and "hidden" in words[3:]:
            continue
        kept.append(line)
    return "".join(kept)


def add(tar, name, data, mode):
    info = tarfile.TarInfo(f"{TOP}/{name}")
    info.size = len(data)
    info.mode = mode
    info.mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "1767225600"))  # 2026-01-01
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def main():
    parser = argparse.ArgumentParser(
        prog="make-handout", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--out",
                        default=os.path.join(KIT, "build", "dist", "conclab-handout.tar.gz"))
    parser.add_argument("--with-walkthroughs", action="store_true",
                        help="also ship docs/NN-name.md, the walkthroughs of the reference "
                        "(they show the design of the parts students write)")
    args = parser.parse_args()

    files = [f for f in kit.kit_files(KIT) if kit.in_handout(f, args.with_walkthroughs)]
    shipped = set(files)
    if not any(f.startswith("labs/") for f in files):
        print("make-handout: no labs/ found", file=sys.stderr)
        return 1
    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + ".tmp"
    hidden_lines = 0
    with tarfile.open(tmp, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for rel in files:
            path = os.path.join(KIT, rel)
            with open(path, "rb") as f:
                data = f.read()
            if RUBRIC.match(rel):
                text = data.decode("utf-8")
                public = public_rubric(text)
                hidden_lines += len(text.splitlines()) - len(public.splitlines())
                data = public.encode("utf-8")
            elif rel.endswith(".md"):
                data = markdown.for_handout(data.decode("utf-8"), rel, shipped).encode()
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            add(tar, rel, data, mode)
        # GitHub Classroom's workflow, written from the rubrics: a repository made from
        # the handout autogrades out of the box (docs/instructors.md, GitHub Classroom).
        workflow = classroom.workflow("test", kit.rubric_labs()).encode()
        add(tar, ".github/workflows/classroom.yml", workflow, 0o644)
    os.replace(tmp, out)
    print(f"make-handout: {os.path.relpath(out, os.getcwd())}: {len(files)} files; "
          f"left out solutions/, tests/mutants/, instructor tools, hidden tests "
          f"({hidden_lines} rubric line(s))"
          + ("" if args.with_walkthroughs else ", the walkthroughs (--with-walkthroughs)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
