"""The guard's state and verdicts: what blocks, what a confirmation must name, the receipts.

One :class:`Guard` per IPython shell. It is *active* while ``%guard on`` holds or while a
``%%guard`` cell runs; the static check (:mod:`.detect`) judges cells before they run, the
runtime layer (:mod:`.runtime`) judges single calls while they run, both through
:meth:`Guard.permitted`.
"""

from __future__ import annotations

import ast
import datetime
import fnmatch
import re
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..errors import DbxArchitectError
from .detect import Analysis, Operation, analyze
from .paths import is_path, normalize_path, target_key

# Kinds a Delta RESTORE can undo (a VACUUM changes no version; a DROP or rm removes the table).
RESTORABLE = {
    "overwrite",
    "replace",
    "delete",
    "truncate",
    "backfill",
    "restore",
    "alter drop",
    "update",
    "replace columns",
    "merge delete",
}
DEFAULT_RETENTION_HOURS = 168  # Delta's delta.deletedFileRetentionDuration default: 7 days


class GuardBlocked(DbxArchitectError):
    """A destructive call the runtime layer stopped."""


def _key(name: str) -> str:
    return target_key(name)


def allow_pattern(pattern: str) -> str:
    """How an allow-list pattern is kept: paths normalised (case kept), names lower case."""
    return normalize_path(pattern) if is_path(pattern) else pattern.strip().lower()


def parse_confirm(value: str) -> list[str]:
    """``a.b.c, d`` → ["a.b.c", "d"] (commas or spaces separate names)."""
    return [n for n in re.split(r"[,\s]+", value.strip()) if n]


@dataclass(frozen=True)
class Receipt:
    """How to undo one confirmed operation, recorded just before it ran."""

    target: str
    kind: str
    version: int | None  # the table's Delta version before the operation; None: not a Delta table
    version_time: datetime.datetime | None
    taken_at: datetime.datetime
    cell: str  # the cell's first line

    @property
    def rollback(self) -> str:
        if self.version is None:
            if self.kind == "drop":
                return f"no RESTORE for a dropped table (Unity Catalog: UNDROP TABLE {self.target})"
            return f"no rollback: {self.target} was not a Delta table before the {self.kind}"
        return f"RESTORE TABLE {_sql_name(self.target)} TO VERSION AS OF {self.version}"


def _sql_name(target: str) -> str:
    if "/" in target or ":" in target:
        return f"delta.`{target}`"
    return target


@dataclass
class Verdict:
    """The static check's judgement of one cell."""

    analysis: Analysis
    blocking: list[Operation]  # known targets, neither confirmed nor allowed
    allowed: list[Operation]
    unknown: list[Operation] = field(default_factory=list)  # targets nobody can name yet
    deferred: list[Operation] = field(default_factory=list)  # unknown, in a confirmed cell

    @property
    def blocked(self) -> bool:
        return bool(self.blocking or self.unknown or self.analysis.problems)

    @property
    def targets(self) -> list[str]:
        return list(dict.fromkeys(op.target for op in self.blocking if op.target))


@dataclass
class Guard:
    """State of the guard in one shell."""

    on: bool = False
    allow: list[str] = field(default_factory=list)  # fnmatch patterns (see allow_pattern)
    receipts: list[Receipt] = field(default_factory=list)
    confirmed: set[str] | None = None  # targets of the %%guard cell running now

    @property
    def active(self) -> bool:
        return self.on or self.confirmed is not None

    def is_allowed(self, target: str) -> bool:
        """Does an allow pattern cover *target*? Paths compare normalised: ``dbfs:/tmp/*`` does
        not cover ``dbfs:/tmp/../mnt/prod``."""
        key = _key(target)
        return any(
            fnmatch.fnmatchcase(key, pattern)
            for pattern in self.allow
            if is_path(pattern) == is_path(target)
        )

    def permitted(self, target: str | None) -> bool:
        """May an operation on *target* run now? (None: a target nobody could name.)"""
        if target is None:
            return False
        if self.is_allowed(target):
            return True
        return self.confirmed is not None and _key(target) in self.confirmed

    def judge(self, source: str | ast.Module, namespace: Mapping[str, Any]) -> Verdict:
        """The cell's verdict. It fails closed: a destructive operation whose target cannot
        be named blocks, unless the cell runs confirmed (then the runtime layer lets exactly
        the confirmed names through). Operations whose kind is only known at run time are
        left to the runtime layer."""
        analysis = analyze(source, namespace)
        verdict = Verdict(analysis, [], [])
        for op in analysis.operations:
            if op.pending:
                continue
            if op.target is None:
                (verdict.deferred if self.confirmed else verdict.unknown).append(op)
            else:
                (verdict.allowed if self.permitted(op.target) else verdict.blocking).append(op)
        return verdict

    @contextmanager
    def confirming(self, targets: Iterable[str]):
        """While the block runs, these targets may be changed (and nothing else)."""
        previous = self.confirmed
        self.confirmed = {_key(t) for t in targets}
        try:
            yield
        finally:
            self.confirmed = previous


def mismatch(confirmed: list[str], targets: list[str], open_ended: bool = False) -> str | None:
    """Why ``--confirm`` does not match the cell's targets, or None when it does.

    *open_ended*: the cell has targets only known when it runs, so extra names are those.
    """
    wanted = {_key(t): t for t in targets}
    given = {_key(c): c for c in confirmed}
    missing = [t for k, t in wanted.items() if k not in given]
    extra = [] if open_ended else [c for k, c in given.items() if k not in wanted]
    if not missing and not extra:
        return None
    parts = []
    if missing:
        parts.append(f"missing {', '.join(missing)}")
    if extra:
        parts.append(f"not in this cell: {', '.join(extra)}")
    return f"--confirm must name exactly what the cell changes: {'; '.join(parts)}"


def block_message(verdict: Verdict, first_line: str) -> str:
    """What a blocked cell shows: each operation, then the exact line to type."""
    lines = ["blocked: nothing in this cell ran. It would:"]
    held = sorted(verdict.blocking + verdict.unknown, key=lambda op: op.line)
    lines += [f"  - {op.describe()}" for op in held]
    lines += [f"  - cannot check {problem}" for problem in verdict.analysis.problems]
    if verdict.analysis.problems:
        lines.append("Fix the SQL, or run it with %guard off.")
    elif verdict.unknown:
        numbers = [str(n) for n in dict.fromkeys(op.line for op in verdict.unknown)]
        where = f"line{'s' if len(numbers) > 1 else ''} {', '.join(numbers)}"
        lines.append(
            f"The guard cannot name what {where} changes before the cell runs: write the tables "
            "or paths in place of NAME; while the cell runs, only the named ones may change."
        )
        lines.append(f"To run it, {first_line}:")
        lines.append(f"%%guard --confirm {','.join([*verdict.targets, 'NAME[,NAME...]'])}")
    else:
        lines.append(f"To run it, {first_line}:")
        lines.append(f"%%guard --confirm {','.join(verdict.targets)}")
    return "\n".join(lines)
