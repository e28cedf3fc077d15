"""``%%outline`` requirements: what a lead asks for, before any table exists.

See docs/outline.md.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..errors import did_you_mean, short
from .base import Identifier, OneLine, Principal, SpecModel, _identifier
from .modelzoo import Costs, Kpis
from .transform import Columns


def slug(text: str) -> str:
    """An identifier from a phrase: customer churn -> customer_churn."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    name = "_".join(words)[:64].strip("_")
    if not name:
        raise ValueError(f"use_case: {short(text)} has no letters to name tables by; add name:")
    if name[0].isdigit():
        name = f"uc_{name}"
    return _identifier(name)


class Source(SpecModel):
    """One input: files at a path or an existing table, with the keys that identify a row."""

    name: Identifier = Field(description="The Bronze and Silver table name.")
    path: OneLine | None = Field(None, description="Files: ./landing/sales/ or /Volumes/...")
    table: OneLine | None = Field(None, description="Or an existing table: raw.sales")
    format: Literal["csv", "json", "parquet", "delta"] | None = Field(
        None, description="csv, json, parquet or delta; inferred from the path when absent."
    )
    schema_ddl: OneLine | None = Field(
        None,
        alias="schema",
        description="Spark DDL columns (of a table: what it holds, for planning the features).",
    )
    keys: Columns = Field(
        default_factory=list,
        description="The columns that identify a row (required: Silver MERGEs on them).",
    )
    load: Literal["incremental", "full"] = Field(
        "incremental", description="incremental (only what is new) or full (replace every row)."
    )
    comment: OneLine | None = Field(None, description="The table's comment.")
    role: Literal["entity", "events", "labels", "lookup"] | None = Field(
        None,
        description="entity (one row per thing predicted), events (rows about an entity, "
        "aggregated over windows), labels (the target per entity and date) or lookup; inferred "
        "from relates, keys and target when absent.",
    )
    relates: dict[Identifier, Identifier] = Field(
        default_factory=dict,
        description="Foreign keys, {column: source}: {account_id: accounts}; inferred when a "
        "known column of this source is the single key of another.",
    )
    time_col: Identifier | None = Field(
        None,
        description="events: the time of each event; labels: the date a label is known (the "
        "cut-off: features use only events before it).",
    )

    @model_validator(mode="after")
    def _where(self) -> Source:
        if bool(self.path) == bool(self.table):
            raise ValueError(f"sources: {self.name} needs exactly one of path or table")
        return self


class Compliance(SpecModel):
    pii: Columns = Field(default_factory=list, description="Columns holding personal data.")
    retention_days: int | None = Field(None, ge=1, description="How long raw data is kept.")


class Owners(SpecModel):
    data: Principal | None = Field(None, description="Owns the tables.")
    ml: Principal | None = Field(None, description="Owns the model and its experiments.")
    readers: list[Principal] = Field(default_factory=list, description="May SELECT Gold.")


class Requirements(SpecModel):
    """A use case in a few lines: sources, what to predict, how fast, who owns what."""

    use_case: OneLine = Field(
        description="The use case in a few words (customer churn); it titles the notebook."
    )
    name: Identifier | None = Field(
        None,
        description="Names the Gold table, the model and the experiment; default: use_case as "
        "an identifier (customer churn -> customer_churn).",
    )
    catalog: Identifier | None = Field(None, description="Default: the configured catalog.")
    sources: list[Source] = Field(
        min_length=1, description="The inputs, at least one (see Source)."
    )
    target: Identifier = Field(description="The column to predict.")
    task: Literal["regression", "classification", "forecast"] = Field(
        description="regression, classification or forecast."
    )
    time_col: Identifier | None = Field(
        None, description="The time column (a forecast and a grain need it)."
    )
    grain: Literal["day", "week", "month"] | None = Field(
        None, description="Gold aggregates to this grain on time_col."
    )
    group_by: Columns = Field(default_factory=list, description="Gold's keys besides time.")
    entity: Identifier | None = Field(
        None,
        description="The source at the grain of the model (one row per entity and cut-off); "
        "default: the source the others relate to.",
    )
    windows: list[Annotated[int, Field(ge=1, le=3650)]] = Field(
        default_factory=lambda: [7, 30, 90],
        min_length=1,
        description="Days before each cut-off over which events are aggregated.",
    )
    labels: OneLine | None = Field(
        None,
        description="Where the target arrives, apart from the features: a source name, or a "
        "table (raw.churn_labels) landed as one more source with time_col as its date.",
    )
    kpis: Kpis = Field(
        default_factory=dict,
        description="Business KPIs, {name: SQL aggregate over the scored rows} as in %%modelzoo "
        "(label, prediction, probability and the Gold columns); the model zoo computes them "
        "for every candidate and %%monitor per window once labels arrive.",
    )
    costs: Costs | None = Field(
        None,
        description="Classification: {false_negative: 300, false_positive: 15}; the zoo tunes "
        "the decision threshold to the least cost (the KPI cost).",
    )
    select_by: Identifier | None = Field(
        None,
        description="What picks the winner and gates @champion: a metric or a KPI; default: the "
        "first KPI (cost when only costs are given), else the task's metric.",
    )
    sla: OneLine | None = Field(None, description="e.g. daily by 06:00 UTC")
    latency: Literal["batch", "streaming"] = Field("batch", description="batch or streaming.")
    compliance: Compliance = Field(
        default_factory=Compliance, description="Personal data and retention (see Compliance)."
    )
    owners: Owners = Field(
        default_factory=Owners,
        description="Who owns the data, the model, and who reads (see Owners).",
    )

    @property
    def chooser(self) -> str | None:
        """The metric or KPI that picks the winner (None: the zoo's default metric)."""
        if self.select_by:
            return self.select_by
        if self.kpis:
            return next(iter(self.kpis))
        return "cost" if self.costs else None

    @property
    def base_name(self) -> str:
        """What tables, the model and the experiment are named after."""
        return self.name or slug(self.use_case)

    @model_validator(mode="after")
    def _consistent(self) -> Requirements:
        if self.name is None:
            slug(self.use_case)  # a phrase without letters needs a name: one line now
        names = [s.name for s in self.sources]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"sources: {twice[0]} is named twice")
        for source in self.sources:
            if not source.keys:
                raise ValueError(
                    f"sources: {source.name} has no keys; Silver upserts (MERGE) on them"
                )
        _check_relations(self.sources)
        if len(set(self.windows)) != len(self.windows):
            raise ValueError(f"windows: {short(self.windows)} lists a window twice")
        if self.entity and self.entity not in names:
            raise ValueError(
                f"entity: {short(self.entity)} is not a source{did_you_mean(self.entity, names)}; "
                f"use one of {', '.join(names)}"
            )
        self._check_labels(names)
        if self.costs and self.task != "classification":
            raise ValueError("costs: a cost matrix is for task: classification (two classes)")
        if self.task == "forecast" and not self.time_col:
            raise ValueError("time_col: a forecast needs the time column")
        if self.grain and not self.time_col:
            raise ValueError("grain: aggregating to a grain needs time_col")
        return self

    def _check_labels(self, names: list[str]) -> None:
        if not self.labels:
            return
        if self.task == "forecast":
            raise ValueError("labels: a forecast learns from the history of the target itself")
        if self.labels in names:
            return
        if "." not in self.labels:
            raise ValueError(
                f"labels: {short(self.labels)} is not a source{did_you_mean(self.labels, names)}; "
                "name a source, or a table as schema.table"
            )
        try:
            _identifier(self.labels.rsplit(".", 1)[-1])
        except ValueError as err:
            raise ValueError(f"labels: {short(self.labels)}: the table name {err}") from None
        if not self.time_col:
            raise ValueError(
                f"labels: {short(self.labels)} is a table; add time_col: the date each label is "
                "known (the cut-off)"
            )

    @property
    def labels_table(self) -> str | None:
        """The table of labels: named by labels:, when it is not a source."""
        names = [s.name for s in self.sources]
        return self.labels if self.labels and self.labels not in names else None


def _check_relations(sources: list[Source]) -> None:
    """Every foreign key names a source, and not its own."""
    names = [s.name for s in sources]
    for source in sources:
        for column, other in source.relates.items():
            if other not in names or other == source.name:
                raise ValueError(
                    f"sources: {source.name}: relates: {column}: {short(other)} is not another "
                    f"source{did_you_mean(other, names)}; use one of "
                    f"{', '.join(n for n in names if n != source.name)}"
                )
