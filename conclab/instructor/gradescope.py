"""make-gradescope: build the Gradescope autograder bundle (what `make gradescope` runs).

  scripts/make-gradescope [--out build/dist/autograder.zip] [--lab NN-name ...]

The zip holds, at its top (Gradescope unpacks it into /autograder/source):
  setup.sh         installs the Debian/Ubuntu packages the kit needs (scripts/deps),
                   builds the starter once as a smoke test, and the labs' tests (which
                   hold no student code) into /autograder/source/checker, once for
                   every submission;
  run_autograder   grades /autograder/submission into /autograder/results/results.json
                   with scripts/grade-submission (only whitelisted files are taken;
                   hidden tests included); AUTOGRADER_ROOT names another root for local
                   runs (tests/scripts/gradescope_test does exactly that);
  labs             the labs to grade, one per line (all labs with a rubric by default);
  kit/             the kit: labs, lib, tests (hidden included), the tooling, Makefile,
                   README.md; never solutions/ or tests/mutants/ (conclab.kit.in_grader).
Exit status 0 on success, 1 on failure, 2 for bad usage.
"""
import argparse
import os
import sys
import zipfile

from conclab import grading as g
from conclab import kit

KIT = kit.ROOT


SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
cd /autograder/source/kit
# The kit's own list of Debian packages (scripts/deps is the one place that names them).
bash scripts/deps install
# Smoke test: the kit and its starter build here (io_uring may be blocked while the
# image is built: a build needs no io_uring, and grading reports such tests as skipped).
make --no-print-directory -j"$(nproc)" NO_DEPS_CHECK=1 impl IMPL=labs
# The tests hold no student code (the checker): built once here, in the image, every
# submission's grading uses them as they are (run_autograder: --checker).
LABS=()
while read -r lab; do
    case $lab in ''|'#'*) ;; *) LABS+=(--lab "$lab") ;; esac
done < /autograder/source/labs
python3 scripts/grade --build-checker /autograder/source/checker "${LABS[@]}"
echo "setup.sh: the kit builds; the autograder is ready"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope's entry point: grade /autograder/submission into
# /autograder/results/results.json. AUTOGRADER_ROOT replaces /autograder (local tests).
set -u
ROOT=${AUTOGRADER_ROOT:-/autograder}
SRC=$ROOT/source
RESULTS=$ROOT/results/results.json
mkdir -p "$ROOT/results"
# The code under test runs as an unprivileged uid: it must not read the bundle
# (solutions, hidden test sources).
chmod 700 "$SRC"
LABS=()
while read -r lab; do
    case $lab in ''|'#'*) ;; *) LABS+=(--lab "$lab") ;; esac
done < "$SRC/labs"
# The tests built once by setup.sh (none: grade-submission builds them).
CHECKER=()
if [ -d "$SRC/checker" ]; then CHECKER=(--checker "$SRC/checker"); fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/conclab-autograder.XXXXXX")
chmod 755 "$WORK"
# CONCLAB_FILTER (a test glob) is for the kit's own tests of this script only.
python3 "$SRC/kit/scripts/grade-submission" --kit "$SRC/kit" \
    --submission "$ROOT/submission" --work "$WORK/run" --results "$RESULTS" "${LABS[@]}" \
    "${CHECKER[@]}" \
    ${CONCLAB_FILTER:+--filter "$CONCLAB_FILTER"}
status=$?
rmdir "$WORK" 2>/dev/null
if [ ! -s "$RESULTS" ]; then
    printf '{"score": 0, "output": "The autograder failed (status %s) before it could write results. Tell your instructor.", "tests": []}\n' "$status" > "$RESULTS"
fi
exit 0
"""


def add_text(zf, name, text, mode):
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text)


def main():
    parser = argparse.ArgumentParser(
        prog="make-gradescope", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--out", default=os.path.join(KIT, "build", "dist", "autograder.zip"))
    parser.add_argument("--lab", action="append", help="grade only this lab (repeatable)")
    args = parser.parse_args()

    labs = g.rubric_labs()
    for lab in args.lab or []:
        if lab not in labs:
            parser.error(f"unknown lab '{lab}' (labs: {', '.join(labs)})")
    labs = args.lab or labs
    if not labs:
        print("make-gradescope: no lab has a rubric yet", file=sys.stderr)
        return 1

    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + ".tmp"
    files = [f for f in kit.kit_files(KIT) if kit.in_grader(f)]
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        add_text(zf, "setup.sh", SETUP_SH, 0o755)
        add_text(zf, "run_autograder", RUN_AUTOGRADER, 0o755)
        add_text(zf, "labs", "".join(f"{lab}\n" for lab in labs), 0o644)
        for rel in files:
            zf.write(os.path.join(KIT, rel), os.path.join("kit", rel))
    os.replace(tmp, out)
    print(f"make-gradescope: {os.path.relpath(out, os.getcwd())}: {len(files)} kit files, "
          f"labs {', '.join(labs)}")
    total = sum(e.points for lab in labs for e in g.read_rubric(lab))
    print(f"  upload it as the autograder of a Gradescope programming assignment worth "
          f"{g.format_points(total)} points (the rubric total of these labs; see "
          f"docs/instructors.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
