"""``%%monitor NAME``: drift per feature and window against the training baseline, triggers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..errors import short
from .base import Identifier, OneLine, SpecModel
from .deploy import MODEL_REF
from .modelzoo import Kpis
from .transform import Columns


class Trigger(SpecModel):
    """Retrain when k of the last n windows breached and the latest did."""

    k: int = Field(2, ge=1, le=1000, description="Breached windows needed among the last n.")
    n: int = Field(3, ge=1, le=1000, description="How many of the latest windows count.")

    @model_validator(mode="after")
    def _k_within_n(self) -> Trigger:
        if self.k > self.n:
            raise ValueError(f"k ({self.k}) cannot exceed n ({self.n})")
        return self


class MonitorSpec(SpecModel):
    """Drift (PSI, KS), prediction drift and performance per time window, into a Gold table."""

    model: OneLine | None = Field(
        None, description="NAME@alias or NAME/version; default: the cell's NAME @champion."
    )
    table: OneLine | None = Field(
        None,
        description="What was scored (short names resolve to gold); default: <NAME>_predictions.",
    )
    time_col: Identifier = Field("scored_at", description="The column that places a row in time.")
    window: Literal["day", "week", "month"] = Field(
        "day", description="The time window: day, week or month."
    )
    features: Columns = Field(
        default_factory=list, description="Columns to check; default: the model's signature inputs."
    )
    label: Identifier | None = Field(
        None, description="The true value's column, for performance once labels arrive."
    )
    label_table: OneLine | None = Field(
        None, description="Where the labels arrive, joined on keys (default: the table itself)."
    )
    keys: Columns = Field(default_factory=list, description="Join columns for label_table.")
    kpis: Kpis = Field(
        default_factory=dict,
        description="{name: SQL aggregate} or {name: {sql: ..., goal: max|min}}: business KPIs "
        "per window over the rows whose labels arrived (label, prediction, probability and the "
        "table's columns; as in %%modelzoo).",
    )
    baseline: OneLine | None = Field(
        None,
        description="The reference table; default: the model's training table at the Delta "
        "version it was trained on (its MLflow run's source_table and data_version tags).",
    )
    psi_threshold: float = Field(
        0.2, gt=0, le=100, description="A feature drifts when its PSI exceeds this."
    )
    ks_alpha: float = Field(
        0.05, gt=0, lt=1, description="Family-wise level over a window's KS tests (Bonferroni)."
    )
    bins: int = Field(10, ge=2, le=100, description="Quantile bins of the baseline for PSI.")
    min_rows: int = Field(
        100,
        ge=2,
        le=2**31 - 1,
        description="A window needs this many non-null values for a drift statistic.",
    )
    trigger: Trigger = Field(default_factory=Trigger, description="When to retrain (see Trigger).")
    monitoring_table: OneLine | None = Field(
        None, description="Where results go; default: <NAME>_monitoring in gold."
    )
    lakehouse_monitoring: bool = Field(
        False, description="Databricks only: also create a Lakehouse Monitoring inference profile."
    )

    @model_validator(mode="after")
    def _consistent(self) -> MonitorSpec:
        if self.model and not MODEL_REF.match(self.model):
            raise ValueError(f"model: {short(self.model)} is not NAME, NAME@alias or NAME/version")
        if self.label_table and not self.label:
            raise ValueError("label_table: also give label, the column that holds the truth")
        if self.kpis and not self.label:
            raise ValueError("kpis: give label, the column that holds the truth (KPIs need it)")
        if self.label_table and not self.keys:
            raise ValueError("label_table: give keys, the columns that join it to the table")
        return self
