"""grade-batch's report: a row per submission, grades.csv merged by submission, and the
grade distribution per lab (summary.txt)."""
import csv
import json
import os
import statistics

from conclab import grading as g

CSV_TAIL = ["total", "max", "note"]


def row_of(out, name, labs):
    """The grades.csv row of one graded submission, from its results.json."""
    full = sum(e.points for lab in labs for e in g.read_rubric(lab))
    row = {"submission": name, **{lab: 0 for lab in labs}, "total": 0, "max": full,
           "note": ""}
    try:
        with open(os.path.join(out, "feedback", name, "results.json"),
                  encoding="utf-8") as f:
            results = json.load(f)
    except (OSError, ValueError):
        row["note"] = "no results (the grader did not run)"
        return row
    extra = results.get("extra_data", {})
    for lab, points in extra.get("labs", {}).items():
        if lab in row:
            row[lab] = points.get("earned", 0)
    row["total"] = results.get("score", 0)
    row["max"] = extra.get("total", full)
    if not results.get("tests"):
        row["note"] = (results.get("output", "").strip("`\n").splitlines() or [""])[0][:200]
    elif any("does not build" in t.get("output", "") for t in results["tests"]):
        row["note"] = "build failed: " + ", ".join(
            sorted({t["name"].split(":")[0] for t in results["tests"]
                    if "does not build" in t.get("output", "")}))
    elif extra.get("skipped"):
        row["note"] = f"{extra['skipped']} test(s) skipped here; total scaled to the max"
    return row


def merge_csv(path, rows, labs):
    """Writes rows into grades.csv, keeping the rows of submissions not graded this time
    (a regrade replaces only its own rows). Lab columns are the union of both."""
    old, columns = [], list(labs)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            columns = [c for c in reader.fieldnames or [] if c not in ("submission", *CSV_TAIL)]
            old = list(reader)
    except (OSError, csv.Error):
        pass
    for lab in labs:
        if lab not in columns:
            columns.append(lab)
    fresh = {r["submission"]: r for r in rows}
    merged = [r for r in old if r.get("submission") not in fresh] + rows
    merged.sort(key=lambda r: r["submission"])
    tmp = path + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["submission", *columns, *CSV_TAIL],
                                extrasaction="ignore", restval="")
        writer.writeheader()
        for row in merged:
            writer.writerow({k: (f"{v:g}" if isinstance(v, float) else v)
                             for k, v in row.items()})
    os.replace(tmp, path)
    return merged, columns


def distribution(rows, column, maximum):
    """(count, mean, median, full marks, quarters) of one column, quarters being how
    many scored [0, 25 %), [25, 50 %), [50, 75 %), [75, 100 %), and 100 %."""
    values = []
    for r in rows:
        try:
            values.append(float(r.get(column) or 0))
        except ValueError:
            continue
    if not values:
        return None
    quarters = [0] * 5
    for v in values:
        share = v / maximum if maximum else 0
        quarters[4 if share >= 1 else min(3, int(share * 4))] += 1
    return (len(values), statistics.mean(values), statistics.median(values), quarters[4],
            quarters)


def summary(rows, columns):
    """The per-lab grade distribution, as lines of text."""
    lab_max = {}
    for lab in columns:
        try:
            lab_max[lab] = sum(e.points for e in g.read_rubric(lab))
        except (OSError, g.RubricError):
            lab_max[lab] = 0
    totals = [float(r.get("max") or 0) for r in rows]
    lines = [f"{len(rows)} submission(s)",
             f"{'':<12} {'n':>4} {'mean':>7} {'median':>7} {'full':>5}   "
             f"{'<25%':>5} {'<50%':>5} {'<75%':>5} {'<100%':>5} {'100%':>5}"]
    for column, maximum in [*lab_max.items(), ("total", max(totals, default=0))]:
        d = distribution(rows, column, maximum)
        if d is None:
            continue
        n, mean, median, full, q = d
        lines.append(f"{column:<12} {n:>4} {mean:>7.1f} {median:>7.1f} {full:>5}   "
                     + " ".join(f"{x:>5}" for x in q) + f"   (of {maximum:g})")
    return lines
