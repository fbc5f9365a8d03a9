"""ops_system: the mistakes of processes, descriptors, signals, io_uring and deadlines.

Same shape as ops_sync: (view, node) -> lists of Edits, one list per mutant.
"""
from conclab.mutation.edits import Edit
from conclab.mutation.tokens import flag_drops, flag_swaps

CLOEXEC = {"O_CLOEXEC", "SOCK_CLOEXEC", "SFD_CLOEXEC", "EFD_CLOEXEC", "TFD_CLOEXEC",
           "EPOLL_CLOEXEC", "IN_CLOEXEC", "MFD_CLOEXEC", "FD_CLOEXEC"}
NONBLOCK = {"O_NONBLOCK", "SOCK_NONBLOCK", "SFD_NONBLOCK", "EFD_NONBLOCK", "TFD_NONBLOCK",
            "IN_NONBLOCK"}
REAPS = {"waitpid", "wait", "wait3", "wait4", "waitid"}
READS = {"read", "readv", "pread", "recv", "recvfrom", "recvmsg", "fread", "fgets", "getline"}
SIGNAL_CHANGES = {"sigprocmask", "pthread_sigmask", "signal", "sigaction", "sigaddset",
                  "sigdelset"}
DEADLINE_FROM_NOW = {"clock_deadline_after_ns"}  # f(delay) = now + delay, as a deadline
NOW = {"clock_now_ns"}


def remove_close(view, node):
    """A close() removed: a descriptor leaks, and a pipe's reader may never see EOF."""
    if node.kind == "CALL_EXPR" and node.spelling == "close":
        edit = view.neutral(node)
        if edit:
            yield [edit]


def drop_cloexec(view, node):
    """O_CLOEXEC (and its kin) dropped: the descriptor leaks into every exec'd program."""
    if node is view.fn.body:
        yield from flag_drops(view, CLOEXEC)
        yield from flag_swaps(view, {"F_DUPFD_CLOEXEC": "F_DUPFD"})


def drop_nonblock(view, node):
    """O_NONBLOCK (and its kin) dropped: a read or write that must not wait can block."""
    if node is view.fn.body:
        yield from flag_drops(view, NONBLOCK)


def remove_waitpid(view, node):
    """A waitpid() removed as if it had succeeded with status 0: the child is never
    reaped (a zombie), and nothing waits for it to end."""
    if node.kind != "CALL_EXPR" or node.spelling not in ("waitpid", "wait"):
        return
    args = [view.text(a) for a in node.children[1:]]
    if node.spelling == "waitpid" and len(args) == 3:
        pid, status, options = args
    elif node.spelling == "wait" and len(args) == 1:
        pid, status, options = "1", args[0], "0"
    else:
        return
    store = "" if status.strip() in ("NULL", "0") else f"*({status}) = 0"
    if view.is_statement(node):
        yield [Edit(node.start, node.end, f"(void)({store or 0})")]
    else:
        yield [Edit(node.start, node.end,
                    f"((void)({options}), {store + ', ' if store else ''}({pid}))")]


def exit_not__exit(view, node):
    """_exit -> exit in a child: atexit handlers run and inherited stdio buffers are
    flushed a second time."""
    if node.kind == "CALL_EXPR" and node.spelling in ("_exit", "_Exit"):
        edit = view.rename_call(node, "exit")
        if edit:
            yield [edit]


def remove_signal_change(view, node):
    """A signal mask or handler change removed (sigprocmask, signal, sigaction,
    sigaddset...): a signal is delivered where it should wait, or the other way round."""
    if node.kind == "CALL_EXPR" and node.spelling in SIGNAL_CHANGES:
        edit = view.neutral(node)
        if edit:
            yield [edit]


def _does(view, statement, targets):
    return any(view.unit.reaches(c.spelling, targets) for c in view.calls(statement))


def swap_read_and_reap(view, node):
    """"Read the results" and "reap the workers" done in the other order: reaping first
    can deadlock on a full pipe, reading first can miss results still in flight."""
    if node.kind != "COMPOUND_STMT":
        return
    marked = []
    for s in node.children:
        if view.calls(s, {"fork", "vfork", "clone"}):
            continue  # a child's code is not the parent's order of work
        reads, reaps = _does(view, s, READS), _does(view, s, REAPS)
        if reads != reaps:
            marked.append((s, "read" if reads else "reap"))
    for (a, what_a), (b, what_b) in zip(marked, marked[1:]):
        if what_a == what_b:
            continue
        between = [s for s in node.children if a.end <= s.start < b.start]
        declared = view.declared(a)
        if any(view.referenced(s) & declared for s in between + [b]):
            continue
        if any(view.declared(s) & view.referenced(a) for s in between + [b]):
            continue
        yield view.move_after(a, b)


def drop_timeout_abs(view, node):
    """IORING_TIMEOUT_ABS dropped: an absolute deadline read as a relative delay."""
    if node is view.fn.body:
        yield from flag_drops(view, {"IORING_TIMEOUT_ABS"})


def _deadline_init(view, var):
    """The text of var's initializer if it is a deadline computed from now, else None."""
    init = next((c for c in var.children if c.kind != "TYPE_REF"), None)
    if init is None:
        return None
    inner = init
    while inner.kind == "UNEXPOSED_EXPR" and len(inner.children) == 1:
        inner = inner.children[0]
    if inner.kind == "CALL_EXPR" and inner.spelling in DEADLINE_FROM_NOW:
        return view.text(init)
    if inner.kind == "BINARY_OPERATOR" and (op := view.operator(inner)) is not None \
            and op.spelling == "+" and any(view.calls(c, NOW) for c in inner.children):
        return view.text(init)
    return None


def rearm_from_now(view, node):
    """A deadline set once before a loop recomputed from "now" where the loop uses it:
    every wake-up (a signal, a spurious wake-up) restarts the whole wait."""
    if node.kind != "VAR_DECL":
        return
    init = _deadline_init(view, node)
    if init is None:
        return
    scope = node.parent.parent  # the block the declaration statement is in
    for use in scope.walk():
        if use.kind != "DECL_REF_EXPR" or use.ref != node.loc:
            continue
        loop = next((a for a in use.ancestors() if a.kind in ("WHILE_STMT", "FOR_STMT",
                                                                  "DO_STMT")), None)
        if loop is None or loop.start <= node.start < loop.end:
            continue
        parent = use.parent
        name = node.spelling
        if parent.kind == "UNARY_OPERATOR" and view.text(parent).startswith("&"):
            yield [Edit(parent.start, parent.end, f"({name} = {init}, &{name})")]
        elif not (parent.kind == "BINARY_OPERATOR" and parent.children[0] is use):
            yield [Edit(use.start, use.end, f"({name} = {init})")]


def ignore_cancel_result(view, node):
    """A cancellation's result ignored: -ECANCELED handed on as 0 (success), or an
    io_uring completion's res read as 0."""
    if node is view.fn.body:
        toks = view.tokens
        for i in range(len(toks) - 1):
            if toks[i].spelling == "-" and toks[i + 1].spelling == "ECANCELED" \
                    and view.fn.body.start <= toks[i].start < view.fn.body.end:
                before = toks[i - 1].spelling
                after = toks[i + 2].spelling if i + 2 < len(toks) else ""
                if before not in ("==", "!=") and after not in ("==", "!="):
                    yield [Edit(toks[i].start, toks[i + 1].end, "0")]
    elif node.kind == "MEMBER_REF_EXPR" and node.owner == "io_uring_cqe" \
            and node.spelling == "res":
        parent = node.parent
        while parent.kind == "UNEXPOSED_EXPR":
            parent = parent.parent
        op = view.operator(parent) if parent.kind == "BINARY_OPERATOR" else None
        if op is None or op.spelling not in ("==", "!=", "<", ">", "<=", ">=", "="):
            yield [Edit(node.start, node.end, "0")]
