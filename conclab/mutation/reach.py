"""reach: which graded tests can run a given function of the reference at all.

A test can kill a mutant only if it executes the mutated function. Running every test
on every surviving mutant is what makes mutation analysis slow (a survivor of lab 01
costs its whole suite, half a minute), so each mutant is graded only by the tests that
can reach its function:
  - from the test's body (GRADED's graded_body_<suite>_<name>, and what Criterion makes
    for the test, such as an .init fixture), through every function or file-scope
    variable a reachable function names: a call, or a function handed on as a pointer
    (a thread's start routine, a coroutine, a callback);
  - through every program of the lab that reachable test code names in a string
    literal (program_path(LAB, "procs"), or a helper given "procs"): its main(), and on;
    a test's driver (driver_start(&d, LAB, "queue_driver", ...)) counts as a program.
    A literal that is only compared (strcmp(program, "spinner_uring")) launches nothing.
This over-approximates on purpose (a name counts even on a path the test never takes),
so it never leaves out a test that could kill. When it cannot tell (a file clang cannot
parse, a test whose body it cannot find), every test counts as reaching everything.
"""
import os

from conclab import kit
from conclab.mutation.parse import ParseError, cindex, compile_flags

COMPARES = {"strcmp", "strncmp", "strcasecmp", "strncasecmp", "strstr"}
EVERYTHING = None  # what reach() gives for a test it cannot analyse


def _sources(lab):
    """(key, path, folder, name) of every C file of lab: labs/ files, the reference's
    student files in their place, and the lab's test files (keys tests/<name>)."""
    student = set(kit.student_files(lab))
    out = []
    for name in kit.lab_files(lab):
        if name.endswith(".c"):
            where = "solutions" if name in student else "labs"
            out.append((name, kit.path(where, lab, name), "labs", name))
    tests = kit.path("tests", lab)
    for name in sorted(os.listdir(tests)):
        if name.endswith(".c"):
            out.append((f"tests/{name}", os.path.join(tests, name), "tests", name))
    return out


def _scan(ci, cursor, refs, literals, in_compare=False):
    """Collects what cursor's subtree names: file-scope functions and variables as
    (name, internal linkage), and launched string literals."""
    kind = cursor.kind
    if kind == ci.CursorKind.DECL_REF_EXPR:
        decl = cursor.referenced
        if decl is not None and decl.kind in (ci.CursorKind.FUNCTION_DECL,
                                              ci.CursorKind.VAR_DECL) \
                and decl.semantic_parent is not None \
                and decl.semantic_parent.kind == ci.CursorKind.TRANSLATION_UNIT:
            refs.add((decl.spelling, decl.linkage == ci.LinkageKind.INTERNAL))
    elif kind == ci.CursorKind.STRING_LITERAL and not in_compare:
        text = cursor.spelling
        if len(text) >= 2 and text[0] == text[-1] == '"':
            literals.add(text[1:-1])
    compare = in_compare or (kind == ci.CursorKind.CALL_EXPR and cursor.spelling in COMPARES)
    for child in cursor.get_children():
        _scan(ci, child, refs, literals, compare)


def _graph(lab):
    """{(key, name): (refs, literals)} for every file-scope function and variable of
    the lab, and {name: (key, name)} for those with external linkage."""
    ci = cindex()
    nodes, external = {}, {}
    for key, path, folder, name in _sources(lab):
        tu = ci.Index.create().parse(path, args=compile_flags(lab, name, folder))
        if any(d.severity >= ci.Diagnostic.Error for d in tu.diagnostics):
            raise ParseError(f"clang cannot parse {os.path.relpath(path, kit.ROOT)}")
        for c in tu.cursor.get_children():
            if c.location.file is None or c.location.file.name != path:
                continue
            if c.kind not in (ci.CursorKind.FUNCTION_DECL, ci.CursorKind.VAR_DECL) \
                    or not c.is_definition():
                continue
            refs, literals = set(), set()
            _scan(ci, c, refs, literals)
            nodes[(key, c.spelling)] = (refs, literals)
            if c.linkage != ci.LinkageKind.INTERNAL:
                external[c.spelling] = (key, c.spelling)
    return nodes, external


def reach(lab, tests):
    """{test: set of (file, function) it can run, or EVERYTHING} for the graded tests
    (suite/name) of lab."""
    try:
        nodes, external = _graph(lab)
    except ParseError:
        return {t: EVERYTHING for t in tests}
    programs = {key[:-2]: (key, "main") for key, name in nodes
                if name == "main" and not key.startswith("tests/")}
    # A driver (tests/<lab>/<name>_driver.c) is a program too, built from the student's
    # files: a test that names it runs the functions it calls.
    programs.update({key[len("tests/"):-2]: (key, "main") for key, name in nodes
                     if name == "main" and key.startswith("tests/")
                     and key.endswith("_driver.c")})
    out = {}
    for test in tests:
        tag = test.replace("/", "_")
        roots = [k for k in nodes if k[0].startswith("tests/") and tag in k[1]]
        if not any(k[1] == f"graded_body_{tag}" for k in roots):
            out[test] = EVERYTHING
            continue
        seen, todo = set(roots), list(roots)
        while todo:
            key = todo.pop()
            refs, literals = nodes[key]
            nexts = [(key[0], n) if internal else external.get(n) for n, internal in refs]
            if key[0].startswith("tests/"):
                nexts += [programs.get(text) for text in literals]
            for n in nexts:
                if n is not None and n in nodes and n not in seen:
                    seen.add(n)
                    todo.append(n)
        out[test] = {k for k in seen if not k[0].startswith("tests/")}
    return out
