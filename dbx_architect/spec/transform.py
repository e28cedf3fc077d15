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

    name: Identifier
    action: Action = "warn"
    rule: OneLine | None = Field(None, description="A SQL boolean expression.")
    not_null: Columns | None = None
    unique: Columns | None = None
    in_: dict[Identifier, list[Scalar]] | None = Field(None, alias="in")
    range: dict[Identifier, list[int | float | str]] | None = None

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
                if low > high:
                    raise ValueError(f"range: {column} has min {short(low)} > max {short(high)}")
        return self


class Lag(SpecModel):
    column: Identifier
    by: Columns = Field(default_factory=list)
    order: Columns | None = None
    periods: int = Field(1, ge=1, le=10_000)
    name: Identifier | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Lag:
        if not self.order:
            raise ValueError(f"lag of {self.column} needs order (the column(s) that give time)")
        return self


class Rolling(SpecModel):
    column: Identifier
    by: Columns = Field(default_factory=list)
    order: Columns | None = None
    window: int = Field(..., ge=1, le=10_000, description="Rows, the current one included.")
    agg: Literal["mean", "sum", "min", "max", "stddev", "count"] = "mean"
    name: Identifier | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Rolling:
        if not self.order:
            raise ValueError(f"rolling {self.agg} of {self.column} needs order")
        return self


class Ratio(SpecModel):
    name: Identifier
    num: Identifier
    den: Identifier


class Feature(SpecModel):
    """One feature: exactly one of date_parts, lag, rolling, ratio, expr."""

    date_parts: Identifier | None = None
    lag: Lag | None = None
    rolling: Rolling | None = None
    ratio: Ratio | None = None
    expr: dict[Identifier, OneLine] | None = None

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

    partition_by: Columns = Field(default_factory=list)
    cluster_by: Columns = Field(default_factory=list)
    comment: OneLine | None = None
    owner: Principal | None = None
    tags: dict[OneLine, ScalarText] = Field(default_factory=dict)
    properties: dict[PropertyKey, ScalarText] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_layout(self) -> TableSpec:
        if self.partition_by and self.cluster_by:
            raise ValueError(
                "partition_by and cluster_by: use one of them, not both "
                "(liquid clustering replaces partitioning)"
            )
        return self
