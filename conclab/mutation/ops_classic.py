"""ops_classic: the classic mutation operators, which any code has.

delete a statement, negate a condition, move a boundary, replace a returned value.
They make the most mutants by far, so the per-function cap (operators.CAP) bites here.
"""
import re

from conclab.mutation.edits import Edit
from conclab.mutation.view import is_release

RELATIONAL = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}
COMPARISONS = set(RELATIONAL) | {"==", "!="}
VALUE_KINDS = {"BOOL", "CHAR_S", "CHAR_U", "SCHAR", "UCHAR", "SHORT", "USHORT", "INT", "UINT",
               "LONG", "ULONG", "LONGLONG", "ULONGLONG", "ENUM", "POINTER"}
UNSIGNED = {"UINT", "ULONG", "ULONGLONG", "USHORT", "UCHAR", "CHAR_U"}
NUMBER = re.compile(r"^(0[xX][0-9a-fA-F]+|\d+)([uUlL]*)$")


def _breaks_a_loop(node):
    """Whether a break statement leaves a loop (in a switch, deleting it would fall
    through, which -Wimplicit-fallthrough refuses)."""
    for a in node.ancestors():
        if a.kind in ("WHILE_STMT", "FOR_STMT", "DO_STMT"):
            return True
        if a.kind == "SWITCH_STMT":
            return False
    return False


def _uninitialized(view, target):
    """Whether target (the left side of an assignment) is, or is an element of, a local
    variable declared without a value: deleting the assignment leaves it unset."""
    while target.kind in ("UNEXPOSED_EXPR", "ARRAY_SUBSCRIPT_EXPR") and target.children:
        target = target.children[0]
    if target.kind != "DECL_REF_EXPR" or target.ref_kind != "VAR_DECL":
        return False
    decl = next((n for n in view.fn.body.walk() if n.kind == "VAR_DECL"
                 and n.loc == target.ref), None)
    return decl is not None and all(c.kind == "TYPE_REF" for c in decl.children)


def _would_not_compile(view, node):
    """Whether deleting node would leave a variable unset (an assignment that is its
    only value): -Werror refuses the use of an uninitialised variable, so such a
    deletion is not made. (A deletion that leaves a name unused is dropped for every
    operator alike: View.leaves_unused.)"""
    return node.kind == "BINARY_OPERATOR" and _uninitialized(view, node.children[0])


def delete_statement(view, node):
    """One statement deleted: a call, an assignment, ++/--, a break or continue.
    Calls that never return (error exits) and calls that only release memory are left
    alone: deleting them changes nothing a test can see, or does not compile."""
    if not view.is_statement(node) or _would_not_compile(view, node):
        return
    if node.kind == "CALL_EXPR":
        if node.noreturn or is_release(node.spelling):
            return
    elif node.kind == "BINARY_OPERATOR":
        op = view.operator(node)
        if op is None or op.spelling != "=":
            return
    elif node.kind == "UNARY_OPERATOR":
        op = view.unary_operator(node)
        if op is None or op.spelling not in ("++", "--"):
            return
    elif node.kind == "BREAK_STMT":
        if not _breaks_a_loop(node):
            return
    elif node.kind not in ("COMPOUND_ASSIGNMENT_OPERATOR", "CONTINUE_STMT"):
        return
    yield [Edit(node.start, view.end_of_statement(node), "(void)0;")]


def _condition(view, node):
    if node.kind in ("IF_STMT", "WHILE_STMT", "CONDITIONAL_OPERATOR"):
        return node.children[0]
    if node.kind == "DO_STMT":
        return node.children[-1]
    if node.kind == "FOR_STMT":
        # `for (init; cond; step)`: the condition is the child between the two `;`.
        semis, depth = [], 0
        for t in view.tokens[view.token_index(node.start):]:
            depth += t.spelling == "("
            depth -= t.spelling == ")"
            if t.spelling == ";" and depth == 1:
                semis.append(t.end)
            if depth == 0 and t.spelling == ")" or len(semis) == 2:
                break
        if len(semis) == 2:
            return next((c for c in node.children
                         if semis[0] <= c.start and c.end <= semis[1]), None)
    return None


KEYWORDS = {"IF_STMT": "if", "WHILE_STMT": "while", "DO_STMT": "do", "FOR_STMT": "for"}


def negate_condition(view, node):
    """The condition of an if, a loop or a ?: negated."""
    keyword = KEYWORDS.get(node.kind)
    if keyword and not view.text(node).startswith(keyword):
        return  # a macro that expands to a loop (io_uring_for_each_cqe)
    cond = _condition(view, node)
    if cond is not None and cond.end > cond.start:
        yield [Edit(cond.start, cond.end, f"!({view.text(cond)})")]


def _literal(node):
    while node.kind == "UNEXPOSED_EXPR" and len(node.children) == 1:
        node = node.children[0]
    return node if node.kind == "INTEGER_LITERAL" else None


def boundary(view, node):
    """A boundary moved: < <-> <=, > <-> >=, or a compared constant made one larger."""
    if node.kind != "BINARY_OPERATOR":
        return
    op = view.operator(node)
    if op is None or op.spelling not in COMPARISONS:
        return
    swapped = RELATIONAL.get(op.spelling)
    lhs, rhs = node.children
    unsigned_vs_0 = lhs.type_kind in UNSIGNED and _literal(rhs) is not None \
        and view.text(_literal(rhs)) == "0"
    if swapped and not (unsigned_vs_0 and swapped in (">=", "<")):
        # (`u >= 0` is always true: -Wtype-limits refuses it, so it is not made.)
        yield [Edit(op.start, op.end, swapped)]
    for side in node.children:
        literal = _literal(side)
        m = NUMBER.match(view.text(literal)) if literal is not None else None
        if m:
            yield [Edit(literal.start, literal.end, f"{int(m.group(1), 0) + 1}{m.group(2)}")]


def return_value(view, node):
    """A returned value replaced by one that surely differs: 0 <-> 1, true <-> false,
    a pointer by NULL, c ? a : b by c ? b : a, any other value v by !(v) (EXIT_SUCCESS
    becomes 1, an error code 0, a count 0 or 1)."""
    if node.kind != "RETURN_STMT" or not node.children:
        return
    if view.fn.result_kind not in VALUE_KINDS:
        return
    expr = node.children[0]
    text = view.text(expr).strip()
    number = NUMBER.match(text)
    if view.fn.result_kind == "POINTER":
        new = None if text in ("NULL", "0") else "NULL"
    elif number:
        new = "1" if int(number.group(1), 0) == 0 else "0"
    elif expr.kind == "CONDITIONAL_OPERATOR" and len(expr.children) == 3:
        # c ? a : b -> c ? b : a (`!(c ? 0 : 1)` is refused by -Wint-in-bool-context)
        _, a, b = expr.children
        yield [Edit(a.start, a.end, view.text(b)), Edit(b.start, b.end, view.text(a))]
        return
    else:
        new = {"true": "false", "false": "true"}.get(text, f"!({text})")
    if new is not None:
        yield [Edit(expr.start, expr.end, new)]
