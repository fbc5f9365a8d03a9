"""Grading: build a tree, run each graded test alone in a sandbox, score and report it.

  rubric    tests/<lab>/rubric: points, timeouts, flags
  sandbox   the uid and the limits a test binary runs under
  engine    build a lab, run one test, grade a tree
  reports   the board, results.json (Gradescope) and junit.xml
  cli       `make grade` (scripts/grade)
  submission  one student submission in a fresh copy of the kit (Gradescope, batches)
"""
from conclab.grading.engine import (
    BACKSTOP_EXTRA_S, KILL_AFTER_S, BuildFailure, LabBuild, build_lab, compiler_messages, grade, list_tests, make_command, run_make,
    run_test)
from conclab.grading.reports import (
    Outcome, Report, format_points, gradescope_json, junit_xml, next_steps,
    print_build_failure, print_next_steps, print_outcome,
    print_summary, write_reports)
from conclab.grading.rubric import RubricEntry, RubricError, read_rubric, rubric_labs
from conclab.grading.sandbox import MAX_PROCS, Sandbox, sandbox

__all__ = [
    "BACKSTOP_EXTRA_S", "KILL_AFTER_S", "BuildFailure", "LabBuild", "build_lab", "compiler_messages", "grade", "list_tests", "make_command",
    "run_make", "run_test", "Outcome", "Report", "format_points", "gradescope_json",
    "junit_xml", "next_steps", "print_build_failure", "print_next_steps", "print_outcome", "print_summary", "write_reports", "RubricEntry",
    "RubricError", "read_rubric", "rubric_labs", "MAX_PROCS", "Sandbox", "sandbox",
]
