"""grade-submission: grade one student submission in a fresh copy of the kit.

  scripts/grade-submission --submission DIR|FILE.tar.gz|FILE.zip --work DIR --results FILE.json

What the Gradescope runner (run_autograder) and scripts/grade-batch call. It
  1. makes a fresh copy of the kit in WORK/kit: labs/ (the starter), lib/, tests/ (with
     the hidden tests), the tooling, Makefile; never solutions/, tests/mutants/ or build/;
  2. takes from the submission ONLY the files a student edits (each lab's
     labs/NN-name/student-files) into WORK/submitted, which the one overlay lays over
     the starter; everything else it holds (tests, Makefile, headers, symlinks) is
     ignored and listed as ignored;
  3. builds and grades every lab (hidden tests included) with scripts/grade, as the
     kit's sandbox (see docs/instructors.md: uid, RLIMIT_NPROC, CPU, file size);
  4. writes Gradescope's results.json, also when the build fails (every test 0 with
     the compiler's message) or when grading itself fails (score 0 and the reason).

Where a submission may put a file (first match wins): labs/NN-name/FILE,
NN-name/FILE (either at any depth, e.g. inside a top folder of a zip), or FILE alone
(at any depth) when FILE is a student file of exactly one lab.
Exit status: 0 when results.json was written, 1 otherwise, 2 for bad usage.
"""
import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import time
import zipfile

from conclab import kit

KIT_DEFAULT = kit.ROOT
MAX_FILE = 1 << 20            # a student file above 1 MiB is refused
MAX_ARCHIVE = 64 << 20        # a .tar.gz whose contents exceed this is refused
MAX_MEMBERS = 10000
LAB_RE = kit.LAB_NAME


ARCHIVE = re.compile(r"\.(tar\.gz|tgz|tar|zip)$", re.I)


def _safe_member(name):
    """The relative path an archive member may take, or None (absolute, .. or empty)."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or name.startswith("/") or ".." in parts:
        return None
    return os.path.join(*parts)


def safe_extract(archive, dest):
    """Extracts a .tar.gz, .tgz, .tar or .zip (what LMSs and Gradescope export) into dest:
    regular files and folders only (no links, no devices), no path out of dest, bounded
    in size and count. Done by hand, member by member, so that it is the same on every
    Python (tarfile's extraction filters came in 3.10.12 and 3.11.4)."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            members = [(i.filename, i.file_size, i.is_dir(), i) for i in zf.infolist()]
            _check_bounds(members)
            for name, _, is_dir, info in members:
                mode = (info.external_attr >> 16) & 0o170000
                if mode and mode not in (0o100000, 0o040000):  # a link or a device
                    continue
                _extract_one(dest, name, is_dir, lambda: zf.open(info))
        return
    with tarfile.open(archive, "r:*") as tar:
        members = [(m.name, m.size, m.isdir(), m) for m in tar.getmembers()
                   if m.isfile() or m.isdir()]
        _check_bounds(members)
        for name, _, is_dir, member in members:
            _extract_one(dest, name, is_dir, lambda: tar.extractfile(member))


def _check_bounds(members):
    if len(members) > MAX_MEMBERS:
        raise ValueError(f"the archive holds {len(members)} entries (limit {MAX_MEMBERS})")
    if sum(size for _, size, is_dir, _ in members if not is_dir) > MAX_ARCHIVE:
        raise ValueError(f"the archive holds more than {MAX_ARCHIVE >> 20} MiB")


def _extract_one(dest, name, is_dir, opener):
    rel = _safe_member(name)
    if rel is None:
        return
    target = os.path.join(dest, rel)
    if is_dir:
        os.makedirs(target, exist_ok=True)
        return
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with opener() as src, open(target, "wb") as out:
        shutil.copyfileobj(src, out, MAX_FILE + 1)


def find_submitted(root, whitelist):
    """{(lab, file): path} of the whitelisted files found in root, and ignored paths."""
    owner = {}
    for lab, files in whitelist.items():
        for name in files:
            owner.setdefault(name, []).append(lab)
    found, ignored = {}, []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".git"))
        for name in sorted(files):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            parts = rel.split(os.sep)
            lab = parts[-2] if len(parts) >= 2 else None
            st = os.lstat(path)
            if lab in whitelist and name in whitelist[lab]:
                rank = 0 if len(parts) >= 3 and parts[-3] == "labs" else 1
            elif (lab is None or not LAB_RE.match(lab)) and len(owner.get(name, [])) == 1:
                lab, rank = owner[name][0], 2
            else:
                ignored.append(rel)
                continue
            if not stat.S_ISREG(st.st_mode):
                ignored.append(rel + " (not a regular file)")
                continue
            if st.st_size > MAX_FILE:
                ignored.append(rel + f" (larger than {MAX_FILE >> 20} MiB)")
                continue
            key = (lab, name)
            candidate = (rank, len(parts), rel, path)
            if key in found:
                loser = max(found[key], candidate)
                ignored.append(loser[2] + " (another copy of the same file was taken)")
                candidate = min(found[key], candidate)
            found[key] = candidate
    return {k: v[3] for k, v in found.items()}, {k: v[2] for k, v in found.items()}, ignored


def copy_kit(root, dest):
    """The grader's copy of the kit (kit.in_grader: never the reference or the mutants);
    hidden test sources and instructor-only files readable by their owner (root) only,
    so that the student's uid, which builds and runs the student's code, cannot."""
    for rel in kit.kit_files(root):
        if not kit.in_grader(rel):
            continue
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(root, rel), target)
    for folder, dirs, files in os.walk(dest):
        os.chmod(folder, 0o755)
        for name in files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, dest)
            hidden = kit.is_hidden_test(rel) or kit.is_instructor_only(rel)
            os.chmod(path, 0o600 if hidden else
                     (0o755 if os.access(path, os.X_OK) else 0o644))


def failure_results(message):
    return {"score": 0, "output": message, "visibility": "visible",
            "stdout_visibility": "hidden", "tests": []}


def write_json(path, data):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(
        prog="grade-submission", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--submission", required=True,
                        help="a folder, or a .tar.gz, .tgz, .tar or .zip")
    parser.add_argument("--work", required=True, help="an empty or missing folder to work in")
    parser.add_argument("--results", required=True, help="where results.json goes")
    parser.add_argument("--kit", default=KIT_DEFAULT, help="the kit to copy (default: this one)")
    parser.add_argument("--lab", action="append", help="grade only this lab (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep WORK afterwards")
    parser.add_argument("--checker", metavar="DIR",
                        help="test binaries already built from the kit's files in DIR "
                        "(make checker OUT=DIR), shared by the submissions of a batch or of "
                        "a Gradescope image: not rebuilt for this one")
    parser.add_argument("--filter", help="grade only tests matching this glob (for tests "
                        "of the kit; never for real grading)")
    args = parser.parse_args()

    root = os.path.abspath(args.kit)
    if not os.path.isdir(os.path.join(root, "tests")) or not os.path.isdir(
            os.path.join(root, "labs")):
        parser.error(f"--kit {args.kit}: not a conclab kit (no labs/ and tests/ there)")
    labs = args.lab or kit.rubric_labs(root)
    unknown = [l for l in labs if l not in kit.rubric_labs(root)]
    if unknown:
        parser.error(f"unknown lab(s): {', '.join(unknown)}")
    if not os.path.exists(args.submission):
        parser.error(f"no such submission: {args.submission}")
    work = os.path.abspath(args.work)
    if os.path.exists(work) and os.listdir(work):
        parser.error(f"{work} is not empty")
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)  # the sandbox uid must reach the build in it
    started = time.monotonic()
    try:
        return grade(args, root, labs, work, started)
    except Exception as e:  # results.json is written whatever happens
        write_json(args.results, failure_results(
            f"The autograder could not grade this submission: {e}\n"
            "Nothing was scored. Tell your instructor if this persists."))
        print(f"grade-submission: {e}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def grade(args, root, labs, work, started):
    submission = os.path.abspath(args.submission)
    if os.path.isfile(submission):
        unpacked = os.path.join(work, "submission")
        os.makedirs(unpacked)
        safe_extract(submission, unpacked)
        submission = unpacked
    whitelist = {lab: kit.student_files(lab, root) for lab in labs}
    found, found_rel, ignored = find_submitted(submission, whitelist)

    # The student files found become a folder of lab folders, which the grader lays
    # over the copy's labs/ with the one overlay (conclab.overlay).
    copy = os.path.join(work, "kit")
    copy_kit(root, copy)
    impl = os.path.join(work, "submitted")
    for (lab, name), path in sorted(found.items()):
        dest = os.path.join(impl, lab, name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(path, dest)
        os.chmod(dest, 0o644)
    os.makedirs(impl, exist_ok=True)
    for folder, _, _ in os.walk(impl):
        os.chmod(folder, 0o755)

    lines = ["Files taken from your submission:"]
    lines += [f"  {found_rel[k]} -> labs/{k[0]}/{k[1]}" for k in sorted(found)] or ["  none"]
    missing = [f"labs/{lab}/{name}" for lab in labs for name in whitelist[lab]
               if (lab, name) not in found]
    if missing:
        lines.append("Not in your submission (the starter code was graded instead):")
        lines += [f"  {m}" for m in missing]
    if ignored:
        lines.append("Ignored (only the files you are meant to edit are graded):")
        lines += [f"  {i}" for i in ignored[:30]]
        if len(ignored) > 30:
            lines.append(f"  ... and {len(ignored) - 30} more")
    header = "\n".join(lines)
    print(header, flush=True)

    results_dir = os.path.join(work, "results")
    cmd = [sys.executable, os.path.join(copy, "scripts", "grade"), "--impl", impl,
           "--shown-as", "labs", "--results", results_dir]
    for lab in labs:
        cmd += ["--lab", lab]
    if args.filter:
        cmd += ["--filter", args.filter]
    if args.checker:
        cmd += ["--checker", os.path.abspath(args.checker)]
    proc = subprocess.run(cmd, cwd=copy, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace")
    board = proc.stdout[-20000:]
    print(board, flush=True)
    produced = os.path.join(results_dir, "results.json")
    if proc.returncode != 0 or not os.path.isfile(produced):
        raise RuntimeError(f"the grader stopped with status {proc.returncode}: "
                           + board[-1500:])
    with open(produced, encoding="utf-8") as f:
        results = json.load(f)
    results["output"] = (header + "\n\n" + results.get("output", "")
                         + f"\n(graded in {time.monotonic() - started:.0f} s)")
    write_json(args.results, results)
    junit = os.path.join(results_dir, "junit.xml")
    if os.path.isfile(junit):
        shutil.copyfile(junit, os.path.join(os.path.dirname(os.path.abspath(args.results)),
                                            "junit.xml"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
