"""``%%gold TABLE``: joins, aggregates on a time grain, features, MERGE (see docs/gold.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from .base import Identifier, OneLine, SpecModel
from .transform import Columns, Feature, TableSpec, as_list

KINDS = ("aggregate", "features", "predictions", "evaluation", "monitoring")


def _some(columns: list[str]) -> list[str]:
    if not columns:
        raise ValueError("give at least one column the tables share")
    return columns


class Join(SpecModel):
    on: Annotated[Columns, AfterValidator(_some)] = Field(
        ..., description="Columns the tables share (joined with USING)."
    )
    how: Literal["inner", "left", "right", "full"] = Field(
        "inner", description="inner, left, right or full."
    )


class GoldSpec(TableSpec):
    """Serve Silver data: join, aggregate on a time grain, add features, MERGE on keys."""

    from_: Annotated[list[OneLine], BeforeValidator(as_list)] = Field(
        default_factory=list, alias="from", description="One Silver table, or several to join."
    )
    join: Join | None = Field(None, description="How several tables in from are joined (see Join).")
    group_by: Columns = Field(default_factory=list, description="Columns to aggregate by.")
    grain: Literal["day", "week", "month"] | None = Field(
        None, description="day, week (Monday) or month, applied to time_col."
    )
    time_col: Identifier | None = Field(None, description="The time column the grain truncates.")
    aggregates: dict[Identifier, OneLine] = Field(
        default_factory=dict, description="{name: SQL aggregate}, e.g. {units: sum(units)}."
    )
    features: list[Feature] = Field(
        default_factory=list, description="Features added after aggregating (see Feature)."
    )
    keys: Columns = Field(default_factory=list, description="Default: the group-by columns.")
    kind: Literal["aggregate", "features", "predictions", "evaluation", "monitoring"] = Field(
        "aggregate",
        description="aggregate, features (keys become the primary key), or a table with fixed "
        "columns: predictions, evaluation, monitoring.",
    )

    @model_validator(mode="after")
    def _checks(self) -> GoldSpec:
        if len(self.from_) > 1 and self.join is None:
            raise ValueError("join: several tables in from need join: {on: [columns], how: ...}")
        if self.join is not None and len(self.from_) < 2:
            raise ValueError("join: needs at least two tables in from")
        if self.grain and not self.time_col:
            raise ValueError(f"time_col: grain {self.grain} needs the time column to truncate")
        if self.aggregates and not (self.group_by or self.grain):
            raise ValueError("group_by: aggregates need group_by columns or a grain")
        if (self.group_by or self.grain) and not self.aggregates:
            raise ValueError(
                "aggregates: group_by needs at least one aggregate, e.g. units: sum(units)"
            )
        if not self.from_ and self.kind in ("aggregate", "features"):
            raise ValueError(f"from: kind {self.kind} needs a table to read")
        return self
