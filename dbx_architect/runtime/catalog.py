"""What the live catalog can tell an expansion (a table's columns), through any SparkSession."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ColumnLookup = Callable[[str], "list[str] | None"]


def no_lookup(table: str) -> list[str] | None:
    """Without a session nothing is known: column checks wait for run time."""
    return None


def spark_lookup(spark: Any) -> ColumnLookup:
    """Columns of a table as the session sees them, or None when it cannot say."""

    def columns(table: str) -> list[str] | None:
        try:
            if not spark.catalog.tableExists(table):
                return None
            return list(spark.table(table).columns)
        except Exception:  # an unreachable catalog must never break an expansion
            return None

    return columns
