"""Reads the verdict of one test from Criterion 2.4.1's --json report.

Hand-written on purpose: Criterion 2.4.1 writes messages into its JSON without escaping
quotes or backslashes, so json.load fails on any hint that quotes a string or a path
(17 of 76 tests once), and its --xml report drops the reason of a skipped test. Its JSON
is line-structured, though: every message is one line (a multi-line message becomes
several entries), so reading it line by line recovers each message exactly. A report that
is valid JSON is read with json.loads first.
"""
import json
import re

_NAME = re.compile(r'^\s*"name":\s*"(.*)",?\s*$')
_STATUS = re.compile(r'^\s*"status":\s*"([A-Z]+)",?\s*$')
_INLINE = re.compile(r'^\s*"messages":\s*\["(.*)"\]\s*,?\s*$')
_OPEN = re.compile(r'^\s*"messages":\s*\[\s*$')
_ITEM = re.compile(r'^\s*"(.*)"\s*,?\s*$')


def _strict(text, suite, name):
    try:
        report = json.loads(text)
    except ValueError:
        return None
    for s in report.get("test_suites", []):
        if s.get("name") != suite:
            continue
        for t in s.get("tests", []):
            if t.get("name") == name:
                return t.get("status"), list(t.get("messages", []))
    return (None, [])


def _tolerant(text, suite, name):
    """The same answer as _strict, read line by line from an unescaped report."""
    current_suite = current_test = None
    depth_in_suite = False
    status, messages, in_messages = None, [], False
    found = None
    for line in text.splitlines():
        if in_messages:
            if line.strip().startswith("]"):
                in_messages = False
                continue
            m = _ITEM.match(line)
            if m and found is not None:
                messages.append(m.group(1))
            continue
        m = _NAME.match(line)
        if m:
            # A suite's name comes before its "tests" array; a test's inside it.
            if not depth_in_suite:
                current_suite = m.group(1)
            else:
                current_test = m.group(1)
                if found is not None:
                    break  # the next test began: ours is complete
                if (current_suite, current_test) == (suite, name):
                    found = True
            continue
        if line.strip().startswith('"tests":'):
            depth_in_suite = True
            continue
        if depth_in_suite and line.strip() in ("]", "],"):
            depth_in_suite = False  # end of this suite's tests
            if found is not None:
                break
            continue
        if _OPEN.match(line):
            in_messages = True  # every test's list, so that its "]" is not taken for ours
            continue
        if found is None:
            continue
        m = _STATUS.match(line)
        if m:
            status = m.group(1)
            continue
        m = _INLINE.match(line)
        if m:
            messages.append(m.group(1))
    return (status, messages) if found else (None, [])


def read_verdict(path, test):
    """(status, messages) of suite/name in the report at path: status is PASSED, FAILED,
    ERRORED or SKIPPED, or None when the report is missing or does not name the test."""
    suite, name = test.split("/")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None, []
    strict = _strict(text, suite, name)
    return strict if strict is not None else _tolerant(text, suite, name)
