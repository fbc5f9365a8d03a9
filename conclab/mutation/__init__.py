"""Mutation analysis of the graded tests: how many small, plausible mistakes do they catch?

`make mutation [LAB=NN-name]` (scripts/mutation) makes mutants of each lab's reference
student files, grades each one with the kit's own grader, and writes build/mutation/
report.md and report.csv. A mutant that passes every graded test (a survivor) names a
mistake no test can see: it calls for a new or sharper test, or, if it cannot change
behaviour, a line in tests/mutants/equivalent.

  parse        the C, as clang sees it (libclang from Debian's python3-clang)
  edits        a byte-precise text edit, and what a mutant's change looks like on a line
  view         one function as the operators see it: statements, tokens, safe edits
  tokens       operators on macros (flags, <stdatomic.h>), which only tokens still name
  ops_sync     operators on locks and condition variables
  ops_atomic   operators on C11 atomics
  ops_system   operators on processes, descriptors, signals, io_uring and deadlines
  ops_classic  the classic operators: delete, negate, boundary, return value
  operators    the operator list, and the walk that turns a lab's files into mutants
  equivalents  tests/mutants/equivalent: mutants that cannot change behaviour
  reach        which tests can execute a function at all (the others cannot kill it)
  run          build and grade one mutant, test by test, stopping at its first failure
  report       the Markdown and CSV report
  cli          the command (scripts/mutation)

This package needs Debian's /usr/bin/python3, the only Python that sees python3-clang.
"""
