"""view: one function of a reference file as the operators see it.

The operators ask structural questions ("is this call a whole statement?", "which
statement of the block holds it?", "where does this statement end, semicolon
included?") and get answers from the AST and the token list, never from guessing at
text. What they get back are Edits, so a mutant changes exactly the bytes it means.
"""
import bisect
import re

from conclab.mutation.edits import Edit

BRANCHES = ("IF_STMT", "SWITCH_STMT", "CONDITIONAL_OPERATOR")
LOOPS = ("WHILE_STMT", "FOR_STMT", "DO_STMT")
RELEASES = ("free", "munmap")  # and *_destroy, *_free: see is_release


def is_release(name):
    """A call that only gives memory or a resource back: deleting it leaks, which no
    graded test observes (the sanitizer runs of `make test` see leaks)."""
    return name in RELEASES or name.endswith(("_destroy", "_free"))


class View:
    def __init__(self, unit, function):
        self.unit, self.fn = unit, function
        self.tokens = function.tokens
        self._starts = [t.start for t in self.tokens]

    # ---------------------------------------------------------------- text and tokens
    def text(self, node_or_start, end=None):
        if end is None:
            return self.unit.text(node_or_start.start, node_or_start.end)
        return self.unit.text(node_or_start, end)

    def token_index(self, offset):
        """Index of the first token that starts at or after offset."""
        return bisect.bisect_left(self._starts, offset)

    def token_after(self, offset):
        i = self.token_index(offset)
        return self.tokens[i] if i < len(self.tokens) else None

    def operator(self, node):
        """The operator token of a binary or compound-assignment node, or None (e.g. a
        node that a macro expanded, whose operands have no bytes of their own)."""
        if len(node.children) != 2:
            return None
        lhs, rhs = node.children
        token = self.token_after(lhs.end)
        if token is None or token.start >= rhs.start or lhs.end <= lhs.start:
            return None
        return token

    def unary_operator(self, node):
        """The operator token of a unary node (prefix or postfix), or None."""
        if len(node.children) != 1:
            return None
        child = node.children[0]
        if child.start > node.start:
            token = self.token_after(node.start)
        else:
            token = self.token_after(child.end)
        if token is None or token.start >= node.end:
            return None
        return token

    # ---------------------------------------------------------------- statements
    def end_of_statement(self, node):
        """Where the statement `node` ends: its extent, and the `;` after it if the
        extent stops short of it (clang's expression and return extents do)."""
        token = self.token_after(node.end)
        if token is not None and token.spelling == ";":
            return token.end
        return node.end

    def statement_text(self, node):
        return self.text(node.start, self.end_of_statement(node))

    def is_statement(self, node):
        """Whether node stands as a statement of its own (its value unused)."""
        parent = node.parent
        if parent is None:
            return False
        kids = parent.children
        if parent.kind in ("COMPOUND_STMT", "CASE_STMT", "DEFAULT_STMT", "LABEL_STMT"):
            return parent.kind == "COMPOUND_STMT" or node is kids[-1]
        if parent.kind in ("IF_STMT", "WHILE_STMT", "SWITCH_STMT"):
            return node is not kids[0]
        if parent.kind == "DO_STMT":
            return node is kids[0]
        if parent.kind == "FOR_STMT":
            return node is kids[-1]
        return False

    def statement_of(self, node):
        """(the statement of the nearest enclosing block that holds node, that block)."""
        child = node
        for parent in node.ancestors():
            if parent.kind == "COMPOUND_STMT":
                return child, parent
            child = parent
        return None, None

    def unconditional(self, node, top):
        """Whether node runs whenever the statement `top` that holds it runs: it is in no
        branch of an if, ?:, switch, && or || on the way up (loop bodies count as run)."""
        child = node
        while child is not top and child.parent is not None:
            parent = child.parent
            if parent.kind in BRANCHES and child is not parent.children[0]:
                return False
            if parent.kind == "BINARY_OPERATOR" and child is parent.children[-1]:
                op = self.operator(parent)
                if op is not None and op.spelling in ("&&", "||"):
                    return False
            child = parent
        return True

    # ---------------------------------------------------------------- what nodes use
    @staticmethod
    def calls(node, names=None):
        return [n for n in node.walk() if n.kind == "CALL_EXPR"
                and (names is None or n.spelling in names)]

    @staticmethod
    def declared(node):
        """Locations of the variables that statement node declares."""
        return {n.loc for n in node.walk() if n.kind == "VAR_DECL"}

    @staticmethod
    def referenced(node):
        """Locations of the declarations that node's names refer to."""
        return {n.ref for n in node.walk() if n.kind == "DECL_REF_EXPR" and n.ref >= 0}

    def uses(self):
        """{declaration loc: how many references} over every function of the file."""
        memo = self.unit.__dict__.setdefault("_uses", {})
        if not memo:
            for f in self.unit.functions:
                for n in f.body.walk():
                    if n.kind == "DECL_REF_EXPR" and n.ref >= 0:
                        memo[n.ref] = memo.get(n.ref, 0) + 1
        return memo

    def leaves_unused(self, edits):
        """Whether the edits take away every use of a variable or static function
        (-Werror refuses an unused one): such a mutant would only fail to build."""
        removed = {}
        kept = set(re.findall(r"\w+", " ".join(e.text for e in edits)))  # moved, not lost
        for n in self.fn.body.walk():
            if n.kind != "DECL_REF_EXPR" or n.ref < 0 or n.ref_kind == "PARM_DECL" \
                    or n.spelling in kept:
                continue
            if any(e.start <= n.start and n.end <= e.end for e in edits):
                removed[n.ref] = removed.get(n.ref, 0) + 1
        uses = self.uses()
        return any(uses.get(ref, 0) <= count for ref, count in removed.items())

    def arguments_key(self, call):
        """A call's argument text without blanks: `lock(&a->m)` and `unlock(&a->m)` match."""
        return "".join("".join(self.text(a).split()) for a in call.children[1:])

    # ---------------------------------------------------------------- edits
    def neutral(self, call):
        """The call removed: `(void)0` where it is a statement, `0` where its value is
        used (so `if (close(fd) < 0)` still compiles); None for a struct value."""
        if self.is_statement(call) or call.type_kind == "VOID":
            return Edit(call.start, call.end, "(void)0")
        if call.type_kind in ("RECORD", "ELABORATED"):
            return None
        return Edit(call.start, call.end, "0")

    def rename_call(self, call, new_name):
        """The callee's name replaced, if the call's text starts with it (not a macro)."""
        if not self.text(call).startswith(call.spelling):
            return None
        return Edit(call.start, call.start + len(call.spelling), new_name)

    def swap(self, first, second):
        """Two statements of a block exchanged (first before second), semicolons kept."""
        a_end, b_end = self.end_of_statement(first), self.end_of_statement(second)
        return [Edit(first.start, a_end, self.text(second.start, b_end)),
                Edit(second.start, b_end, self.text(first.start, a_end))]

    def swap_runs(self, run, other):
        """Statement runs (lists of consecutive statements) exchanged, run before other."""
        a0, a1 = run[0].start, self.end_of_statement(run[-1])
        b0, b1 = other[0].start, self.end_of_statement(other[-1])
        return [Edit(a0, a1, self.text(b0, b1)), Edit(b0, b1, self.text(a0, a1))]

    def move_after(self, statement, target):
        """statement cut from its place and put on a line of its own after target."""
        end = self.end_of_statement(statement)
        following = self.token_after(end)
        cut_to = following.start if following is not None else end
        line_start = self.unit.data.rfind(b"\n", 0, target.start) + 1
        indent = self.unit.text(line_start, target.start)
        indent = indent[:len(indent) - len(indent.lstrip())]
        return [Edit(statement.start, cut_to, ""),
                Edit(self.end_of_statement(target), self.end_of_statement(target),
                     "\n" + indent + self.text(statement.start, end))]
