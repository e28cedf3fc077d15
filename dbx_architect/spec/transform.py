"""Spec parts shared by ``%%silver`` and ``%%gold``: features and data-quality expectations."""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from ..errors import short
from .base import Identifier, OneLine, Principal, ScalarText, SpecModel

Action = Literal["warn", "drop", "quarantine", "fail"]

_PROPERTY_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")


def _property_key(value: str) -> str:
    if not _PROPERTY_KEY.match(value):
        raise ValueError(
            f"{short(value)} is not a valid table property name (like delta.appendOnly)"
        )
    return value


PropertyKey = Annotated[str, AfterValidator(_property_key)]
Scalar = str | int | float | bool


def as_list(value: Any) -> Any:
    """``by: store`` and ``by: [store]`` mean the same thing."""
    return [value] if isinstance(value, str) else value


Columns = Annotated[list[Identifier], BeforeValidator(as_list)]


class Expectation(SpecModel):
    """One data-quality rule: exactly one of rule, not_null, unique, in, range."""

    name: Identifier = Field(
        description="The check's name, as reported in the quality summary and _failed."
    )
    action: Action = Field(
        "warn",
        description="What a failing row does: warn (count it), drop, quarantine (move it to "
        "<table>_quarantine) or fail (stop before writing).",
    )
    rule: OneLine | None = Field(None, description="A SQL boolean expression.")
    not_null: Columns | None = Field(None, description="Columns that must not be NULL.")
    unique: Columns | None = Field(None, description="Columns that together are unique.")
    in_: dict[Identifier, list[Scalar]] | None = Field(
        None,
        alias="in",
        description="Allowed values per column, e.g. {store: [north, south]}; NULL passes.",
    )
    range: dict[Identifier, list[int | float | str]] | None = Field(
        None, description="[min, max] per column, both included; NULL passes."
    )

    KINDS: ClassVar[tuple[str, ...]] = ("rule", "not_null", "unique", "in", "range")

    @property
    def kind(self) -> str:
        return next(k for k in self.KINDS if getattr(self, "in_" if k == "in" else k) is not None)

    @model_validator(mode="after")
    def _one_kind(self) -> Expectation:
        given = [k for k in self.KINDS if getattr(self, "in_" if k == "in" else k) is not None]
        if len(given) != 1:
            got = ", ".join(given) or "none"
            raise ValueError(f"give exactly one of rule, not_null, unique, in, range (got {got})")
        if given[0] in ("not_null", "unique") and not getattr(self, given[0]):
            raise ValueError(f"{given[0]} needs at least one column")
        if self.in_ is not None:
            for column, values in self.in_.items():
                if not values:
                    raise ValueError(f"in: {column} needs at least one allowed value")
        if self.range is not None:
            for column, bounds in self.range.items():
                if len(bounds) != 2:
                    raise ValueError(f"range: {column} needs [min, max], got {short(bounds)}")
                low, high = bounds
                if type(low) is not type(high) and not all(
                    isinstance(b, int | float) for b in bounds
                ):
                    raise ValueError(f"range: {column} bounds {short(bounds)} are not of one type")
                if _inverted(low, high):
                    raise ValueError(f"range: {column} has min {short(low)} > max {short(high)}")
        return self


class Lag(SpecModel):
    column: Identifier = Field(description="The column to look back on.")
    by: Columns = Field(
        default_factory=list, description="Columns naming one series; the lag stays inside it."
    )
    order: Columns | None = Field(None, description="The column(s) that give time (required).")
    periods: int = Field(1, ge=1, le=10_000, description="How many rows back.")
    name: Identifier | None = Field(
        None, description="The feature's column name; default: <column>_lag<periods>."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Lag:
        if not self.order:
            raise ValueError(f"lag of {self.column} needs order (the column(s) that give time)")
        return self


class Rolling(SpecModel):
    column: Identifier = Field(description="The column to aggregate.")
    by: Columns = Field(
        default_factory=list, description="Columns naming one series; the window stays inside it."
    )
    order: Columns | None = Field(None, description="The column(s) that give time (required).")
    window: int = Field(..., ge=1, le=10_000, description="Rows, the current one included.")
    agg: Literal["mean", "sum", "min", "max", "stddev", "count"] = Field(
        "mean", description="mean, sum, min, max, stddev or count over the window."
    )
    name: Identifier | None = Field(
        None, description="The feature's column name; default: <column>_<agg>_<window>."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Rolling:
        if not self.order:
            raise ValueError(f"rolling {self.agg} of {self.column} needs order")
        return self


class Ratio(SpecModel):
    name: Identifier = Field(description="The feature's column name.")
    num: Identifier = Field(description="The numerator column.")
    den: Identifier = Field(description="The denominator column (NULL where it is 0).")


class Feature(SpecModel):
    """One feature: exactly one of date_parts, lag, rolling, ratio, expr."""

    date_parts: Identifier | None = Field(
        None, description="A date or timestamp column split into year, month, day, day of week..."
    )
    lag: Lag | None = Field(None, description="The value of a column some rows back (see Lag).")
    rolling: Rolling | None = Field(
        None, description="An aggregate over the last rows (see Rolling)."
    )
    ratio: Ratio | None = Field(None, description="num / den (see Ratio).")
    expr: dict[Identifier, OneLine] | None = Field(
        None, description="{name: SQL expression}, one per feature item."
    )

    KINDS: ClassVar[tuple[str, ...]] = ("date_parts", "lag", "rolling", "ratio", "expr")

    @property
    def kind(self) -> str:
        return next(k for k in self.KINDS if getattr(self, k) is not None)

    @model_validator(mode="after")
    def _one_kind(self) -> Feature:
        given = [k for k in self.KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "each feature is one of date_parts, lag, rolling, ratio, expr "
                f"(got {', '.join(given) or 'none'})"
            )
        if self.expr is not None and len(self.expr) != 1:
            raise ValueError("expr: one {name: SQL} per feature item")
        return self


class TableSpec(SpecModel):
    """Keys every table-writing spec ends with: physical layout and governance."""

    partition_by: Columns = Field(
        default_factory=list,
        description="Partition columns (physical layout); not with cluster_by.",
    )
    cluster_by: Columns = Field(
        default_factory=list, description="Liquid clustering columns; not with partition_by."
    )
    comment: OneLine | None = Field(None, description="The table's comment.")
    owner: Principal | None = Field(
        None, description="The Unity Catalog owner (a user, group or service principal)."
    )
    tags: dict[OneLine, ScalarText] = Field(
        default_factory=dict, description="Unity Catalog tags (comments when the target is local)."
    )
    column_tags: dict[Identifier, dict[OneLine, ScalarText]] = Field(
        default_factory=dict,
        description="Unity Catalog tags on columns, e.g. {email: {pii: email}} (comments when "
        "the target is local).",
    )
    properties: dict[PropertyKey, ScalarText] = Field(
        default_factory=dict, description="TBLPROPERTIES, e.g. delta.appendOnly: true."
    )

    @model_validator(mode="after")
    def _one_layout(self) -> TableSpec:
        if self.partition_by and self.cluster_by:
            raise ValueError(
                "partition_by and cluster_by: use one of them, not both "
                "(liquid clustering replaces partitioning)"
            )
        return self


def _inverted(low: int | float | str, high: int | float | str) -> bool:
    """min > max, for bounds already known to be both numbers or both text."""
    if isinstance(low, str) or isinstance(high, str):
        return str(low) > str(high)
    return low > high
