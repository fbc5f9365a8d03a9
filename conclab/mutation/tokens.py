"""tokens: operators on what the preprocessor hides from the AST.

Flags such as O_CLOEXEC or IORING_TIMEOUT_ABS and the <stdatomic.h> generics are
macros: the AST sees only the number or builtin they expand to, with no bytes of their
own. The tokens of the file still have their names and exact places, so these operators
read tokens, and only inside the function being mutated.
"""
from conclab.mutation.edits import Edit


def _body_tokens(view):
    """(index, token) of every token of the function's body."""
    first = view.token_index(view.fn.body.start)
    for i in range(first, len(view.tokens)):
        if view.tokens[i].start >= view.fn.body.end:
            return
        yield i, view.tokens[i]


def flag_swaps(view, mapping):
    """One mutant per identifier token named in mapping: the name replaced."""
    for _, t in _body_tokens(view):
        if t.kind == "IDENTIFIER" and t.spelling in mapping:
            yield [Edit(t.start, t.end, mapping[t.spelling])]


def flag_drops(view, flags):
    """One mutant per flag token: the flag taken out of its `A | B` list, or replaced by
    0 where it is a whole argument or value. Elsewhere (a test such as `x & FLAG`) it is
    left alone."""
    toks = view.tokens
    for i, t in _body_tokens(view):
        if t.kind != "IDENTIFIER" or t.spelling not in flags:
            continue
        before = toks[i - 1].spelling if i > 0 else ""
        after = toks[i + 1].spelling if i + 1 < len(toks) else ""
        if before == "|":
            yield [Edit(toks[i - 2].end, t.end, "")]
        elif after == "|" and i + 2 < len(toks):
            yield [Edit(t.start, toks[i + 2].start, "")]
        elif (before in ("(", ",") and after in (")", ",")) or (before == "=" and after == ";"):
            yield [Edit(t.start, t.end, "0")]


def call_args(view, names):
    """(index of the name, name, argument texts, index of the closing parenthesis) for
    each call-like use `name(...)` of a macro or function in names."""
    toks = view.tokens
    for i, t in _body_tokens(view):
        if t.spelling not in names or i + 1 >= len(toks) or toks[i + 1].spelling != "(":
            continue
        depth, args, arg_start = 0, [], i + 2
        for j in range(i + 1, len(toks)):
            s = toks[j].spelling
            if s in ("(", "[", "{"):
                depth += 1
            elif s in (")", "]", "}"):
                depth -= 1
                if depth == 0:
                    if j > arg_start:
                        args.append(view.text(toks[arg_start].start, toks[j - 1].end))
                    yield i, t.spelling, args, j
                    break
            elif s == "," and depth == 1:
                args.append(view.text(toks[arg_start].start, toks[j - 1].end))
                arg_start = j + 1
