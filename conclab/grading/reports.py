"""What a grade looks like: the terminal board, Gradescope's results.json, JUnit XML."""

import json
import os
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from conclab.grading.rubric import RubricEntry  # noqa: F401


@dataclass
class Outcome:
    entry: RubricEntry
    status: str  # PASS, FAIL, SKIP
    message: str = ""
    seconds: float = 0.0

    @property
    def score(self):
        return self.entry.points if self.status == "PASS" else 0

    @property
    def max_score(self):
        return 0 if self.status == "SKIP" else self.entry.points



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
    if o.status == "SKIP":
        points = f"-/{format_points(o.entry.points)}"
    print(f"  {o.status}  {points:>7}  {o.entry.test}", file=stream)
    if o.message.startswith(BUILD_MESSAGES):  # its messages are above the lab's tests
        print(f"                  {o.message.splitlines()[0].rstrip(':')} (see above)",
              file=stream)
    elif o.message and o.status != "PASS":
        prefix = "skipped: " if o.status == "SKIP" else ""
        for line in (prefix + o.message).splitlines()[:12]:
            print(f"                  {line}", file=stream)


def print_summary(report, stream=sys.stdout):
    labs = []
    for o in report.outcomes:
        if o.entry.lab not in labs:
            labs.append(o.entry.lab)
    print("", file=stream)
    for lab in labs:
        skipped = sum(1 for o in report.outcomes if o.entry.lab == lab and o.status == "SKIP")
        note = f" ({skipped} skipped)" if skipped else ""
        print(f"  {lab:<12} {format_points(report.score(lab)):>5}/"
              f"{format_points(report.max_score(lab))}{note}", file=stream)
    print(f"Score: {format_points(report.score())}/{format_points(report.max_score())}",
          file=stream)


def gradescope_json(report, extra_output=""):
    tests = []
    for o in report.outcomes:
        output = o.message
        if o.status == "SKIP":
            output = f"SKIPPED (not counted): {o.message}"
        tests.append({
            "name": f"{o.entry.lab}: {o.entry.test}",
            "score": o.score,
            "max_score": o.max_score,
            # Gradescope knows "passed" and "failed"; a skip scores 0 of 0 and says why.
            "status": "failed" if o.status == "FAIL" else "passed",
            "output": output,
            "visibility": "after_published" if o.entry.hidden else "visible",
        })
    result = {
        "score": report.score(),
        "max_score": report.max_score(),
        "output": extra_output or f"Score: {format_points(report.score())}/"
                                  f"{format_points(report.max_score())}",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return result


def junit_xml(report):
    root = ET.Element("testsuites")
    labs = []
    for o in report.outcomes:
        if o.entry.lab not in labs:
            labs.append(o.entry.lab)
    for lab in labs:
        outcomes = [o for o in report.outcomes if o.entry.lab == lab]
        suite = ET.SubElement(root, "testsuite", name=lab, tests=str(len(outcomes)),
                              failures=str(sum(o.status == "FAIL" for o in outcomes)),
                              skipped=str(sum(o.status == "SKIP" for o in outcomes)),
                              time=f"{sum(o.seconds for o in outcomes):.3f}")
        for o in outcomes:
            case = ET.SubElement(suite, "testcase", classname=lab, name=o.entry.test,
                                 time=f"{o.seconds:.3f}")
            ET.SubElement(case, "properties")
            prop = case.find("properties")
            ET.SubElement(prop, "property", name="points", value=format_points(o.entry.points))
            if o.status == "FAIL":
                failure = ET.SubElement(case, "failure",
                                        message=o.message.splitlines()[0] if o.message else "")
                failure.text = o.message
            elif o.status == "SKIP":
                ET.SubElement(case, "skipped", message=o.message)
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
