"""``%%gold TABLE``: joins, aggregates on a time grain, features, MERGE (see docs/gold.md)."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from ..errors import short
from .base import Identifier, OneLine, SpecModel
from .transform import Columns, Feature, TableSpec, as_list

KINDS = ("aggregate", "features", "predictions", "evaluation", "monitoring", "entity")
DEFAULT_WINDOWS = (7, 30, 90)
# Keys of the other kinds that mean nothing for kind: entity, and the keys only it reads.
NOT_FOR_ENTITY = ("from", "join", "group_by", "grain", "time_col", "aggregates", "features")
ENTITY_ONLY = (
    "entity",
    "attributes",
    "lookups",
    "tenure_from",
    "events",
    "windows",
    "labels",
    "as_of",
)

WindowDays = Annotated[int, Field(strict=True, ge=1, le=3650)]


def _date(value: object) -> object:
    """``as_of: 2026-01-31`` (YAML reads a date) or the same text; anything else in one line."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"expected a date like 2026-01-31, got {short(value)}") from None


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


class EventSource(SpecModel):
    """One event table of kind: entity, aggregated per entity key over each window."""

    table: OneLine = Field(..., description="The Silver event table.")
    time_col: Identifier = Field(
        ..., description="When each event happened; only events strictly before the cut-off count."
    )
    key: Identifier | None = Field(
        None, description="The column holding the entity key; default: the entity key's name."
    )
    numeric: Columns = Field(
        default_factory=list, description="Columns summed and averaged in each window."
    )
    categorical: Columns = Field(
        default_factory=list, description="Columns whose distinct values are counted per window."
    )
    name: Identifier | None = Field(
        None, description="The prefix of this source's feature columns; default: the table's name."
    )


class Lookup(SpecModel):
    """A table of kind: entity with one row per value of an entity column, joined on it."""

    table: OneLine = Field(..., description="The Silver lookup table, one row per key.")
    on: Identifier = Field(
        ..., description="The entity's column holding the lookup's key (a left join on it)."
    )
    key: Identifier | None = Field(
        None, description="The lookup's single key column; default: the name given in on."
    )
    columns: Columns = Field(
        default_factory=list,
        description="The lookup's columns carried as features; default: all but the key.",
    )
    prefix: Identifier | None = Field(
        None, description="Feature names are <prefix>_<column>; default: the table's name."
    )


class Labels(SpecModel):
    """The labels of kind: entity: each row is one cut-off (point in time) for one entity."""

    table: OneLine = Field(..., description="The Silver table of labels.")
    time_col: Identifier = Field(
        ..., description="The cut-off: features use only events strictly before its date."
    )
    target: Identifier = Field(..., description="The label column, carried into the table.")
    key: Identifier | None = Field(
        None, description="The column holding the entity key; default: the entity key's name."
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
    kind: Literal["aggregate", "features", "predictions", "evaluation", "monitoring", "entity"] = (
        Field(
            "aggregate",
            description="aggregate, features (keys become the primary key), a table with fixed "
            "columns (predictions, evaluation, monitoring), or entity: one row per entity and "
            "cut-off with windowed event aggregates.",
        )
    )
    entity: OneLine | None = Field(
        None, description="kind entity: the Silver table with one row per entity key."
    )
    attributes: Columns = Field(
        default_factory=list, description="kind entity: columns of the entity carried as features."
    )
    lookups: list[Lookup] = Field(
        default_factory=list,
        description="kind entity: tables joined on an entity column, one row per key (see Lookup).",
    )
    tenure_from: Identifier | None = Field(
        None, description="kind entity: a date column; tenure_days counts from it to the cut-off."
    )
    events: list[EventSource] = Field(
        default_factory=list,
        description="kind entity: event tables aggregated per entity (see EventSource).",
    )
    windows: list[WindowDays] | None = Field(
        None, description="kind entity: days before the cut-off; default [7, 30, 90]."
    )
    labels: Labels | None = Field(
        None, description="kind entity: one cut-off per label row, point in time (see Labels)."
    )
    as_of: Annotated[datetime.date, BeforeValidator(_date)] | None = Field(
        None, description="kind entity without labels: the cut-off date; default: today."
    )

    @property
    def window_days(self) -> list[int]:
        """The windows of kind entity, the default when none are given."""
        return list(self.windows or DEFAULT_WINDOWS)

    def _given(self, keys: tuple[str, ...]) -> list[str]:
        return [k for k in keys if k in self.model_fields_set or (k == "from" and self.from_)]

    def _entity_checks(self) -> None:
        refused = self._given(NOT_FOR_ENTITY)
        if refused:
            raise ValueError(f"{refused[0]}: not with kind entity (it reads entity and events)")
        if not self.entity:
            raise ValueError("entity: kind entity needs the Silver table with one row per key")
        if len(self.keys) != 1:
            raise ValueError(
                f"keys: kind entity needs exactly one key column (the entity key), "
                f"got {len(self.keys)}"
            )
        if not self.events:
            raise ValueError(
                "events: kind entity needs at least one event source, e.g. "
                "[{table: usage_events, time_col: event_time}]"
            )
        if self.windows is not None and not self.windows:
            raise ValueError("windows: give at least one window in days, e.g. [7, 30, 90]")
        twice = next((w for i, w in enumerate(self.window_days) if w in self.window_days[:i]), None)
        if twice is not None:
            raise ValueError(f"windows: {twice} is given twice")
        if self.labels is not None and self.as_of is not None:
            raise ValueError("as_of: with labels each label's date is the cut-off; drop as_of")

    @model_validator(mode="after")
    def _checks(self) -> GoldSpec:
        if self.kind == "entity":
            self._entity_checks()
            return self
        misplaced = self._given(ENTITY_ONLY)
        if misplaced:
            raise ValueError(f"{misplaced[0]}: only with kind: entity")
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
