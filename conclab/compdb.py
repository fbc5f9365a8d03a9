"""compdb: write compile_commands.json for clangd and other editors.

Asks make what it would run (a dry run: nothing is built) for the library, its tests and
labs/, and records every compile command. A reference file solutions/NN-name/x.c gets
the command of its twin labs/NN-name/x.c (the overlay compiles it with the same flags).
Needs no extra tool.
Usage: scripts/compdb [OUTPUT]   (default: compile_commands.json at the kit's top)
"""
import json
import os
import shlex
import subprocess
import sys

from conclab import kit

KIT = kit.ROOT


def compile_commands(goal_args):
    cmd = ["make", "--no-print-directory", "-C", KIT, "--always-make", "--dry-run", "V=1",
           "NO_DEPS_CHECK=1", *goal_args]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         check=False).stdout
    for line in out.splitlines():
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        if "-c" not in words or "-o" not in words:
            continue
        source = words[words.index("-c") + 1]
        if source.endswith(".c"):
            yield {"directory": KIT, "file": os.path.join(KIT, source), "arguments": words}


def main():
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
        print(__doc__.strip())
        return 0 if len(sys.argv) == 2 else 2
    output = sys.argv[1] if len(sys.argv) == 2 else os.path.join(KIT, "compile_commands.json")
    if not os.path.isdir(os.path.dirname(os.path.abspath(output))):
        print(f"compdb: {os.path.dirname(output)}: no such folder", file=sys.stderr)
        return 2
    entries = {}
    for goal in (["libtests"], ["impl", "IMPL=labs"]):
        for entry in compile_commands(goal):
            entries.setdefault(entry["file"], entry)
    for lab in kit.labs():
        for name in kit.student_files(lab):
            twin = entries.get(kit.path("labs", lab, name))
            if twin and os.path.isfile(kit.path("solutions", lab, name)):
                source = os.path.join("solutions", lab, name)
                words = [source if w == twin["arguments"][twin["arguments"].index("-c") + 1]
                         else w for w in twin["arguments"]]
                entries[kit.path(source)] = dict(twin, file=kit.path(source), arguments=words)
    if not entries:
        print("compdb: make reported no compile command", file=sys.stderr)
        return 1
    with open(output, "w", encoding="utf-8") as f:
        json.dump(sorted(entries.values(), key=lambda e: e["file"]), f, indent=1)
        f.write("\n")
    print(f"compdb: {len(entries)} files in {os.path.relpath(output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
