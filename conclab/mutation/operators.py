"""operators: the list of mutation operators, and the walk that makes a lab's mutants.

A mutant's identity is `<lab>/<file>:<function>:<operator>:<n>`, n counting that
operator's mutants in that function in source order from 1. It survives edits to other
functions and to later code of the same function, so tests/mutants/equivalent can name
mutants for good.

Every mutant of every operator is made and numbered; then identical mutated files are
merged (the first operator in OPERATORS keeps it), and a deterministic selection is
graded (select: a cap per operator per function, and a sample of the classic operators),
so that the classic operators cannot crowd out the rest nor blow the time budget.
"""
import hashlib
import os
from dataclasses import dataclass, field
from typing import List

from conclab import kit
from conclab.mutation import ops_atomic, ops_classic, ops_sync, ops_system
from conclab.mutation.edits import Edit, apply, one_line_diff
from conclab.mutation.parse import parse
from conclab.mutation.view import View

# What is graded (see select), measured to fit `make mutation` for every lab in 30
# minutes on 2 cores (docs/kit-internals.md): per operator per function at most CAP
# classic mutants and TARGETED_CAP of the others; and of the classic ones, which apply
# almost everywhere, one in CLASSIC_SAMPLE.
CAP = 1
TARGETED_CAP = 2
CLASSIC_SAMPLE = 6


def stable_hash(text):
    """A number that depends on text only (Python's hash() changes from run to run)."""
    return int(hashlib.sha1(text.encode()).hexdigest()[:12], 16)


@dataclass(frozen=True)
class Operator:
    name: str
    group: str
    make: object  # (View, Node) -> iterable of lists of Edits

    @property
    def doc(self):
        """The first paragraph of the operator's docstring, on one line."""
        return " ".join((self.make.__doc__ or "").strip().split("\n\n")[0].split())


OPERATORS = [
    Operator("remove-lock-pair", "locking", ops_sync.remove_lock_pair),
    Operator("shrink-critical-section", "locking", ops_sync.shrink_critical_section),
    Operator("shift-critical-section", "locking", ops_sync.shift_critical_section),
    Operator("swap-lock-order", "locking", ops_sync.swap_lock_order),
    Operator("remove-lock", "locking", ops_sync.remove_lock),
    Operator("drop-process-shared", "locking", ops_sync.drop_process_shared),
    Operator("while-to-if", "condition variables", ops_sync.while_to_if),
    Operator("broadcast-to-signal", "condition variables", ops_sync.broadcast_to_signal),
    Operator("remove-signal", "condition variables", ops_sync.remove_signal),
    Operator("relative-deadline", "condition variables", ops_sync.relative_deadline),
    Operator("wrong-clock", "condition variables", ops_sync.wrong_clock),
    Operator("split-atomic-rmw", "atomics", ops_atomic.split_atomic_rmw),
    Operator("plain-not-atomic", "atomics", ops_atomic.plain_not_atomic),
    Operator("remove-close", "processes and fds", ops_system.remove_close),
    Operator("drop-cloexec", "processes and fds", ops_system.drop_cloexec),
    Operator("drop-nonblock", "processes and fds", ops_system.drop_nonblock),
    Operator("remove-waitpid", "processes and fds", ops_system.remove_waitpid),
    Operator("exit-not-_exit", "processes and fds", ops_system.exit_not__exit),
    Operator("remove-signal-change", "processes and fds", ops_system.remove_signal_change),
    Operator("swap-read-and-reap", "processes and fds", ops_system.swap_read_and_reap),
    Operator("drop-timeout-abs", "io_uring and time", ops_system.drop_timeout_abs),
    Operator("rearm-from-now", "io_uring and time", ops_system.rearm_from_now),
    Operator("ignore-cancel-result", "io_uring and time", ops_system.ignore_cancel_result),
    Operator("delete-statement", "classic", ops_classic.delete_statement),
    Operator("negate-condition", "classic", ops_classic.negate_condition),
    Operator("boundary", "classic", ops_classic.boundary),
    Operator("return-value", "classic", ops_classic.return_value),
]
BY_NAME = {op.name: op for op in OPERATORS}


@dataclass
class Mutant:
    lab: str
    file: str
    function: str
    operator: str
    n: int
    edits: List[Edit]
    original: bytes = field(repr=False)
    mutated: bytes = field(repr=False)
    duplicate_of: str = ""  # the id of an earlier mutant that makes the same file

    @property
    def id(self):
        return f"{self.lab}/{self.file}:{self.function}:{self.operator}:{self.n}"

    @property
    def group(self):
        return BY_NAME[self.operator].group

    @property
    def slug(self):
        """The id as one safe folder name."""
        return f"{self.file}--{self.function}--{self.operator}--{self.n}"

    @property
    def diff(self):
        return one_line_diff(self.original, self.mutated)


def mutable_files(lab, root=kit.ROOT):
    """The reference's C files of lab (its headers hold declarations only)."""
    return [n for n in kit.student_files(lab, root) if n.endswith(".c")
            and os.path.isfile(os.path.join(root, "solutions", lab, n))]


def generate(lab, operators=None, root=kit.ROOT):
    """Every mutant of lab's reference, by file, function, operator and source order;
    a mutant whose file equals an earlier one's has duplicate_of set."""
    chosen = [BY_NAME[name] for name in operators] if operators else OPERATORS
    order = {op.name: i for i, op in enumerate(OPERATORS)}
    mutants = []
    for name in mutable_files(lab, root):
        unit = parse(lab, name, root)
        for fn in unit.functions:
            view = View(unit, fn)
            made = {op.name: [] for op in chosen}
            for node in fn.body.walk():
                for op in chosen:
                    for edits in op.make(view, node):
                        if not view.leaves_unused(edits):
                            made[op.name].append(edits)
            for op in chosen:
                for n, edits in enumerate(made[op.name], 1):
                    mutants.append(Mutant(lab, name, fn.name, op.name, n, edits,
                                          unit.data, apply(unit.data, edits)))
    first = {}
    for m in sorted(mutants, key=lambda m: (order[m.operator], m.file, m.function, m.n)):
        key = (m.file, m.mutated)
        if m.mutated == m.original:
            m.duplicate_of = "(the reference itself)"
        elif key in first:
            m.duplicate_of = first[key].id
        else:
            first[key] = m
    return mutants


def select(mutants, cap=CAP, targeted_cap=TARGETED_CAP, classic_sample=CLASSIC_SAMPLE):
    """The mutants to grade, in their order: no duplicate; per operator per function the
    cap (classic) or targeted_cap (others) mutants whose ids hash lowest; then, of the
    classic ones, those whose id hashes to 0 modulo classic_sample. Hashing the id makes
    the choice deterministic and stable: a mutant is picked or not for its own id, not
    for the count of its neighbours. A cap or sample of 0 keeps every one."""
    groups = {}
    for m in mutants:
        if not m.duplicate_of:
            groups.setdefault((m.file, m.function, m.operator), []).append(m)
    kept = set()
    for items in groups.values():
        classic = items[0].group == "classic"
        limit = cap if classic else targeted_cap
        if limit:
            items = sorted(items, key=lambda m: stable_hash(m.id))[:limit]
        if classic and classic_sample > 1:
            items = [m for m in items if stable_hash("sample " + m.id) % classic_sample == 0]
        kept.update(id(m) for m in items)
    return [m for m in mutants if id(m) in kept]
