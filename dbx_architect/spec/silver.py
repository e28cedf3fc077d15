"""``%%silver TABLE``: cleaning, data quality, dedupe, features, MERGE (see docs/silver.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..errors import short
from .base import Identifier, OneLine, SpecModel
from .transform import Columns, Expectation, Feature, Scalar, TableSpec


class Clean(SpecModel):
    """Cleaning steps, in this order: trim, lower, fill, drop_nulls."""

    trim: Columns | Literal[True] | None = Field(
        None, description="Columns to trim, or true for every string column."
    )
    lower: Columns = Field(default_factory=list, description="Columns to lower-case.")
    fill: dict[Identifier, Scalar] = Field(
        default_factory=dict, description="A value for NULLs per column, e.g. {units: 0}."
    )
    drop_nulls: Columns = Field(
        default_factory=list, description="Drop rows where any of these columns is NULL."
    )


class SilverSpec(TableSpec):
    """Clean, check and deduplicate a Bronze table into a Silver table, upserted on keys."""

    from_: OneLine = Field(..., alias="from", description="The Bronze table to read.")
    load: Literal["incremental", "full"] = Field(
        "incremental", description="incremental: only the changes since the last run (CDF)."
    )
    keys: Columns = Field(..., description="One row per key; MERGE on these columns.")
    order_by: Columns = Field(default_factory=list, description="The latest row per key wins.")
    select: Columns = Field(
        default_factory=list, description="Keep only these columns (default: every column)."
    )
    rename: dict[Identifier, Identifier] = Field(
        default_factory=dict, description="{old: new} column names."
    )
    casts: dict[Identifier, OneLine] = Field(
        default_factory=dict, description="{column: SQL type}, e.g. {price: DECIMAL(10,2)}."
    )
    clean: Clean | None = Field(None, description="Cleaning steps (see Clean).")
    expect: list[Expectation] = Field(
        default_factory=list, description="Data-quality checks (see Expectation)."
    )
    features: list[Feature] = Field(
        default_factory=list, description="Features added after dedupe (see Feature)."
    )

    @model_validator(mode="after")
    def _checks(self) -> SilverSpec:
        if not self.keys:
            raise ValueError("keys: give at least one column (the MERGE key)")
        names = [e.name for e in self.expect]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"expect: the name {short(twice[0])} is used twice")
        return self
