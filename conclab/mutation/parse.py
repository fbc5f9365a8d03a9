"""parse: a lab's reference files as clang sees them, turned into small Python trees.

Why a real parser: a mutant is one precise change that must compile. Regular
expressions cannot tell a call from a macro, a condition from a loop body, or where a
statement ends; clang's AST can, and every node's extent gives the exact bytes to edit.

The clang Python bindings are Debian's python3-clang-N (N matching libclang1-N). Only
Debian's /usr/bin/python3 sees them, so the mutation tools run under it. Each function
of a file is copied once into plain Node objects (kind, byte extent, children, the
declaration a name refers to): the operators then walk Python objects, not ctypes calls.

A file is parsed with the flags make compiles its labs/ twin with (conclab.compdb asks
make), so the reference's headers resolve exactly as in the build.
"""
import os
import re
from dataclasses import dataclass, field
from typing import List, Optional

from conclab import kit

INSTALL_HINT = ("make mutation needs libclang's Python bindings for Debian's /usr/bin/python3:"
                " install python3-clang-N matching the installed libclang1-N (Debian 12: "
                "apt-get install python3-clang-14), or run `make deps`")
NORETURN_WORDS = {"noreturn", "_Noreturn", "__noreturn__"}


class ClangMissing(Exception):
    """libclang or its Python bindings cannot be loaded here."""


class ParseError(Exception):
    """clang could not parse a reference file cleanly: mutating it would be guesswork."""


def cindex():
    """The clang.cindex module with a working libclang, or ClangMissing saying what to install."""
    try:
        import clang.cindex as ci
    except ImportError as e:
        raise ClangMissing(f"{INSTALL_HINT} ({e})") from None
    try:
        ci.Index.create()
    except Exception as e:  # cindex.LibclangError: the shared library was not found
        raise ClangMissing(f"{INSTALL_HINT} ({e})") from None
    return ci


@dataclass(eq=False)
class Node:
    kind: str            # clang's CursorKind name: CALL_EXPR, IF_STMT, ...
    start: int           # byte offsets of the node's extent in its file
    end: int
    spelling: str = ""   # a call's callee, a reference's name, a declaration's name
    type_kind: str = ""  # the canonical type's kind: INT, POINTER, ATOMIC, VOID, ...
    loc: int = -1        # offset of the node's name (what a reference's `ref` points to)
    ref: int = -1        # for a reference or call: loc of the declaration, if in this file
    ref_kind: str = ""   # and the declaration's kind: VAR_DECL, PARM_DECL, FUNCTION_DECL...
    noreturn: bool = False  # for a call: the callee is declared noreturn
    owner: str = ""      # for a member reference: the struct that declares the member
    children: List["Node"] = field(default_factory=list)
    parent: Optional["Node"] = None

    def walk(self):
        """This node and everything under it, in source order (pre-order)."""
        yield self
        for child in self.children:
            yield from child.walk()

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


@dataclass
class Token:
    spelling: str
    kind: str  # PUNCTUATION, KEYWORD, IDENTIFIER, LITERAL, COMMENT
    start: int
    end: int


@dataclass
class Function:
    name: str
    node: Node           # the FUNCTION_DECL
    body: Node           # its COMPOUND_STMT
    result_kind: str     # canonical kind of the return type
    tokens: List[Token]  # every token of the definition, comments left out


@dataclass
class Unit:
    """One parsed reference file."""
    lab: str
    name: str
    path: str
    data: bytes
    functions: List[Function]

    def text(self, start, end):
        return self.data[start:end].decode("utf-8", errors="replace")

    def line_of(self, offset):
        return self.data.count(b"\n", 0, offset) + 1

    def callees(self, name):
        """Names called directly in the body of this file's function `name`."""
        for f in self.functions:
            if f.name == name:
                return {n.spelling for n in f.body.walk() if n.kind == "CALL_EXPR"}
        return set()

    def reaches(self, name, targets, _seen=None):
        """Whether calling `name` calls one of `targets`, directly or through functions
        of this file."""
        if name in targets:
            return True
        seen = _seen if _seen is not None else set()
        if name in seen:
            return False
        seen.add(name)
        return any(self.reaches(c, targets, seen) for c in self.callees(name))


_FLAGS_CACHE = {}


def compile_flags(lab, name, folder="labs"):
    """The preprocessor and language flags make compiles <folder>/<lab>/<name> with
    (folder: labs or tests), paths made absolute (from a dry run of make, through
    conclab.compdb). A reference file is compiled as its labs/ twin."""
    if not _FLAGS_CACHE:
        from conclab import compdb
        for entry in compdb.compile_commands(["impl", "IMPL=labs"]):
            _FLAGS_CACHE[os.path.relpath(entry["file"], kit.ROOT)] = entry["arguments"]
    words = _FLAGS_CACHE.get(os.path.join(folder, lab, name))
    if words is None:
        raise ParseError(f"make compiles no {folder}/{lab}/{name}: cannot tell its flags")
    flags = []
    for w in words:
        if w.startswith("-I"):
            flags.append("-I" + os.path.join(kit.ROOT, w[2:]))
        elif w.startswith(("-D", "-U", "-std=")):
            flags.append(w)
    return flags


def _noreturn(cursor, cache):
    """Whether a call's callee is declared noreturn. The declaration's own lines are
    read: clang exposes neither C11's _Noreturn nor GNU's attribute to Python, and a
    declaration that starts with a macro (`noreturn void die(...)`) has no tokens."""
    decl = cursor.referenced
    if decl is None or decl.location.file is None:
        return False
    key = (decl.location.file.name, decl.extent.start.line, decl.extent.end.line)
    if key not in cache:
        path = key[0]
        if path not in cache:
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    cache[path] = f.read().splitlines()
            except OSError:
                cache[path] = []
        text = " ".join(cache[path][key[1] - 1:key[2]])
        text = re.sub(r"/\*.*?\*/|//.*", " ", text)
        cache[key] = bool(set(re.findall(r"\w+", text)) & NORETURN_WORDS)
    return cache[key]


def _convert(cursor, path, cache, parent=None):
    extent = cursor.extent
    node = Node(cursor.kind.name, extent.start.offset, extent.end.offset, cursor.spelling,
                parent=parent)
    try:
        node.type_kind = cursor.type.get_canonical().kind.name
    except ValueError:  # a kind this version of the bindings does not know
        node.type_kind = "UNKNOWN"
    location = cursor.location
    if location.file is not None and location.file.name == path:
        node.loc = location.offset
    if node.kind in ("DECL_REF_EXPR", "MEMBER_REF_EXPR", "CALL_EXPR"):
        decl = cursor.referenced
        if decl is not None and decl.location.file is not None \
                and decl.location.file.name == path:
            node.ref = decl.location.offset
            node.ref_kind = decl.kind.name
        if node.kind == "CALL_EXPR":
            node.noreturn = _noreturn(cursor, cache)
        if node.kind == "MEMBER_REF_EXPR" and decl is not None:
            node.owner = decl.semantic_parent.spelling if decl.semantic_parent else ""
    for child in cursor.get_children():
        start = child.extent.start
        if start.file is None or start.file.name == path:
            node.children.append(_convert(child, path, cache, node))
    return node


def parse(lab, name, root=kit.ROOT):
    """The Unit of solutions/<lab>/<name>. Raises ClangMissing or ParseError."""
    ci = cindex()
    path = os.path.join(root, "solutions", lab, name)
    with open(path, "rb") as f:
        data = f.read()
    tu = ci.Index.create().parse(path, args=compile_flags(lab, name))
    errors = [d for d in tu.diagnostics if d.severity >= ci.Diagnostic.Error]
    if errors:
        raise ParseError(f"clang cannot parse solutions/{lab}/{name}: "
                         + "; ".join(str(d) for d in errors[:3]))
    # The file's tokens, by offsets: a function whose definition starts with a macro
    # (`bool f(void)`, bool being stdbool.h's) has an extent clang cannot tokenize.
    main = tu.get_file(path)
    whole = ci.SourceRange.from_locations(ci.SourceLocation.from_offset(tu, main, 0),
                                          ci.SourceLocation.from_offset(tu, main, len(data)))
    tokens = [Token(t.spelling, t.kind.name, t.extent.start.offset, t.extent.end.offset)
              for t in tu.get_tokens(extent=whole) if t.kind.name != "COMMENT"]
    cache, functions = {}, []
    for cursor in tu.cursor.get_children():
        if cursor.kind != ci.CursorKind.FUNCTION_DECL or not cursor.is_definition():
            continue
        if cursor.location.file is None or cursor.location.file.name != path:
            continue
        node = _convert(cursor, path, cache)
        body = next((c for c in node.children if c.kind == "COMPOUND_STMT"), None)
        if body is None:
            continue
        mine = [t for t in tokens if node.start <= t.start < node.end]
        functions.append(Function(cursor.spelling, node, body,
                                  cursor.result_type.get_canonical().kind.name, mine))
    return Unit(lab, name, path, data, functions)
