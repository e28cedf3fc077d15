"""Data-quality expectations as SQL conditions that are true for a good row.

Every kind becomes one boolean SQL expression, so all checks are columns of one pass.
NULL handling: ``in`` and ``range`` let NULL through (``not_null`` is the rule for that);
a ``rule`` that evaluates to NULL counts as failed.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..names import sql_ident
from ..spec.transform import Expectation
from ..sql import boolean_sql, referenced_columns, sql_string
from .columns import Columns


@dataclass(frozen=True)
class Check:
    name: str
    action: str
    sql: str


def sql_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return sql_string(str(value))


def expectation_sql(rule: Expectation, columns: Columns, where: str) -> str:
    """The condition a good row meets, after checking the columns it names."""
    kind = rule.kind
    if kind == "rule":
        sql = boolean_sql(rule.rule or "", f"{where}.rule")
        columns.require(f"{where}.rule", referenced_columns(rule.rule or "", f"{where}.rule"))
        return f"coalesce(({sql}), false)"
    if kind == "not_null":
        columns.require(f"{where}.not_null", rule.not_null or [])
        return " AND ".join(f"{sql_ident(c)} IS NOT NULL" for c in rule.not_null or [])
    if kind == "unique":
        cols = rule.unique or []
        columns.require(f"{where}.unique", cols)
        return f"count(1) OVER (PARTITION BY {', '.join(sql_ident(c) for c in cols)}) = 1"
    if kind == "in":
        columns.require(f"{where}.in", list(rule.in_ or {}))
        parts = []
        for column, values in (rule.in_ or {}).items():
            allowed = ", ".join(sql_value(v) for v in values)
            parts.append(f"({sql_ident(column)} IS NULL OR {sql_ident(column)} IN ({allowed}))")
        return " AND ".join(parts)
    columns.require(f"{where}.range", list(rule.range or {}))
    return " AND ".join(
        f"({sql_ident(c)} IS NULL OR {sql_ident(c)} BETWEEN {sql_value(lo)} AND {sql_value(hi)})"
        for c, (lo, hi) in (rule.range or {}).items()
    )


def plan_checks(rules: list[Expectation], columns: Columns, drop_nulls: list[str]) -> list[Check]:
    """Every expectation, plus ``clean.drop_nulls`` as a counted drop rule."""
    checks = []
    if drop_nulls:
        columns.require("clean.drop_nulls", drop_nulls)
        sql = " AND ".join(f"{sql_ident(c)} IS NOT NULL" for c in drop_nulls)
        checks.append(Check("clean_drop_nulls", "drop", sql))
    for index, rule in enumerate(rules):
        checks.append(
            Check(rule.name, rule.action, expectation_sql(rule, columns, f"expect[{index}]"))
        )
    return checks
