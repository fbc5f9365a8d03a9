"""What a grade looks like: the terminal board, Gradescope's results.json, JUnit XML."""

import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from conclab.grading.rubric import RubricEntry  # noqa: F401


@dataclass
class Outcome:
    entry: RubricEntry
    status: str  # PASS, FAIL, SKIP (cannot run here), ERROR (the grader's own failure)
    message: str = ""
    seconds: float = 0.0

    @property
    def score(self):
        return self.entry.points if self.status == "PASS" else 0

    @property
    def max_score(self):
        # A skipped test and a grader error are not the student's: their points leave
        # the maximum (and the Gradescope score is scaled, see scaled_score).
        return 0 if self.status in ("SKIP", "ERROR") else self.entry.points



@dataclass
class Report:
    outcomes: list = field(default_factory=list)
    build_errors: dict = field(default_factory=dict)

    def score(self, lab=None):
        return sum(o.score for o in self.outcomes if lab in (None, o.entry.lab))

    def max_score(self, lab=None):
        return sum(o.max_score for o in self.outcomes if lab in (None, o.entry.lab))



def format_points(x):
    return f"{x:g}"


# What an outcome says when its lab did not build (conclab.grading.engine sets them).
BUILD_MESSAGES = ("the lab does not build", "the ThreadSanitizer build failed")


def print_build_failure(failure, stream=sys.stdout):
    """The compiler's diagnostics, once, before the tests of a lab that did not build."""
    print(f"  {failure.what}: the compiler says", file=stream)
    for line in failure.messages.splitlines() or ["(no message: see the build log)"]:
        print(f"    {line}", file=stream)
    print("  so every test of this lab fails until it builds:", file=stream)


def print_outcome(o, stream=sys.stdout):
    points = f"{format_points(o.score)}/{format_points(o.entry.points)}"
    if o.status in ("SKIP", "ERROR"):
        points = f"-/{format_points(o.entry.points)}"
    print(f"  {o.status}  {points:>7}  {o.entry.test}", file=stream)
    if o.message.startswith(BUILD_MESSAGES):  # its messages are above the lab's tests
        print(f"                  {o.message.splitlines()[0].rstrip(':')} (see above)",
              file=stream)
    elif o.message and o.status != "PASS":
        prefix = "skipped: " if o.status == "SKIP" else ""
        # Whole: a test's message is bounded by the test itself, and a hint cut in the
        # middle is a hint lost.
        for line in (prefix + o.message).splitlines():
            print(f"                  {line}", file=stream)


def print_summary(report, stream=sys.stdout):
    labs = []
    for o in report.outcomes:
        if o.entry.lab not in labs:
            labs.append(o.entry.lab)
    print("", file=stream)
    for lab in labs:
        skipped = sum(1 for o in report.outcomes if o.entry.lab == lab and o.status == "SKIP")
        errors = sum(1 for o in report.outcomes if o.entry.lab == lab and o.status == "ERROR")
        note = ", ".join(([f"{skipped} skipped"] if skipped else [])
                         + ([f"{errors} grader error(s): regrade"] if errors else []))
        note = f" ({note})" if note else ""
        print(f"  {lab:<12} {format_points(report.score(lab)):>5}/"
              f"{format_points(report.max_score(lab))}{note}", file=stream)
    print(f"Score: {format_points(report.score())}/{format_points(report.max_score())}",
          file=stream)


def next_steps(report):
    """One line per lab below full marks: the first failing part, in the handout's words."""
    from conclab.grading.rubric import part_titles
    lines = []
    labs = []
    for o in report.outcomes:
        if o.entry.lab not in labs:
            labs.append(o.entry.lab)
    for lab in labs:
        failed = [o for o in report.outcomes if o.entry.lab == lab and o.status == "FAIL"]
        if not failed:
            continue
        first = failed[0]
        if first.message.startswith(BUILD_MESSAGES):
            lines.append(f"  {lab}: make it build first (the compiler's messages are above)")
            continue
        part = first.entry.part
        title = part_titles(lab).get(part, "")
        where = f"part {part}" + (f", \"{title}\"" if title else "") if part else "its tests"
        lines.append(f"  {lab}: next, {where} (labs/{lab}/README.md): "
                     f"{first.entry.test} fails first")
    return lines


def print_next_steps(report, stream=sys.stdout):
    lines = next_steps(report)
    if lines:
        print("What to do next:", file=stream)
        for line in lines:
            print(line, file=stream)


def verbatim_md(text):
    """text as a Markdown code block that shows it exactly, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def totals(report, lab=None):
    """(earned, available, total): points earned, points of the tests that ran, and points
    of every test (what the assignment is worth, skipped tests included)."""
    outcomes = [o for o in report.outcomes if lab in (None, o.entry.lab)]
    return (sum(o.score for o in outcomes), sum(o.max_score for o in outcomes),
            sum(o.entry.points for o in outcomes))


def scaled_score(report):
    """The score out of the full total, counting only the tests that could run here: a
    right submission gets full marks even where io_uring is blocked or there is one CPU."""
    earned, available, total = totals(report)
    return round(earned * total / available, 4) if available else 0


def gradescope_json(report, extra_output=""):
    """results.json by Gradescope's autograder specification. The top-level score is
    authoritative and out of the rubric's full total (configure that total on Gradescope:
    make-gradescope prints it); skipped tests show 0/0 with the reason, and scale it."""
    tests, numbers = [], {}
    for o in report.outcomes:
        numbers[o.entry.lab] = numbers.get(o.entry.lab, 0) + 1
        test = {
            "name": f"{o.entry.lab}: {o.entry.test}",
            "number": f"{int(o.entry.lab[:2])}.{numbers[o.entry.lab]}",
            "score": o.score,
            "max_score": o.max_score,
            "visibility": o.entry.gradescope_visibility(),
            "output_format": "md",
            "extra_data": {"lab": o.entry.lab, "part": o.entry.part,
                           "points": o.entry.points, "seconds": round(o.seconds, 3),
                           "verdict": o.status},
        }
        if o.status == "ERROR":
            test["name"] += " (grader error)"
            test["output"] = verbatim_md(f"{o.message}\nNot counted against you: its "
                                         f"points leave the maximum.")
        elif o.status == "SKIP":
            # No status: Gradescope then shows 0/0 as neither passed nor failed.
            test["name"] += " (skipped)"
            test["output"] = verbatim_md(
                f"SKIPPED: {o.message}\nThis test cannot run on the grading machine; its "
                f"{format_points(o.entry.points)} points are not lost: the score counts the "
                f"tests that ran, scaled to the full total.")
        else:
            test["status"] = "passed" if o.status == "PASS" else "failed"
            if o.message:
                test["output"] = verbatim_md(o.message)
        tests.append(test)
    earned, available, total = totals(report)
    score = scaled_score(report)
    skipped = sum(o.status == "SKIP" for o in report.outcomes)
    summary = extra_output or f"Score: {format_points(earned)}/{format_points(available)}"
    if skipped:
        summary += (f"\n{skipped} test(s) could not run here (see each one's reason): your "
                    f"score counts the {format_points(available)} points that could, scaled "
                    f"to {format_points(total)}: {format_points(score)}/{format_points(total)}.")
    labs = {}
    for o in report.outcomes:
        labs.setdefault(o.entry.lab, dict(zip(("earned", "available", "total"),
                                              totals(report, o.entry.lab))))
    return {
        "score": score,
        "execution_time": int(round(sum(o.seconds for o in report.outcomes))),
        "output": verbatim_md(summary),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"earned": earned, "available": available, "total": total,
                       "skipped": skipped, "labs": labs},
        "tests": tests,
    }


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text):
    """text with the characters XML 1.0 cannot hold (e.g. a program's escape codes) shown
    as \\xNN."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def junit_xml(report):
    """JUnit XML in the junit-10.xsd dialect (Jenkins' xUnit plugin): the points and the
    verdict details go in each test case's system-out, which that schema allows."""
    root = ET.Element("testsuites")
    labs = []
    for o in report.outcomes:
        if o.entry.lab not in labs:
            labs.append(o.entry.lab)
    for lab in labs:
        outcomes = [o for o in report.outcomes if o.entry.lab == lab]
        suite = ET.SubElement(root, "testsuite", name=lab, tests=str(len(outcomes)),
                              failures=str(sum(o.status == "FAIL" for o in outcomes)),
                              errors=str(sum(o.status == "ERROR" for o in outcomes)),
                              skipped=str(sum(o.status == "SKIP" for o in outcomes)),
                              time=f"{sum(o.seconds for o in outcomes):.3f}")
        for o in outcomes:
            case = ET.SubElement(suite, "testcase", name=o.entry.test, classname=lab,
                                 time=f"{o.seconds:.3f}")
            if o.status == "FAIL":
                message = _xml_text(o.message)
                failure = ET.SubElement(case, "failure",
                                        message=message.splitlines()[0] if message else "")
                failure.text = message
            elif o.status == "SKIP":
                ET.SubElement(case, "skipped", message=_xml_text(o.message))
            elif o.status == "ERROR":
                error = ET.SubElement(case, "error", type="grader",
                                      message=_xml_text(o.message))
                error.text = _xml_text(o.message)
            out = ET.SubElement(case, "system-out")
            out.text = (f"points: {format_points(o.score)}/{format_points(o.entry.points)}"
                        + (f" (part {o.entry.part})" if o.entry.part else ""))
    return ET.tostring(root, encoding="unicode")


def write_reports(report, directory):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "results.json"), "w", encoding="utf-8") as f:
        json.dump(gradescope_json(report), f, indent=2)
        f.write("\n")
    with open(os.path.join(directory, "junit.xml"), "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write(junit_xml(report))
        f.write("\n")
