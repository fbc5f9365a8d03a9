"""ops_sync: the mistakes students make with locks and condition variables.

Each operator is a function (view, node) -> lists of Edits, one list per mutant; it is
called on every node of a function, in source order (the operators that read tokens act
once, on the function's body). The lab code often wraps pthread calls in small helpers
(`lock(q)`, `wait_on(c, b)`): such a wrapper counts as the call it wraps.
"""
from conclab.mutation.edits import Edit
from conclab.mutation.tokens import flag_swaps

LOCKS = {"pthread_mutex_lock", "pthread_rwlock_rdlock", "pthread_rwlock_wrlock",
         "pthread_spin_lock"}
UNLOCKS = {"pthread_mutex_unlock", "pthread_rwlock_unlock", "pthread_spin_unlock"}
WAITS = {"pthread_cond_wait", "pthread_cond_timedwait", "pthread_cond_clockwait"}
WAKES = {"pthread_cond_signal", "pthread_cond_broadcast"}
CATEGORIES = {"lock": LOCKS, "unlock": UNLOCKS, "wait": WAITS, "wake": WAKES}
WRAPPER_STATEMENTS = 3  # a helper this short that makes one kind of call is a wrapper


def names(view, category):
    """The pthread calls of a category, and this file's small wrappers of them."""
    memo = view.unit.__dict__.setdefault("_wrappers", {})
    if category not in memo:
        found = set(CATEGORIES[category])
        others = set().union(*(v for k, v in CATEGORIES.items() if k != category))
        for f in view.unit.functions:
            called = {n.spelling for n in f.body.walk() if n.kind == "CALL_EXPR"}
            if (len(f.body.children) <= WRAPPER_STATEMENTS and called & found
                    and not called & others):
                found.add(f.name)
        memo[category] = found
    return memo[category]


def is_call(view, node, category):
    return node.kind == "CALL_EXPR" and node.spelling in names(view, category)


def _group(view, statements, i):
    """The statements from i on that belong together: a lock or unlock, and the
    `if (error ...)` checks right after it that test what it set."""
    run = [statements[i]]
    set_here = view.declared(statements[i]) | view.referenced(statements[i])
    j = i + 1
    while j < len(statements) and statements[j].kind == "IF_STMT" \
            and view.referenced(statements[j].children[0]) & set_here:
        run.append(statements[j])
        j += 1
    return run


def _section(view, lock):
    """For an unconditional lock call: (block statements, lock run start..end index,
    unlock run start..end index), the unlock being the first later statement of the same
    block that unconditionally unlocks the same lock; None if there is none."""
    statement, block = view.statement_of(lock)
    if statement is None or not view.unconditional(lock, statement):
        return None
    stmts, key = block.children, view.arguments_key(lock)
    i = next(k for k, s in enumerate(stmts) if s is statement)
    lock_run = _group(view, stmts, i)
    for k in range(i + len(lock_run), len(stmts)):
        for u in view.calls(stmts[k]):
            if is_call(view, u, "unlock") and view.arguments_key(u) == key \
                    and view.unconditional(u, stmts[k]):
                unlock_run = _group(view, stmts, k)
                return stmts, (i, i + len(lock_run) - 1), (k, k + len(unlock_run) - 1), u
    return None


def _movable(view, moved, past):
    """Whether statements `moved` can trade places with `past`: neither uses what the
    other declares."""
    declared_m = set().union(*(view.declared(s) for s in moved))
    used_m = set().union(*(view.referenced(s) for s in moved))
    return not (view.declared(past) & used_m) and not (declared_m & view.referenced(past))


def _only_calls(view, statement, categories):
    """Whether statement does nothing but calls of these categories, possibly inside an
    error check of their result (`gil_check(pthread_cond_signal(&c), "...")`)."""
    calls = view.calls(statement)
    wanted = set().union(*(names(view, c) for c in categories))
    if not calls or statement.kind not in ("CALL_EXPR", "BINARY_OPERATOR", "DECL_STMT"):
        return False
    for c in calls:
        if c.spelling in wanted:
            continue
        for arg in c.children[1:]:
            if not (view.calls(arg, wanted) or arg.kind.endswith("LITERAL")
                    or arg.kind == "UNEXPOSED_EXPR" and arg.children
                    and arg.children[0].kind.endswith("LITERAL")):
                return False
    return any(c.spelling in wanted for c in calls)


def _local_only(view, statement):
    """Whether statement touches only the function's own variables: no call, no
    pointer or array access, no name from outside the function."""
    inside = range(view.fn.node.start, view.fn.node.end)
    for n in statement.walk():
        if n.kind in ("CALL_EXPR", "MEMBER_REF_EXPR", "ARRAY_SUBSCRIPT_EXPR"):
            return False
        if n.kind == "UNARY_OPERATOR" and view.text(n).startswith("*"):
            return False
        if n.kind == "DECL_REF_EXPR" and n.ref not in inside:
            return False
    return True


def _harmless_outside(view, statement):
    """Whether moving statement out of a critical section cannot change what another
    thread sees: it touches nothing shared, or it only wakes waiters (allowed without
    the mutex), or it only releases another lock (the order of unlocks does not matter).
    Such moves make equivalent mutants, so they are not made."""
    return _local_only(view, statement) or _only_calls(view, statement, ("wake", "unlock"))


def remove_lock_pair(view, node):
    """A lock and its unlock both removed: the critical section is gone."""
    if is_call(view, node, "lock"):
        found = _section(view, node)
        if found:
            a, b = view.neutral(node), view.neutral(found[3])
            if a and b:
                yield [a, b]


def remove_lock(view, node):
    """One lock call removed (one of several paths, or inside the helper: all of them);
    its unlock stays."""
    if is_call(view, node, "lock"):
        edit = view.neutral(node)
        if edit:
            yield [edit]


def shrink_critical_section(view, node):
    """The lock taken one statement later, or the unlock made one statement earlier."""
    if not is_call(view, node, "lock"):
        return
    found = _section(view, node)
    if not found:
        return
    stmts, (l0, l1), (u0, u1), _ = found
    if u0 - l1 < 2:
        return  # a one-statement section: shrinking it empties it (remove-lock-pair's job)
    lock_run, unlock_run = stmts[l0:l1 + 1], stmts[u0:u1 + 1]
    first, last = stmts[l1 + 1], stmts[u0 - 1]
    if _movable(view, lock_run, first) and not _harmless_outside(view, first):
        yield view.swap_runs(lock_run, [first])
    if _movable(view, unlock_run, last) and not _harmless_outside(view, last):
        yield view.swap_runs([last], unlock_run)


def shift_critical_section(view, node):
    """The whole section moved by one statement: lock and unlock both later, or both
    earlier."""
    if not is_call(view, node, "lock"):
        return
    found = _section(view, node)
    if not found:
        return
    stmts, (l0, l1), (u0, u1), _ = found
    lock_run, unlock_run = stmts[l0:l1 + 1], stmts[u0:u1 + 1]
    if u0 - l1 < 2:
        return
    # Later: the section's first statement leaves it; earlier: its last one does.
    if u1 + 1 < len(stmts) and _movable(view, lock_run, stmts[l1 + 1]) \
            and _movable(view, unlock_run, stmts[u1 + 1]) \
            and not _harmless_outside(view, stmts[l1 + 1]):
        yield view.swap_runs(lock_run, [stmts[l1 + 1]]) + \
            view.swap_runs(unlock_run, [stmts[u1 + 1]])
    if l0 > 0 and _movable(view, lock_run, stmts[l0 - 1]) \
            and _movable(view, unlock_run, stmts[u0 - 1]) \
            and not _harmless_outside(view, stmts[u0 - 1]):
        yield view.swap_runs([stmts[l0 - 1]], lock_run) + \
            view.swap_runs([stmts[u0 - 1]], unlock_run)


def swap_lock_order(view, node):
    """Two locks held together taken in the other order (the deadlock of two transfers)."""
    if not is_call(view, node, "lock"):
        return
    statement, block = view.statement_of(node)
    if statement is None:
        return
    key = view.arguments_key(node)
    later = [s for s in block.children if s.start > statement.start]
    for s in later:
        for call in view.calls(s):
            if is_call(view, call, "unlock") and view.arguments_key(call) == key:
                return
            if is_call(view, call, "lock") and view.arguments_key(call) != key:
                yield [Edit(node.start, node.end, view.text(call)),
                       Edit(call.start, call.end, view.text(node))]
                return


def drop_process_shared(view, node):
    """PTHREAD_PROCESS_SHARED -> PTHREAD_PROCESS_PRIVATE: a lock in shared memory that
    only works within one process."""
    if node is view.fn.body:
        yield from flag_swaps(view, {"PTHREAD_PROCESS_SHARED": "PTHREAD_PROCESS_PRIVATE"})


def _own_jumps(loop):
    """Whether a break or continue in loop's body belongs to loop itself."""
    for n in loop.children[-1].walk():
        if n.kind in ("BREAK_STMT", "CONTINUE_STMT"):
            owner = next(a for a in n.ancestors() if a.kind in
                         ("WHILE_STMT", "FOR_STMT", "DO_STMT", "SWITCH_STMT"))
            if owner is loop and not (n.kind == "BREAK_STMT" and owner.kind == "SWITCH_STMT"):
                return True
    return False


def while_to_if(view, node):
    """`while (!ready) wait` -> `if (!ready) wait`: a spurious or stolen wake-up goes on
    as if the condition held. (A body that breaks out of the loop is wrapped in
    `do ... while (0)`, so that its break still has a loop to leave, once.)"""
    if node.kind == "WHILE_STMT" and view.text(node).startswith("while"):
        body = node.children[-1]
        if any(is_call(view, c, "wait") for c in view.calls(body)):
            edits = [Edit(node.start, node.start + len("while"), "if")]
            if _own_jumps(node):
                end = view.end_of_statement(body)
                edits += [Edit(body.start, body.start, "do "),
                          Edit(end, end, " while (0);")]
            yield edits


def broadcast_to_signal(view, node):
    """pthread_cond_broadcast -> pthread_cond_signal: only one of the waiters wakes."""
    if node.kind == "CALL_EXPR" and node.spelling == "pthread_cond_broadcast":
        edit = view.rename_call(node, "pthread_cond_signal")
        if edit:
            yield [edit]


def remove_signal(view, node):
    """A signal or broadcast removed: a waiter sleeps on, or until its timeout."""
    if is_call(view, node, "wake"):
        edit = view.neutral(node)
        if edit:
            yield [edit]


def relative_deadline(view, node):
    """An absolute deadline replaced by the relative delay it was made from (a timed
    wait then ends at once, the deadline being long past)."""
    if node.kind == "CALL_EXPR" and node.spelling == "clock_deadline_after_ns":
        edit = view.rename_call(node, "clock_timespec_from_ns")
        if edit:
            yield [edit]


def wrong_clock(view, node):
    """CLOCK_MONOTONIC -> CLOCK_REALTIME: deadlines measured on one clock and waited on
    another, or exposed to wall-clock changes."""
    if node is view.fn.body:
        yield from flag_swaps(view, {"CLOCK_MONOTONIC": "CLOCK_REALTIME"})
