"""Grading: build a tree, run each graded test alone in a sandbox, score and report it.

  rubric      tests/<lab>/rubric: points, timeouts, parts, flags
  sandbox     the uid and the limits the code under test runs under
  build       build a lab: the student's side and the checker
  engine      run one test, grade a tree
  criterion   read one test's verdict from Criterion's report
  reports     the board, results.json (Gradescope) and junit.xml
  cli         `make grade` (scripts/grade)
  submission  one student submission in a fresh copy of the kit (Gradescope, batches)
"""
from conclab.grading.build import (
    BuildFailure, LabBuild, build_lab, checker_command, compiler_messages, make_command,
    run_make)
from conclab.grading.engine import BACKSTOP_EXTRA_S, KILL_AFTER_S, grade, list_tests, run_test
from conclab.grading.reports import (
    Outcome, Report, format_points, gradescope_json, junit_xml, next_steps,
    print_build_failure, print_next_steps, print_outcome, print_summary, write_reports)
from conclab.grading.rubric import RubricEntry, RubricError, read_rubric, rubric_labs
from conclab.grading.sandbox import MAX_PROCS, Sandbox, sandbox

__all__ = [
    "BuildFailure", "LabBuild", "build_lab", "checker_command", "compiler_messages",
    "make_command", "run_make",
    "BACKSTOP_EXTRA_S", "KILL_AFTER_S", "grade", "list_tests", "run_test",
    "Outcome", "Report", "format_points", "gradescope_json", "junit_xml", "next_steps",
    "print_build_failure", "print_next_steps", "print_outcome", "print_summary",
    "write_reports", "RubricEntry", "RubricError", "read_rubric", "rubric_labs",
    "MAX_PROCS", "Sandbox", "sandbox",
]
