"""report: build/mutation/report.md for people, report.csv for tools.

The score of a set of mutants is killed / (killed + survived), where killed counts the
mutants killed by a timeout too (shown apart, because a test that only times out is a
slow way to catch a mistake). Equivalent mutants, build failures and grader errors are
left out of the score: they say nothing about the tests.
"""
import csv
import os

from conclab.mutation.operators import OPERATORS

COLUMNS = ("killed", "timed out", "survived", "equivalent", "build failed", "error")


def tally(results):
    counts = {c: 0 for c in COLUMNS}
    for r in results:
        counts[r.status] += 1
    caught = counts["killed"] + counts["timed out"]
    judged = caught + counts["survived"]
    counts["score"] = f"{100 * caught / judged:.0f}%" if judged else "-"
    counts["mutants"] = len(results)
    return counts


def _table(rows, first):
    head = [first, "mutants", *COLUMNS, "score"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, results in rows:
        c = tally(results)
        lines.append("| " + " | ".join([name] + [str(c[h]) for h in head[1:]]) + " |")
    return lines


def _code(text):
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def markdown(results, runs, meta):
    """The report's text. runs: {lab: (generated count, selected count, baseline)}."""
    labs = list(runs)
    out = ["# Mutation analysis of the graded tests", "",
           f"`{meta['command']}`: {meta['when']}, {meta['seconds'] / 60:.1f} min on "
           f"{meta['cpus']} CPUs, {meta['jobs']} mutant(s) at a time.", "",
           f"Graded: {meta['selection']} (see `scripts/mutation --help`).", "",
           "Score = (killed + timed out) / (killed + timed out + survived).", "",
           "## Per lab", ""]
    out += _table([(lab, [r for r in results if r.mutant.lab == lab]) for lab in labs]
                  + [("all", results)], "lab")
    out += ["", "Mutants made per lab (before merging duplicates and the cap): "
            + ", ".join(f"{lab} {runs[lab][0]} -> {runs[lab][1]} graded" for lab in labs),
            "", "## Per operator", ""]
    rows = []
    for op in OPERATORS:
        mine = [r for r in results if r.mutant.operator == op.name]
        if mine:
            rows.append((f"{op.name} ({op.group})", mine))
    out += _table(rows, "operator")
    for lab in labs:
        mine = [r for r in results if r.mutant.lab == lab]
        out += ["", f"## {lab}", ""]
        skipped = [f"{t} ({o.status}: {o.message.splitlines()[0] if o.message else ''})"
                   for t, o in runs[lab][2].items() if o.status != "PASS"]
        if skipped:
            out += ["Tests left out (the reference does not pass them here): "
                    + "; ".join(skipped), ""]
        for status, title in (("survived", "Survivors"), ("build failed", "Build failures"),
                              ("error", "Grader errors"), ("equivalent", "Equivalent")):
            these = [r for r in mine if r.status == status]
            if not these:
                continue
            out += [f"### {title} ({len(these)})", ""]
            for r in these:
                extra = f" — {r.message.splitlines()[0]}" if r.message else ""
                out.append(f"- {_code(r.mutant.id)}: {_code(r.mutant.diff)}{extra}")
            out.append("")
        killers = {}
        for r in mine:
            if r.status in ("killed", "timed out"):
                killers[r.test] = killers.get(r.test, 0) + 1
        if killers:
            out += ["Kills per test: " + ", ".join(
                f"{t} {n}" for t, n in sorted(killers.items(), key=lambda kv: -kv[1])), ""]
    return "\n".join(out).rstrip() + "\n"


def write(results, runs, meta, folder):
    """Writes report.md and report.csv into folder; returns their paths."""
    os.makedirs(folder, exist_ok=True)
    md = os.path.join(folder, "report.md")
    with open(md, "w", encoding="utf-8") as f:
        f.write(markdown(results, runs, meta))
    path = os.path.join(folder, "report.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["lab", "id", "file", "function", "operator", "group", "status", "test",
                    "seconds", "tests_run", "diff", "message"])
        for r in results:
            m = r.mutant
            w.writerow([m.lab, m.id, m.file, m.function, m.operator, m.group, r.status,
                        r.test, f"{r.seconds:.1f}", r.tests_run, m.diff,
                        (r.message.splitlines() or [""])[0][:300]])
    return md, path
