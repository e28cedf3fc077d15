"""Feature items (date_parts, lag, rolling, ratio, expr) as PySpark expressions.

Each feature becomes ``(column name, Python expression)``; window features share one
``Window`` spec per (by, order) pair so the generated code stays short. No Python UDFs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..render import py_literal
from ..spec.transform import Feature
from ..sql import expression_sql, referenced_columns
from .columns import Columns

DATE_PARTS = (
    ("year", "F.year"),
    ("quarter", "F.quarter"),
    ("month", "F.month"),
    ("weekofyear", "F.weekofyear"),
    ("day", "F.dayofmonth"),
    ("dayofweek", "F.dayofweek"),
)
AGGREGATES = {
    "mean": "F.avg",
    "sum": "F.sum",
    "min": "F.min",
    "max": "F.max",
    "stddev": "F.stddev",
    "count": "F.count",
}


@dataclass
class FeaturePlan:
    """What the template writes: window specs, then one ``withColumns`` per feature item."""

    windows: dict[str, str] = field(default_factory=dict)  # variable -> Window code
    steps: list[list[tuple[str, str]]] = field(default_factory=list)  # [(column, code)]
    window_by: list[list[str]] = field(default_factory=list)  # the by-columns of each window

    @property
    def names(self) -> list[str]:
        return [name for step in self.steps for name, _ in step]

    @property
    def history_by(self) -> list[str] | None:
        """The columns that bound every window feature's history (None: no window feature)."""
        if not self.window_by:
            return None
        common = set(self.window_by[0]).intersection(*map(set, self.window_by[1:]))
        return [c for c in self.window_by[0] if c in common]


def _cols(names: list[str]) -> str:
    return ", ".join(py_literal(n) for n in names)


def _window(plan: FeaturePlan, by: list[str], order: list[str]) -> str:
    code = f"Window.partitionBy({_cols(by)}).orderBy({_cols(order)})"
    for variable, existing in plan.windows.items():
        if existing == code:
            return variable
    variable = "by_" + "_".join(by or ["all"]) + "_over_" + "_".join(order)
    plan.windows[variable] = code
    plan.window_by.append(list(by))
    return variable


def plan_features(features: list[Feature], columns: Columns, key: str = "features") -> FeaturePlan:
    """Check every column a feature reads, and name what it adds."""
    plan = FeaturePlan()
    for index, feature in enumerate(features):
        where = f"{key}[{index}]"
        step = _feature(feature, columns, plan, where)
        plan.steps.append(step)
        columns.add(name for name, _ in step)
    return plan


def _feature(
    feature: Feature, columns: Columns, plan: FeaturePlan, where: str
) -> list[tuple[str, str]]:
    if feature.date_parts is not None:
        col = feature.date_parts
        columns.require(f"{where}.date_parts", [col])
        return [(f"{col}_{part}", f"{fn}({py_literal(col)})") for part, fn in DATE_PARTS]
    if feature.lag is not None:
        lag = feature.lag
        columns.require(f"{where}.lag", [lag.column, *lag.by, *(lag.order or [])])
        window = _window(plan, lag.by, lag.order or [])
        name = lag.name or f"{lag.column}_lag{lag.periods}"
        return [(name, f"F.lag({py_literal(lag.column)}, {lag.periods}).over({window})")]
    if feature.rolling is not None:
        roll = feature.rolling
        columns.require(f"{where}.rolling", [roll.column, *roll.by, *(roll.order or [])])
        window = _window(plan, roll.by, roll.order or [])
        name = roll.name or f"{roll.column}_{roll.agg}_{roll.window}"
        frame = f"{window}.rowsBetween({1 - roll.window}, Window.currentRow)"
        return [(name, f"{AGGREGATES[roll.agg]}({py_literal(roll.column)}).over({frame})")]
    if feature.ratio is not None:
        ratio = feature.ratio
        columns.require(f"{where}.ratio", [ratio.num, ratio.den])
        num, den = py_literal(ratio.num), py_literal(ratio.den)
        # Division by zero gives NULL, not an error or infinity.
        return [(ratio.name, f"F.col({num}) / F.when(F.col({den}) != 0, F.col({den}))")]
    ((name, text),) = feature.expr.items()  # type: ignore[union-attr]
    key = f"{where}.expr.{name}"
    columns.require(key, referenced_columns(text, key))
    return [(name, f"F.expr({py_literal(expression_sql(text, key))})")]
