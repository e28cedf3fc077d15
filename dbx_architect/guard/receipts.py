"""Rollback receipts: a table's Delta version just before a confirmed change, and its RESTORE."""

from __future__ import annotations

import datetime
import re
from typing import Any

from .core import DEFAULT_RETENTION_HOURS, RESTORABLE, Guard, Receipt, _sql_name
from .detect import Operation


def current_version(spark: Any, target: str) -> tuple[int | None, datetime.datetime | None]:
    """The latest Delta version of *target* and when it was written; (None, None) if none."""
    try:
        row = spark.sql(f"DESCRIBE HISTORY {_sql_name(target)} LIMIT 1").first()
    except Exception:  # not a table yet, or not Delta: nothing to restore to
        return None, None
    if row is None:
        return None, None
    return int(row["version"]), row["timestamp"]


def take(spark: Any, operations: list[Operation], cell: str) -> list[Receipt]:
    """One receipt per changed target, recorded before the cell runs."""
    now = datetime.datetime.now()
    receipts: list[Receipt] = []
    for op in operations:
        if op.target is None or op.kind not in RESTORABLE | {"drop"}:
            continue
        if any(r.target == op.target for r in receipts):
            continue
        version, written = None, None
        if spark is not None and op.kind != "drop":  # RESTORE cannot bring a dropped table back
            version, written = current_version(spark, op.target)
        receipts.append(Receipt(op.target, op.kind, version, written, now, cell))
    return receipts


def vacuum_warnings(guard: Guard, operations: list[Operation]) -> list[str]:
    """A VACUUM deletes the files older versions need: say which receipts it would break."""
    warnings = []
    now = datetime.datetime.now()
    for op in operations:
        if op.kind != "vacuum" or op.target is None:
            continue
        match = re.search(r"retain ([\d.]+) hours", op.detail)
        hours = float(match.group(1)) if match else DEFAULT_RETENTION_HOURS
        cutoff = now - datetime.timedelta(hours=hours)
        for receipt in guard.receipts:
            if receipt.target.lower() != op.target.lower() or receipt.version is None:
                continue
            # The files version n needs were unreferenced when the change ran (taken_at);
            # VACUUM deletes unreferenced files older than its retention.
            if receipt.taken_at < cutoff:
                warnings.append(
                    f"VACUUM {op.target} keeps {hours:g} hours of history: after it, the receipt "
                    f"'{receipt.rollback}' (taken {receipt.taken_at:%Y-%m-%d %H:%M}) no longer "
                    "works"
                )
    return warnings
