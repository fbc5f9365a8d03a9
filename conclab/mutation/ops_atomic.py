"""ops_atomic: the mistakes students make with C11 atomics.

Same shape as ops_sync: (view, node) -> lists of Edits, one list per mutant. The
<stdatomic.h> generics are macros, so these operators read the function's tokens (once,
on its body); `++` on an _Atomic object is an AST node.
"""
from conclab.mutation.edits import Edit
from conclab.mutation.tokens import call_args

RMW = {"atomic_fetch_add": "+", "atomic_fetch_sub": "-", "atomic_fetch_or": "|",
       "atomic_fetch_and": "&", "atomic_fetch_xor": "^"}


def split_atomic_rmw(view, node):
    """An atomic read-modify-write split into an atomic load and a separate atomic store
    (an update can be lost between them). Only where the old value is not used."""
    if node is view.fn.body:
        for i, name, args, end in call_args(view, set(RMW) | {n + "_explicit" for n in RMW}):
            before = view.tokens[i - 1].spelling if i > 0 else ";"
            after = view.tokens[end + 1].spelling if end + 1 < len(view.tokens) else ""
            if before in (";", "{", "}") and after == ";" and len(args) >= 2:
                op = RMW[name.replace("_explicit", "")]
                p, v = args[0], args[1]
                yield [Edit(view.tokens[i].start, view.tokens[end].end,
                            f"atomic_store({p}, atomic_load({p}) {op} ({v}))")]
    elif node.kind in ("UNARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR") \
            and view.is_statement(node) and node.children \
            and node.children[0].type_kind == "ATOMIC":
        target = view.text(node.children[0])
        op = view.unary_operator(node) if node.kind == "UNARY_OPERATOR" \
            else view.operator(node)
        if op is None:
            return
        if op.spelling in ("++", "--"):
            yield [Edit(node.start, node.end, f"{target} = {target} {op.spelling[0]} 1")]
        elif op.spelling.endswith("=") and len(op.spelling) == 2:
            value = view.text(node.children[1])
            yield [Edit(node.start, node.end, f"{target} = {target} {op.spelling[0]} ({value})")]


def plain_not_atomic(view, node):
    """atomic_load / atomic_store replaced by a plain access to the same object: the
    compiler may then cache, tear or reorder it, and ThreadSanitizer calls it a race."""
    if node is not view.fn.body:
        return
    wanted = {"atomic_load", "atomic_load_explicit", "atomic_store", "atomic_store_explicit"}
    for i, name, args, end in call_args(view, wanted):
        p = args[0]
        plain = f"(*(__typeof__((void)0, *({p})) *)({p}))"
        if name.startswith("atomic_store"):
            if len(args) < 2:
                continue
            plain = f"({plain} = ({args[1]}))"
        yield [Edit(view.tokens[i].start, view.tokens[end].end, plain)]
