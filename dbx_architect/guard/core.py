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

# Kinds a Delta RESTORE can undo (a VACUUM changes no version; a DROP or rm removes the table).
RESTORABLE = {"overwrite", "replace", "delete", "truncate", "backfill", "restore", "alter drop"}
DEFAULT_RETENTION_HOURS = 168  # Delta's delta.deletedFileRetentionDuration default: 7 days


class GuardBlocked(DbxArchitectError):
    """A destructive call the runtime layer stopped."""


def _key(name: str) -> str:
    return name.strip().strip("`").lower()


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

    @property
    def blocked(self) -> bool:
        return bool(self.blocking or self.analysis.problems)

    @property
    def targets(self) -> list[str]:
        return list(dict.fromkeys(op.target for op in self.blocking if op.target))


@dataclass
class Guard:
    """State of the guard in one shell."""

    on: bool = False
    allow: list[str] = field(default_factory=list)  # fnmatch patterns, lower case
    receipts: list[Receipt] = field(default_factory=list)
    confirmed: set[str] | None = None  # targets of the %%guard cell running now

    @property
    def active(self) -> bool:
        return self.on or self.confirmed is not None

    def is_allowed(self, target: str) -> bool:
        return any(fnmatch.fnmatchcase(_key(target), pattern) for pattern in self.allow)

    def permitted(self, target: str | None) -> bool:
        """May an operation on *target* run now? (None: a target nobody could name.)"""
        if target is None:
            return False
        if self.is_allowed(target):
            return True
        return self.confirmed is not None and _key(target) in self.confirmed

    def judge(self, source: str | ast.Module, namespace: Mapping[str, Any]) -> Verdict:
        analysis = analyze(source, namespace)
        blocking, allowed = [], []
        for op in analysis.operations:
            if op.target is None:
                continue  # the runtime layer judges it when the call runs
            (allowed if self.permitted(op.target) else blocking).append(op)
        return Verdict(analysis, blocking, allowed)

    @contextmanager
    def confirming(self, targets: Iterable[str]):
        """While the block runs, these targets may be changed (and nothing else)."""
        previous = self.confirmed
        self.confirmed = {_key(t) for t in targets}
        try:
            yield
        finally:
            self.confirmed = previous


def mismatch(confirmed: list[str], targets: list[str]) -> str | None:
    """Why ``--confirm`` does not match the cell's targets, or None when it does."""
    wanted = {_key(t): t for t in targets}
    given = {_key(c): c for c in confirmed}
    missing = [t for k, t in wanted.items() if k not in given]
    extra = [c for k, c in given.items() if k not in wanted]
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
    lines += [f"  - {op.describe()}" for op in verdict.blocking]
    lines += [f"  - cannot check {problem}" for problem in verdict.analysis.problems]
    if verdict.targets:
        lines.append(f"To run it, {first_line}:")
        lines.append(f"%%guard --confirm {','.join(verdict.targets)}")
    else:
        lines.append("Fix the SQL, or run it with %guard off.")
    return "\n".join(lines)
